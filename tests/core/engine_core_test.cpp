// EngineCore without threads: ticks in, orders out through a gate, reports back.
#include "ballast/core/engine_core.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "ballast/core/clock.hpp"
#include "ballast/core/loopback_venue.hpp"
#include "test_sources.hpp"

namespace ballast::engine_core_test {
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
[[target]]
asset = "BTC"
weight = 0.5
band = 0.05
hedge_with = ["BTCUSDT-PERP"]
[portfolio]
cash = 70000.0
spot = [ { asset = "BTC", qty = 1.0 } ]
)";

// Lets everything through, and remembers what it saw.
class OpenGate final : public OrderGate {
 public:
  bool admit(PlannedOrder& order, const GateView& view) noexcept override {
    ++admitted;
    last_open_orders = view.open_orders.count;
    if (shrink_to > 0) order.lots = shrink_to;
    return !deny;
  }
  void on_sent(const PlannedOrder&, std::int64_t) noexcept override { ++sent; }
  int admitted = 0;
  int sent = 0;
  std::size_t last_open_orders = 0;
  bool deny = false;
  std::int64_t shrink_to = 0;
};

struct Engine {
  BallastConfig config;
  OpenGate gate;
  ClientOrderIdGenerator ids{1000, std::nullopt};
  std::unique_ptr<EngineCore> core;
  std::array<OrderRequest, 8> out{};

  Engine() {
    TscClock::calibrate(1'000'000);
    auto r = parse_config(kBook, "book.toml");
    EXPECT_TRUE(r.ok());
    config = *r.config;
    core = std::make_unique<EngineCore>(config, gate, ids, 0);
  }
  std::size_t tick(double price) {
    MarketTick t = perp_tick(0, price);
    t.recv_tsc = TscClock::now();
    return core->on_tick(t, TscClock::now(), out.data(), out.size());
  }
};

// The venue's report on `o`: a (partial) fill, or with ExecKind::status its state.
ExecReport report_of(const OrderRequest& o, ExecKind kind, std::int64_t last, std::int64_t cum,
                     std::int64_t leaves, std::int64_t price_ticks, double fee = 0.0) {
  ExecReport r;
  r.client_order_id = o.client_order_id;
  r.instrument = o.instrument;
  r.side = o.side;
  r.kind = kind;
  r.last_lots = last;
  r.cum_lots = cum;
  r.leaves_lots = leaves;
  r.last_price_ticks = price_ticks;
  r.fee = fee;
  return r;
}

TEST(EngineCoreTest, TradesOnlyOutsideTheBandThenSettlesOnTheFill) {
  Engine e;
  EXPECT_EQ(e.tick(70000), 0u);
  EXPECT_EQ(e.tick(80000), 0u);  // 80/150 = 53.3%: inside
  ASSERT_EQ(e.tick(90000), 1u);  // 90/160 = 56.25%: outside, short 10,000 = 111 contracts
  const OrderRequest o = e.out[0];
  EXPECT_EQ(o.side, Side::sell);
  EXPECT_EQ(o.lots, 111);
  EXPECT_NE(o.client_order_id, 0u);
  EXPECT_FALSE(e.core->settled());
  // While the order is in flight nothing else goes out, even further out of band.
  EXPECT_EQ(e.tick(95000), 0u);

  e.core->on_exec(report_of(o, ExecKind::fill, 111, 111, 0, 900000, 5.0));
  EXPECT_TRUE(e.core->settled());
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -111);
  EXPECT_EQ(e.core->stats().fills, 1u);
  EXPECT_DOUBLE_EQ(e.core->stats().fees_paid, 5.0);
  EXPECT_EQ(e.core->stats().rebalances, 1u);
}

