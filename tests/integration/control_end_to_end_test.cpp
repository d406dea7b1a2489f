// The operator's control channel end to end, with real processes on loopback: the venue
// simulator (`ballast-venue`), the engine (`ballast run`, every venue over FIX, a
// [control] socket in a temporary directory) and a scripted operator (`ballast-console
// --once ... --json`, one process per command). Checks that pause holds every order even
// with drift out of band, resume trades it back, set-target moves the book to the new
// weight, reload applies the live keys and names what needs a restart, and kill cancels
// the orders resting at the venue and lets nothing new out.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "../common/child_process.hpp"
#include "../common/loopback.hpp"

namespace control_end_to_end_test {

using ballast::testing::ChildProcess;
using ballast::testing::free_port;
using ballast::testing::read_file;
using ballast::testing::wait_for;
using namespace std::chrono_literals;

std::string source(const std::string& rel) {
  return std::string(BALLAST_SOURCE_DIR) + "/" + rel;
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "config/demo.toml no longer has: " << from;
  text.replace(at, from.size(), to);
}

constexpr double kBand = 0.05;  // config/demo.toml: BTC and ETH 50% +- 5%

// One `ballast-console --once` run: its exit code and its parsed --json reply.
struct ConsoleReply {
  int code = -1;
  std::string text;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  bool parsed = false;

  [[nodiscard]] bool ok() const {
    bool v = false;
    return parsed && doc["ok"].get(v) == simdjson::SUCCESS && v;
  }
  [[nodiscard]] double number(const char* pointer) const {
    double v = std::nan("");
    if (parsed) {
      simdjson::dom::element e;
      if (doc.at_pointer(pointer).get(e) == simdjson::SUCCESS) {
        std::int64_t i = 0;
        if (e.get(v) != simdjson::SUCCESS && e.get(i) == simdjson::SUCCESS)
          v = static_cast<double>(i);
      }
    }
    return v;
  }
  [[nodiscard]] std::string string(const char* pointer) const {
    std::string_view v;
    if (parsed && doc.at_pointer(pointer).get(v) == simdjson::SUCCESS) return std::string(v);
    return {};
  }
  [[nodiscard]] bool boolean(const char* pointer) const {
    bool v = false;
    return parsed && doc.at_pointer(pointer).get(v) == simdjson::SUCCESS && v;
  }
};

class ControlEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    // Short: the socket path must fit sun_path.
    dir_ = "/tmp/bctl_" + std::to_string(::getpid()) + "_" + std::to_string(++counter_);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    name_ = info->name();
    port_ = free_port();
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  // The demo's book over FIX only, with a control socket; `orders_extra` and `risk_extra`
  // go into [orders] and [risk].
  std::string config_text(const std::string& orders_extra, const std::string& risk_extra) {
    std::string text = read_file(source("config/demo.toml"));
    replace_once(text, "venue = \"binance-ws\"", "");
    replace_once(text, "[websocket]\nvenues = [\"binance-ws\"]\n", "");
    replace_once(text, "ws_port = 9879", "");
    replace_once(text, "state_dir = \"../build/demo/state\"", "state_dir = \"" + dir_ + "/state\"");
    replace_once(text, "fix_settings = \"fix/ballast-initiator.cfg\"",
                 "fix_settings = \"" + source("config/fix/ballast-initiator.cfg") + "\"\n" +
                     "fix_host = \"127.0.0.1\"\nfix_port = " + std::to_string(port_) + "\n" +
                     orders_extra);
    replace_once(text, "fix_store = \"../build/demo/fix-store\"",
                 "fix_store = \"" + dir_ + "/fix\"");
    replace_once(text, "store_dir = \"../build/demo/venue-store\"",
                 "store_dir = \"" + dir_ + "/venue\"");
    replace_once(text, "port = 9878", "port = " + std::to_string(port_));
    replace_once(text, "volatility = 0.8", "volatility = 0.2");
    replace_once(text, "embedded = true", "embedded = false");
    if (!risk_extra.empty()) replace_once(text, "[risk]\n", "[risk]\n" + risk_extra + "\n");
    // Drop any [control] the demo has: this test's socket lives in its own directory.
    const auto control = text.find("\n[control]");
    if (control != std::string::npos) {
      const auto next = text.find("\n[", control + 1);
      text.erase(control, next == std::string::npos ? std::string::npos : next - control);
    }
    text += "\n[control]\nsocket = \"" + socket() + "\"\naudit_log = \"" + dir_ +
            "/audit.jsonl\"\nsnapshot_ms = 50\n";
    return text;
  }
  std::string write_config(const std::string& text) {
    const std::string path = dir_ + "/ballast.toml";
    std::ofstream(path, std::ios::trunc) << text;
    return path;
  }
  [[nodiscard]] std::string socket() const { return dir_ + "/ctl.sock"; }

