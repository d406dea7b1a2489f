// The events that cross thread boundaries on the hot path: market ticks (md -> engine),
// order requests (engine -> order agent) and execution reports (order agent -> engine).
// Each is trivially copyable and fixed-size so an SPSC ring can hold it by value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <type_traits>

#include "ballast/core/ids.hpp"
#include "ballast/core/vocabulary.hpp"

namespace ballast {

// MarketTick::flags: a warm-up tick flows through the whole pipeline but its latency is
// not recorded (benchmarks warm caches and branch predictors first).
inline constexpr std::uint16_t kTickWarmup = 1;

// One top-of-book / mark update for one instrument. Prices are doubles here: they are
// market observations, not order prices (those are integer ticks in OrderRequest).
struct MarketTick {
  std::int64_t exchange_ts_ns = 0;  // the venue's (or the recording's) timestamp
  std::uint64_t recv_tsc = 0;       // when the bytes were read: the latency origin
  std::uint64_t pushed_tsc = 0;     // when it went onto the md -> engine ring
  double bid = 0.0;
  double bid_qty = 0.0;
  double ask = 0.0;
  double ask_qty = 0.0;
  double mark = 0.0;          // 0 = not given: the engine uses the mid
  double index = 0.0;         // spot index of the underlying; 0 = not given
  double funding_rate = 0.0;  // per funding interval (perpetuals)
  InstrumentId instrument = kNoInstrument;
  std::uint16_t flags = 0;
};
static_assert(std::is_trivially_copyable_v<MarketTick>, "ticks are copied through SPSC rings");
static_assert(sizeof(MarketTick) <= 96, "a tick should stay within two cache lines");

// Stage timestamps (TSC) carried with an order so each hop's latency can be recorded
// where the order leaves, off the critical path.
struct StageStamps {
  std::uint64_t tick_recv = 0;      // md: socket/file read of the tick
  std::uint64_t tick_pushed = 0;    // md: decoded and on the md -> engine ring
  std::uint64_t engine_popped = 0;  // engine: taken off the ring
  std::uint64_t planned = 0;        // engine: valuation, trigger and plan done
  std::uint64_t risk_done = 0;      // engine: risk passed, order on the engine -> order ring
  std::uint64_t order_popped = 0;   // order agent: taken off the ring
  std::uint64_t encoded = 0;        // order agent: wire bytes built
  std::uint64_t sent = 0;           // order agent: bytes handed to the socket / sink
};

struct OrderRequest {
  std::uint64_t client_order_id = 0;
  // RequestKind::cancel: the cancel request's own id (FIX ClOrdID of the
  // OrderCancelRequest); client_order_id is then the order to cancel.
  std::uint64_t request_id = 0;
  std::int64_t lots = 0;         // positive
  std::int64_t limit_ticks = 0;  // limit price in ticks
  StageStamps stamps;
  InstrumentId instrument = kNoInstrument;
  Side side = Side::buy;
  // new_order is a trade. status is not: the sink asks the venue where the order with
  // this client_order_id stands (FIX OrderStatusRequest) and the answer is an
  // ExecKind::status. cancel is not either: the venue cancels client_order_id.
  RequestKind kind = RequestKind::new_order;
  OrderReason reason = OrderReason::rebalance;  // the order's, also on its cancel/status
  std::uint16_t tick_flags = 0;                 // the flags of the tick that caused it
};
static_assert(std::is_trivially_copyable_v<OrderRequest>, "orders are copied through SPSC rings");

// ack..expired describe one order. The rest come from a gateway, not an order:
//  status       the venue's answer to a status query (after a reconnect): `status` says
//               where the order stands, cum_lots / leaves_lots as the venue counts them and
//               last_price_ticks the average fill price (0 when nothing filled);
//  funding      a funding settlement on `instrument`: fee = amount paid in the quote
//               currency (negative = received);
//  session_down the gateway of `venue` lost its session: nothing can be sent there, and
//               the state of every order in flight there is unknown until a status reply;
//  session_up   the session of `venue` is logged on again and ready for status queries;
//  position     one line of `venue`'s answer to a positions request: `cum_lots` is the
//               signed net position in `instrument` (negative = short), `entry_price` the
//               venue's average entry price;
//  positions_end the answer is complete (`cum_lots`: how many lines it had); an
//               instrument of `venue` it did not name is flat there.
enum class ExecKind : std::uint8_t {
  ack,
  partial_fill,
  fill,
  canceled,
  rejected,
  expired,
  status,
  funding,
  session_down,
  session_up,
  position,
  positions_end
};

[[nodiscard]] constexpr const char* to_string(ExecKind k) noexcept {
  constexpr const char* kNames[] = {"ack",          "partial_fill", "fill",     "canceled",
                                    "rejected",     "expired",      "status",   "funding",
                                    "session_down", "session_up",   "position", "positions_end"};
  return static_cast<std::size_t>(k) < std::size(kNames) ? kNames[static_cast<std::size_t>(k)]
                                                         : "?";
}

// Where the venue says an order stands (ExecKind::status), from FIX OrdStatus(39).
enum class OrderStatus : std::uint8_t { none, open, filled, canceled, rejected, expired, unknown };

[[nodiscard]] constexpr const char* to_string(OrderStatus s) noexcept {
  constexpr const char* kNames[] = {"none",     "open",    "filled", "canceled",
                                    "rejected", "expired", "unknown"};
  return static_cast<std::size_t>(s) < std::size(kNames) ? kNames[static_cast<std::size_t>(s)]
                                                         : "?";
}

struct ExecReport {
  std::uint64_t client_order_id = 0;
  // The venue's id of this execution (fills: FIX ExecID, Binance trade id), as a 64-bit
  // hash; 0 when the venue gives none. A fill whose id the engine has applied is dropped,
  // across restarts too (the journal keeps it).
  std::uint64_t exec_id = 0;
  std::int64_t last_lots = 0;         // filled by this report
  std::int64_t cum_lots = 0;          // filled so far
  std::int64_t leaves_lots = 0;       // still open
  std::int64_t last_price_ticks = 0;  // price of this fill
  double fee = 0.0;                   // quote currency
  double entry_price = 0.0;           // ExecKind::position: the venue's average entry
  std::uint64_t recv_tsc = 0;
  InstrumentId instrument = kNoInstrument;
  Side side = Side::buy;
  ExecKind kind = ExecKind::ack;
  std::uint16_t reject_code = 0;
  OrderStatus status = OrderStatus::none;  // ExecKind::status only
  VenueId venue = 0;                       // session_down / session_up / position(s_end)
};
static_assert(std::is_trivially_copyable_v<ExecReport>, "reports are copied through SPSC rings");

// The flag every gateway sets in reject_code when a cancel (or replace) was refused: the
// report is an ack of the order, which is unchanged, never a reject of the order itself
// (FIX kRejectCodeCancel, Binance kBinanceRejectCancel share the value).
inline constexpr std::uint16_t kRejectCodeCancelRefused = 0x8000;

}  // namespace ballast