// The venue sends a fill again (a resend after a reconnect, or after our restart): its
// execution id was applied, so it is dropped; a fill with another id is applied.
TEST(EngineCoreTest, AFillWhoseExecutionIdWasAppliedIsDroppedAcrossARestart) {
  Engine e;
  e.tick(70000);
  ASSERT_EQ(e.tick(90000), 1u);
  const OrderRequest o = e.out[0];
  ExecReport part = report_of(o, ExecKind::partial_fill, 40, 40, 71, 900000, 1.0);
  part.exec_id = 0x1111;
  e.core->on_exec(part);
  e.core->on_exec(part);  // resent
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -40);
  EXPECT_EQ(e.core->stats().duplicate_fills, 1u);
  EXPECT_DOUBLE_EQ(e.core->stats().fees_paid, 1.0);
  // A restarted engine given the applied ids (the journal's replay) drops it as well.
  Engine restarted;
  restarted.core->restore_fill_ids(e.core->fill_ids());
  restarted.core->adopt_open_orders(e.core->open_orders());
  restarted.core->on_exec(part);
  EXPECT_EQ(restarted.core->stats().duplicate_fills, 1u);
  EXPECT_EQ(restarted.core->portfolio().positions[0].lots, 0);
  ExecReport rest = report_of(o, ExecKind::fill, 71, 111, 0, 900000);
  rest.exec_id = 0x2222;
  e.core->on_exec(rest);
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -111);
  EXPECT_TRUE(e.core->settled());
}

TEST(EngineCoreTest, RecentFillIdsRemembersAtLeastAGeneration) {
  RecentFillIds ids;
  for (std::uint64_t k = 1; k <= 3 * RecentFillIds::kGeneration; ++k) ids.insert(k * 7919);
  for (std::uint64_t k = 2 * RecentFillIds::kGeneration + 1; k <= 3 * RecentFillIds::kGeneration;
       ++k)
    ASSERT_TRUE(ids.contains(k * 7919)) << k;
  EXPECT_FALSE(ids.contains(1));
  EXPECT_FALSE(ids.contains(0));  // no id: never a duplicate
  EXPECT_NE(exec_id_of("E1", 2), exec_id_of("E2", 2));
  EXPECT_EQ(exec_id_of("", 0), 0u);
}

TEST(EngineCoreTest, UnknownReportIsCountedNotApplied) {
  Engine e;
  ExecReport r;
  r.client_order_id = 42;
  r.kind = ExecKind::fill;
  r.last_lots = 5;
  e.core->on_exec(r);
  EXPECT_EQ(e.core->stats().unknown_reports, 1u);
  EXPECT_EQ(e.core->portfolio().positions[0].lots, 0);
}

TEST(EngineCoreTest, GateDenialAndShrinkAreCounted) {
  Engine e;
  e.gate.deny = true;
  e.tick(70000);
  EXPECT_EQ(e.tick(90000), 0u);
  EXPECT_EQ(e.core->stats().risk_rejects, 1u);
  e.gate.deny = false;
  e.gate.shrink_to = 50;
  ASSERT_EQ(e.tick(90000), 1u);
  EXPECT_EQ(e.out[0].lots, 50);
  EXPECT_EQ(e.core->stats().shrunk, 1u);
}

TEST(EngineCoreTest, NoTradingBeforeEveryNeededPriceHasTicked) {
  Engine e;
  EXPECT_FALSE(e.core->ready());
  MarketTick t = perp_tick(0, 90000, /*index=*/0.0);
  t.index = 0.0;  // no spot index: BTC has no spot price yet
  t.recv_tsc = TscClock::now();
  EXPECT_EQ(e.core->on_tick(t, TscClock::now(), e.out.data(), e.out.size()), 0u);
  EXPECT_FALSE(e.core->ready());
  EXPECT_EQ(e.gate.admitted, 0);
}

TEST(EngineCoreTest, RejectedOrderIsNoLongerInFlight) {
  Engine e;
  e.tick(70000);
  ASSERT_EQ(e.tick(90000), 1u);
  ExecReport r;
  r.client_order_id = e.out[0].client_order_id;
  r.instrument = 0;
  r.kind = ExecKind::rejected;
  e.core->on_exec(r);
  EXPECT_TRUE(e.core->settled());
  EXPECT_EQ(e.core->stats().rejects, 1u);
  EXPECT_EQ(e.core->portfolio().positions[0].lots, 0);
}

