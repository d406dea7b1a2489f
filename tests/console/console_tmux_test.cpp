// ballast-console as the operator sees it: a real `ballast run` (replay feed on a loop,
// loopback venue, [control] socket in a temp dir), the console's screen in a detached
// 80x24 tmux session, keys sent with `tmux send-keys` and the screen read back with
// `tmux capture-pane`. Also `--once` against the same engine, and the refusals that
// need no engine (a socket owned by someone else, a file that is not a socket).
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using ballast::testing::ChildProcess;
using ballast::testing::wait_for;

std::string slurp(const std::string& path) {
  return ballast::testing::read_file(path);
}

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command; its stdout (stderr too, appended) and exit code.
CommandResult shell(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

std::string console(const std::string& args) {
  return std::string(BALLAST_CONSOLE_BIN) + " " + args;
}

// A tmux server of the test's own (-S socket, no user config), killed on every way out.
class TmuxSession {
 public:
  TmuxSession(const std::filesystem::path& dir, const std::string& command)
      : tmux_(std::string(BALLAST_TMUX_BIN) + " -f /dev/null -S " +
              quote((dir / "tmux.sock").string())) {
    started_ = shell(tmux_ + " new-session -d -x 80 -y 24 " + quote(command));
  }
  ~TmuxSession() { (void)shell(tmux_ + " kill-server"); }
  TmuxSession(const TmuxSession&) = delete;
  TmuxSession& operator=(const TmuxSession&) = delete;

  [[nodiscard]] const CommandResult& started() const { return started_; }
  [[nodiscard]] std::string screen() const { return shell(tmux_ + " capture-pane -p").out; }
  // Each argument one tmux key (a character, or a name such as Enter), quoted for the shell.
  void send_keys(std::initializer_list<std::string> keys) const {
    std::string command = tmux_ + " send-keys";
    for (const auto& k : keys) command += " " + quote(k);
    (void)shell(command);
  }
  [[nodiscard]] bool alive() const { return shell(tmux_ + " has-session").exit_code == 0; }
  // Polls the screen until it shows `text`; the last screen is kept for messages.
  bool shows(const std::string& text, std::chrono::milliseconds timeout = 10s) {
    return wait_for(
        [&] {
          last_ = screen();
          return last_.find(text) != std::string::npos;
        },
        timeout, 50ms);
  }
  [[nodiscard]] const std::string& last() const { return last_; }

 private:
  std::string tmux_;
  CommandResult started_;
  std::string last_;
};

// The replay example on a loop (so the engine keeps running), its recording made
// absolute, with a [control] socket in `dir`.
std::filesystem::path engine_config(const std::filesystem::path& dir) {
  std::string text =
      slurp(std::string(BALLAST_SOURCE_DIR) + "/config/examples/replay_loopback.toml");
  const std::string rel = "\"../../tests/data/ticks_demo.csv\"";
  text.replace(text.find(rel), rel.size(),
               "\"" + std::string(BALLAST_SOURCE_DIR) + "/tests/data/ticks_demo.csv\"");
  const std::string kind = "kind = \"replay\"\n";
  text.replace(text.find(kind), kind.size(), kind + "loop = true\n");
  text += "\n[control]\nsocket = \"" + (dir / "control.sock").string() + "\"\n";
  const auto path = dir / "engine.toml";
  std::ofstream(path) << text;
  return path;
}

// A drift bar of `width` cells, e.g. "[---:--#|---:---]". (No std::regex: GCC 12 warns
// inside <regex> under the sanitizer build's -O1, and the build treats warnings as errors.)
bool has_drift_bar(const std::string& screen, std::size_t width) {
  for (std::size_t at = screen.find('['); at != std::string::npos; at = screen.find('[', at + 1)) {
    if (at + width + 1 >= screen.size() || screen[at + width + 1] != ']') continue;
    const std::string cells = screen.substr(at + 1, width);
    if (cells.find_first_not_of("-:|#<>") == std::string::npos) return true;
  }
  return false;
}

TEST(ConsoleTmuxTest, TmuxIsInstalled) {
  // A missing tmux fails here with the fix, rather than skipping the screen test.
  const CommandResult r = shell(std::string(BALLAST_TMUX_BIN) + " -V");
  ASSERT_EQ(r.exit_code, 0) << "tmux is needed by this test: run scripts/install-deps.sh (" << r.out
                            << ")";
}

TEST(ConsoleTmuxTest, ScreenShowsTheEngineAndKeysDriveIt) {
  const auto dir = ballast::testing::fresh_temp_dir("ballast-console");
  const auto config = engine_config(dir);
  const std::string socket = (dir / "control.sock").string();
  ChildProcess engine({BALLAST_BIN, "run", "--config", config.string()}, (dir / "engine").string());
  ASSERT_TRUE(engine.started());
  ASSERT_TRUE(wait_for(
      [&] {
        struct stat st {};
        return ::stat(socket.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
      },
      15s, 20ms))
      << "no control socket; engine stderr: " << engine.err();

  TmuxSession tmux(dir, console("--socket " + socket));
  ASSERT_EQ(tmux.started().exit_code, 0) << tmux.started().out;
  ASSERT_TRUE(tmux.shows("ACTIVE")) << tmux.last();
  ASSERT_TRUE(tmux.shows("tick-to-order p50")) << tmux.last();
  EXPECT_TRUE(tmux.shows("BTC ")) << tmux.last();
  EXPECT_TRUE(tmux.shows("ETH ")) << tmux.last();
  // A drift bar (17 wide at 80 columns): target, band edges and the marker.
  EXPECT_TRUE(has_drift_bar(tmux.last(), 15)) << tmux.last();
  EXPECT_NE(tmux.last().find("ORDERS ("), std::string::npos) << tmux.last();

  // p: paused on the screen, and the engine agrees.
  tmux.send_keys({"p"});
  ASSERT_TRUE(tmux.shows("PAUSED")) << tmux.last();
  const CommandResult status = shell(console("--socket " + socket + " --once status --json"));
  ASSERT_EQ(status.exit_code, 0) << status.out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(status.out).get(doc), simdjson::SUCCESS) << status.out;
  bool paused = false;
  ASSERT_EQ(doc["paused"].get(paused), simdjson::SUCCESS) << status.out;
  EXPECT_TRUE(paused);

  // ?: the help overlay, closed by any key.
  tmux.send_keys({"?"});
  ASSERT_TRUE(tmux.shows("ballast-console keys")) << tmux.last();
  tmux.send_keys({"Space"});
  ASSERT_TRUE(wait_for(
      [&] { return tmux.screen().find("ballast-console keys") == std::string::npos; }, 5s, 50ms));

  // k asks first: n cancels, y halts.
  tmux.send_keys({"k"});
  ASSERT_TRUE(tmux.shows("[y/N]")) << tmux.last();
  tmux.send_keys({"n"});
  ASSERT_TRUE(tmux.shows("kill cancelled")) << tmux.last();
  tmux.send_keys({"k"});
  ASSERT_TRUE(tmux.shows("[y/N]")) << tmux.last();
  tmux.send_keys({"y"});
  ASSERT_TRUE(tmux.shows("HALTED")) << tmux.last();

  // A refused command: --once exits 1 and says why.
  const CommandResult flatten = shell(console("--socket " + socket + " --once flatten"));
  EXPECT_EQ(flatten.exit_code, 1) << flatten.out;
  EXPECT_NE(flatten.out.find("error: "), std::string::npos) << flatten.out;

  // : runs any command; r resumes.
  tmux.send_keys({"r"});
  // The title line only: the alerts below it still name HALTED and PAUSED.
  const auto title = [&] {
    const std::string s = tmux.screen();
    return s.substr(0, s.find('\n'));
  };
  ASSERT_TRUE(wait_for(
      [&] {
        const std::string t = title();
        return t.find("ACTIVE") != std::string::npos && t.find("PAUSED") == std::string::npos;
      },
      10s, 50ms))
      << tmux.screen();
  tmux.send_keys({":", "reduce-only", "Enter"});
  ASSERT_TRUE(tmux.shows("REDUCING")) << tmux.last();

  // Issue 14: a reload that loosens a risk limit shows which and asks first.
  {
    std::string text = slurp(config.string());
    const std::string lev = "max_leverage = 3.0";
    ASSERT_NE(text.find(lev), std::string::npos);
    text.replace(text.find(lev), lev.size(), "max_leverage = 4.0");
    std::ofstream(config) << text;
  }
  tmux.send_keys({":", "reload", "Enter"});
  ASSERT_TRUE(tmux.shows("apply? [y/N]")) << tmux.last();
  EXPECT_NE(tmux.last().find("risk.max_leverage 3 -> 4"), std::string::npos) << tmux.last();
  tmux.send_keys({"n"});
  ASSERT_TRUE(tmux.shows("reload cancelled: nothing applied")) << tmux.last();
  tmux.send_keys({":", "reload", "Enter"});
  ASSERT_TRUE(tmux.shows("apply? [y/N]")) << tmux.last();
  tmux.send_keys({"y"});
  ASSERT_TRUE(tmux.shows("reload: ok")) << tmux.last();
  const CommandResult risk = shell(console("--socket " + socket + " --once risk --json"));
  ASSERT_EQ(risk.exit_code, 0) << risk.out;
  EXPECT_NE(risk.out.find("\"max_leverage\":4"), std::string::npos) << risk.out;

  // The engine goes away: the screen says so (and keeps retrying every second).
  engine.signal(SIGINT);
  EXPECT_EQ(engine.wait(20000ms), 0) << engine.err();
  EXPECT_TRUE(tmux.shows("DISCONNECTED")) << tmux.last();

  // q: the console exits, its tmux session with it.
  tmux.send_keys({"q"});
  EXPECT_TRUE(wait_for([&] { return !tmux.alive(); }, 5s, 50ms));
  std::filesystem::remove_all(dir);
}

TEST(ConsoleTmuxTest, OnceRefusesSocketsThatAreNotOurs) {
  const auto dir = ballast::testing::fresh_temp_dir("ballast-console-refuse");
  const std::string plain = (dir / "plain").string();
  std::ofstream(plain) << "not a socket";
  CommandResult r = shell(console("--socket " + plain + " --once status"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("not a socket"), std::string::npos) << r.out;

  r = shell(console("--socket " + (dir / "missing").string() + " --once status"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("missing"), std::string::npos) << r.out;

  // A socket owned by another uid (only root can hand one over).
  if (::geteuid() == 0) {
    const std::string theirs = (dir / "theirs.sock").string();
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, theirs.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
    r = shell(console("--socket " + theirs + " --once status"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("owned by uid 65534"), std::string::npos) << r.out;
    // The screen refuses it too, before touching the terminal.
    r = shell(console("--socket " + theirs));
    EXPECT_EQ(r.exit_code, 1);
    ::close(fd);
  }
  std::filesystem::remove_all(dir);
}

TEST(ConsoleTmuxTest, BadUsageExitsTwoWithOneLine) {
  for (const std::string& args : std::vector<std::string>{
           "", "--socket", "--socket /x --once", "--socket /x --once subscribe",
           "--socket /x --once set-target BTC", "--socket /x --frobnicate",
           "--config " + std::string(BALLAST_SOURCE_DIR) + "/config/examples/seed000_hedge.toml",
           "--config /no/such/file.toml --once status"}) {
    const CommandResult r = shell(console(args));
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << args << ": " << r.out;
  }
}

}  // namespace
