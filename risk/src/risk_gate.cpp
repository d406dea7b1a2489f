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

RiskInputs RiskGate::inputs(const GateView& view) const noexcept {
  return RiskInputs{view.portfolio,
                    view.market,
                    view.valuation,
                    view.open_orders,
                    margin_balance_ ? *margin_balance_ : view.portfolio.cash,
                    !margin_balance_.has_value(),
                    view.now_ns};
}

bool RiskGate::admit(PlannedOrder& order, const GateView& view) noexcept {
  const RiskInputs in = inputs(view);
  const OrderIntent intent{order.instrument, order.side, order.lots, order.limit_ticks};
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
  engine_.on_order_sent(OrderIntent{order.instrument, order.side, order.lots, order.limit_ticks},
                        now_ns);
}

void RiskGate::set_mode(TradingState state) noexcept {
  engine_.set_state(state);
}

void RiskGate::set_limits(const RiskLimits& limits, const PolicyConfig& policy) noexcept {
  engine_.set_limits(limits);
  policy_ = policy;
}

GateDenial RiskGate::last_gate_denial() const noexcept {
  return GateDenial{last_denial_.check, last_denial_.value, last_denial_.limit,
                    last_denial_.instrument};
}

void RiskGate::summarize(const GateView& view, RiskSummary& out) noexcept {
  engine_.assess(inputs(view), nullptr, *scratch_);
  const AccountRisk& a = *scratch_;
  out.valid = true;
  out.nav = a.nav;
  out.gross_notional = a.gross_notional;
  out.leverage = a.leverage;
  out.margin_utilization = a.margin_utilization;
  // The snapshot is read as JSON, which has no infinity: "no liquidation risk" is huge.
  out.worst_liquidation_distance = std::isfinite(a.worst_distance) ? a.worst_distance : 1e300;
  out.worst_instrument = a.worst_instrument;
}

}  // namespace ballast::risk
