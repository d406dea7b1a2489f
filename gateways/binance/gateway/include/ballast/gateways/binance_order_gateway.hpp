// Binance USDⓈ-M order entry as an OrderSink: signed order.place / order.status over the
// WebSocket API, fills from the user-data stream. Runs on the thread that calls it (the
// order agent): send() writes into the API socket's send buffer and hands it to the kernel
// at once; poll_reports() drives the gateway's own io_uring loop.
//
// Which socket reports what (docs/binance-dialect.md, "Fills"): the user-data stream's
// ORDER_TRADE_UPDATE is the only source of an order's life (NEW -> ack, TRADE -> fills,
// CANCELED / EXPIRED / REJECTED); API replies add only what the stream cannot say: a
// request the venue refused (order.place error -> rejected; order.cancel/modify error ->
// ack with kBinanceRejectCancel) and order.status answers. So no fill is counted twice.
//
// Session: the venue is up once the API socket is open, the listen key is confirmed on
// this connection and the user-data socket is open; then an ExecReport session_up goes
// to the engine, which answers with status queries for orders it lost track of. Losing
// either socket pushes session_down (once) and sends are refused until both are back:
// an order is never re-sent by the gateway, so a reconnect cannot duplicate one.
//
// Throttle: the rateLimits every response carries (RateLimitState) refuse a send that
// would exceed the venue's ORDERS windows, and a 429/418 backs off until it says.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ballast/binance/credentials.hpp"
#include "ballast/binance/order_encoder.hpp"
#include "ballast/binance/response_parser.hpp"
#include "ballast/binance/symbol_map.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/model.hpp"
#include "ballast/core/order_gate.hpp"
#include "ballast/core/venue_problem.hpp"
#include "ballast/gateways/binance_connection.hpp"
#include "ballast/net/io_ring_loop.hpp"
#include "ballast/net/ws_client.hpp"

namespace ballast::gateways {

struct BinanceOrderGatewayOptions {
  BinanceConnectionOptions connection;
  binance::ApiCredentials credentials;  // moved in; the secret only keys the signer
  std::int64_t recv_window_ms = 5000;
  binance::BinanceTimeInForce time_in_force = binance::BinanceTimeInForce::ioc;
  VenueId venue = 0;  // instruments of this venue; ExecReport::venue of session events
  // userDataStream.ping this often once the listen key is known (Binance: a key lives 60
  // minutes after its last start or ping).
  std::int64_t listen_key_keepalive_ns = 30LL * 60 * 1'000'000'000;
};

struct BinanceOrderGatewayCounters {
  std::uint64_t orders_sent = 0;
  std::uint64_t status_queries_sent = 0;
  std::uint64_t positions_requests_sent = 0;  // account.position
  std::uint64_t cancels_sent = 0;             // order.cancel requests (the operator's kill)
  std::uint64_t not_connected = 0;            // send refused: session down
  std::uint64_t rate_limited = 0;             // send refused: the venue's ORDERS window is full
  std::uint64_t send_failures = 0;            // not encodable or no room in the send buffer
  std::uint64_t reports = 0;                  // ExecReports handed to the engine
  std::uint64_t reports_dropped = 0;          // local ring full (must stay 0)
  std::uint64_t replies = 0;                  // API responses read
  std::uint64_t replies_superseded = 0;       // successful replies whose news the stream carries
  std::uint64_t rejects = 0;                  // API error replies
  std::uint64_t user_events = 0;              // user-data stream messages read
  std::uint64_t malformed = 0;                // dropped whole, never acted on
  std::uint64_t session_ups = 0;
  std::uint64_t session_downs = 0;
  std::uint64_t api_connects = 0;
  std::uint64_t user_connects = 0;
  std::uint64_t errors = 0;            // connection errors reported by the clients
  std::uint64_t listen_key_pings = 0;  // userDataStream.ping sent
};

class BinanceOrderGateway final : public OrderSink, private net::WsHandler {
 public:
  // Setup: loop, encoder (keys the signer), parser, API client. Throws std::runtime_error
  // / std::system_error when io_uring or the CA file is unusable.
  BinanceOrderGateway(const Universe& universe, BinanceOrderGatewayOptions options);
  ~BinanceOrderGateway() override;
  BinanceOrderGateway(const BinanceOrderGateway&) = delete;
  BinanceOrderGateway& operator=(const BinanceOrderGateway&) = delete;