ExecReport session_event(ExecKind kind, VenueId venue = 0) {
  ExecReport r;
  r.kind = kind;
  r.venue = venue;
  r.instrument = kNoInstrument;
  return r;
}

// The venue's session drops and comes back (logged on again, before any status reply).
void reconnect(Engine& e) {
  e.core->on_exec(session_event(ExecKind::session_down));
  e.core->on_exec(session_event(ExecKind::session_up));
}

// The status queries due; the positions request that follows each logon is set aside
// (tests/core/position_reconciler_test.cpp is about those).
std::size_t take_status(Engine& e, std::array<OrderRequest, 4>& q) {
  std::array<OrderRequest, 16> all{};
  const std::size_t n = e.core->take_status_queries(all.data(), all.size());
  std::size_t s = 0;
  for (std::size_t k = 0; k < n; ++k)
    if (all[k].kind == RequestKind::status && s < q.size()) q[s++] = all[k];
  return s;
}

// The venue answers the positions request of the last logon: it holds what we hold.
void positions_agree(Engine& e) {
  ExecReport line;
  line.kind = ExecKind::position;
  line.instrument = 0;
  line.cum_lots = e.core->portfolio().positions[0].lots;
  line.entry_price = e.core->portfolio().positions[0].entry_price;
  line.client_order_id = e.core->reconciler().request(0);
  e.core->on_exec(line);
  ExecReport end;
  end.kind = ExecKind::positions_end;
  end.client_order_id = line.client_order_id;
  end.cum_lots = 1;
  e.core->on_exec(end);
}

ExecReport status_reply(const OrderRequest& o, OrderStatus status, std::int64_t cum,
                        std::int64_t leaves, std::int64_t avg_ticks) {
  ExecReport r = report_of(o, ExecKind::status, 0, cum, leaves, avg_ticks);
  r.status = status;
  return r;
}

TEST(EngineCoreTest, VenueDownBlocksTradingUntilSessionUp) {
  Engine e;
  e.core->set_venue_up(0, false);
  e.tick(70000);
  EXPECT_EQ(e.tick(90000), 0u);  // out of band, but the venue is down
  EXPECT_EQ(e.gate.admitted, 0);
  EXPECT_GE(e.core->stats().ticks_venue_down, 1u);
  e.core->on_exec(session_event(ExecKind::session_up));
  EXPECT_EQ(e.core->stats().session_ups, 1u);
  EXPECT_EQ(e.tick(90000), 0u);  // up, but what it holds there is not known yet
  positions_agree(e);
  EXPECT_EQ(e.tick(90000), 1u);
}

TEST(EngineCoreTest, SessionDropMarksOrdersUnknownAndQueriesThemAfterLogon) {
  Engine e;
  e.tick(70000);
  ASSERT_EQ(e.tick(90000), 1u);
  const OrderRequest o = e.out[0];
  e.core->on_exec(session_event(ExecKind::session_down));
  EXPECT_EQ(e.core->unknown_orders(), 1u);
  EXPECT_EQ(e.core->stats().orders_marked_unknown, 1u);
  std::array<OrderRequest, 4> q{};
  // No query while the session is down: it could not go out.
  EXPECT_EQ(take_status(e, q), 0u);
  e.core->on_exec(session_event(ExecKind::session_up));
  e.core->on_exec(session_event(ExecKind::session_down));  // down again before it went out
  EXPECT_EQ(take_status(e, q), 0u);
  e.core->on_exec(session_event(ExecKind::session_up));
  ASSERT_EQ(take_status(e, q), 1u);
  EXPECT_EQ(q[0].client_order_id, o.client_order_id);
  EXPECT_EQ(q[0].kind, RequestKind::status);
  EXPECT_EQ(q[0].side, Side::sell);
  // Asked once, not on every poll.
  EXPECT_EQ(take_status(e, q), 0u);
  // Still no trading while the answer is outstanding (no duplicate hedge).
  EXPECT_EQ(e.tick(95000), 0u);
  // The venue filled it while we were away: the fill is applied from the status.
  e.core->on_exec(status_reply(o, OrderStatus::filled, 111, 0, 900000));
  EXPECT_TRUE(e.core->settled());
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -111);
  EXPECT_EQ(e.core->stats().status_replies, 1u);
  EXPECT_EQ(e.core->unknown_orders(), 0u);
}

