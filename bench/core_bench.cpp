// Micro-benchmarks of the planning path on the demo portfolio: full valuation (the
// oracle the per-tick update is checked against), trigger evaluation, the planner, and
// lot rounding. Numbers are for regressions, not for the tick-to-order claim (bench/
// harness in the pipeline issue measures that end to end).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "ballast/core/config.hpp"
#include "ballast/core/planner.hpp"

namespace {

const ballast::BallastConfig& demo_config() {
  static const ballast::BallastConfig config = [] {
    auto r = ballast::load_domain_config(BALLAST_SOURCE_DIR "/config/demo.toml");
    if (!r.ok()) {
      for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
      std::abort();
    }
    return *r.config;
  }();
  return config;
}

void BM_Valuation_FullRecompute(benchmark::State& state) {
  const auto& c = demo_config();
  ballast::Valuation v;
  for (auto _ : state) {
    ballast::value_portfolio(c.universe, c.targets, c.portfolio, c.market, v);
    benchmark::DoNotOptimize(v.nav);
  }
}
BENCHMARK(BM_Valuation_FullRecompute);

void BM_Trigger_Evaluate(benchmark::State& state) {
  const auto& c = demo_config();
  ballast::Valuation v;
  ballast::value_portfolio(c.universe, c.targets, c.portfolio, c.market, v);
  for (auto _ : state) {
    auto d = ballast::evaluate_trigger(c.policy, c.targets, v, 0, std::nullopt);
    benchmark::DoNotOptimize(d.fire);
  }
}
BENCHMARK(BM_Trigger_Evaluate);

void BM_Planner_Plan(benchmark::State& state) {
  const auto& c = demo_config();
  ballast::Valuation v;
  ballast::value_portfolio(c.universe, c.targets, c.portfolio, c.market, v);
  const auto trigger = ballast::evaluate_trigger(c.policy, c.targets, v, 0, std::nullopt);
  const ballast::PlanContext ctx{c.universe, c.targets, c.policy, c.portfolio, c.market, 0};
  auto result = std::make_unique<ballast::PlanResult>();
  for (auto _ : state) {
    ballast::HedgePlanner::plan(ctx, v, trigger, *result);
    benchmark::DoNotOptimize(result->order_count);
  }
  state.counters["orders"] = result->order_count;
}
BENCHMARK(BM_Planner_Plan);

void BM_Decimal_StepsTowardZero(benchmark::State& state) {
  const ballast::Decimal lot{1, 3};
  double q = 0.2142857;
  for (auto _ : state) {
    auto r = ballast::steps_toward_zero(q, lot);
    benchmark::DoNotOptimize(r.steps);
    q += 1e-7;
  }
}
BENCHMARK(BM_Decimal_StepsTowardZero);

}  // namespace
