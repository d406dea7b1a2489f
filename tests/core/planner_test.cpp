#include "ballast/core/planner.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "test_model.hpp"

namespace ballast::planner_test {
namespace {

using testing::TestBook;

struct Planned {
  Valuation valuation;
  std::unique_ptr<PlanResult> result = std::make_unique<PlanResult>();
};

Planned run(const TestBook& b, std::int64_t now_s = 0) {
  Planned p;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, p.valuation);
  const auto trigger = evaluate_trigger(b.policy, b.targets, p.valuation, now_s, std::nullopt);
  HedgePlanner::plan(b.context(now_s), p.valuation, trigger, *p.result);
  return p;
}

// BTC 70% / cash 30% of 100,000 against a 50% target, hedged with a 0.001 BTC perp.
struct OverweightBtc : TestBook {
  InstrumentId perp;
  OverweightBtc() {
    perp = linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3}, Decimal{1, 0}, 5.0);
    target("BTC", 0.5, 0.05, {perp});
    spot("BTC", 1.0, 70000);
    portfolio.cash = 30000;
    market.mark[perp] = 70000;
  }
};

TEST(HedgePlannerTest, ShortsTheOverweightAssetInWholeLots) {
  OverweightBtc b;
  const Planned p = run(b);
  const PlanResult& r = *p.result;
  ASSERT_TRUE(r.trigger.fire);
  ASSERT_EQ(r.order_count, 1);
  const PlannedOrder& o = r.orders[0];
  EXPECT_EQ(o.instrument, b.perp);
  EXPECT_EQ(o.side, Side::sell);
  // 20,000 / (70,000 * 0.001) = 285.714 contracts -> 285 toward zero.
  EXPECT_EQ(o.lots, 285);
  EXPECT_NEAR(o.raw_contracts, -285.7142857142857, 1e-9);
  EXPECT_NEAR(o.rounding_residual, -0.7142857142857, 1e-9);
  EXPECT_DOUBLE_EQ(o.notional, 19950.0);
  EXPECT_NEAR(o.qty_base, 0.285, 1e-12);
  EXPECT_DOUBLE_EQ(r.assets[b.asset("BTC")].adjust_notional, -20000.0);
  // Residual drift: 50 USD left by rounding, and NAV lower by the 11.97 estimated cost:
  // 50,050 / 99,988.03 - 0.5.
  EXPECT_NEAR(r.assets[b.asset("BTC")].drift_after, 50050.0 / (100000.0 - 19950.0 * 6e-4) - 0.5,
              1e-9);
}

TEST(HedgePlannerTest, CostIsTakerFeePlusHalfSpreadWithoutABook) {
  OverweightBtc b;
  b.policy.default_spread_bps = 2.0;
  const Planned p = run(b);
  const PlannedOrder& o = p.result->orders[0];
  EXPECT_NEAR(o.cost.fee, 19950.0 * 5e-4, 1e-9);
  EXPECT_NEAR(o.cost.slippage, 19950.0 * 1e-4, 1e-9);
  EXPECT_NEAR(o.cost_bps, 6.0, 1e-9);
  // Sell limit at mark - 1 bp = 69,993.0, on the 0.1 tick.
  EXPECT_EQ(o.limit_ticks, 699930);
}

TEST(HedgePlannerTest, SlippageWalksTheBook) {
  OverweightBtc b;
  BookSnapshot& book = b.market.books[b.perp];
  book.bids[0] = {69999.0, 100};
  book.bids[1] = {69990.0, 100};
  book.bids[2] = {69900.0, 1000};
  book.bid_count = 3;
  book.asks[0] = {70001.0, 100};
  book.ask_count = 1;
  const Planned p = run(b);
  const PlannedOrder& o = p.result->orders[0];
  // 285 contracts: 100 @ 69,999, 100 @ 69,990, 85 @ 69,900; mid 70,000.
  const double avg = (100 * 69999.0 + 100 * 69990.0 + 85 * 69900.0) / 285.0;
  EXPECT_TRUE(o.cost.used_book);
  EXPECT_NEAR(o.cost.avg_price, avg, 1e-9);
  EXPECT_NEAR(o.cost.slippage, 19950.0 * (70000.0 - avg) / 70000.0, 1e-6);
  EXPECT_EQ(o.limit_ticks, 699000);  // the worst level touched
}

