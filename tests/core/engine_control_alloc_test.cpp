// The control channel across threads: a Pipeline with a ControlPort, commands from this
// thread and replies back, snapshots advancing; and the proof that applying every
// command, filling snapshots and the engine agent's control polling allocate nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "allocation_counter.hpp"
#include "ballast/core/control.hpp"
#include "ballast/core/loopback_venue.hpp"
#include "ballast/core/pipeline.hpp"
#include "ballast/risk/risk_gate.hpp"
#include "test_sources.hpp"

namespace ballast::engine_control_alloc_test {
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
price_collar_bps = 100.0
max_orders_per_second = 10000
max_orders_per_minute = 600000
max_md_staleness_ms = 60000
[portfolio]
cash = 70000.0
spot = [ { asset = "BTC", qty = 1.0 } ]
)";

struct Rig {
  BallastConfig config;
  ClientOrderIdGenerator ids{1, std::nullopt};
  std::unique_ptr<risk::RiskGate> gate;
  std::unique_ptr<LoopbackVenue> venue;
  std::unique_ptr<EngineCore> core;
  Rig() {
    TscClock::calibrate(1'000'000);
    auto r = parse_config(kBook, "book.toml");
    EXPECT_TRUE(r.ok());
    config = *r.config;
    gate = std::make_unique<risk::RiskGate>(config.universe, config.risk, config.policy,
                                            config.margin_balance);
    venue = std::make_unique<LoopbackVenue>(config.universe);
    core = std::make_unique<EngineCore>(config, *gate, ids, 0);
  }
};

std::vector<MarketTick> alternating(std::size_t n) {
  std::vector<MarketTick> ticks;
  for (std::size_t k = 0; k < n; ++k) ticks.push_back(perp_tick(0, k % 2 ? 71400.0 : 70000.0));
  return ticks;
}

std::vector<ThreadSpec> layout() {
  return {ThreadSpec{"hot", {AgentKind::market_data, AgentKind::engine}, -1, IdleKind::backoff},
          ThreadSpec{"orders", {AgentKind::orders}, -1, IdleKind::backoff}};
}

// Sends one command and waits for its reply (the control thread's protocol).
bool roundtrip(ControlPort& port, const ControlCommand& c, ControlReply& reply) {
  if (!port.commands.try_push(c)) return false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    if (port.replies.try_pop(reply)) return reply.seq == c.seq;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return false;
}

ControlCommand command(std::uint64_t seq, ControlOp op) {
  ControlCommand c;
  c.seq = seq;
  c.op = op;
  return c;
}

TEST(EngineControlPipelineTest, CommandsAndRepliesCrossThreadsAndSnapshotsAdvance) {
  Rig rig;
  ScriptedSource source(alternating(200));
  Pipeline<> pipeline(*rig.core, source, *rig.venue, rig.config.universe.instrument_count());
  source.pace_by([&pipeline] { return pipeline.engine().settled_ticks(); });
  auto port = std::make_unique<ControlPort>();
  port->snapshot_period_ns.store(5'000'000);
  pipeline.attach_control(port.get());
  pipeline.start(layout());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!pipeline.drained() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(pipeline.drained());

  // The next periodic snapshot shows every tick (the one at the drain may be older).
  auto snap = std::make_unique<EngineSnapshot>();
  const auto fresh = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((!port->snapshot.load(*snap) || snap->ticks < 200) &&
         std::chrono::steady_clock::now() < fresh)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::uint64_t v1 = snap->version;
  EXPECT_EQ(snap->ticks, 200u);
  EXPECT_TRUE(snap->ready);

  ControlReply reply;
  ASSERT_TRUE(roundtrip(*port, command(7, ControlOp::pause), reply));
  EXPECT_EQ(reply.result, ControlResult::ok);
  EXPECT_TRUE(reply.paused);
  ASSERT_TRUE(roundtrip(*port, command(8, ControlOp::kill), reply));
  EXPECT_EQ(reply.mode, TradingState::halted);
  EXPECT_EQ(reply.orders_cancelled, 0u);  // the loopback fills at once: nothing rests
  ControlCommand target = command(9, ControlOp::set_target);
  target.asset = rig.config.universe.base_currency;
  target.weight = 0.5;
  ASSERT_TRUE(roundtrip(*port, target, reply));
  EXPECT_EQ(reply.result, ControlResult::base_currency);

  // A snapshot follows each command, then one every period.
  const auto later = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (port->snapshot.version() < v1 + 5 && std::chrono::steady_clock::now() < later)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(port->snapshot.load(*snap));
  EXPECT_GE(snap->version, v1 + 5);
  EXPECT_TRUE(snap->paused);
  EXPECT_EQ(snap->mode, TradingState::halted);
  pipeline.stop();
}

// A market that never goes quiet: an unpaced tick every poll, each breaching the band.
class EndlessSource final : public TickSource {
 public:
  bool poll(std::int64_t, MarketTick& out) noexcept override {
    out = perp_tick(0, (n_++ % 2) ? 71400.0 : 70000.0);
    return true;
  }
  [[nodiscard]] bool exhausted() const noexcept override { return false; }

 private:
  std::uint64_t n_ = 0;
};

