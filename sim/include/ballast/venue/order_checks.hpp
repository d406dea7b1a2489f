// Exchange-side order validation against an instrument's increments and limits: wire
// decimals (FIX OrderQty/Price) to whole lots and ticks, and size/notional bounds. The
// venue runs these before an order reaches a book, so books only ever see valid sizes.
#pragma once

#include <cstdint>

#include "ballast/core/decimal.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/venue/order_types.hpp"

namespace ballast::venue {

// An integer (lots or ticks) or the reason there is none.
struct StepsOrReject {
  std::int64_t value = 0;
  RejectReason reason = RejectReason::none;
  [[nodiscard]] bool ok() const noexcept { return reason == RejectReason::none; }
};

// Bounds on one order's size in lots, derived once per instrument.
struct OrderLimits {
  std::int64_t min_lots = 1;
  std::int64_t max_lots = 0;  // inclusive
  double min_notional = 0.0;  // quote
};

// min_lots: min_qty rounded up to whole lots (at least 1); max_lots: max_order_qty rounded
// down, capped by `hard_max_lots` (the venue's own ceiling, which keeps lot and tick
// products far from overflow).
[[nodiscard]] OrderLimits order_limits(const InstrumentSpec& spec,
                                       std::int64_t hard_max_lots) noexcept;

// Contracts (spot: base units) to lots: bad_quantity unless a positive whole number.
[[nodiscard]] StepsOrReject quantity_to_lots(const InstrumentSpec& spec,
                                             const Decimal& qty) noexcept;
// A limit price to ticks: bad_price unless positive, off_tick unless a whole number.
[[nodiscard]] StepsOrReject price_to_ticks(const InstrumentSpec& spec,
                                           const Decimal& price) noexcept;

// Size bounds only (the lots are already whole): bad_quantity, below_min_qty, above_max_qty.
[[nodiscard]] RejectReason check_lots(const OrderLimits& limits, std::int64_t lots) noexcept;

// below_min_notional when `lots` at `price` (quote per contract unit) is under the floor;
// price <= 0 (a market order with no mark yet) skips the check.
[[nodiscard]] RejectReason check_notional(const InstrumentSpec& spec, const OrderLimits& limits,
                                          std::int64_t lots, double price) noexcept;

// Conversions the venue uses for fills and fees (valuation precision, not wire precision).
[[nodiscard]] inline double ticks_to_price(const InstrumentSpec& spec,
                                           std::int64_t ticks) noexcept {
  return static_cast<double>(ticks) * spec.tick_size_d;
}
[[nodiscard]] inline double lots_to_contracts(const InstrumentSpec& spec,
                                              std::int64_t lots) noexcept {
  return static_cast<double>(lots) * spec.lot_size_d;
}
// Absolute quote notional of `lots` at `price`.
[[nodiscard]] inline double lots_notional(const InstrumentSpec& spec, std::int64_t lots,
                                          double price) noexcept {
  const double n = spec.notional(lots_to_contracts(spec, lots), price);
  return n < 0 ? -n : n;
}

}  // namespace ballast::venue
