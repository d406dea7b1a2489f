// VenueFixServer end to end: the venue simulator's FIX acceptor in-process on a loopback
// port (its own FileStore in a temporary directory), driven by Ballast's real FIX
// initiator, ballast::gateways::FixOrderGateway. Logon, a marketable IOC order filled
// against the market maker inside its quotes, a bad quantity rejected with a reason, a
// resting order cancelled and a cancel of an unknown order refused.
#include "venue_fix_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../common/loopback.hpp"
#include "../common/loopback_gateway.hpp"
#include "../common/perp_universe.hpp"
#include "../common/temp_dir.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"
#include "raw_fix_client.hpp"

namespace ballast::venue::venue_fix_server_test {
namespace {

using ballast::testing::btcusdt_universe;
using ballast::testing::free_port;
using ballast::testing::fresh_temp_dir;
using ballast::testing::loopback_gateway_options;
using ballast::testing::order;
using ballast::testing::wait_for;

namespace fs = std::filesystem;
using gateways::FixGatewayOptions;
using gateways::FixOrderGateway;

constexpr std::int64_t kNs = 1'000'000'000;
constexpr std::int64_t kT0 = 1'750'000'000 * kNs;

constexpr InstrumentId kBtc = 0;

SimulationConfig sim_config() {
  SimulationConfig c;
  c.prices.assets = {AssetWalkConfig{"BTC", 50'000.0, 0.0, 0.0, 0.0, 0.0, 0.0}};
  c.prices.seed = 7;
  c.prices.start_ns = kT0;
  c.quotes.levels = 5;
  c.quotes.half_spread_bps = 2.0;
  c.quotes.lots_per_level = 1000;  // 1 BTC per level
  return c;
}

class VenueFixServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("ballast-venue-fix-test");
    port_ = free_port();
    sim_ = std::make_unique<VenueSimulation>(universe_, sim_config());
    VenueFixServerOptions o;
    o.fix.port = port_;
    o.fix.store_path = (dir_ / "venue").string();
    o.client_account = AccountConfig{"", 1e7, false, false};
    server_ = std::make_unique<VenueFixServer>(*sim_, o);
    server_->start();
  }

  void TearDown() override {
    gateway_.reset();
    server_.reset();
    sim_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void connect(gateways::FixTimeInForce tif = gateways::FixTimeInForce::ioc) {
    FixGatewayOptions o = loopback_gateway_options(port_, dir_ / "ballast");
    o.time_in_force = tif;
    o.logout_wait_ms = 500;
    gateway_ = std::make_unique<FixOrderGateway>(universe_, o);
    gateway_->start();
    ASSERT_TRUE(wait_for([&] { return gateway_->logged_on(); }));
    ASSERT_TRUE(wait_for([&] { return server_->logged_on_sessions() == 1; }));
  }

  // Polls until `count` reports arrived (or the timeout).
  std::vector<ExecReport> reports(std::size_t count) {
    wait_for([&] {
      ExecReport buf[16];
      const std::size_t n = gateway_->poll_reports(buf, 16);
      for (std::size_t k = 0; k < n; ++k)  // order reports only (not session events)
        if (buf[k].kind != ExecKind::session_up && buf[k].kind != ExecKind::session_down &&
            buf[k].kind != ExecKind::funding)
          got_.push_back(buf[k]);
      return got_.size() >= count;
    });
    return got_;
  }

  Universe universe_ = btcusdt_universe();
  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<VenueSimulation> sim_;
  std::unique_ptr<VenueFixServer> server_;
  std::unique_ptr<FixOrderGateway> gateway_;
  std::vector<ExecReport> got_;
};

TEST_F(VenueFixServerTest, MarketableIocIsAckedAndFilledInsideTheQuotes) {
  connect();
  const auto session = server_->session_ids().at(0);
  const auto account = server_->account_of(session);
  ASSERT_TRUE(account.has_value());

  const MarketTick tick = server_->with_simulation([](VenueSimulation& s) { return s.tick(kBtc); });
  ASSERT_GT(tick.bid, 0.0);
  ASSERT_GT(tick.ask, tick.bid);
  const auto limit = static_cast<std::int64_t>(std::ceil(tick.ask / 0.1)) + 50;  // marketable

  // 0.5 BTC: within the best level.
  OrderRequest buy = order(101, kBtc, Side::buy, 500, limit);
  ASSERT_TRUE(gateway_->send(buy));
  const auto r = reports(2);
  ASSERT_GE(r.size(), 2u);
  EXPECT_EQ(r[0].kind, ExecKind::ack);
  EXPECT_EQ(r[0].client_order_id, 101u);
  EXPECT_EQ(r[1].kind, ExecKind::fill);
  EXPECT_EQ(r[1].client_order_id, 101u);
  EXPECT_EQ(r[1].last_lots, 500);
  EXPECT_EQ(r[1].cum_lots, 500);
  EXPECT_EQ(r[1].leaves_lots, 0);
  const double px = static_cast<double>(r[1].last_price_ticks) * 0.1;
  EXPECT_GE(px, tick.bid);
  EXPECT_LE(px, tick.ask + 1e-9);
  EXPECT_GT(r[1].fee, 0.0);  // taker fee as Commission

  // The venue booked it on the session's account.
  const std::int64_t lots = server_->with_simulation(
      [&](VenueSimulation& s) { return s.venue().position(*account, kBtc).lots; });
  EXPECT_EQ(lots, 500);
  EXPECT_EQ(gateway_->counters().malformed, 0u);
  EXPECT_EQ(server_->counters().malformed, 0u);
}

TEST_F(VenueFixServerTest, BadQuantityIsRejectedWithAReason) {
  connect();
  // 20 BTC: over the instrument's max_order_qty of 10.
  OrderRequest big = order(7, kBtc, Side::sell, 20'000, 400'000);
  ASSERT_TRUE(gateway_->send(big));
  const auto r = reports(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::rejected);
  EXPECT_EQ(r[0].client_order_id, 7u);
  EXPECT_EQ(r[0].reject_code, gateways::kRejectCodeOrder | 13);  // incorrect quantity
}

TEST_F(VenueFixServerTest, RestingOrderIsCancelledAndUnknownCancelRefused) {
  connect(gateways::FixTimeInForce::gtc);
  const MarketTick tick = server_->with_simulation([](VenueSimulation& s) { return s.tick(kBtc); });
  const auto passive = static_cast<std::int64_t>(std::floor(tick.bid / 0.1)) - 100;
  OrderRequest bid = order(11, kBtc, Side::buy, 100, passive);
  ASSERT_TRUE(gateway_->send(bid));
  auto r = reports(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::ack);
  EXPECT_EQ(r[0].leaves_lots, 100);

  // The clock moves; the order rests and the server keeps serving.
  server_->step_to(kT0 + 2 * kNs);

  ASSERT_TRUE(gateway_->cancel(12, bid));
  r = reports(2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].kind, ExecKind::canceled);
  EXPECT_EQ(r[1].client_order_id, 11u);

  OrderRequest ghost = order(99, kBtc, Side::buy, 100, passive);
  ASSERT_TRUE(gateway_->cancel(13, ghost));
  r = reports(3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[2].kind, ExecKind::ack);
  EXPECT_EQ(r[2].client_order_id, 99u);
  EXPECT_EQ(r[2].reject_code, gateways::kRejectCodeCancel | 1);  // unknown order
}

// ---- A raw FIX client (raw_fix_client.hpp): what a careless or hostile counterparty sends

using rawfix::Fields;
using rawfix::new_order;
using rawfix::RawFixClient;

class VenueFixServerRawTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("ballast-venue-raw-test");
    port_ = free_port();
    sim_ = std::make_unique<VenueSimulation>(universe_, sim_config());
    VenueFixServerOptions o;
    o.fix.port = port_;
    o.fix.store_path = (dir_ / "venue").string();
    o.fix.target_comp_ids = {"BALLAST", "RAW"};
    server_ = std::make_unique<VenueFixServer>(*sim_, o);
    server_->start();
    client_ = std::make_unique<RawFixClient>(port_);
    client_->send("A", {{98, "0"}, {108, "30"}});
    ASSERT_FALSE(client_->expect("A").empty());
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    sim_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Universe universe_ = btcusdt_universe();
  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<VenueSimulation> sim_;
  std::unique_ptr<VenueFixServer> server_;
  std::unique_ptr<RawFixClient> client_;
};

TEST_F(VenueFixServerRawTest, MalformedOrdersGetSessionRejectsAndTheSessionCarriesOn) {
  // A missing field of an application message is a BusinessMessageReject (QuickFIX's rule
  // for FIX 4.2+: conditionally required field missing); a bad value a session Reject.
  client_->send("D", new_order("a1", "", "1", "1", "2", "50000", "1"));  // no Symbol
  auto r = client_->expect("j");
  EXPECT_EQ(r[372], "D");
  EXPECT_EQ(r[380], "5");
  client_->send("D", new_order("a2", "BTCUSDT", "9", "1", "2", "50000", "1"));  // bad Side
  r = client_->expect("3");
  EXPECT_EQ(r[371], "54");
  client_->send("D", new_order("a3", "BTCUSDT", "1", "lots", "2", "50000", "1"));  // bad qty
  r = client_->expect("3");
  EXPECT_EQ(r[371], "38");
  client_->send("D", new_order("a4", "BTCUSDT", "1", "1", "2", "", "1"));  // limit, no Price
  r = client_->expect("j");
  EXPECT_EQ(r[380], "5");
  client_->send("R", {{131, "q1"}});  // QuoteRequest: not order entry
  r = client_->expect("j");
  EXPECT_EQ(r[380], "3");                        // unsupported message type
  EXPECT_EQ(server_->counters().malformed, 3u);  // the value checks it made itself

  // Business rejects are ExecutionReports with a reason.
  client_->send("D", new_order("b1", "NOPE", "1", "1", "2", "50000", "1"));
  r = client_->expect("8");
  EXPECT_EQ(r[150], "8");
  EXPECT_EQ(r[103], "1");  // unknown symbol
  client_->send("D", new_order("b2", "BTCUSDT", "1", "0.0005", "2", "50000", "1"));
  r = client_->expect("8");
  EXPECT_EQ(r[150], "8");
  EXPECT_EQ(r[103], "13");  // incorrect quantity: half a lot
  EXPECT_EQ(r[58], "bad_quantity");
  client_->send("D", new_order("b3", "BTCUSDT", "1", "1", "2", "50000.05", "1"));
  r = client_->expect("8");
  EXPECT_EQ(r[150], "8");
  EXPECT_EQ(r[58], "off_tick");

  // And a market order still trades: ack, then a fill at the maker's ask.
  client_->send("D", new_order("m1", "BTCUSDT", "1", "0.25", "1", "", "3"));
  r = client_->expect("8");
  EXPECT_EQ(r[150], "0");
  EXPECT_EQ(r[11], "m1");
  r = client_->expect("8");
  EXPECT_EQ(r[150], "F");
  EXPECT_EQ(r[39], "2");
  EXPECT_EQ(r[32], "0.25");
  EXPECT_EQ(r[14], "0.25");
  EXPECT_EQ(r[151], "0");
  EXPECT_GT(std::stod(r[31]), 50'000.0);
  EXPECT_LT(std::stod(r[31]), 50'000.0 * 1.001);
}

TEST_F(VenueFixServerRawTest, ReplaceMovesARestingOrderAndABadReplaceIsRefused) {
  client_->send("D", new_order("g1", "BTCUSDT", "1", "0.1", "2", "49000", "1"));
  auto r = client_->expect("8");
  EXPECT_EQ(r[150], "0");
  EXPECT_EQ(r[44], "49000");
  Fields replace{{11, "g2"},  {41, "g1"}, {55, "BTCUSDT"}, {54, "1"}, {60, "20260101-00:00:00"},
                 {38, "0.2"}, {40, "2"},  {44, "49100.5"}};
  client_->send("G", replace);
  r = client_->expect("8");
  EXPECT_EQ(r[150], "5");
  EXPECT_EQ(r[11], "g2");
  EXPECT_EQ(r[41], "g1");
  EXPECT_EQ(r[38], "0.2");
  EXPECT_EQ(r[44], "49100.5");
  Fields off_tick{{11, "g3"},  {41, "g2"}, {55, "BTCUSDT"}, {54, "1"}, {60, "20260101-00:00:00"},
                  {38, "0.2"}, {40, "2"},  {44, "49100.55"}};
  client_->send("G", off_tick);
  r = client_->expect("9");
  EXPECT_EQ(r[434], "2");
  EXPECT_EQ(r[11], "g3");
  EXPECT_EQ(r[41], "g2");
  EXPECT_EQ(r[58], "off_tick");
  Fields cancel{{11, "g4"}, {41, "g2"}, {55, "BTCUSDT"}, {54, "1"}, {60, "20260101-00:00:00"}};
  client_->send("F", cancel);
  r = client_->expect("8");
  EXPECT_EQ(r[150], "4");
  EXPECT_EQ(r[41], "g2");
  EXPECT_EQ(r[151], "0");
}

TEST(VenueFixServerMapping, RejectReasonsToFix) {
  EXPECT_EQ(fix_ord_rej_reason(RejectReason::unknown_instrument), 1);
  EXPECT_EQ(fix_ord_rej_reason(RejectReason::above_max_qty), 13);
  EXPECT_EQ(fix_ord_rej_reason(RejectReason::bad_quantity), 13);
  EXPECT_EQ(fix_ord_rej_reason(RejectReason::duplicate_client_order_id), 6);
  EXPECT_EQ(fix_ord_rej_reason(RejectReason::off_tick), 99);
  EXPECT_EQ(fix_cxl_rej_reason(RejectReason::unknown_order), 1);
}

}  // namespace
}  // namespace ballast::venue::venue_fix_server_test

namespace ballast::venue_fix::venue_fix_server_test {
namespace {

// Issue 14, item 9: the simulator's FIX acceptor served any interface with no
// authentication. Logons are refused while a peer off loopback is connected to its port;
// here the /proc/net/tcp parsing that decides it, on real lines of the kernel's format.
TEST(VenueFixLoopbackOnly, OnlyEstablishedNonLoopbackPeersOnThePortAreNamed) {
  const std::string header =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n";
  // 127.0.0.1:9876 <- 127.0.0.1:50000 established; a listener; another port's remote peer.
  const std::string local =
      "   0: 0100007F:2694 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0\n"
      "   1: 00000000:2694 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0\n"
      "   2: 0A00000A:0016 0A71007C:D431 01 00000000:00000000 00:00000000 00000000     0\n";
  EXPECT_EQ(non_loopback_peer(header + local, 9876), "");
  // 10.0.0.10:9876 <- 203.0.113.10:54321 established.
  const std::string remote =
      "   3: 0A00000A:2694 0A7100CB:D431 01 00000000:00000000 00:00000000 00000000     0\n";
  EXPECT_EQ(non_loopback_peer(header + local + remote, 9876), "203.0.113.10:54321");
  EXPECT_EQ(non_loopback_peer(header + remote, 9877), "");  // not our port
  // IPv6: ::1 and ::ffff:127.0.0.1 are local; 2001:db8::1 is not.
  const std::string v6 =
      "   0: 00000000000000000000000001000000:2694 00000000000000000000000001000000:C350 01 0\n"
      "   1: 00000000000000000000000001000000:2694 0000000000000000FFFF00000100007F:C351 01 0\n";
  EXPECT_EQ(non_loopback_peer(header + v6, 9876), "");
  const std::string v6_remote =
      "   2: 00000000000000000000000001000000:2694 B80D0120000000000000000001000000:C352 01 0\n";
  EXPECT_NE(non_loopback_peer(header + v6 + v6_remote, 9876), "");
}

}  // namespace
}  // namespace ballast::venue_fix::venue_fix_server_test
