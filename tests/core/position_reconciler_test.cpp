// Reconciliation through EngineCore: what a venue says it holds against what the engine
// holds, after each logon and on the periodic check ([recovery]).
#include "ballast/core/position_reconciler.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

#include "ballast/core/clock.hpp"
#include "ballast/core/engine_core.hpp"
#include "test_sources.hpp"

namespace ballast::position_reconciler_test {
namespace {

using testing::perp_tick;

// BTC on venue "default" (id 0) and ETH on venue "b" (id 1): two venues, answered
// separately.
std::string book(const std::string& recovery) {
  return R"(
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
venue = "b"
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
[portfolio]
cash = 70000.0
spot = [ { asset = "BTC", qty = 1.0 } ]
futures = [ { instrument = "BTCUSDT-PERP", contracts = -20, entry_price = 70000.0 } ]
)" + recovery;
}

class OpenGate final : public OrderGate {
 public:
  bool admit(PlannedOrder&, const GateView&) noexcept override { return true; }
  void on_sent(const PlannedOrder&, std::int64_t) noexcept override {}
};

struct Engine {
  BallastConfig config;
  OpenGate gate;
  ClientOrderIdGenerator ids{1000, std::nullopt};
  std::unique_ptr<EngineCore> core;
  std::array<OrderRequest, 8> out{};
  std::array<OrderRequest, 80> queries{};
  std::int64_t clock_ns = 0;  // added to the real clock: the tests move time on

