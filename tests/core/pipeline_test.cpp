// The pipeline on real threads: scripted ticks through md -> engine -> orders with the
// risk gate and the loopback venue, fills back; conflation when the engine is behind;
// and the proof that the hot path makes no heap allocation once warm.
#include "ballast/core/pipeline.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <thread>

#include "allocation_counter.hpp"
#include "ballast/core/loopback_venue.hpp"
#include "ballast/risk/risk_gate.hpp"
#include "test_sources.hpp"

namespace ballast::pipeline_test {
namespace {

using testing::perp_tick;
using testing::ScriptedSource;

constexpr const char* kBook = R"(
[engine]
base_currency = "USDT"
[[instrument]]
symbol = "BTCUSDT-PERP"
kind = "perpetual"
base = "BTC"
contract_size = 0.001
lot_size = 1
tick_size = 0.1
taker_fee_bps = 5.0
funding_interval_s = 28800
leverage = 5
[[target]]
asset = "BTC"
weight = 0.5
band = 0.002
hedge_with = ["BTCUSDT-PERP"]
[risk]
collateral = { BTC = 0.95 }
max_asset_weight = 1.0
price_collar_bps = 100.0
max_orders_per_second = 10000
max_orders_per_minute = 600000
# 3,000 ticks, an order each: the day's budgets at their ceilings
max_daily_turnover = 100
max_daily_fees_bps = 1000
max_md_staleness_ms = 60000
[portfolio]
cash = 70000.0
spot = [ { asset = "BTC", qty = 1.0 } ]
)";

BallastConfig book() {
  auto r = parse_config(kBook, "book.toml", ConfigParseOptions{{0, 1}});
  EXPECT_TRUE(r.ok());
  return *r.config;
}

std::vector<MarketTick> alternating(std::size_t n) {
  std::vector<MarketTick> ticks;
  for (std::size_t k = 0; k < n; ++k) ticks.push_back(perp_tick(0, k % 2 ? 71400.0 : 70000.0));
  return ticks;
}

std::vector<ThreadSpec> layout() {
  // Unpinned with backoff: the test must behave on any CI machine and core count.
  return {ThreadSpec{"hot", {AgentKind::market_data, AgentKind::engine}, -1, IdleKind::backoff},
          ThreadSpec{"orders", {AgentKind::orders}, -1, IdleKind::backoff}};
}

template <typename P>
bool wait_drained(P& pipeline, int seconds = 20) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (pipeline.drained()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

struct Rig {
  BallastConfig config = book();
  ClientOrderIdGenerator ids{1, std::nullopt};
  std::unique_ptr<risk::RiskGate> gate;
  std::unique_ptr<LoopbackVenue> venue;
  std::unique_ptr<EngineCore> core;
  Rig() {
    TscClock::calibrate(1'000'000);
    gate = std::make_unique<risk::RiskGate>(config.universe, config.risk, config.policy,
                                            config.margin_balance);
    venue = std::make_unique<LoopbackVenue>(config.universe);
    core = std::make_unique<EngineCore>(config, *gate, ids, 0);
  }
};

TEST(PipelineTest, TicksBecomeHedgesAndFillsComeBack) {
  Rig rig;
  ScriptedSource source(alternating(200));
  Pipeline<> pipeline(*rig.core, source, *rig.venue, rig.config.universe.instrument_count());
  source.pace_by([&pipeline] { return pipeline.engine().settled_ticks(); });
  pipeline.start(layout());
  ASSERT_TRUE(wait_drained(pipeline));
  pipeline.stop();
  const EngineStats& s = rig.core->stats();
  EXPECT_EQ(s.ticks, 200u);
  // Every tick after the first moves BTC 1% of NAV through the 0.2% band: one order each.
  EXPECT_EQ(s.orders, 199u);
  EXPECT_EQ(s.fills, 199u);
  EXPECT_EQ(rig.venue->orders_received(), 199u);
  EXPECT_EQ(pipeline.orders().latency().tick_to_order.count(), 199u);
  EXPECT_TRUE(rig.core->settled());
  EXPECT_LT(rig.core->max_abs_drift(), 0.002);  // back inside the band
}

TEST(PipelineTest, EngineBehindConflatesLatestWinsAndCounts) {
  Rig rig;
  std::vector<MarketTick> ticks;
  for (int k = 0; k < 10000; ++k) ticks.push_back(perp_tick(0, 70000.0 + k % 7));
  ScriptedSource source(std::move(ticks));
  Pipeline<> pipeline(*rig.core, source, *rig.venue, rig.config.universe.instrument_count());
  // Only the md agent runs: the 4096-tick ring fills, then one instrument's ticks conflate.
  pipeline.start({ThreadSpec{"md", {AgentKind::market_data}, -1, IdleKind::backoff},
                  ThreadSpec{"rest", {AgentKind::orders}, -1, IdleKind::backoff}});
  while (source.emitted() < 10000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  pipeline.stop();
  EXPECT_EQ(pipeline.md().ticks_read(), 10000u);
  // 4096 in the ring, one held back as the latest, the rest conflated into it.
  EXPECT_EQ(pipeline.md().ticks_published(), kTickLinkCapacity);
  EXPECT_EQ(pipeline.md().conflated(), 10000u - kTickLinkCapacity - 1);
}

TEST(PipelineAllocationTest, HotPathMakesNoHeapAllocationOnceWarm) {
  Rig rig;
  ScriptedSource source(alternating(3000));
  Pipeline<> pipeline(*rig.core, source, *rig.venue, rig.config.universe.instrument_count());
  source.pace_by([&pipeline] { return pipeline.engine().settled_ticks(); });
  pipeline.start(layout());
  while (pipeline.engine().settled_ticks() < 200)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const long before = testing::allocation_count();  // warm: 200 ticks and their orders are done
  ASSERT_TRUE(wait_drained(pipeline));
  const long after = testing::allocation_count();
  pipeline.stop();
  EXPECT_EQ(rig.core->stats().ticks, 3000u);
  EXPECT_GE(rig.core->stats().orders, 2900u);  // the path really ran: ticks, plans, risk, orders
  EXPECT_EQ(after - before, 0) << "allocations while 2,800 ticks flowed";
}

}  // namespace
}  // namespace ballast::pipeline_test
