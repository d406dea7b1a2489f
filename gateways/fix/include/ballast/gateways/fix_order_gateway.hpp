// FIX 4.4 order entry and market data behind the OrderSink and TickSource seams: one
// QuickFIX initiator session (settings in QuickFIX's own file format, sequence numbers
// and resends in a store with FileStore's layout, see FixStoreKind) speaking
// docs/fix-dialect.md.
//
// Order entry: sends NewOrderSingle / OrderCancelRequest / OrderCancelReplaceRequest, and
// OrderStatusRequest (H) for an OrderRequest whose kind is RequestKind::status;
// turns ExecutionReport, OrderCancelReject and BusinessMessageReject into ExecReports.
// An ExecutionReport with ExecType=I (a status reply) becomes ExecKind::status with
// OrderStatus from OrdStatus(39): 0/1/A/E/5/6/9 open, 2 filled, 4 canceled, 3/C expired,
// 8 rejected (8 with OrdRejReason(103)=5: unknown, the order never reached the venue);
// cum_lots / leaves_lots from 14 / 151, last_price_ticks = AvgPx(6) to the nearest tick.
// FundingPayment (UF) becomes ExecKind::funding with fee = -FundingAmount(5703).
//
// Session events: after every logon the gateway sends MarketDataRequest (V) for every
// instrument of the universe (options.subscribe_market_data), then pushes an ExecReport
// kind=session_up (venue = options.venue); a logout or dropped connection of a live
// session pushes kind=session_down. The engine answers session_up with status queries.
//
// Resends: an ExecutionReport (except status replies) or FundingPayment whose ExecID(17)
// / FundingID(5706) was already applied is dropped (counted in `duplicates`, no reject
// back). The gateway remembers at least the last kRecentExecIds ExecIDs and the last
// kRecentFundingIds FundingIDs (two generations of a fixed open-addressed table, no
// allocation after construction); an id older than that is applied again.
//
// Market data: W (snapshot) and X (incremental) keep a per-instrument top of book, mark
// (269=6), index (269=3) and funding rate (5701), so an X that patches some entries
// still yields a full MarketTick: exchange_ts_ns from TransactTime(60) when given, else
// SendingTime(52); recv_tsc when QuickFIX hands the message over. Ticks go onto an SPSC
// ring drained by market_data(), a TickSource for the md agent (poll never allocates or
// blocks). 270=0 clears an entry (an empty side; a mark or index not given). A message
// that would leave garbage (unparseable, non-finite or negative price, negative size, bid >= ask,
// entry count not matching 268) is dropped whole, counted in md_malformed and answered with a
// session Reject; an entry for a symbol outside the universe is dropped and counted in
// md_unknown_symbol (no reject). When the ring is full the instrument's newest state waits and goes
// out with the next market data message (md_conflated); nothing blocks QuickFIX's thread.
//
// QuickFIX stays behind a pimpl in gateways/fix/ (compiled as C++14: Debian's QuickFIX
// headers use dynamic exception specifications); this header is C++20 and Ballast-only.
//
// Threads: send/cancel/replace/warm/poll_reports belong to one thread (the order agent).
// QuickFIX delivers inbound messages on its own socket thread (SocketInitiator: one
// thread for the session), which pushes reports onto a bounded SPSC ring that
// poll_reports drains without blocking. When the ring is full the socket thread waits
// (up to 1 s) for the poller rather than dropping a fill; only after that is a report
// dropped and counted.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ballast/core/decimal.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/model.hpp"
#include "ballast/core/order_gate.hpp"
#include "ballast/core/spsc_link.hpp"
#include "ballast/core/tick_source.hpp"
#include "ballast/core/venue_problem.hpp"

