#include "ballast/core/planner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ballast {

const char* to_string(OrderPurpose p) noexcept {
  switch (p) {
    case OrderPurpose::unwind:
      return "unwind";
    case OrderPurpose::status_query:
      return "status_query";
    case OrderPurpose::cancel:
      return "cancel";
    case OrderPurpose::flatten:
      return "flatten";
    case OrderPurpose::rebalance:
      break;
  }
  return "rebalance";
}

const char* to_string(SkipReason r) noexcept {
  switch (r) {
    case SkipReason::none:
      return "none";
    case SkipReason::below_min_order_notional:
      return "below_min_order_notional";
    case SkipReason::rounds_to_zero:
      return "rounds_to_zero";
    case SkipReason::below_min_qty:
      return "below_min_qty";
    case SkipReason::below_min_notional:
      return "below_min_notional";
    case SkipReason::cost_above_max:
      return "cost_above_max";
    case SkipReason::insufficient_depth:
      return "insufficient_depth";
    case SkipReason::no_instrument:
      return "no_instrument";
    case SkipReason::no_counterparty_leg:
      return "no_counterparty_leg";
  }
  return "?";
}

namespace {

// Price an instrument trades at for planning: its mark, or for a spot pair without its
// own quote, the asset's spot price.
double instrument_price(const PlanContext& ctx, InstrumentId i) noexcept {
  const double mark = ctx.market.mark[i];
  if (mark > 0.0) return mark;
  const InstrumentSpec& spec = ctx.universe.instruments[i];
  return spec.is_derivative() ? 0.0 : ctx.market.spot_price[spec.base];
}

// The tighter of the absolute band and the relative band, as weight points.
double effective_band(const TargetSpec& t) noexcept {
  double band = t.band;
  if (t.rel_band > 0.0 && t.weight > 0.0) {
    const double rel = t.rel_band * t.weight;
    if (band <= 0.0 || rel < band) band = rel;
  }
  return band;
}

double wanted_exposure(const PolicyConfig& policy, const TargetSpec& t, double weight, double drift,
                       double nav) noexcept {
  if (policy.rebalance_to == RebalanceTo::target) return t.weight * nav;
  const double band = effective_band(t);
  if (!outside_band(drift, band)) return weight * nav;  // inside: left where it is
  return (drift > 0 ? t.weight + band : t.weight - band) * nav;
}

// Scales longs and shorts to the same total notional so the adjustment is delta-neutral.
void pair_adjustments(std::array<double, kMaxAssets>& adjust, std::size_t n) noexcept {
  double longs = 0.0;
  double shorts = 0.0;
  for (std::size_t a = 0; a < n; ++a) (adjust[a] > 0 ? longs : shorts) += std::fabs(adjust[a]);
  const double paired = std::min(longs, shorts);
  for (std::size_t a = 0; a < n; ++a) {
    if (adjust[a] > 0) adjust[a] *= longs > 0 ? paired / longs : 0.0;
    if (adjust[a] < 0) adjust[a] *= shorts > 0 ? paired / shorts : 0.0;
  }
}

// Sizes `o` to `lots` at the instrument's price: quantity, notional, cost and the
// marketable limit in whole ticks (toward zero).
void price_order(const PlanContext& ctx, PlannedOrder& o, std::int64_t lots) noexcept {
  const InstrumentSpec& spec = ctx.universe.instruments[o.instrument];
  const double price = instrument_price(ctx, o.instrument);
  const double contracts = static_cast<double>(lots) * spec.lot_size_d;
  o.lots = lots;
  o.notional = contracts * spec.contract_notional(price);
  o.qty_base = spec.base_quantity(contracts, price);
  o.cost = estimate_cost(spec, ctx.market.books[o.instrument], o.side, contracts, price,
                         ctx.policy.default_spread_bps);
  o.cost_bps = o.notional > 0.0 ? o.cost.total / o.notional * 1e4 : 0.0;
  o.limit_ticks = steps_toward_zero(o.cost.limit_price, spec.tick_size_d).steps;
  o.limit_price = static_cast<double>(o.limit_ticks) * spec.tick_size_d;
}

class PlanBuilder {
 public:
  PlanBuilder(const PlanContext& ctx, PlanResult& out) noexcept : ctx_(ctx), out_(out) {}

  void skip(AssetId asset, InstrumentId instrument, SkipReason reason, double notional,
            double value, double limit) noexcept {
    if (out_.skipped_count >= out_.skipped.size()) return;
    out_.skipped[out_.skipped_count++] =
        SkippedAdjustment{asset, instrument, reason, notional, value, limit};
  }

