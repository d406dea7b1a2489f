#include "ballast/risk/risk_gate.hpp"

#include <algorithm>
#include <cmath>

namespace ballast::risk {

RiskGate::RiskGate(const Universe& universe, const RiskLimits& limits, const PolicyConfig& policy,
                   std::optional<double> margin_balance)
    : universe_(universe),
      policy_(policy),
      margin_balance_(margin_balance),
      engine_(universe, limits),
      current_(std::make_unique<AccountRisk>()),
      scratch_(std::make_unique<AccountRisk>()) {}

bool RiskGate::admit(PlannedOrder& order, const GateView& view) noexcept {
  const RiskInputs in{view.portfolio,
                      view.market,
                      view.valuation,
                      view.open_orders,
                      margin_balance_ ? *margin_balance_ : view.portfolio.cash,
                      !margin_balance_.has_value(),
                      view.now_ns};
  const OrderIntent intent{order.instrument, order.side == Side::buy, order.lots,
                           order.limit_ticks};
  bool current_valid = false;
  RiskVerdict v = engine_.check_lazy(intent, in, *scratch_, *current_, current_valid);
  if (!v.accepted() && is_size_bound(v.check)) {
    if (!current_valid) engine_.assess(in, nullptr, *current_);
    const double per_lot = order.lots > 0 ? order.notional / static_cast<double>(order.lots) : 0;
    const ShrinkResult s =
        engine_.shrink(intent, v, in, *current_, *scratch_,
                       minimum_lots(universe_.instruments[order.instrument], policy_, per_lot));
    if (s.shrunk) {
      order.lots = s.lots;
      return true;
    }
  }
  if (v.accepted()) return true;
  ++denied_[static_cast<std::size_t>(v.check)];
  last_denial_ = v;
  return false;
}

void RiskGate::on_sent(const PlannedOrder& order, std::int64_t now_ns) noexcept {
  engine_.on_order_sent(
      OrderIntent{order.instrument, order.side == Side::buy, order.lots, order.limit_ticks},
      now_ns);
}

}  // namespace ballast::risk
