// The simulated venue's order-entry vocabulary: accounts, venue order ids, order types,
// time in force and the reject reasons every layer above (FIX, WebSocket) reports.
// Quantities are whole lots and prices whole ticks of the instrument, never doubles.
#pragma once

#include <cstdint>

#include "ballast/core/events.hpp"
#include "ballast/core/ids.hpp"

namespace ballast::venue {

using AccountId = std::uint16_t;
inline constexpr AccountId kNoAccount = 0xFFFF;

// Book-assigned: the high 32 bits are a generation so that a stale id (its order done
// and its slot reused) never finds the new order. 0 is never a valid id.
using OrderId = std::uint64_t;
inline constexpr OrderId kNoOrder = 0;

enum class OrderType : std::uint8_t { limit, market };

// post_only is Binance's GTX: a GTC limit that is rejected rather than taking liquidity.
enum class TimeInForce : std::uint8_t { gtc, ioc, fok, post_only };

// Values are stable: they travel as ExecReport::reject_code and in logs.
enum class RejectReason : std::uint16_t {
  none = 0,
  unknown_instrument = 1,
  bad_quantity = 2,        // not positive, or not a whole number of lots
  below_min_qty = 3,       // under the instrument's min_qty
  above_max_qty = 4,       // over max_order_qty or the venue's hard cap
  bad_price = 5,           // not positive (limit orders)
  off_tick = 6,            // not a whole number of ticks
  below_min_notional = 7,  // under the instrument's min_notional
  post_only_would_cross = 8,
  reduce_only_would_increase = 9,
  unknown_order = 10,  // cancel/replace of an order that is not open
  duplicate_client_order_id = 11,
  insufficient_margin = 12,
  instrument_expired = 13,
  injected_fault = 14,  // FaultInjector::reject_next
  unsupported = 15,     // e.g. reduce-only on a spot pair, replace of a non-resting order
  self_trade = 16,      // a resting order cancelled by self-trade prevention
};

[[nodiscard]] const char* to_string(RejectReason r) noexcept;
[[nodiscard]] const char* to_string(TimeInForce t) noexcept;
[[nodiscard]] const char* to_string(OrderType t) noexcept;

[[nodiscard]] constexpr Side opposite(Side s) noexcept {
  return s == Side::buy ? Side::sell : Side::buy;
}
// +1 for buy, -1 for sell: the sign a fill of this side moves a position by.
[[nodiscard]] constexpr std::int64_t side_sign(Side s) noexcept {
  return s == Side::buy ? 1 : -1;
}

}  // namespace ballast::venue