namespace ballast::gateways {

namespace fix {
class FixSession;
}

enum class FixTimeInForce : std::uint8_t { ioc, gtc };

// Where the session keeps its sequence numbers and sent messages (gateways/fix/README.md,
// "FIX leg cost", has the measurements behind the default).
enum class FixStoreKind : std::uint8_t {
  // QuickFIX FileStore's files and format, written off the order thread: sequence numbers
  // synchronously through a mapped file (no syscall), messages by a background thread
  // every store_flush_interval_ms. Survives a restart and a crash of the process; after a
  // crash the last interval's messages may be missing (a resend of them is gap-filled).
  async_file,
  file,        // QuickFIX's FileStore: write + flush of every message on the order thread
  memory,      // QuickFIX's MemoryStore: sequence numbers restart at 1 with the process
  null_store,  // QuickFIX's NullStore: as memory, and no resends at all
};

struct FixGatewayOptions {
  std::string settings_path;        // QuickFIX settings: exactly one FIX.4.4 initiator session
  std::string host_override;        // empty: SocketConnectHost from the file
  int port_override = 0;            // 0: SocketConnectPort from the file
  std::string store_path_override;  // empty: FileStorePath from the file
  FixStoreKind store = FixStoreKind::async_file;       // async_file and file need FileStorePath
  int store_flush_interval_ms = 10;                    // async_file: the writer's period
  FixTimeInForce time_in_force = FixTimeInForce::ioc;  // a hedge is marketable or nothing
  int logout_wait_ms = 2000;          // stop(): how long to wait for the Logout reply
  VenueId venue = 0;                  // ExecReport::venue of session_down / session_up
  bool subscribe_market_data = true;  // send MarketDataRequest (V) on every logon
  // Username (553) / Password (554) on Logon; from [orders] fix_credentials_file.
  std::string logon_username;
  std::string logon_password;
};

// The resend de-duplication bounds (see the header comment).
inline constexpr std::size_t kRecentExecIds = 4096;
inline constexpr std::size_t kRecentFundingIds = 1024;

// ExecReport::reject_code values the gateway sets (the low byte carries the venue's
// reason code, 0xFF when it sent none).
inline constexpr std::uint16_t kRejectCodeOrder = 0x4000;     // ExecType=8: OrdRejReason(103)
inline constexpr std::uint16_t kRejectCodeBusiness = 0x2000;  // 35=j on an order: reason(380)
// An OrderCancelReject (or a BusinessMessageReject of a cancel/replace): the order is
// unchanged, so the report is kind=ack (no state change in the engine) carrying this
// flag and CxlRejReason(102), on the original order's client_order_id.
inline constexpr std::uint16_t kRejectCodeCancel = 0x8000;

struct FixGatewayCounters {
  std::uint64_t orders_sent = 0;         // NewOrderSingle handed to the session
  std::uint64_t cancels_sent = 0;        // OrderCancelRequest
  std::uint64_t replaces_sent = 0;       // OrderCancelReplaceRequest
  std::uint64_t not_logged_on = 0;       // send refused: no session
  std::uint64_t send_failures = 0;       // refused by QuickFIX, or an order we cannot encode
  std::uint64_t reports_queued = 0;      // ExecReports put on the ring
  std::uint64_t reports_dropped = 0;     // ring stayed full for 1 s (must stay 0)
  std::uint64_t malformed = 0;           // reports with missing or bad fields (rejected back)
  std::uint64_t unsupported = 0;         // app messages of a type we do not handle
  std::uint64_t ignored = 0;             // well-formed but not for the engine (pending, status)
  std::uint64_t off_tick_prices = 0;     // fill prices rounded to the nearest tick
  std::uint64_t resends_suppressed = 0;  // PossDup resends of orders gap-filled (DoNotSend)
  std::uint64_t session_rejects = 0;     // 35=3 received
  std::uint64_t logons = 0;
  std::uint64_t disconnects = 0;              // logouts and dropped connections of a live session
  std::uint64_t status_queries_sent = 0;      // OrderStatusRequest (H)
  std::uint64_t status_reports = 0;           // ExecType=I mapped to ExecKind::status
  std::uint64_t positions_requests_sent = 0;  // RequestForPositions (AN)
  std::uint64_t position_reports = 0;         // PositionReport (AP) lines passed on
  std::uint64_t positions_refused = 0;        // AO with a PosReqResult other than 0 or 2
  std::uint64_t funding_reports = 0;          // UF mapped to ExecKind::funding
  std::uint64_t duplicates = 0;               // resent ExecutionReports / UF already applied
  std::uint64_t session_events = 0;           // session_up / session_down pushed
  std::uint64_t md_requests_sent = 0;         // MarketDataRequest (V)
  std::uint64_t md_request_failures = 0;      // V refused by QuickFIX
  std::uint64_t md_rejects = 0;               // MarketDataRequestReject (Y), or 35=j of a V
  std::uint64_t md_snapshots = 0;             // W received
  std::uint64_t md_incrementals = 0;          // X received
  std::uint64_t md_ticks = 0;                 // MarketTicks put on the ring
  std::uint64_t md_conflated = 0;             // ticks held back (ring full), sent later
  std::uint64_t md_malformed = 0;             // W/X dropped: bad fields or a crossed book
  std::uint64_t md_unknown_symbol = 0;        // W/X entries for symbols not in the universe
};

class FixOrderGateway;

// The market data of a FixOrderGateway's session as a TickSource for the md agent (one
// consumer thread). poll pops one tick (never allocates, never blocks); exhausted() is
// true once the gateway was stopped and every tick was taken.
class FixMarketDataFeed final : public TickSource {
 public:
  bool poll(std::int64_t now_ns, MarketTick& out) noexcept override;
  [[nodiscard]] bool exhausted() const noexcept override;
  [[nodiscard]] std::size_t available() const noexcept { return ring_.read_available(); }

 private:
  friend class FixOrderGateway;
  SpscLink<MarketTick, 1024> ring_;
  std::atomic<bool> closed_{false};
};

class FixOrderGateway final : public OrderSink {
 public:
  // Reads and validates the settings and creates the session (not yet connecting).
  // Throws std::runtime_error on a bad settings file. `universe` must outlive the gateway.
  FixOrderGateway(const Universe& universe, FixGatewayOptions options);
  ~FixOrderGateway() override;
  FixOrderGateway(const FixOrderGateway&) = delete;
  FixOrderGateway& operator=(const FixOrderGateway&) = delete;