TEST(EngineCoreTest, ResentFillBeforeTheStatusReplyStillLeavesTheQueryDue) {
  Engine e;
  e.tick(70000);
  ASSERT_EQ(e.tick(90000), 1u);
  const OrderRequest o = e.out[0];
  reconnect(e);
  // The venue's resend of the fill it sent while we were away.
  e.core->on_exec(report_of(o, ExecKind::fill, 111, 111, 0, 900000));
  EXPECT_TRUE(e.core->settled());
  std::array<OrderRequest, 4> q{};
  ASSERT_EQ(take_status(e, q), 1u);  // asked anyway
  e.core->on_exec(status_reply(o, OrderStatus::filled, 111, 0, 900000));
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -111);  // not applied twice
  EXPECT_EQ(e.core->stats().status_replies, 1u);
  EXPECT_EQ(e.core->stats().unknown_reports, 0u);
}

TEST(EngineCoreTest, QueryLostWithASecondDropIsAskedAgain) {
  Engine e;
  e.tick(70000);
  ASSERT_EQ(e.tick(90000), 1u);
  std::array<OrderRequest, 4> q{};
  reconnect(e);
  ASSERT_EQ(take_status(e, q), 1u);
  reconnect(e);
  EXPECT_EQ(take_status(e, q), 1u);
  EXPECT_EQ(e.core->stats().orders_marked_unknown, 1u);  // the same order, counted once
}

TEST(EngineCoreTest, OrderTheVenueNeverGotIsDroppedWithoutAFill) {
  Engine e;
  e.tick(70000);
  ASSERT_EQ(e.tick(90000), 1u);
  const OrderRequest o = e.out[0];
  reconnect(e);
  std::array<OrderRequest, 4> q{};
  ASSERT_EQ(take_status(e, q), 1u);
  e.core->on_exec(status_reply(o, OrderStatus::unknown, 0, 0, 0));
  EXPECT_TRUE(e.core->settled());
  EXPECT_EQ(e.core->stats().orders_lost, 1u);
  EXPECT_EQ(e.core->portfolio().positions[0].lots, 0);
  positions_agree(e);
  EXPECT_EQ(e.tick(90000), 1u);  // and trading resumes
}

TEST(EngineCoreTest, PartialFillBeforeTheDropIsNotAppliedTwice) {
  Engine e;
  e.tick(70000);
  ASSERT_EQ(e.tick(90000), 1u);
  const OrderRequest o = e.out[0];
  e.core->on_exec(report_of(o, ExecKind::partial_fill, 40, 40, 71, 900000));
  reconnect(e);
  std::array<OrderRequest, 4> q{};
  ASSERT_EQ(take_status(e, q), 1u);
  e.core->on_exec(status_reply(o, OrderStatus::canceled, 100, 0, 900000));
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -100);  // 40 seen + 60 missed
  EXPECT_TRUE(e.core->settled());
}

TEST(EngineCoreTest, SessionLossHaltsWhenConfiguredButStillResolvesOrders) {
  Engine e;
  e.config.risk.halt_on_session_loss = true;
  e.tick(70000);
  ASSERT_EQ(e.tick(90000), 1u);
  const OrderRequest o = e.out[0];
  reconnect(e);
  EXPECT_TRUE(e.core->halted());
  std::array<OrderRequest, 4> q{};
  ASSERT_EQ(take_status(e, q), 1u);  // still asked
  e.core->on_exec(status_reply(o, OrderStatus::unknown, 0, 0, 0));
  EXPECT_TRUE(e.core->settled());
  positions_agree(e);
  EXPECT_EQ(e.tick(90000), 0u);  // out of band, venue up, nothing unknown: halted
  e.core->resume();
  EXPECT_EQ(e.tick(90000), 1u);
}

