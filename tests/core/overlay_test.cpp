// The hedge overlay's rules, one per way it used to work against itself (issue 13): the
// wanted futures are a function of the book, so a plan, once filled, is not followed by
// its own undoing; expired futures are never opened; spot is never oversold; inverse P&L
// lands in coin; sizes that do not fit and NAV <= 0 are errors, never orders.
#include <gtest/gtest.h>

#include <memory>

#include "ballast/core/planner.hpp"
#include "test_model.hpp"

namespace ballast::overlay_test {
namespace {

using testing::TestBook;

struct Planned {
  Valuation valuation;
  std::unique_ptr<PlanResult> result = std::make_unique<PlanResult>();
};

Planned run(const TestBook& b, std::int64_t now_s = 0,
            std::optional<std::int64_t> last_rebalance = std::nullopt) {
  Planned p;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, p.valuation);
  const auto trigger = evaluate_trigger(b.policy, b.targets, p.valuation, now_s, last_rebalance,
                                        b.universe.base_currency);
  HedgePlanner::plan(b.context(now_s), p.valuation, trigger, *p.result);
  return p;
}

// Every planned order filled at its limit price, its fee paid.
void fill(TestBook& b, const PlanResult& r) {
  for (std::size_t k = 0; k < r.order_count; ++k) {
    const PlannedOrder& o = r.orders[k];
    apply_fill(b.universe, b.portfolio, o.instrument, o.side == Side::buy ? o.lots : -o.lots,
               o.limit_price, o.cost.fee);
  }
}

// BTC and ETH perps with 5 bp taker fees; targets 40/40, bands 5%.
struct TwoAssets : TestBook {
  InstrumentId btc;
  InstrumentId eth;
  TwoAssets(double btc_value, double eth_value, double cash) {
    btc = linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3}, Decimal{1, 0}, 5.0);
    eth = linear_perp("ETHUSDT-PERP", "ETH", Decimal{1, 2}, Decimal{1, 0}, 5.0);
    target("BTC", 0.4, 0.05, {btc});
    target("ETH", 0.4, 0.05, {eth});
    spot("BTC", btc_value / 50000.0, 50000);
    spot("ETH", eth_value / 2500.0, 2500);
    market.mark[btc] = 50000;
    market.mark[eth] = 2500;
    portfolio.cash = cash;
  }
};

// Item 3: ETH triggers at -15% while BTC is inside its band at +3%. The whole portfolio is
// rebalanced, BTC included; the next plan at the same prices does not unwind BTC's hedge.
TEST(OverlayTest, WholePortfolioRebalanceIsNotUndoneByTheNextPlan) {
  TwoAssets b(43000, 25000, 32000);  // 43% / 25% of 100,000
  const Planned first = run(b);
  ASSERT_TRUE(first.result->trigger.fire);
  ASSERT_EQ(first.result->order_count, 2);
  fill(b, *first.result);
  const Planned second = run(b);
  EXPECT_EQ(second.result->order_count, 0) << "the plan undid itself";
  for (std::size_t k = 0; k < second.result->skipped_count; ++k)
    EXPECT_NE(second.result->skipped[k].reason, SkipReason::below_min_order_notional)
        << "a trade was only stopped by the minimum size";
}