TEST(HedgePlannerTest, BookTooThinTakesWhatIsVisibleAndReportsTheRest) {
  OverweightBtc b;
  BookSnapshot& book = b.market.books[b.perp];
  book.bids[0] = {69999.0, 10};
  book.bid_count = 1;
  const Planned p = run(b);
  ASSERT_EQ(p.result->order_count, 1);
  EXPECT_EQ(p.result->orders[0].lots, 10);  // all the book shows, not the 285 wanted
  EXPECT_FALSE(p.result->orders[0].cost.book_exhausted);
  ASSERT_EQ(p.result->skipped_count, 1);
  EXPECT_EQ(p.result->skipped[0].reason, SkipReason::insufficient_depth);
  EXPECT_DOUBLE_EQ(p.result->skipped[0].value, 285.0);  // asked
  EXPECT_DOUBLE_EQ(p.result->skipped[0].limit, 10.0);   // visible

  book.bid_count = 0;  // an empty side: the spread estimate, no depth limit
  book.ask_count = 1;
  book.asks[0] = {70001.0, 1};
  EXPECT_EQ(run(b).result->orders[0].lots, 285);
}

TEST(HedgePlannerTest, CostAboveMaxIsDroppedWithTheReason) {
  OverweightBtc b;
  b.policy.max_cost_bps = 5.0;  // fee alone is 5 bps, plus 1 bp of spread
  const Planned p = run(b);
  EXPECT_EQ(p.result->order_count, 0);
  ASSERT_EQ(p.result->skipped_count, 1);
  const SkippedAdjustment& s = p.result->skipped[0];
  EXPECT_EQ(s.reason, SkipReason::cost_above_max);
  EXPECT_NEAR(s.value, 6.0, 1e-9);
  EXPECT_EQ(s.limit, 5.0);
}

TEST(HedgePlannerTest, BelowMinOrderNotionalIsLeftWhereItIs) {
  OverweightBtc b;
  b.policy.min_order_notional = 25000;
  const Planned p = run(b);
  EXPECT_EQ(p.result->order_count, 0);
  ASSERT_EQ(p.result->skipped_count, 1);
  EXPECT_EQ(p.result->skipped[0].reason, SkipReason::below_min_order_notional);
}

TEST(HedgePlannerTest, InstrumentMinNotionalAndLessThanALotAreReported) {
  OverweightBtc b;
  b.universe.instruments[b.perp].min_notional = 50000;
  Planned p = run(b);
  ASSERT_EQ(p.result->skipped_count, 1);
  EXPECT_EQ(p.result->skipped[0].reason, SkipReason::below_min_notional);

  OverweightBtc c;
  c.universe.instruments[c.perp].lot_size = Decimal{1000, 0};  // 70,000 per lot
  c.universe.instruments[c.perp].derive();
  p = run(c);
  // 20,000 is less than one lot: inside the no-trade region, which is at least a lot
  // wide (whole lots cannot land closer).
  ASSERT_EQ(p.result->skipped_count, 1);
  EXPECT_EQ(p.result->skipped[0].reason, SkipReason::within_tolerance);
  EXPECT_NEAR(p.result->skipped[0].limit, 0.1 * 0.05 * 100000 + 70000, 1e-6);
}

TEST(HedgePlannerTest, ExistingPositionIsCountedSoOnlyTheDifferenceTrades) {
  OverweightBtc b;
  b.position(b.perp, -200, 70000);  // already short 14,000: BTC at 56%, still outside
  const Planned p = run(b);
  ASSERT_EQ(p.result->order_count, 1);
  EXPECT_EQ(p.result->orders[0].side, Side::sell);
  EXPECT_EQ(p.result->orders[0].lots, 85);  // 6,000 more: 85.71 -> 85
}

