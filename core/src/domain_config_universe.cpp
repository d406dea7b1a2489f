// ConfigBuilder's universe: [engine], [[instrument]], [[target]], [policy] and [risk].
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "domain_config.hpp"

namespace ballast {

void ConfigBuilder::read_engine(Section& s) {
  // Interned first so the base currency is asset 0 and every quote default can use it.
  if (const auto name = r_.name(s, "base_currency", Need::required))
    cfg_.universe.base_currency =
        intern(*name, s.line_of_key("base_currency"), s.child("base_currency"));
  if (const auto dir = r_.name(s, "state_dir", Need::optional))
    cfg_.state_dir = resolve_path(cfg_.source_path, *dir);
}

void ConfigBuilder::read_instruments() {
  const toml::array* list = r_.array(root_, "instrument", Need::optional);
  if (!list || list->empty()) {
    r_.error(list ? line_of(*list) : 0, "instrument", "at least one [[instrument]] is required");
    return;
  }
  r_.each_table(
      *list, "instrument", [&](Section& s) { read_instrument(s); }, kMaxInstruments);
}

void ConfigBuilder::read_instrument(Section& s) {
  InstrumentSpec spec;
  const auto symbol = r_.name(s, "symbol", Need::required);
  const auto kind = r_.choice(s, "kind", Need::required, kKinds);
  const auto base_asset = r_.name(s, "base", Need::required);
  const auto quote_asset = r_.name(s, "quote", Need::optional);
  const auto settlement = r_.choice(s, "settlement", Need::optional, kSettlements);
  assign(kind, spec.kind);
  assign(settlement, spec.settlement);
  // Kind-specific rules apply only once the kind is known; with kind missing, the keys
  // are still read (and checked) as optional so they are not also called unknown.
  const bool known = kind.has_value();
  const bool spot = kind == InstrumentKind::spot;
  const bool perpetual = kind == InstrumentKind::perpetual;
  const bool future = kind == InstrumentKind::future;

  if (spot && spec.is_inverse()) {
    r_.error(s.line_of_key("settlement"), s.child("settlement"),
             "spot instruments are linear (an inverse contract needs kind perpetual or future)");
    spec.settlement = Settlement::linear;  // size keys are then checked as for spot
  }
  if (spec.is_inverse()) {
    r_.forbid(s, "contract_size", "only for linear instruments (inverse ones use contract_value)");
    assign(r_.decimal(s, "contract_value", Need::required, kPositive), spec.contract_value);
  } else {
    r_.forbid(s, "contract_value", "only for inverse instruments (linear ones use contract_size)");
    assign(r_.decimal(s, "contract_size", need_if(known && !spot), kPositive), spec.contract_size);
  }
  const auto lot_size = r_.decimal(s, "lot_size", Need::required, kPositive);
  assign(lot_size, spec.lot_size);
  assign(r_.decimal(s, "tick_size", Need::required, kPositive), spec.tick_size);
  if (const auto min_qty = r_.decimal(s, "min_qty", Need::optional, kNonNegative)) {
    spec.min_qty = *min_qty;
    if (lot_size) check_multiple_of_lot(s, "min_qty", *min_qty, *lot_size);
  }
  if (const auto max_qty = r_.decimal(s, "max_order_qty", Need::optional, kNonNegative)) {
    spec.max_order_qty = *max_qty;  // 0 = no cap
    if (lot_size) check_multiple_of_lot(s, "max_order_qty", *max_qty, *lot_size);
    // A cap below the minimum would refuse every order. (Both have at most 15
    // significant digits, so their doubles order exactly as the decimals do.)
    if (max_qty->is_positive() && max_qty->to_double() < spec.min_qty.to_double())
      r_.error(s.line_of_key("max_order_qty"), s.child("max_order_qty"),
               max_qty->to_string() + " is below min_qty " + spec.min_qty.to_string() +
                   ": no order could be placed");
  }
  const auto venue = r_.name(s, "venue", Need::optional);
  assign(r_.number(s, "min_notional", Need::optional, kNonNegative), spec.min_notional);
  // Negative maker fees are rebates; the bounds only catch percent-for-bps slips.
  constexpr Range kFeeBps{-100.0, 1000.0, true, true};
  assign(r_.number(s, "maker_fee_bps", Need::optional, kFeeBps), spec.maker_fee_bps);
  assign(r_.number(s, "taker_fee_bps", Need::optional, kFeeBps), spec.taker_fee_bps);

  if (known && !perpetual)
    r_.forbid(s, "funding_interval_s", "only for perpetual instruments");
  else
    assign(r_.integer(s, "funding_interval_s", need_if(perpetual), kPositive),
           spec.funding_interval_s);
  if (known && !future)
    r_.forbid(s, "expiry", "only for dated futures (kind = \"future\")");
  else
    spec.expiry_unix_s = r_.unix_time(s, "expiry", need_if(future));
  if (spot) {
    r_.forbid(s, "margin_brackets", "only for derivatives (spot is not margined here)");
    r_.forbid(s, "leverage", "only for derivatives (spot is not margined here)");
  } else {
    read_margin_brackets(s, spec);
    // Venues cap leverage at 125x; below 1x a position would need more than its notional.
    constexpr Range kLeverage{1.0, 125.0, false, false};
    assign(r_.number(s, "leverage", Need::optional, kLeverage), spec.leverage);
  }
  spec.derive();

  if (!symbol) return;
  if (cfg_.universe.find_instrument(*symbol) != kNoInstrument) {
    r_.error(s.line_of_key("symbol"), s.child("symbol"), "duplicate symbol " + *symbol);
    return;
  }
  spec.symbol = *symbol;
  if (base_asset) spec.base = intern(*base_asset, s.line_of_key("base"), s.child("base"));
  spec.quote =
      quote_asset ? intern(*quote_asset, s.line_of_key("quote"), s.child("quote")) : base();
  if (venue) spec.venue = intern_venue(*venue, s.line_of_key("venue"), s.child("venue"));
  const auto id = static_cast<InstrumentId>(cfg_.universe.instruments.size());
  cfg_.universe.instruments.push_back(std::move(spec));
  register_spot_pair(s, id);
}

// An asset's spot pair is the spot instrument quoted in the base currency: it prices
// the asset and is what method = "spot" trades. Other spot crosses are just instruments.
void ConfigBuilder::register_spot_pair(const Section& s, InstrumentId id) {
  const InstrumentSpec& spec = cfg_.universe.instruments[id];
  if (spec.is_derivative() || spec.base == kNoAsset || base() == kNoAsset || spec.quote != base())
    return;
  AssetInfo& asset = cfg_.universe.assets[spec.base];
  if (asset.spot_instrument != kNoInstrument) {
    r_.error(s.line_of_key("symbol"), s.child("symbol"),
             "a second spot instrument for " + asset.name + " (" +
                 cfg_.universe.instruments[asset.spot_instrument].symbol + " already is)");
    return;
  }
  asset.spot_instrument = id;
}

void ConfigBuilder::check_multiple_of_lot(const Section& s, std::string_view key,
                                          const Decimal& value, const Decimal& lot) {
  steps_of(s, key, value, lot, "lot_size", "lots");
}

// `value` as a whole number of `step`s, or nullopt after reporting why it is not one.
std::optional<std::int64_t> ConfigBuilder::steps_of(const Section& s, std::string_view key,
                                                    const Decimal& value, const Decimal& step,
                                                    std::string_view step_key,
                                                    std::string_view steps_name) {
  const auto steps = steps_exact(value, step);
  if (steps && steps->exact) return steps->steps;
  r_.error(s.line_of_key(key), s.child(key),
           value.to_string() +
               (steps ? " is not a multiple of " + std::string(step_key) + " "
                      : " overflows " + std::string(steps_name) + " of ") +
               step.to_string());
  return std::nullopt;
}

void ConfigBuilder::read_margin_brackets(Section& s, InstrumentSpec& spec) {
  const toml::array* list = r_.array(s, "margin_brackets", Need::optional);
  if (!list) return;
  r_.each_table(*list, s.child("margin_brackets"), [&](Section& b) {
    const auto max_notional = r_.number(b, "max_notional", Need::required, kPositive);
    const auto mmr = r_.number(b, "mmr", Need::required, kUnitOpen);
    const auto maint = r_.number(b, "maint_amount", Need::optional, kNonNegative);
    if (!max_notional) return;
    // Valuation picks the first bracket whose cap covers the notional.
    if (!spec.margin_brackets.empty() &&
        *max_notional <= spec.margin_brackets.back().max_notional) {
      r_.error(b.line_of_key("max_notional"), b.child("max_notional"),
               "brackets must ascend by max_notional");
      return;
    }
    spec.margin_brackets.push_back(
        MarginBracket{*max_notional, mmr.value_or(0.0), maint.value_or(0.0)});
  });
}

void ConfigBuilder::read_targets() {
  const toml::array* list = r_.array(root_, "target", Need::optional);
  if (list) r_.each_table(*list, "target", [&](Section& s) { read_target(s); });
  check_target_weights(list ? line_of(*list) : 0);
}

void ConfigBuilder::read_target(Section& s) {
  const auto name = r_.name(s, "asset", Need::required);
  const AssetId asset = name ? intern(*name, s.line_of_key("asset"), s.child("asset")) : kNoAsset;
  TargetSpec target;
  target.configured = true;
  target.weight = r_.number(s, "weight", Need::required, kUnitClosed).value_or(0.0);
  // The base currency's band is optional: without one it only absorbs the others.
  target.band = r_.number(s, "band", need_if(!is_base(asset)), kUnitOpen).value_or(0.0);
  target.rel_band = r_.number(s, "rel_band", Need::optional, kPositive).value_or(0.0);
  const bool lists_hedges = read_hedge_with(s, asset, target);

  if (asset == kNoAsset) return;
  if (cfg_.targets[asset].configured) {
    r_.error(s.line_of_key("asset"), s.child("asset"), "duplicate target for asset " + *name);
    return;
  }
  cfg_.targets[asset] = target;
  target_entries_.push_back(TargetEntry{asset, s.path(), s.line(), lists_hedges});
}

// Returns whether hedge_with lists anything, so a missing list is reported only once.
bool ConfigBuilder::read_hedge_with(Section& s, AssetId asset, TargetSpec& target) {
  if (is_base(asset)) {
    r_.forbid(s, "hedge_with", "not allowed on the base currency's target");
    return false;
  }
  const toml::array* list = r_.array(s, "hedge_with", Need::optional);
  if (!list) return s.has("hedge_with");
  const std::string path = s.child("hedge_with");
  if (list->size() > kMaxHedgeInstruments)
    r_.error(*list, path,
             "at most " + std::to_string(kMaxHedgeInstruments) + " hedge instruments per asset");
  for (std::size_t i = 0; i < list->size() && i < kMaxHedgeInstruments; ++i) {
    const std::string item = indexed(path, i);
    const auto symbol = r_.as_name((*list)[i], item);
    if (!symbol) continue;
    const int line = line_of((*list)[i]);
    const InstrumentId id = cfg_.universe.find_instrument(*symbol);
    if (id == kNoInstrument) {
      r_.error(line, item, *symbol + " names no instrument");
      continue;
    }
    const InstrumentSpec& spec = cfg_.universe.instruments[id];
    const auto first = target.hedge_with.begin();
    if (!spec.is_derivative()) {
      r_.error(line, item, *symbol + " is a spot instrument; hedges need a perpetual or future");
    } else if (asset != kNoAsset && spec.base != asset) {
      r_.error(
          line, item,
          *symbol + " is a contract on " + asset_name(spec.base) + ", not on " + asset_name(asset));
    } else if (std::find(first, first + target.hedge_count, id) != first + target.hedge_count) {
      r_.error(line, item, *symbol + " is listed twice");
    } else {
      target.hedge_with[target.hedge_count++] = id;
    }
  }
  return !list->empty();
}

void ConfigBuilder::check_target_weights(int line) {
  double others = 0.0;
  for (const TargetEntry& e : target_entries_)
    if (!is_base(e.asset)) others += cfg_.targets[e.asset].weight;
  if (others > 1.0 + kWeightTolerance) {
    r_.error(
        line, "target",
        "weights sum to " + format_sum(others) + " > 1 (the remainder is the base currency's)");
    return;
  }
  if (base() == kNoAsset) return;
  TargetSpec& base_target = cfg_.targets[base()];
  if (base_target.configured) {
    const double total = others + base_target.weight;
    if (std::fabs(total - 1.0) > kWeightTolerance)
      r_.error(line, "target",
               "weights sum to " + format_sum(total) + ", not 1 (" + base_name() +
                   " has its own [[target]], so the weights must add up exactly)");
    return;
  }
  base_target.weight = 1.0 - others;
  base_target.band = 0.0;
}

void ConfigBuilder::read_policy(Section& s) {
  PolicyConfig& p = cfg_.policy;
  assign(r_.choice(s, "trigger", Need::optional, kTriggers), p.trigger);
  assign(r_.choice(s, "rebalance_to", Need::optional, kRebalanceTo), p.rebalance_to);
  assign(r_.choice(s, "method", Need::optional, kMethods), p.method);
  method_line_ = s.line_of_key("method");
  assign(r_.number(s, "hedge_ratio", Need::optional, Range{0.0, 2.0, true, false}), p.hedge_ratio);
  assign(r_.number(s, "min_order_notional", Need::optional, kNonNegative), p.min_order_notional);
  assign(r_.number(s, "max_cost_bps", Need::optional, kPositive), p.max_cost_bps);
  assign(
      r_.integer(s, "calendar_interval_s", need_if(p.trigger != TriggerMode::threshold), kPositive),
      p.calendar_interval_s);
  assign(r_.number(s, "default_spread_bps", Need::optional, kNonNegative), p.default_spread_bps);
  assign(r_.integer(s, "carry_horizon_s", Need::optional, kPositive), p.carry_horizon_s);
  assign(r_.number(s, "rebalance_tolerance", Need::optional, Range{0.0, 1.0, false, true}),
         p.rebalance_tolerance);
  assign(r_.number(s, "tracking_error_aversion", Need::optional, Range{0.0, 1e6, true, false}),
         p.tracking_error_aversion);
  assign(r_.integer(s, "roll_before_s", Need::optional, Range{0.0, 366.0 * 86400, false, false}),
         p.roll_before_s);
  assign(r_.boolean(s, "allow_spot_short", Need::optional), p.allow_spot_short);
  if (s.has("unwind_inside_band")) {
    (void)r_.boolean(s, "unwind_inside_band", Need::optional);  // consumed: no "unknown key"
    r_.error(s.line_of_key("unwind_inside_band"), s.child("unwind_inside_band"),
             "removed: a hedge is unwound by the overlay's one rule when a trigger fires "
             "(docs/domain-decisions.md, Hedge overlay); delete the key");
  }
}

void ConfigBuilder::read_risk(Section& s) {
  // Every key has a hard range (RiskLimitCeilings): no value switches a limit off.
  using C = RiskLimitCeilings;
  RiskLimits& k = cfg_.risk;
  assign(r_.number(s, "max_leverage", Need::optional, Range{0.0, C::max_leverage, true, false}),
         k.max_leverage);
  assign(r_.number(s, "min_liquidation_distance", Need::optional,
                   Range{C::min_liquidation_distance_floor, 1.0, false, true}),
         k.min_liquidation_distance);
  assign(r_.number(s, "max_margin_utilization", Need::optional, Range{0.0, 1.0, true, false}),
         k.max_margin_utilization);
  // Above 1 is meaningful: a levered book can hold more than its NAV in one asset.
  assign(r_.number(s, "max_asset_weight", Need::optional, Range{0.0, 10.0, true, false}),
         k.max_asset_weight);
  assign(r_.number(s, "max_order_notional", Need::optional,
                   Range{0.0, C::max_order_notional, true, false}),
         k.max_order_notional);
  assign(r_.number(s, "price_collar_bps", Need::optional,
                   Range{0.0, C::price_collar_bps, true, false}),
         k.price_collar_bps);
  assign(r_.integer(s, "max_consecutive_rejects", Need::optional,
                    Range{1.0, static_cast<double>(C::max_consecutive_rejects), false, false}),
         k.max_consecutive_rejects);
  assign(r_.number(s, "max_daily_fees_bps", Need::optional,
                   Range{0.0, C::max_daily_fees_bps, true, false}),
         k.max_daily_fees_bps);
  assign(r_.number(s, "max_daily_turnover", Need::optional,
                   Range{0.0, C::max_daily_turnover, true, false}),
         k.max_daily_turnover);
  assign(r_.number(s, "max_drawdown", Need::optional, Range{0.0, C::max_drawdown, true, false}),
         k.max_drawdown);
  assign(r_.number(s, "max_price_jump", Need::optional, Range{0.0, C::max_price_jump, true, false}),
         k.max_price_jump);
  const auto per_second = r_.number(s, "max_orders_per_second", Need::optional,
                                    Range{0.0, C::max_orders_per_second, true, false});
  const auto per_minute = r_.number(s, "max_orders_per_minute", Need::optional,
                                    Range{0.0, C::max_orders_per_minute, true, false});
  assign(per_second, k.max_orders_per_second);
  assign(per_minute, k.max_orders_per_minute);
  // A default never makes a valid file invalid: the window left unset follows the one
  // that was set (a second cap sustained for a minute; a second cap no looser than the
  // minute's), so raising or lowering one key alone is accepted as meant.
  if (per_second && !s.has("max_orders_per_minute"))
    k.max_orders_per_minute = std::min(60.0 * *per_second, C::max_orders_per_minute);
  if (per_minute && !s.has("max_orders_per_second"))
    k.max_orders_per_second = std::min(k.max_orders_per_second, *per_minute);
  // Both given and the minute cap below the second cap makes the latter meaningless:
  // almost surely a slip.
  if (per_second && per_minute && k.max_orders_per_minute < k.max_orders_per_second)
    r_.error(s.line_of_key("max_orders_per_minute"), s.child("max_orders_per_minute"),
             "must be >= max_orders_per_second (" + format_number(k.max_orders_per_second) + ")");
  assign(r_.integer(s, "max_md_staleness_ms", Need::optional,
                    Range{0.0, static_cast<double>(C::max_md_staleness_ms), true, false}),
         k.max_md_staleness_ms);
  assign(r_.choice(s, "on_session_loss", Need::optional, kSessionLoss), k.halt_on_session_loss);
  r_.each_entry(s, "collateral",
                [&](std::string_view key, const toml::node& v, const std::string& path) {
                  read_collateral(key, v, path);
                });
}

void ConfigBuilder::read_recovery(Section& s) {
  RecoveryConfig& c = cfg_.recovery;
  assign(r_.choice(s, "on_mismatch", Need::optional, kOnMismatch), c.halt_on_mismatch);
  assign(r_.number(s, "check_s", Need::optional, Range{0.0, 86400.0}), c.check_s);
  assign(r_.number(s, "timeout_s", Need::optional, Range{1.0, 600.0}), c.timeout_s);
  assign(r_.boolean(s, "reconcile", Need::optional), c.reconcile);
}

// collateral = { BTC = 0.95 }: an asset's spot value counted toward the futures wallet.
void ConfigBuilder::read_collateral(std::string_view key, const toml::node& v,
                                    const std::string& path) {
  const auto ratio = r_.as_number(v, path, "collateral ratio", Range{0.0, 1.0, true, false});
  if (!ratio) return;
  const AssetId asset = cfg_.universe.find_asset(key);
  if (asset == kNoAsset)
    r_.error(v, path, std::string(key) + " names no asset held or targeted");
  else if (is_base(asset))
    r_.error(v, path, "the base currency is cash, not collateral");
  else
    cfg_.risk.collateral_ratio[asset] = *ratio;
}

// The method decides what each target needs to be rebalanced with.
void ConfigBuilder::check_method() {
  const HedgeMethod method = cfg_.policy.method;
  for (const TargetEntry& e : target_entries_) {
    if (is_base(e.asset)) continue;
    if (method == HedgeMethod::spot) {
      if (cfg_.universe.assets[e.asset].spot_instrument == kNoInstrument)
        r_.error(method_line_, "policy.method",
                 "method spot needs a spot instrument for " + asset_name(e.asset) + " quoted in " +
                     base_name());
    } else if (!e.lists_hedges) {
      r_.error(e.line, e.path + ".hedge_with",
               std::string("required when policy.method is ") + to_string(method));
    }
  }
}

}  // namespace ballast