  explicit Engine(const std::string& recovery = "") {
    TscClock::calibrate(1'000'000);
    auto r = parse_config(book(recovery), "book.toml");
    EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
    config = *r.config;
    core = std::make_unique<EngineCore>(config, gate, ids, 0);
  }
  std::size_t tick(double btc) {
    MarketTick t = perp_tick(0, btc);
    t.recv_tsc = TscClock::from_ns(TscClock::to_ns(TscClock::now()) + clock_ns);
    std::size_t n = core->on_tick(t, TscClock::now(), out.data(), out.size());
    MarketTick eth = perp_tick(1, 3000.0);
    eth.recv_tsc = t.recv_tsc;
    n += core->on_tick(eth, TscClock::now(), out.data() + n, out.size() - n);
    return n;
  }
  void session(ExecKind kind, VenueId venue) {
    ExecReport r;
    r.kind = kind;
    r.venue = venue;
    core->on_exec(r);
  }
  // A line of the answer to the venue's current request (or to `request`, when given).
  void line(VenueId venue, InstrumentId i, std::int64_t lots, double entry,
            std::uint64_t request = 0) {
    ExecReport r;
    r.kind = ExecKind::position;
    r.venue = venue;
    r.instrument = i;
    r.cum_lots = lots;
    r.entry_price = entry;
    r.client_order_id = request != 0 ? request : core->reconciler().request(venue);
    core->on_exec(r);
    ++lines_sent[venue];
  }
  // The end of that answer, counting the lines sent since the last end (or `lines`).
  void end(VenueId venue, std::uint64_t request = 0, std::int64_t lines = -1) {
    ExecReport r;
    r.kind = ExecKind::positions_end;
    r.venue = venue;
    r.client_order_id = request != 0 ? request : core->reconciler().request(venue);
    r.cum_lots = lines >= 0 ? lines : lines_sent[venue];
    core->on_exec(r);
    lines_sent[venue] = 0;
  }
  std::array<std::int64_t, kMaxVenues> lines_sent{};
  // Positions requests taken from the engine (for one venue's instrument, or any).
  std::size_t positions_requests(InstrumentId on = kNoInstrument) {
    const std::size_t n = core->take_status_queries(queries.data(), queries.size());
    std::size_t p = 0;
    for (std::size_t k = 0; k < n; ++k)
      p += queries[k].kind == RequestKind::positions &&
                   (on == kNoInstrument || queries[k].instrument == on)
               ? 1u
               : 0u;
    return p;
  }
  // Both venues logged on and answered as the engine believes (BTC -20, ETH flat).
  void in_sync() {
    for (VenueId v : {VenueId{0}, VenueId{1}}) {
      core->set_venue_up(v, false);
      session(ExecKind::session_up, v);
    }
    positions_requests();
    line(0, 0, -20, 70000.0);
    end(0);
    end(1);
  }
};

bool has_alert(const EngineCore& core, AlertKind kind) {
  EngineSnapshot s{};
  const_cast<EngineCore&>(core).fill_snapshot(s);
  for (std::size_t k = 0; k < s.alerts.size() && k < s.alert_total; ++k)
    if (s.alerts[k].kind == kind) return true;
  return false;
}

TEST(PositionReconcilerTest, EachLogonAsksItsVenueAfterTheStatusQueries) {
  Engine e;
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  const std::size_t n = e.core->take_status_queries(e.queries.data(), e.queries.size());
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(e.queries[0].kind, RequestKind::positions);
  EXPECT_EQ(e.queries[0].instrument, 0);  // routes to venue "default"
  EXPECT_EQ(e.core->stats().position_queries, 1u);
  EXPECT_EQ(e.core->reconciler().state(0), VenueSync::asking);
  EXPECT_EQ(e.core->reconciler().state(1), VenueSync::in_sync);  // never connected
}

TEST(PositionReconcilerTest, NothingTradesUntilTheAnswerIsComplete) {
  Engine e;
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  e.positions_requests();
  e.tick(70000);
  EXPECT_EQ(e.tick(95000), 0u);  // far out of band, but venue "default" has not answered
  EXPECT_GE(e.core->stats().ticks_venue_down, 1u);
  e.line(0, 0, -20, 70000.0);
  EXPECT_EQ(e.tick(95000), 0u);  // a line is not the answer: the end is
  e.end(0);
  EXPECT_EQ(e.core->reconciler().state(0), VenueSync::in_sync);
  EXPECT_EQ(e.core->reconciler().mismatches(), 0u);
  EXPECT_GT(e.tick(95000), 0u);
}

TEST(PositionReconcilerTest, ADifferenceIsAdoptedRecordedAndAlerted) {
  Engine e;
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  e.positions_requests();
  e.line(0, 0, -131, 71000.0);  // the venue filled more than we know of
  e.end(0);
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -131);
  EXPECT_DOUBLE_EQ(e.core->portfolio().positions[0].entry_price, 71000.0);
  ASSERT_EQ(e.core->reconciler().record_count(), 1u);
  const ReconcileRecord& r = e.core->reconciler().record(0);
  EXPECT_EQ(r.engine_lots, -20);
  EXPECT_EQ(r.venue_lots, -131);
  EXPECT_EQ(r.instrument, 0);
  EXPECT_EQ(r.venue, 0);
  EXPECT_FALSE(r.halted);
  EXPECT_TRUE(has_alert(*e.core, AlertKind::position_mismatch));
  EXPECT_FALSE(e.core->halted());
}

TEST(PositionReconcilerTest, AnInstrumentTheAnswerLeavesOutIsFlatThere) {
  Engine e;
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  e.positions_requests();
  e.end(0);  // the venue holds nothing
  EXPECT_EQ(e.core->portfolio().positions[0].lots, 0);
  EXPECT_DOUBLE_EQ(e.core->portfolio().positions[0].entry_price, 0.0);
  EXPECT_EQ(e.core->reconciler().mismatches(), 1u);
}

TEST(PositionReconcilerTest, HaltOnMismatchAdoptsAndHalts) {
  Engine e("[recovery]\non_mismatch = \"halt\"\n");
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  e.positions_requests();
  e.line(0, 0, -25, 70000.0);
  e.end(0);
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -25);
  EXPECT_TRUE(e.core->halted());
  EXPECT_TRUE(e.core->reconciler().record(0).halted);
  e.tick(70000);
  EXPECT_EQ(e.tick(95000), 0u);
  e.core->resume();  // the operator looked
  EXPECT_GT(e.tick(95000), 0u);
}