TEST(HedgePlannerTest, OverHedgeIsReducedWhenDriftTurns) {
  OverweightBtc b;
  b.position(b.perp, -400, 70000);  // short 28,000: BTC effectively 42%, below band
  const Planned p = run(b);
  ASSERT_EQ(p.result->order_count, 1);
  EXPECT_EQ(p.result->orders[0].side, Side::buy);
  EXPECT_EQ(p.result->orders[0].lots, 114);  // buy back 8,000: 114.28 -> 114
}

TEST(HedgePlannerTest, HedgeIsNotUnwoundBetweenTriggers) {
  // BTC fell back: spot alone is 52% (inside 50 +-5), a 3% short is still on, total 49%.
  // No trigger, no order: the band is the hysteresis (there is no second unwind rule).
  OverweightBtc b;
  b.spot("BTC", 1.0, 52000);
  b.portfolio.cash = 48000;
  b.market.mark[b.perp] = 52000;
  b.position(b.perp, -57, 52500);
  const Planned p = run(b);
  EXPECT_FALSE(p.result->trigger.fire);
  EXPECT_FALSE(p.result->acted);
  EXPECT_EQ(p.result->order_count, 0);
}

TEST(HedgePlannerTest, HedgeIsUnwoundByTheSameRuleWhenATriggerFires) {
  // Seed 000 step 5: BTC back at 50% spot with a 15,000 short is a -15% total drift; it
  // fires and F* = h (T - S) = 0 closes the short exactly (no rounding).
  OverweightBtc b;
  b.spot("BTC", 1.0, 50000);
  b.portfolio.cash = 50000;
  b.market.mark[b.perp] = 50000;
  b.position(b.perp, -300, 50000);
  const Planned p = run(b);
  ASSERT_TRUE(p.result->trigger.fire);
  ASSERT_EQ(p.result->order_count, 1);
  const PlannedOrder& o = p.result->orders[0];
  EXPECT_EQ(o.reason, OrderReason::unwind);
  EXPECT_EQ(o.side, Side::buy);
  EXPECT_EQ(o.lots, 300);
  EXPECT_EQ(o.rounding_residual, 0.0);
  EXPECT_TRUE(p.result->assets[b.asset("BTC")].unwinding);
  EXPECT_DOUBLE_EQ(p.result->assets[b.asset("BTC")].wanted_futures, 0.0);
}

TEST(HedgePlannerTest, HedgeRatioScalesTheAdjustment) {
  OverweightBtc b;
  b.policy.hedge_ratio = 0.5;
  const Planned p = run(b);
  EXPECT_DOUBLE_EQ(p.result->assets[b.asset("BTC")].adjust_notional, -10000.0);
  EXPECT_EQ(p.result->orders[0].lots, 142);
}

TEST(HedgePlannerTest, BandEdgeStopsAtTheEdge) {
  OverweightBtc b;
  b.policy.rebalance_to = RebalanceTo::band_edge;
  const Planned p = run(b);
  // 70% -> 55%: 15,000 short = 214.28 -> 214 contracts.
  EXPECT_DOUBLE_EQ(p.result->assets[b.asset("BTC")].adjust_notional, -15000.0);
  EXPECT_EQ(p.result->orders[0].lots, 214);
}

TEST(HedgePlannerTest, ChoosesTheHedgeWithCheapestCarry) {
  TestBook b;
  const InstrumentId perp = b.linear_perp("BTC-PERP", "BTC", Decimal{1, 3});
  InstrumentSpec fut = b.universe.instruments[perp];
  fut.symbol = "BTC-FUT";
  fut.kind = InstrumentKind::future;
  fut.expiry_unix_s = 30 * 86400;
  const InstrumentId future = b.add(fut);
  b.target("BTC", 0.5, 0.05, {perp, future});
  b.spot("BTC", 1.0, 70000);
  b.portfolio.cash = 30000;
  b.market.mark[perp] = 70000;
  b.market.mark[future] = 70700;  // +1% premium: a short future earns it
  b.policy.carry_horizon_s = 7 * 86400;
  b.market.funding_rate[perp] = -0.0001;  // shorts pay funding: the perp costs carry
  Planned p = run(b);
  ASSERT_EQ(p.result->order_count, 1);
  EXPECT_EQ(p.result->orders[0].instrument, future);

  b.market.funding_rate[perp] = 0.001;  // shorts earn 0.1% per 8h: perp is cheaper now
  p = run(b);
  EXPECT_EQ(p.result->orders[0].instrument, perp);

  b.market.funding_rate[perp] = -0.0001;
  b.position(future, 0, 0);
  b.position(perp, -10, 70000);  // already hedged in the perp: keep using it
  p = run(b);
  EXPECT_EQ(p.result->orders[0].instrument, perp);
}