// Issue 14, item 1: the engine used to read commands only when it had nothing else to
// do, so under a flood of ticks a kill was never read. It is now read between batches.
TEST(EngineControlPipelineTest, KillLandsWhileTheMarketNeverGoesQuiet) {
  Rig rig;
  EndlessSource source;
  Pipeline<> pipeline(*rig.core, source, *rig.venue, rig.config.universe.instrument_count());
  auto port = std::make_unique<ControlPort>();
  port->snapshot_period_ns.store(10'000'000);
  pipeline.attach_control(port.get());
  pipeline.start(layout());
  // Snapshots flow under load too ("status" answers during the run).
  auto snap = std::make_unique<EngineSnapshot>();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((!port->snapshot.load(*snap) || snap->orders < 50) &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_GE(snap->orders, 50u) << "the engine should be trading flat out before the kill";

  ControlReply reply;
  ASSERT_TRUE(roundtrip(*port, command(1, ControlOp::kill), reply)) << "kill not answered";
  EXPECT_EQ(reply.result, ControlResult::ok);
  EXPECT_EQ(reply.mode, TradingState::halted);
  // Nothing new goes out after the kill's answer, while ticks keep pouring in.
  auto after = std::make_unique<EngineSnapshot>();
  const auto settle = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((!port->snapshot.load(*after) || after->mode != TradingState::halted) &&
         std::chrono::steady_clock::now() < settle)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::uint64_t orders_at_kill = after->orders;
  const std::uint64_t ticks_at_kill = after->ticks;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(port->snapshot.load(*after));
  pipeline.stop();
  EXPECT_GT(after->ticks, ticks_at_kill + 1000) << "ticks kept flowing";
  EXPECT_EQ(after->orders, orders_at_kill);
  EXPECT_EQ(after->mode, TradingState::halted);
}

TEST(EngineControlAllocationTest, CommandsAndSnapshotsAllocateNothingOnceWarm) {
  Rig rig;
  std::array<OrderRequest, 64> out{};
  auto snap = std::make_unique<EngineSnapshot>();
  auto reload = std::make_unique<ControlCommand>(command(0, ControlOp::apply_reload));
  reload->targets = rig.config.targets;
  reload->policy = rig.config.policy;
  reload->limits = rig.config.risk;
  ControlReply reply;
  std::array<OrderRequest, 8> orders{};
  auto tick = [&](double price) {
    MarketTick t = perp_tick(0, price);
    t.recv_tsc = TscClock::now();
    return rig.core->on_tick(t, TscClock::now(), orders.data(), orders.size());
  };
  ControlCommand set_target = command(0, ControlOp::set_target);
  set_target.asset = rig.config.universe.find_asset("BTC");
  set_target.weight = 0.45;
  set_target.has_band = true;
  set_target.band = 0.01;
  auto every_op = [&] {
    tick(70000);
    (void)tick(90000);  // an order in flight, for kill to cancel
    rig.core->apply_control(command(1, ControlOp::pause), reply, out.data(), out.size());
    rig.core->apply_control(command(2, ControlOp::resume), reply, out.data(), out.size());
    rig.core->apply_control(command(3, ControlOp::reduce_only), reply, out.data(), out.size());
    rig.core->apply_control(command(4, ControlOp::flatten), reply, out.data(), out.size());
    rig.core->apply_control(set_target, reply, out.data(), out.size());
    rig.core->apply_control(*reload, reply, out.data(), out.size());
    rig.core->apply_control(command(5, ControlOp::kill), reply, out.data(), out.size());
    rig.core->fill_snapshot(*snap);
    rig.core->apply_control(command(6, ControlOp::resume), reply, out.data(), out.size());
  };
  every_op();  // warm-up
  const long before = testing::allocation_count();
  for (int k = 0; k < 10; ++k) every_op();
  const long after = testing::allocation_count();
  EXPECT_EQ(after - before, 0);
  EXPECT_GE(rig.core->stats().cancels_sent, 1u);
  EXPECT_TRUE(snap->risk.valid);
}

TEST(EngineControlAllocationTest, AgentControlPollingAllocatesNothingOnceWarm) {
  Rig rig;
  ScriptedSource source(alternating(3000));
  Pipeline<> pipeline(*rig.core, source, *rig.venue, rig.config.universe.instrument_count());
  source.pace_by([&pipeline] { return pipeline.engine().settled_ticks(); });
  auto port = std::make_unique<ControlPort>();
  port->snapshot_period_ns.store(1'000'000);  // often: the polling path runs many times
  pipeline.attach_control(port.get());
  pipeline.start(layout());
  ControlReply reply;
  ASSERT_TRUE(roundtrip(*port, command(1, ControlOp::pause), reply));  // warm the command path
  ASSERT_TRUE(roundtrip(*port, command(2, ControlOp::resume), reply));
  while (pipeline.engine().settled_ticks() < 200)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const long before = testing::allocation_count();
  for (std::uint64_t k = 0; k < 20; ++k) {
    ASSERT_TRUE(roundtrip(*port, command(10 + 2 * k, ControlOp::pause), reply));
    ASSERT_TRUE(roundtrip(*port, command(11 + 2 * k, ControlOp::resume), reply));
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!pipeline.drained() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const long after = testing::allocation_count();
  ASSERT_TRUE(pipeline.drained());
  pipeline.stop();
  EXPECT_EQ(after - before, 0) << "allocations while ticks, commands and snapshots flowed";
  EXPECT_GE(port->snapshot.version(), 40u);
  EXPECT_GT(rig.core->stats().ticks_paused, 0u);  // the pauses really happened mid-flow
}

}  // namespace
}  // namespace ballast::engine_control_alloc_test
