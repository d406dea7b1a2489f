// VenueRunner: a BallastConfig plus [venue] settings in, a running simulator out (clock
// thread, FIX server, scheduled faults, replay). Seen through a raw FIX client on a
// loopback port; every wait is a deadline (wait_for / expect), never a fixed sleep.
#include "ballast/venue/venue_runner.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "../common/loopback.hpp"
#include "../common/perp_universe.hpp"
#include "../common/temp_dir.hpp"
#include "raw_fix_client.hpp"

namespace ballast::venue::venue_runner_test {
namespace {

using ballast::testing::free_port;
using ballast::testing::fresh_temp_dir;
using ballast::testing::wait_for;
using rawfix::FixMessage;
using rawfix::md_request;
using rawfix::new_order;
using rawfix::RawFixClient;
namespace fs = std::filesystem;

BallastConfig test_config() {
  BallastConfig c;
  c.universe = ballast::testing::btcusdt_universe();
  c.market.mark[0] = 50'000.0;
  return c;
}

double num(const std::string& s) {
  return s.empty() ? 0.0 : std::stod(s);
}

class VenueRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("ballast-venue-runner-test");
    venue_.present = true;
    venue_.port = free_port();
    venue_.store_dir = (dir_ / "venue").string();
    venue_.tick_interval_ms = 20;
    options_.target_comp_ids = {"RAW"};
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  BallastConfig config_ = test_config();
  VenueSimConfig venue_;
  VenueRunnerOptions options_;
  fs::path dir_;
};

TEST_F(VenueRunnerTest, StartsAndStopsCleanlyTwiceOnTheSameStore) {
  config_.margin_balance = 12'345.0;  // the client's cash when [venue] cash is 0
  for (int run = 0; run < 2; ++run) {
    SCOPED_TRACE(run);
    VenueRunner runner(config_, venue_, options_);
    EXPECT_EQ(runner.store_dir(), venue_.store_dir);
    runner.start();
    EXPECT_TRUE(runner.running());
    RawFixClient client(venue_.port);
    ASSERT_TRUE(client.logon());
    client.send("V", md_request("m", '1', {"BTCUSDT"}));
    const FixMessage w = client.expect("W");
    ASSERT_FALSE(w.empty());
    EXPECT_NEAR(num(w.all(270)[2]), 50'000.0, 2'500.0);
    ASSERT_FALSE(client.expect("X").empty());  // the clock thread publishes
    ASSERT_TRUE(wait_for([&] { return runner.summary().clients.size() == 1; }));
    EXPECT_DOUBLE_EQ(runner.summary().clients[0].cash, 12'345.0);
    runner.stop();
    EXPECT_FALSE(runner.running());
    runner.stop();  // idempotent
    const VenueRunSummary s = runner.summary();
    EXPECT_EQ(s.counters.logons, 1u);
    EXPECT_GT(s.counters.md_incrementals, 0u);
    EXPECT_GT(s.sim_seconds, 0.0);
    EXPECT_NE(format_summary(s).find("funding_received="), std::string::npos);
  }
  EXPECT_TRUE(fs::exists(venue_.store_dir));
}

TEST_F(VenueRunnerTest, ATakenPortThrowsOnStart) {
  VenueRunner first(config_, venue_, options_);
  first.start();
  VenueSimConfig second = venue_;
  second.store_dir = (dir_ / "other").string();
  VenueRunner runner(config_, second, options_);
  EXPECT_THROW(runner.start(), std::runtime_error);
}

TEST_F(VenueRunnerTest, FundingArrivesWithAFastIntervalAndSpeed) {
  venue_.funding_interval_s = 60;
  venue_.speed = 600.0;  // a funding every 100 ms of wall time
  venue_.cash = 1e6;
  VenueRunner runner(config_, venue_, options_);
  runner.start();
  RawFixClient client(venue_.port);
  ASSERT_TRUE(client.logon());
  // 0.01 BTC: the market maker's default best level.
  client.send("D", new_order("b1", "BTCUSDT", "1", "0.01", "1", "", "3"));
  const FixMessage fill =
      client.expect_if([](const FixMessage& m) { return m.type() == "8" && m.at(150) == "F"; });
  ASSERT_EQ(fill.at(32), "0.01");
  const FixMessage uf = client.expect("UF");
  ASSERT_FALSE(uf.empty());
  EXPECT_EQ(uf.at(55), "BTCUSDT");
  EXPECT_EQ(uf.at(5705), "0.01");
  const double rate = num(uf.at(5701));
  const double amount = num(uf.at(5703));
  ASSERT_NE(rate, 0.0);
  EXPECT_EQ(std::signbit(amount), rate > 0.0);  // the long pays a positive rate
  EXPECT_NEAR(amount, -rate * 0.01 * num(uf.at(5704)), 1e-4);
  const FixMessage again = client.expect("UF");
  ASSERT_FALSE(again.empty());
  EXPECT_NE(again.at(5706), uf.at(5706));
  runner.stop();
  const VenueRunSummary s = runner.summary();
  ASSERT_EQ(s.clients.size(), 1u);
  EXPECT_GE(s.clients[0].funding_payments, 2u);
  EXPECT_GT(s.clients[0].funding_paid + s.clients[0].funding_received, 0.0);
  EXPECT_GT(s.clients[0].fees_paid, 0.0);
  ASSERT_EQ(s.clients[0].positions.size(), 1u);
  EXPECT_DOUBLE_EQ(s.clients[0].positions[0].contracts, 0.01);
}

TEST_F(VenueRunnerTest, PauseFreezesTheClockAndFunding) {
  venue_.funding_interval_s = 60;
  venue_.speed = 600.0;
  VenueRunner runner(config_, venue_, options_);
  runner.start();
  RawFixClient client(venue_.port);
  ASSERT_TRUE(client.logon());
  client.send("D", new_order("b1", "BTCUSDT", "1", "0.01", "1", "", "3"));
  ASSERT_FALSE(client.expect("UF").empty());
  runner.pause(true);
  EXPECT_TRUE(runner.paused());
  auto round_trip = [&](const std::string& id) {
    client.send("H", rawfix::status_request(id, "BTCUSDT", "1", id));
    return client.expect_if([&](const FixMessage& m) { return m.type() == "8" && m[11] == id; });
  };
  ASSERT_FALSE(round_trip("p0").empty());  // a step in flight when pausing has finished
  const std::int64_t t0 = runner.sim_now_ns();
  const std::uint64_t payments = runner.summary().counters.funding_messages;
  client.skipped().clear();
  for (const char* id : {"p1", "p2", "p3"}) ASSERT_FALSE(round_trip(id).empty());
  EXPECT_EQ(runner.sim_now_ns(), t0);
  EXPECT_EQ(runner.summary().counters.funding_messages, payments);
  runner.pause(false);
  ASSERT_TRUE(wait_for([&] { return runner.sim_now_ns() > t0; }));
  // It continues from where it stopped, not from the wall clock.
  EXPECT_LT(runner.sim_now_ns() - t0, 60LL * 1'000'000'000);
  EXPECT_FALSE(client.expect("UF").empty());
}

TEST_F(VenueRunnerTest, ScheduledFaultsRunAndCommandsAreAcknowledged) {
  venue_.faults = {"0.2 widen 2", "0 reject 1"};
  std::mutex mu;
  std::vector<std::string> lines;
  options_.on_fault = [&](const std::string& line) {
    std::lock_guard lock(mu);
    lines.push_back(line);
  };
  VenueRunner runner(config_, venue_, options_);
  runner.start();
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard lock(mu);
    return lines.size() == 2;
  }));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(lines[0], "ballast-venue: fault reject 1");
    EXPECT_EQ(lines[1], "ballast-venue: fault widen 2");
  }
  RawFixClient client(venue_.port);
  ASSERT_TRUE(client.logon());
  client.send("D", new_order("r1", "BTCUSDT", "1", "0.1", "1", "", "3"));
  FixMessage r = client.expect("8");
  EXPECT_EQ(r.at(150), "8");
  EXPECT_EQ(r.at(103), "99");

  EXPECT_EQ(runner.command("delay 0"), "ballast-venue: fault delay 0");
  EXPECT_EQ(runner.command("clear\n"), "ballast-venue: fault clear");
  std::string why;
  EXPECT_EQ(runner.command("explode", &why), "ballast-venue: bad command: explode");
  EXPECT_NE(why.find("unknown command"), std::string::npos);
  EXPECT_EQ(runner.command("freeze NOPE", &why), "ballast-venue: bad command: freeze NOPE");
  EXPECT_NE(why.find("NOPE"), std::string::npos);
  const VenueRunSummary s = runner.summary();
  EXPECT_EQ(s.faults_applied, 4u);
  EXPECT_EQ(s.faults_refused, 2u);
}