TEST(HedgePlannerTest, SyntheticPairTradesEqualNotionalBothWays) {
  TestBook b;
  const InstrumentId bp = b.linear_perp("BTC-PERP", "BTC", Decimal{1, 3});
  const InstrumentId ep = b.linear_perp("ETH-PERP", "ETH", Decimal{1, 2});
  const InstrumentId sp = b.linear_perp("SOL-PERP", "SOL", Decimal{1, 0});
  b.target("BTC", 0.4, 0.05, {bp});
  b.target("ETH", 0.3, 0.05, {ep});
  b.target("SOL", 0.2, 0.05, {sp});
  b.spot("BTC", 1.0, 50000);  // 50%: +10 points
  b.spot("ETH", 10.0, 2500);  // 25%: -5
  b.spot("SOL", 120.0, 125);  // 15%: -5
  b.portfolio.cash = 10000;   // 10% = target remainder
  b.market.mark[bp] = 50000;
  b.market.mark[ep] = 2500;
  b.market.mark[sp] = 125;
  b.policy.method = HedgeMethod::synthetic_pair;
  const Planned p = run(b);
  const PlanResult& r = *p.result;
  ASSERT_EQ(r.order_count, 3);
  double longs = 0, shorts = 0;
  for (std::size_t k = 0; k < r.order_count; ++k)
    (r.orders[k].side == Side::buy ? longs : shorts) += r.orders[k].notional;
  EXPECT_DOUBLE_EQ(shorts, 10000.0);
  EXPECT_DOUBLE_EQ(longs, 10000.0);
}

TEST(HedgePlannerTest, SyntheticPairWithNoOppositeLegReportsIt) {
  OverweightBtc b;  // only BTC vs cash: nothing to pair the short with
  b.policy.method = HedgeMethod::synthetic_pair;
  const Planned p = run(b);
  EXPECT_EQ(p.result->order_count, 0);
  ASSERT_EQ(p.result->skipped_count, 1);
  EXPECT_EQ(p.result->skipped[0].reason, SkipReason::no_counterparty_leg);
}

TEST(HedgePlannerTest, SpotMethodTradesTheSpotPair) {
  TestBook b;
  const InstrumentId sol = b.spot_pair("SOLUSDT", "SOL", Decimal{1, 3});
  b.target("SOL", 0.2, 0.1);
  b.spot("SOL", 40.0, 100);  // 4,000 of 10,000
  b.portfolio.cash = 6000;
  b.policy.method = HedgeMethod::spot;
  const Planned p = run(b);
  ASSERT_EQ(p.result->order_count, 1);
  EXPECT_EQ(p.result->orders[0].instrument, sol);
  EXPECT_EQ(p.result->orders[0].side, Side::sell);
  EXPECT_EQ(p.result->orders[0].lots, 20000);  // 20 SOL = 2,000
  EXPECT_NEAR(p.result->assets[b.asset("SOL")].drift_after, 0.0, 1e-3);
}

TEST(HedgePlannerTest, NothingHappensInsideTheBand) {
  OverweightBtc b;
  b.spot("BTC", 1.0, 30000 * 1.1);  // 33,000 / 63,000 = 52.4%
  b.market.mark[b.perp] = 33000;
  const Planned p = run(b);
  EXPECT_FALSE(p.result->acted);
  EXPECT_EQ(p.result->order_count, 0);
  EXPECT_EQ(p.result->skipped_count, 0);
  EXPECT_EQ(p.result->assets[b.asset("BTC")].adjust_notional, 0.0);
}

}  // namespace
}  // namespace ballast::planner_test
