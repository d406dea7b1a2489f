// Properties under random order flow: the book is never left crossed, every lot filled is
// filled on both sides, book levels and accounts' open totals agree with the resting
// orders, positions net to zero per instrument, and value is conserved (cash + unrealised
// P&L + fees paid is constant, funding aside). Then the whole simulation for a few days.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "ballast/core/valuation.hpp"
#include "ballast/venue/market_maker.hpp"
#include "ballast/venue/rng.hpp"
#include "ballast/venue/simulation.hpp"
#include "venue_fixtures.hpp"

namespace ballast::venue::venue_property_test {
namespace {

using testing::TestUniverse;

constexpr std::int64_t kNs = 1'000'000'000;
constexpr std::int64_t kT0 = 1'704'067'200 * kNs;

// Checks every invariant; returns a failure description or "".
::testing::AssertionResult invariants(const SimulatedVenue& v,
                                      const std::vector<InstrumentId>& instruments,
                                      double initial_value, const std::vector<double>& mark) {
  const Universe& u = v.universe();
  for (const InstrumentId i : instruments) {
    const OrderBook& book = v.book(i);
    if (book.crossed())
      return ::testing::AssertionFailure() << u.instruments[i].symbol << " crossed";
    // Levels agree with orders; open totals agree with the book.
    std::map<std::pair<int, std::int64_t>, std::int64_t> level_lots;
    std::vector<OpenLots> open(v.account_count());
    std::size_t count = 0;
    bool bad_order = false;
    book.for_each_order([&](const BookOrder& o) {
      ++count;
      level_lots[{static_cast<int>(o.side), o.price_ticks}] += o.leaves_lots();
      if (o.leaves_lots() <= 0 || o.filled_lots < 0 || o.filled_lots >= o.order_lots)
        bad_order = true;
      OpenLots& ol = open[o.account];
      (o.side == Side::buy ? ol.buy : ol.sell) += o.leaves_lots();
      if (o.reduce_only)
        (o.side == Side::buy ? ol.reduce_only_buy : ol.reduce_only_sell) += o.leaves_lots();
    });
    if (bad_order) return ::testing::AssertionFailure() << "order with bad quantities";
    if (count != book.order_count()) return ::testing::AssertionFailure() << "order count";
    for (const auto& [key, lots] : level_lots)
      if (book.lots_at(static_cast<Side>(key.first), key.second) != lots)
        return ::testing::AssertionFailure() << "level total at " << key.second;
    std::int64_t net = 0;
    for (std::size_t a = 0; a < v.account_count(); ++a) {
      const OpenLots& have = v.account(static_cast<AccountId>(a)).open[i];
      if (have.buy != open[a].buy || have.sell != open[a].sell ||
          have.reduce_only_buy != open[a].reduce_only_buy ||
          have.reduce_only_sell != open[a].reduce_only_sell)
        return ::testing::AssertionFailure() << "open totals of account " << a;
      const std::int64_t pos = v.position(static_cast<AccountId>(a), i).lots;
      net += pos;
      // Reduce-only orders never exceed what they can reduce.
      if (open[a].reduce_only_sell > std::max<std::int64_t>(0, pos) ||
          open[a].reduce_only_buy > std::max<std::int64_t>(0, -pos))
        return ::testing::AssertionFailure() << "reduce-only beyond position, account " << a;
    }
    if (net != 0) return ::testing::AssertionFailure() << "positions net to " << net;
  }
  // Value: cash + unrealised P&L at a common mark + fees paid never changes (fees leave
  // the system; realised P&L only moves between accounts).
  double value = 0.0;
  for (std::size_t a = 0; a < v.account_count(); ++a) {
    const Account& acct = v.account(static_cast<AccountId>(a));
    value += acct.portfolio.cash + acct.fees_paid + acct.funding_paid;
    for (const InstrumentId i : instruments) {
      const InstrumentSpec& spec = u.instruments[i];
      const FuturesPosition& pos = acct.portfolio.positions[i];
      value += spec.unrealized_pnl(position_contracts(spec, pos), pos.entry_price, mark[i]);
    }
  }
  if (std::fabs(value - initial_value) > 1e-6 * std::max(1.0, std::fabs(initial_value)))
    return ::testing::AssertionFailure() << "value " << value << " != " << initial_value;
  return ::testing::AssertionSuccess();
}

struct FlowStats {
  std::int64_t filled_buy = 0;
  std::int64_t filled_sell = 0;
  std::uint64_t replaced = 0;
  std::uint64_t reduce_only_cuts = 0;  // reduce-only orders restated or cancelled
  std::uint64_t self_trades = 0;
};

// Random traders (all order types, cancels, replaces, reduce-only) against each other and
// a market maker whose mid wanders; every invariant is checked after every action.
void run_random_flow(std::uint64_t seed, int steps, FlowStats& stats) {
  TestUniverse tu;
  VenueOptions options;
  options.report_internal = true;
  options.book.reserve_orders = 64;  // force pool growth too
  SimulatedVenue v(tu.universe, options);
  const AccountId mm = v.add_account(AccountConfig{"mm", 0.0, true, false});
  constexpr int kTraders = 4;
  for (int k = 0; k < kTraders; ++k)
    v.add_account(AccountConfig{"t" + std::to_string(k), 1e6, false, false});
  v.start_at(kT0);
  const std::vector<InstrumentId> instruments = {tu.perp, tu.eth_perp};
  std::vector<double> mark(kMaxInstruments, 0.0);
  mark[tu.perp] = 1600.0;      // 3200 ticks
  mark[tu.eth_perp] = 2000.0;  // 200000 ticks
  for (const InstrumentId i : instruments) v.set_mark(i, mark[i], mark[i], 0.0);
  double initial_value = 0.0;
  for (std::size_t a = 0; a < v.account_count(); ++a)
    initial_value += v.account(static_cast<AccountId>(a)).portfolio.cash;

  MarketMaker maker(v, mm);
  QuoteConfig q;
  q.levels = 5;
  q.half_spread_bps = 3.0;
  q.level_spacing_bps = 2.0;
  q.lots_per_level = 6;
  maker.configure_all(q);

  Rng rng(seed);
  const auto pick = [&](std::int64_t n) {
    return static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(n));
  };
  std::uint64_t next_id = 1;
  // (instrument, client id) of each trader's open orders.
  std::vector<std::vector<std::pair<InstrumentId, std::uint64_t>>> live(kTraders + 1);
  double mid_offset = 0.0;

