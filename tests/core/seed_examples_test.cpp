// The worked examples of DOMAIN.md (from the seed articles), each loaded from its file
// in config/examples/ and planned; the assertions are the seeds' own numbers, and the
// verdicts of pre-trade risk on them as `ballast plan` prints them: a worked example
// whose orders are refused does not work.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ballast/core/config.hpp"
#include "ballast/core/planner.hpp"
#include "ballast/plan_report.hpp"

namespace ballast::seed_examples_test {
namespace {

constexpr std::int64_t kPlanTime = 1'796'000'000;  // 2026-11-29: a fixed --now

struct SeedPlan {
  BallastConfig config;
  Valuation valuation;
  std::unique_ptr<PlanResult> plan = std::make_unique<PlanResult>();
  // The same book through `plan`'s pipeline: planner, then pre-trade risk.
  std::unique_ptr<tools::PlanReport> report = std::make_unique<tools::PlanReport>();

  // Every planned order accepted by risk (none refused, none shrunk).
  testing::AssertionResult all_accepted() const {
    if (report->plan.order_count == 0) return testing::AssertionFailure() << "no orders";
    for (std::size_t k = 0; k < report->plan.order_count; ++k) {
      const tools::OrderRisk& r = report->order_risk[k];
      if (!r.verdict.accepted() || r.shrunk || r.not_worth_cost)
        return testing::AssertionFailure()
               << config.universe.instruments[report->plan.orders[k].instrument].symbol << ": "
               << risk::describe(r.verdict, config.universe);
    }
    return testing::AssertionSuccess();
  }

