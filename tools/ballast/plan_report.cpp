#include "ballast/plan_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <memory>

#include "ballast/core/json_writer.hpp"

namespace ballast::tools {
namespace {

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  const int n = std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return std::string(
      buf, n < 0 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

// 1234567.891 -> "1,234,567.89"
std::string money(double v) {
  std::string digits = format("%.2f", std::fabs(v));
  const std::size_t dot = digits.find('.');
  std::string grouped;
  for (std::size_t i = 0; i < dot; ++i) {
    if (i > 0 && (dot - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  grouped += digits.substr(dot);
  const bool negative = v < 0 && grouped != "0.00";
  return (negative ? "-" : "") + grouped;
}

std::string signed_money(double v) {
  return (v > 0 && money(v) != "0.00" ? "+" : "") + money(v);
}
std::string pct(double v) {
  return format("%.2f%%", v * 100.0);
}
// Rounds to the printed precision before choosing the sign, so -0.00001% shows +0.00%.
std::string signed_pct(double v) {
  const double shown = std::round(v * 10000.0) / 100.0;
  return format("%+.2f%%", shown == 0.0 ? 0.0 : shown);
}

std::string exact_contracts(const InstrumentSpec& spec, std::int64_t lots) {
  const auto d = multiply_steps(lots, spec.lot_size);
  return d ? d->to_string() : "overflow";
}

std::string exact_price(const InstrumentSpec& spec, std::int64_t ticks) {
  const auto d = multiply_steps(ticks, spec.tick_size);
  return d ? d->to_string() : "overflow";
}

const std::string& asset_name(const BallastConfig& c, AssetId a) {
  static const std::string none = "-";
  return a == kNoAsset ? none : c.universe.assets[a].name;
}

const std::string& instrument_name(const BallastConfig& c, InstrumentId i) {
  static const std::string none = "-";
  return i == kNoInstrument ? none : c.universe.instruments[i].symbol;
}

bool has_band(const BallastConfig& c, AssetId a) {
  return c.targets[a].band > 0.0;
}

// Why an adjustment was skipped, in words an operator reads at a glance.
std::string explain(const BallastConfig& c, const SkippedAdjustment& s) {
  switch (s.reason) {
    case SkipReason::below_min_order_notional:
      return format("adjustment %s below policy.min_order_notional %s", money(s.value).c_str(),
                    money(s.limit).c_str());
    case SkipReason::rounds_to_zero:
      return format("%.10g contracts is less than one lot (%.10g)", s.value, s.limit);
    case SkipReason::below_min_qty:
      return format("%.10g contracts below min_qty %.10g", s.value, s.limit);
    case SkipReason::below_min_notional:
      return format("notional %s below %s min_notional %s", money(s.value).c_str(),
                    instrument_name(c, s.instrument).c_str(), money(s.limit).c_str());
    case SkipReason::cost_above_max:
      return format("estimated cost %.2f bps above policy.max_cost_bps %.2f", s.value, s.limit);
    case SkipReason::insufficient_depth:
      return s.limit > 0.0 ? format(
                                 "visible book holds %.10g of the %.10g contracts wanted; "
                                 "the order takes that, the rest waits",
                                 s.limit, s.value)
                           : format("visible book cannot fill %.10g contracts", s.value);
    case SkipReason::no_instrument:
      return "no instrument with a price to trade it";
    case SkipReason::no_counterparty_leg:
      return "synthetic_pair: no opposite leg to pair with";
    case SkipReason::within_tolerance:
      return format("gap %s inside the no-trade region %s (rebalance_tolerance x band, plus a lot)",
                    money(s.value).c_str(), money(s.limit).c_str());
    case SkipReason::not_worth_cost:
      return format("tracking error removed is worth %s, not more than its cost %s",
                    money(s.value).c_str(), money(s.limit).c_str());
    case SkipReason::no_shorting:
      return format("sell of %.10g exceeds the %.10g held (policy.allow_spot_short = false)",
                    s.value, s.limit);
    case SkipReason::size_overflow:
      return format("%.10g contracts does not fit in a lot count (max %.10g)", s.value, s.limit);
    case SkipReason::none:
      break;
  }
  return "";
}

std::string distance_text(const risk::LiquidationEstimate& liq) {
  switch (liq.status) {
    case risk::LiquidationStatus::none:
      return "none (fully collateralised)";
    case risk::LiquidationStatus::already:
      return "NOW (equity below maintenance)";
    case risk::LiquidationStatus::at:
      break;
  }
  return format("%.10g (distance %s)", liq.price, pct(liq.distance).c_str());
}

std::string render_account_risk(const BallastConfig& c, const PlanReport& r) {
  const risk::AccountRisk& a = r.risk_after;
  std::string out = format(
      "\nRisk after the plan (state %s): leverage %.2fx (max %gx), margin utilisation %s "
      "(max %s), initial margin %s of %s available (wallet and collateral %s)\n",
      ballast::to_string(r.state), a.leverage, c.risk.max_leverage,
      pct(a.margin_utilization).c_str(), pct(c.risk.max_margin_utilization).c_str(),
      money(a.initial_margin).c_str(), money(a.available_margin).c_str(),
      money(a.wallet_balance).c_str());
  for (std::size_t k = 0; k < a.position_count; ++k) {
    const risk::PositionRisk& p = a.positions[k];
    const bool short_of_limit = p.liquidation.distance < c.risk.min_liquidation_distance;
    out += format("  %-16s %+14.10g contracts  notional %14s  liquidation %s%s\n",
                  instrument_name(c, p.instrument).c_str(), p.contracts, money(p.notional).c_str(),
                  distance_text(p.liquidation).c_str(),
                  short_of_limit
                      ? format("  < min %s", pct(c.risk.min_liquidation_distance).c_str()).c_str()
                      : "");
  }
  if (a.position_count == 0) out += "  no futures positions\n";
  return out;
}

// Smallest order the minimums allow, at the order's own notional per lot.
std::int64_t minimum_lots(const BallastConfig& c, const PlannedOrder& o) {
  const double per_lot = o.lots > 0 ? o.notional / static_cast<double>(o.lots) : 0.0;
  return ballast::minimum_lots(c.universe.instruments[o.instrument], c.policy, per_lot);
}

risk::OrderIntent intent_of(const PlannedOrder& o) {
  return risk::OrderIntent{o.instrument, o.side, o.lots, o.limit_ticks};
}

void write_verdict_fields(JsonWriter& j, const BallastConfig& c, const risk::RiskVerdict& v) {
  j.field("accepted", v.accepted());
  j.key("check");
  if (v.accepted())
    j.null();
  else
    j.value(risk::to_string(v.check));
  j.key("value");
  if (v.accepted())
    j.null();
  else
    j.value(v.value);
  j.key("limit");
  if (v.accepted())
    j.null();
  else
    j.value(v.limit);
  j.field("message", risk::describe(v, c.universe));
}

void write_order_risk(JsonWriter& j, const BallastConfig& c, const InstrumentSpec& spec,
                      const PlannedOrder& o, const OrderRisk& r) {
  j.key("risk").begin_object();
  write_verdict_fields(j, c, r.verdict);
  j.field("paced_ms", static_cast<double>(r.paced_ns) / 1e6);
  j.field("not_worth_cost", r.not_worth_cost);
  j.field("pair_leg_refused", r.pair_leg_refused);
  j.key("shrunk");
  if (!r.shrunk) {
    j.null();
  } else {
    j.begin_object();
    j.key("from_contracts").value(*multiply_steps(o.requested_lots, spec.lot_size));
    j.key("to_contracts").value(*multiply_steps(o.lots, spec.lot_size));
    j.field("check", risk::to_string(r.shrink_cause.check));
    j.field("value", r.shrink_cause.value);
    j.field("limit", r.shrink_cause.limit);
    j.field("message", risk::describe(r.shrink_cause, c.universe));
    j.end_object();
  }
  j.end_object();
}

void write_account_risk(JsonWriter& j, const BallastConfig& c, const PlanReport& r) {
  const risk::AccountRisk& a = r.risk_after;
  j.begin_object();
  j.field("state", ballast::to_string(r.state));
  j.field("leverage", a.leverage);
  j.field("margin_utilization", a.margin_utilization);
  j.field("initial_margin", a.initial_margin);
  j.field("available_margin", a.available_margin);
  j.field("gross_notional", a.gross_notional);
  j.field("wallet_balance", a.wallet_balance);
  j.key("before").begin_object();
  j.field("leverage", r.risk_before.leverage);
  j.field("margin_utilization", r.risk_before.margin_utilization);
  j.end_object();
  j.key("limits").begin_object();
  j.field("max_leverage", c.risk.max_leverage);
  j.field("max_margin_utilization", c.risk.max_margin_utilization);
  j.field("min_liquidation_distance", c.risk.min_liquidation_distance);
  j.field("max_asset_weight", c.risk.max_asset_weight);
  j.end_object();
  j.key("positions").begin_array();
  for (std::size_t k = 0; k < a.position_count; ++k) {
    const risk::PositionRisk& p = a.positions[k];
    const risk::LiquidationEstimate& liq = p.liquidation;
    j.begin_object();
    j.field("instrument", instrument_name(c, p.instrument));
    j.field("contracts", p.contracts);
    j.field("entry_price", p.entry_price);
    j.field("notional", p.notional);
    j.field("initial_margin", p.initial_margin);
    j.field("maintenance_margin", p.maintenance_margin);
    j.field("liquidation", liq.status == risk::LiquidationStatus::none      ? "none"
                           : liq.status == risk::LiquidationStatus::already ? "already"
                                                                            : "at");
    j.key("liquidation_price");
    if (liq.status == risk::LiquidationStatus::at)
      j.value(liq.price);
    else
      j.null();
    j.key("distance");
    if (liq.status == risk::LiquidationStatus::none)
      j.null();
    else
      j.value(liq.distance);
    j.end_object();
  }
  j.end_array();
  j.end_object();
}

// What risk let out goes only if it still makes sense as a whole: a synthetic pair goes
// out whole, as planned, or waits (no naked leg, no lopsided pair), as the engine sends
// it; and the rest must still be worth its cost. Otherwise nothing of the plan goes
// (true: dropped).
bool drop_unless_whole(const BallastConfig& config, const PlanContext& ctx, PlanReport& report) {
  bool pair_refused = false;
  if (config.policy.method == HedgeMethod::synthetic_pair)
    for (std::size_t k = 0; k < report.plan.order_count; ++k)
      pair_refused |= !report.order_risk[k].verdict.accepted() || report.order_risk[k].shrunk;
  if (!pair_refused && HedgePlanner::reweigh(ctx, report.valuation, report.plan)) return false;
  for (std::size_t k = 0; k < report.plan.order_count; ++k) {
    if (report.plan.orders[k].blocked) continue;
    report.plan.orders[k].blocked = true;
    (pair_refused ? report.order_risk[k].pair_leg_refused : report.order_risk[k].not_worth_cost) =
        true;
  }
  HedgePlanner::reweigh(ctx, report.valuation, report.plan);
  return true;
}

}  // namespace

void compute_plan(const BallastConfig& config, std::int64_t now_s, risk::TradingState state,
                  PlanReport& report) {
  report.now_s = now_s;
  report.state = state;
  value_portfolio(config.universe, config.targets, config.portfolio, config.market,
                  report.valuation);
  const TriggerDecision trigger =
      evaluate_trigger(config.policy, config.targets, report.valuation, now_s,
                       config.last_rebalance_unix_s, config.universe.base_currency);
  const PlanContext ctx{config.universe,  config.targets, config.policy,
                        config.portfolio, config.market,  now_s};
  HedgePlanner::plan(ctx, report.valuation, trigger, report.plan);

  // Without [market] as_of the snapshot is taken to be as of now.
  const std::int64_t now_ns = now_s * 1'000'000'000;
  auto market = std::make_unique<MarketState>(config.market);
  if (!config.market_as_of_unix_s) {
    market->updated_ns.fill(now_ns);
    market->spot_updated_ns.fill(now_ns);
  }

  PortfolioState book = config.portfolio;
  Valuation valuation = report.valuation;
  const bool wallet_is_cash = !config.margin_balance.has_value();
  auto wallet = [&] { return wallet_is_cash ? book.cash : *config.margin_balance; };
  risk::RiskEngine engine(config.universe, config.risk);
  engine.set_state(state);
  auto current = std::make_unique<risk::AccountRisk>();
  auto scratch = std::make_unique<risk::AccountRisk>();

  {
    const risk::RiskInputs in{book,     *market,        valuation, config.open_orders,
                              wallet(), wallet_is_cash, now_ns};
    engine.assess(in, nullptr, report.risk_before);
  }
  for (std::size_t k = 0; k < report.plan.order_count; ++k) {
    PlannedOrder& order = report.plan.orders[k];
    OrderRisk& verdict = report.order_risk[k];
    verdict = OrderRisk{};
    const risk::RiskInputs in{book,     *market,        valuation, config.open_orders,
                              wallet(), wallet_is_cash, now_ns};
    engine.assess(in, nullptr, *current);
    // The throttle paces a burst; it does not refuse it (the runtime sends the rest over
    // the next seconds, each order checked again then).
    if (const std::int64_t wait = engine.throttle_wait_ns(intent_of(order), now_ns); wait > 0) {
      verdict.paced_ns = wait;
      engine.advance_throttle(intent_of(order), now_ns + wait);
    }
    verdict.verdict = engine.check(intent_of(order), in, *current, *scratch);
    if (!verdict.verdict.accepted() && risk::is_size_bound(verdict.verdict.check)) {
      const risk::ShrinkResult s = engine.shrink(intent_of(order), verdict.verdict, in, *current,
                                                 *scratch, minimum_lots(config, order));
      if (s.shrunk) {
        verdict.shrink_cause = verdict.verdict;
        verdict.shrunk = true;
        HedgePlanner::resize(ctx, order, s.lots);
        verdict.verdict = engine.check(intent_of(order), in, *current, *scratch);
      }
    }
    if (!verdict.verdict.accepted()) {
      order.blocked = true;
      continue;
    }
    apply_fill(config.universe, book, order.instrument,
               order.side == Side::buy ? order.lots : -order.lots, order.cost.avg_price,
               order.cost.fee);
    value_portfolio(config.universe, config.targets, book, *market, valuation);
    engine.on_order_sent(intent_of(order), now_ns);
  }
  if (drop_unless_whole(config, ctx, report)) {
    book = config.portfolio;
    valuation = report.valuation;
  }
  HedgePlanner::value_after(ctx, report.plan);
  const risk::RiskInputs in{book,     *market,        valuation, config.open_orders,
                            wallet(), wallet_is_cash, now_ns};
  engine.assess(in, nullptr, report.risk_after);
}

namespace {

// The plan's head: where it comes from, what fired, the policy it follows.
void write_plan_head(JsonWriter& j, const BallastConfig& c, const PlanReport& r) {
  const Valuation& v = r.valuation;
  const PlanResult& p = r.plan;
  j.field("config", c.source_path);
  j.field("base_currency", asset_name(c, c.universe.base_currency));
  j.field("nav", v.nav);
  j.field("futures_upnl", v.futures_upnl);
  j.key("trigger").begin_object();
  j.field("fired", p.trigger.fire);
  j.field("reason", to_string(p.trigger.reason));
  j.key("asset");
  if (p.trigger.worst_asset == kNoAsset)
    j.null();
  else
    j.value(asset_name(c, p.trigger.worst_asset));
  j.field("mode", to_string(c.policy.trigger));
  j.end_object();
  j.key("policy").begin_object();
  j.field("method", to_string(c.policy.method));
  j.field("rebalance_to", to_string(c.policy.rebalance_to));
  j.field("hedge_ratio", c.policy.hedge_ratio);
  j.field("band_tolerance", kBandTolerance);
  j.field("rebalance_tolerance", c.policy.rebalance_tolerance);
  j.field("tracking_error_aversion", c.policy.tracking_error_aversion);
  j.field("roll_before_s", static_cast<long long>(c.policy.roll_before_s));
  j.end_object();
}

// Per asset: where it stands, what the plan wants, where it ends.
void write_plan_assets(JsonWriter& j, const BallastConfig& c, const PlanReport& r) {
  const Valuation& v = r.valuation;
  const PlanResult& p = r.plan;
  j.key("assets").begin_array();
  for (std::size_t a = 0; a < v.asset_count; ++a) {
    const auto id = static_cast<AssetId>(a);
    const AssetPlan& ap = p.assets[a];
    j.begin_object();
    j.field("asset", asset_name(c, id));
    j.field("exposure", v.exposure[a]);
    j.field("weight", v.weight[a]);
    j.field("target", c.targets[a].weight);
    j.field("drift", v.drift[a]);
    j.key("band");
    if (has_band(c, id))
      j.value(c.targets[a].band);
    else
      j.null();
    j.field("triggered", p.trigger.breached[a]);
    j.field("adjust_notional", ap.adjust_notional);
    j.field("wanted_exposure", ap.wanted_exposure);
    j.field("wanted_futures", ap.wanted_futures);
    j.field("spot_value", v.spot_value[a]);
    j.field("futures_exposure", v.futures_exposure[a]);
    j.field("spot_weight", v.spot_weight[a]);
    j.field("planned_notional", ap.planned_notional);
    j.field("unwinding", ap.unwinding);
    j.field("weight_after", ap.weight_after);
    j.field("drift_after", ap.drift_after);
    j.end_object();
  }
  j.end_array();
}

void write_plan_orders(JsonWriter& j, const BallastConfig& c, const PlanReport& r) {
  const PlanResult& p = r.plan;
  j.key("orders").begin_array();
  for (std::size_t k = 0; k < p.order_count; ++k) {
    const PlannedOrder& o = p.orders[k];
    const InstrumentSpec& spec = c.universe.instruments[o.instrument];
    j.begin_object();
    j.field("instrument", spec.symbol);
    j.field("side", to_string(o.side));
    j.key("contracts").value(*multiply_steps(o.lots, spec.lot_size));
    j.field("qty_base", o.qty_base);
    j.field("notional", o.notional);
    j.key("limit_price").value(*multiply_steps(o.limit_ticks, spec.tick_size));
    j.field("est_cost", o.cost.total);
    j.field("asset", asset_name(c, o.asset));
    j.field("purpose", to_string(o.reason));
    j.field("lots", static_cast<long long>(o.lots));
    j.field("limit_ticks", static_cast<long long>(o.limit_ticks));
    j.field("raw_contracts", o.raw_contracts);
    j.field("rounding_residual_contracts", o.rounding_residual);
    j.field("est_fee", o.cost.fee);
    j.field("est_slippage", o.cost.slippage);
    j.field("est_cost_bps", o.cost_bps);
    j.field("cost_source", o.cost.used_book ? "book" : "spread");
    write_order_risk(j, c, spec, o, r.order_risk[k]);
    j.end_object();
  }
  j.end_array();
}

void write_plan_skipped(JsonWriter& j, const BallastConfig& c, const PlanReport& r) {
  const PlanResult& p = r.plan;
  j.key("skipped").begin_array();
  for (std::size_t k = 0; k < p.skipped_count; ++k) {
    const SkippedAdjustment& s = p.skipped[k];
    j.begin_object();
    j.field("asset", asset_name(c, s.asset));
    j.key("instrument");
    if (s.instrument == kNoInstrument)
      j.null();
    else
      j.value(instrument_name(c, s.instrument));
    j.field("reason", to_string(s.reason));
    j.field("adjust_notional", s.notional);
    j.field("value", s.value);
    j.field("limit", s.limit);
    j.field("message", explain(c, s));
    j.end_object();
  }
  j.end_array();
}

}  // namespace

std::string render_plan_json(const BallastConfig& c, const PlanReport& r) {
  const PlanResult& p = r.plan;
  JsonWriter j;
  j.begin_object();
  write_plan_head(j, c, r);
  write_plan_assets(j, c, r);
  write_plan_orders(j, c, r);
  write_plan_skipped(j, c, r);
  j.field("max_abs_drift_before", p.max_abs_drift_before);
  j.field("max_abs_drift_after", p.max_abs_drift_after);
  j.field("tracking_error_before", p.tracking_error_before);
  j.field("tracking_error_after", p.tracking_error_after);
  j.field("benefit", p.benefit);
  j.field("cost", p.cost);
  j.field("nav_after", p.after.nav);
  j.key("risk");
  write_account_risk(j, c, r);
  j.end_object();
  return j.str() + "\n";
}

namespace {

// The lines under an order: rounding, shrinking, refusal and dropping, each with why.
std::string order_notes(const BallastConfig& c, const InstrumentSpec& spec, const PlannedOrder& o,
                        const OrderRisk& risk) {
  std::string out;
  if (!(o.rounding_residual == 0.0))
    out += format("  %-14s rounded toward zero from %.10g contracts (%.10g left)\n", "",
                  std::fabs(o.raw_contracts), std::fabs(o.rounding_residual));
  if (risk.shrunk)
    out += format("  %-14s shrunk from %s contracts: %s\n", "",
                  exact_contracts(spec, o.requested_lots).c_str(),
                  risk::describe(risk.shrink_cause, c.universe).c_str());
  if (!risk.verdict.accepted())
    out += format("  %-14s rejected: %s\n", "", risk::describe(risk.verdict, c.universe).c_str());
  if (risk.pair_leg_refused)
    out += format("  %-14s dropped: risk refused or cut a leg of the pair (no naked leg)\n", "");
  if (risk.not_worth_cost)
    out += format(
        "  %-14s dropped: what risk let out of the plan removes less tracking "
        "error than it costs\n",
        "");
  return out;
}

// The orders table.
std::string render_plan_orders(const BallastConfig& c, const PlanReport& r) {
  const PlanResult& p = r.plan;
  std::string out;
  if (p.order_count == 0) {
    out += "\nOrders: none\n";
  } else {
    out +=
        format("\n%-16s %-4s %14s %12s %14s %14s %10s %7s  %-9s %s\n", "instrument", "side",
               "contracts", "qty_base", "notional", "limit", "est_cost", "bps", "purpose", "risk");
    for (std::size_t k = 0; k < p.order_count; ++k) {
      const PlannedOrder& o = p.orders[k];
      const OrderRisk& risk = r.order_risk[k];
      const InstrumentSpec& spec = c.universe.instruments[o.instrument];
      std::string verdict = risk.not_worth_cost || risk.pair_leg_refused ? "DROPPED"
                            : !risk.verdict.accepted()                   ? "REJECTED"
                            : risk.shrunk                                ? "SHRUNK"
                                                                         : "ok";
      if (risk.verdict.accepted() && risk.paced_ns > 0)
        verdict += format(" (paced +%.1f s)", static_cast<double>(risk.paced_ns) / 1e9);
      out += format("%-16s %-4s %14s %12.8g %14s %14s %10s %7.2f  %-9s %s\n", spec.symbol.c_str(),
                    to_string(o.side), exact_contracts(spec, o.lots).c_str(), o.qty_base,
                    money(o.notional).c_str(), exact_price(spec, o.limit_ticks).c_str(),
                    money(o.cost.total).c_str(), o.cost_bps, to_string(o.reason), verdict.c_str());
      out += order_notes(c, spec, o, risk);
    }
  }
  return out;
}

}  // namespace

std::string render_plan_text(const BallastConfig& c, const PlanReport& r) {
  const Valuation& v = r.valuation;
  const PlanResult& p = r.plan;
  const std::string& base = asset_name(c, c.universe.base_currency);
  std::string out;
  out += format("Ballast plan  %s\n", c.source_path.c_str());
  out += format("NAV %s %s (futures uPnL %s)   method %s -> %s, hedge ratio %g\n",
                money(v.nav).c_str(), base.c_str(), signed_money(v.futures_upnl).c_str(),
                to_string(c.policy.method), to_string(c.policy.rebalance_to), c.policy.hedge_ratio);
  if (p.trigger.fire) {
    const AssetId a = p.trigger.worst_asset;
    if (p.trigger.reason == TriggerReason::calendar || a == kNoAsset) {
      out += "Trigger: calendar interval elapsed\n";
    } else {
      out += format("Trigger: %s, %s drift %s outside band %s\n", to_string(p.trigger.reason),
                    asset_name(c, a).c_str(), signed_pct(v.drift[a]).c_str(),
                    pct(c.targets[a].band).c_str());
    }
  } else {
    out += "Trigger: none (every drift within its band)\n";
  }

  out += format("\n%-8s %16s %8s %8s %9s %7s  %-7s %14s %9s\n", "asset", "exposure", "weight",
                "target", "drift", "band", "status", "adjust", "after");
  // Risk assets first, the base currency (the remainder) last.
  for (std::size_t row = 0; row < v.asset_count; ++row) {
    const std::size_t base_id = c.universe.base_currency;
    const std::size_t a = row + 1 == v.asset_count ? base_id : (row >= base_id ? row + 1 : row);
    const auto id = static_cast<AssetId>(a);
    const AssetPlan& ap = p.assets[a];
    const char* status = p.trigger.breached[a] ? "OUTSIDE" : (ap.unwinding ? "UNWIND" : "ok");
    out += format("%-8s %16s %8s %8s %9s %7s  %-7s %14s %9s\n", asset_name(c, id).c_str(),
                  money(v.exposure[a]).c_str(), pct(v.weight[a]).c_str(),
                  pct(c.targets[a].weight).c_str(), signed_pct(v.drift[a]).c_str(),
                  has_band(c, id) ? pct(c.targets[a].band).c_str() : "-", status,
                  signed_money(ap.adjust_notional).c_str(), signed_pct(ap.drift_after).c_str());
  }

  out += render_plan_orders(c, r);
  if (p.skipped_count > 0) {
    out += "\nSkipped:\n";
    for (std::size_t k = 0; k < p.skipped_count; ++k) {
      const SkippedAdjustment& s = p.skipped[k];
      out += format("  %-8s %s adjustment %s: %s\n", asset_name(c, s.asset).c_str(),
                    s.instrument == kNoInstrument ? "" : instrument_name(c, s.instrument).c_str(),
                    signed_money(s.notional).c_str(), explain(c, s).c_str());
    }
  }
  out += format("\nmax |drift| %s -> %s after the plan\n", pct(p.max_abs_drift_before).c_str(),
                pct(p.max_abs_drift_after).c_str());
  const bool any_sent = std::any_of(p.orders.begin(), p.orders.begin() + p.order_count,
                                    [](const PlannedOrder& o) { return !o.blocked; });
  if (any_sent)
    out += format("tracking error %.6f -> %.6f: worth %s against a cost of at most %s\n",
                  p.tracking_error_before, p.tracking_error_after, money(p.benefit).c_str(),
                  money(p.cost).c_str());
  out += render_account_risk(c, r);
  return out;
}

}  // namespace ballast::tools
