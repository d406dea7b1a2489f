// Recovery's property: a journal holds everything the engine needs. Thousands of random
// runs of the live engine (ticks, full and partial fills, rejects, funding, a dropped
// session and its status replies, kills) are journalled through a tap, encoded to bytes
// as the writer would, read back and replayed: the replay's holdings and open orders are
// the live engine's, exactly, at every point the journal could end.
#include "ballast/journal/journal_replay.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "ballast/core/clock.hpp"
#include "ballast/core/engine_core.hpp"
#include "ballast/journal/journal_reader.hpp"
#include "ballast/risk/risk_gate.hpp"

namespace ballast::journal::journal_replay_test {
namespace {

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
weight = 0.4
band = 0.02
hedge_with = ["BTCUSDT-PERP"]
[[target]]
asset = "ETH"
weight = 0.2
band = 0.02
hedge_with = ["ETHUSDT-PERP"]
[risk]
price_collar_bps = 500.0
max_orders_per_second = 10000
max_orders_per_minute = 600000
max_md_staleness_ms = 60000
max_consecutive_rejects = 1000
[portfolio]
cash = 70000.0
spot = [ { asset = "BTC", qty = 1.0 }, { asset = "ETH", qty = 10.0 } ]
)";

class Tap final : public JournalTap {
 public:
  bool append(const JournalEvent& e) noexcept override {
    events.push_back(e);
    return true;
  }
  std::vector<JournalEvent> events;
};

MarketTick tick(InstrumentId i, double price) {
  MarketTick t;
  t.instrument = i;
  t.bid = price * 0.9999;
  t.ask = price * 1.0001;
  t.mark = price;
  t.index = price;
  t.bid_qty = t.ask_qty = 1000;
  t.recv_tsc = TscClock::now();
  return t;
}

struct LiveRun {
  BallastConfig config;
  ClientOrderIdGenerator ids{1, std::nullopt};
  std::unique_ptr<risk::RiskGate> gate;
  std::unique_ptr<EngineCore> core;
  Tap tap;
  PortfolioState seed;
  std::mt19937_64 rng;
  std::vector<OrderRequest> pending;  // sent, the venue has not finished them
  double btc = 70000, eth = 3500;

  explicit LiveRun(std::uint64_t seed_value) : rng(seed_value) {
    auto r = parse_config(kBook, "book.toml");
    EXPECT_TRUE(r.ok());
    config = *r.config;
    gate = std::make_unique<risk::RiskGate>(config.universe, config.risk, config.policy,
                                            config.margin_balance);
    core = std::make_unique<EngineCore>(config, *gate, ids, 0);
    core->set_journal(&tap);
    seed = core->portfolio();
  }

  void send(const OrderRequest* out, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k)
      if (out[k].kind == RequestKind::new_order) pending.push_back(out[k]);
  }

  ExecReport report_for(const OrderRequest& o, ExecKind kind) const {
    ExecReport r;
    r.client_order_id = o.client_order_id;
    r.instrument = o.instrument;
    r.side = o.side;
    r.kind = kind;
    return r;
  }

