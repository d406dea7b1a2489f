// The words every module shares, defined once: an order's side, what a request asks a
// venue to do, why the engine sent an order, and the engine's trading state. They cross
// the seams (planner -> engine -> rings -> gateways -> control) unchanged, never as bare
// numbers or bools.
#pragma once

#include <cstdint>

namespace ballast {

enum class Side : std::uint8_t { buy, sell };

// What an OrderRequest asks its venue: a new order, to cancel one, to change one, or
// where one stands (after a session loss).
// status asks where one order stands; positions asks a venue for every position it holds
// for us (reconciliation): neither is a trade.
enum class RequestKind : std::uint8_t { new_order, cancel, modify, status, positions };

// Why the engine sent an order: the planner's rebalance or unwind, the operator's
// flatten, a dated future's roll. Carried by the order for its whole life.
enum class OrderReason : std::uint8_t { rebalance, unwind, flatten, roll };

// ACTIVE trades freely; REDUCING lets out only orders that shrink a futures position;
// HALTED (the kill switch, a breaker, a lost session) lets nothing new out.
enum class TradingState : std::uint8_t { active, reducing, halted };

[[nodiscard]] constexpr const char* to_string(Side s) noexcept {
  return s == Side::buy ? "buy" : "sell";
}

[[nodiscard]] constexpr const char* to_string(RequestKind k) noexcept {
  return k == RequestKind::new_order ? "new"
         : k == RequestKind::cancel  ? "cancel"
         : k == RequestKind::modify  ? "modify"
         : k == RequestKind::status  ? "status"
                                     : "positions";
}

[[nodiscard]] constexpr const char* to_string(OrderReason r) noexcept {
  return r == OrderReason::rebalance ? "rebalance"
         : r == OrderReason::unwind  ? "unwind"
         : r == OrderReason::flatten ? "flatten"
                                     : "roll";
}

// Every pre-trade check and circuit breaker by name (docs/risk-model.md); the risk layer
// implements them, everyone else names them. Numbers are only ever appended: alerts and
// counters carry them.
enum class RiskCheck : std::uint8_t {
  none,  // accepted
  kill_switch,
  reduce_only,
  md_staleness,
  price_collar,
  max_order_qty,
  max_order_notional,
  duplicate_in_flight,
  order_rate_per_second,
  order_rate_per_minute,
  max_leverage,
  max_margin_utilization,
  max_asset_weight,
  min_liquidation_distance,
  initial_margin,
  // Circuit breakers and the price-jump filter (docs/risk-model.md); numbers are only
  // ever appended: alerts and counters carry them.
  price_jump,
  consecutive_rejects,
  drawdown,
  daily_fees,
  daily_turnover,
};
inline constexpr RiskCheck kLastRiskCheck = RiskCheck::daily_turnover;
[[nodiscard]] const char* to_string(RiskCheck c) noexcept;  // "max_leverage", ...

// "ACTIVE", "REDUCING", "HALTED": the words the console, the audit log and the summary use.
[[nodiscard]] constexpr const char* to_string(TradingState s) noexcept {
  return s == TradingState::active ? "ACTIVE" : s == TradingState::reducing ? "REDUCING" : "HALTED";
}

}  // namespace ballast