// Item 3, calendar: a rebalance of a 1% drift is not unwound a minute later.
TEST(OverlayTest, CalendarRebalanceIsNotUnwoundAMinuteLater) {
  TwoAssets b(41000, 40000, 19000);  // BTC +1%
  b.policy.trigger = TriggerMode::calendar;
  b.policy.calendar_interval_s = 3600;
  const Planned first = run(b, 10'000);
  ASSERT_TRUE(first.result->trigger.fire);
  ASSERT_GE(first.result->order_count, 1);
  fill(b, *first.result);
  // A minute later (no calendar trigger) and an hour later (calendar fires again).
  EXPECT_EQ(run(b, 10'060, 10'000).result->order_count, 0);
  EXPECT_EQ(run(b, 13'601, 10'000).result->order_count, 0);
}

// Item 4: hedge_ratio 0.5 with 20% drift shorts 10,000 once; the same book after that
// fill, at the same prices, shorts nothing more.
TEST(OverlayTest, HedgeRatioDoesNotCompound) {
  TestBook b;
  const InstrumentId perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3}, Decimal{1, 0}, 5.0);
  b.target("BTC", 0.5, 0.05, {perp});
  b.spot("BTC", 1.0, 70000);
  b.portfolio.cash = 30000;
  b.market.mark[perp] = 70000;
  b.policy.hedge_ratio = 0.5;
  const Planned first = run(b);
  ASSERT_EQ(first.result->order_count, 1);
  EXPECT_DOUBLE_EQ(first.result->assets[b.asset("BTC")].wanted_futures, -10000.0);
  EXPECT_EQ(first.result->orders[0].lots, 142);  // 10,000 / 70 = 142.86 -> 142
  fill(b, *first.result);
  const Planned second = run(b);
  EXPECT_TRUE(second.result->trigger.fire);  // BTC still 10% over: h = 0.5 leaves it
  EXPECT_EQ(second.result->order_count, 0)
      << "shorted " << second.result->orders[0].lots << " more";
  fill(b, *second.result);
  EXPECT_EQ(run(b).result->order_count, 0);
}

// A dated future and a perpetual on BTC; the future's rich premium makes it the cheapest
// hedge to short, when it may be opened at all.
struct FutureAndPerp : TestBook {
  InstrumentId perp;
  InstrumentId future;
  explicit FutureAndPerp(std::int64_t expiry) {
    perp = linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3}, Decimal{1, 0}, 5.0);
    InstrumentSpec fut = universe.instruments[perp];
    fut.symbol = "BTCUSDT-FUT";
    fut.kind = InstrumentKind::future;
    fut.funding_interval_s = 0;
    fut.expiry_unix_s = expiry;
    future = add(fut);
    target("BTC", 0.5, 0.05, {future, perp});
    spot("BTC", 1.0, 70000);
    portfolio.cash = 30000;
    market.mark[perp] = 70000;
    market.mark[future] = 70700;
  }
};

// Item 5: an expired future (expected carry 0) and one expiring within the hour are never
// chosen; a live one is; a position in an expired one can still be closed.
TEST(OverlayTest, ExpiredOrExpiringFutureIsNeverOpened) {
  const std::int64_t now = 1'800'000'000;
  EXPECT_EQ(run(FutureAndPerp(now - 365 * 86400), now).result->orders[0].instrument,
            FutureAndPerp(0).perp);
  EXPECT_EQ(run(FutureAndPerp(now + 3600), now).result->orders[0].instrument,
            FutureAndPerp(0).perp);
  FutureAndPerp inside(now + 2 * 86400);  // inside the default 3-day roll window
  EXPECT_EQ(run(inside, now).result->orders[0].instrument, inside.perp);
  FutureAndPerp live(now + 30 * 86400);
  EXPECT_EQ(run(live, now).result->orders[0].instrument, live.future);
  live.policy.roll_before_s = 31 * 86400;
  EXPECT_EQ(run(live, now).result->orders[0].instrument, live.perp);
}

TEST(OverlayTest, PositionInAnExpiredFutureIsClosedFirstAndNeverAddedTo) {
  const std::int64_t now = 1'800'000'000;
  // Overweight: more short is wanted; the expired future already short is not added to.
  FutureAndPerp over(now - 86400);
  over.position(over.future, -100, 70700);
  over.portfolio.cash = 0;
  Planned p = run(over, now);
  ASSERT_EQ(p.result->order_count, 1);
  EXPECT_EQ(p.result->orders[0].instrument, over.perp);
  EXPECT_EQ(p.result->orders[0].side, Side::sell);

  // Underweight with the expired short on: it is closed first, exactly, and the rest of
  // the long goes through the perpetual.
  FutureAndPerp under(now - 86400);
  under.position(under.future, -100, 70700);
  under.spot("BTC", 0.2, 70000);
  under.portfolio.cash = 80000;
  p = run(under, now);
  ASSERT_EQ(p.result->order_count, 2);
  EXPECT_EQ(p.result->orders[0].instrument, under.future);
  EXPECT_EQ(p.result->orders[0].side, Side::buy);
  EXPECT_EQ(p.result->orders[0].lots, 100);
  EXPECT_EQ(p.result->orders[1].instrument, under.perp);
  EXPECT_EQ(p.result->orders[1].side, Side::buy);
}