TEST(EngineCoreTest, FundingMovesCashWithItsSign) {
  Engine e;
  e.tick(70000);
  const double cash = e.core->portfolio().cash;
  ExecReport paid;
  paid.kind = ExecKind::funding;
  paid.instrument = 0;
  paid.fee = 12.5;  // paid
  e.core->on_exec(paid);
  EXPECT_DOUBLE_EQ(e.core->portfolio().cash, cash - 12.5);
  paid.fee = -2.5;  // received
  e.core->on_exec(paid);
  EXPECT_DOUBLE_EQ(e.core->portfolio().cash, cash - 10.0);
  EXPECT_DOUBLE_EQ(e.core->stats().funding_paid, 10.0);
  EXPECT_EQ(e.core->stats().fundings, 2u);
  EXPECT_EQ(e.core->stats().unknown_reports, 0u);
}

// Issue 13, item 9: NAV <= 0 is an error state. A long hedge far under water takes NAV
// below zero: the engine halts once, raises an alert naming NAV, and sends nothing.
TEST(EngineCoreTest, NavNotPositiveHaltsAndAlerts) {
  Engine e;
  e.config.portfolio.positions[0] = FuturesPosition{200000, 70000};  // long 200 BTC
  e.core = std::make_unique<EngineCore>(e.config, e.gate, e.ids, 0);
  EXPECT_FALSE(e.core->halted());
  EXPECT_EQ(e.tick(69000), 0u);  // -200,000 of P&L on a 139,000 book: NAV -61,000
  EXPECT_TRUE(e.core->halted());
  EXPECT_EQ(e.core->mode(), TradingState::halted);
  auto snap = std::make_unique<EngineSnapshot>();
  e.core->fill_snapshot(*snap);
  bool alerted = false;
  for (std::size_t k = 0; k < std::min<std::uint64_t>(snap->alert_total, kSnapshotAlerts); ++k)
    alerted |= snap->alerts[k].kind == AlertKind::nav_nonpositive && snap->alerts[k].value < 0.0;
  EXPECT_TRUE(alerted);
  EXPECT_EQ(e.tick(60000), 0u);
  EXPECT_EQ(e.gate.admitted, 0);
}

// Refuses orders on one instrument, lets the rest through.
class OneLegGate final : public OrderGate {
 public:
  bool admit(PlannedOrder& order, const GateView&) noexcept override {
    return order.instrument != refuse;
  }
  void on_sent(const PlannedOrder&, std::int64_t) noexcept override {}
  InstrumentId refuse = kNoInstrument;
};

// What risk lets out of a plan must still be worth its cost. Band edge: BTC's spot is
// back inside its band with an old short on (F* = 0 unwinds it, which alone raises
// BTC's drift); ETH is far under target. With the ETH leg refused, the BTC unwind alone
// makes tracking error worse, so nothing goes; with both, both go.
TEST(EngineCoreTest, PlanCutByRiskToLessThanItsCostSendsNothing) {
  constexpr const char* kBook2 = R"(
[engine]
base_currency = "USDT"
[[instrument]]
symbol = "BTCUSDT-PERP"
kind = "perpetual"
base = "BTC"
contract_size = 0.001
lot_size = 1
tick_size = 0.1
funding_interval_s = 28800
[[instrument]]
symbol = "ETHUSDT-PERP"
kind = "perpetual"
base = "ETH"
contract_size = 0.01
lot_size = 1
tick_size = 0.01
funding_interval_s = 28800
[[target]]
asset = "BTC"
weight = 0.5
band = 0.05
hedge_with = ["BTCUSDT-PERP"]
[[target]]
asset = "ETH"
weight = 0.4
band = 0.05
hedge_with = ["ETHUSDT-PERP"]
[policy]
rebalance_to = "band_edge"
[portfolio]
cash = 27000.0
spot = [ { asset = "BTC", qty = 0.7571428571 }, { asset = "ETH", qty = 6.6666666667 } ]
futures = [ { instrument = "BTCUSDT-PERP", contracts = -43, entry_price = 70000.0 } ]
)";
  TscClock::calibrate(1'000'000);
  auto r = parse_config(kBook2, "cut.toml");
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  OneLegGate gate;
  gate.refuse = 1;  // the ETH leg
  ClientOrderIdGenerator ids{1000, std::nullopt};
  EngineCore core(*r.config, gate, ids, 0);
  std::array<OrderRequest, 8> out{};
  auto tick = [&](InstrumentId i, double price) {
    MarketTick t = perp_tick(i, price, price);
    t.recv_tsc = TscClock::now();
    return core.on_tick(t, TscClock::now(), out.data(), out.size());
  };
  // BTC spot 53,000 (53%, in band) with a 3,010 short: 49.99%; ETH 20,000: 20%, -20.
  EXPECT_EQ(tick(1, 3000), 0u);
  EXPECT_EQ(tick(0, 70000), 0u);
  EXPECT_EQ(core.stats().plans_not_worth_cost, 1u);
  EXPECT_EQ(core.stats().orders, 0u);
  gate.refuse = kNoInstrument;
  EXPECT_EQ(tick(0, 70000), 2u);
}

