// BinanceMarketDataFeed and BinanceOrderGateway against the venue simulator's WebSocket
// server (sim/ws, Boost.Beast: an independent implementation of the dialect) on
// 127.0.0.1, plain and TLS: ticks and synchronised depth, a signed IOC filled once from
// the user-data stream, Binance's -1022 for a wrong secret, certificate checks, a `drop`
// that reconnects without re-sending, and a hot path that allocates nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "../common/perp_universe.hpp"
#include "ballast/binance/response_parser.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/gateways/binance_market_data_feed.hpp"
#include "ballast/gateways/binance_order_gateway.hpp"
#include "ballast/venue/simulation.hpp"
#include "test_certs.hpp"
#include "venue_ws_server.hpp"

// Allocations counted per thread: the server's io thread builds its JSON with std::string,
// the gateways (on the test thread) must not allocate at all once connected.
namespace {
thread_local long t_allocations = 0;
}
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  ++t_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++t_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  ++t_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace ballast::gateways {
namespace {

using venue::VenueSimulation;
using venue::VenueWsServer;
using venue::VenueWsServerOptions;

constexpr std::int64_t kT0 = 1'790'000'000'000'000'000;  // Unix ns
const std::string kKey = "gw-test-key-0123456789";
const std::string kSecret = "gw-test-secret-abcdefghijklmnopqrstuvwxyz";

// BTCUSDT-PERP as the demo lists it: contracts of 0.001 BTC, lots of one contract.
Universe universe() {
  Universe u;
  u.base_currency = u.intern_asset("USDT");
  InstrumentSpec s = testing::usdt_perp(u, "BTCUSDT-PERP", "BTC", 60);
  s.contract_size = Decimal{1, 3};
  s.lot_size = Decimal{1, 0};
  s.tick_size = Decimal{1, 1};
  s.max_order_qty = Decimal{0, 0};
  s.min_notional = 5.0;
  s.derive();
  u.instruments.push_back(s);
  InstrumentSpec e = testing::usdt_perp(u, "ETHUSDT-PERP", "ETH", 60);
  e.contract_size = Decimal{1, 2};
  e.lot_size = Decimal{1, 0};
  e.tick_size = Decimal{1, 2};
  e.max_order_qty = Decimal{0, 0};
  e.min_notional = 5.0;
  e.derive();
  u.instruments.push_back(e);
  return u;
}

venue::SimulationConfig sim_config() {
  venue::SimulationConfig c;
  c.prices.assets = {venue::AssetWalkConfig{"BTC", 50'000.0, 0.8, 0.0, 0.0, 0.0, 0.0},
                     venue::AssetWalkConfig{"ETH", 3'000.0, 0.8, 0.0, 0.0, 0.0, 0.0}};
  c.prices.seed = 11;
  c.prices.start_ns = kT0;
  c.quotes.levels = 5;
  c.quotes.half_spread_bps = 2.0;
  c.quotes.lots_per_level = 1000;
  return c;
}

class BinanceGatewayTest : public ::testing::Test {
 protected:
  void TearDown() override {
    stop_stepping();
    orders_.reset();
    feed_.reset();
    server_.reset();
    sim_.reset();
  }

  void start_server(bool tls, const std::string& cert = {}, const std::string& key = {}) {
    sim_ = std::make_unique<VenueSimulation>(universe_, sim_config());
    VenueWsServerOptions o;
    o.credentials.push_back({kKey, kSecret, "BALLAST"});
    o.client_account = venue::AccountConfig{"", 1e6, false, true};
    o.md_interval_ms = 0.0;
    if (tls) {
      o.tls_cert_file = cert.empty() ? ballast::testing::test_certs().server.cert : cert;
      o.tls_key_file = key.empty() ? ballast::testing::test_certs().server.key : key;
    }
    server_ = std::make_unique<VenueWsServer>(*sim_, o);
    server_->start();
    // The venue's clock runs on its own thread (as in VenueRunner): what it allocates to
    // publish is not the gateways' doing.
    stepping_.store(true);
    stepper_ = std::thread([this] {
      std::int64_t now = kT0;
      while (stepping_.load()) {
        now += 100'000'000;
        server_->step_to(now);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }

  void stop_stepping() {
    stepping_.store(false);
    if (stepper_.joinable()) stepper_.join();
  }

  BinanceConnectionOptions connection(bool tls) {
    BinanceConnectionOptions c;
    c.host = "127.0.0.1";
    c.port = static_cast<std::uint16_t>(server_->port());
    c.tls = tls;
    if (tls) c.ca_file = ballast::testing::test_certs().ca_cert;
    c.idle = net::IdleMode::busy_poll;
    c.reconnect_min_ns = 20'000'000;
    c.reconnect_max_ns = 200'000'000;
    return c;
  }

  void start_gateways(bool tls, const std::string& secret = kSecret,
                      std::int64_t keepalive_ns = 30LL * 60 * 1'000'000'000) {
    BinanceMarketDataOptions m;
    m.connection = connection(tls);
    feed_ = std::make_unique<BinanceMarketDataFeed>(universe_, m);
    BinanceOrderGatewayOptions o;
    o.connection = connection(tls);
    o.credentials.api_key = kKey;
    o.credentials.api_secret = binance::ApiSecret(secret);
    o.listen_key_keepalive_ns = keepalive_ns;
    orders_ = std::make_unique<BinanceOrderGateway>(universe_, std::move(o));
    feed_->start();
    orders_->start();
  }

  // Runs the simulation, the feed and the order gateway until `done` or the timeout.
  template <class Done>
  bool pump(Done done, int timeout_ms = 5000) {
    const std::int64_t until = monotonic_ns() + std::int64_t{timeout_ms} * 1'000'000;
    while (monotonic_ns() < until) {
      const std::int64_t now = monotonic_ns();
      MarketTick t;
      while (feed_ && feed_->poll(now, t)) ticks_.push_back(t);
      ExecReport r[16];
      if (orders_) {
        const std::size_t n = orders_->poll_reports(r, 16);
        reports_.insert(reports_.end(), r, r + n);
      }
      if (done()) return true;
    }
    return done();
  }

  bool saw(ExecKind kind) const {
    for (const ExecReport& r : reports_)
      if (r.kind == kind) return true;
    return false;
  }

  // Marketable: 1% through the instrument's last quote, on its tick grid.
  OrderRequest order(std::uint64_t id, std::int64_t lots, InstrumentId instrument,
                     Side side) const {
    OrderRequest o;
    o.client_order_id = id;
    o.instrument = instrument;
    o.side = side;
    o.lots = lots;
    const double tick = universe_.instruments[instrument].tick_size_d;
    for (auto t = ticks_.rbegin(); t != ticks_.rend(); ++t) {
      if (t->instrument != instrument || t->bid <= 0 || t->ask <= 0) continue;
      const double price = side == Side::buy ? t->ask * 1.01 : t->bid * 0.99;
      o.limit_ticks = static_cast<std::int64_t>(price / tick);
      break;
    }
    return o;
  }
  OrderRequest buy(std::uint64_t id, std::int64_t lots) const {
    return order(id, lots, 0, Side::buy);
  }
  bool quoted(InstrumentId instrument) const {
    for (const MarketTick& t : ticks_)
      if (t.instrument == instrument && t.bid > 0 && t.ask > 0) return true;
    return false;
  }

  // Filled lots the engine was told about for `id`, and whether the order is done.
  std::pair<std::int64_t, bool> filled(std::uint64_t id) const {
    std::int64_t lots = 0;
    bool done = false;
    for (const ExecReport& r : reports_) {
      if (r.client_order_id != id) continue;
      if (r.kind == ExecKind::fill || r.kind == ExecKind::partial_fill) lots += r.last_lots;
      done = done || r.kind == ExecKind::fill || r.kind == ExecKind::expired ||
             r.kind == ExecKind::canceled || r.kind == ExecKind::rejected;
    }
    return {lots, done};
  }

  double venue_contracts(const std::string& symbol = "BTCUSDT-PERP") const {
    for (const venue::VenueClientSummary& c : server_->clients())
      for (const auto& p : c.positions)
        if (p.symbol == symbol) return p.contracts;
    return 0.0;
  }

  Universe universe_ = universe();
  std::unique_ptr<VenueSimulation> sim_;
  std::unique_ptr<VenueWsServer> server_;
  std::unique_ptr<BinanceMarketDataFeed> feed_;
  std::unique_ptr<BinanceOrderGateway> orders_;
  std::thread stepper_;
  std::atomic<bool> stepping_{false};
  std::vector<MarketTick> ticks_;
  std::vector<ExecReport> reports_;
};

TEST_F(BinanceGatewayTest, TicksComeFromTheStreamsAndDepthSynchronises) {
  start_server(false);
  start_gateways(false);
  EXPECT_EQ(feed_->stream_path(),
            "/stream?streams=btcusdt@bookTicker/btcusdt@markPrice@1s/btcusdt@depth@100ms/"
            "ethusdt@bookTicker/ethusdt@markPrice@1s/ethusdt@depth@100ms");
  ASSERT_TRUE(pump([&] {
    return ticks_.size() >= 10 && feed_->depth_book(0).state() == binance::DepthSyncState::synced &&
           feed_->depth_book(0).bid_count() > 0;
  })) << "ticks "
      << ticks_.size() << ", depth snapshots " << feed_->counters().depth_snapshots;
  for (const MarketTick& t : ticks_) {
    EXPECT_LT(t.instrument, 2);
    EXPECT_NE(t.recv_tsc, 0u);
    if (t.bid > 0 && t.ask > 0) {
      EXPECT_LT(t.bid, t.ask);
    }
  }
  const binance::DepthBookSync& book = feed_->depth_book(0);
  EXPECT_LT(book.best_bid().price, book.best_ask().price);
  EXPECT_EQ(feed_->counters().malformed, 0u);
}

TEST_F(BinanceGatewayTest, IocIsFilledOnceFromTheUserStream) {
  start_server(false);
  start_gateways(false);
  ASSERT_TRUE(pump([&] { return saw(ExecKind::session_up) && quoted(0); }));
  EXPECT_TRUE(orders_->session_up());
  OrderRequest o = buy(101, 5);
  ASSERT_TRUE(orders_->send(o));
  EXPECT_NE(o.stamps.sent, 0u);
  ASSERT_TRUE(pump([&] { return filled(101).second; })) << orders_->counters().user_events;
  pump([] { return false; }, 200);  // nothing more may come
  EXPECT_EQ(filled(101).first, 5);
  EXPECT_DOUBLE_EQ(venue_contracts(), 5.0);
  EXPECT_EQ(server_->counters().orders, 1u);
  EXPECT_GE(orders_->counters().replies_superseded, 1u);  // the RESULT reply's fill: ignored
  EXPECT_EQ(orders_->counters().malformed, 0u);
}

// A burst: several orders written before the loop runs again share one send() to the
// kernel; each must reach the venue as itself.
TEST_F(BinanceGatewayTest, BackToBackOrdersAreEachPlacedOnce) {
  start_server(false);
  start_gateways(false);
  ASSERT_TRUE(pump([&] { return saw(ExecKind::session_up) && quoted(0); }));
  for (std::uint64_t id = 501; id <= 504; ++id) {
    OrderRequest o = buy(id, static_cast<std::int64_t>(id - 500));
    ASSERT_TRUE(orders_->send(o)) << id;
  }
  ASSERT_TRUE(pump([&] {
    return filled(501).second && filled(502).second && filled(503).second && filled(504).second;
  })) << "venue orders "
      << server_->counters().orders;
  for (std::uint64_t id = 501; id <= 504; ++id)
    EXPECT_EQ(filled(id).first, static_cast<std::int64_t>(id - 500)) << id;
  EXPECT_EQ(server_->counters().orders, 4u);
  EXPECT_DOUBLE_EQ(venue_contracts(), 10.0);
}

// Two instruments in one burst (the engine's rebalance: sell one future, buy another).
// Found by the process tests: the simulator keyed its WebSocket accounts' orders by the
// book's OrderId, which is unique per instrument only, so the second symbol's order was
// answered, and streamed, as the first's.
TEST_F(BinanceGatewayTest, BurstAcrossInstrumentsPlacesEachOrderAsItself) {
  start_server(false);
  start_gateways(false);
  ASSERT_TRUE(pump([&] { return saw(ExecKind::session_up) && quoted(0) && quoted(1); }));
  OrderRequest sell_btc = order(601, 7, 0, Side::sell);
  OrderRequest buy_eth = order(602, 11, 1, Side::buy);
  ASSERT_TRUE(orders_->send(sell_btc));
  ASSERT_TRUE(orders_->send(buy_eth));
  ASSERT_TRUE(pump([&] { return filled(601).second && filled(602).second; }))
      << "venue orders " << server_->counters().orders;
  EXPECT_EQ(filled(601).first, 7);
  EXPECT_EQ(filled(602).first, 11);
  EXPECT_EQ(server_->counters().orders, 2u);
  EXPECT_DOUBLE_EQ(venue_contracts("BTCUSDT-PERP"), -7.0);
  EXPECT_DOUBLE_EQ(venue_contracts("ETHUSDT-PERP"), 11.0);
}

TEST_F(BinanceGatewayTest, WrongSecretIsRejectedWithBinanceCode) {
  start_server(false);
  start_gateways(false, "not-the-secret");
  ASSERT_TRUE(pump([&] { return saw(ExecKind::session_up) && quoted(0); }));
  OrderRequest o = buy(7, 1);
  ASSERT_TRUE(orders_->send(o));
  ASSERT_TRUE(pump([&] { return filled(7).second; }));
  const ExecReport* reject = nullptr;
  for (const ExecReport& r : reports_)
    if (r.client_order_id == 7 && r.kind == ExecKind::rejected) reject = &r;
  ASSERT_NE(reject, nullptr);
  EXPECT_EQ(binance::binance_error_code(reject->reject_code), binance::kBinanceErrorSignature);
  EXPECT_DOUBLE_EQ(venue_contracts(), 0.0);
}

TEST_F(BinanceGatewayTest, TradesOverVerifiedTls) {
  start_server(true);
  start_gateways(true);
  ASSERT_TRUE(pump([&] { return saw(ExecKind::session_up) && quoted(0); }));
  OrderRequest o = buy(202, 3);
  ASSERT_TRUE(orders_->send(o));
  ASSERT_TRUE(pump([&] { return filled(202).second; }));
  EXPECT_EQ(filled(202).first, 3);
  EXPECT_DOUBLE_EQ(venue_contracts(), 3.0);
}

TEST_F(BinanceGatewayTest, CertificateForAnotherHostNeverConnects) {
  const auto& certs = ballast::testing::test_certs();
  start_server(true, certs.wrong_host.cert, certs.wrong_host.key);
  start_gateways(true);
  EXPECT_FALSE(pump([&] { return saw(ExecKind::session_up) || !ticks_.empty(); }, 1000));
  EXPECT_FALSE(orders_->session_up());
  EXPECT_GT(orders_->counters().errors, 0u);
  EXPECT_GT(feed_->counters().errors, 0u);
  EXPECT_EQ(server_->counters().orders, 0u);
  // Said in words, not only counted: the operator reads why the venue is down.
  EXPECT_NE(orders_->last_problem().find("api: tls_failed: certificate verify failed"),
            std::string::npos)
      << orders_->last_problem();
  EXPECT_NE(feed_->last_problem().find("market data: tls_failed: certificate verify failed"),
            std::string::npos)
      << feed_->last_problem();
}

// Connecting to an address while verifying a name: 127.0.0.1, certificate for "localhost".
TEST_F(BinanceGatewayTest, ServerNameIsWhatTlsVerifies) {
  start_server(true);
  BinanceOrderGatewayOptions o;
  o.connection = connection(true);
  o.connection.server_name = "localhost";
  o.credentials.api_key = kKey;
  o.credentials.api_secret = binance::ApiSecret(kSecret);
  orders_ = std::make_unique<BinanceOrderGateway>(universe_, std::move(o));
  orders_->start();
  ASSERT_TRUE(pump([&] { return saw(ExecKind::session_up); }));
  reports_.clear();
  orders_.reset();
  BinanceOrderGatewayOptions wrong;
  wrong.connection = connection(true);
  wrong.connection.server_name = "wrong.example";  // resolves nowhere, but is never resolved
  wrong.credentials.api_key = kKey;
  wrong.credentials.api_secret = binance::ApiSecret(kSecret);
  orders_ = std::make_unique<BinanceOrderGateway>(universe_, std::move(wrong));
  orders_->start();
  EXPECT_FALSE(pump([&] { return saw(ExecKind::session_up); }, 500));
  EXPECT_GT(orders_->counters().errors, 0u);
}

// The `drop` fault resets every socket: the gateway reports the session down, reconnects
// with back-off, resubscribes, resynchronises depth and reports it up again, and never
// sends an order a second time (the engine asks for status instead).
TEST_F(BinanceGatewayTest, DropReconnectsResubscribesAndNeverResends) {
  start_server(false);
  start_gateways(false);
  ASSERT_TRUE(pump([&] { return saw(ExecKind::session_up) && quoted(0); }));
  OrderRequest o = buy(301, 2);
  ASSERT_TRUE(orders_->send(o));
  ASSERT_TRUE(pump([&] { return filled(301).second; }));
  const std::uint64_t snapshots = feed_->counters().depth_snapshots;
  for (int round = 1; round <= 3; ++round) {
    reports_.clear();
    EXPECT_GT(server_->drop_all(), 0u);
    ASSERT_TRUE(pump([&] { return saw(ExecKind::session_down) && saw(ExecKind::session_up); }))
        << "round " << round;
    ASSERT_TRUE(pump([&] {
      return feed_->depth_book(0).state() == binance::DepthSyncState::synced &&
             feed_->counters().connects == static_cast<std::uint64_t>(round + 1);
    })) << "round "
        << round;
  }
  // A status query after the reconnect says where the order stands.
  reports_.clear();
  OrderRequest q = o;
  q.kind = RequestKind::status;
  ASSERT_TRUE(orders_->send(q));
  ASSERT_TRUE(pump([&] { return saw(ExecKind::status); }));
  EXPECT_EQ(reports_.back().status, OrderStatus::filled);
  EXPECT_EQ(reports_.back().cum_lots, 2);
  EXPECT_EQ(server_->counters().orders, 1u);
  EXPECT_EQ(orders_->counters().orders_sent, 1u);
  EXPECT_EQ(orders_->counters().session_downs, 3u);
  EXPECT_EQ(orders_->counters().session_ups, 4u);
  EXPECT_GT(feed_->counters().depth_snapshots, snapshots);
  EXPECT_DOUBLE_EQ(venue_contracts(), 2.0);
}

// The listen key is kept alive with userDataStream.ping; the venue answers with the same
// key, so the session stays up on the same user socket.
TEST_F(BinanceGatewayTest, ListenKeyIsKeptAlive) {
  start_server(false);
  start_gateways(false, kSecret, 30'000'000);
  ASSERT_TRUE(pump([&] { return saw(ExecKind::session_up); }));
  ASSERT_TRUE(pump([&] { return orders_->counters().listen_key_pings >= 3; }, 2000));
  pump([] { return false; }, 50);
  EXPECT_TRUE(orders_->session_up());
  EXPECT_EQ(orders_->counters().user_connects, 1u);
  EXPECT_EQ(orders_->counters().session_downs, 0u);
  EXPECT_EQ(orders_->counters().rejects, 0u);
}

TEST_F(BinanceGatewayTest, SendsRefusedWhileTheSessionIsDown) {
  start_server(false);
  start_gateways(false);
  ASSERT_TRUE(pump([&] { return !ticks_.empty(); }));
  stop_stepping();
  server_->stop();
  ASSERT_TRUE(pump([&] { return !orders_->session_up(); }));
  OrderRequest o = buy(9, 1);
  EXPECT_FALSE(orders_->send(o));
  EXPECT_GE(orders_->counters().not_connected, 1u);
}

// Once connected, reading ticks, sending orders and reading their reports allocates
// nothing on the gateways' thread (plain TCP; under TLS OpenSSL's record layer does).
TEST_F(BinanceGatewayTest, HotPathAllocatesNothingOnceConnected) {
  start_server(false);
  start_gateways(false);
  ASSERT_TRUE(pump([&] {
    return saw(ExecKind::session_up) && quoted(0) &&
           feed_->depth_book(0).state() == binance::DepthSyncState::synced;
  }));
  ticks_.reserve(100000);
  reports_.reserve(100000);
  OrderRequest warm = buy(400, 1);
  ASSERT_TRUE(orders_->send(warm));
  ASSERT_TRUE(pump([&] { return filled(400).second; }));

  const long before = t_allocations;
  ASSERT_GT(before, 0) << "the counter sees this thread's allocations (setup made some)";
  const std::size_t ticks_before = ticks_.size();
  for (std::uint64_t id = 401; id < 421; ++id) {
    OrderRequest o = buy(id, 1);
    ASSERT_TRUE(orders_->send(o));
    const std::size_t seen = ticks_.size();
    // Its reports and at least one more tick (the venue publishes every 10 ms).
    ASSERT_TRUE(pump([&] { return filled(id).second && ticks_.size() > seen; }));
  }
  const long during = t_allocations - before;
  EXPECT_GT(ticks_.size(), ticks_before);
  EXPECT_EQ(during, 0) << "allocations on the gateway thread for 20 orders";
  EXPECT_DOUBLE_EQ(venue_contracts(), 21.0);
}

}  // namespace
}  // namespace ballast::gateways
