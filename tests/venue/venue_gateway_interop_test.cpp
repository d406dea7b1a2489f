// The venue simulator's FIX dialect against Ballast's own gateway: FixOrderGateway
// subscribes on logon and turns W/X into MarketTicks, OrderStatusRequest replies into
// ExecKind::status, UF into ExecKind::funding. In-process, loopback, clock stepped by the
// test.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../common/loopback.hpp"
#include "../common/loopback_gateway.hpp"
#include "../common/perp_universe.hpp"
#include "../common/temp_dir.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"
#include "venue_fix_server.hpp"

namespace ballast::venue::venue_gateway_interop_test {
namespace {

using ballast::testing::free_port;
using ballast::testing::fresh_temp_dir;
using ballast::testing::wait_for;
namespace fs = std::filesystem;

constexpr std::int64_t kNs = 1'000'000'000;
constexpr std::int64_t kT0 = 1'750'000'000 * kNs;  // 40 s past a whole minute

class VenueGatewayInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("ballast-venue-interop");
    const int port = free_port();
    SimulationConfig c;
    c.prices.assets = {AssetWalkConfig{"BTC", 50'000.0, 0.8, 0.0, 0.0, 0.0, 0.0}};
    c.prices.seed = 5;
    c.prices.start_ns = kT0;
    c.quotes.lots_per_level = 1000;
    sim_ = std::make_unique<VenueSimulation>(universe_, c);
    VenueFixServerOptions o;
    o.fix.port = port;
    o.fix.store_path = (dir_ / "venue").string();
    o.md_interval_ms = 0.0;
    server_ = std::make_unique<VenueFixServer>(*sim_, o);
    server_->start();
    gateways::FixGatewayOptions g =
        ballast::testing::loopback_gateway_options(port, dir_ / "ballast");
    g.logout_wait_ms = 500;
    gateway_ = std::make_unique<gateways::FixOrderGateway>(universe_, g);
    gateway_->start();
    ASSERT_TRUE(wait_for([&] { return gateway_->logged_on(); }));
  }
  void TearDown() override {
    gateway_.reset();
    server_.reset();
    sim_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Reports of `kind` (others are dropped) until `n` arrived.
  std::vector<ExecReport> reports(ExecKind kind, std::size_t n) {
    std::vector<ExecReport> got;
    wait_for([&] {
      ExecReport buf[16];
      const std::size_t k = gateway_->poll_reports(buf, 16);
      for (std::size_t i = 0; i < k; ++i)
        if (buf[i].kind == kind) got.push_back(buf[i]);
      return got.size() >= n;
    });
    return got;
  }

  Universe universe_ = ballast::testing::btcusdt_universe(60);  // funding every minute
  fs::path dir_;
  std::unique_ptr<VenueSimulation> sim_;
  std::unique_ptr<VenueFixServer> server_;
  std::unique_ptr<gateways::FixOrderGateway> gateway_;
};

TEST_F(VenueGatewayInteropTest, SnapshotAndIncrementalsBecomeTicks) {
  std::vector<MarketTick> ticks;
  std::int64_t now = kT0;
  ASSERT_TRUE(wait_for([&] {
    now += kNs / 10;
    server_->step_to(now);
    MarketTick t;
    while (gateway_->market_data().poll(0, t)) ticks.push_back(t);
    return ticks.size() >= 5;
  }));
  for (const MarketTick& t : ticks) {
    EXPECT_EQ(t.instrument, 0u);
    EXPECT_GT(t.bid, 0.0);
    EXPECT_GT(t.ask, t.bid);
    EXPECT_GT(t.bid_qty, 0.0);
    EXPECT_NEAR(t.mark, 50'000.0, 2'500.0);
    EXPECT_GT(t.index, 0.0);
  }
  const auto c = gateway_->counters();
  EXPECT_GE(c.md_snapshots, 1u);
  EXPECT_GE(c.md_incrementals, 1u);
  EXPECT_EQ(c.md_malformed, 0u);
  EXPECT_EQ(c.md_rejects, 0u);
  EXPECT_EQ(c.session_rejects, 0u);
}

TEST_F(VenueGatewayInteropTest, StatusQueryAndFundingBecomeReports) {
  OrderRequest q;
  q.client_order_id = 777;
  q.instrument = 0;
  q.side = Side::buy;
  q.lots = 1;
  q.limit_ticks = 500'000;
  q.kind = RequestKind::status;
  ASSERT_TRUE(gateway_->send(q));
  const auto status = reports(ExecKind::status, 1);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].client_order_id, 777u);
  EXPECT_EQ(status[0].status, OrderStatus::unknown);

  OrderRequest buy;
  buy.client_order_id = 1;
  buy.instrument = 0;
  buy.side = Side::buy;
  buy.lots = 500;
  buy.limit_ticks = 600'000;  // marketable
  ASSERT_TRUE(gateway_->send(buy));
  ASSERT_EQ(reports(ExecKind::fill, 1).size(), 1u);
  server_->with_simulation([](VenueSimulation& s) {
    s.marks().set_premium(0, 0.001);
    return 0;
  });
  server_->step_to(kT0 + 30 * kNs);  // past the funding at kT0 + 20 s
  const auto funding = reports(ExecKind::funding, 1);
  ASSERT_EQ(funding.size(), 1u);
  EXPECT_EQ(funding[0].instrument, 0u);
  EXPECT_GT(funding[0].fee, 0.0);  // the long paid a positive rate
  EXPECT_EQ(gateway_->counters().malformed, 0u);
}

}  // namespace
}  // namespace ballast::venue::venue_gateway_interop_test