// A synthetic pair goes out whole or not at all: when risk refuses (or cuts) one leg,
// the other is not sent alone, and once both pass both go.
TEST(EngineCoreTest, SyntheticPairWithARefusedLegSendsNothing) {
  constexpr const char* kPair = R"(
[engine]
base_currency = "USDT"
[[instrument]]
symbol = "BTCUSDT-PERP"
kind = "perpetual"
base = "BTC"
contract_size = 0.001
lot_size = 1
tick_size = 0.1
funding_interval_s = 28800
[[instrument]]
symbol = "ETHUSDT-PERP"
kind = "perpetual"
base = "ETH"
contract_size = 0.01
lot_size = 1
tick_size = 0.01
funding_interval_s = 28800
[[target]]
asset = "BTC"
weight = 0.5
band = 0.05
hedge_with = ["BTCUSDT-PERP"]
[[target]]
asset = "ETH"
weight = 0.5
band = 0.05
hedge_with = ["ETHUSDT-PERP"]
[policy]
method = "synthetic_pair"
[portfolio]
spot = [ { asset = "BTC", qty = 1.0 }, { asset = "ETH", qty = 10.0 } ]
)";
  TscClock::calibrate(1'000'000);
  auto r = parse_config(kPair, "pair.toml");
  ASSERT_TRUE(r.ok());
  OneLegGate gate;
  gate.refuse = 1;
  ClientOrderIdGenerator ids{1000, std::nullopt};
  EngineCore core(*r.config, gate, ids, 0);
  std::array<OrderRequest, 8> out{};
  auto tick = [&](InstrumentId i, double price) {
    MarketTick t = perp_tick(i, price, price);
    t.recv_tsc = TscClock::now();
    return core.on_tick(t, TscClock::now(), out.data(), out.size());
  };
  EXPECT_EQ(tick(1, 3000), 0u);   // ETH priced: 30,000
  EXPECT_EQ(tick(0, 70000), 0u);  // BTC 70,000 of 100,000: a pair, the ETH leg refused
  EXPECT_EQ(core.stats().pairs_held, 1u);
  EXPECT_EQ(core.stats().orders, 0u);
  gate.refuse = kNoInstrument;
  ASSERT_EQ(tick(0, 70000), 2u);  // both legs, equal notional both ways
  EXPECT_NE(out[0].side, out[1].side);
}

TEST(ClientOrderIdTest, UniqueWithinARunAndAcrossRestarts) {
  ClientOrderIdGenerator a(5000, std::nullopt);
  const std::uint64_t first = a.next();
  const std::uint64_t second = a.next();
  EXPECT_LT(first, second);
  // A restart in the same millisecond (or with the clock stepped back) that knows the
  // previous run's last id starts above it.
  ClientOrderIdGenerator b(5000, second);
  EXPECT_GT(b.next(), second);
  ClientOrderIdGenerator c(4000, second);
  EXPECT_GT(c.next(), second);
  // A later restart needs no floor: its millisecond base is above every earlier id.
  ClientOrderIdGenerator d(5001, std::nullopt);
  EXPECT_GT(d.next(), second);
}