// Item 6: the spot method never sells more than is held.
TEST(OverlayTest, SpotMethodNeverSellsMoreThanHeld) {
  TestBook b;
  const InstrumentId sol = b.spot_pair("BTCUSDT", "BTC", Decimal{1, 3});
  b.target("BTC", 0.5, 0.05);
  b.spot("BTC", 1.0, 100000);
  // A long BTC perp nobody hedges with makes BTC's total exposure 250% of NAV: the spot
  // method wants 200,000 of BTC sold, and only 1.0 BTC is held.
  const InstrumentId perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3});
  b.market.mark[perp] = 100000;
  b.position(perp, 1500, 100000);  // +150,000 of BTC
  b.policy.method = HedgeMethod::spot;
  const Planned p = run(b);
  ASSERT_EQ(p.result->order_count, 1);
  const PlannedOrder& o = p.result->orders[0];
  EXPECT_EQ(o.instrument, sol);
  EXPECT_EQ(o.side, Side::sell);
  EXPECT_EQ(o.lots, 1000);  // all of the 1.0 BTC held, not the 2.0 wanted
  bool reported = false;
  for (std::size_t k = 0; k < p.result->skipped_count; ++k)
    reported |= p.result->skipped[k].reason == SkipReason::no_shorting;
  EXPECT_TRUE(reported);

  b.policy.allow_spot_short = true;
  EXPECT_EQ(run(b).result->orders[0].lots, 2000);
}

// Item 7: realised inverse P&L is coin. Closing 183 contracts of a 100 USD BTCUSD short
// entered at 60,000 at 50,000 earns 18,300 * (1/50,000 - 1/60,000) = 0.061 BTC.
TEST(OverlayTest, InversePnlIsRealisedInCoin) {
  TestBook b;
  const InstrumentId inv = b.inverse_perp("BTCUSD-PERP", "BTC", Decimal{100, 0});
  b.spot("BTC", 1.0, 50000);
  b.market.mark[inv] = 50000;
  b.position(inv, -183, 60000);
  b.portfolio.cash = 1000;
  apply_fill(b.universe, b.portfolio, inv, 183, 50000, 0.0);
  EXPECT_NEAR(b.portfolio.spot_qty[b.asset("BTC")], 1.061, 1e-12);
  EXPECT_DOUBLE_EQ(b.portfolio.cash, 1000.0);
  EXPECT_EQ(b.portfolio.positions[inv].lots, 0);
}

// The hand-worked vector of the issue as a plan: BTC 50% target, 1 BTC spot at 50,000,
// the short above (coin P&L 0.061 BTC = 3,050) and 46,950 cash: NAV 100,000. The plan
// keeps the part of the short that hedges the earned coin, and drift after is ~0.
TEST(OverlayTest, ClosingAnInverseHedgeLeavesNoDrift) {
  TestBook b;
  const InstrumentId inv = b.inverse_perp("BTCUSD-PERP", "BTC", Decimal{100, 0});
  b.target("BTC", 0.5, 0.05, {inv});
  b.spot("BTC", 1.0, 50000);
  b.market.mark[inv] = 50000;
  b.position(inv, -183, 60000);
  b.portfolio.cash = 46950;
  const Planned p = run(b);
  ASSERT_TRUE(p.result->trigger.fire);
  EXPECT_NEAR(p.valuation.nav, 100000.0, 1e-6);
  ASSERT_EQ(p.result->order_count, 1);
  EXPECT_EQ(p.result->orders[0].side, Side::buy);
  EXPECT_NEAR(p.result->assets[b.asset("BTC")].drift_after, 0.0, 0.001);
  TestBook after = b;
  fill(after, *p.result);
  Valuation v;
  value_portfolio(after.universe, after.targets, after.portfolio, after.market, v);
  EXPECT_NEAR(v.drift[b.asset("BTC")], 0.0, 0.001);
}