TEST_F(VenueRunnerTest, ValidationNamesEveryProblem) {
  EXPECT_TRUE(validate_venue_config(config_, venue_).empty());
  VenueSimConfig bad = venue_;
  bad.port = 0;
  bad.volatility = -1;
  bad.correlation = 1.0;
  bad.jump_size = 2.0;
  bad.speed = 0.0;
  bad.funding_interval_s = -5;
  bad.cash = -1;
  bad.tick_interval_ms = 0;
  bad.faults = {"1 explode", "drop", "2 freeze NOPE", "3 delay 10"};
  bad.feed_file = (dir_ / "missing.csv").string();
  const auto errors = validate_venue_config(config_, bad);
  EXPECT_EQ(errors.size(), 12u);
  for (const auto& e : errors) EXPECT_FALSE(e.empty());
  EXPECT_THROW(VenueRunner(config_, bad, options_), std::invalid_argument);

  BallastConfig no_price = config_;
  no_price.market.mark[0] = 0.0;
  const auto e2 = validate_venue_config(no_price, venue_);
  ASSERT_EQ(e2.size(), 1u);
  EXPECT_NE(e2[0].find("BTC"), std::string::npos);
}

TEST_F(VenueRunnerTest, ReplayFileDrivesTheMarks) {
  // Two recorded ticks 200 ms apart, replayed at their pace (and looped): the venue's
  // mark and index follow them and the market maker quotes around the mark.
  const fs::path csv = dir_ / "ticks.csv";
  {
    std::ofstream out(csv);
    out << "ts_ns,symbol,bid,bid_qty,ask,ask_qty,mark,index,funding_rate\n";
    out << "1000000000,BTCUSDT,,,,,61000,60990,0.0002\n";
    out << "1200000000,BTCUSDT,,,,,62000,61990,0.0003\n";
  }
  venue_.feed_file = csv.string();
  config_.market.mark[0] = 0.0;  // the replay gives the price
  VenueRunner runner(config_, venue_, options_);
  runner.start();
  RawFixClient client(venue_.port);
  ASSERT_TRUE(client.logon());
  client.send("V", md_request("m", '1', {"BTCUSDT"}));
  for (const double mark : {61'000.0, 62'000.0}) {
    SCOPED_TRACE(mark);
    const FixMessage m = client.expect_if([&](const FixMessage& x) {
      if (x.type() != "W" && x.type() != "X") return false;
      const auto px = x.all(270);
      return px.size() == 4 && std::fabs(num(px[2]) - mark) < 1e-6;
    });
    ASSERT_FALSE(m.empty());
    const auto px = m.all(270);
    EXPECT_NEAR(num(px[3]), mark - 10.0, 1e-6);   // index
    EXPECT_NEAR(num(px[0]), mark, mark * 0.001);  // quotes around the replayed mark
    EXPECT_NEAR(num(px[1]), mark, mark * 0.001);
    EXPECT_LT(num(px[0]), num(px[1]));
    EXPECT_NEAR(num(m.at(5701)), mark == 61'000.0 ? 0.0002 : 0.0003, 1e-12);
  }
}

}  // namespace
}  // namespace ballast::venue::venue_runner_test