TEST(PositionReconcilerTest, LinesThatMakeNoSenseAreCountedNeverApplied) {
  Engine e;
  e.line(0, 0, -99, 1.0);  // nobody asked
  e.end(0);
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -20);
  EXPECT_EQ(e.core->stats().position_lines_bad, 2u);
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  e.line(0, 1, 7, 3000.0);  // ETH lives on venue "b", not "a"
  e.end(0);
  EXPECT_EQ(e.core->portfolio().positions[1].lots, 0);
  EXPECT_EQ(e.core->stats().position_lines_bad, 3u);
  EXPECT_EQ(e.core->stats().position_answers, 1u);
}

TEST(PositionReconcilerTest, ALateAnswerLeavesTheVenueUntradableAndItIsAskedAgain) {
  Engine e;  // timeout_s = 10 by default
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  EXPECT_EQ(e.positions_requests(), 1u);
  e.tick(70000);
  e.clock_ns = 11'000'000'000;
  EXPECT_EQ(e.tick(95000), 0u);
  EXPECT_EQ(e.core->reconciler().state(0), VenueSync::unanswered);
  EXPECT_TRUE(has_alert(*e.core, AlertKind::positions_unanswered));
  EXPECT_EQ(e.positions_requests(), 1u);  // asked again
  e.clock_ns = 22'000'000'000;
  EXPECT_EQ(e.tick(95000), 0u);
  EXPECT_EQ(e.positions_requests(), 1u);
  e.line(0, 0, -20, 70000.0);
  e.end(0);
  EXPECT_EQ(e.core->reconciler().state(0), VenueSync::in_sync);
  EXPECT_GT(e.tick(95000), 0u);
}

TEST(PositionReconcilerTest, ASessionLostMidAnswerDropsItsLinesAndAsksAfterTheNextLogon) {
  Engine e;
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  e.positions_requests();
  e.line(0, 0, -500, 70000.0);
  e.session(ExecKind::session_down, 0);
  e.clock_ns = 30'000'000'000;
  e.tick(70000);  // no timeout while the session is down: nothing can answer
  EXPECT_EQ(e.core->reconciler().state(0), VenueSync::asking);
  e.session(ExecKind::session_up, 0);
  EXPECT_EQ(e.positions_requests(), 1u);
  e.end(0, 0, 0);  // this answer has no lines: the one before the drop is gone
  EXPECT_EQ(e.core->portfolio().positions[0].lots, 0);
}

TEST(PositionReconcilerTest, AnAnswerWhileOurOrderIsInFlightIsNotComparedButAskedAgain) {
  Engine e;
  e.in_sync();
  e.tick(70000);
  ASSERT_EQ(e.tick(95000), 1u);  // an order in flight on venue "default"
  const OrderRequest o = e.out[0];
  // The periodic check comes due (check_s = 60) while it is open: not asked yet.
  e.clock_ns = 61'000'000'000;
  e.tick(95000);
  EXPECT_EQ(e.positions_requests(0), 0u);  // venue "b" (idle) is asked; "default" is not
  ExecReport fill;
  fill.client_order_id = o.client_order_id;
  fill.instrument = o.instrument;
  fill.side = o.side;
  fill.kind = ExecKind::fill;
  fill.last_lots = o.lots;
  fill.cum_lots = o.lots;
  fill.last_price_ticks = 950000;
  e.core->on_exec(fill);
  e.tick(95000);
  EXPECT_EQ(e.positions_requests(0), 1u);  // idle now: asked
  const std::int64_t held = e.core->portfolio().positions[0].lots;
  e.line(0, 0, held, 70000.0);
  e.end(0);
  EXPECT_EQ(e.core->reconciler().mismatches(), 0u);
  EXPECT_EQ(e.core->reconciler().state(0), VenueSync::in_sync);
}

TEST(PositionReconcilerTest, ReconcileFalseAsksNoVenue) {
  Engine e("[recovery]\nreconcile = false\n");
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  EXPECT_EQ(e.positions_requests(), 0u);
  EXPECT_EQ(e.core->reconciler().state(0), VenueSync::in_sync);
  e.tick(70000);
  EXPECT_GT(e.tick(95000), 0u);  // trusts its own book, as before reconciliation
}

