// The hedge overlay's properties (issue 13), held over thousands of generated books: the
// full `ballast plan` pipeline (valuation -> trigger -> planner -> pre-trade risk) is run
// on each, its accepted orders are filled at their limit prices with their fees, and the
// book is planned again at the same prices and time. Linear and inverse contracts, dated
// futures (live, in the roll window, expired), every method, trigger and rebalance_to.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "ballast/core/config.hpp"
#include "ballast/core/planner.hpp"
#include "ballast/plan_report.hpp"

namespace ballast::policy_property_test {
namespace {

constexpr std::int64_t kNow = 1'796'000'000;  // 2026-11-29, a fixed plan time

// A generated book and what the generator chose, for failure messages.
struct GeneratedBook {
  std::unique_ptr<BallastConfig> config = std::make_unique<BallastConfig>();
  std::string description;
  // Holdings scaled by 1e14: lot counts that cannot fit. Its money is beyond what a
  // double holds to the cent, so only "no overflow" is asked of it.
  bool absurd = false;
};

InstrumentSpec base_spec(BallastConfig& c, const std::string& symbol, InstrumentKind kind,
                         AssetId asset) {
  InstrumentSpec s;
  s.symbol = symbol;
  s.kind = kind;
  s.base = asset;
  s.quote = c.universe.base_currency;
  return s;
}

InstrumentId add(BallastConfig& c, InstrumentSpec s) {
  s.derive();
  c.universe.instruments.push_back(s);
  const auto id = static_cast<InstrumentId>(c.universe.instruments.size() - 1);
  if (s.kind == InstrumentKind::spot) c.universe.assets[s.base].spot_instrument = id;
  return id;
}

// Prices like a venue's: a few significant digits on a decimal tick.
Decimal tick_for(double price) {
  const int digits = static_cast<int>(std::floor(std::log10(price)));
  return Decimal{1, static_cast<std::uint8_t>(std::clamp(4 - digits, 0, 8))};
}

double on_tick(double price, const Decimal& tick) {
  const double t = tick.to_double();
  return std::round(price / t) * t;
}

GeneratedBook generate(std::mt19937_64& rng, int index) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  GeneratedBook g;
  BallastConfig& c = *g.config;
  c.source_path = "generated#" + std::to_string(index);
  c.universe.base_currency = c.universe.intern_asset("USDT");
  c.market.spot_price[c.universe.base_currency] = 1.0;

  PolicyConfig& p = c.policy;
  p.method = static_cast<HedgeMethod>(pick(3));
  p.rebalance_to = pick(2) ? RebalanceTo::band_edge : RebalanceTo::target;
  const double ratios[] = {1.0, 1.0, 0.5, 0.25 + 0.75 * u(rng), 1.25};
  p.hedge_ratio = ratios[pick(5)];
  p.trigger = static_cast<TriggerMode>(pick(3));
  p.calendar_interval_s = 86400;
  // Venue-like minimums: a plan never trades less than 5 or 10 (every venue has one).
  p.min_order_notional = pick(2) ? 10.0 : 5.0;
  p.max_cost_bps = 30.0;
  p.default_spread_bps = 10.0 * u(rng);
  p.tracking_error_aversion = pick(4) == 0 ? 0.2 + 5.0 * u(rng) : 1.0;
  p.rebalance_tolerance = pick(4) == 0 ? 0.05 + 0.3 * u(rng) : 0.1;
  p.allow_spot_short = false;
  c.last_rebalance_unix_s = kNow - 2 * 86400;  // a calendar trigger is due

  RiskLimits& r = c.risk;
  r.max_leverage = 10.0;
  r.max_margin_utilization = 1.0;
  r.max_asset_weight = 10.0;
  r.min_liquidation_distance = pick(3) == 0 ? 0.25 : 0.0;
  r.max_orders_per_second = 10.0;
  r.price_collar_bps = 200.0;

