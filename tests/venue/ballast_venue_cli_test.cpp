// The `ballast-venue` executable as a process: argument and config errors exit 2 with one
// line; with config/demo.toml it serves FIX on the given port, fills a marketable order
// from Ballast's own FixOrderGateway near the config's [market] price, and exits 0 on
// SIGTERM and after --duration.
#include <arpa/inet.h>
#include <fcntl.h>
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
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../common/loopback.hpp"
#include "../common/loopback_gateway.hpp"
#include "ballast/core/config.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"
#include "raw_fix_client.hpp"

extern char** environ;

namespace ballast::ballast_venue_cli_test {
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

// Spawns with stdin from `stdin_fd` (-1: inherited) and stdout/stderr into files.
pid_t spawn_redirected(const std::vector<std::string>& args, int stdin_fd,
                       const std::string& out_path, const std::string& err_path) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(kBin.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (stdin_fd >= 0) posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, kBin.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("posix_spawn");
  return pid;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t lines_in(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

fs::path scratch_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("ballast-venue-cli-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(BallastVenueCli, BadInputExitsTwo) {
  EXPECT_EQ(run({}), 2);
  EXPECT_EQ(run({"--config"}), 2);
  EXPECT_EQ(run({"--config", "/nonexistent/ballast.toml"}), 2);
  EXPECT_EQ(run({"--config", kDemo, "--port", "0"}), 2);
  EXPECT_EQ(run({"--config", kDemo, "--duration", "-1"}), 2);
  EXPECT_EQ(run({"--config", kDemo, "--frobnicate", "1"}), 2);
}

TEST(BallastVenueCli, BadArgumentsExitTwoWithOneLine) {
  const fs::path dir = scratch_dir("bad");
  const std::string out = (dir / "out").string();
  const std::string err = (dir / "err").string();
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"--config", kDemo, "--fault", "soon drop"},
      {"--config", kDemo, "--fault", "1 explode"},
      {"--config", kDemo, "--speed", "0"},
      {"--config", kDemo, "--volatility", "abc"},
      {"--config", kDemo, "--feed", (dir / "missing.csv").string()},
      {"--config", kDemo, "--fault", "1 freeze NOPE"},
      {"--config", kDemo, "--bogus", "1"},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    SCOPED_TRACE(joined);
    EXPECT_EQ(wait_exit(spawn_redirected(args, -1, out, err)), 2);
    const std::string text = slurp(err);
    EXPECT_EQ(lines_in(text), 1u) << text;
    EXPECT_EQ(text.rfind("ballast-venue: ", 0), 0u) << text;
    EXPECT_EQ(slurp(out), "");
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(BallastVenueCli, StdinCommandsAreAckedAndEofLeavesTheVenueRunning) {
  const fs::path dir = scratch_dir("stdin");
  const std::string out = (dir / "out").string();
  const std::string err = (dir / "err").string();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int port = free_port();
  const pid_t pid = spawn_redirected(
      {"--config", kDemo, "--port", std::to_string(port), "--ws-port", "0", "--store",
       (dir / "venue").string(), "--duration", "60", "--fault", "0 widen 2"},
      fds[0], out, err);
  ::close(fds[0]);
  const std::string commands = "reject 2\nexplode now\n\ndelay 0\n";
  ASSERT_EQ(::write(fds[1], commands.data(), commands.size()),
            static_cast<ssize_t>(commands.size()));
  EXPECT_TRUE(wait_for([&] {
    const std::string text = slurp(out);
    return text.find("ballast-venue: fault delay 0\n") != std::string::npos &&
           text.find("ballast-venue: fault widen 2\n") != std::string::npos;
  })) << slurp(out);
  const std::string text = slurp(out);
  EXPECT_NE(text.find("ballast-venue: fault widen 2\n"), std::string::npos);  // --fault
  const auto reject = text.find("ballast-venue: fault reject 2\n");
  const auto bad = text.find("ballast-venue: bad command: explode now\n");
  ASSERT_NE(reject, std::string::npos) << text;
  ASSERT_NE(bad, std::string::npos) << text;
  EXPECT_LT(reject, bad);
  ::close(fds[1]);  // EOF: no more commands, the venue carries on

  // Still serving: a FIX logon succeeds, and the injected rejects are waiting for it.
  {
    venue::rawfix::RawFixClient client(port, "BALLAST");
    ASSERT_TRUE(client.logon());
    client.send("D", venue::rawfix::new_order("r1", "BTCUSDT-PERP", "1", "1", "1", "", "3"));
    const auto r = client.expect("8");
    EXPECT_EQ(r[150], "8");
    EXPECT_EQ(r[58], "injected fault");
  }
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(wait_exit(pid), 0);
  const std::string final_text = slurp(out);
  EXPECT_NE(final_text.find("ballast-venue: stopped:"), std::string::npos) << final_text;
  EXPECT_NE(final_text.find("funding_received="), std::string::npos) << final_text;
  EXPECT_NE(final_text.find("fees="), std::string::npos) << final_text;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(BallastVenueCli, ServesFixFromTheDemoConfigAndStopsOnSigterm) {
  const fs::path dir =
      fs::temp_directory_path() / ("ballast-venue-cli-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const int port = free_port();
  const pid_t pid = spawn({"--config", kDemo, "--port", std::to_string(port), "--ws-port", "0",
                           "--store", (dir / "venue").string(), "--duration", "60"});

  const ConfigLoadResult loaded = load_domain_config(kDemo);
  ASSERT_TRUE(loaded.ok());
  const Universe& u = loaded.config->universe;
  const InstrumentId perp = u.find_instrument("BTCUSDT-PERP");
  ASSERT_NE(perp, kNoInstrument);
  const double tick = u.instruments[perp].tick_size_d;
  const double ref = loaded.config->market.mark[perp];
  ASSERT_GT(ref, 0.0);
  {
    gateways::FixGatewayOptions o =
        ballast::testing::loopback_gateway_options(port, dir / "ballast");
    o.logout_wait_ms = 500;
    gateways::FixOrderGateway gw(u, o);
    gw.start();
    ASSERT_TRUE(wait_for([&] { return gw.logged_on(); }));

    OrderRequest buy;
    buy.client_order_id = 1;
    buy.instrument = perp;
    buy.side = Side::buy;
    buy.lots = 10;  // 0.01 BTC
    buy.limit_ticks = static_cast<std::int64_t>(std::llround(ref * 1.01 / tick));
    ASSERT_TRUE(gw.send(buy));
    std::vector<ExecReport> got;
    wait_for([&] {
      ExecReport r[8];
      const std::size_t n = gw.poll_reports(r, 8);
      for (std::size_t k = 0; k < n; ++k)  // order reports only (not session events)
        if (r[k].kind != ExecKind::session_up && r[k].kind != ExecKind::session_down &&
            r[k].kind != ExecKind::funding)
          got.push_back(r[k]);
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
  EXPECT_EQ(run({"--config", kDemo, "--port", std::to_string(free_port()), "--ws-port", "0",
                 "--store", (dir / "venue2").string(), "--duration", "0.3"}),
            0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace ballast::ballast_venue_cli_test