  void step() {
    std::array<OrderRequest, 16> out{};
    answer_queries();
    const int what = static_cast<int>(rng() % 12);
    if (what < 4) {  // a price move: maybe orders
      double& px = (what % 2 == 0) ? btc : eth;
      px *= 1.0 + (static_cast<double>(rng() % 2001) - 1000.0) / 20000.0;  // +-5%
      const InstrumentId i = (what % 2 == 0) ? 0 : 1;
      send(out.data(), core->on_tick(tick(i, px), TscClock::now(), out.data(), out.size()));
      return;
    }
    if (pending.empty() && what < 9) return;
    const std::size_t k = pending.empty() ? 0 : rng() % pending.size();
    switch (what) {
      case 4:
      case 5: {  // full fill of what is left
        OrderRequest& o = pending[k];
        ExecReport r = report_for(o, ExecKind::fill);
        r.last_lots = o.lots;
        r.cum_lots = o.lots;
        r.last_price_ticks = o.limit_ticks;
        r.fee = 0.0005 * static_cast<double>(o.lots);
        core->on_exec(r);
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(k));
        return;
      }
      case 6: {  // a partial fill
        OrderRequest& o = pending[k];
        if (o.lots < 2) return;
        const std::int64_t part = o.lots / 2;
        ExecReport r = report_for(o, ExecKind::partial_fill);
        r.last_lots = part;
        r.cum_lots = part;  // the test's venue fills each order at most twice
        r.leaves_lots = o.lots - part;
        r.last_price_ticks = o.limit_ticks - 1;
        r.fee = 0.0001;
        core->on_exec(r);
        o.lots -= part;
        return;
      }
      case 7: {
        core->on_exec(report_for(pending[k], ExecKind::rejected));
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(k));
        return;
      }
      case 8: {  // funding on either perpetual
        ExecReport r;
        r.kind = ExecKind::funding;
        r.instrument = static_cast<InstrumentId>(rng() % 2);
        r.fee = (static_cast<double>(rng() % 2001) - 1000.0) / 100.0;
        core->on_exec(r);
        return;
      }
      case 9: {  // the session drops and comes back; the venue answers the status queries
        ExecReport down;
        down.kind = ExecKind::session_down;
        core->on_exec(down);
        ExecReport up = down;
        up.kind = ExecKind::session_up;
        core->on_exec(up);
        answer_queries();
        command(ControlOp::resume);
        return;
      }
      default: {  // kill: every resting order cancelled, then trading again
        ControlCommand c;
        c.op = ControlOp::kill;
        ControlReply reply;
        const std::size_t n = core->apply_control(c, reply, out.data(), out.size());
        for (std::size_t q = 0; q < n; ++q) {
          for (std::size_t p = 0; p < pending.size(); ++p) {
            if (pending[p].client_order_id != out[q].client_order_id) continue;
            core->on_exec(report_for(pending[p], ExecKind::canceled));
            pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(p));
            break;
          }
        }
        // Now and then the kill stands (until the next reconnect's resume): a restart
        // must find it still HALTED.
        if (rng() % 4 != 0) command(ControlOp::resume);
        return;
      }
    }
  }

  // An operator's command, through the path that journals it.
  void command(ControlOp op) {
    ControlCommand c;
    c.op = op;
    ControlReply reply;
    std::array<OrderRequest, 16> out{};
    (void)core->apply_control(c, reply, out.data(), out.size());
  }

  // Status queries, then the positions request each logon (or check) asks.
  void answer_queries() {
    std::array<OrderRequest, 80> q{};
    const std::size_t n = core->take_status_queries(q.data(), q.size());
    for (std::size_t k = 0; k < n; ++k) {
      if (q[k].kind == RequestKind::status) answer_status(q[k]);
      if (q[k].kind == RequestKind::positions) answer_positions();
    }
  }

  // What the engine holds, and now and then something else (a fill it never saw): the
  // engine adopts it, and the replay must reach the same book.
  void answer_positions() {
    const std::uint64_t request = core->reconciler().request(0);
    std::int64_t lines = 0;
    for (InstrumentId i = 0; i < 2; ++i) {
      ExecReport line;
      line.kind = ExecKind::position;
      line.client_order_id = request;
      line.instrument = i;
      line.cum_lots = core->portfolio().positions[i].lots;
      if (rng() % 8 == 0) line.cum_lots += static_cast<std::int64_t>(rng() % 21) - 10;
      line.entry_price = i == 0 ? btc : eth;
      if (line.cum_lots == 0) continue;
      core->on_exec(line);
      ++lines;
    }
    ExecReport end;
    end.kind = ExecKind::positions_end;
    end.client_order_id = request;
    end.cum_lots = lines;
    core->on_exec(end);
  }

  void answer_status(const OrderRequest& q) {
    for (std::size_t p = 0; p < pending.size(); ++p) {
      if (pending[p].client_order_id != q.client_order_id) continue;
      ExecReport r = report_for(pending[p], ExecKind::status);
      const int pick = static_cast<int>(rng() % 3);
      r.status = pick == 0   ? OrderStatus::open
                 : pick == 1 ? OrderStatus::filled
                             : OrderStatus::unknown;
      r.cum_lots = pick == 1 ? pending[p].lots : 0;
      r.last_price_ticks = pick == 1 ? pending[p].limit_ticks : 0;
      r.leaves_lots = pick == 0 ? pending[p].lots : 0;
      core->on_exec(r);
      if (pick != 0) pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(p));
      return;
    }
  }
};

