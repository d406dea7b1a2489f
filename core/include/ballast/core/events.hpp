// The events that cross thread boundaries on the hot path: market ticks (md -> engine),
// order requests (engine -> order agent) and execution reports (order agent -> engine).
// Each is trivially copyable and fixed-size so an SPSC ring can hold it by value.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ballast/core/ids.hpp"

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

enum class OrderSide : std::uint8_t { buy, sell };

struct OrderRequest {
  std::uint64_t client_order_id = 0;
  std::int64_t lots = 0;         // positive
  std::int64_t limit_ticks = 0;  // limit price in ticks
  StageStamps stamps;
  InstrumentId instrument = kNoInstrument;
  OrderSide side = OrderSide::buy;
  std::uint8_t purpose = 0;      // OrderPurpose
  std::uint16_t tick_flags = 0;  // the flags of the tick that caused it
};
static_assert(std::is_trivially_copyable_v<OrderRequest>, "orders are copied through SPSC rings");

enum class ExecKind : std::uint8_t { ack, partial_fill, fill, canceled, rejected, expired };

struct ExecReport {
  std::uint64_t client_order_id = 0;
  std::int64_t last_lots = 0;         // filled by this report
  std::int64_t cum_lots = 0;          // filled so far
  std::int64_t leaves_lots = 0;       // still open
  std::int64_t last_price_ticks = 0;  // price of this fill
  double fee = 0.0;                   // quote currency
  std::uint64_t recv_tsc = 0;
  InstrumentId instrument = kNoInstrument;
  OrderSide side = OrderSide::buy;
  ExecKind kind = ExecKind::ack;
  std::uint16_t reject_code = 0;
};
static_assert(std::is_trivially_copyable_v<ExecReport>, "reports are copied through SPSC rings");

}  // namespace ballast