  AssetId asset(const char* name) const { return config.universe.find_asset(name); }
  const PlannedOrder* order_for(const char* symbol) const {
    const InstrumentId i = config.universe.find_instrument(symbol);
    for (std::size_t k = 0; k < plan->order_count; ++k)
      if (plan->orders[k].instrument == i) return &plan->orders[k];
    return nullptr;
  }
  std::string contracts(const PlannedOrder& o) const {
    return multiply_steps(o.lots, config.universe.instruments[o.instrument].lot_size)->to_string();
  }
};

SeedPlan plan_example(const std::string& name) {
  SeedPlan s;
  const auto r = load_domain_config(std::string(BALLAST_SOURCE_DIR) + "/config/examples/" + name);
  if (!r.ok()) {
    for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
    return s;
  }
  s.config = *r.config;
  EXPECT_TRUE(validate_for_planning(s.config).empty());
  value_portfolio(s.config.universe, s.config.targets, s.config.portfolio, s.config.market,
                  s.valuation);
  const auto trigger = evaluate_trigger(s.config.policy, s.config.targets, s.valuation, 0,
                                        s.config.last_rebalance_unix_s);
  const PlanContext ctx{s.config.universe,  s.config.targets, s.config.policy,
                        s.config.portfolio, s.config.market,  0};
  HedgePlanner::plan(ctx, s.valuation, trigger, *s.plan);
  tools::compute_plan(s.config, kPlanTime, risk::TradingState::active, *s.report);
  return s;
}

// Seed 000: NAV 100,000; BTC 65,000, ETH 35,000; 50/50: BTC -15,000, ETH +15,000; at
// BTC 70,000 and 1 BTC per contract, short 0.2142857 contracts; 10x needs 1,500 margin.
TEST(SeedExamplesTest, Seed000HedgeOverweightBtc) {
  const SeedPlan s = plan_example("seed000_hedge.toml");
  ASSERT_TRUE(s.plan->trigger.fire);
  EXPECT_NEAR(s.valuation.nav, 100000.0, 1e-6);
  EXPECT_NEAR(s.valuation.exposure[s.asset("BTC")], 65000.0, 1e-6);
  EXPECT_NEAR(s.plan->assets[s.asset("BTC")].adjust_notional, -15000.0, 1e-6);
  EXPECT_NEAR(s.plan->assets[s.asset("ETH")].adjust_notional, 15000.0, 1e-6);
  const PlannedOrder* btc = s.order_for("BTCUSDT-PERP");
  ASSERT_NE(btc, nullptr);
  EXPECT_EQ(btc->side, Side::sell);
  EXPECT_EQ(s.contracts(*btc), "0.2142857");
  const InstrumentSpec& perp = s.config.universe.instruments[btc->instrument];
  EXPECT_NEAR(perp.initial_margin(btc->notional), 1500.0, 0.01);
  const PlannedOrder* eth = s.order_for("ETHUSDT-PERP");
  ASSERT_NE(eth, nullptr);
  EXPECT_EQ(eth->side, Side::buy);
  EXPECT_EQ(s.contracts(*eth), "4.2857");  // 15,000 / 3,500 toward zero to 0.0001
  EXPECT_TRUE(s.all_accepted());
  EXPECT_NEAR(s.report->plan.max_abs_drift_after, 0.0, 5e-4);
  EXPECT_NEAR(s.report->risk_after.initial_margin, 3000.0, 0.1);  // 1,500 a leg at 10x
}

// Seed 000 with no margin at all: both hedges refused, by the margin rule, by name.
TEST(SeedExamplesTest, Seed000WithoutMarginIsRefusedForInitialMargin) {
  const SeedPlan s = plan_example("seed000_no_margin.toml");
  ASSERT_EQ(s.report->plan.order_count, 2);
  for (std::size_t k = 0; k < 2; ++k) {
    const risk::RiskVerdict& v = s.report->order_risk[k].verdict;
    EXPECT_EQ(v.check, risk::RiskCheck::initial_margin);
    EXPECT_NEAR(v.value, 1500.0, 0.1);
    EXPECT_NE(risk::describe(v, s.config.universe).find("initial margin 1,500.00 > available"),
              std::string::npos);
  }
  EXPECT_NEAR(s.report->plan.max_abs_drift_after, 0.15, 1e-9);
}

// Seed 001: 100,000 at 85% crypto / 15% stablecoin, target 75/25: short 10,000 of BTC
// perpetual notional; at 2x, 5,000 of margin.
TEST(SeedExamplesTest, Seed001StablecoinTargetShortsTenThousand) {
  const SeedPlan s = plan_example("seed001_stablecoin_hedge.toml");
  ASSERT_TRUE(s.plan->trigger.fire);
  EXPECT_NEAR(s.valuation.weight[s.asset("BTC")], 0.85, 1e-12);
  EXPECT_NEAR(s.valuation.weight[s.asset("USDT")], 0.15, 1e-12);
  EXPECT_NEAR(s.plan->assets[s.asset("BTC")].adjust_notional, -10000.0, 1e-6);
  ASSERT_EQ(s.plan->order_count, 1);
  const PlannedOrder& o = s.plan->orders[0];
  EXPECT_EQ(o.side, Side::sell);
  EXPECT_DOUBLE_EQ(o.notional, 10000.0);
  EXPECT_EQ(s.contracts(o), "125");
  EXPECT_DOUBLE_EQ(s.config.universe.instruments[o.instrument].initial_margin(o.notional), 5000.0);
  EXPECT_NEAR(s.plan->assets[s.asset("USDT")].weight_after, 0.25, 1e-3);
  EXPECT_TRUE(s.all_accepted());
  EXPECT_NEAR(s.report->plan.max_abs_drift_after, 0.0, 1e-3);
}

// Seed 002: BTC 6,000 (60%), ETH 4,000 (40%), 50/50: short 1,000 BTC, long 1,000 ETH.
TEST(SeedExamplesTest, Seed002SyntheticPairIsDeltaNeutral) {
  const SeedPlan s = plan_example("seed002_synthetic_pair.toml");
  ASSERT_TRUE(s.plan->trigger.fire);
  const PlannedOrder* btc = s.order_for("BTCUSDT-PERP");
  const PlannedOrder* eth = s.order_for("ETHUSDT-PERP");
  ASSERT_NE(btc, nullptr);
  ASSERT_NE(eth, nullptr);
  EXPECT_EQ(btc->side, Side::sell);
  EXPECT_NEAR(btc->notional, 1000.0, 1e-9);
  EXPECT_EQ(eth->side, Side::buy);
  EXPECT_NEAR(eth->notional, 1000.0, 1e-9);
  EXPECT_NEAR(s.plan->assets[s.asset("BTC")].drift_after, 0.0, 1e-3);
  EXPECT_NEAR(s.plan->assets[s.asset("ETH")].drift_after, 0.0, 1e-3);
  EXPECT_TRUE(s.all_accepted());
  EXPECT_NEAR(s.report->plan.max_abs_drift_after, 0.0, 1e-3);
}

// Seed 003 bands: BTC 50 +-5, ETH 30 +-5, Alt 20 +-10. 55/25/20: no action.
TEST(SeedExamplesTest, Seed003OnTheBandTakesNoAction) {
  const SeedPlan s = plan_example("seed003_bands_hold.toml");
  EXPECT_NEAR(s.valuation.weight[s.asset("BTC")], 0.55, 1e-12);
  EXPECT_NEAR(s.valuation.weight[s.asset("ETH")], 0.25, 1e-12);
  EXPECT_FALSE(s.plan->trigger.fire);
  EXPECT_FALSE(s.plan->acted);
  EXPECT_EQ(s.plan->order_count, 0);
  EXPECT_EQ(s.report->plan.order_count, 0);
}

// 40/20/40: the Alt triggers.
TEST(SeedExamplesTest, Seed003AltOutsideItsBandTriggers) {
  const SeedPlan s = plan_example("seed003_bands_alt.toml");
  ASSERT_TRUE(s.plan->trigger.fire);
  EXPECT_TRUE(s.plan->trigger.breached[s.asset("SOL")]);
  EXPECT_NEAR(s.valuation.drift[s.asset("SOL")], 0.20, 1e-12);
  const PlannedOrder* sol = s.order_for("SOLUSDT-PERP");
  ASSERT_NE(sol, nullptr);
  EXPECT_EQ(sol->side, Side::sell);
  EXPECT_NEAR(sol->notional, 2000.0, 1e-6);  // 40% -> 20% of 10,000
  EXPECT_TRUE(s.all_accepted());
  EXPECT_NEAR(s.report->plan.max_abs_drift_after, 0.0, 1e-3);
}

// Seed 003 trim: BTC 5,000, ETH 3,000, SOL 4,000 (41.7/25.0/33.3%); SOL target 20% of
// 12,000 = 2,400: sell 1,600 SOL (and the proceeds buy 1,000 BTC and 600 ETH).
TEST(SeedExamplesTest, Seed003TrimSellsSixteenHundredOfSol) {
  const SeedPlan s = plan_example("seed003_trim_spot.toml");
  ASSERT_TRUE(s.plan->trigger.fire);
  EXPECT_NEAR(s.valuation.weight[s.asset("BTC")], 5000.0 / 12000.0, 1e-12);
  EXPECT_NEAR(s.valuation.weight[s.asset("SOL")], 4000.0 / 12000.0, 1e-12);
  const PlannedOrder* sol = s.order_for("SOLUSDT");
  ASSERT_NE(sol, nullptr);
  EXPECT_EQ(sol->side, Side::sell);
  EXPECT_NEAR(sol->notional, 1600.0, 1e-9);
  EXPECT_EQ(s.contracts(*sol), "16");
  const PlannedOrder* btc = s.order_for("BTCUSDT");
  const PlannedOrder* eth = s.order_for("ETHUSDT");
  ASSERT_NE(btc, nullptr);
  ASSERT_NE(eth, nullptr);
  EXPECT_NEAR(btc->notional, 1000.0, 1e-9);
  EXPECT_NEAR(eth->notional, 600.0, 1e-9);
  EXPECT_TRUE(s.all_accepted());
  EXPECT_NEAR(s.report->plan.max_abs_drift_after, 0.0, 1e-3);
}

}  // namespace
}  // namespace ballast::seed_examples_test