std::vector<std::uint8_t> encode_journal(const PortfolioState& seed,
                                         const std::vector<JournalEvent>& events,
                                         std::size_t count) {
  std::vector<std::uint8_t> bytes(2 * kMaxRecordBytes);
  RunStart run;
  std::size_t n = encode_run_start(run, bytes.data());
  n += encode_seed(seed, bytes.data() + n);
  bytes.resize(n);
  std::uint8_t buf[kMaxRecordBytes];
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t len = encode_event(events[k], buf);
    bytes.insert(bytes.end(), buf, buf + len);
  }
  return bytes;
}

RecoveredBook replay(const BallastConfig& config, const std::vector<std::uint8_t>& bytes) {
  JournalReplay replay(config);
  const JournalScan scan =
      scan_journal_bytes(bytes.data(), bytes.size(), [&](const JournalRecord& r) {
        replay.apply(r);
        return true;
      });
  EXPECT_TRUE(scan.usable());
  EXPECT_FALSE(scan.torn);
  return replay.result();
}

void expect_same_book(const EngineCore& live, const RecoveredBook& book, std::uint64_t seed) {
  const PortfolioState& a = live.portfolio();
  const PortfolioState& b = book.portfolio;
  ASSERT_EQ(a.cash, b.cash) << "seed " << seed;  // the same operations in the same order
  for (std::size_t i = 0; i < a.positions.size(); ++i) {
    ASSERT_EQ(a.positions[i].lots, b.positions[i].lots) << "seed " << seed << " instrument " << i;
    ASSERT_EQ(a.positions[i].entry_price, b.positions[i].entry_price) << "seed " << seed;
  }
  for (std::size_t s = 0; s < a.spot_qty.size(); ++s) ASSERT_EQ(a.spot_qty[s], b.spot_qty[s]);
  const OpenOrderSet& lo = live.open_orders();
  ASSERT_EQ(lo.count, book.open.count) << "seed " << seed;
  for (std::size_t k = 0; k < lo.count; ++k) {
    ASSERT_EQ(lo.orders[k].client_order_id, book.open.orders[k].client_order_id);
    ASSERT_EQ(lo.orders[k].lots, book.open.orders[k].lots);
    ASSERT_EQ(lo.orders[k].filled_lots, book.open.orders[k].filled_lots);
  }
  ASSERT_EQ(live.stats().fills, book.fills) << "seed " << seed;
  const OperatorState op = live.operator_state();
  ASSERT_EQ(op.halted, book.operator_state.halted) << "seed " << seed;
  ASSERT_EQ(op.paused, book.operator_state.paused) << "seed " << seed;
  ASSERT_EQ(op.mode, book.operator_state.mode) << "seed " << seed;
  ASSERT_EQ(op.flattening, book.operator_state.flattening) << "seed " << seed;
}

TEST(JournalReplayTest, ReplayedJournalsHoldWhatTheLiveEngineHeldAtEveryCut) {
  TscClock::calibrate(1'000'000);
  std::uint64_t with_positions = 0, with_open_orders = 0, fills = 0;
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
    LiveRun run(seed);
    for (int step = 0; step < 400; ++step) run.step();
    const RecoveredBook book =
        replay(run.config, encode_journal(run.seed, run.tap.events, run.tap.events.size()));
    expect_same_book(*run.core, book, seed);
    if (::testing::Test::HasFatalFailure()) return;
    with_positions += run.core->portfolio().positions[0].lots != 0 ? 1 : 0;
    with_open_orders += run.core->open_orders().count > 0 ? 1 : 0;
    fills += book.fills;
    std::uint64_t top_id = 0;
    for (const JournalEvent& e : run.tap.events)
      if (e.kind == JournalEventKind::order_sent)
        top_id = std::max({top_id, e.client_order_id, e.request_id});
    ASSERT_EQ(book.last_client_order_id, top_id);
  }
  // The generator reached the states that matter, not only the empty book.
  EXPECT_GT(with_positions, 500u);
  EXPECT_GT(with_open_orders, 75u);
  EXPECT_GT(fills, 10'000u);
  std::printf(
      "1000 runs: %llu ended holding a BTC future, %llu with orders in flight, %llu fills\n",
      static_cast<unsigned long long>(with_positions),
      static_cast<unsigned long long>(with_open_orders), static_cast<unsigned long long>(fills));
}

