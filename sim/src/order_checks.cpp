#include "ballast/venue/order_checks.hpp"

#include <algorithm>

namespace ballast::venue {

const char* to_string(RejectReason r) noexcept {
  switch (r) {
    case RejectReason::none:
      return "none";
    case RejectReason::unknown_instrument:
      return "unknown_instrument";
    case RejectReason::bad_quantity:
      return "bad_quantity";
    case RejectReason::below_min_qty:
      return "below_min_qty";
    case RejectReason::above_max_qty:
      return "above_max_qty";
    case RejectReason::bad_price:
      return "bad_price";
    case RejectReason::off_tick:
      return "off_tick";
    case RejectReason::below_min_notional:
      return "below_min_notional";
    case RejectReason::post_only_would_cross:
      return "post_only_would_cross";
    case RejectReason::reduce_only_would_increase:
      return "reduce_only_would_increase";
    case RejectReason::unknown_order:
      return "unknown_order";
    case RejectReason::duplicate_client_order_id:
      return "duplicate_client_order_id";
    case RejectReason::insufficient_margin:
      return "insufficient_margin";
    case RejectReason::instrument_expired:
      return "instrument_expired";
    case RejectReason::injected_fault:
      return "injected_fault";
    case RejectReason::unsupported:
      return "unsupported";
    case RejectReason::self_trade:
      return "self_trade";
  }
  return "?";
}

const char* to_string(TimeInForce t) noexcept {
  switch (t) {
    case TimeInForce::gtc:
      return "gtc";
    case TimeInForce::ioc:
      return "ioc";
    case TimeInForce::fok:
      return "fok";
    case TimeInForce::post_only:
      return "post_only";
  }
  return "?";
}

const char* to_string(OrderType t) noexcept {
  return t == OrderType::market ? "market" : "limit";
}

OrderLimits order_limits(const InstrumentSpec& spec, std::int64_t hard_max_lots) noexcept {
  OrderLimits out;
  out.min_notional = spec.min_notional;
  out.max_lots = hard_max_lots;
  if (spec.min_qty.is_positive()) {
    if (const auto r = steps_exact(spec.min_qty, spec.lot_size))
      out.min_lots = std::max<std::int64_t>(1, r->steps + (r->exact ? 0 : 1));
  }
  if (spec.max_order_qty.is_positive()) {
    if (const auto r = steps_exact(spec.max_order_qty, spec.lot_size))
      out.max_lots = std::min(out.max_lots, r->steps);
  }
  return out;
}

StepsOrReject quantity_to_lots(const InstrumentSpec& spec, const Decimal& qty) noexcept {
  if (!qty.is_positive()) return {0, RejectReason::bad_quantity};
  const auto r = steps_exact(qty, spec.lot_size);
  if (!r) return {0, RejectReason::above_max_qty};  // overflow: far beyond any cap
  if (!r->exact || r->steps <= 0) return {0, RejectReason::bad_quantity};
  return {r->steps, RejectReason::none};
}

StepsOrReject price_to_ticks(const InstrumentSpec& spec, const Decimal& price) noexcept {
  if (!price.is_positive()) return {0, RejectReason::bad_price};
  const auto r = steps_exact(price, spec.tick_size);
  if (!r) return {0, RejectReason::bad_price};
  if (!r->exact || r->steps <= 0) return {0, RejectReason::off_tick};
  return {r->steps, RejectReason::none};
}

RejectReason check_lots(const OrderLimits& limits, std::int64_t lots) noexcept {
  if (lots <= 0) return RejectReason::bad_quantity;
  if (lots < limits.min_lots) return RejectReason::below_min_qty;
  if (lots > limits.max_lots) return RejectReason::above_max_qty;
  return RejectReason::none;
}

RejectReason check_notional(const InstrumentSpec& spec, const OrderLimits& limits,
                            std::int64_t lots, double price) noexcept {
  if (limits.min_notional <= 0.0 || price <= 0.0) return RejectReason::none;
  // A hair of tolerance: an order of exactly min_notional must pass despite binary error.
  return lots_notional(spec, lots, price) < limits.min_notional * (1.0 - 1e-12)
             ? RejectReason::below_min_notional
             : RejectReason::none;
}

}  // namespace ballast::venue
