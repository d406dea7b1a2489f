#include "ballast/core/planner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ballast {

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
    case SkipReason::within_tolerance:
      return "within_tolerance";
    case SkipReason::not_worth_cost:
      return "not_worth_cost";
    case SkipReason::no_shorting:
      return "no_shorting";
    case SkipReason::size_overflow:
      return "size_overflow";
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

double clamp_to_band(double value, const TargetSpec& t, double nav) noexcept {
  const double band = effective_band(t);
  if (!(band > 0.0)) return t.weight * nav;  // no band: the edge is the target itself
  return std::clamp(value, (t.weight - band) * nav, (t.weight + band) * nav);
}

// What filling `contracts` at `fill` instead of `mark` costs, in quote: the slippage of a
// fill at that price, as the valuation will see it.
double slippage_at(const InstrumentSpec& spec, double contracts, double fill,
                   double mark) noexcept {
  if (!(fill > 0.0) || !(mark > 0.0)) return 0.0;
  if (spec.is_inverse()) return std::fabs(contracts * spec.contract_value_d * (mark / fill - 1.0));
  return std::fabs(contracts * spec.contract_size_d * (fill - mark));
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
  // A limit order never fills worse than its limit: a buy limit truncated below the
  // book's average (an off-tick estimate) caps the average the plan books.
  if (o.limit_price > 0.0)
    o.cost.avg_price = o.side == Side::buy ? std::min(o.cost.avg_price, o.limit_price)
                                           : std::max(o.cost.avg_price, o.limit_price);
  // A spot fill is valued at the asset's spot price; a derivative at its mark.
  const double value_price = spec.is_derivative() ? price : ctx.market.spot_price[spec.base];
  o.cost_at_limit = o.cost.fee + slippage_at(spec, contracts, o.limit_price,
                                             value_price > 0.0 ? value_price : price);
}