  // Sizes one order in whole lots and gates it; returns true when it was planned.
  bool emit(AssetId asset, InstrumentId i, std::int64_t signed_lots, double raw_contracts,
            double rounding_residual, OrderPurpose purpose, double adjust) noexcept {
    const InstrumentSpec& spec = ctx_.universe.instruments[i];
    const double price = instrument_price(ctx_, i);
    const double contracts = static_cast<double>(std::llabs(signed_lots)) * spec.lot_size_d;
    const double min_qty = spec.min_qty_d;
    if (min_qty > 0.0 && contracts < min_qty * (1.0 - kStepSnapTolerance)) {
      skip(asset, i, SkipReason::below_min_qty, adjust, contracts, min_qty);
      return false;
    }
    const double notional = contracts * spec.contract_notional(price);
    if (notional < spec.min_notional) {
      skip(asset, i, SkipReason::below_min_notional, adjust, notional, spec.min_notional);
      return false;
    }
    const Side side = signed_lots > 0 ? Side::buy : Side::sell;
    PlannedOrder o;
    o.instrument = i;
    o.asset = asset;
    o.side = side;
    o.purpose = purpose;
    o.raw_contracts = raw_contracts;
    o.rounding_residual = rounding_residual;
    price_order(ctx_, o, std::llabs(signed_lots));
    o.requested_lots = o.lots;
    if (o.cost.book_exhausted) {
      skip(asset, i, SkipReason::insufficient_depth, adjust, contracts, 0.0);
      return false;
    }
    if (o.cost_bps > ctx_.policy.max_cost_bps + kBandTolerance) {
      skip(asset, i, SkipReason::cost_above_max, adjust, o.cost_bps, ctx_.policy.max_cost_bps);
      return false;
    }
    if (out_.order_count >= out_.orders.size()) return false;
    out_.orders[out_.order_count++] = o;
    return true;
  }

  void rebalance(AssetId asset, double adjust) noexcept {
    if (std::fabs(adjust) < ctx_.policy.min_order_notional) {
      skip(asset, kNoInstrument, SkipReason::below_min_order_notional, adjust, std::fabs(adjust),
           ctx_.policy.min_order_notional);
      return;
    }
    const InstrumentId i = HedgePlanner::choose_instrument(ctx_, asset, adjust);
    if (i == kNoInstrument) {
      skip(asset, kNoInstrument, SkipReason::no_instrument, adjust, 0.0, 0.0);
      return;
    }
    const InstrumentSpec& spec = ctx_.universe.instruments[i];
    const double raw = adjust / spec.contract_notional(instrument_price(ctx_, i));
    const StepRounding r = steps_toward_zero(raw, spec.lot_size_d);
    if (r.steps == 0) {
      skip(asset, i, SkipReason::rounds_to_zero, adjust, std::fabs(raw), spec.lot_size_d);
      return;
    }
    emit(asset, i, r.steps, raw, r.residual, OrderPurpose::rebalance, adjust);
  }

  // Closes every futures position on the asset, exactly (no rounding involved).
  void unwind(AssetId asset) noexcept {
    for (std::size_t i = 0; i < ctx_.universe.instruments.size(); ++i) {
      const InstrumentSpec& spec = ctx_.universe.instruments[i];
      const std::int64_t lots = ctx_.portfolio.positions[i].lots;
      if (!spec.is_derivative() || spec.base != asset || lots == 0) continue;
      const auto id = static_cast<InstrumentId>(i);
      const double close_notional = -spec.notional(
          position_contracts(spec, ctx_.portfolio.positions[i]), instrument_price(ctx_, id));
      out_.assets[asset].adjust_notional += close_notional;
      emit(asset, id, -lots, -static_cast<double>(lots) * spec.lot_size_d, 0.0,
           OrderPurpose::unwind, close_notional);
    }
  }

 private:
  const PlanContext& ctx_;
  PlanResult& out_;
};

bool holds_futures(const PlanContext& ctx, AssetId asset) noexcept {
  for (std::size_t i = 0; i < ctx.universe.instruments.size(); ++i) {
    const InstrumentSpec& spec = ctx.universe.instruments[i];
    if (spec.is_derivative() && spec.base == asset && ctx.portfolio.positions[i].lots != 0)
      return true;
  }
  return false;
}

}  // namespace

std::int64_t minimum_lots(const InstrumentSpec& spec, const PolicyConfig& policy,
                          double notional_per_lot) noexcept {
  double lots = 1.0;
  const double need = std::max(spec.min_notional, policy.min_order_notional);
  if (notional_per_lot > 0.0) lots = std::max(lots, std::ceil(need / notional_per_lot - 1e-9));
  if (spec.lot_size_d > 0.0)
    lots = std::max(lots, std::ceil(spec.min_qty_d / spec.lot_size_d - 1e-9));
  return static_cast<std::int64_t>(lots);
}

InstrumentId HedgePlanner::choose_instrument(const PlanContext& ctx, AssetId asset,
                                             double signed_notional) noexcept {
  if (ctx.policy.method == HedgeMethod::spot) {
    const InstrumentId i = ctx.universe.assets[asset].spot_instrument;
    return i != kNoInstrument && instrument_price(ctx, i) > 0.0 ? i : kNoInstrument;
  }
  const TargetSpec& t = ctx.targets[asset];
  for (std::size_t k = 0; k < t.hedge_count; ++k) {
    const InstrumentId i = t.hedge_with[k];
    if (ctx.portfolio.positions[i].lots != 0 && ctx.market.mark[i] > 0.0) return i;
  }
  InstrumentId best = kNoInstrument;
  double best_carry = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < t.hedge_count; ++k) {
    const InstrumentId i = t.hedge_with[k];
    const double mark = ctx.market.mark[i];
    if (mark <= 0.0) continue;
    const double carry = expected_carry(ctx.universe.instruments[i], signed_notional, mark,
                                        ctx.market.spot_price[asset], ctx.market.funding_rate[i],
                                        ctx.policy.carry_horizon_s, ctx.now_s);
    if (carry < best_carry) {  // strict: ties keep the configured order
      best_carry = carry;
      best = i;
    }
  }
  return best;
}