  for (int step = 0; step < steps; ++step) {
    const InstrumentId i = instruments[static_cast<std::size_t>(pick(2))];
    const double tick = tu.universe.instruments[i].tick_size_d;
    const std::int64_t center = std::llround(mark[i] / tick);
    const auto account = static_cast<AccountId>(1 + pick(kTraders));
    const std::int64_t action = pick(100);
    if (action < 8) {
      mid_offset += (rng.uniform() - 0.5) * 0.004;
      maker.quote(i, mark[i] * (1.0 + mid_offset));
    } else if (action < 20 && !live[account].empty()) {
      const auto k =
          static_cast<std::size_t>(pick(static_cast<std::int64_t>(live[account].size())));
      v.cancel(account, live[account][k].first, live[account][k].second, next_id++);
    } else if (action < 32 && !live[account].empty()) {
      const auto k =
          static_cast<std::size_t>(pick(static_cast<std::int64_t>(live[account].size())));
      const InstrumentId li = live[account][k].first;
      const std::int64_t lc = std::llround(mark[li] / tu.universe.instruments[li].tick_size_d);
      const std::uint64_t fresh = next_id++;
      const BookOrder* o = v.find_by_client_id(account, live[account][k].second);
      const std::int64_t filled = o != nullptr ? o->filled_lots : 0;
      if (v.replace(account, li, live[account][k].second, fresh, filled + 1 + pick(12),
                    lc - 10 + pick(21))) {
        live[account][k].second = fresh;
        ++stats.replaced;
      }
    } else {
      NewOrder o;
      o.account = account;
      o.client_order_id = next_id++;
      o.instrument = i;
      o.side = pick(2) == 0 ? Side::buy : Side::sell;
      o.lots = 1 + pick(15);
      const std::int64_t kind = pick(10);
      o.type = kind == 0 ? OrderType::market : OrderType::limit;
      o.tif = kind < 5   ? TimeInForce::gtc
              : kind < 7 ? TimeInForce::ioc
              : kind < 8 ? TimeInForce::fok
                         : TimeInForce::post_only;
      if (o.type == OrderType::market) o.tif = TimeInForce::ioc;
      o.price_ticks = center - 12 + pick(25);
      o.reduce_only = pick(3) == 0;
      if (v.submit(o) != kNoOrder) live[account].emplace_back(i, o.client_order_id);
    }
    for (auto& orders : live)
      std::erase_if(orders, [&](const auto& o) {
        return v.find_by_client_id(static_cast<AccountId>(&orders - live.data()), o.second) ==
               nullptr;
      });
    for (const Execution& e : v.executions()) {
      if (e.reason == RejectReason::self_trade) ++stats.self_trades;
      if ((e.exec_type == ExecType::restated || e.exec_type == ExecType::canceled) &&
          e.reason == RejectReason::reduce_only_would_increase)
        ++stats.reduce_only_cuts;
      if (e.exec_type != ExecType::fill && e.exec_type != ExecType::partial_fill) continue;
      (e.side == Side::buy ? stats.filled_buy : stats.filled_sell) += e.last_lots;
      ASSERT_GT(e.last_lots, 0);
      ASSERT_EQ(e.cum_lots + e.leaves_lots, e.order_lots);
      ASSERT_EQ(e.exec_type == ExecType::fill, e.leaves_lots == 0);
    }
    v.clear_events();
    ASSERT_TRUE(invariants(v, instruments, initial_value, mark)) << "after step " << step;
  }
}

TEST(VenuePropertyTest, RandomOrderFlowKeepsTheInvariants) {
  for (const std::uint64_t seed : {2024u, 7u, 99u}) {
    SCOPED_TRACE(seed);
    FlowStats stats;
    run_random_flow(seed, 4000, stats);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_EQ(stats.filled_buy, stats.filled_sell);  // every lot has a buyer and a seller
    // The flow reached the paths it is meant to exercise.
    EXPECT_GT(stats.filled_buy, 5'000);
    EXPECT_GT(stats.replaced, 100u);
    EXPECT_GT(stats.reduce_only_cuts, 0u);
    EXPECT_GT(stats.self_trades, 0u);
  }
}

TEST(VenuePropertyTest, SimulationRunsDaysWithFundingAndFrozenFeeds) {
  TestUniverse tu;
  SimulationConfig c;
  c.prices.assets = {AssetWalkConfig{"BTC", 1600.0, 0.6, 0.0, 2.0, 0.0, 0.03},
                     AssetWalkConfig{"ETH", 2000.0, 0.8, 0.0, 0.0, 0.0, 0.0}};
  c.prices.correlation = {1.0, 0.8, 0.8, 1.0};
  c.prices.seed = 5;
  c.prices.start_ns = kT0 + 3600 * kNs;
  c.marks.perpetual.mean_premium = 0.0005;  // longs pay on average
  c.quotes.levels = 5;
  c.quotes.lots_per_level = 20;
  VenueSimulation sim(tu.universe, c);
  const AccountId engine = sim.add_client(AccountConfig{"engine", 1e6, false, false});
  EXPECT_EQ(sim.published().size(), tu.universe.instruments.size());
  EXPECT_GT(sim.tick(tu.perp).ask, sim.tick(tu.perp).bid);
  EXPECT_GT(sim.tick(tu.perp).bid, 0.0);

  NewOrder buy = testing::new_market(engine, 1, tu.perp, Side::buy, 10);
  ASSERT_NE(sim.venue().submit(buy), kNoOrder);
  EXPECT_EQ(sim.venue().position(engine, tu.perp).lots, 10);

  const std::int64_t step = 10 * kNs;
  std::int64_t t = sim.now_ns();
  int funding_events = 0;
  for (int k = 0; k < 3 * 24 * 360; ++k) {  // three days in 10-second steps
    t += step;
    if (k == 100) sim.faults().freeze_feed(tu.eth_perp, true);
    if (k == 200) sim.faults().freeze_feed(tu.eth_perp, false);
    if (k == 300) sim.faults().widen_spreads(5.0);
    if (k == 301) {
      // Widened: the book's spread is at least five times the normal half-spread.
      const double spread = sim.tick(tu.perp).ask - sim.tick(tu.perp).bid;
      EXPECT_GE(spread, 2 * 5 * 2.0e-4 * sim.tick(tu.perp).mark * 0.99);
      sim.faults().widen_spreads(1.0);
    }
    sim.step_to(t);
    if (k >= 100 && k < 200) {  // frozen before step 100: the tick of step 99 stays
      ASSERT_EQ(sim.tick(tu.eth_perp).exchange_ts_ns, t - (k - 99) * step);
      ASSERT_EQ(sim.published().size(), tu.universe.instruments.size() - 1);
      ASSERT_EQ(sim.tick(tu.perp).exchange_ts_ns, t);
    }
    if (k == 200) {
      ASSERT_EQ(sim.tick(tu.eth_perp).exchange_ts_ns, t);  // thawed
    }
    for (const CashEvent& e : sim.venue().cash_events()) {
      ASSERT_EQ(e.kind, CashEventKind::funding);
      if (e.account == engine) {
        ++funding_events;
        // Long: pays when the rate is positive.
        ASSERT_DOUBLE_EQ(e.amount, -e.rate * 10 * e.price);
      }
    }
    sim.venue().clear_events();
    ASSERT_FALSE(sim.venue().book(tu.perp).crossed());
    ASSERT_FALSE(sim.venue().book(tu.eth_perp).crossed());
  }
  EXPECT_EQ(funding_events, 9);  // every 8 hours for three days
  EXPECT_GT(sim.venue().account(engine).funding_paid, 0.0);
  EXPECT_EQ(sim.venue().position(engine, tu.perp).lots +
                sim.venue().position(sim.market_maker_account(), tu.perp).lots,
            0);
  EXPECT_GT(sim.market_maker().orders_placed(), 1000u);
  // Prices moved and the market maker followed them.
  const double mark = sim.tick(tu.perp).mark;
  EXPECT_NE(mark, 1600.0);
  EXPECT_LT(sim.tick(tu.perp).bid, mark);
  EXPECT_GT(sim.tick(tu.perp).ask, mark);
}

}  // namespace
}  // namespace ballast::venue::venue_property_test
