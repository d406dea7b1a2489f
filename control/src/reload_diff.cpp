#include "ballast/control/reload_diff.hpp"

#include <charconv>
#include <cstdint>
#include <type_traits>

namespace ballast::control {
namespace {

std::string text(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}
std::string text(bool v) {
  return v ? "true" : "false";
}
std::string text(const std::string& v) {
  return "\"" + v + "\"";
}
template <class I>
requires std::is_integral_v<I> || std::is_enum_v<I> std::string text(I v) {
  if constexpr (std::is_enum_v<I>)
    return std::to_string(static_cast<long long>(v));
  else
    return std::to_string(v);
}
template <class T>
std::string text(const std::optional<T>& v) {
  return v ? text(*v) : std::string("none");
}

// Collects "key old -> new" lines for values that differ.
struct Changes {
  std::vector<std::string> lines;
  template <class T>
  void compare(const std::string& key, const T& a, const T& b) {
    if (!(a == b)) lines.push_back(key + " " + text(a) + " -> " + text(b));
  }
  // A section whose contents only a restart applies: named once when anything differs.
  void section(const std::string& name, bool differs) {
    if (differs) lines.push_back(name);
  }
};

bool same_instrument(const InstrumentSpec& a, const InstrumentSpec& b) {
  return a.symbol == b.symbol && a.kind == b.kind && a.base == b.base && a.quote == b.quote &&
         a.settlement == b.settlement && a.contract_size == b.contract_size &&
         a.contract_value == b.contract_value && a.lot_size == b.lot_size &&
         a.tick_size == b.tick_size && a.min_qty == b.min_qty && a.min_notional == b.min_notional &&
         a.maker_fee_bps == b.maker_fee_bps && a.taker_fee_bps == b.taker_fee_bps &&
         a.funding_interval_s == b.funding_interval_s && a.expiry_unix_s == b.expiry_unix_s &&
         a.leverage == b.leverage && a.max_order_qty == b.max_order_qty && a.venue == b.venue &&
         a.margin_brackets.size() == b.margin_brackets.size() && [&] {
           for (std::size_t k = 0; k < a.margin_brackets.size(); ++k) {
             const MarginBracket& x = a.margin_brackets[k];
             const MarginBracket& y = b.margin_brackets[k];
             if (x.max_notional != y.max_notional || x.mmr != y.mmr ||
                 x.maint_amount != y.maint_amount)
               return false;
           }
           return true;
         }();
}

std::string symbols(const Universe& u, const TargetSpec& t) {
  std::string out = "[";
  for (std::size_t k = 0; k < t.hedge_count; ++k)
    out += (k ? ", " : "") + (t.hedge_with[k] < u.instruments.size()
                                  ? u.instruments[t.hedge_with[k]].symbol
                                  : std::string("?"));
  return out + "]";
}

void diff_targets(const BallastConfig& a, const BallastConfig& b, Changes& c) {
  const Universe& u = b.universe;
  for (std::size_t k = 0; k < u.assets.size() && k < kMaxAssets; ++k) {
    if (k == u.base_currency) continue;  // its weight is the remainder, not a setting
    const TargetSpec& x = a.targets[k];
    const TargetSpec& y = b.targets[k];
    const std::string key = "target." + u.assets[k].name;
    if (x.configured != y.configured) {
      c.lines.push_back(key + (y.configured ? " added" : " removed"));
      if (!y.configured) continue;
    }
    c.compare(key + ".weight", x.weight, y.weight);
    c.compare(key + ".band", x.band, y.band);
    c.compare(key + ".rel_band", x.rel_band, y.rel_band);
    const std::string hx = symbols(a.universe, x), hy = symbols(u, y);
    if (hx != hy) c.lines.push_back(key + ".hedge_with " + hx + " -> " + hy);
  }
}

void diff_policy(const PolicyConfig& a, const PolicyConfig& b, Changes& c) {
  c.compare("policy.trigger", std::string(to_string(a.trigger)), std::string(to_string(b.trigger)));
  c.compare("policy.rebalance_to", std::string(to_string(a.rebalance_to)),
            std::string(to_string(b.rebalance_to)));
  c.compare("policy.method", std::string(to_string(a.method)), std::string(to_string(b.method)));
  c.compare("policy.hedge_ratio", a.hedge_ratio, b.hedge_ratio);
  c.compare("policy.min_order_notional", a.min_order_notional, b.min_order_notional);
  c.compare("policy.max_cost_bps", a.max_cost_bps, b.max_cost_bps);
  c.compare("policy.calendar_interval_s", a.calendar_interval_s, b.calendar_interval_s);
  c.compare("policy.default_spread_bps", a.default_spread_bps, b.default_spread_bps);
  c.compare("policy.carry_horizon_s", a.carry_horizon_s, b.carry_horizon_s);
  c.compare("policy.rebalance_tolerance", a.rebalance_tolerance, b.rebalance_tolerance);
  c.compare("policy.tracking_error_aversion", a.tracking_error_aversion, b.tracking_error_aversion);
  c.compare("policy.roll_before_s", a.roll_before_s, b.roll_before_s);
  c.compare("policy.allow_spot_short", a.allow_spot_short, b.allow_spot_short);
}

// Risk keys, each with the direction that loosens it: a loosened limit is listed in
// `loosened` too, and a live reload needs the operator's confirmation to apply it.
void diff_risk(const RiskLimits& a, const RiskLimits& b, const Universe& u, Changes& c,
               std::vector<std::string>& loosened) {
  const auto upper = [&](const std::string& key, auto old_v, auto new_v) {  // higher = looser
    c.compare(key, old_v, new_v);
    if (new_v > old_v) loosened.push_back(key + " " + text(old_v) + " -> " + text(new_v));
  };
  const auto lower = [&](const std::string& key, auto old_v, auto new_v) {  // lower = looser
    c.compare(key, old_v, new_v);
    if (new_v < old_v) loosened.push_back(key + " " + text(old_v) + " -> " + text(new_v));
  };
  upper("risk.max_leverage", a.max_leverage, b.max_leverage);
  lower("risk.min_liquidation_distance", a.min_liquidation_distance, b.min_liquidation_distance);
  upper("risk.max_margin_utilization", a.max_margin_utilization, b.max_margin_utilization);
  upper("risk.max_asset_weight", a.max_asset_weight, b.max_asset_weight);
  upper("risk.max_order_notional", a.max_order_notional, b.max_order_notional);
  upper("risk.price_collar_bps", a.price_collar_bps, b.price_collar_bps);
  upper("risk.max_orders_per_second", a.max_orders_per_second, b.max_orders_per_second);
  upper("risk.max_orders_per_minute", a.max_orders_per_minute, b.max_orders_per_minute);
  upper("risk.max_md_staleness_ms", a.max_md_staleness_ms, b.max_md_staleness_ms);
  const std::string loss_a = a.halt_on_session_loss ? "halt" : "resume";
  const std::string loss_b = b.halt_on_session_loss ? "halt" : "resume";
  c.compare("risk.on_session_loss", loss_a, loss_b);
  if (a.halt_on_session_loss && !b.halt_on_session_loss)
    loosened.push_back("risk.on_session_loss \"halt\" -> \"resume\"");
  for (std::size_t k = 0; k < u.assets.size() && k < kMaxAssets; ++k)
    upper("risk.collateral." + u.assets[k].name, a.collateral_ratio[k], b.collateral_ratio[k]);
  upper("risk.max_consecutive_rejects", a.max_consecutive_rejects, b.max_consecutive_rejects);
  upper("risk.max_daily_fees_bps", a.max_daily_fees_bps, b.max_daily_fees_bps);
  upper("risk.max_daily_turnover", a.max_daily_turnover, b.max_daily_turnover);
  upper("risk.max_drawdown", a.max_drawdown, b.max_drawdown);
  upper("risk.max_price_jump", a.max_price_jump, b.max_price_jump);
}

bool same_universe(const Universe& a, const Universe& b) {
  if (a.base_currency != b.base_currency || a.venues != b.venues ||
      a.assets.size() != b.assets.size() || a.instruments.size() != b.instruments.size())
    return false;
  for (std::size_t k = 0; k < a.assets.size(); ++k)
    if (a.assets[k].name != b.assets[k].name ||
        a.assets[k].spot_instrument != b.assets[k].spot_instrument)
      return false;
  for (std::size_t k = 0; k < a.instruments.size(); ++k)
    if (!same_instrument(a.instruments[k], b.instruments[k])) return false;
  return true;
}

// The tables other modules own ([feed], [orders], [websocket], [control], [venue]) are
// read at start only: each key whose text differs is named, "(default)" where unset.
void diff_module_keys(const std::vector<std::pair<std::string, std::string>>& a,
                      const std::vector<std::pair<std::string, std::string>>& b, Changes& c) {
  static const std::string kDefault = "(default)";
  std::size_t i = 0, j = 0;  // both sorted by key
  while (i < a.size() || j < b.size()) {
    const bool take_a = j == b.size() || (i < a.size() && a[i].first < b[j].first);
    const bool take_b = i == a.size() || (j < b.size() && b[j].first < a[i].first);
    if (take_a) {
      c.lines.push_back(a[i].first + " " + a[i].second + " -> " + kDefault);
      ++i;
    } else if (take_b) {
      c.lines.push_back(b[j].first + " " + kDefault + " -> " + b[j].second);
      ++j;
    } else {
      if (a[i].second != b[j].second)
        c.lines.push_back(a[i].first + " " + a[i].second + " -> " + b[j].second);
      ++i;
      ++j;
    }
  }
}

void diff_restart_only(const BallastConfig& a, const BallastConfig& b, Changes& c) {
  const Universe& ua = a.universe;
  const Universe& ub = b.universe;
  bool assets_differ = ua.base_currency != ub.base_currency || ua.assets.size() != ub.assets.size();
  for (std::size_t k = 0; !assets_differ && k < ua.assets.size(); ++k)
    assets_differ = ua.assets[k].name != ub.assets[k].name ||
                    ua.assets[k].spot_instrument != ub.assets[k].spot_instrument;
  bool instruments_differ = ua.instruments.size() != ub.instruments.size();
  for (std::size_t k = 0; !instruments_differ && k < ua.instruments.size(); ++k)
    instruments_differ = !same_instrument(ua.instruments[k], ub.instruments[k]);
  c.section("assets", assets_differ);
  c.section("instruments", instruments_differ);
  c.section("venues", ua.venues != ub.venues);

  bool threads_differ = a.threads.size() != b.threads.size();
  for (std::size_t k = 0; !threads_differ && k < a.threads.size(); ++k)
    threads_differ = a.threads[k].name != b.threads[k].name ||
                     a.threads[k].agents != b.threads[k].agents ||
                     a.threads[k].cpu != b.threads[k].cpu || a.threads[k].idle != b.threads[k].idle;
  c.section("threads", threads_differ);

  c.compare("engine.state_dir", a.state_dir, b.state_dir);
  diff_module_keys(a.module_keys, b.module_keys, c);

  // The portfolio is where the engine started; afterwards fills are the truth.
  bool portfolio_differs = a.portfolio.cash != b.portfolio.cash ||
                           a.margin_balance != b.margin_balance ||
                           a.last_rebalance_unix_s != b.last_rebalance_unix_s ||
                           a.portfolio.spot_qty != b.portfolio.spot_qty;
  for (std::size_t k = 0; !portfolio_differs && k < kMaxInstruments; ++k)
    portfolio_differs =
        a.portfolio.positions[k].lots != b.portfolio.positions[k].lots ||
        a.portfolio.positions[k].entry_price != b.portfolio.positions[k].entry_price;
  c.section("portfolio", portfolio_differs);
}

}  // namespace

ConfigReloadDiff diff_for_reload(const BallastConfig& live, const BallastConfig& next) {
  ConfigReloadDiff d;
  d.universe_changed = !same_universe(live.universe, next.universe);
  Changes live_keys;
  if (!d.universe_changed) {
    diff_targets(live, next, live_keys);
    diff_policy(live.policy, next.policy, live_keys);
    diff_risk(live.risk, next.risk, next.universe, live_keys, d.loosened);
  } else {
    live_keys.section("targets", true);  // ids shift with the universe; re-read on restart
  }
  Changes restart;
  diff_restart_only(live, next, restart);
  if (d.universe_changed) {
    restart.lines.insert(restart.lines.end(), live_keys.lines.begin(), live_keys.lines.end());
  } else {
    d.applied = std::move(live_keys.lines);
  }
  d.restart_needed = std::move(restart.lines);
  return d;
}

}  // namespace ballast::control
