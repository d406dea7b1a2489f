// Binance USDⓈ-M market data as a TickSource: one combined-stream WebSocket
// (<symbol>@bookTicker, @markPrice@1s, @depth@100ms for every perpetual and dated future
// of one venue) and a WebSocket API socket for the depth snapshots that (re)synchronise
// each order book. Runs on the thread that polls it (the md agent): poll() drives the
// feed's own io_uring loop, so the tick path from socket read to MarketTick is one thread,
// no locks, no allocation once connected.
//
// Depth follows Binance's rules (DepthBookSync): buffer the diff events, fetch a snapshot,
// drop what it covers, then require pu == previous u; a gap or a reconnect starts over.
// The book is kept for sizing and inspection; ticks come from bookTicker and markPrice.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ballast/binance/market_data.hpp"
#include "ballast/binance/order_encoder.hpp"
#include "ballast/binance/symbol_map.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/model.hpp"
#include "ballast/core/tick_source.hpp"
#include "ballast/core/venue_problem.hpp"
#include "ballast/gateways/binance_connection.hpp"
#include "ballast/net/io_ring_loop.hpp"
#include "ballast/net/ws_client.hpp"

namespace ballast::gateways {

struct BinanceMarketDataOptions {
  BinanceConnectionOptions connection;
  VenueId venue = 0;      // the universe's instruments on this venue are subscribed
  bool depth = true;      // subscribe @depth@100ms and keep synchronised books
  int depth_limit = 100;  // snapshot levels (5, 10, 20, 50, 100, 500, 1000)
};

struct BinanceMarketDataCounters {
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t messages = 0;
  std::uint64_t ticks = 0;
  std::uint64_t ticks_dropped = 0;  // local ring full (the md agent fell behind)
  std::uint64_t malformed = 0;      // dropped whole, never traded on
  std::uint64_t unknown_symbol = 0;
  std::uint64_t unsupported = 0;
  std::uint64_t too_large = 0;  // over the parser's limit: dropped
  std::uint64_t depth_updates = 0;
  std::uint64_t depth_snapshots = 0;
  std::uint64_t depth_resyncs = 0;  // gaps (pu != previous u) that forced a new snapshot
  std::uint64_t depth_requests = 0;
  std::uint64_t errors = 0;  // connection errors reported by the WebSocket client
};

class BinanceMarketDataFeed final : public TickSource, private net::WsHandler {
 public:
  // Setup: the loop, the parser's buffers, both clients (not yet connecting). Throws
  // std::runtime_error / std::system_error when io_uring or the CA file is unusable.
  BinanceMarketDataFeed(const Universe& universe, BinanceMarketDataOptions options);
  ~BinanceMarketDataFeed() override;
  BinanceMarketDataFeed(const BinanceMarketDataFeed&) = delete;
  BinanceMarketDataFeed& operator=(const BinanceMarketDataFeed&) = delete;

  // From any thread: the polling thread connects on its next poll().
  void start() noexcept { start_requested_.store(true, std::memory_order_release); }
  // From any thread: poll() closes the sockets and, once they are down, exhausted().
  void stop() noexcept { stop_requested_.store(true, std::memory_order_release); }

  // Drives the loop once (busy: a peek of the completion ring; blocking: sleeps up to
  // blocking_wait_ns, but only when the previous poll found nothing) and pops one tick.
  bool poll(std::int64_t now_ns, MarketTick& out) noexcept override;
  [[nodiscard]] bool exhausted() const noexcept override {
    return exhausted_.load(std::memory_order_acquire);
  }

  [[nodiscard]] bool connected() const noexcept {
    return connected_.load(std::memory_order_acquire);
  }
  // Read after the polling thread stopped (or from it).
  [[nodiscard]] const BinanceMarketDataCounters& counters() const noexcept { return counters_; }
  // Why the market socket last failed, in words; "" if it never did. Any thread.
  [[nodiscard]] std::string last_problem() const { return problem_.get(); }
  [[nodiscard]] const binance::DepthBookSync& depth_book(InstrumentId id) const noexcept;
  [[nodiscard]] const binance::BinanceSymbolMap& symbols() const noexcept { return symbols_; }
  // The path the market socket subscribes with ("/stream?streams=btcusdt@bookTicker/...").
  [[nodiscard]] const std::string& stream_path() const noexcept { return stream_path_; }
  // Closes the sockets and runs the loop until they are down (up to timeout_ns); on the
  // polling thread, or any thread once it stopped. The destructor calls it.
  void shutdown(std::int64_t timeout_ns = 1'000'000'000) noexcept;

 private:
  void on_open(net::WsClient& client) override;
  void on_message(net::WsClient& client, const std::uint8_t* data, std::size_t len, bool is_text,
                  std::uint64_t recv_tsc) override;
  void on_close(net::WsClient& client, std::uint16_t code, std::string_view reason) override;
  void on_error(net::WsClient& client, net::WsClientError error, std::string_view detail) override;

  void on_market_message(const std::uint8_t* data, std::size_t len,
                         std::uint64_t recv_tsc) noexcept;
  void on_api_message(const std::uint8_t* data, std::size_t len) noexcept;
  void request_snapshots() noexcept;
  void push(const MarketTick& tick) noexcept;

  static constexpr std::size_t kRing = 1024;  // a power of two

  const Universe& universe_;
  BinanceMarketDataOptions options_;
  binance::BinanceSymbolMap symbols_;
  binance::BinanceMarketDataParser parser_;
  VenueProblem problem_;
  std::unique_ptr<binance::BinanceOrderEncoder> depth_encoder_;  // unsigned `depth` requests
  std::string stream_path_;
  std::unique_ptr<net::IoRingLoop> loop_;
  std::unique_ptr<net::WsClient> market_;
  std::unique_ptr<net::WsClient> api_;  // depth snapshots (only with options.depth)
  std::unique_ptr<std::array<binance::DepthBookSync, kMaxInstruments>> books_;
  std::unique_ptr<binance::DepthSnapshot> snapshot_;  // ~2 KiB: not on the stack
  std::array<bool, kMaxInstruments> snapshot_pending_{};
  std::unique_ptr<char[]> scratch_;  // one message + simdjson padding
  std::size_t scratch_cap_ = 0;
  std::array<MarketTick, kRing> ring_{};
  std::size_t head_ = 0, tail_ = 0;  // polling thread only
  bool started_ = false;
  bool closing_ = false;
  bool idle_last_poll_ = false;  // blocking mode may sleep only after an empty poll
  std::atomic<bool> start_requested_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> exhausted_{false};
  std::atomic<bool> connected_{false};
  BinanceMarketDataCounters counters_{};
};

}  // namespace ballast::gateways