double signed_notional(const PlannedOrder& o) noexcept {
  return o.side == Side::buy ? o.notional : -o.notional;
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

  // Sizes one order in whole lots and gates it; returns true when it was planned. An
  // order already planned on the instrument in this plan takes the lots instead (a
  // position closed and reopened the other way is one order, as a venue sees it).
  bool emit(AssetId asset, InstrumentId i, std::int64_t signed_lots, double raw_contracts,
            double rounding_residual, OrderReason reason, double adjust) noexcept {
    const InstrumentSpec& spec = ctx_.universe.instruments[i];
    for (std::size_t k = asset_first_; k < out_.order_count; ++k) {
      if (out_.orders[k].instrument != i) continue;
      const PlannedOrder& o = out_.orders[k];
      const std::int64_t merged = (o.side == Side::buy ? o.lots : -o.lots) + signed_lots;
      const double merged_raw = o.raw_contracts + raw_contracts;
      for (std::size_t m = k; m + 1 < out_.order_count; ++m) out_.orders[m] = out_.orders[m + 1];
      --out_.order_count;
      return merged != 0 &&
             emit(asset, i, merged, merged_raw, rounding_residual, OrderReason::rebalance, adjust);
    }
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
    PlannedOrder o;
    o.instrument = i;
    o.asset = asset;
    o.side = signed_lots > 0 ? Side::buy : Side::sell;
    o.reason = reason;
    o.raw_contracts = raw_contracts;
    o.rounding_residual = rounding_residual;
    price_order(ctx_, o, std::llabs(signed_lots));
    o.requested_lots = o.lots;
    if (o.cost.book_exhausted) {
      // Take what the visible book holds, in whole lots, and report the rest: skipping
      // the whole order would leave a gap a smaller plan later fills anyway.
      const BookSnapshot& book = ctx_.market.books[i];
      const bool buy = o.side == Side::buy;
      const std::size_t levels = buy ? book.ask_count : book.bid_count;
      double visible = 0.0;
      for (std::size_t l = 0; l < levels; ++l) visible += (buy ? book.asks[l] : book.bids[l]).qty;
      const std::int64_t fits = steps_toward_zero(visible, spec.lot_size_d).steps;
      skip(asset, i, SkipReason::insufficient_depth, adjust, contracts,
           static_cast<double>(std::max<std::int64_t>(fits, 0)) * spec.lot_size_d);
      const double fit_contracts = static_cast<double>(fits) * spec.lot_size_d;
      if (fits <= 0 || fits >= o.lots || (min_qty > 0.0 && fit_contracts < min_qty) ||
          fit_contracts * spec.contract_notional(price) < spec.min_notional)
        return false;
      price_order(ctx_, o, fits);  // requested_lots keeps what was asked: a cut order
      if (o.cost.book_exhausted) return false;
    }
    if (o.cost_bps > ctx_.policy.max_cost_bps + kBandTolerance) {
      skip(asset, i, SkipReason::cost_above_max, adjust, o.cost_bps, ctx_.policy.max_cost_bps);
      return false;
    }
    if (out_.order_count >= out_.orders.size()) return false;
    out_.orders[out_.order_count++] = o;
    return true;
  }

  // Whole lots of `notional` in `i`, toward zero; false (reported) when the count does
  // not fit or is zero.
  bool lots_for(AssetId asset, InstrumentId i, double notional, double adjust, StepRounding& r,
                double& raw) noexcept {
    const InstrumentSpec& spec = ctx_.universe.instruments[i];
    raw = notional / spec.contract_notional(instrument_price(ctx_, i));
    r = steps_toward_zero(raw, spec.lot_size_d);
    if (r.overflow) {
      out_.size_overflow = true;
      skip(asset, i, SkipReason::size_overflow, adjust, std::fabs(raw),
           kMaxExactSteps * spec.lot_size_d);
      return false;
    }
    if (r.steps == 0) {
      skip(asset, i, SkipReason::rounds_to_zero, adjust, std::fabs(raw), spec.lot_size_d);
      return false;
    }
    return true;
  }

  // Futures (hedge and synthetic_pair): move the asset's futures exposure by `delta`.
  // First shrink positions on the other side of `delta` (those that may not be held, an
  // expired future or one inside its roll window, first), each at most to flat; what is
  // left opens or adds through choose_instrument.
  void move_futures(AssetId asset, double delta) noexcept {
    begin_asset();
    double remaining = delta;
    for (int pass = 0; pass < 2 && remaining != 0.0; ++pass) {
      for (std::size_t h = 0; h < held_count_ && remaining != 0.0; ++h) {
        const InstrumentId i = held_[h];
        const InstrumentSpec& spec = ctx_.universe.instruments[i];
        const std::int64_t lots = ctx_.portfolio.positions[i].lots;
        if (spec.base != asset) continue;
        if ((lots > 0) == (delta > 0)) continue;  // same side: adding is the second step
        if ((pass == 0) == HedgePlanner::may_open(ctx_, spec)) continue;
        const double mark = instrument_price(ctx_, i);
        if (!(mark > 0.0)) continue;
        const double contracts = position_contracts(spec, ctx_.portfolio.positions[i]);
        const double held = spec.notional(contracts, mark);
        out_.assets[asset].unwinding = true;
        if (std::fabs(remaining) >= std::fabs(held) * (1.0 - 1e-9)) {  // close it, exactly
          emit(asset, i, -lots, -contracts, 0.0, OrderReason::unwind, delta);
          remaining += held;
          if (std::fabs(remaining) <= 1e-9 * std::fabs(delta)) remaining = 0.0;
          continue;
        }
        StepRounding r;
        double raw = 0.0;
        if (lots_for(asset, i, remaining, delta, r, raw))
          emit(asset, i, r.steps, raw, r.residual, OrderReason::unwind, delta);
        remaining = 0.0;  // what rounding left is less than a lot
      }
    }
    if (remaining == 0.0) return;
    const InstrumentId i = HedgePlanner::choose_instrument(ctx_, asset, remaining);
    if (i == kNoInstrument) {
      skip(asset, kNoInstrument, SkipReason::no_instrument, remaining, 0.0, 0.0);
      return;
    }
    StepRounding r;
    double raw = 0.0;
    if (lots_for(asset, i, remaining, delta, r, raw))
      emit(asset, i, r.steps, raw, r.residual, OrderReason::rebalance, delta);
  }

  // Spot method: buy or sell the asset's spot pair by `delta`, never selling more than is
  // held unless the policy allows spot shorts.
  void move_spot(AssetId asset, double delta) noexcept {
    begin_asset();
    const InstrumentId i = HedgePlanner::choose_instrument(ctx_, asset, delta);
    if (i == kNoInstrument) {
      skip(asset, kNoInstrument, SkipReason::no_instrument, delta, 0.0, 0.0);
      return;
    }
    StepRounding r;
    double raw = 0.0;
    if (!lots_for(asset, i, delta, delta, r, raw)) return;
    std::int64_t steps = r.steps;
    if (steps < 0 && !ctx_.policy.allow_spot_short) {
      const InstrumentSpec& spec = ctx_.universe.instruments[i];
      // Whole lots of what is held, rounded down and never up (no snapping: a sell must
      // not exceed the holding by even a fraction of a lot).
      const double held_qty = std::max(0.0, ctx_.portfolio.spot_qty[asset]);
      const double per_lot = spec.contract_size_d * spec.lot_size_d;
      std::int64_t held =
          static_cast<std::int64_t>(std::min(std::floor(held_qty / per_lot), kMaxExactSteps));
      while (held > 0 && static_cast<double>(held) * per_lot > held_qty) --held;
      if (-steps > held) {
        skip(asset, i, SkipReason::no_shorting, delta,
             static_cast<double>(-steps) * spec.lot_size_d,
             static_cast<double>(held) * spec.lot_size_d);
        steps = -held;
      }
    }
    if (steps != 0) emit(asset, i, steps, raw, r.residual, OrderReason::rebalance, delta);
  }

  // Lists the derivative positions held, once per plan (the per-asset moves then walk
  // only those, not every instrument), and sums the coin inverse positions have earned.
  void collect_held(std::array<double, kMaxAssets>& coin_pnl) noexcept {
    held_count_ = 0;
    const std::size_t n = ctx_.universe.instruments.size();
    for (std::size_t i = 0; i < n; ++i) {
      const FuturesPosition& pos = ctx_.portfolio.positions[i];
      if (pos.lots == 0) continue;
      const InstrumentSpec& spec = ctx_.universe.instruments[i];
      if (!spec.is_derivative()) continue;
      held_[held_count_++] = static_cast<InstrumentId>(i);
      if (spec.is_inverse() && ctx_.market.mark[i] > 0.0)
        coin_pnl[spec.base] += spec.unrealized_pnl(position_contracts(spec, pos), pos.entry_price,
                                                   ctx_.market.mark[i]);
    }
  }

  // A first estimate of what trading the asset costs per unit of notional: the taker fee
  // and half the assumed spread of its spot pair (spot method) or first hedge.
  [[nodiscard]] double cost_rate(AssetId asset) const noexcept {
    const InstrumentId i =
        ctx_.policy.method == HedgeMethod::spot
            ? ctx_.universe.assets[asset].spot_instrument
            : (ctx_.targets[asset].hedge_count > 0 ? ctx_.targets[asset].hedge_with[0]
                                                   : kNoInstrument);
    const double fee_bps = i == kNoInstrument ? 0.0 : ctx_.universe.instruments[i].taker_fee_bps;
    return (fee_bps + ctx_.policy.default_spread_bps / 2.0) / 1e4;
  }

  // The notional of one lot of the coarsest instrument the asset would trade: its spot
  // pair (spot method), or its hedge instruments and any derivative held on it.
  [[nodiscard]] double coarsest_lot(AssetId asset) const noexcept {
    auto lot_of = [&](InstrumentId i) {
      const InstrumentSpec& spec = ctx_.universe.instruments[i];
      return spec.lot_size_d * spec.contract_notional(instrument_price(ctx_, i));
    };
    if (ctx_.policy.method == HedgeMethod::spot) {
      const InstrumentId i = ctx_.universe.assets[asset].spot_instrument;
      return i == kNoInstrument ? 0.0 : lot_of(i);
    }
    double widest = 0.0;
    const TargetSpec& t = ctx_.targets[asset];
    for (std::size_t k = 0; k < t.hedge_count; ++k)
      widest = std::max(widest, lot_of(t.hedge_with[k]));
    for (std::size_t h = 0; h < held_count_; ++h)
      if (ctx_.universe.instruments[held_[h]].base == asset)
        widest = std::max(widest, lot_of(held_[h]));
    return widest;
  }

  // The orders planned for the asset moved last (move_futures / move_spot).
  [[nodiscard]] std::size_t asset_first() const noexcept { return asset_first_; }

  // Drops the orders of the asset moved last, reporting each as not worth its cost.
  void drop_asset(AssetId asset, double benefit, double cost) noexcept {
    for (std::size_t k = asset_first_; k < out_.order_count; ++k)
      skip(asset, out_.orders[k].instrument, SkipReason::not_worth_cost,
           signed_notional(out_.orders[k]), benefit, cost);
    out_.order_count = static_cast<std::uint8_t>(asset_first_);
  }

 private:
  void begin_asset() noexcept { asset_first_ = out_.order_count; }

  const PlanContext& ctx_;
  PlanResult& out_;
  std::size_t asset_first_ = 0;
  std::array<InstrumentId, kMaxInstruments> held_;  // the first held_count_ are valid
  std::size_t held_count_ = 0;
};

