// VenueFixServer beyond order entry (docs/fix-dialect.md): market data (V -> W snapshot,
// X incrementals, Y for unknown symbols), OrderStatusRequest (150=I), FundingPayment (UF)
// and the fault commands, each seen by a raw FIX client on a loopback port. The
// simulation's clock is stepped by the test, so what is published when is deterministic.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "../common/loopback.hpp"
#include "../common/perp_universe.hpp"
#include "../common/temp_dir.hpp"
#include "ballast/venue/venue_fault.hpp"
#include "raw_fix_client.hpp"
#include "venue_fix_server.hpp"

namespace ballast::venue::venue_market_data_test {
namespace {

using ballast::testing::free_port;
using ballast::testing::fresh_temp_dir;
using ballast::testing::wait_for;
using rawfix::FixMessage;
using rawfix::md_request;
using rawfix::new_order;
using rawfix::RawFixClient;
using rawfix::status_request;
namespace fs = std::filesystem;

constexpr std::int64_t kNs = 1'000'000'000;
constexpr std::int64_t kT0 = 1'750'000'000 * kNs;  // 40 s past a whole minute

// Funding every 60 s: the next funding is 20 s after kT0.
Universe md_universe() {
  Universe u = ballast::testing::btcusdt_universe(60);
  u.instruments.push_back(ballast::testing::usdt_perp(u, "ETHUSDT", "ETH", 60));
  return u;
}

constexpr InstrumentId kBtc = 0;
constexpr InstrumentId kEth = 1;

SimulationConfig md_sim_config() {
  SimulationConfig c;
  c.prices.assets = {AssetWalkConfig{"BTC", 50'000.0, 0.8, 0.0, 0.0, 0.0, 0.0},
                     AssetWalkConfig{"ETH", 3'000.0, 0.8, 0.0, 0.0, 0.0, 0.0}};
  c.prices.seed = 11;
  c.prices.start_ns = kT0;
  c.quotes.levels = 3;
  c.quotes.half_spread_bps = 2.0;
  c.quotes.lots_per_level = 1000;
  return c;
}

double num(const std::string& s) {
  return s.empty() ? 0.0 : std::stod(s);
}

class VenueMarketDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("ballast-venue-md-test");
    port_ = free_port();
    sim_ = std::make_unique<VenueSimulation>(universe_, md_sim_config());
    VenueFixServerOptions o;
    o.fix.port = port_;
    o.fix.store_path = (dir_ / "venue").string();
    o.fix.target_comp_ids = {"RAW"};
    o.client_account = AccountConfig{"", 1e7, false, false};
    o.md_interval_ms = 0.0;  // every step that changes something publishes
    server_ = std::make_unique<VenueFixServer>(*sim_, o);
    server_->start();
    client_ = std::make_unique<RawFixClient>(port_);
    ASSERT_TRUE(client_->logon());
    ASSERT_TRUE(wait_for([&] { return server_->logged_on_sessions() == 1; }));
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    sim_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void step(std::int64_t dt_ns) {
    now_ += dt_ns;
    server_->step_to(now_);
  }

  // Sends an OrderStatusRequest for an order nobody knows and reads up to its reply:
  // everything the venue queued before it has arrived by then (one session, in order).
  std::vector<FixMessage> until_marker() {
    const std::string id = "marker-" + std::to_string(markers_++);
    client_->skipped().clear();
    client_->send("H", status_request(id, "BTCUSDT", "1", id));
    const FixMessage r = client_->expect_if(
        [&](const FixMessage& m) { return m.type() == "8" && m.count(11) && m.at(11) == id; });
    EXPECT_FALSE(r.empty());
    return client_->skipped();
  }

  static std::size_t count(const std::vector<FixMessage>& ms, const std::string& type,
                           const std::string& symbol = "") {
    std::size_t n = 0;
    for (const FixMessage& m : ms)
      if (m.type() == type && (symbol.empty() || (m.count(55) && m.at(55) == symbol))) ++n;
    return n;
  }

  static void expect_plausible_book(const FixMessage& m) {
    const auto types = m.all(269);
    const auto px = m.all(270);
    const auto sz = m.all(271);
    ASSERT_EQ(types, (std::vector<std::string>{"0", "1", "6", "3"}));
    ASSERT_EQ(px.size(), 4u);
    ASSERT_EQ(sz.size(), 4u);
    EXPECT_GT(num(px[0]), 0.0);
    EXPECT_LT(num(px[0]), num(px[1]));  // bid < ask
    EXPECT_GT(num(sz[0]), 0.0);
    EXPECT_GT(num(sz[1]), 0.0);
    EXPECT_GT(num(px[2]), num(px[0]) * 0.99);  // mark near the book
    EXPECT_LT(num(px[2]), num(px[1]) * 1.01);
    EXPECT_GT(num(px[3]), 0.0);
    EXPECT_EQ(sz[2], "0");
    EXPECT_EQ(sz[3], "0");
    EXPECT_FALSE(m.at(5701).empty());
    EXPECT_GT(num(m.at(5702)), 1.75e12);  // Unix ms
  }

  Universe universe_ = md_universe();
  fs::path dir_;
  int port_ = 0;
  std::int64_t now_ = kT0;
  int markers_ = 0;
  std::unique_ptr<VenueSimulation> sim_;
  std::unique_ptr<VenueFixServer> server_;
  std::unique_ptr<RawFixClient> client_;
};

TEST_F(VenueMarketDataTest, SubscribeGivesASnapshotThenIncrementals) {
  client_->send("V", md_request("md1", '1', {"BTCUSDT", "ETHUSDT"}));
  FixMessage w = client_->expect("W");
  ASSERT_FALSE(w.empty());
  EXPECT_EQ(w[262], "md1");
  EXPECT_EQ(w[55], "BTCUSDT");
  EXPECT_EQ(w[268], "4");
  expect_plausible_book(w);
  w = client_->expect("W");
  EXPECT_EQ(w[55], "ETHUSDT");

  step(kNs);
  FixMessage x = client_->expect("X");
  ASSERT_FALSE(x.empty());
  EXPECT_EQ(x[262], "md1");
  EXPECT_EQ(x[268], "4");
  EXPECT_EQ(x.all(279), (std::vector<std::string>(4, "1")));
  const auto symbols = x.all(55);
  ASSERT_EQ(symbols.size(), 4u);
  EXPECT_EQ(symbols[0], symbols[3]);
  expect_plausible_book(x);

  // Every step moves the market: an incremental per symbol per step.
  for (int k = 0; k < 5; ++k) step(kNs);
  const auto got = until_marker();
  EXPECT_GE(count(got, "X"), 5u);
  EXPECT_EQ(count(got, "W"), 0u);
  EXPECT_EQ(server_->counters().md_requests, 1u);
}

TEST_F(VenueMarketDataTest, UnknownSymbolIsRejectedAndUnsubscribeStopsUpdates) {
  client_->send("V", md_request("bad", '1', {"BTCUSDT", "DOGEUSDT"}));
  const FixMessage y = client_->expect("Y");
  ASSERT_FALSE(y.empty());
  EXPECT_EQ(y[262], "bad");
  EXPECT_EQ(y[281], "0");
  EXPECT_NE(y[58].find("DOGEUSDT"), std::string::npos);
  // Nothing was subscribed by the refused request.
  step(kNs);
  EXPECT_EQ(count(until_marker(), "X"), 0u);

  client_->send("V", md_request("ok", '1', {"BTCUSDT"}));
  ASSERT_FALSE(client_->expect("W").empty());
  client_->send("V", md_request("ok", '2', {"BTCUSDT"}));
  (void)until_marker();
  step(kNs);
  step(kNs);
  const auto got = until_marker();
  EXPECT_EQ(count(got, "X"), 0u);
  EXPECT_EQ(count(got, "W"), 0u);
}

TEST_F(VenueMarketDataTest, StatusOfLiveFinishedAndUnknownOrders) {
  const MarketTick t = server_->with_simulation([](VenueSimulation& s) { return s.tick(kBtc); });
  char price[32];
  std::snprintf(price, sizeof price, "%.1f", std::floor(t.bid) - 500.0);
  client_->send("D", new_order("live1", "BTCUSDT", "1", "0.2", "2", price, "1"));
  FixMessage r = client_->expect("8");
  ASSERT_EQ(r[150], "0");
  std::set<std::string> exec_ids{r[17]};
  client_->send("D", new_order("done1", "BTCUSDT", "2", "0.1", "1", "", "3"));
  r = client_->expect("8");
  exec_ids.insert(r[17]);
  r = client_->expect("8");
  ASSERT_EQ(r[150], "F");
  exec_ids.insert(r[17]);

  client_->send("H", status_request("live1", "BTCUSDT", "1", "s1"));
  r = client_->expect("8");
  EXPECT_EQ(r[150], "I");
  EXPECT_EQ(r[39], "0");
  EXPECT_EQ(r[790], "s1");
  EXPECT_EQ(r[11], "live1");
  EXPECT_EQ(r[151], "0.2");
  EXPECT_EQ(r[14], "0");
  EXPECT_EQ(r.count(32), 0u);  // no trade in a status reply
  exec_ids.insert(r[17]);

  client_->send("H", status_request("done1", "BTCUSDT", "2", "s2"));
  r = client_->expect("8");
  EXPECT_EQ(r[150], "I");
  EXPECT_EQ(r[39], "2");
  EXPECT_EQ(r[14], "0.1");
  EXPECT_EQ(r[151], "0");
  EXPECT_GT(num(r[6]), 0.0);
  exec_ids.insert(r[17]);

  client_->send("H", status_request("never", "BTCUSDT", "1", "s3"));
  r = client_->expect("8");
  EXPECT_EQ(r[150], "I");
  EXPECT_EQ(r[39], "8");
  EXPECT_EQ(r[103], "5");
  EXPECT_EQ(r[790], "s3");
  exec_ids.insert(r[17]);

  // Cancelled: the status follows.
  client_->send("F",
                {{11, "c1"}, {41, "live1"}, {55, "BTCUSDT"}, {54, "1"}, {60, "20260101-00:00:00"}});
  r = client_->expect("8");
  ASSERT_EQ(r[150], "4");
  exec_ids.insert(r[17]);
  client_->send("H", status_request("live1", "BTCUSDT", "1", "s4"));
  r = client_->expect("8");
  EXPECT_EQ(r[39], "4");
  exec_ids.insert(r[17]);
  EXPECT_EQ(exec_ids.size(), 8u);  // every ExecID distinct
  EXPECT_EQ(server_->counters().status_requests, 4u);
}

TEST_F(VenueMarketDataTest, FundingLongPaysAndShortReceivesWhenTheRateIsPositive) {
  client_->send("D", new_order("b1", "BTCUSDT", "1", "0.5", "1", "", "3"));
  ASSERT_EQ(client_->expect_if(
                [](const FixMessage& m) { return m.type() == "8" && m.at(150) == "F"; })[32],
            "0.5");
  client_->send("D", new_order("s1", "ETHUSDT", "2", "1", "1", "", "3"));
  ASSERT_EQ(client_->expect_if(
                [](const FixMessage& m) { return m.type() == "8" && m.at(150) == "F"; })[32],
            "1");
  server_->with_simulation([](VenueSimulation& s) {
    s.marks().set_premium(kBtc, 0.001);  // rate = 0.001 + clamp(0.0001 - 0.001) = 0.0005
    s.marks().set_premium(kEth, 0.001);
    return 0;
  });
  step(30 * kNs);  // past the funding at kT0 + 20 s

  FixMessage btc = client_->expect_if(
      [](const FixMessage& m) { return m.type() == "UF" && m.at(55) == "BTCUSDT"; });
  ASSERT_FALSE(btc.empty());
  EXPECT_FALSE(btc[5706].empty());
  EXPECT_EQ(btc[5705], "0.5");
  EXPECT_GT(num(btc[5701]), 0.0);
  EXPECT_GT(num(btc[5704]), 40'000.0);
  EXPECT_LT(num(btc[5703]), 0.0);  // the long paid
  EXPECT_NEAR(num(btc[5703]), -num(btc[5701]) * 0.5 * num(btc[5704]), 0.01);
  EXPECT_EQ(btc[60].size(), 21u);  // YYYYMMDD-HH:MM:SS.sss

  FixMessage eth = client_->expect_if(
      [](const FixMessage& m) { return m.type() == "UF" && m.at(55) == "ETHUSDT"; });
  ASSERT_FALSE(eth.empty());
  EXPECT_EQ(eth[5705], "-1");
  EXPECT_GT(num(eth[5701]), 0.0);
  EXPECT_GT(num(eth[5703]), 0.0);  // the short received
  EXPECT_NE(eth[5706], btc[5706]);

  const auto clients = server_->clients();
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_NEAR(clients[0].funding_paid, -num(btc[5703]), 0.01);
  EXPECT_NEAR(clients[0].funding_received, num(eth[5703]), 0.01);
  EXPECT_EQ(clients[0].funding_payments, 2u);
  EXPECT_GT(clients[0].fees_paid, 0.0);
  ASSERT_EQ(clients[0].positions.size(), 2u);
}

TEST_F(VenueMarketDataTest, RejectFaultRejectsTheNextOrders) {
  ASSERT_EQ(server_->apply_fault(*parse_fault_command("reject 1")), "");
  client_->send("D", new_order("r1", "BTCUSDT", "1", "0.1", "1", "", "3"));
  FixMessage r = client_->expect("8");
  EXPECT_EQ(r[150], "8");
  EXPECT_EQ(r[103], "99");
  EXPECT_EQ(r[58], "injected fault");
  client_->send("D", new_order("r2", "BTCUSDT", "1", "0.1", "1", "", "3"));
  r = client_->expect("8");
  EXPECT_EQ(r[150], "0");  // the next one goes through
}

TEST_F(VenueMarketDataTest, FreezeStopsMarketDataAndUnfreezeSnapshotsFirst) {
  client_->send("V", md_request("m", '1', {"BTCUSDT", "ETHUSDT"}));
  ASSERT_FALSE(client_->expect("W").empty());
  ASSERT_FALSE(client_->expect("W").empty());
  ASSERT_EQ(server_->apply_fault(*parse_fault_command("freeze BTCUSDT")), "");
  step(kNs);
  step(kNs);
  auto got = until_marker();
  EXPECT_EQ(count(got, "X", "BTCUSDT"), 0u);
  EXPECT_GE(count(got, "X", "ETHUSDT"), 2u);  // the other symbol carries on

  ASSERT_EQ(server_->apply_fault(*parse_fault_command("unfreeze BTCUSDT")), "");
  step(kNs);
  got = until_marker();
  ASSERT_GE(got.size(), 2u);
  std::size_t first_btc = got.size();
  for (std::size_t k = 0; k < got.size() && first_btc == got.size(); ++k)
    if ((got[k].type() == "W" || got[k].type() == "X") && got[k].count(55) &&
        got[k].at(55) == "BTCUSDT")
      first_btc = k;
  ASSERT_LT(first_btc, got.size());
  EXPECT_EQ(got[first_btc].type(), "W");  // a snapshot before the incrementals resume
  EXPECT_GE(count(got, "X", "BTCUSDT"), 1u);

  // freeze with no symbol: everything; clear ends it with snapshots.
  ASSERT_EQ(server_->apply_fault(*parse_fault_command("freeze")), "");
  step(kNs);
  got = until_marker();
  EXPECT_EQ(count(got, "X"), 0u);
  ASSERT_EQ(server_->apply_fault(*parse_fault_command("clear")), "");
  got = until_marker();
  EXPECT_EQ(count(got, "W"), 2u);
}

TEST_F(VenueMarketDataTest, WidenMultipliesTheSpread) {
  client_->send("V", md_request("s", '0', {"BTCUSDT"}));  // snapshot only
  FixMessage w = client_->expect("W");
  const double before = num(w.all(270)[1]) - num(w.all(270)[0]);
  ASSERT_GT(before, 0.0);
  ASSERT_EQ(server_->apply_fault(*parse_fault_command("widen 10")), "");
  step(kNs);  // the market maker re-quotes
  client_->send("V", md_request("s", '0', {"BTCUSDT"}));
  w = client_->expect("W");
  const double after = num(w.all(270)[1]) - num(w.all(270)[0]);
  EXPECT_GT(after, before * 5.0);
  // Snapshot-only requests subscribe nothing.
  step(kNs);
  EXPECT_EQ(count(until_marker(), "X"), 0u);
}

TEST_F(VenueMarketDataTest, DelayHoldsOutboundMessages) {
  ASSERT_EQ(server_->apply_fault(*parse_fault_command("delay 300")), "");
  EXPECT_EQ(server_->delay_ms(), 300);
  auto t0 = std::chrono::steady_clock::now();
  client_->send("H", status_request("x", "BTCUSDT", "1", "d1"));
  ASSERT_FALSE(client_->expect("8").empty());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(290));

  // Held messages are released by "delay 0" without waiting out the delay.
  ASSERT_EQ(server_->apply_fault(*parse_fault_command("delay 60000")), "");
  client_->send("H", status_request("x", "BTCUSDT", "1", "d2"));
  EXPECT_FALSE(client_->next().has_value());  // held
  ASSERT_EQ(server_->apply_fault(*parse_fault_command("delay 0")), "");
  t0 = std::chrono::steady_clock::now();
  const FixMessage r = client_->expect("8");
  EXPECT_EQ(r.at(790), "d2");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(VenueMarketDataTest, DropDisconnectsAndTheReconnectGetsASnapshot) {
  client_->send("V", md_request("m", '1', {"BTCUSDT"}));
  ASSERT_FALSE(client_->expect("W").empty());
  ASSERT_EQ(server_->apply_fault(*parse_fault_command("drop")), "");
  const FixMessage logout = client_->expect("5");
  ASSERT_FALSE(logout.empty());
  client_->send("5", {});
  ASSERT_TRUE(wait_for([&] { return server_->logged_on_sessions() == 0; }));
  EXPECT_EQ(server_->counters().drops, 1u);

  // The session logs on again (a new connection) and the subscription resumes with a
  // snapshot.
  client_ = std::make_unique<RawFixClient>(port_);
  ASSERT_TRUE(client_->logon());
  const FixMessage w = client_->expect("W");
  ASSERT_FALSE(w.empty());
  EXPECT_EQ(w[55], "BTCUSDT");
  step(kNs);
  EXPECT_FALSE(client_->expect("X").empty());
}

TEST_F(VenueMarketDataTest, UnknownSymbolInAFaultIsRefused) {
  EXPECT_NE(server_->apply_fault(*parse_fault_command("freeze NOPE")), "");
  EXPECT_NE(server_->apply_fault(*parse_fault_command("unfreeze NOPE")), "");
  EXPECT_EQ(server_->counters().faults, 0u);
}

}  // namespace
}  // namespace ballast::venue::venue_market_data_test