TEST(ClientOrderIdTest, SequenceOverflowMovesToTheNextBlock) {
  ClientOrderIdGenerator g(7, std::nullopt);
  std::uint64_t last = 0;
  for (int k = 0; k < (1 << ClientOrderIdGenerator::kSequenceBits) + 5; ++k) {
    const std::uint64_t id = g.next();
    ASSERT_GT(id, last);
    last = id;
  }
  EXPECT_EQ(last >> ClientOrderIdGenerator::kSequenceBits, 8u);
}

TEST(ClientOrderIdTest, FloorFileRoundTrips) {
  const std::string path = ::testing::TempDir() + "ballast_coid_test";
  ASSERT_TRUE(ClientOrderIdGenerator::write_floor(path, 123456789));
  EXPECT_EQ(ClientOrderIdGenerator::read_floor(path), 123456789u);
  std::remove(path.c_str());
  EXPECT_FALSE(ClientOrderIdGenerator::read_floor(path).has_value());
}

TEST(LoopbackVenueTest, EncodesAFixNewOrderSingleAndFills) {
  auto r = parse_config(kBook, "book.toml");
  ASSERT_TRUE(r.ok());
  LoopbackVenue venue(r.config->universe);
  OrderRequest o;
  o.client_order_id = 77;
  o.instrument = 0;
  o.side = Side::sell;
  o.lots = 111;
  o.limit_ticks = 899911;
  ASSERT_TRUE(venue.send(o));
  const std::string msg(venue.last_message(), venue.last_message_size());
  EXPECT_EQ(msg.rfind("8=FIX.4.4\x01"
                      "9=",
                      0),
            0u)
      << msg;
  EXPECT_NE(msg.find("\x01"
                     "35=D\x01"),
            std::string::npos);
  EXPECT_NE(msg.find("\x01"
                     "11=77\x01"),
            std::string::npos);
  EXPECT_NE(msg.find("\x01"
                     "55=BTCUSDT-PERP\x01"),
            std::string::npos);
  EXPECT_NE(msg.find("\x01"
                     "54=2\x01"),
            std::string::npos);
  EXPECT_NE(msg.find("\x01"
                     "38=111\x01"),
            std::string::npos);
  EXPECT_NE(msg.find("\x01"
                     "44=89991.1\x01"),
            std::string::npos);  // exact ticks * 0.1
  // BodyLength counts from after 9=...| up to the checksum field; checksum is mod 256.
  const std::size_t body_start = msg.find('\x01', msg.find("9=")) + 1;
  const std::size_t checksum_at = msg.rfind("10=");
  EXPECT_EQ(std::to_string(checksum_at - body_start),
            msg.substr(msg.find("9=") + 2, msg.find('\x01', msg.find("9=")) - msg.find("9=") - 2));
  unsigned sum = 0;
  for (std::size_t k = 0; k < checksum_at; ++k) sum += static_cast<unsigned char>(msg[k]);
  char expected[4];
  std::snprintf(expected, sizeof expected, "%03u", sum % 256);
  EXPECT_EQ(msg.substr(checksum_at + 3, 3), expected);
  std::array<ExecReport, 4> reports{};
  ASSERT_EQ(venue.poll_reports(reports.data(), reports.size()), 2u);
  EXPECT_EQ(reports[0].kind, ExecKind::ack);
  EXPECT_EQ(reports[1].kind, ExecKind::fill);
  EXPECT_EQ(reports[1].last_lots, 111);
  EXPECT_NEAR(reports[1].fee, 0.111 * 89991.1 * 5e-4, 1e-9);
  EXPECT_EQ(venue.poll_reports(reports.data(), reports.size()), 0u);
}

}  // namespace
}  // namespace ballast::engine_core_test