TEST(PositionReconcilerTest, CheckSZeroAsksOnlyAfterALogon) {
  Engine e("[recovery]\ncheck_s = 0\n");
  e.in_sync();
  e.tick(70000);
  e.clock_ns = 3'600'000'000'000;
  e.tick(71000);
  EXPECT_EQ(e.positions_requests(), 0u);
  EXPECT_EQ(e.core->reconciler().asked(), 2u);
}

// An answer carries its request's id and its line count: an older request's answer, or
// one that lost lines on the way, is never adopted (the venue is asked again).
TEST(PositionReconcilerTest, AStaleOrShortAnswerIsNeverAdopted) {
  Engine e;
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  ASSERT_EQ(e.positions_requests(), 1u);
  const std::uint64_t first = e.core->reconciler().request(0);
  e.session(ExecKind::session_down, 0);
  e.session(ExecKind::session_up, 0);  // asked again: a new id
  ASSERT_EQ(e.positions_requests(), 1u);
  ASSERT_NE(e.core->reconciler().request(0), first);
  e.line(0, 0, -999, 1.0, first);  // the first request's answer, late
  e.end(0, first, 1);
  EXPECT_EQ(e.core->reconciler().state(0), VenueSync::asking);
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -20);
  EXPECT_EQ(e.core->stats().position_lines_bad, 2u);
  // The current answer says it had two lines; one arrived: not compared, asked again.
  e.line(0, 0, -999, 1.0);
  e.end(0, 0, 2);
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -20);
  EXPECT_EQ(e.core->reconciler().mismatches(), 0u);
  e.tick(70000);
  EXPECT_EQ(e.positions_requests(), 1u);
  e.line(0, 0, -20, 70000.0);
  e.end(0);
  EXPECT_EQ(e.core->reconciler().state(0), VenueSync::in_sync);
}

// A hedge-mode account answers each side apart: the lines of one instrument add up; an
// adopted position without an entry price is valued from the mark.
TEST(PositionReconcilerTest, LinesOfOneInstrumentAddUpAndAMissingEntryIsTheMark) {
  Engine e;
  e.tick(70000);
  e.core->set_venue_up(0, false);
  e.session(ExecKind::session_up, 0);
  e.positions_requests();
  e.line(0, 0, 30, 0.0);   // LONG side
  e.line(0, 0, -45, 0.0);  // SHORT side
  e.end(0);
  EXPECT_EQ(e.core->portfolio().positions[0].lots, -15);
  EXPECT_GT(e.core->portfolio().positions[0].entry_price, 69000.0);  // the mark, not 0
}

TEST(RecoveryConfigTest, KeysLoadAndEveryBadOneIsReported) {
  auto ok = parse_config(
      book("[recovery]\non_mismatch = \"halt\"\ncheck_s = 5\ntimeout_s = 2\nreconcile = false\n"),
      "book.toml");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok.config->recovery.halt_on_mismatch);
  EXPECT_DOUBLE_EQ(ok.config->recovery.check_s, 5.0);
  EXPECT_DOUBLE_EQ(ok.config->recovery.timeout_s, 2.0);
  EXPECT_FALSE(ok.config->recovery.reconcile);
  auto bad = parse_config(
      book("[recovery]\non_mismatch = \"ignore\"\ncheck_s = -1\ntimeout_s = 0\nretry = 1\n"),
      "book.toml");
  ASSERT_FALSE(bad.ok());
  std::string all;
  for (const ConfigError& err : bad.errors) all += err.to_string() + "\n";
  for (const char* key :
       {"recovery.on_mismatch", "recovery.check_s", "recovery.timeout_s", "recovery.retry"})
    EXPECT_NE(all.find(key), std::string::npos) << key << " in\n" << all;
}

}  // namespace
}  // namespace ballast::position_reconciler_test