// Sum of squared drifts over the assets with a configured target.
double tracking_error(const TargetTable& targets, const Valuation& v) noexcept {
  double te = 0.0;
  for (std::size_t a = 0; a < v.asset_count; ++a)
    if (targets[a].configured) te += v.drift[a] * v.drift[a];
  return te;
}

// The tracking error after every planned order fills at its limit price with its fee:
// exposures move by the orders' notionals, NAV falls by their cost_at_limit, and the
// base currency is the remainder. O(assets + orders): cheap enough for the hot path.
double tracking_error_after(const PlanContext& ctx, const Valuation& v,
                            const PlanResult& out) noexcept {
  const std::size_t n = v.asset_count;
  std::array<double, kMaxAssets> exposure;
  std::copy_n(v.exposure.begin(), n, exposure.begin());
  double nav = v.nav - out.cost;
  for (std::size_t k = 0; k < out.order_count; ++k)
    if (!out.orders[k].blocked) exposure[out.orders[k].asset] += signed_notional(out.orders[k]);
  if (!(nav > 0.0)) return std::numeric_limits<double>::infinity();
  const AssetId base = ctx.universe.base_currency;
  double others = 0.0;
  for (std::size_t a = 0; a < n; ++a)
    if (a != base) others += exposure[a];
  if (base != kNoAsset) exposure[base] = nav - others;
  double te = 0.0;
  for (std::size_t a = 0; a < n; ++a) {
    if (!ctx.targets[a].configured) continue;
    const double d = exposure[a] / nav - ctx.targets[a].weight;
    te += d * d;
  }
  return te;
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

bool HedgePlanner::may_open(const PlanContext& ctx, const InstrumentSpec& spec) noexcept {
  if (spec.kind != InstrumentKind::future || !spec.expiry_unix_s) return true;
  return *spec.expiry_unix_s - ctx.now_s > ctx.policy.roll_before_s;
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
    const std::int64_t lots = ctx.portfolio.positions[i].lots;
    if (lots != 0 && (lots > 0) == (signed_notional > 0) && ctx.market.mark[i] > 0.0 &&
        may_open(ctx, ctx.universe.instruments[i]))
      return i;
  }
  InstrumentId best = kNoInstrument;
  double best_carry = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < t.hedge_count; ++k) {
    const InstrumentId i = t.hedge_with[k];
    const double mark = ctx.market.mark[i];
    if (mark <= 0.0 || !may_open(ctx, ctx.universe.instruments[i])) continue;
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
  out.nav_nonpositive = !valuation.nav_positive;
  out.size_overflow = false;
  out.benefit = 0.0;
  out.cost = 0.0;
  const std::size_t n = valuation.asset_count;
  std::fill_n(out.assets.begin(), n, AssetPlan{});  // only the assets in use: hot path
  out.max_abs_drift_before = 0.0;
  for (std::size_t a = 0; a < n; ++a)
    out.max_abs_drift_before = std::max(out.max_abs_drift_before, std::fabs(valuation.drift[a]));
  out.tracking_error_before = tracking_error(ctx.targets, valuation);
  out.tracking_error_after = out.tracking_error_before;

  // NAV <= 0 is an error state (the caller halts); between triggers nothing trades: the
  // band is the hysteresis, and there is no second rule that unwinds on its own.
  if (valuation.nav_positive && trigger.fire) {
    out.acted = true;
    const AssetId base = ctx.universe.base_currency;
    const PolicyConfig& policy = ctx.policy;
    const double nav = valuation.nav;
    const bool spot = policy.method == HedgeMethod::spot;
    PlanBuilder builder(ctx, out);
    std::array<double, kMaxAssets> adjust;
    std::fill_n(adjust.begin(), n, 0.0);
    // Coin an inverse position has earned is spot coin in all but location: closing the
    // position moves it into the coin held, so the overlay counts it with the spot (S),
    // not with the futures it would otherwise unwind along with the hedge.
    std::array<double, kMaxAssets> coin_pnl;
    std::fill_n(coin_pnl.begin(), n, 0.0);
    builder.collect_held(coin_pnl);
    // What a plan's own cost does to NAV moves what each asset wants, by
    // echo_per_nav x cost: t (or the band edge t +- b, or 0 inside it), times h.
    std::array<double, kMaxAssets> echo_per_nav;
    std::fill_n(echo_per_nav.begin(), n, 0.0);
    double expected_cost = 0.0;  // a first estimate of this plan's cost, for the echo
    for (std::size_t a = 0; a < n; ++a) {
      const TargetSpec& t = ctx.targets[a];
      if (a == base || !t.configured) continue;
      AssetPlan& ap = out.assets[a];
      const double S = valuation.spot_value[a] + coin_pnl[a];
      const double F = valuation.futures_exposure[a] - coin_pnl[a];
      const double E = valuation.exposure[a];
      // Spot is what moves in the spot method: the wanted total is reached by the spot
      // held (the hedge ratio is a futures notion and does not apply there).
      const double held_total = spot ? E : S;  // what band_edge clamps
      const bool to_target = policy.rebalance_to == RebalanceTo::target;
      ap.wanted_exposure = to_target ? t.weight * nav : clamp_to_band(held_total, t, nav);
      const double per_nav =
          to_target || ap.wanted_exposure != held_total ? ap.wanted_exposure / nav : 0.0;
      if (spot) {
        ap.wanted_futures = ap.wanted_exposure - F;
        adjust[a] = ap.wanted_exposure - E;
        echo_per_nav[a] = per_nav;
      } else {
        ap.wanted_futures = policy.hedge_ratio * (ap.wanted_exposure - S);
        adjust[a] = ap.wanted_futures - F;
        echo_per_nav[a] = policy.hedge_ratio * per_nav;
      }
      // A move of a cent is noise, not an adjustment worth reporting.
      if (std::fabs(adjust[a]) <= 1e-9 * nav) {
        adjust[a] = 0.0;
        continue;
      }
      expected_cost += std::fabs(adjust[a]) * builder.cost_rate(static_cast<AssetId>(a));
    }
    for (std::size_t a = 0; a < n; ++a) {
      if (adjust[a] == 0.0) continue;
      const TargetSpec& t = ctx.targets[a];
      // The no-trade region: a tenth of the band (by default), widened by one lot of the
      // coarsest instrument the asset trades, since whole lots cannot land closer than
      // that: a plan's rounding remainder plus its own fee echo never trades again.
      const double tolerance = policy.rebalance_tolerance * effective_band(t) * nav +
                               builder.coarsest_lot(static_cast<AssetId>(a));
      // A gap inside the region that this plan's own cost would push out of it trades
      // now: left, the next plan at the same prices would find it outside and trade.
      const double gap =
          std::max(std::fabs(adjust[a]), std::fabs(adjust[a] - echo_per_nav[a] * expected_cost));
      if (std::fabs(adjust[a]) < policy.min_order_notional) {
        builder.skip(static_cast<AssetId>(a), kNoInstrument, SkipReason::below_min_order_notional,
                     adjust[a], std::fabs(adjust[a]), policy.min_order_notional);
        adjust[a] = 0.0;
      } else if (gap < tolerance) {
        builder.skip(static_cast<AssetId>(a), kNoInstrument, SkipReason::within_tolerance,
                     adjust[a], std::fabs(adjust[a]), tolerance);
        adjust[a] = 0.0;
      }
    }
    const bool pair = policy.method == HedgeMethod::synthetic_pair;
    const double aversion = policy.tracking_error_aversion;
    std::array<double, kMaxAssets> sendable;  // pair: what each asset could send alone
    if (pair) {
      // A synthetic pair sends equal notional long and short (Seed 002). What each side
      // can send is known only once sized (whole lots, minimums), so size every asset's
      // full gap once, pair what is really sent, cut the larger side to it, and size
      // again. Pairing what is sent rather than what is asked leaves one side's
      // sendable gaps exhausted, so the next plan finds nothing to pair (idempotent).
      const std::uint8_t skipped_before = out.skipped_count;
      for (std::size_t a = 0; a < n; ++a)
        if (adjust[a] != 0.0) builder.move_futures(static_cast<AssetId>(a), adjust[a]);
      double longs = 0.0;
      double shorts = 0.0;
      std::fill_n(sendable.begin(), n, 0.0);
      for (std::size_t k = 0; k < out.order_count; ++k) {
        (out.orders[k].side == Side::buy ? longs : shorts) += out.orders[k].notional;
        sendable[out.orders[k].asset] += out.orders[k].notional;
      }
      out.order_count = 0;
      out.skipped_count = skipped_before;
      const double sent = std::min(longs, shorts);
      const bool cut_longs = longs > shorts;
      const double cut = sent > 0.0 ? sent / std::max(longs, shorts) : 0.0;
      for (std::size_t a = 0; a < n; ++a) {
        if (adjust[a] == 0.0) continue;
        if (sent == 0.0) {
          builder.skip(static_cast<AssetId>(a), kNoInstrument, SkipReason::no_counterparty_leg,
                       adjust[a], std::fabs(adjust[a]), 0.0);
          adjust[a] = 0.0;
        } else if ((adjust[a] > 0) == cut_longs) {
          adjust[a] *= cut;
        }
      }
    }
    for (std::size_t a = 0; a < n; ++a) out.assets[a].adjust_notional = adjust[a];
    // Spot sells go first, so their proceeds are in cash before the buys they fund.
    for (std::size_t step = 0; step < n * (spot ? 2 : 1); ++step) {
      const std::size_t a = step % n;
      if (spot && (step < n) != (adjust[a] < 0.0)) continue;
      if (adjust[a] == 0.0) continue;
      const auto id = static_cast<AssetId>(a);
      if (pair && std::fabs(adjust[a]) < policy.min_order_notional) {
        builder.skip(id, kNoInstrument, SkipReason::below_min_order_notional, adjust[a],
                     std::fabs(adjust[a]), policy.min_order_notional);
        continue;
      }
      if (spot)
        builder.move_spot(id, adjust[a]);
      else
        builder.move_futures(id, adjust[a]);
      if (pair) {
        // A leg cut to its pair keeps what it could have sent as requested_lots: the
        // rest is left for a later plan on purpose, like a risk cut.
        double sent_here = 0.0;
        for (std::size_t k = builder.asset_first(); k < out.order_count; ++k)
          sent_here += out.orders[k].notional;
        if (sent_here > 0.0 && sendable[a] > sent_here * (1.0 + 1e-9))
          for (std::size_t k = builder.asset_first(); k < out.order_count; ++k) {
            PlannedOrder& o = out.orders[k];
            o.requested_lots = std::max(
                o.requested_lots, static_cast<std::int64_t>(std::ceil(static_cast<double>(o.lots) *
                                                                      sendable[a] / sent_here)));
          }
        continue;  // a pair is weighed as a whole below, never leg by leg
      }
      // The no-trade region of Seed 004: closing a gap g (in NAV) is worth
      // aversion * NAV * g^2; below its cost the asset is left where it is.
      double moved = 0.0;
      double cost = 0.0;
      for (std::size_t k = builder.asset_first(); k < out.order_count; ++k) {
        moved += signed_notional(out.orders[k]);
        cost += out.orders[k].cost_at_limit;
      }
      const double worth = aversion * moved * moved / nav;
      if (out.order_count > builder.asset_first() && !(worth > cost))
        builder.drop_asset(id, worth, cost);
    }
    // The plan as a whole must lower the tracking error by more than it pays.
    for (std::size_t k = 0; k < out.order_count; ++k) out.cost += out.orders[k].cost_at_limit;
    if (out.order_count > 0) {
      out.tracking_error_after = tracking_error_after(ctx, valuation, out);
      out.benefit = aversion * nav * (out.tracking_error_before - out.tracking_error_after);
      if (!(out.benefit > out.cost)) {
        for (std::size_t k = 0; k < out.order_count; ++k)
          builder.skip(out.orders[k].asset, out.orders[k].instrument, SkipReason::not_worth_cost,
                       signed_notional(out.orders[k]), out.benefit, out.cost);
        out.order_count = 0;
        out.tracking_error_after = out.tracking_error_before;
      }
    }
  }

  if (ctx.value_after) value_after(ctx, out);
}