  // The session's market data (W/X) as a TickSource. Lives as long as the gateway.
  [[nodiscard]] FixMarketDataFeed& market_data() noexcept { return md_feed_; }

  // Connects and logs on in the background (QuickFIX's thread), reconnecting every
  // ReconnectInterval. Throws std::runtime_error if the thread cannot start.
  void start();
  // Logs out and stops the session thread. Idempotent; the destructor calls it.
  void stop() noexcept;

  // NewOrderSingle: ClOrdID = client_order_id in decimal, OrderQty = lots x lot_size and
  // Price = limit_ticks x tick_size as exact decimals, limit, TimeInForce per options.
  // kind == RequestKind::status: OrderStatusRequest instead (ClOrdID, Symbol,
  // Side, OrdStatusReqID), answered by an ExecKind::status report.
  // False (and no message) when the session is not logged on or the order is invalid.
  bool send(OrderRequest& order) noexcept override;
  // OrderCancelRequest for `original` under the new ClOrdID `cancel_id`.
  bool cancel(std::uint64_t cancel_id, const OrderRequest& original) noexcept;
  // OrderCancelReplaceRequest: `original` becomes `new_id` with new size and price.
  bool replace(std::uint64_t new_id, const OrderRequest& original, std::int64_t new_lots,
               std::int64_t new_limit_ticks) noexcept;

  std::size_t poll_reports(ExecReport* out, std::size_t max) noexcept override;
  void warm() noexcept override;

  // True between Logon and Logout/disconnect: the engine must not send otherwise.
  [[nodiscard]] bool logged_on() const noexcept {
    return logged_on_.load(std::memory_order_acquire);
  }
  [[nodiscard]] FixGatewayCounters counters() const noexcept;
  // Why the session last ended or a logon was refused, in the venue's words ("venue
  // logged out: ..."); "" if it never did. Any thread.
  [[nodiscard]] std::string last_problem() const { return problem_.get(); }
  [[nodiscard]] std::string session_id() const;
  [[nodiscard]] std::string store_path() const;
  [[nodiscard]] int next_sender_seq_num() const noexcept;

 private:
  // The inbound side, on QuickFIX's thread (fix_gateway_parts.hpp): nested, so each part
  // reaches the counters and rings it feeds.
  class Events;
  class MarketDataBook;
  class ReportMapper;

  bool send_status_request(OrderRequest& order) noexcept;
  bool send_positions_request(OrderRequest& order) noexcept;
  bool send_message(char msg_type, std::uint64_t cl_ord_id, std::uint64_t orig_cl_ord_id,
                    const OrderRequest& order, std::int64_t lots, std::int64_t ticks,
                    StageStamps* stamps) noexcept;
  void push_report(const ExecReport& r) noexcept;

  struct Counters {
    std::atomic<std::uint64_t> orders_sent{0}, cancels_sent{0}, replaces_sent{0}, not_logged_on{0},
        send_failures{0}, reports_queued{0}, reports_dropped{0}, malformed{0}, unsupported{0},
        ignored{0}, off_tick_prices{0}, resends_suppressed{0}, session_rejects{0}, logons{0},
        disconnects{0}, status_queries_sent{0}, status_reports{0}, funding_reports{0},
        duplicates{0}, session_events{0}, md_requests_sent{0}, md_request_failures{0},
        md_rejects{0}, md_snapshots{0}, md_incrementals{0}, md_ticks{0}, md_conflated{0},
        md_malformed{0}, md_unknown_symbol{0}, positions_requests_sent{0}, position_reports{0},
        positions_refused{0};
  };

  const Universe& universe_;
  FixGatewayOptions options_;
  std::atomic<bool> logged_on_{false};
  std::atomic<bool> consumer_stalled_{false};
  Counters counters_;
  VenueProblem problem_;
  SpscLink<ExecReport, 1024> reports_;
  FixMarketDataFeed md_feed_;
  std::uint64_t status_req_seq_ = 0;  // OrdStatusReqID(790): order thread only
  // PosReqID(710) of the last RequestForPositions (the engine's request id): written by
  // the order thread, read by QuickFIX's to tell the answer from a stale one.
  std::atomic<std::uint64_t> positions_req_seq_{0};
  std::unique_ptr<Events> events_;
  std::unique_ptr<fix::FixSession> session_;  // last: destroyed (stopped) first
  std::array<char, 64> scratch_{};
};

// The order encoders' exact decimal writer lives in core (decimal.hpp).
using ballast::write_steps_decimal;

// The toApp rule on a raw FIX message: true when QuickFIX's resend of it would be
// suppressed (DoNotSend, gap-filled): NewOrderSingle or OrderCancelReplaceRequest with
// PossDupFlag=Y. False for anything else or unparseable text.
[[nodiscard]] bool fix_resend_suppressed(std::string_view raw_message);

}  // namespace ballast::gateways