  std::unique_ptr<ChildProcess> start_venue(const std::string& config,
                                            const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{BALLAST_VENUE_BIN, "--config", config};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto venue = std::make_unique<ChildProcess>(argv, dir_ + "/venue");
    EXPECT_TRUE(venue->wait_for_output("FIX 4.4 on port")) << venue->out() << venue->err();
    return venue;
  }
  std::unique_ptr<ChildProcess> start_engine(const std::string& config) {
    auto engine = std::make_unique<ChildProcess>(
        std::vector<std::string>{BALLAST_BIN, "run", "--config", config, "--duration", "60",
                                 "--json"},
        dir_ + "/engine");
    EXPECT_TRUE(wait_for([&] { return std::filesystem::exists(socket()); }, 10s, 10ms))
        << engine->err();
    return engine;
  }

  // Runs `ballast-console --socket S --once ARGS... --json` to the end.
  std::unique_ptr<ConsoleReply> console(const std::vector<std::string>& args) {
    std::vector<std::string> argv{BALLAST_CONSOLE_BIN, "--socket", socket(), "--once"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--json");
    ChildProcess p(argv, dir_ + "/console" + std::to_string(++runs_));
    auto r = std::make_unique<ConsoleReply>();
    r->code = p.wait(std::chrono::milliseconds(10000));
    r->text = p.out();
    const auto nl = r->text.find('\n');
    const std::string line = r->text.substr(0, nl);
    r->parsed = !line.empty() && r->parser.parse(line).get(r->doc) == simdjson::SUCCESS;
    if (!r->parsed) r->text += p.err();
    return r;
  }
  std::unique_ptr<ConsoleReply> status() { return console({"status"}); }

  // Polls `status` until `pred` holds (or the deadline passes); the last reply for messages.
  template <typename Pred>
  bool wait_status(Pred pred, std::chrono::milliseconds timeout, std::string& last) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto s = status();
      last = s->text;
      if (s->ok() && pred(*s)) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // The engine's weight and target for `asset` from `positions`.
  std::pair<double, double> weight_and_target(const std::string& asset) {
    auto p = console({"positions"});
    simdjson::dom::array assets;
    if (!p->parsed || p->doc["assets"].get(assets) != simdjson::SUCCESS) return {NAN, NAN};
    for (auto a : assets) {
      std::string_view name;
      double w = 0, t = 0;
      if (a["asset"].get(name) == simdjson::SUCCESS && name == asset &&
          a["weight"].get(w) == simdjson::SUCCESS && a["target"].get(t) == simdjson::SUCCESS)
        return {w, t};
    }
    return {NAN, NAN};
  }

  // SIGINT: the engine drains and prints its JSON summary.
  std::string stop_engine(ChildProcess& engine) {
    engine.signal(SIGINT);
    EXPECT_EQ(engine.wait(std::chrono::milliseconds(30000)), 0) << engine.err();
    return engine.out();
  }

  static inline int counter_ = 0;
  std::string dir_;
  std::string name_;
  int port_ = 0;
  int runs_ = 0;
};

TEST_F(ControlEndToEndTest, PauseHoldsOrdersResumeTradesRetargetMovesTheBookReloadApplies) {
  const std::string base = config_text("", "");
  const std::string config = write_config(base);
  // The venue publishes no prices until told: the engine cannot trade before the pause.
  auto venue = start_venue(config, {"--fault", "0 freeze"});
  auto engine = start_engine(config);
  {
    struct stat st {};
    ASSERT_EQ(::lstat(socket().c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }

  // Paused before the first price; then prices flow and the 65/35 book is 15 points off
  // target, three times the band.
  auto pause = console({"pause"});
  ASSERT_EQ(pause->code, 0) << pause->text;
  EXPECT_TRUE(pause->boolean("/paused")) << pause->text;
  {
    auto s = status();
    EXPECT_FALSE(s->boolean("/ready")) << s->text;
    EXPECT_EQ(s->number("/orders"), 0) << s->text;
  }
  ASSERT_TRUE(venue->send_line("unfreeze"));
  ASSERT_TRUE(venue->wait_for_output("fault unfreeze")) << venue->out();
  std::string last;
  ASSERT_TRUE(wait_status(
      [](const ConsoleReply& s) {
        return s.boolean("/ready") && s.number("/max_abs_drift") > kBand &&
               s.number("/ticks_paused") > 20;
      },
      15s, last))
      << last << engine->err();
  std::this_thread::sleep_for(2s);  // more ticks, all out of band, none traded
  {
    auto s = status();
    ASSERT_TRUE(s->ok()) << s->text;
    EXPECT_EQ(s->number("/orders"), 0) << s->text;
    EXPECT_TRUE(s->boolean("/paused"));
    EXPECT_EQ(s->string("/state"), "ACTIVE");
    EXPECT_GT(s->number("/max_abs_drift"), kBand);
  }

  // A target that would take the weights past 1 is refused, and nothing changes.
  auto too_much = console({"set-target", "BTC", "0.6"});
  EXPECT_EQ(too_much->code, 1) << too_much->text;
  EXPECT_FALSE(too_much->ok());
  EXPECT_NE(too_much->string("/error").find("sum above 1"), std::string::npos) << too_much->text;

  // Resume: the engine hedges back inside the band.
  auto resume = console({"resume"});
  ASSERT_EQ(resume->code, 0) << resume->text;
  ASSERT_TRUE(wait_status(
      [](const ConsoleReply& s) {
        return s.number("/orders") >= 2 && s.number("/max_abs_drift") < kBand &&
               s.number("/unknown_orders") == 0;
      },
      15s, last))
      << last << engine->err();
  const double orders_after_resume = status()->number("/orders");

  // Retarget BTC to 40%: the next plan trades the book to the new weight.
  auto retarget = console({"set-target", "BTC", "0.4"});
  ASSERT_EQ(retarget->code, 0) << retarget->text;
  EXPECT_NEAR(retarget->number("/weight_sum"), 0.9, 1e-9) << retarget->text;
  ASSERT_TRUE(wait_status(
      [&](const ConsoleReply& s) {
        return s.number("/orders") > orders_after_resume && s.number("/max_abs_drift") < kBand;
      },
      15s, last))
      << last << engine->err();
  {
    const auto [w, t] = weight_and_target("BTC");
    EXPECT_DOUBLE_EQ(t, 0.4);
    EXPECT_NEAR(w, 0.4, kBand) << "BTC weight after the retarget";
  }

  // Reload a file with a tighter leverage limit (live), a new FIX port (restart) and the
  // original 50% BTC target (live again: the file wins over the set-target).
  std::string edited = base;
  replace_once(edited, "max_leverage = 3.0", "max_leverage = 2.5");
  replace_once(edited, "fix_port = " + std::to_string(port_),
               "fix_port = " + std::to_string(port_ + 1));
  write_config(edited);
  auto reload = console({"reload"});
  ASSERT_EQ(reload->code, 0) << reload->text;
  EXPECT_NE(reload->text.find("risk.max_leverage 3 -> 2.5"), std::string::npos) << reload->text;
  EXPECT_NE(reload->text.find("target.BTC.weight 0.4 -> 0.5"), std::string::npos) << reload->text;
  // A module's table is named key by key, with the values as the file writes them.
  EXPECT_NE(reload->text.find("\"orders.fix_port " + std::to_string(port_) + " -> " +
                              std::to_string(port_ + 1) + "\""),
            std::string::npos)
      << reload->text;
  auto risk = console({"risk"});
  EXPECT_DOUBLE_EQ(risk->number("/max_leverage"), 2.5) << risk->text;
  EXPECT_DOUBLE_EQ(weight_and_target("BTC").second, 0.5);
  // A broken file is refused whole, naming the key.
  write_config(edited + "\n[control]\nbogus = 1\n");
  auto broken = console({"reload"});
  EXPECT_EQ(broken->code, 1) << broken->text;
  EXPECT_NE(broken->text.find("errors"), std::string::npos) << broken->text;

  const std::string summary = stop_engine(*engine);
  venue->signal(SIGTERM);
  EXPECT_EQ(venue->wait(), 0) << venue->err();
  EXPECT_FALSE(std::filesystem::exists(socket())) << "the engine removes its socket";

  // The audit log has one line per command, with the peer's uid and the result.
  const std::string audit = read_file(dir_ + "/audit.jsonl");
  EXPECT_NE(audit.find("\"cmd\":\"pause\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("\"cmd\":\"set-target\""), std::string::npos);
  EXPECT_NE(audit.find("\"uid\":" + std::to_string(::geteuid())), std::string::npos);
  EXPECT_NE(audit.find("\"ok\":false"), std::string::npos) << "the refused set-target";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(summary).get(doc), simdjson::SUCCESS) << summary;
  std::int64_t orders = 0;
  ASSERT_EQ(doc["orders"].get(orders), simdjson::SUCCESS);
  EXPECT_GE(orders, 3);
}

TEST_F(ControlEndToEndTest, KillCancelsRestingOrdersAndNothingNewGoesOut) {
  // GTC orders against a venue whose spread is 500 times normal: the engine's limit
  // prices (a couple of bps through the mid) rest on the book instead of filling.
  const std::string config = write_config(config_text("time_in_force = \"gtc\"\n", ""));
  auto venue = start_venue(config, {"--fault", "0 widen 500"});
  auto engine = start_engine(config);
  std::string last;
  ASSERT_TRUE(
      wait_status([](const ConsoleReply& s) { return s.number("/orders") >= 1; }, 20s, last))
      << last << engine->err();
  std::size_t resting = 0;
  ASSERT_TRUE(wait_for(
      [&] {
        auto o = console({"orders"});
        simdjson::dom::array open;
        if (!o->parsed || o->doc["open"].get(open) != simdjson::SUCCESS) return false;
        resting = open.size();
        return resting >= 1;
      },
      10s, 100ms));

  auto kill = console({"kill"});
  ASSERT_EQ(kill->code, 0) << kill->text;
  EXPECT_EQ(kill->string("/state"), "HALTED");
  EXPECT_GE(kill->number("/orders_cancelled"), 1) << kill->text;
  // The venue cancels them: nothing is open any more.
  ASSERT_TRUE(wait_for(
      [&] {
        auto o = console({"orders"});
        simdjson::dom::array open;
        return o->parsed && o->doc["open"].get(open) == simdjson::SUCCESS && open.size() == 0;
      },
      10s, 100ms))
      << engine->err();
  const double orders_at_kill = status()->number("/orders");

  // Halted: a retarget far off the book still sends nothing, and flatten is refused.
  auto retarget = console({"set-target", "BTC", "0.2"});
  EXPECT_EQ(retarget->code, 0) << retarget->text;
  auto flatten = console({"flatten"});
  EXPECT_EQ(flatten->code, 1) << flatten->text;
  std::this_thread::sleep_for(3s);
  auto s = status();
  EXPECT_EQ(s->string("/state"), "HALTED") << s->text;
  EXPECT_EQ(s->number("/orders"), orders_at_kill) << s->text;
  EXPECT_GT(s->number("/max_abs_drift"), kBand) << s->text;

  stop_engine(*engine);
  venue->signal(SIGTERM);
  EXPECT_EQ(venue->wait(), 0) << venue->err();
  // The venue counted the cancels it accepted.
  EXPECT_NE(venue->out().find("cancels="), std::string::npos) << venue->out();
  EXPECT_EQ(venue->out().find("cancels=0 "), std::string::npos) << venue->out();
}

}  // namespace control_end_to_end_test