  // From any thread: the order thread connects on its next poll_reports().
  void start() noexcept { start_requested_.store(true, std::memory_order_release); }

  // order.place (LIMIT, time in force per options, exact decimals); purpose status_query:
  // order.status instead. False (nothing written) when the session is down, the venue's
  // order-rate window is full, or the order cannot be encoded.
  bool send(OrderRequest& order) noexcept override;
  std::size_t poll_reports(ExecReport* out, std::size_t max) noexcept override;
  void warm() noexcept override;

  [[nodiscard]] bool session_up() const noexcept { return up_.load(std::memory_order_acquire); }
  // Why the session last failed, in words ("api: tls_failed: certificate verify failed:
  // ...", "API key refused: -2015 ..."); "" if it never did. Any thread.
  [[nodiscard]] std::string last_problem() const { return problem_.get(); }
  // Read after the order thread stopped (or from it).
  [[nodiscard]] const BinanceOrderGatewayCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const binance::ResponseCounters& parser_counters() const noexcept {
    return parser_.counters();
  }
  [[nodiscard]] const binance::RateLimitState& rate_limits() const noexcept {
    return parser_.rate_limits();
  }
  // Closes the sockets and runs the loop until they are down (up to timeout_ns); on the
  // order thread, or any thread once it stopped. The destructor calls it.
  void shutdown(std::int64_t timeout_ns = 1'000'000'000) noexcept;

 private:
  void on_open(net::WsClient& client) override;
  void on_message(net::WsClient& client, const std::uint8_t* data, std::size_t len, bool is_text,
                  std::uint64_t recv_tsc) override;
  void on_close(net::WsClient& client, std::uint16_t code, std::string_view reason) override;
  void on_error(net::WsClient& client, net::WsClientError error, std::string_view detail) override;

  void drive() noexcept;
  void update_session() noexcept;
  void on_api_message(const std::uint8_t* data, std::size_t len, std::uint64_t recv_tsc) noexcept;
  void on_user_message(const std::uint8_t* data, std::size_t len, std::uint64_t recv_tsc) noexcept;
  void open_user_stream() noexcept;  // after a listen key: (re)create the user socket
  void push(const ExecReport& r) noexcept;
  static void on_keepalive(void* self) noexcept;

  static constexpr std::size_t kRing = 1024;  // a power of two

  const Universe& universe_;
  BinanceOrderGatewayOptions options_;
  binance::BinanceSymbolMap symbols_;
  binance::BinanceOrderEncoder encoder_;
  binance::BinanceResponseParser parser_;
  VenueProblem problem_;
  std::unique_ptr<net::IoRingLoop> loop_;
  std::unique_ptr<net::WsClient> api_;
  std::unique_ptr<net::WsClient> user_;
  net::IoTimer keepalive_{&BinanceOrderGateway::on_keepalive, this};
  std::string listen_key_;      // the user socket's key
  bool key_confirmed_ = false;  // a userDataStream.start reply on this API connection
  bool key_changed_ = false;    // recreate the user socket outside the loop's dispatch
  bool was_up_ = false;
  bool started_ = false;
  std::unique_ptr<char[]> scratch_;  // one message + simdjson padding
  std::size_t scratch_cap_ = 0;
  std::array<char, binance::BinanceOrderEncoder::kMaxRequestBytes> warm_buf_{};
  std::array<ExecReport, kRing> ring_{};
  std::size_t head_ = 0, tail_ = 0;  // order thread only
  std::atomic<bool> start_requested_{false};
  std::atomic<bool> up_{false};
  BinanceOrderGatewayCounters counters_{};
};

}  // namespace ballast::gateways
