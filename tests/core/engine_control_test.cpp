// The engine-thread side of the operator control channel: EngineCore::apply_control and
// fill_snapshot with the real risk gate (and the loopback venue where a venue's answer
// matters): pause, kill, reduce-only, flatten, set-target, reload, the snapshot.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "ballast/core/clock.hpp"
#include "ballast/core/control.hpp"
#include "ballast/core/engine_core.hpp"
#include "ballast/core/loopback_venue.hpp"
#include "ballast/risk/risk_gate.hpp"
#include "test_sources.hpp"

namespace ballast::engine_control_test {
namespace {

using testing::perp_tick;

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
[[instrument]]
symbol = "ETHUSDT-PERP"
kind = "perpetual"
base = "ETH"
contract_size = 0.01
lot_size = 1
tick_size = 0.01
taker_fee_bps = 5.0
funding_interval_s = 28800
[[target]]
asset = "BTC"
weight = 0.5
band = 0.05
hedge_with = ["BTCUSDT-PERP"]
[risk]
price_collar_bps = 100.0
max_orders_per_second = 10000
max_orders_per_minute = 600000
max_md_staleness_ms = 60000
[portfolio]
cash = 70000.0
spot = [ { asset = "BTC", qty = 1.0 } ]
)";

constexpr InstrumentId kBtcPerp = 0;
constexpr InstrumentId kEthPerp = 1;

struct Rig {
  BallastConfig config;
  ClientOrderIdGenerator ids{1000, std::nullopt};
  std::unique_ptr<risk::RiskGate> gate;
  std::unique_ptr<EngineCore> core;
  std::array<OrderRequest, 16> out{};
  ControlReply reply;
  AssetId btc = kNoAsset;
  AssetId eth = kNoAsset;
  AssetId usdt = kNoAsset;