// A crash can end the journal after any event: after each step that journalled something,
// the journal so far replays to the engine as it is at that moment.
TEST(JournalReplayTest, EveryPrefixReplaysToTheEngineAsItWasThen) {
  TscClock::calibrate(1'000'000);
  for (std::uint64_t seed = 1000; seed < 1010; ++seed) {
    LiveRun run(seed);
    std::size_t checked = 0;
    for (int step = 0; step < 200; ++step) {
      const std::size_t before = run.tap.events.size();
      run.step();
      if (run.tap.events.size() == before) continue;
      const RecoveredBook book =
          replay(run.config, encode_journal(run.seed, run.tap.events, run.tap.events.size()));
      expect_same_book(*run.core, book, seed);
      if (::testing::Test::HasFatalFailure()) return;
      ++checked;
    }
    EXPECT_GT(checked, 50u);
  }
}

// The operator's pause, set-target and kill are journalled commands: a restart finds the
// engine as the operator left it, not ACTIVE on the config's targets.
TEST(JournalReplayTest, TheOperatorsCommandsSurviveARestart) {
  TscClock::calibrate(1'000'000);
  LiveRun run(7);
  ControlCommand target;
  target.op = ControlOp::set_target;
  target.asset = run.config.universe.find_asset("BTC");
  target.weight = 0.3;
  target.has_band = true;
  target.band = 0.02;
  ControlReply reply;
  std::array<OrderRequest, 16> out{};
  (void)run.core->apply_control(target, reply, out.data(), out.size());
  ASSERT_EQ(reply.result, ControlResult::ok);
  run.command(ControlOp::pause);
  run.command(ControlOp::kill);
  const RecoveredBook book =
      replay(run.config, encode_journal(run.seed, run.tap.events, run.tap.events.size()));
  EXPECT_EQ(book.commands, 3u);
  EXPECT_TRUE(book.operator_state.paused);
  EXPECT_TRUE(book.operator_state.halted);
  EXPECT_EQ(book.operator_state.mode, TradingState::halted);
  EXPECT_DOUBLE_EQ(book.operator_state.targets[target.asset].weight, 0.3);
  EXPECT_DOUBLE_EQ(book.operator_state.targets[target.asset].band, 0.02);
  // The engine that runs takes it.
  risk::RiskGate gate(run.config.universe, run.config.risk, run.config.policy,
                      run.config.margin_balance);
  ClientOrderIdGenerator ids{1, std::nullopt};
  EngineCore restarted(run.config, gate, ids, 0);
  restarted.restore_operator_state(book.operator_state);
  EXPECT_TRUE(restarted.halted());
  EXPECT_TRUE(restarted.paused());
  EXPECT_EQ(restarted.mode(), TradingState::halted);
  EXPECT_DOUBLE_EQ(restarted.targets()[target.asset].weight, 0.3);
}

TEST(JournalReplayTest, AJournalOfOneRunStartsFromItsSeed) {
  auto r = parse_config(kBook, "book.toml");
  ASSERT_TRUE(r.ok());
  PortfolioState seed = r.config->portfolio;
  seed.cash = 12345.5;
  seed.positions[1] = FuturesPosition{-7, 3500.25};
  const RecoveredBook book = replay(*r.config, encode_journal(seed, {}, 0));
  EXPECT_TRUE(book.seeded);
  EXPECT_EQ(book.runs, 1u);
  EXPECT_EQ(book.portfolio.cash, 12345.5);
  EXPECT_EQ(book.portfolio.positions[1].lots, -7);
  EXPECT_EQ(book.portfolio.positions[1].entry_price, 3500.25);
  EXPECT_EQ(book.open.count, 0u);
}

}  // namespace
}  // namespace ballast::journal::journal_replay_test