bool HedgePlanner::reweigh(const PlanContext& ctx, const Valuation& valuation,
                           PlanResult& out) noexcept {
  out.cost = 0.0;
  bool any = false;
  for (std::size_t k = 0; k < out.order_count; ++k) {
    if (out.orders[k].blocked) continue;
    out.cost += out.orders[k].cost_at_limit;
    any = true;
  }
  if (!any) {
    out.tracking_error_after = out.tracking_error_before;
    out.benefit = 0.0;
    return true;
  }
  out.tracking_error_after = tracking_error_after(ctx, valuation, out);
  out.benefit = ctx.policy.tracking_error_aversion * valuation.nav *
                (out.tracking_error_before - out.tracking_error_after);
  return out.benefit > out.cost;
}

void HedgePlanner::resize(const PlanContext& ctx, PlannedOrder& order, std::int64_t lots) noexcept {
  price_order(ctx, order, lots);
}

void HedgePlanner::value_after(const PlanContext& ctx, PlanResult& out) noexcept {
  // Only the assets and instruments in use are copied into the caller-owned scratch:
  // the full arrays are kilobytes this would otherwise copy on every plan.
  PortfolioState& after = out.after_book;
  const std::size_t n_assets = ctx.universe.assets.size();
  const std::size_t n_inst = ctx.universe.instruments.size();
  after.cash = ctx.portfolio.cash;
  std::copy_n(ctx.portfolio.spot_qty.begin(), n_assets, after.spot_qty.begin());
  std::copy_n(ctx.portfolio.positions.begin(), n_inst, after.positions.begin());
  for (std::size_t a = 0; a < n_assets; ++a) out.assets[a].planned_notional = 0.0;
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