// Item 7, bump: closing at the mark with no fee changes no NAV, and moves the asset's
// exposure by exactly the position's notional (what earned coin there was stays),
// linear or inverse, long or short, at a profit or a loss, in one fill or two.
TEST(OverlayTest, ClosingAtTheMarkMovesNoValue) {
  for (const bool inverse : {false, true})
    for (const std::int64_t lots : {-183, 250})
      for (const double entry : {40000.0, 60000.0}) {
        TestBook b;
        const InstrumentId i = inverse ? b.inverse_perp("X", "BTC", Decimal{100, 0})
                                       : b.linear_perp("X", "BTC", Decimal{1, 3});
        b.target("BTC", 0.5, 0.05, {i});
        b.spot("BTC", 0.7, 50000);
        b.portfolio.cash = 20000;
        b.market.mark[i] = 50000;
        b.position(i, lots, entry);
        const InstrumentSpec& spec = b.universe.instruments[i];
        const double notional =
            spec.notional(position_contracts(spec, b.portfolio.positions[i]), 50000);
        Valuation before;
        value_portfolio(b.universe, b.targets, b.portfolio, b.market, before);
        apply_fill(b.universe, b.portfolio, i, -lots / 3, 50000, 0.0);
        apply_fill(b.universe, b.portfolio, i, -(lots - lots / 3), 50000, 0.0);
        ASSERT_EQ(b.portfolio.positions[i].lots, 0);
        Valuation after;
        value_portfolio(b.universe, b.targets, b.portfolio, b.market, after);
        EXPECT_NEAR(after.nav, before.nav, 1e-6) << inverse << " " << lots << " " << entry;
        EXPECT_NEAR(after.exposure[b.asset("BTC")], before.exposure[b.asset("BTC")] - notional,
                    1e-6)
            << inverse << " " << lots << " " << entry;
      }
}

// Item 8: a lot count that does not fit is an error on the order, never a saturated size.
TEST(OverlayTest, LotCountThatDoesNotFitIsReportedNotSaturated) {
  TestBook b;
  const InstrumentId perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3});
  b.target("BTC", 0.5, 0.05, {perp});
  b.spot("BTC", 1e15, 70000);
  b.market.mark[perp] = 70000;
  const Planned p = run(b);
  EXPECT_TRUE(p.result->size_overflow);
  EXPECT_EQ(p.result->order_count, 0);
  ASSERT_GE(p.result->skipped_count, 1);
  EXPECT_EQ(p.result->skipped[0].reason, SkipReason::size_overflow);
}

// Item 9: NAV <= 0 is an error state, not a book to rebalance.
TEST(OverlayTest, NavNotPositivePlansNothingAndSaysSo) {
  TwoAssets b(43000, 25000, -1'018'000);  // NAV -950,000
  const Planned p = run(b);
  EXPECT_LT(p.valuation.nav, 0.0);
  EXPECT_TRUE(p.result->nav_nonpositive);
  EXPECT_FALSE(p.result->trigger.fire);
  EXPECT_EQ(p.result->order_count, 0);
}

// The benefit gate: a trade that removes less tracking error than it costs is skipped.
TEST(OverlayTest, TradeWorthLessThanItsCostIsSkipped) {
  TwoAssets b(46000, 34000, 20000);         // BTC +6%, ETH -6%
  b.policy.tracking_error_aversion = 1e-4;  // tracking error is nearly worthless
  const Planned p = run(b);
  ASSERT_TRUE(p.result->trigger.fire);
  EXPECT_EQ(p.result->order_count, 0);
  ASSERT_GE(p.result->skipped_count, 1);
  EXPECT_EQ(p.result->skipped[0].reason, SkipReason::not_worth_cost);
  b.policy.tracking_error_aversion = 1.0;
  EXPECT_EQ(run(b).result->order_count, 2);
}

// The no-trade region: a gap smaller than rebalance_tolerance x band is left alone.
TEST(OverlayTest, GapInsideTheToleranceIsLeftAlone) {
  TwoAssets b(46000, 40300, 13700);  // BTC +6% triggers; ETH +0.3% < 0.1 x 5%
  const Planned p = run(b);
  ASSERT_EQ(p.result->order_count, 1);
  EXPECT_EQ(p.result->orders[0].instrument, b.btc);
  bool eth_skipped = false;
  for (std::size_t k = 0; k < p.result->skipped_count; ++k)
    eth_skipped |= p.result->skipped[k].asset == b.asset("ETH") &&
                   p.result->skipped[k].reason == SkipReason::within_tolerance;
  EXPECT_TRUE(eth_skipped);
}

}  // namespace
}  // namespace ballast::overlay_test