void HedgePlanner::plan(const PlanContext& ctx, const Valuation& valuation,
                        const TriggerDecision& trigger, PlanResult& out) noexcept {
  out.trigger = trigger;
  out.acted = false;
  out.order_count = 0;
  out.skipped_count = 0;
  const std::size_t n = valuation.asset_count;
  std::fill_n(out.assets.begin(), n, AssetPlan{});  // only the assets in use: hot path
  out.max_abs_drift_before = 0.0;
  const AssetId base = ctx.universe.base_currency;
  for (std::size_t a = 0; a < n; ++a)
    out.max_abs_drift_before = std::max(out.max_abs_drift_before, std::fabs(valuation.drift[a]));

  PlanBuilder builder(ctx, out);
  if (valuation.nav_positive && trigger.fire) {
    std::array<double, kMaxAssets> adjust;
    std::fill_n(adjust.begin(), n, 0.0);
    for (std::size_t a = 0; a < n; ++a) {
      const TargetSpec& t = ctx.targets[a];
      if (a == base || !t.configured) continue;
      const double wanted =
          wanted_exposure(ctx.policy, t, valuation.weight[a], valuation.drift[a], valuation.nav);
      out.assets[a].wanted_exposure = wanted;
      adjust[a] = (wanted - valuation.exposure[a]) * ctx.policy.hedge_ratio;
    }
    if (ctx.policy.method == HedgeMethod::synthetic_pair) {
      std::array<double, kMaxAssets> unpaired;
      std::copy_n(adjust.begin(), n, unpaired.begin());
      pair_adjustments(adjust, n);
      for (std::size_t a = 0; a < n; ++a)
        if (adjust[a] == 0.0 && std::fabs(unpaired[a]) >= ctx.policy.min_order_notional)
          builder.skip(static_cast<AssetId>(a), kNoInstrument, SkipReason::no_counterparty_leg,
                       unpaired[a], std::fabs(unpaired[a]), 0.0);
    }
    out.acted = true;
    for (std::size_t a = 0; a < n; ++a) {
      out.assets[a].adjust_notional = adjust[a];
      // A drift of a cent is not an adjustment worth reporting as skipped.
      if (std::fabs(adjust[a]) > 1e-9 * valuation.nav)
        builder.rebalance(static_cast<AssetId>(a), adjust[a]);
    }
  } else if (valuation.nav_positive && ctx.policy.unwind_inside_band &&
             ctx.policy.method != HedgeMethod::spot) {
    // Seed 000 step 5: once the spot allocation is back inside its band by itself, the
    // hedge has done its job and only costs carry, so close it.
    for (std::size_t a = 0; a < n; ++a) {
      const TargetSpec& t = ctx.targets[a];
      if (a == base || !t.configured || !holds_futures(ctx, static_cast<AssetId>(a))) continue;
      const double unhedged_drift = valuation.spot_weight[a] - t.weight;
      if (outside_band(unhedged_drift, effective_band(t))) continue;
      out.acted = true;
      out.assets[a].unwinding = true;
      out.assets[a].wanted_exposure = valuation.spot_value[a];
      builder.unwind(static_cast<AssetId>(a));
    }
  }

  if (ctx.value_after) value_after(ctx, out);
}

void HedgePlanner::resize(const PlanContext& ctx, PlannedOrder& order, std::int64_t lots) noexcept {
  price_order(ctx, order, lots);
}

void HedgePlanner::value_after(const PlanContext& ctx, PlanResult& out) noexcept {
  PortfolioState after = ctx.portfolio;
  for (AssetPlan& a : out.assets) a.planned_notional = 0.0;
  for (std::size_t k = 0; k < out.order_count; ++k) {
    const PlannedOrder& o = out.orders[k];
    if (o.blocked) continue;
    out.assets[o.asset].planned_notional += o.side == Side::buy ? o.notional : -o.notional;
    apply_fill(ctx.universe, after, o.instrument, o.side == Side::buy ? o.lots : -o.lots,
               o.cost.avg_price, o.cost.fee);
  }
  value_portfolio(ctx.universe, ctx.targets, after, ctx.market, out.after);
  out.max_abs_drift_after = 0.0;
  for (std::size_t a = 0; a < out.after.asset_count; ++a) {
    out.assets[a].drift_after = out.after.drift[a];
    out.assets[a].weight_after = out.after.weight[a];
    out.max_abs_drift_after = std::max(out.max_abs_drift_after, std::fabs(out.after.drift[a]));
  }
}

}  // namespace ballast
