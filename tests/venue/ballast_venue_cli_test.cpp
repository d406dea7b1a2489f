// The `ballast-venue` executable as a process: argument and config errors exit 2 with one
// line; with config/demo.toml it serves FIX on the given port, fills a marketable order
// from Ballast's own FixOrderGateway near the config's [market] price, and exits 0 on
// SIGTERM and after --duration.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../common/loopback.hpp"
#include "ballast/core/config.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"

extern char** environ;

namespace ballast {
namespace {

using ballast::testing::free_port;
// This process-level test polls less often than the in-process ones.
bool wait_for(const std::function<bool()>& done,
              std::chrono::milliseconds timeout = std::chrono::milliseconds(8000)) {
  return ballast::testing::wait_for(done, timeout, std::chrono::milliseconds(5));
}

namespace fs = std::filesystem;

const std::string kBin = BALLAST_VENUE_BIN;
const std::string kDemo = std::string(BALLAST_SOURCE_DIR) + "/config/demo.toml";
const std::string kSettings = std::string(BALLAST_SOURCE_DIR) + "/config/fix/ballast-initiator.cfg";

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(kBin.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, kBin.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("posix_spawn");
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(const std::vector<std::string>& args) {
  return wait_exit(spawn(args));
}

TEST(BallastVenueCli, BadInputExitsTwo) {
  EXPECT_EQ(run({}), 2);
  EXPECT_EQ(run({"--config"}), 2);
  EXPECT_EQ(run({"--config", "/nonexistent/ballast.toml"}), 2);
  EXPECT_EQ(run({"--config", kDemo, "--port", "0"}), 2);
  EXPECT_EQ(run({"--config", kDemo, "--duration", "-1"}), 2);
  EXPECT_EQ(run({"--config", kDemo, "--frobnicate", "1"}), 2);
}

TEST(BallastVenueCli, ServesFixFromTheDemoConfigAndStopsOnSigterm) {
  const fs::path dir =
      fs::temp_directory_path() / ("ballast-venue-cli-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const int port = free_port();
  const pid_t pid = spawn({"--config", kDemo, "--port", std::to_string(port), "--store",
                           (dir / "venue").string(), "--duration", "60"});

  const ConfigLoadResult loaded = load_config_file(kDemo);
  ASSERT_TRUE(loaded.ok());
  const Universe& u = loaded.config->universe;
  const InstrumentId perp = u.find_instrument("BTCUSDT-PERP");
  ASSERT_NE(perp, kNoInstrument);
  const double tick = u.instruments[perp].tick_size_d;
  const double ref = loaded.config->market.mark[perp];
  ASSERT_GT(ref, 0.0);
  {
    gateways::FixGatewayOptions o;
    o.settings_path = kSettings;
    o.host_override = "127.0.0.1";
    o.port_override = port;
    o.store_path_override = (dir / "ballast").string();
    o.logout_wait_ms = 500;
    gateways::FixOrderGateway gw(u, o);
    gw.start();
    ASSERT_TRUE(wait_for([&] { return gw.logged_on(); }));

    OrderRequest buy;
    buy.client_order_id = 1;
    buy.instrument = perp;
    buy.side = OrderSide::buy;
    buy.lots = 10;  // 0.01 BTC
    buy.limit_ticks = static_cast<std::int64_t>(std::llround(ref * 1.01 / tick));
    ASSERT_TRUE(gw.send(buy));
    std::vector<ExecReport> got;
    wait_for([&] {
      ExecReport r[8];
      const std::size_t n = gw.poll_reports(r, 8);
      got.insert(got.end(), r, r + n);
      return got.size() >= 2;
    });
    ASSERT_GE(got.size(), 2u);
    EXPECT_EQ(got[0].kind, ExecKind::ack);
    EXPECT_EQ(got[1].kind, ExecKind::fill);
    EXPECT_EQ(got[1].last_lots, 10);
    const double px = static_cast<double>(got[1].last_price_ticks) * tick;
    EXPECT_NEAR(px, ref, ref * 0.005);  // around the config's price, a few bps of spread
  }
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(wait_exit(pid), 0);

  // --duration ends it on its own.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(run({"--config", kDemo, "--port", std::to_string(free_port()), "--store",
                 (dir / "venue2").string(), "--duration", "0.3"}),
            0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace ballast