  const int assets = 1 + pick(5);
  const double nav_scale = std::pow(10.0, 3.0 + 4.0 * u(rng));  // 1,000 .. 10 M
  double weight_left = 0.95;
  const char* names[] = {"BTC", "ETH", "SOL", "XRP", "DOGE"};
  g.description = std::string("method ") + to_string(p.method) + ", to " +
                  to_string(p.rebalance_to) + ", h " + std::to_string(p.hedge_ratio) +
                  ", trigger " + to_string(p.trigger) + ", assets " + std::to_string(assets);
  for (int k = 0; k < assets; ++k) {
    const AssetId a = c.universe.intern_asset(names[k]);
    const double price = std::pow(10.0, -1.0 + 6.0 * u(rng));  // 0.1 .. 100,000
    const Decimal tick = tick_for(price);
    const double spot_price = on_tick(price, tick);
    c.market.spot_price[a] = spot_price;
    c.portfolio.spot_qty[a] = nav_scale * u(rng) / spot_price;

    InstrumentSpec spot = base_spec(c, std::string(names[k]) + "USDT", InstrumentKind::spot, a);
    spot.lot_size = Decimal{1, static_cast<std::uint8_t>(pick(6))};
    spot.tick_size = tick;
    spot.taker_fee_bps = 10.0 * u(rng);
    spot.min_notional = pick(2) ? 5.0 : 0.0;
    const InstrumentId si = add(c, spot);
    c.market.mark[si] = spot_price;

    InstrumentSpec perp =
        base_spec(c, std::string(names[k]) + "USDT-PERP", InstrumentKind::perpetual, a);
    perp.contract_size = Decimal{1, static_cast<std::uint8_t>(pick(4))};
    perp.lot_size = pick(2) ? Decimal{1, 0} : Decimal{1, 3};
    perp.tick_size = tick;
    perp.taker_fee_bps = 8.0 * u(rng);
    perp.funding_interval_s = 28800;
    perp.leverage = 1.0 + static_cast<double>(pick(20));
    perp.margin_brackets = {MarginBracket{1e12, 0.004 + 0.02 * u(rng), 0.0}};
    const InstrumentId pi = add(c, perp);
    const double basis = 1.0 + 0.002 * (u(rng) - 0.5);
    c.market.mark[pi] = on_tick(spot_price * basis, tick);
    c.market.funding_rate[pi] = 0.0002 * (u(rng) - 0.5);

    TargetSpec& t = c.targets[a];
    t.configured = true;
    t.weight = weight_left * u(rng) * (k + 1 == assets ? 1.0 : 0.6);
    weight_left -= t.weight;
    t.band = 0.02 + 0.13 * u(rng);
    t.hedge_count = 0;
    t.hedge_with[t.hedge_count++] = pi;

    // Some assets have more ways to hedge: an inverse perpetual, a dated future (live,
    // inside its roll window or expired).
    if (pick(3) == 0) {
      InstrumentSpec inv =
          base_spec(c, std::string(names[k]) + "USD-INV", InstrumentKind::perpetual, a);
      inv.settlement = Settlement::inverse;
      inv.contract_value = Decimal{pick(2) ? 100 : 10, 0};
      inv.lot_size = Decimal{1, 0};
      inv.tick_size = tick;
      inv.taker_fee_bps = 5.0;
      inv.funding_interval_s = 28800;
      inv.leverage = 5.0;
      const InstrumentId ii = add(c, inv);
      c.market.mark[ii] = on_tick(spot_price * (1.0 + 0.001 * (u(rng) - 0.5)), tick);
      c.market.funding_rate[ii] = 0.0002 * (u(rng) - 0.5);
      t.hedge_with[t.hedge_count++] = ii;
      if (pick(2))
        c.portfolio.positions[ii].lots = static_cast<std::int64_t>(
            (u(rng) - 0.5) * nav_scale / inv.contract_value.to_double() * 0.3);
      c.portfolio.positions[ii].entry_price = c.market.mark[ii] * (0.9 + 0.2 * u(rng));
    }
    if (pick(3) == 0) {
      InstrumentSpec fut =
          base_spec(c, std::string(names[k]) + "USDT-FUT", InstrumentKind::future, a);
      fut.contract_size = perp.contract_size;
      fut.lot_size = perp.lot_size;
      fut.tick_size = tick;
      fut.taker_fee_bps = 5.0;
      fut.leverage = 5.0;
      const std::int64_t expiries[] = {kNow - 365 * 86400, kNow + 3600, kNow + 2 * 86400,
                                       kNow + 30 * 86400, kNow + 90 * 86400};
      fut.expiry_unix_s = expiries[pick(5)];
      const InstrumentId fi = add(c, fut);
      c.market.mark[fi] =
          on_tick(spot_price * (1.0 + 0.02 * u(rng)), tick);  // rich: cheap to short
      t.hedge_with[t.hedge_count++] = fi;
      if (pick(2)) {
        c.portfolio.positions[fi].lots = static_cast<std::int64_t>(
            (u(rng) - 0.7) * nav_scale / (spot_price * fut.contract_size.to_double()) * 0.3 /
            fut.lot_size.to_double());
        c.portfolio.positions[fi].entry_price = c.market.mark[fi];
      }
    }
    if (pick(2)) {  // an existing perpetual hedge, either side
      const double lots = (u(rng) - 0.6) * c.portfolio.spot_qty[a] /
                          (perp.contract_size.to_double() * perp.lot_size.to_double());
      c.portfolio.positions[pi].lots = static_cast<std::int64_t>(lots);
      c.portfolio.positions[pi].entry_price = c.market.mark[pi] * (0.95 + 0.1 * u(rng));
    }
    if (pick(4) == 0) {  // a visible book on the perpetual
      BookSnapshot& b = c.market.books[pi];
      const double mark = c.market.mark[pi];
      const double per_level = nav_scale / (mark * perp.contract_size.to_double()) * 0.2;
      b.bid_count = b.ask_count = 5;
      for (int l = 0; l < 5; ++l) {
        b.bids[l] = {on_tick(mark * (1.0 - 0.0002 * (l + 1)), tick), per_level};
        b.asks[l] = {on_tick(mark * (1.0 + 0.0002 * (l + 1)), tick), per_level};
      }
    }
    r.collateral_ratio[a] = pick(3) == 0 ? 0.0 : 0.9;
  }
  c.targets[c.universe.base_currency].weight = weight_left;
  c.portfolio.cash = nav_scale * (pick(3) == 0 ? 0.0 : u(rng));
  if (pick(40) == 0) c.portfolio.cash = -3.0 * nav_scale;  // NAV <= 0
  if (pick(40) == 0) {  // an absurd book: lot counts that cannot fit
    c.portfolio.spot_qty[1] *= 1e14;
    g.absurd = true;
  }
  c.market_as_of_unix_s.reset();
  return g;
}

// Books the accepted orders of a plan as fills at their limit prices, fees charged.
void fill_accepted(const BallastConfig& c, const tools::PlanReport& r, PortfolioState& book) {
  for (std::size_t k = 0; k < r.plan.order_count; ++k) {
    const PlannedOrder& o = r.plan.orders[k];
    if (o.blocked) continue;
    apply_fill(c.universe, book, o.instrument, o.side == Side::buy ? o.lots : -o.lots,
               o.limit_price, o.cost.fee);
  }
}

struct Counts {
  int books = 0;
  int traded = 0;
  int nav_nonpositive = 0;
  int overflow = 0;
  int echo_beyond_region = 0;  // same-side follow-ups the plan's own fee echo caused
  int failures = 0;
};

TEST(PolicyPropertyTest, OverlayHoldsItsPropertiesOverGeneratedBooks) {
  // BALLAST_PROPERTY_BOOKS and BALLAST_PROPERTY_SEED run a longer or different search.
  const char* books_env = std::getenv("BALLAST_PROPERTY_BOOKS");
  const char* seed_env = std::getenv("BALLAST_PROPERTY_SEED");
  std::mt19937_64 rng(seed_env ? std::strtoull(seed_env, nullptr, 10) : 20261207);
  Counts n;
  const int kBooks = books_env ? std::atoi(books_env) : 6000;
  std::map<std::string, int> by_property;
  auto fail = [&](const GeneratedBook& g, const char* property, const std::string& detail) {
    ++n.failures;
    if (++by_property[property] <= 3)
      ADD_FAILURE() << property << " failed on " << g.config->source_path << " (" << g.description
                    << "): " << detail;
  };
  auto first = std::make_unique<tools::PlanReport>();
  auto second = std::make_unique<tools::PlanReport>();
  // BALLAST_PROPERTY_BOOK=N prints book N's two plans, as `ballast plan` would.
  const char* show_env = std::getenv("BALLAST_PROPERTY_BOOK");
  const int show = show_env ? std::atoi(show_env) : -1;
  for (int i = 0; i < kBooks; ++i) {
    GeneratedBook g = generate(rng, i);
    BallastConfig& c = *g.config;
    ++n.books;
    tools::compute_plan(c, kNow, risk::TradingState::active, *first);
    if (i == show) std::printf("%s\n", tools::render_plan_text(c, *first).c_str());
    const PlanResult& p1 = first->plan;

    // NAV <= 0 is an error state: nothing is planned.
    if (first->valuation.nav <= 0.0) {
      ++n.nav_nonpositive;
      if (!p1.nav_nonpositive || p1.order_count != 0) fail(g, "nav_nonpositive", "orders planned");
      continue;
    }
    // No overflow: a count that does not fit is reported, never a saturated order.
    if (p1.size_overflow) ++n.overflow;
    for (std::size_t k = 0; k < p1.order_count; ++k)
      if (static_cast<double>(p1.orders[k].lots) >= kMaxExactSteps)
        fail(g, "no_overflow", "order of " + std::to_string(p1.orders[k].lots) + " lots");

    if (g.absurd) continue;
    int accepted = 0;
    for (std::size_t k = 0; k < p1.order_count; ++k) {
      const PlannedOrder& o = p1.orders[k];
      if (o.blocked) continue;
      ++accepted;
      const InstrumentSpec& spec = c.universe.instruments[o.instrument];
      // Spot held: a spot sell never exceeds the spot held.
      if (!spec.is_derivative() && o.side == Side::sell &&
          static_cast<double>(o.lots) * spec.lot_size_d * spec.contract_size_d >
              c.portfolio.spot_qty[spec.base] * (1.0 + 1e-12))
        fail(g, "spot_held", spec.symbol + " sells more than held");
      // No expired: nothing opens or adds to a future that expired or is in its roll window.
      if (spec.kind == InstrumentKind::future &&
          !HedgePlanner::may_open(
              PlanContext{c.universe, c.targets, c.policy, c.portfolio, c.market, kNow}, spec)) {
        const std::int64_t held = c.portfolio.positions[o.instrument].lots;
        const std::int64_t signed_lots = o.side == Side::buy ? o.lots : -o.lots;
        const bool reduces = held != 0 && (held > 0) != (signed_lots > 0) &&
                             std::llabs(signed_lots) <= std::llabs(held);
        if (!reduces) fail(g, "no_expired", spec.symbol + " opened or added to");
      }
    }
    if (accepted == 0) continue;
    ++n.traded;

    // Fill what risk let out, at the limit prices, fees charged.
    auto after = std::make_unique<BallastConfig>(c);
    fill_accepted(c, *first, after->portfolio);
    Valuation v_after;
    value_portfolio(after->universe, after->targets, after->portfolio, after->market, v_after);

    // Improves: the tracking error removed is worth more than what was paid for it.
    double te_before = 0.0;
    double te_after = 0.0;
    for (std::size_t a = 0; a < first->valuation.asset_count; ++a) {
      if (!c.targets[a].configured) continue;
      te_before += first->valuation.drift[a] * first->valuation.drift[a];
      te_after += v_after.drift[a] * v_after.drift[a];
    }
    const double paid = first->valuation.nav - v_after.nav;
    const double worth =
        c.policy.tracking_error_aversion * first->valuation.nav * (te_before - te_after);
    if (!(worth > paid))
      fail(g, "improves", "worth " + std::to_string(worth) + " <= paid " + std::to_string(paid));

    // Margin fits: initial margin within wallet + collateral, or a book already short of
    // margin left with neither more margin nor a larger shortfall (it may always reduce).
    const risk::AccountRisk& ra = first->risk_after;
    const risk::AccountRisk& rb = first->risk_before;
    const double slack = 1e-7 * std::max(1.0, ra.initial_margin);  // rounding noise
    if (ra.initial_margin > 0.0 && ra.initial_margin > ra.available_margin + slack &&
        (ra.initial_margin > rb.initial_margin + slack ||
         ra.initial_margin - ra.available_margin > rb.initial_margin - rb.available_margin + slack))
      fail(g, "margin_fits",
           "initial margin " + std::to_string(ra.initial_margin) + " > available " +
               std::to_string(ra.available_margin) +
               " (before: " + std::to_string(rb.initial_margin) + " of " +
               std::to_string(rb.available_margin) + ")");

    // Idempotent, and no reversal without a move: the same prices and time, planned again.
    after->last_rebalance_unix_s = kNow;
    tools::compute_plan(*after, kNow, risk::TradingState::active, *second);
    if (i == show) std::printf("%s\n", tools::render_plan_text(*after, *second).c_str());
    const PlanResult& p2 = second->plan;
    for (std::size_t k = 0; k < p2.order_count; ++k) {
      const PlannedOrder& o2 = p2.orders[k];
      bool repeats_refused = false;
      for (std::size_t m = 0; m < p1.order_count; ++m) {
        const PlannedOrder& o1 = p1.orders[m];
        if (o1.instrument == o2.instrument && o1.side != o2.side)
          fail(g, "no_reversal",
               c.universe.instruments[o2.instrument].symbol + " " + to_string(o1.side) + " then " +
                   to_string(o2.side));
        // What risk refused or cut, or the visible book or the pair's other side could not
        // take, is left for later on purpose: the asset may ask again, on the same side.
        if (o1.asset == o2.asset && o1.side == o2.side &&
            (o1.blocked || o1.lots < o1.requested_lots))
          repeats_refused = true;
      }
      // The fee echo: the plan's own cost lowered NAV and so every wanted exposure. The
      // no-trade region (rebalance_tolerance x band x NAV, plus a lot) absorbs it, and
      // the planner trades now a gap its own cost would push out of the region; what is
      // left is a gap within the echo of the region's edge (a knife edge), or a book whose
      // echo exceeds the region (turnover of many times NAV). Either way the follow-up
      // must go the way the echo pushed: the same side, never back.
      const AssetId a = o2.asset;
      const double moved =
          second->plan.assets[a].wanted_futures - first->plan.assets[a].wanted_futures;
      double lot = 0.0;
      for (std::size_t j = 0; j < c.universe.instruments.size(); ++j) {
        const InstrumentSpec& spec = c.universe.instruments[j];
        if (spec.base == a && c.market.mark[j] > 0.0)
          lot = std::max(lot, spec.lot_size_d * spec.contract_notional(c.market.mark[j]));
      }
      const double region =
          c.policy.rebalance_tolerance * c.targets[a].band * second->valuation.nav + lot;
      const double gap = std::fabs(second->plan.assets[a].adjust_notional);
      if (!repeats_refused && gap - std::fabs(moved) < region) {
        if ((moved > 0) != (o2.side == Side::buy))
          fail(g, "no_reversal",
               c.universe.instruments[o2.instrument].symbol + " went against its own fee echo");
        ++n.echo_beyond_region;
        continue;
      }
      if (!repeats_refused)
        fail(g, "idempotent",
             c.universe.instruments[o2.instrument].symbol + " " + to_string(o2.side) + " " +
                 std::to_string(o2.lots) + " lots planned again after the fills");
    }
  }
  std::printf(
      "policy properties: %d books generated, %d traded, %d NAV <= 0, %d overflow; "
      "7 properties; %d failures (%d same-side follow-ups caused by the plan's own "
      "fee echo at the no-trade region's edge)\n",
      n.books, n.traded, n.nav_nonpositive, n.overflow, n.failures, n.echo_beyond_region);
  for (const auto& [property, count] : by_property)
    std::printf("  %s: %d failures\n", property.c_str(), count);
  RecordProperty("books", n.books);
  RecordProperty("traded", n.traded);
  EXPECT_EQ(n.failures, 0);
  // The generator must reach what it tests, or the properties hold vacuously.
  EXPECT_GT(n.traded, kBooks / 4);
  EXPECT_GT(n.nav_nonpositive, 0);
  EXPECT_GT(n.overflow, 0);
}

}  // namespace
}  // namespace ballast::policy_property_test
