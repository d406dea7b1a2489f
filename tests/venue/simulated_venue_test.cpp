// SimulatedVenue: reports, every reject reason, reduce-only, exact maker/taker fees,
// funding sign and amount, expiry settlement, replace and cancel through the venue,
// margin, and the market maker and fault switches on top of it.
#include "ballast/venue/simulated_venue.hpp"

#include <gtest/gtest.h>

#include "ballast/venue/market_maker.hpp"
#include "venue_fixtures.hpp"

namespace ballast::venue::simulated_venue_test {
namespace {

using testing::executions_of;
using testing::last_of;
using testing::new_limit;
using testing::new_market;
using testing::TestUniverse;

constexpr std::int64_t kNs = 1'000'000'000;
constexpr std::int64_t kHour = 3600 * kNs;
// 2024-01-01T00:00:00Z: a funding boundary (a multiple of 8 hours since the epoch).
constexpr std::int64_t kT0 = 1'704'067'200 * kNs;

class SimulatedVenueTest : public ::testing::Test {
 protected:
  SimulatedVenueTest() : venue(tu.universe, options()) {
    mm = venue.add_account(AccountConfig{"mm", 0.0, false, false});
    engine = venue.add_account(AccountConfig{"engine", 10'000.0, false, false});
    venue.start_at(kT0 + kHour);
    venue.set_mark(tu.perp, 1600.0, 1600.0, 0.0001);
    venue.set_mark(tu.future, 1600.0, 1600.0, 0.0);
  }
  static VenueOptions options() {
    VenueOptions o;
    o.report_internal = true;
    return o;
  }
  // The market maker's standing ask and bid around 1600 (3200 ticks of 0.5).
  void quote_around(InstrumentId i, std::int64_t bid, std::int64_t ask, std::int64_t lots) {
    venue.submit(new_limit(mm, next_id++, i, Side::buy, lots, bid));
    venue.submit(new_limit(mm, next_id++, i, Side::sell, lots, ask));
  }
  ExecReport last_engine_report() const {
    for (auto it = venue.executions().rbegin(); it != venue.executions().rend(); ++it)
      if (it->account == engine) return it->to_exec_report();
    return ExecReport{};
  }

  TestUniverse tu;
  SimulatedVenue venue;
  AccountId mm = 0;
  AccountId engine = 0;
  std::uint64_t next_id = 1000;
};

TEST_F(SimulatedVenueTest, AckPrecedesFillsAndReportsCarryCumAndLeaves) {
  quote_around(tu.perp, 3198, 3202, 3);
  venue.submit(new_limit(mm, next_id++, tu.perp, Side::sell, 4, 3204));
  venue.clear_events();
  const OrderId id = venue.submit(new_limit(engine, 1, tu.perp, Side::buy, 5, 3204));
  ASSERT_NE(id, kNoOrder);
  const auto mine = executions_of(venue, engine);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0].exec_type, ExecType::new_order);
  EXPECT_EQ(mine[0].order_id, id);
  EXPECT_EQ(mine[0].leaves_lots, 5);
  EXPECT_EQ(mine[1].exec_type, ExecType::partial_fill);
  EXPECT_EQ(mine[1].last_lots, 3);
  EXPECT_EQ(mine[1].last_price_ticks, 3202);
  EXPECT_EQ(mine[1].leaves_lots, 2);
  EXPECT_FALSE(mine[1].maker);
  EXPECT_EQ(mine[2].exec_type, ExecType::fill);
  EXPECT_EQ(mine[2].last_lots, 2);
  EXPECT_EQ(mine[2].last_price_ticks, 3204);
  EXPECT_EQ(mine[2].cum_lots, 5);
  EXPECT_EQ(mine[2].leaves_lots, 0);
  EXPECT_DOUBLE_EQ(mine[2].avg_price_ticks, (3.0 * 3202 + 2.0 * 3204) / 5.0);
  const ExecReport r = mine[2].to_exec_report();
  EXPECT_EQ(r.kind, ExecKind::fill);
  EXPECT_EQ(r.client_order_id, 1u);
  EXPECT_EQ(r.cum_lots, 5);
  EXPECT_EQ(venue.position(engine, tu.perp).lots, 5);
  EXPECT_EQ(venue.position(mm, tu.perp).lots, -5);
  EXPECT_EQ(venue.account(engine).open[tu.perp].buy, 0);
  EXPECT_EQ(venue.account(mm).open[tu.perp].sell, 2);  // 4 at 3204, 2 taken
}

TEST_F(SimulatedVenueTest, FeesMakerAndTakerAreExact) {
  // 5 contracts of 1 BTC at 1600 = 8000 notional: taker 5 bps = 4, maker 2.5 bps = 2.
  venue.submit(new_limit(mm, next_id++, tu.perp, Side::sell, 5, 3200));
  venue.submit(new_market(engine, 1, tu.perp, Side::buy, 5));
  const Execution* taker = last_of(venue, engine, ExecType::fill);
  const Execution* maker = last_of(venue, mm, ExecType::fill);
  ASSERT_NE(taker, nullptr);
  ASSERT_NE(maker, nullptr);
  EXPECT_EQ(taker->fee, 4.0);
  EXPECT_FALSE(taker->maker);
  EXPECT_EQ(maker->fee, 2.0);
  EXPECT_TRUE(maker->maker);
  EXPECT_EQ(venue.account(engine).fees_paid, 4.0);
  EXPECT_EQ(venue.account(engine).portfolio.cash, 10'000.0 - 4.0);  // opening: no cash moves
  EXPECT_EQ(venue.account(mm).portfolio.cash, -2.0);
  EXPECT_EQ(venue.position(engine, tu.perp).entry_price, 1600.0);

  // Engine now rests a bid and is the maker.
  venue.submit(new_limit(engine, 2, tu.perp, Side::buy, 5, 3200));
  venue.submit(new_market(mm, next_id++, tu.perp, Side::sell, 5));
  EXPECT_EQ(last_of(venue, engine, ExecType::fill)->fee, 2.0);
  EXPECT_EQ(last_of(venue, mm, ExecType::fill)->fee, 4.0);
  EXPECT_EQ(venue.account(engine).fees_paid, 6.0);
}

TEST_F(SimulatedVenueTest, SpotFillsMoveHoldingsAndCash) {
  // 0.5 BTC (500 lots of 0.001) at 1600.00 (160000 ticks of 0.01) = 800; fee 10 bps = 0.8.
  venue.submit(new_limit(mm, next_id++, tu.spot, Side::sell, 500, 160000));
  venue.submit(new_market(engine, 1, tu.spot, Side::buy, 500));
  const AssetId btc = tu.universe.find_asset("BTC");
  EXPECT_DOUBLE_EQ(venue.account(engine).portfolio.spot_qty[btc], 0.5);
  EXPECT_DOUBLE_EQ(venue.account(engine).portfolio.cash, 10'000.0 - 800.0 - 0.8);
  EXPECT_DOUBLE_EQ(venue.account(mm).portfolio.spot_qty[btc], -0.5);
}

TEST_F(SimulatedVenueTest, EveryRejectReasonIsReported) {
  InstrumentSpec& spec = tu.spec(tu.eth_perp);
  spec.min_qty = Decimal{3, 0};
  spec.max_order_qty = Decimal{1000, 0};
  spec.min_notional = 5.0;
  spec.derive();
  SimulatedVenue v(tu.universe);
  const AccountId mm2 = v.add_account(AccountConfig{"mm", 0.0, true, false});
  const AccountId a = v.add_account(AccountConfig{"engine", 100.0, false, false});
  const AccountId poor = v.add_account(AccountConfig{"poor", 10.0, false, true});
  v.start_at(kT0);
  v.set_mark(tu.eth_perp, 2000.0, 2000.0, 0.0);
  v.set_mark(tu.perp, 1600.0, 1600.0, 0.0);
  const InstrumentId eth = tu.eth_perp;  // 0.01 ETH per contract, tick 0.01

  const auto expect_reject = [&](OrderId id, RejectReason why) {
    EXPECT_EQ(id, kNoOrder);
    const Execution& e = v.executions().back();
    EXPECT_EQ(e.exec_type, ExecType::rejected);
    EXPECT_EQ(e.reason, why) << to_string(e.reason) << " instead of " << to_string(why);
    EXPECT_EQ(e.to_exec_report().kind, ExecKind::rejected);
    EXPECT_EQ(e.to_exec_report().reject_code, static_cast<std::uint16_t>(why));
  };
  expect_reject(v.submit(new_limit(a, 1, 77, Side::buy, 5, 200000)),
                RejectReason::unknown_instrument);
  expect_reject(v.submit(new_limit(a, 1, eth, Side::buy, 0, 200000)), RejectReason::bad_quantity);
  expect_reject(v.submit(new_limit(a, 1, eth, Side::buy, -4, 200000)), RejectReason::bad_quantity);
  expect_reject(v.submit(new_limit(a, 1, eth, Side::buy, 2, 200000)), RejectReason::below_min_qty);
  expect_reject(v.submit(new_limit(a, 1, eth, Side::buy, 1001, 200000)),
                RejectReason::above_max_qty);
  expect_reject(v.submit(new_limit(a, 1, eth, Side::buy, 5, 0)), RejectReason::bad_price);
  expect_reject(v.submit(new_limit(a, 1, eth, Side::buy, 5, -3)), RejectReason::bad_price);
  // 3 contracts * 0.01 ETH * 100.00 = 3 < 5 min notional.
  expect_reject(v.submit(new_limit(a, 1, eth, Side::buy, 3, 10000)),
                RejectReason::below_min_notional);

  // Wire decimals: quantity must be whole lots, price whole ticks.
  WireOrder w;
  w.account = a;
  w.client_order_id = 2;
  w.instrument = eth;
  w.side = Side::buy;
  w.qty = *Decimal::parse("4.5");
  w.price = *Decimal::parse("2000.00");
  expect_reject(v.submit(w), RejectReason::bad_quantity);
  w.qty = *Decimal::parse("-4");
  expect_reject(v.submit(w), RejectReason::bad_quantity);
  w.qty = *Decimal::parse("4");
  w.price = *Decimal::parse("2000.005");
  expect_reject(v.submit(w), RejectReason::off_tick);
  w.price = *Decimal::parse("0");
  expect_reject(v.submit(w), RejectReason::bad_price);
  w.price = *Decimal::parse("1999.99");
  ASSERT_NE(v.submit(w), kNoOrder);
  EXPECT_EQ(v.find_by_client_id(a, 2)->price_ticks, 199999);
  EXPECT_EQ(v.find_by_client_id(a, 2)->order_lots, 4);

  expect_reject(v.submit(new_limit(a, 2, eth, Side::buy, 4, 199000)),
                RejectReason::duplicate_client_order_id);

  v.submit(new_limit(mm2, 50, eth, Side::sell, 10, 200100));
  expect_reject(v.submit(new_limit(a, 3, eth, Side::buy, 4, 200100, TimeInForce::post_only)),
                RejectReason::post_only_would_cross);
  expect_reject(v.submit(new_limit(a, 4, eth, Side::sell, 4, 200200, TimeInForce::gtc, true)),
                RejectReason::reduce_only_would_increase);
  expect_reject(v.submit(new_limit(a, 5, tu.spot, Side::sell, 4, 200200, TimeInForce::gtc, true)),
                RejectReason::unsupported);
  // 10 cash at 5x leverage holds 50 of notional: 1 contract of 1 BTC at 1600 is far more.
  expect_reject(v.submit(new_limit(poor, 6, tu.perp, Side::buy, 1, 3200)),
                RejectReason::insufficient_margin);

  v.faults().reject_next(2);
  expect_reject(v.submit(new_limit(a, 7, eth, Side::buy, 4, 199000)), RejectReason::injected_fault);
  // Internal accounts are exempt and do not use up the count.
  EXPECT_NE(v.submit(new_limit(mm2, 51, eth, Side::sell, 4, 200300)), kNoOrder);
  expect_reject(v.submit(new_limit(a, 8, eth, Side::buy, 4, 199000)), RejectReason::injected_fault);
  EXPECT_NE(v.submit(new_limit(a, 9, eth, Side::buy, 4, 199000)), kNoOrder);

  EXPECT_EQ(v.account(a).rejects, 18u);
}

TEST_F(SimulatedVenueTest, MarginCheckAdmitsWhatEquityCovers) {
  const AccountId m = venue.add_account(AccountConfig{"margined", 1000.0, false, true});
  // 1000 at 5x holds 5000: three contracts at 1600 (4800) pass, a fourth does not.
  ASSERT_NE(venue.submit(new_limit(m, 1, tu.perp, Side::buy, 3, 3100)), kNoOrder);
  EXPECT_EQ(venue.submit(new_limit(m, 2, tu.perp, Side::buy, 1, 3100)), kNoOrder);
  EXPECT_EQ(venue.executions().back().reason, RejectReason::insufficient_margin);
  // The other side does not add to the worst case until it exceeds the open bids.
  EXPECT_NE(venue.submit(new_limit(m, 3, tu.perp, Side::sell, 3, 3300)), kNoOrder);
  const MarginSummary s = venue.margin(m);
  EXPECT_DOUBLE_EQ(s.equity, 1000.0);
  EXPECT_DOUBLE_EQ(s.initial_margin, 3 * 1600.0 / 5.0);
  EXPECT_DOUBLE_EQ(s.available(), 1000.0 - 960.0);
}

TEST_F(SimulatedVenueTest, ReduceOnlyTrimsRejectsAndFollowsThePosition) {
  // Flat: a reduce-only order has nothing to reduce.
  EXPECT_EQ(
      venue.submit(new_limit(engine, 1, tu.perp, Side::sell, 3, 3300, TimeInForce::gtc, true)),
      kNoOrder);
  EXPECT_EQ(venue.executions().back().reason, RejectReason::reduce_only_would_increase);

  venue.seed_position(engine, tu.perp, 5, 1600.0, mm);
  // Long 5: a reduce-only buy would increase it.
  EXPECT_EQ(venue.submit(new_limit(engine, 2, tu.perp, Side::buy, 1, 3100, TimeInForce::gtc, true)),
            kNoOrder);
  // A reduce-only sell of 8 is trimmed to the 5 held.
  const OrderId ro =
      venue.submit(new_limit(engine, 3, tu.perp, Side::sell, 8, 3300, TimeInForce::gtc, true));
  ASSERT_NE(ro, kNoOrder);
  EXPECT_EQ(venue.book(tu.perp).find(ro)->order_lots, 5);
  EXPECT_EQ(executions_of(venue, engine).back().order_lots, 5);
  // Nothing left to reduce: the resting reduce-only order already covers the position.
  EXPECT_EQ(
      venue.submit(new_limit(engine, 4, tu.perp, Side::sell, 1, 3310, TimeInForce::gtc, true)),
      kNoOrder);

  // A normal sell of 3 shrinks the position to 2: the reduce-only order is restated to 2.
  venue.submit(new_limit(mm, next_id++, tu.perp, Side::buy, 3, 3200));
  venue.submit(new_market(engine, 5, tu.perp, Side::sell, 3));
  EXPECT_EQ(venue.position(engine, tu.perp).lots, 2);
  ASSERT_NE(venue.book(tu.perp).find(ro), nullptr);
  EXPECT_EQ(venue.book(tu.perp).find(ro)->leaves_lots(), 2);
  EXPECT_EQ(last_of(venue, engine, ExecType::restated)->leaves_lots, 2);
  EXPECT_EQ(venue.account(engine).open[tu.perp].reduce_only_sell, 2);

  // Flat again: it is cancelled.
  venue.submit(new_limit(mm, next_id++, tu.perp, Side::buy, 2, 3200));
  venue.submit(new_market(engine, 6, tu.perp, Side::sell, 2));
  EXPECT_EQ(venue.position(engine, tu.perp).lots, 0);
  EXPECT_EQ(venue.book(tu.perp).find(ro), nullptr);
  const Execution* c = last_of(venue, engine, ExecType::canceled);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->order_id, ro);
  EXPECT_EQ(c->reason, RejectReason::reduce_only_would_increase);
  EXPECT_EQ(venue.account(engine).open[tu.perp].reduce_only_sell, 0);
  EXPECT_EQ(venue.account(engine).open[tu.perp].sell, 0);
}

TEST_F(SimulatedVenueTest, ReduceOnlyMakerNeverFlipsWithinOneSweep) {
  venue.seed_position(engine, tu.perp, -5, 1600.0, mm);
  // Engine short 5: a normal bid of 10 at a better price, and a reduce-only bid of 5 under it.
  venue.submit(new_limit(engine, 1, tu.perp, Side::buy, 10, 3202));
  const OrderId ro =
      venue.submit(new_limit(engine, 2, tu.perp, Side::buy, 5, 3200, TimeInForce::gtc, true));
  ASSERT_NE(ro, kNoOrder);
  // One sell of 15 sweeps both: the first bid flips the engine long 5, so the reduce-only
  // one must not fill.
  venue.submit(new_market(mm, next_id++, tu.perp, Side::sell, 15));
  EXPECT_EQ(venue.position(engine, tu.perp).lots, 5);
  EXPECT_EQ(venue.book(tu.perp).find(ro), nullptr);
  EXPECT_EQ(venue.account(engine).open[tu.perp].buy, 0);
}

TEST_F(SimulatedVenueTest, FundingLongsPayShortsWhenRateIsPositive) {
  // Clock at kT0 + 1h; the next funding is at kT0 + 8h.
  EXPECT_EQ(venue.next_funding_ns(tu.perp), kT0 + 8 * kHour);
  venue.seed_position(engine, tu.perp, 10, 1500.0, mm);
  venue.set_mark(tu.perp, 1600.0, 1599.0, 0.0001);
  venue.advance_to(kT0 + 8 * kHour - 1);
  EXPECT_TRUE(venue.cash_events().empty());
  venue.advance_to(kT0 + 8 * kHour);
  // 10 contracts * 1 BTC * 1600 mark * 0.0001 = 1.6 paid by the long, to the short.
  ASSERT_EQ(venue.cash_events().size(), 2u);
  EXPECT_DOUBLE_EQ(venue.account(engine).funding_paid, 1.6);
  EXPECT_DOUBLE_EQ(venue.account(engine).portfolio.cash, 10'000.0 - 1.6);
  EXPECT_DOUBLE_EQ(venue.account(mm).funding_paid, -1.6);
  EXPECT_DOUBLE_EQ(venue.account(mm).portfolio.cash, 1.6);
  for (const CashEvent& e : venue.cash_events()) {
    EXPECT_EQ(e.kind, CashEventKind::funding);
    EXPECT_EQ(e.sim_ns, kT0 + 8 * kHour);
    EXPECT_DOUBLE_EQ(e.amount, e.account == engine ? -1.6 : 1.6);
  }
  EXPECT_EQ(venue.next_funding_ns(tu.perp), kT0 + 16 * kHour);

  // A negative rate: shorts pay longs. Two intervals in one advance settle twice.
  venue.clear_events();
  venue.set_mark(tu.perp, 1600.0, 1600.0, -0.0005);
  venue.advance_to(kT0 + 24 * kHour + 5);
  EXPECT_EQ(venue.cash_events().size(), 4u);
  EXPECT_DOUBLE_EQ(venue.account(engine).funding_paid, 1.6 - 2 * 8.0);
  EXPECT_DOUBLE_EQ(venue.account(mm).funding_paid, -1.6 + 2 * 8.0);
  EXPECT_DOUBLE_EQ(venue.account(engine).funding_paid + venue.account(mm).funding_paid, 0.0);
}

TEST_F(SimulatedVenueTest, DatedFutureExpiresAndSettlesAtTheMark) {
  venue.seed_position(engine, tu.future, 4, 1500.0, mm);
  const OrderId resting = venue.submit(new_limit(engine, 1, tu.future, Side::buy, 2, 3000));
  ASSERT_NE(resting, kNoOrder);
  const std::int64_t expiry = TestUniverse::kExpiryS * kNs;
  venue.set_mark(tu.future, 1650.0, 1650.0, 0.0);
  venue.set_mark(tu.perp, 1650.0, 1650.0, 0.0);
  venue.clear_events();
  venue.advance_to(expiry - 1);
  EXPECT_FALSE(venue.expired(tu.future));
  venue.advance_to(expiry + 10 * kNs);
  EXPECT_TRUE(venue.expired(tu.future));
  EXPECT_EQ(venue.position(engine, tu.future).lots, 0);
  EXPECT_EQ(venue.position(mm, tu.future).lots, 0);
  // 4 contracts * (1650 - 1500) = 600 to the long, from the short.
  EXPECT_DOUBLE_EQ(venue.account(engine).settled_pnl, 600.0);
  EXPECT_DOUBLE_EQ(venue.account(mm).settled_pnl, -600.0);
  EXPECT_DOUBLE_EQ(venue.account(engine).portfolio.cash, 10'000.0 + 600.0);
  const Execution* ex = last_of(venue, engine, ExecType::expired);
  ASSERT_NE(ex, nullptr);
  EXPECT_EQ(ex->order_id, resting);
  EXPECT_EQ(ex->to_exec_report().kind, ExecKind::expired);
  EXPECT_EQ(venue.book(tu.future).order_count(), 0u);
  EXPECT_EQ(venue.account(engine).open[tu.future].buy, 0);
  bool settled = false;
  for (const CashEvent& e : venue.cash_events())
    if (e.kind == CashEventKind::settlement && e.account == engine) {
      settled = true;
      EXPECT_EQ(e.lots, 4);
      EXPECT_DOUBLE_EQ(e.price, 1650.0);
      EXPECT_DOUBLE_EQ(e.amount, 600.0);
      EXPECT_EQ(e.sim_ns, expiry);
    }
  EXPECT_TRUE(settled);
  EXPECT_EQ(venue.submit(new_limit(engine, 2, tu.future, Side::buy, 1, 3000)), kNoOrder);
  EXPECT_EQ(venue.executions().back().reason, RejectReason::instrument_expired);
}

TEST_F(SimulatedVenueTest, ReplaceRenamesTheOrderAndReportsBeforeItsFills) {
  venue.submit(new_limit(mm, next_id++, tu.perp, Side::sell, 3, 3210));
  ASSERT_NE(venue.submit(new_limit(engine, 1, tu.perp, Side::buy, 5, 3190)), kNoOrder);
  venue.clear_events();
  ASSERT_TRUE(venue.replace(engine, tu.perp, 1, 2, 5, 3210));
  const auto mine = executions_of(venue, engine);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].exec_type, ExecType::replaced);
  EXPECT_EQ(mine[0].client_order_id, 2u);
  EXPECT_EQ(mine[0].orig_client_order_id, 1u);
  EXPECT_EQ(mine[0].price_ticks, 3210);
  EXPECT_EQ(mine[0].leaves_lots, 5);
  EXPECT_EQ(mine[1].exec_type, ExecType::partial_fill);
  EXPECT_EQ(mine[1].client_order_id, 2u);
  EXPECT_EQ(mine[1].last_lots, 3);
  EXPECT_EQ(venue.account(engine).open[tu.perp].buy, 2);
  EXPECT_EQ(venue.find_by_client_id(engine, 1), nullptr);
  ASSERT_NE(venue.find_by_client_id(engine, 2), nullptr);

  // The old ClOrdID is gone: cancelling it is refused, and the order stays.
  venue.clear_events();
  EXPECT_FALSE(venue.cancel(engine, tu.perp, 1, 3));
  ASSERT_EQ(venue.executions().size(), 1u);
  EXPECT_EQ(venue.executions()[0].exec_type, ExecType::cancel_rejected);
  EXPECT_EQ(venue.executions()[0].reason, RejectReason::unknown_order);
  EXPECT_EQ(venue.executions()[0].to_exec_report().kind, ExecKind::ack);  // order still live

  // Replace refused (size not above what filled): the order is unchanged.
  EXPECT_FALSE(venue.replace(engine, tu.perp, 2, 4, 3, 3210));
  EXPECT_EQ(venue.executions().back().exec_type, ExecType::cancel_rejected);
  EXPECT_EQ(venue.executions().back().leaves_lots, 2);
  EXPECT_EQ(venue.find_by_client_id(engine, 2)->leaves_lots(), 2);

  ASSERT_TRUE(venue.cancel(engine, tu.perp, 2, 5));
  const Execution& c = venue.executions().back();
  EXPECT_EQ(c.exec_type, ExecType::canceled);
  EXPECT_EQ(c.client_order_id, 5u);
  EXPECT_EQ(c.orig_client_order_id, 2u);
  EXPECT_EQ(c.cum_lots, 3);
  EXPECT_EQ(c.leaves_lots, 0);
  EXPECT_EQ(venue.account(engine).open[tu.perp].buy, 0);
  EXPECT_EQ(venue.book(tu.perp).order_count(), 0u);
}

TEST_F(SimulatedVenueTest, IocRemainderIsReportedCanceled) {
  venue.submit(new_limit(mm, next_id++, tu.perp, Side::sell, 2, 3200));
  venue.clear_events();
  ASSERT_NE(venue.submit(new_limit(engine, 1, tu.perp, Side::buy, 5, 3200, TimeInForce::ioc)),
            kNoOrder);
  const auto mine = executions_of(venue, engine);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[1].exec_type, ExecType::partial_fill);
  EXPECT_EQ(mine[2].exec_type, ExecType::canceled);
  EXPECT_EQ(mine[2].cum_lots, 2);
  EXPECT_EQ(mine[2].leaves_lots, 0);
  EXPECT_FALSE(venue.book(tu.perp).has_bid());
}

TEST_F(SimulatedVenueTest, CancelAllCancelsOnlyThatAccount) {
  quote_around(tu.perp, 3190, 3210, 1);
  venue.submit(new_limit(engine, 1, tu.perp, Side::buy, 1, 3180));
  venue.submit(new_limit(engine, 2, tu.eth_perp, Side::buy, 1, 100000));
  EXPECT_EQ(venue.cancel_all(engine, tu.perp), 1u);
  EXPECT_EQ(venue.book(tu.eth_perp).order_count(), 1u);
  EXPECT_EQ(venue.cancel_all(engine), 1u);
  EXPECT_EQ(venue.book(tu.perp).order_count(), 2u);
}

// ---------------------------------------------------------------------------------------
// Market maker and fault switches

TEST(MarketMakerTest, LadderIsSymmetricAroundTheMidAndWidensWithTheFactor) {
  TestUniverse tu;
  QuoteConfig q;
  q.levels = 3;
  q.half_spread_bps = 5.0;     // 0.8 at 1600 = 1.6 ticks
  q.level_spacing_bps = 10.0;  // 1.6 at 1600 = 3.2 ticks -> 3
  q.lots_per_level = 4;
  q.size_growth = 2.0;
  QuoteLadder l = build_ladder(tu.spec(tu.perp), q, 1600.0, 1.0);
  ASSERT_EQ(l.bid_count, 3u);
  ASSERT_EQ(l.ask_count, 3u);
  EXPECT_EQ(l.bids[0].price_ticks, 3198);  // floor(3200 - 1.6)
  EXPECT_EQ(l.asks[0].price_ticks, 3202);
  EXPECT_EQ(l.bids[1].price_ticks, 3195);
  EXPECT_EQ(l.asks[2].price_ticks, 3208);
  EXPECT_EQ(l.bids[0].lots, 4);
  EXPECT_EQ(l.bids[2].lots, 16);
  l = build_ladder(tu.spec(tu.perp), q, 1600.0, 4.0);
  EXPECT_EQ(l.bids[0].price_ticks, 3193);  // floor(3200 - 6.4)
  EXPECT_EQ(l.asks[0].price_ticks, 3207);
  EXPECT_EQ(l.asks[1].price_ticks, 3207 + 13);
  // A zero spread still leaves one tick between bid and ask.
  q.half_spread_bps = 0.0;
  l = build_ladder(tu.spec(tu.perp), q, 1600.0, 1.0);
  EXPECT_LT(l.bids[0].price_ticks, l.asks[0].price_ticks);
}

TEST(MarketMakerTest, RequotesWhenTheMidMovesAndRefillsAfterTrades) {
  TestUniverse tu;
  SimulatedVenue venue(tu.universe);
  const AccountId mm = venue.add_account(AccountConfig{"mm", 0.0, true, false});
  const AccountId engine = venue.add_account(AccountConfig{"engine", 1e6, false, false});
  venue.start_at(kT0);
  MarketMaker maker(venue, mm);
  QuoteConfig q;
  q.levels = 4;
  q.half_spread_bps = 5.0;
  q.level_spacing_bps = 10.0;
  q.lots_per_level = 5;
  maker.configure_all(q);
  maker.quote(tu.perp, 1600.0);
  const OrderBook& book = venue.book(tu.perp);
  EXPECT_EQ(book.order_count(), 8u);
  EXPECT_EQ(book.best_bid(), 3198);
  EXPECT_EQ(book.best_ask(), 3202);

  // The engine lifts 7: the best ask level is gone and the next one thinned.
  venue.submit(new_market(engine, 1, tu.perp, Side::buy, 7));
  EXPECT_EQ(venue.position(engine, tu.perp).lots, 7);
  EXPECT_EQ(venue.position(mm, tu.perp).lots, -7);
  EXPECT_EQ(book.best_ask(), 3205);
  maker.quote(tu.perp, 1600.0);  // same mid: top up only
  EXPECT_EQ(book.best_ask(), 3202);
  EXPECT_EQ(book.lots_at(Side::sell, 3202), 5);
  EXPECT_EQ(book.lots_at(Side::sell, 3205), 5);

  maker.quote(tu.perp, 1610.0);      // mid up 10: the whole ladder moves
  EXPECT_EQ(book.best_bid(), 3218);  // floor(3220 - 1.61)
  EXPECT_EQ(book.best_ask(), 3222);
  EXPECT_EQ(book.order_count(), 8u);
  EXPECT_EQ(maker.live_quotes(tu.perp), 8u);
  EXPECT_FALSE(book.crossed());

  maker.quote(tu.perp, 1610.0, 3.0);  // widened spreads
  EXPECT_LT(book.best_bid(), 3218);
  EXPECT_GT(book.best_ask(), 3222);
  maker.pull(tu.perp);
  EXPECT_EQ(book.order_count(), 0u);
}

TEST(FaultInjectorTest, SwitchesAndClear) {
  FaultInjector f;
  EXPECT_FALSE(f.consume_reject());
  f.reject_next(2);
  EXPECT_TRUE(f.consume_reject());
  EXPECT_TRUE(f.consume_reject());
  EXPECT_FALSE(f.consume_reject());
  f.freeze_feed(3, true);
  EXPECT_TRUE(f.feed_frozen(3));
  EXPECT_FALSE(f.feed_frozen(4));
  EXPECT_FALSE(f.feed_frozen(kNoInstrument));
  f.widen_spreads(0.5);
  EXPECT_EQ(f.spread_factor(), 1.0);
  f.widen_spreads(3.0);
  EXPECT_EQ(f.spread_factor(), 3.0);
  f.freeze_all(true);
  f.reject_next(5);
  f.clear();
  EXPECT_FALSE(f.feed_frozen(3));
  EXPECT_EQ(f.pending_rejects(), 0u);
  EXPECT_EQ(f.spread_factor(), 1.0);
}

}  // namespace
}  // namespace ballast::venue::simulated_venue_test
