#include "ballast/risk/risk_engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ballast::risk {

bool is_size_bound(RiskCheck c) noexcept {
  switch (c) {
    case RiskCheck::max_order_qty:
    case RiskCheck::max_order_notional:
    case RiskCheck::max_leverage:
    case RiskCheck::max_margin_utilization:
    case RiskCheck::max_asset_weight:
    case RiskCheck::min_liquidation_distance:
    case RiskCheck::initial_margin:
    case RiskCheck::daily_fees:
    case RiskCheck::daily_turnover:
      return true;
    default:
      return false;
  }
}

namespace {

RiskVerdict deny(RiskCheck c, double value, double limit, InstrumentId i,
                 AssetId a = kNoAsset) noexcept {
  return RiskVerdict{c, value, limit, i, a};
}

// The slack of a comparison against `limit`; none for an infinite limit (inf - inf is NaN).
double slack(double limit) noexcept {
  if (!std::isfinite(limit)) return 0.0;
  return kLimitTolerance * (std::fabs(limit) > 1.0 ? std::fabs(limit) : 1.0);
}

bool above(double value, double limit) noexcept {
  return value > limit + slack(limit);
}
bool below(double value, double limit) noexcept {
  return value < limit - slack(limit);
}

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", v * 100.0);
  return buf;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// 3000 -> "3,000.00": margin is money, read at a glance.
std::string money(double v) {
  if (!std::isfinite(v)) return num(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", std::fabs(v));
  const std::string digits = buf;
  const std::size_t dot = digits.find('.');
  std::string out = v < 0 && digits != "0.00" ? "-" : "";
  for (std::size_t i = 0; i < dot; ++i) {
    if (i > 0 && (dot - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out + digits.substr(dot);
}

// Average entry after adding `add` contracts at `price` to `contracts` at `entry`:
// weighted on increase, unchanged on reduce, the fill price on a flip.
double combined_entry(double contracts, double entry, double add, double price,
                      bool inverse) noexcept {
  const double total = contracts + add;
  if (total == 0.0) return 0.0;
  if (contracts == 0.0 || (contracts > 0) == (add > 0)) {
    if (inverse)  // inverse entries average by coin value
      return total / ((contracts != 0.0 ? contracts / entry : 0.0) + add / price);
    return (contracts * entry + add * price) / total;
  }
  return (total > 0) == (contracts > 0) ? entry : price;
}

}  // namespace

std::string describe(const RiskVerdict& v, const Universe& u) {
  const std::string inst = v.instrument != kNoInstrument && v.instrument < u.instruments.size()
                               ? u.instruments[v.instrument].symbol
                               : std::string("-");
  switch (v.check) {
    case RiskCheck::none:
      return "accepted";
    case RiskCheck::kill_switch:
      return "kill switch: trading is HALTED";
    case RiskCheck::reduce_only:
      return "reduce-only: state is REDUCING and the order does not reduce " + inst;
    case RiskCheck::md_staleness: {
      const std::string what = v.asset != kNoAsset && v.asset < u.assets.size()
                                   ? "the spot price of " + u.assets[v.asset].name
                                   : "market data for " + inst;
      return what + " is " + num(v.value) + " ms old > " + num(v.limit) + " ms";
    }
    case RiskCheck::price_jump:
      return "the price of " + inst + " jumped " + pct(v.value) +
             " and waits for a second tick to confirm it";
    case RiskCheck::consecutive_rejects:
      return "circuit breaker: " + num(v.value) + " venue rejects in a row (limit " + num(v.limit) +
             ")";
    case RiskCheck::drawdown:
      return "circuit breaker: NAV " + pct(v.value) + " below the day's high > " + pct(v.limit);
    case RiskCheck::daily_fees:
      return "circuit breaker: fees today would reach " + money(v.value) + " > the day's cap " +
             money(v.limit) + " (order on " + inst + ")";
    case RiskCheck::daily_turnover:
      return "circuit breaker: turnover today would reach " + money(v.value) + " > the day's cap " +
             money(v.limit) + " (order on " + inst + ")";
    case RiskCheck::price_collar:
      return "limit price " + num(v.value) + " bps from mark > collar " + num(v.limit) +
             " bps for " + inst;
    case RiskCheck::max_order_qty:
      return "order quantity " + num(v.value) + " > max " + num(v.limit) + " contracts for " + inst;
    case RiskCheck::max_order_notional:
      return "order notional " + num(v.value) + " > max " + num(v.limit) + " for " + inst;
    case RiskCheck::duplicate_in_flight:
      return "an order for " + inst + " is already in flight";
    case RiskCheck::order_rate_per_second:
      return "order rate: " + num(v.limit) + " orders per second used up (venue of " + inst + ")";
    case RiskCheck::order_rate_per_minute:
      return "order rate: " + num(v.limit) + " orders per minute used up (venue of " + inst + ")";
    case RiskCheck::max_leverage:
      return "leverage " + num(std::round(v.value * 1000) / 1000) + "x > " + num(v.limit) +
             "x after " + inst;
    case RiskCheck::max_margin_utilization:
      return "margin utilisation " + pct(v.value) + " > " + pct(v.limit) + " after " + inst;
    case RiskCheck::max_asset_weight: {
      const std::string asset =
          v.asset != kNoAsset && v.asset < u.assets.size() ? u.assets[v.asset].name : "-";
      return asset + " weight " + pct(v.value) + " > " + pct(v.limit) + " after " + inst;
    }
    case RiskCheck::min_liquidation_distance:
      return "liquidation distance " + pct(v.value) + " < " + pct(v.limit) + " for " + inst;
    case RiskCheck::initial_margin:
      return "initial margin " + money(v.value) + " > available " + money(v.limit) + " after " +
             inst;
  }
  return "?";
}

const PositionRisk* AccountRisk::find(InstrumentId i) const noexcept {
  for (std::size_t k = 0; k < position_count; ++k)
    if (positions[k].instrument == i) return &positions[k];
  return nullptr;
}

// ---- checks

RiskVerdict check_kill_switch(TradingState state) noexcept {
  return state == TradingState::halted ? deny(RiskCheck::kill_switch, 0, 0, kNoInstrument)
                                       : RiskVerdict{};
}

RiskVerdict check_reduce_only(TradingState state, const InstrumentSpec& spec, InstrumentId i,
                              std::int64_t position_lots, const OrderIntent& order) noexcept {
  if (state != TradingState::reducing) return {};
  // Spot orders never reduce a hedge; a futures order must shrink |position| without
  // crossing through zero.
  const std::int64_t signed_lots = order.side == Side::buy ? order.lots : -order.lots;
  const bool reduces = spec.is_derivative() && position_lots != 0 &&
                       (position_lots > 0) != (signed_lots > 0) &&
                       std::llabs(signed_lots) <= std::llabs(position_lots);
  return reduces ? RiskVerdict{}
                 : deny(RiskCheck::reduce_only, static_cast<double>(signed_lots),
                        static_cast<double>(position_lots), i);
}

RiskVerdict check_md_staleness(std::int64_t now_ns, std::int64_t updated_ns, std::int64_t max_ms,
                               InstrumentId i) noexcept {
  if (updated_ns <= 0)  // never updated: as stale as it gets
    return deny(RiskCheck::md_staleness, std::numeric_limits<double>::infinity(),
                static_cast<double>(max_ms), i);
  const double age_ms = static_cast<double>(now_ns - updated_ns) / 1e6;
  return age_ms > static_cast<double>(max_ms)
             ? deny(RiskCheck::md_staleness, age_ms, static_cast<double>(max_ms), i)
             : RiskVerdict{};
}

RiskVerdict check_prices_used(const Universe& u, const RiskInputs& in, InstrumentId i,
                              std::int64_t max_ms) noexcept {
  const MarketState& m = in.market;
  const auto mark_verdict = [&](InstrumentId j) -> RiskVerdict {
    if (RiskVerdict v = check_md_staleness(in.now_ns, m.updated_ns[j], max_ms, j); !v.accepted())
      return v;
    if (m.held_jump[j] > 0.0) return deny(RiskCheck::price_jump, m.held_jump[j], 0.0, j);
    return {};
  };
  if (RiskVerdict v = mark_verdict(i); !v.accepted()) return v;
  const std::size_t n_inst = u.instruments.size();
  for (std::size_t j = 0; j < n_inst; ++j) {
    if (j == i || in.portfolio.positions[j].lots == 0) continue;
    if (RiskVerdict v = mark_verdict(static_cast<InstrumentId>(j)); !v.accepted()) return v;
  }
  const AssetId traded = u.instruments[i].base;
  for (std::size_t a = 0; a < u.assets.size(); ++a) {
    if (a == u.base_currency) continue;  // worth 1 by definition
    bool used = a == traded || in.portfolio.spot_qty[a] != 0.0;
    for (std::size_t j = 0; j < n_inst && !used; ++j)
      used = u.instruments[j].base == a && in.portfolio.positions[j].lots != 0;
    if (!used) continue;
    const InstrumentId spot = u.assets[a].spot_instrument;
    if (spot != kNoInstrument && spot < n_inst && m.held_jump[spot] > 0.0)
      return deny(RiskCheck::price_jump, m.held_jump[spot], 0.0, spot);
    const RiskVerdict v = check_md_staleness(in.now_ns, m.spot_updated_ns[a], max_ms, i);
    if (!v.accepted()) {
      RiskVerdict spot_v = v;
      spot_v.asset = static_cast<AssetId>(a);
      return spot_v;
    }
  }
  return {};
}

RiskVerdict check_consecutive_rejects(std::int64_t rejects, std::int64_t max,
                                      InstrumentId i) noexcept {
  return rejects >= max ? deny(RiskCheck::consecutive_rejects, static_cast<double>(rejects),
                               static_cast<double>(max), i)
                        : RiskVerdict{};
}

RiskVerdict check_drawdown(double nav, double day_high, double max_drawdown,
                           InstrumentId i) noexcept {
  if (!(day_high > 0.0)) return {};
  const double dd = 1.0 - nav / day_high;
  return above(dd, max_drawdown) ? deny(RiskCheck::drawdown, dd, max_drawdown, i) : RiskVerdict{};
}

RiskVerdict check_daily_fees(double fees_after, double cap, InstrumentId i) noexcept {
  return above(fees_after, cap) ? deny(RiskCheck::daily_fees, fees_after, cap, i) : RiskVerdict{};
}

RiskVerdict check_daily_turnover(double turnover_after, double cap, InstrumentId i) noexcept {
  return above(turnover_after, cap) ? deny(RiskCheck::daily_turnover, turnover_after, cap, i)
                                    : RiskVerdict{};
}

RiskVerdict check_price_collar(double limit_price, double mark, double collar_bps,
                               InstrumentId i) noexcept {
  if (!(mark > 0.0))
    return deny(RiskCheck::price_collar, std::numeric_limits<double>::infinity(), collar_bps, i);
  const double bps = std::fabs(limit_price - mark) / mark * 1e4;
  return above(bps, collar_bps) ? deny(RiskCheck::price_collar, bps, collar_bps, i) : RiskVerdict{};
}

RiskVerdict check_max_order_qty(double contracts, double max_contracts, InstrumentId i) noexcept {
  return max_contracts > 0.0 && above(contracts, max_contracts)
             ? deny(RiskCheck::max_order_qty, contracts, max_contracts, i)
             : RiskVerdict{};
}

RiskVerdict check_max_order_notional(double notional, double max_notional,
                                     InstrumentId i) noexcept {
  return above(notional, max_notional)
             ? deny(RiskCheck::max_order_notional, notional, max_notional, i)
             : RiskVerdict{};
}

RiskVerdict check_duplicate_in_flight(const OpenOrderSet& open, InstrumentId i) noexcept {
  for (std::size_t k = 0; k < open.count; ++k)
    if (open.orders[k].instrument == i && open.orders[k].lots > 0)
      return deny(RiskCheck::duplicate_in_flight, static_cast<double>(open.orders[k].lots), 0, i);
  return {};
}

RiskVerdict check_order_rate(TokenBucket& per_second, TokenBucket& per_minute, std::int64_t now_ns,
                             InstrumentId i) noexcept {
  if (!per_second.can_take(now_ns))
    return deny(RiskCheck::order_rate_per_second, per_second.tokens(), per_second.capacity(), i);
  if (!per_minute.can_take(now_ns))
    return deny(RiskCheck::order_rate_per_minute, per_minute.tokens(), per_minute.capacity(), i);
  return {};
}

RiskVerdict check_max_leverage(const AccountRisk& before, const AccountRisk& after,
                               double max_leverage, InstrumentId i) noexcept {
  return above(after.leverage, max_leverage) && above(after.leverage, before.leverage)
             ? deny(RiskCheck::max_leverage, after.leverage, max_leverage, i)
             : RiskVerdict{};
}

RiskVerdict check_max_margin_utilization(const AccountRisk& before, const AccountRisk& after,
                                         double max_util, InstrumentId i) noexcept {
  return above(after.margin_utilization, max_util) &&
                 above(after.margin_utilization, before.margin_utilization)
             ? deny(RiskCheck::max_margin_utilization, after.margin_utilization, max_util, i)
             : RiskVerdict{};
}

RiskVerdict check_max_asset_weight(const AccountRisk& before, const AccountRisk& after,
                                   AssetId asset, double max_weight, InstrumentId i) noexcept {
  if (asset == kNoAsset) return {};
  const double w = std::fabs(after.weight[asset]);
  return above(w, max_weight) && above(w, std::fabs(before.weight[asset]))
             ? deny(RiskCheck::max_asset_weight, w, max_weight, i, asset)
             : RiskVerdict{};
}

RiskVerdict check_initial_margin(const AccountRisk& before, const AccountRisk& after,
                                 InstrumentId i) noexcept {
  // Refused when the margin does not fit after the order and the order made it worse:
  // raised the margin, or left a larger shortfall (spot bought with the cash that holds
  // it, a fee on a full wallet). A reduction releases more margin than it costs, so it
  // always goes; with no margin needed at all there is no margin question.
  if (!(after.initial_margin > 0.0) || !above(after.initial_margin, after.available_margin))
    return {};
  const double shortfall_before = before.initial_margin - before.available_margin;
  const double shortfall_after = after.initial_margin - after.available_margin;
  const bool worse = above(after.initial_margin, before.initial_margin) ||
                     shortfall_after > shortfall_before + slack(after.initial_margin);
  return worse ? deny(RiskCheck::initial_margin, after.initial_margin, after.available_margin, i)
               : RiskVerdict{};
}

RiskVerdict check_min_liquidation_distance(const AccountRisk& before, const AccountRisk& after,
                                           double min_distance) noexcept {
  RiskVerdict worst;
  for (std::size_t k = 0; k < after.position_count; ++k) {
    const PositionRisk& p = after.positions[k];
    const double d = p.liquidation.distance;
    if (!below(d, min_distance)) continue;
    const PositionRisk* prior = before.find(p.instrument);
    const double was =
        prior ? prior->liquidation.distance : std::numeric_limits<double>::infinity();
    if (!below(d, was)) continue;  // not made worse by this order
    if (worst.accepted() || d < worst.value)
      worst = deny(RiskCheck::min_liquidation_distance, d, min_distance, p.instrument);
  }
  return worst;
}

// ---- engine

RiskEngine::RiskEngine(const Universe& universe, const RiskLimits& limits) noexcept
    : universe_(universe), limits_(limits) {
  for (std::size_t v = 0; v < kMaxVenues; ++v) {
    per_second_[v] = TokenBucket(limits.max_orders_per_second, 1'000'000'000);
    per_minute_[v] = TokenBucket(limits.max_orders_per_minute, 60'000'000'000);
  }
}

void RiskEngine::set_limits(const RiskLimits& limits) noexcept {
  const bool per_second_changed = limits.max_orders_per_second != limits_.max_orders_per_second;
  const bool per_minute_changed = limits.max_orders_per_minute != limits_.max_orders_per_minute;
  limits_ = limits;
  for (std::size_t v = 0; v < kMaxVenues; ++v) {
    if (per_second_changed)
      per_second_[v] = TokenBucket(limits.max_orders_per_second, 1'000'000'000);
    if (per_minute_changed)
      per_minute_[v] = TokenBucket(limits.max_orders_per_minute, 60'000'000'000);
  }
}

void RiskEngine::assess(const RiskInputs& in, const OrderIntent* extra,
                        AccountRisk& out) const noexcept {
  const Universe& u = universe_;
  const std::size_t n_inst = u.instruments.size();
  const std::size_t n_assets = u.assets.size();
  const AssetId base = u.base_currency;

  // What open orders (and the candidate) add, per instrument, and what they cost.
  // Only the first n_inst/n_assets entries are used; zeroing just those keeps this
  // per-order function from clearing kilobytes it never reads.
  std::array<std::int64_t, kMaxInstruments> add_lots;
  std::array<double, kMaxInstruments> add_price;  // volume-weighted limit price
  std::fill_n(add_lots.begin(), n_inst, 0);
  std::fill_n(add_price.begin(), n_inst, 0.0);
  auto add = [&](InstrumentId i, Side side, std::int64_t lots, std::int64_t ticks) {
    const double price = static_cast<double>(ticks) * u.instruments[i].tick_size_d;
    const std::int64_t signed_lots = side == Side::buy ? lots : -lots;
    const std::int64_t prev = add_lots[i];
    add_lots[i] = prev + signed_lots;
    add_price[i] = add_lots[i] != 0 ? (add_price[i] * static_cast<double>(prev) +
                                       price * static_cast<double>(signed_lots)) /
                                          static_cast<double>(add_lots[i])
                                    : price;
  };
  for (std::size_t k = 0; k < in.open_orders.count; ++k) {
    const OpenOrder& o = in.open_orders.orders[k];
    if (o.lots > 0 && o.instrument < n_inst) add(o.instrument, o.side, o.lots, o.limit_ticks);
  }
  if (extra) add(extra->instrument, extra->side, extra->lots, extra->limit_ticks);

  out.nav = in.valuation.nav;
  out.wallet_balance = in.wallet_balance;
  std::array<double, kMaxAssets> exposure;
  std::array<double, kMaxAssets> spot_qty;
  std::copy_n(in.valuation.exposure.begin(), n_assets, exposure.begin());
  std::copy_n(in.portfolio.spot_qty.begin(), n_assets, spot_qty.begin());

  // Spot orders move the asset and cash (and the wallet when it is the cash); fees lower
  // NAV. Futures fills change only positions at their price.
  for (std::size_t i = 0; i < n_inst; ++i) {
    if (add_lots[i] == 0) continue;
    const InstrumentSpec& spec = u.instruments[i];
    const double qty = static_cast<double>(add_lots[i]) * spec.lot_size_d;
    const double price = add_price[i] > 0.0 ? add_price[i] : in.market.mark[i];
    // The fee on the larger of the notional at the limit and at the mark: what the
    // planner estimates (at the mark) or more, never less, so a margin that fits here
    // still fits once the fill is booked.
    const double fee_price = std::max(price, in.market.mark[i]);
    const double fee = std::fabs(spec.notional(qty, fee_price)) * spec.taker_fee_bps / 1e4;
    out.nav -= fee;
    if (in.wallet_is_cash) out.wallet_balance -= fee;
    if (!spec.is_derivative()) {
      const double base_qty = qty * spec.contract_size_d;
      spot_qty[spec.base] += base_qty;
      exposure[spec.base] += base_qty * in.market.spot_price[spec.base];
      if (in.wallet_is_cash) out.wallet_balance -= base_qty * price;
    }
  }

  // Positions as they would be, with their margins.
  out.position_count = 0;
  out.gross_notional = 0.0;
  out.initial_margin = 0.0;
  out.unrealized_pnl = 0.0;
  double linear_pool = 0.0;                  // sum over linear positions of upnl - MM
  std::array<double, kMaxAssets> coin_pool;  // per coin, over inverse positions (coin)
  std::array<double, kMaxInstruments> pool_share;
  std::fill_n(coin_pool.begin(), n_assets, 0.0);
  std::fill_n(pool_share.begin(), n_inst, 0.0);
  for (std::size_t i = 0; i < n_inst; ++i) {
    const InstrumentSpec& spec = u.instruments[i];
    if (!spec.is_derivative()) continue;
    const FuturesPosition& pos = in.portfolio.positions[i];
    const std::int64_t lots = pos.lots + add_lots[i];
    if (lots == 0) continue;
    const double mark = in.market.mark[i];
    if (!(mark > 0.0)) continue;
    const double c0 = static_cast<double>(pos.lots) * spec.lot_size_d;
    const double dc = static_cast<double>(add_lots[i]) * spec.lot_size_d;
    PositionRisk& p = out.positions[out.position_count++];
    p.instrument = static_cast<InstrumentId>(i);
    p.contracts = c0 + dc;
    p.entry_price =
        dc != 0.0 ? combined_entry(c0, pos.entry_price, dc,
                                   add_price[i] > 0.0 ? add_price[i] : mark, spec.is_inverse())
                  : pos.entry_price;
    if (!(p.entry_price > 0.0)) p.entry_price = mark;
    const double value = spec.notional(p.contracts, mark);
    p.notional = std::fabs(value);
    p.initial_margin = spec.initial_margin(p.notional);
    const double mm_native = maintenance_margin(spec, bracket_notional(spec, p.contracts, mark));
    p.maintenance_margin = spec.is_inverse() ? mm_native * mark : mm_native;
    out.gross_notional += p.notional;
    out.initial_margin += p.initial_margin;
    // Exposure moves by the added contracts' delta.
    if (dc != 0.0) exposure[spec.base] += spec.notional(dc, mark);
    // What the fill closes realises its P&L at the fill price: into the wallet (linear)
    // or the coin held (inverse), as apply_fill books it. Left out, a losing position cut
    // down would look as if its loss had vanished from what holds margin.
    if (dc != 0.0 && c0 != 0.0 && (c0 > 0) != (dc > 0)) {
      const double closed = (c0 > 0 ? 1.0 : -1.0) * std::min(std::fabs(c0), std::fabs(dc));
      const double fill = add_price[i] > 0.0 ? add_price[i] : mark;
      if (spec.is_inverse())
        spot_qty[spec.base] += realized_coin_pnl(spec, closed, pos.entry_price, fill);
      else
        out.wallet_balance += spec.unrealized_pnl(closed, pos.entry_price, fill);
    }
    const double upnl_quote = spec.unrealized_pnl(p.contracts, p.entry_price, mark);
    out.unrealized_pnl += upnl_quote;
    if (spec.is_inverse()) {
      pool_share[i] = upnl_quote / mark - mm_native;  // coin
      coin_pool[spec.base] += pool_share[i];
    } else {
      pool_share[i] = upnl_quote - mm_native;
      linear_pool += pool_share[i];
    }
  }

  // Collateral: spot assets that count toward the USD-M wallet at their value ratio.
  double collateral = 0.0;
  for (std::size_t a = 0; a < n_assets; ++a)
    if (a != base && limits_.collateral_ratio[a] > 0.0)
      collateral += spot_qty[a] * in.market.spot_price[a] * limits_.collateral_ratio[a];
  out.wallet_balance += collateral;
  out.available_margin = out.wallet_balance + std::min(0.0, out.unrealized_pnl);

  // Liquidation of each position against the rest of its cross wallet.
  out.worst_distance = std::numeric_limits<double>::infinity();
  out.worst_instrument = kNoInstrument;
  for (std::size_t k = 0; k < out.position_count; ++k) {
    PositionRisk& p = out.positions[k];
    const InstrumentSpec& spec = u.instruments[p.instrument];
    const double mark = in.market.mark[p.instrument];
    WalletView w;
    const double ratio = limits_.collateral_ratio[spec.base];
    if (spec.is_inverse()) {
      // COIN-M: the coin itself is the margin (collateral ratio 1 for a full wallet).
      w.balance = spot_qty[spec.base] * ratio + coin_pool[spec.base] - pool_share[p.instrument];
    } else {
      const double own = spot_qty[spec.base] * in.market.spot_price[spec.base] * ratio;
      w.balance = out.wallet_balance - own + linear_pool - pool_share[p.instrument];
      w.own_collateral_per_price = own / mark;
    }
    p.liquidation = estimate_liquidation(spec, p.contracts, p.entry_price, mark, w);
    if (p.liquidation.distance < out.worst_distance) {
      out.worst_distance = p.liquidation.distance;
      out.worst_instrument = p.instrument;
    }
  }

  const bool nav_ok = out.nav > 0.0;
  const double inf = std::numeric_limits<double>::infinity();
  out.leverage = nav_ok ? out.gross_notional / out.nav : (out.gross_notional > 0 ? inf : 0.0);
  out.margin_utilization =
      nav_ok ? out.initial_margin / out.nav : (out.initial_margin > 0 ? inf : 0.0);
  double others = 0.0;
  for (std::size_t a = 0; a < n_assets; ++a)
    if (a != base) others += exposure[a];
  if (base != kNoAsset) exposure[base] = out.nav - others;
  for (std::size_t a = 0; a < n_assets; ++a) out.weight[a] = nav_ok ? exposure[a] / out.nav : 0.0;
}

RiskVerdict RiskEngine::check_order_level(const OrderIntent& order, const RiskInputs& in) noexcept {
  const InstrumentId i = order.instrument;
  const InstrumentSpec& spec = universe_.instruments[i];
  const double mark = in.market.mark[i] > 0.0 ? in.market.mark[i] : in.market.spot_price[spec.base];
  const double contracts = static_cast<double>(order.lots) * spec.lot_size_d;
  const double limit_price = static_cast<double>(order.limit_ticks) * spec.tick_size_d;

  std::int64_t position_lots = spec.is_derivative() ? in.portfolio.positions[i].lots : 0;
  for (std::size_t k = 0; k < in.open_orders.count; ++k) {
    const OpenOrder& o = in.open_orders.orders[k];
    if (o.instrument == i) position_lots += o.signed_lots(o.lots);
  }

  // Cheapest first; the first failure is the verdict.
  RiskVerdict v = check_kill_switch(state_);
  if (!v.accepted()) return v;
  if (v = check_reduce_only(state_, spec, i, position_lots, order); !v.accepted()) return v;
  if (v = check_prices_used(universe_, in, i, limits_.max_md_staleness_ms); !v.accepted()) return v;
  if (v = check_price_collar(limit_price, mark, limits_.price_collar_bps, i); !v.accepted())
    return v;
  if (v = check_max_order_qty(contracts, spec.max_order_qty_d, i); !v.accepted()) return v;
  const double notional = std::fabs(spec.notional(contracts, mark));
  if (v = check_max_order_notional(notional, limits_.max_order_notional, i); !v.accepted())
    return v;
  if (v = check_duplicate_in_flight(in.open_orders, i); !v.accepted()) return v;
  // Breakers stop the policy adding exposure; they never block getting out.
  const bool reduces = spec.is_derivative() &&
                       (order.side == Side::buy ? position_lots < 0 && order.lots <= -position_lots
                                                : position_lots > 0 && order.lots <= position_lots);
  if (!reduces) {
    const BreakerState& b = breakers_;
    if (v = check_consecutive_rejects(b.consecutive_rejects, limits_.max_consecutive_rejects, i);
        !v.accepted())
      return v;
    if (v = check_drawdown(in.valuation.nav, b.day_high_nav, limits_.max_drawdown, i);
        !v.accepted())
      return v;
    const double fee = notional * spec.taker_fee_bps * 1e-4;
    if (v = check_daily_fees(b.fees_today + fee,
                             limits_.max_daily_fees_bps * 1e-4 * b.day_first_nav, i);
        b.day >= 0 && !v.accepted())
      return v;
    if (v = check_daily_turnover(b.turnover_today + notional,
                                 limits_.max_daily_turnover * b.day_first_nav, i);
        b.day >= 0 && !v.accepted())
      return v;
  }
  return check_order_rate(per_second_[spec.venue], per_minute_[spec.venue], in.now_ns, i);
}

RiskVerdict RiskEngine::check_portfolio_level(const OrderIntent& order, const AccountRisk& before,
                                              const AccountRisk& after) const noexcept {
  const InstrumentId i = order.instrument;
  const AssetId asset = universe_.instruments[i].base;
  // Margin first: a book that cannot post the margin fails every later check for that
  // reason, and the operator must read the cause, not a symptom.
  RiskVerdict v = check_initial_margin(before, after, i);
  if (!v.accepted()) return v;
  if (v = check_max_leverage(before, after, limits_.max_leverage, i); !v.accepted()) return v;
  if (v = check_max_margin_utilization(before, after, limits_.max_margin_utilization, i);
      !v.accepted())
    return v;
  if (v = check_max_asset_weight(before, after, asset, limits_.max_asset_weight, i); !v.accepted())
    return v;
  return check_min_liquidation_distance(before, after, limits_.min_liquidation_distance);
}

bool RiskEngine::breaches_limits(const AccountRisk& after, AssetId asset) const noexcept {
  // Exactly the "beyond the limit" halves of the five portfolio checks.
  if (after.initial_margin > 0.0 && above(after.initial_margin, after.available_margin))
    return true;
  if (above(after.leverage, limits_.max_leverage)) return true;
  if (above(after.margin_utilization, limits_.max_margin_utilization)) return true;
  if (asset != kNoAsset && above(std::fabs(after.weight[asset]), limits_.max_asset_weight))
    return true;
  return below(after.worst_distance, limits_.min_liquidation_distance);
}

RiskVerdict RiskEngine::check(const OrderIntent& order, const RiskInputs& in,
                              const AccountRisk& current, AccountRisk& scratch) noexcept {
  if (RiskVerdict v = check_order_level(order, in); !v.accepted()) return v;
  assess(in, &order, scratch);
  return check_portfolio_level(order, current, scratch);
}

RiskVerdict RiskEngine::check_lazy(const OrderIntent& order, const RiskInputs& in,
                                   AccountRisk& after, AccountRisk& before,
                                   bool& before_valid) noexcept {
  if (RiskVerdict v = check_order_level(order, in); !v.accepted()) return v;
  assess(in, &order, after);
  if (!breaches_limits(after, universe_.instruments[order.instrument].base)) return {};
  if (!before_valid) {
    assess(in, nullptr, before);
    before_valid = true;
  }
  return check_portfolio_level(order, before, after);
}

ShrinkResult RiskEngine::shrink(const OrderIntent& order, const RiskVerdict& verdict,
                                const RiskInputs& in, const AccountRisk& current,
                                AccountRisk& scratch, std::int64_t min_lots) noexcept {
  ShrinkResult r;
  r.cause = verdict.check;
  if (!is_size_bound(verdict.check) || order.lots <= 1) return r;
  if (min_lots < 1) min_lots = 1;
  // Size-bound checks fail monotonically in size: binary search the largest passing size.
  std::int64_t lo = 0;           // passes (trivially: nothing)
  std::int64_t hi = order.lots;  // fails
  OrderIntent trial = order;
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    trial.lots = mid;
    if (check(trial, in, current, scratch).accepted())
      lo = mid;
    else
      hi = mid;
  }
  if (lo >= min_lots) {
    r.shrunk = true;
    r.lots = lo;
  }
  return r;
}

std::int64_t RiskEngine::throttle_wait_ns(const OrderIntent& order, std::int64_t now_ns) noexcept {
  const VenueId v = universe_.instruments[order.instrument].venue;
  return std::max(per_second_[v].ns_until_token(now_ns), per_minute_[v].ns_until_token(now_ns));
}

void RiskEngine::advance_throttle(const OrderIntent& order, std::int64_t at_ns) noexcept {
  const VenueId v = universe_.instruments[order.instrument].venue;
  (void)per_second_[v].can_take(at_ns);
  (void)per_minute_[v].can_take(at_ns);
}

void RiskEngine::on_nav(double nav, std::int64_t unix_s) noexcept {
  last_nav_ = nav;
  const std::int64_t day = unix_s >= 0 ? unix_s / 86'400 : -1;
  if (day != breakers_.day) {
    breakers_.day = day;
    breakers_.day_first_nav = nav;
    breakers_.day_high_nav = nav;
    breakers_.fees_today = 0.0;
    breakers_.turnover_today = 0.0;
  } else if (nav > breakers_.day_high_nav) {
    breakers_.day_high_nav = nav;
  }
}

void RiskEngine::on_fill(double notional, double fee) noexcept {
  breakers_.fees_today += fee;
  breakers_.turnover_today += std::fabs(notional);
  breakers_.consecutive_rejects = 0;
}

bool RiskEngine::on_venue_reject() noexcept {
  return ++breakers_.consecutive_rejects == limits_.max_consecutive_rejects;
}

void RiskEngine::rearm_breakers() noexcept {
  breakers_.consecutive_rejects = 0;
  if (last_nav_ > 0.0) breakers_.day_high_nav = last_nav_;
}

void RiskEngine::on_order_sent(const OrderIntent& order, std::int64_t now_ns) noexcept {
  const VenueId v = universe_.instruments[order.instrument].venue;
  per_second_[v].take(now_ns);
  per_minute_[v].take(now_ns);
}

}  // namespace ballast::risk
