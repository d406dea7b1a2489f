#include "ballast/core/trigger.hpp"

#include <gtest/gtest.h>

#include "test_model.hpp"

namespace ballast::trigger_test {
namespace {

using testing::TestBook;

// A BTC/cash book where BTC's weight is exactly `weight` of a 10,000 NAV.
Valuation valued(TestBook& b, double btc_weight) {
  b.spot("BTC", btc_weight * 10000.0 / 100.0, 100.0);
  b.portfolio.cash = 10000.0 - btc_weight * 10000.0;
  Valuation v;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, v);
  return v;
}

TEST(TriggerTest, InsideBandDoesNotFire) {
  TestBook b;
  b.target("BTC", 0.5, 0.05);
  const auto d = evaluate_trigger(b.policy, b.targets, valued(b, 0.53), 0, std::nullopt);
  EXPECT_FALSE(d.fire);
  EXPECT_EQ(d.reason, TriggerReason::none);
}

TEST(TriggerTest, ExactlyOnBandDoesNotFire) {
  TestBook b;
  b.target("BTC", 0.5, 0.05);
  const Valuation v = valued(b, 0.55);
  ASSERT_GT(v.drift[b.asset("BTC")], 0.05);  // binary noise puts it a hair over
  EXPECT_FALSE(evaluate_trigger(b.policy, b.targets, v, 0, std::nullopt).fire);
  EXPECT_FALSE(evaluate_trigger(b.policy, b.targets, valued(b, 0.45), 0, std::nullopt).fire);
}

TEST(TriggerTest, JustOutsideBandFires) {
  TestBook b;
  b.target("BTC", 0.5, 0.05);
  const auto d = evaluate_trigger(b.policy, b.targets, valued(b, 0.5501), 0, std::nullopt);
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(d.reason, TriggerReason::threshold);
  EXPECT_EQ(d.worst_asset, b.asset("BTC"));
  EXPECT_TRUE(d.breached[b.asset("BTC")]);
  EXPECT_TRUE(evaluate_trigger(b.policy, b.targets, valued(b, 0.4499), 0, std::nullopt).fire);
}

TEST(TriggerTest, RelativeBandFiresInsideTheAbsoluteBand) {
  TestBook b;
  b.target("BTC", 0.2, 0.10);
  b.targets[b.asset("BTC")].rel_band = 0.25;  // 25% of 20% = 5 points
  EXPECT_FALSE(evaluate_trigger(b.policy, b.targets, valued(b, 0.25), 0, std::nullopt).fire);
  const auto d = evaluate_trigger(b.policy, b.targets, valued(b, 0.26), 0, std::nullopt);
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(d.reason, TriggerReason::relative_band);
}

TEST(TriggerTest, CalendarFiresWhenIntervalElapsedAndDriftNonZero) {
  TestBook b;
  b.target("BTC", 0.5, 0.05);
  b.policy.trigger = TriggerMode::calendar;
  b.policy.calendar_interval_s = 86400;
  const Valuation small = valued(b, 0.51);
  EXPECT_FALSE(evaluate_trigger(b.policy, b.targets, small, 1000 + 86399, 1000).fire);
  const auto d = evaluate_trigger(b.policy, b.targets, small, 1000 + 86400, 1000);
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(d.reason, TriggerReason::calendar);
  EXPECT_TRUE(evaluate_trigger(b.policy, b.targets, small, 5, std::nullopt).fire);
  // On target: nothing to do even when due.
  EXPECT_FALSE(evaluate_trigger(b.policy, b.targets, valued(b, 0.5), 1000 + 86400, 1000).fire);
  // Calendar mode ignores a band breach before the interval.
  EXPECT_FALSE(evaluate_trigger(b.policy, b.targets, valued(b, 0.7), 1001, 1000).fire);
}

TEST(TriggerTest, BothFiresOnEither) {
  TestBook b;
  b.target("BTC", 0.5, 0.05);
  b.policy.trigger = TriggerMode::both;
  b.policy.calendar_interval_s = 86400;
  EXPECT_TRUE(evaluate_trigger(b.policy, b.targets, valued(b, 0.7), 1001, 1000).fire);
  const auto d = evaluate_trigger(b.policy, b.targets, valued(b, 0.51), 1000 + 86400, 1000);
  EXPECT_TRUE(d.fire);
  EXPECT_EQ(d.reason, TriggerReason::calendar);
  EXPECT_FALSE(evaluate_trigger(b.policy, b.targets, valued(b, 0.51), 1001, 1000).fire);
}

TEST(TriggerTest, NamesTheAssetFurthestBeyondItsBand) {
  TestBook b;
  b.target("BTC", 0.4, 0.05);
  b.target("SOL", 0.2, 0.10);
  b.spot("BTC", 1.0, 3000);  // 30%: 5 points beyond a 5-point band
  b.spot("SOL", 1.0, 5000);  // 50%: 20 points beyond a 10-point band
  b.portfolio.cash = 2000;
  Valuation v;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, v);
  const auto d = evaluate_trigger(b.policy, b.targets, v, 0, std::nullopt);
  ASSERT_TRUE(d.fire);
  EXPECT_EQ(d.worst_asset, b.asset("SOL"));
  EXPECT_TRUE(d.breached[b.asset("BTC")]);
}

TEST(TriggerTest, OutsideBandHelpersHonourTolerance) {
  EXPECT_FALSE(outside_band(0.05, 0.05));
  EXPECT_FALSE(outside_band(0.05 + 0.5e-9, 0.05));
  EXPECT_TRUE(outside_band(0.05 + 2e-9, 0.05));
  EXPECT_TRUE(outside_band(-0.0500001, 0.05));
  EXPECT_FALSE(outside_band(0.9, 0.0));  // no band configured: never
}

}  // namespace
}  // namespace ballast::trigger_test