  Rig() {
    TscClock::calibrate(1'000'000);
    auto r = parse_config(kBook, "book.toml");
    EXPECT_TRUE(r.ok());
    config = *r.config;
    gate = std::make_unique<risk::RiskGate>(config.universe, config.risk, config.policy,
                                            config.margin_balance);
    core = std::make_unique<EngineCore>(config, *gate, ids, 0);
    btc = config.universe.find_asset("BTC");
    eth = config.universe.find_asset("ETH");
    usdt = config.universe.base_currency;
  }
  std::size_t tick(double price, InstrumentId i = kBtcPerp) {
    MarketTick t = perp_tick(i, price);
    t.recv_tsc = TscClock::now();
    return core->on_tick(t, TscClock::now(), out.data(), out.size());
  }
  // A tick without the venue's index: the jump filter has only the last price to go by.
  std::size_t bare_tick(double price, InstrumentId i = kBtcPerp) {
    MarketTick t = perp_tick(i, price);
    t.index = 0.0;
    t.recv_tsc = TscClock::now();
    return core->on_tick(t, TscClock::now(), out.data(), out.size());
  }
  void reject(const OrderRequest& o) {
    ExecReport r;
    r.client_order_id = o.client_order_id;
    r.instrument = o.instrument;
    r.side = o.side;
    r.kind = ExecKind::rejected;
    r.reject_code = 3;
    core->on_exec(r);
  }
  std::size_t command(ControlOp op) {
    ControlCommand c;
    c.seq = ++seq;
    c.op = op;
    return command(c);
  }
  std::size_t command(const ControlCommand& c) {
    const std::size_t n = core->apply_control(c, reply, out.data(), out.size());
    EXPECT_EQ(reply.seq, c.seq);
    return n;
  }
  ControlResult set_target(AssetId asset, double weight, std::optional<double> band = {}) {
    ControlCommand c;
    c.seq = ++seq;
    c.op = ControlOp::set_target;
    c.asset = asset;
    c.weight = weight;
    c.has_band = band.has_value();
    c.band = band.value_or(0.0);
    command(c);
    return reply.result;
  }
  ControlCommand reload(const RiskLimits& limits) {
    ControlCommand c;
    c.seq = ++seq;
    c.op = ControlOp::apply_reload;
    c.targets = config.targets;
    c.policy = config.policy;
    c.limits = limits;
    return c;
  }
  void fill(const OrderRequest& o) {
    ExecReport r;
    r.client_order_id = o.client_order_id;
    r.instrument = o.instrument;
    r.side = o.side;
    r.kind = ExecKind::fill;
    r.last_lots = o.lots;
    r.cum_lots = o.lots;
    r.last_price_ticks = o.limit_ticks;
    core->on_exec(r);
  }
  void drain(LoopbackVenue& venue) {
    std::array<ExecReport, 16> reports{};
    const std::size_t n = venue.poll_reports(reports.data(), reports.size());
    for (std::size_t k = 0; k < n; ++k) core->on_exec(reports[k]);
  }
  std::unique_ptr<EngineSnapshot> snapshot() {
    auto s = std::make_unique<EngineSnapshot>();
    core->fill_snapshot(*s);
    return s;
  }
  std::uint64_t seq = 0;
};

std::size_t count_alerts(const EngineSnapshot& s, AlertKind kind) {
  std::size_t n = 0;
  const std::size_t kept = s.alert_total < kSnapshotAlerts ? s.alert_total : kSnapshotAlerts;
  for (std::size_t k = 0; k < kept; ++k) n += s.alerts[k].kind == kind ? 1u : 0u;
  return n;
}

TEST(EngineControlTest, PauseBlocksOrdersOutOfBandThenResumeTrades) {
  Rig rig;
  EXPECT_EQ(rig.tick(70000), 0u);
  EXPECT_EQ(rig.command(ControlOp::pause), 0u);
  EXPECT_EQ(rig.reply.result, ControlResult::ok);
  EXPECT_TRUE(rig.reply.paused);
  EXPECT_EQ(rig.reply.mode, TradingState::active);
  EXPECT_EQ(rig.tick(90000), 0u);  // 56.25%: out of band, but paused
  EXPECT_EQ(rig.tick(90000), 0u);
  EXPECT_EQ(rig.core->stats().ticks_paused, 2u);
  EXPECT_EQ(rig.core->stats().orders, 0u);
  EXPECT_GT(rig.core->max_abs_drift(), 0.05);  // still valued while paused

  rig.command(ControlOp::resume);
  EXPECT_FALSE(rig.reply.paused);
  EXPECT_EQ(rig.reply.mode, TradingState::active);
  ASSERT_EQ(rig.tick(90000), 1u);
  EXPECT_EQ(rig.out[0].side, Side::sell);
  const auto s = rig.snapshot();
  EXPECT_EQ(count_alerts(*s, AlertKind::paused), 2u);  // paused, then resumed
  EXPECT_EQ(s->alerts[(s->alert_total - 1) % kSnapshotAlerts].detail, 0u);
}

TEST(EngineControlTest, KillCancelsTheRestingOrderThenNothingNewGoesOut) {
  Rig rig;
  LoopbackVenue venue(rig.config.universe);
  venue.set_resting(true);
  rig.tick(70000);
  ASSERT_EQ(rig.tick(90000), 1u);
  OrderRequest order = rig.out[0];
  ASSERT_TRUE(venue.send(order));
  rig.drain(venue);  // ack: the order rests
  EXPECT_EQ(venue.resting_count(), 1u);
  EXPECT_FALSE(rig.core->settled());

  ASSERT_EQ(rig.command(ControlOp::kill), 1u);
  EXPECT_EQ(rig.reply.mode, TradingState::halted);
  EXPECT_EQ(rig.reply.orders_cancelled, 1u);
  OrderRequest cancel = rig.out[0];
  EXPECT_EQ(cancel.kind, RequestKind::cancel);
  EXPECT_EQ(cancel.client_order_id, order.client_order_id);
  EXPECT_NE(cancel.request_id, 0u);
  EXPECT_NE(cancel.request_id, order.client_order_id);
  EXPECT_EQ(rig.core->stats().cancels_sent, 1u);
  // A second kill while the cancel is out does not cancel twice.
  EXPECT_EQ(rig.command(ControlOp::kill), 0u);

  ASSERT_TRUE(venue.send(cancel));
  rig.drain(venue);
  EXPECT_EQ(venue.resting_count(), 0u);
  EXPECT_TRUE(rig.core->settled());
  EXPECT_EQ(rig.core->stats().rejects, 0u);  // cancelled, not rejected
  EXPECT_EQ(rig.core->portfolio().positions[kBtcPerp].lots, 0);

  EXPECT_EQ(rig.tick(95000), 0u);  // further out of band: HALTED
  EXPECT_EQ(rig.tick(95000), 0u);
  EXPECT_EQ(rig.core->stats().orders, 1u);
  EXPECT_EQ(rig.command(ControlOp::reduce_only), 0u);
  EXPECT_EQ(rig.reply.result, ControlResult::halted);
  rig.command(ControlOp::flatten);
  EXPECT_EQ(rig.reply.result, ControlResult::halted);
  EXPECT_EQ(rig.reply.mode, TradingState::halted);
  rig.command(ControlOp::resume);
  EXPECT_EQ(rig.reply.mode, TradingState::active);
  EXPECT_EQ(rig.tick(95000), 1u);
}

TEST(EngineControlTest, ARefusedCancelLeavesTheOrderOpenAndIsNoReject) {
  Rig rig;
  LoopbackVenue venue(rig.config.universe);  // fills at once: the cancel comes too late
  rig.tick(70000);
  ASSERT_EQ(rig.tick(90000), 1u);
  OrderRequest order = rig.out[0];
  ASSERT_TRUE(venue.send(order));  // ack and fill queued, not yet seen by the engine
  ASSERT_EQ(rig.command(ControlOp::kill), 1u);
  OrderRequest cancel = rig.out[0];
  ASSERT_TRUE(venue.send(cancel));
  EXPECT_EQ(venue.cancels_refused(), 1u);
  rig.drain(venue);  // ack, fill, then the refusal (an ack with the flag)
  EXPECT_TRUE(rig.core->settled());
  EXPECT_EQ(rig.core->stats().rejects, 0u);
  // The refusal comes after the fill settled the order: a report for an order no longer
  // open, counted and ignored.
  EXPECT_EQ(rig.core->stats().unknown_reports, 1u);
  EXPECT_EQ(rig.core->portfolio().positions[kBtcPerp].lots, -order.lots);
}

TEST(EngineControlTest, ARefusedCancelBeforeTheFillLetsAnotherKillRetry) {
  Rig rig;
  rig.tick(70000);
  ASSERT_EQ(rig.tick(90000), 1u);
  const OrderRequest order = rig.out[0];
  ASSERT_EQ(rig.command(ControlOp::kill), 1u);
  ExecReport refused;
  refused.client_order_id = order.client_order_id;
  refused.instrument = order.instrument;
  refused.kind = ExecKind::ack;
  refused.reject_code = kRejectCodeCancelRefused;
  rig.core->on_exec(refused);
  EXPECT_FALSE(rig.core->settled());  // the order is still open
  EXPECT_EQ(rig.core->stats().rejects, 0u);
  EXPECT_EQ(rig.command(ControlOp::kill), 1u);  // so it can be cancelled again
  EXPECT_EQ(rig.out[0].client_order_id, order.client_order_id);
}

TEST(EngineControlTest, ReduceOnlyDeniesAnIncreasingOrderAndAlertsOnce) {
  Rig rig;
  rig.tick(70000);
  rig.command(ControlOp::reduce_only);
  EXPECT_EQ(rig.reply.result, ControlResult::ok);
  EXPECT_EQ(rig.reply.mode, TradingState::reducing);
  EXPECT_EQ(rig.tick(90000), 0u);  // a new short hedge would open a position: denied
  EXPECT_EQ(rig.tick(90000), 0u);
  EXPECT_EQ(rig.core->stats().risk_rejects, 2u);
  EXPECT_EQ(rig.gate->denied(risk::RiskCheck::reduce_only), 2u);
  const auto s = rig.snapshot();
  EXPECT_EQ(s->mode, TradingState::reducing);
  EXPECT_EQ(s->last_denial.check, RiskCheck::reduce_only);
  EXPECT_EQ(s->last_denial.instrument, kBtcPerp);
  EXPECT_EQ(count_alerts(*s, AlertKind::risk_denied), 1u);  // the repeat is rate-limited
  EXPECT_EQ(count_alerts(*s, AlertKind::mode_changed), 1u);
}

TEST(EngineControlTest, FlattenClosesThePositionInRiskCheckedSlices) {
  Rig rig;
  rig.tick(70000);
  ASSERT_EQ(rig.tick(90000), 1u);
  const std::int64_t short_lots = rig.out[0].lots;
  ASSERT_GT(short_lots, 100);
  rig.fill(rig.out[0]);
  ASSERT_EQ(rig.core->portfolio().positions[kBtcPerp].lots, -short_lots);

  RiskLimits tight = rig.config.risk;
  tight.max_order_notional = 3000.0;  // ~33 lots at 90,000
  rig.command(rig.reload(tight));
  ASSERT_EQ(rig.reply.result, ControlResult::ok);
  rig.command(ControlOp::flatten);
  ASSERT_EQ(rig.reply.result, ControlResult::ok);
  EXPECT_TRUE(rig.reply.flattening);
  EXPECT_EQ(rig.reply.mode, TradingState::reducing);

  int slices = 0;
  for (int k = 0; k < 20 && rig.core->portfolio().positions[kBtcPerp].lots != 0; ++k) {
    ASSERT_EQ(rig.tick(90000), 1u);
    const OrderRequest& o = rig.out[0];
    EXPECT_EQ(o.reason, OrderReason::flatten);
    EXPECT_EQ(o.side, Side::buy);
    EXPECT_LE(static_cast<double>(o.lots) * 0.001 * static_cast<double>(o.limit_ticks) * 0.1,
              3000.0 * 1.0001);
    EXPECT_GE(static_cast<double>(o.limit_ticks) * 0.1,
              90000.0);              // marketable: at or above the mark
    EXPECT_EQ(rig.tick(90000), 0u);  // one slice in flight at a time
    rig.fill(o);
    ++slices;
  }
  EXPECT_EQ(rig.core->portfolio().positions[kBtcPerp].lots, 0);
  EXPECT_GE(slices, 3);
  EXPECT_TRUE(rig.core->flattening());
  EXPECT_EQ(rig.tick(90000), 0u);  // nothing left: done
  EXPECT_FALSE(rig.core->flattening());
  EXPECT_EQ(rig.core->mode(), TradingState::reducing);  // until resume
  const auto s = rig.snapshot();
  EXPECT_EQ(count_alerts(*s, AlertKind::flatten_done), 1u);
  EXPECT_EQ(rig.tick(90000), 0u);  // REDUCING: the planner's new short is denied
  rig.command(ControlOp::flatten);
  EXPECT_EQ(rig.reply.result, ControlResult::nothing_to_flatten);
}

TEST(EngineControlTest, SetTargetRefusesBadInputAndTheNextPlanFollowsTheNewWeight) {
  Rig rig;
  EXPECT_EQ(rig.set_target(static_cast<AssetId>(200), 0.1), ControlResult::unknown_asset);
  EXPECT_EQ(rig.set_target(rig.usdt, 0.1), ControlResult::base_currency);
  EXPECT_EQ(rig.set_target(rig.btc, 1.5), ControlResult::bad_weight);
  EXPECT_EQ(rig.set_target(rig.btc, -0.1), ControlResult::bad_weight);
  EXPECT_EQ(rig.set_target(rig.btc, std::numeric_limits<double>::quiet_NaN()),
            ControlResult::bad_weight);
  EXPECT_EQ(rig.set_target(rig.btc, 0.4, 0.0), ControlResult::bad_band);
  EXPECT_EQ(rig.set_target(rig.btc, 0.4, 1.0), ControlResult::bad_band);
  EXPECT_EQ(rig.set_target(rig.eth, 0.6), ControlResult::weights_exceed_one);
  EXPECT_NEAR(rig.reply.weight_sum, 1.1, 1e-12);
  EXPECT_FALSE(rig.core->targets()[rig.eth].configured);  // a refusal changes nothing
  EXPECT_DOUBLE_EQ(rig.core->targets()[rig.btc].weight, 0.5);

  // At 70,000 the book is 50/50: in band for 0.5, 10 points over a 0.4 target.
  EXPECT_EQ(rig.tick(70000), 0u);
  EXPECT_EQ(rig.set_target(rig.btc, 0.4, 0.05), ControlResult::ok);
  EXPECT_NEAR(rig.reply.weight_sum, 0.4, 1e-12);
  EXPECT_NEAR(rig.core->targets()[rig.usdt].weight, 0.6, 1e-12);
  ASSERT_EQ(rig.tick(70000), 1u);
  // Short 0.1 x 140,000 = 14,000 at 70 per contract: 200 lots.
  EXPECT_EQ(rig.out[0].side, Side::sell);
  EXPECT_NEAR(static_cast<double>(rig.out[0].lots), 200.0, 1.0);

  // A newly targeted asset hedges with the derivatives on it.
  EXPECT_EQ(rig.set_target(rig.eth, 0.1, 0.02), ControlResult::ok);
  EXPECT_NEAR(rig.reply.weight_sum, 0.5, 1e-12);
  const TargetSpec& eth = rig.core->targets()[rig.eth];
  EXPECT_TRUE(eth.configured);
  ASSERT_EQ(eth.hedge_count, 1u);
  EXPECT_EQ(eth.hedge_with[0], kEthPerp);
  EXPECT_FALSE(rig.core->ready());  // ETH needs a price now
}

TEST(EngineControlTest, ReloadReplacesLimitsAndRefusesWeightsAboveOne) {
  Rig rig;
  RiskLimits tight = rig.config.risk;
  tight.max_order_notional = 5000.0;
  rig.command(rig.reload(tight));
  EXPECT_EQ(rig.reply.result, ControlResult::ok);
  EXPECT_NEAR(rig.reply.weight_sum, 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(rig.snapshot()->limits.max_order_notional, 5000.0);

  ControlCommand bad = rig.reload(rig.config.risk);
  bad.targets[rig.eth].configured = true;
  bad.targets[rig.eth].weight = 0.7;
  rig.command(bad);
  EXPECT_EQ(rig.reply.result, ControlResult::weights_exceed_one);
  EXPECT_DOUBLE_EQ(rig.snapshot()->limits.max_order_notional, 5000.0);  // unchanged

  rig.tick(70000);
  ASSERT_EQ(rig.tick(90000), 1u);  // 111 lots wanted, shrunk to fit 5,000
  EXPECT_LE(rig.out[0].lots, 55);
  EXPECT_GE(rig.out[0].lots, 50);
  EXPECT_EQ(rig.core->stats().shrunk, 1u);
  rig.fill(rig.out[0]);

  tight.max_order_notional = 50.0;  // below one lot (~90): nothing can go out
  rig.command(rig.reload(tight));
  ASSERT_EQ(rig.reply.result, ControlResult::ok);
  const std::uint64_t denied = rig.core->stats().risk_rejects;
  EXPECT_EQ(rig.tick(100000), 0u);  // out of band again: the planner wants ~97 lots
  EXPECT_EQ(rig.core->stats().risk_rejects, denied + 1);
}

TEST(EngineControlTest, SnapshotCarriesWeightsDriftOrdersRiskAndAlerts) {
  Rig rig;
  auto before = rig.snapshot();
  EXPECT_FALSE(before->ready);
  EXPECT_FALSE(before->risk.valid);
  rig.tick(70000);
  ASSERT_EQ(rig.tick(90000), 1u);
  const OrderRequest o = rig.out[0];
  rig.command(ControlOp::pause);
  const auto s = rig.snapshot();
  EXPECT_TRUE(s->ready);
  EXPECT_TRUE(s->paused);
  EXPECT_EQ(s->mode, TradingState::active);
  EXPECT_EQ(s->venue_count, 1u);
  EXPECT_TRUE(s->venue_up[0]);
  EXPECT_EQ(s->ticks, 2u);
  EXPECT_EQ(s->orders, 1u);
  EXPECT_NEAR(s->nav, 160000.0, 1e-6);
  const AssetSnapshot& btc = s->assets[rig.btc];
  EXPECT_TRUE(btc.configured);
  EXPECT_DOUBLE_EQ(btc.target, 0.5);
  EXPECT_DOUBLE_EQ(btc.band, 0.05);
  EXPECT_NEAR(btc.weight, 0.5625, 1e-12);
  EXPECT_NEAR(btc.drift, 0.0625, 1e-12);
  EXPECT_NEAR(btc.exposure, 90000.0, 1e-6);
  EXPECT_NEAR(s->max_abs_drift, 0.0625, 1e-12);
  EXPECT_EQ(s->instrument_count, 2u);
  EXPECT_DOUBLE_EQ(s->instruments[kBtcPerp].mark, 90000.0);
  ASSERT_EQ(s->open_count, 1u);
  EXPECT_EQ(s->open_orders[0].client_order_id, o.client_order_id);
  EXPECT_EQ(s->open_orders[0].lots, o.lots);
  EXPECT_EQ(s->open_orders[0].side, Side::sell);
  EXPECT_EQ(s->open_orders[0].reason, OrderReason::rebalance);
  // Risk with the open short counted as filled: gross = lots x 0.001 x 90,000.
  EXPECT_TRUE(s->risk.valid);
  EXPECT_GT(s->risk.nav, 0.0);
  EXPECT_NEAR(s->risk.gross_notional, static_cast<double>(o.lots) * 90.0,
              static_cast<double>(o.lots) * 90.0 * 0.005);
  EXPECT_GT(s->risk.leverage, 0.0);
  EXPECT_TRUE(std::isfinite(s->risk.worst_liquidation_distance));
  EXPECT_DOUBLE_EQ(s->limits.price_collar_bps, 100.0);
  ASSERT_EQ(s->alert_total, 1u);
  EXPECT_EQ(s->alerts[0].kind, AlertKind::paused);
  EXPECT_EQ(s->alerts[0].seq, 1u);
  EXPECT_EQ(s->alerts[0].detail, 1u);

  // Venue news becomes alerts too.
  ExecReport down;
  down.kind = ExecKind::session_down;
  down.venue = 0;
  rig.core->on_exec(down);
  ExecReport rejected;
  rejected.client_order_id = o.client_order_id;
  rejected.instrument = o.instrument;
  rejected.kind = ExecKind::rejected;
  rejected.reject_code = 0x4003;
  down.kind = ExecKind::session_up;
  rig.core->on_exec(down);
  rig.core->on_exec(rejected);
  const auto after = rig.snapshot();
  EXPECT_EQ(after->alert_total, 4u);
  EXPECT_EQ(after->alerts[1].kind, AlertKind::session_down);
  EXPECT_EQ(after->alerts[2].kind, AlertKind::session_up);
  EXPECT_EQ(after->alerts[3].kind, AlertKind::venue_reject);
  EXPECT_EQ(after->alerts[3].detail, 3u);
}

// A command that reached the engine after the control thread gave up on it is refused,
// not applied: the operator was told it did not answer, so it must not happen later.
TEST(EngineControlTest, CommandPastItsDeadlineIsRefusedNotApplied) {
  Rig rig;
  ControlCommand c;
  c.seq = 42;
  c.op = ControlOp::kill;
  c.deadline_ns = TscClock::to_ns(TscClock::now()) - 1'000'000;
  rig.command(c);
  EXPECT_EQ(rig.reply.result, ControlResult::expired);
  EXPECT_EQ(rig.reply.mode, TradingState::active);
  c.seq = 43;
  c.deadline_ns = TscClock::to_ns(TscClock::now()) + 1'000'000'000;
  rig.command(c);
  EXPECT_EQ(rig.reply.result, ControlResult::ok);
  EXPECT_EQ(rig.reply.mode, TradingState::halted);
}

// Issue 14, item 3: a feed jumping +-13% every 100 ms traded on every jump. A jump past
// [risk] max_price_jump (5%) is now held until a second tick confirms it.
TEST(EngineControlTest, PriceJumpIsHeldUntilASecondTickConfirmsIt) {
  Rig rig;
  EXPECT_EQ(rig.bare_tick(70000), 0u);
  EXPECT_EQ(rig.bare_tick(90000), 0u);  // +28.6%: held, the book still values at 70,000
  EXPECT_DOUBLE_EQ(rig.core->market().mark[kBtcPerp], 70000.0);
  EXPECT_NEAR(rig.core->market().held_jump[kBtcPerp], 20000.0 / 70000.0, 1e-12);
  EXPECT_EQ(rig.core->stats().ticks_held, 1u);
  EXPECT_EQ(count_alerts(*rig.snapshot(), AlertKind::price_held), 1u);
  EXPECT_EQ(rig.bare_tick(90100), 0u);  // within 5% of the held tick: confirmed
  EXPECT_EQ(rig.core->stats().price_jumps_confirmed, 1u);
  EXPECT_DOUBLE_EQ(rig.core->market().mark[kBtcPerp], 90100.0);
  EXPECT_EQ(rig.core->market().held_jump[kBtcPerp], 0.0);
  // BTC's spot price is this perpetual's index here: the next tick that carries it trades.
  EXPECT_EQ(rig.tick(90100), 1u);
}

TEST(EngineControlTest, AnUnconfirmedBlipIsDroppedAndTheOldPriceStands) {
  Rig rig;
  rig.bare_tick(70000);
  for (int k = 0; k < 20; ++k) {  // +-13% alternating: never two ticks agree on the jump
    EXPECT_EQ(rig.bare_tick(k % 2 == 0 ? 79100 : 70000), 0u);
  }
  EXPECT_EQ(rig.core->stats().orders, 0u);
  EXPECT_EQ(rig.core->stats().ticks_held, 10u);
  EXPECT_DOUBLE_EQ(rig.core->market().mark[kBtcPerp], 70000.0);
  EXPECT_EQ(rig.core->market().held_jump[kBtcPerp], 0.0);
  // A tick whose index agrees with the jump is the market moving, not a bad print.
  MarketTick t = perp_tick(kBtcPerp, 90000.0, 90010.0);
  t.recv_tsc = TscClock::now();
  EXPECT_EQ(rig.core->on_tick(t, TscClock::now(), rig.out.data(), rig.out.size()), 1u);
}

// Issue 14, item 3: a venue rejecting everything was asked again and again. After
// [risk] max_consecutive_rejects (5) in a row the engine halts and says why.
TEST(EngineControlTest, VenueRejectsInARowHaltTheEngineAndResumeRearms) {
  Rig rig;
  rig.tick(70000);
  for (int k = 0; k < 5; ++k) {
    ASSERT_EQ(rig.tick(90000), 1u) << "reject " << k;
    rig.reject(rig.out[0]);
  }
  EXPECT_EQ(rig.core->mode(), TradingState::halted);
  EXPECT_EQ(rig.core->stats().breaker_halts, 1u);
  const auto s = rig.snapshot();
  EXPECT_EQ(count_alerts(*s, AlertKind::breaker_halted), 1u);
  EXPECT_EQ(rig.tick(90000), 0u);
  EXPECT_EQ(rig.core->stats().orders, 5u);
  rig.command(ControlOp::resume);
  ASSERT_EQ(rig.tick(90000), 1u);  // re-armed
  rig.reject(rig.out[0]);
  EXPECT_EQ(rig.core->mode(), TradingState::active);  // one reject, not five
}

TEST(EngineControlTest, AlertRingKeepsTheNewest) {
  Rig rig;
  for (int k = 0; k < 20; ++k) rig.command(k % 2 ? ControlOp::resume : ControlOp::pause);
  const auto s = rig.snapshot();
  EXPECT_EQ(s->alert_total, 20u);
  const AlertRecord& newest = s->alerts[(s->alert_total - 1) % kSnapshotAlerts];
  EXPECT_EQ(newest.seq, 20u);
  EXPECT_EQ(newest.detail, 0u);  // the last command was a resume
}

// A JournalTap that keeps what it is given, or refuses from the n-th event on.
class RecordingJournal final : public JournalTap {
 public:
  bool append(const JournalEvent& e) noexcept override {
    if (refuse_from_ && events.size() >= *refuse_from_) return false;
    events.push_back(e);
    return true;
  }
  std::vector<JournalEvent> events;
  std::optional<std::size_t> refuse_from_;
};

TEST(EngineJournalTest, OrdersSentReportsAndCommandsReachTheJournalInOrder) {
  Rig rig;
  RecordingJournal journal;
  rig.core->set_journal(&journal);
  rig.tick(70000);
  ASSERT_EQ(rig.tick(90000), 1u);
  const OrderRequest order = rig.out[0];
  rig.fill(order);
  rig.command(ControlOp::pause);
  ASSERT_EQ(journal.events.size(), 3u);
  const JournalEvent& sent = journal.events[0];
  EXPECT_EQ(sent.kind, JournalEventKind::order_sent);
  EXPECT_EQ(sent.client_order_id, order.client_order_id);
  EXPECT_EQ(sent.lots, order.lots);
  EXPECT_EQ(sent.price_ticks, order.limit_ticks);
  EXPECT_EQ(sent.side, order.side);
  EXPECT_EQ(sent.request, RequestKind::new_order);
  const JournalEvent& filled = journal.events[1];
  EXPECT_EQ(filled.kind, JournalEventKind::report);
  EXPECT_EQ(filled.exec, ExecKind::fill);
  EXPECT_EQ(filled.cum_lots, order.lots);
  EXPECT_EQ(journal.events[2].kind, JournalEventKind::control);
  EXPECT_EQ(journal.events[2].op, ControlOp::pause);
  EXPECT_EQ(journal.events[2].result, ControlResult::ok);
  EXPECT_GT(sent.wall_ns, 0);
}

// An order the journal cannot hold is not sent (recovery would not know it), and the
// engine stops trading for good: resume does not bring it back.
TEST(EngineJournalTest, AJournalThatRefusesKeepsTheOrderBackAndHaltsForGood) {
  Rig rig;
  RecordingJournal journal;
  journal.refuse_from_ = 0;
  rig.core->set_journal(&journal);
  rig.tick(70000);
  EXPECT_EQ(rig.tick(90000), 0u);
  EXPECT_TRUE(rig.core->settled()) << "the refused order must not stay open";
  EXPECT_TRUE(rig.core->journal_lost());
  EXPECT_EQ(rig.core->mode(), TradingState::halted);
  EXPECT_EQ(rig.core->stats().journal_refused, 1u);
  EXPECT_EQ(rig.core->stats().orders, 0u);
  const auto s = rig.snapshot();
  EXPECT_EQ(count_alerts(*s, AlertKind::journal_failed), 1u);
  rig.command(ControlOp::resume);
  EXPECT_EQ(rig.reply.mode, TradingState::halted);
  EXPECT_EQ(rig.tick(90000), 0u);
  EXPECT_EQ(rig.tick(91000), 0u);
  EXPECT_EQ(rig.core->stats().orders, 0u);
}

// Orders a previous process had in flight come back from its journal as unknown: nothing
// trades until the venue has said where each stands (a status query once the session is
// up), as after a dropped session.
TEST(EngineJournalTest, OrdersInFlightFromTheJournalAreAskedAboutBeforeTrading) {
  Rig rig;
  rig.tick(70000);
  ASSERT_EQ(rig.tick(90000), 1u);  // a first engine sends an order
  OpenOrderSet in_flight = rig.core->open_orders();
  ASSERT_EQ(in_flight.count, 1u);

  Rig restarted;
  restarted.core->set_venue_up(0, false);  // its session is not up yet
  restarted.core->adopt_open_orders(in_flight);
  EXPECT_EQ(restarted.core->unknown_orders(), 1u);
  restarted.tick(70000);
  EXPECT_EQ(restarted.tick(90000), 0u) << "no trading while an order's fate is unknown";
  ExecReport up;
  up.kind = ExecKind::session_up;
  up.venue = 0;
  restarted.core->on_exec(up);
  // The order first, then what the venue holds (the answer comes after the order's).
  ASSERT_EQ(restarted.core->take_status_queries(restarted.out.data(), restarted.out.size()), 2u);
  EXPECT_EQ(restarted.out[0].kind, RequestKind::status);
  EXPECT_EQ(restarted.out[0].client_order_id, in_flight.orders[0].client_order_id);
  EXPECT_EQ(restarted.out[1].kind, RequestKind::positions);
  ExecReport filled;
  filled.kind = ExecKind::status;
  filled.client_order_id = in_flight.orders[0].client_order_id;
  filled.instrument = in_flight.orders[0].instrument;
  filled.side = in_flight.orders[0].side;
  filled.status = OrderStatus::filled;
  filled.cum_lots = in_flight.orders[0].lots;
  filled.last_price_ticks = in_flight.orders[0].limit_ticks;
  restarted.core->on_exec(filled);
  EXPECT_EQ(restarted.core->unknown_orders(), 0u);
  EXPECT_TRUE(restarted.core->settled());
  EXPECT_EQ(restarted.core->portfolio().positions[in_flight.orders[0].instrument].lots,
            in_flight.orders[0].signed_lots(in_flight.orders[0].lots));
}

}  // namespace
}  // namespace ballast::engine_control_test
