// `ballast run` with a [control] table, as real processes: the socket appears mode 0600
// while the engine runs, a second engine on the same socket exits 1 with one clear line
// before trading, and the socket is gone after a clean shutdown.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "../common/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string source(const std::string& rel) {
  return std::string(BALLAST_SOURCE_DIR) + "/" + rel;
}

// The replay example, looping (so it runs until stopped), with a [control] table.
std::string control_config(const std::filesystem::path& dir) {
  std::string text = slurp(source("config/examples/replay_loopback.toml"));
  const std::string rel = "\"../../tests/data/ticks_demo.csv\"";
  text.replace(text.find(rel), rel.size(), "\"" + source("tests/data/ticks_demo.csv") + "\"");
  const std::string kind = "kind = \"replay\"\n";
  text.replace(text.find(kind), kind.size(), kind + "loop = true\n");
  text += "\n[control]\nsocket = \"engine.sock\"\nsnapshot_ms = 50\n";
  const std::string path = (dir / "engine.toml").string();
  std::ofstream(path) << text;
  return path;
}

pid_t spawn(const std::string& config, const std::string& out, const std::string& err) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen(err.c_str(), "w", stderr))
      _exit(126);
    execl(BALLAST_BIN, BALLAST_BIN, "run", "--config", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(10ms);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

TEST(RunControlCliTest, SocketIs0600AndASecondEngineIsRefused) {
  const std::filesystem::path dir = ballast::testing::fresh_temp_dir("runctl");
  const std::string config = control_config(dir);
  const std::string sock = (dir / "engine.sock").string();
  const pid_t first = spawn(config, (dir / "1.out").string(), (dir / "1.err").string());
  ASSERT_GT(first, 0);
  struct stat st {};
  for (int k = 0; k < 500 && ::lstat(sock.c_str(), &st) != 0; ++k)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(::lstat(sock.c_str(), &st), 0) << slurp((dir / "1.err").string());
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const pid_t second = spawn(config, (dir / "2.out").string(), (dir / "2.err").string());
  ASSERT_GT(second, 0);
  EXPECT_EQ(wait_exit(second, 20s), 1);
  const std::string err2 = slurp((dir / "2.err").string());
  EXPECT_NE(err2.find("ballast: control socket " + sock + " is in use by another engine (pid " +
                      std::to_string(first) + ")"),
            std::string::npos)
      << err2;
  EXPECT_EQ(slurp((dir / "2.out").string()), "");  // never traded: no summary
  // The first engine still holds its socket, and shuts down cleanly.
  EXPECT_EQ(::lstat(sock.c_str(), &st), 0);
  ASSERT_EQ(kill(first, SIGTERM), 0);
  EXPECT_EQ(wait_exit(first, 30s), 0) << slurp((dir / "1.err").string());
  EXPECT_NE(::lstat(sock.c_str(), &st), 0);  // unlinked on shutdown
  EXPECT_NE(slurp((dir / "1.out").string()).find("ballast run: SIGTERM"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
