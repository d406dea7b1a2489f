// ControlServer over a real Unix socket in a temp directory, against a small engine
// stand-in thread that pops ControlCommands, answers with ControlReplies and publishes
// EngineSnapshots, the way the engine thread does. The server is what is under test:
// reply shapes, refusals, socket ownership, peer checks, the audit log, subscriptions.
#include "ballast/control/control_server.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../common/temp_dir.hpp"
#include "ballast/control/audit_log.hpp"
#include "ballast/control/reload_diff.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/risk/risk_engine.hpp"

namespace ballast::control::control_server_test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kConfig = R"toml(
[engine]
base_currency = "USDT"

[[instrument]]
symbol = "BTCUSDT-PERP"
kind = "perpetual"
base = "BTC"
contract_size = 0.001
lot_size = 1
tick_size = 0.1
funding_interval_s = 28800

[[instrument]]
symbol = "ETHUSDT-PERP"
kind = "perpetual"
base = "ETH"
contract_size = 0.01
lot_size = 1
tick_size = 0.01
funding_interval_s = 28800

[[target]]
asset = "BTC"
weight = 0.5
band = 0.05
hedge_with = ["BTCUSDT-PERP"]

[[target]]
asset = "ETH"
weight = 0.3
band = 0.05
hedge_with = ["ETHUSDT-PERP"]

[portfolio]
cash = 1000.0
spot = [ { asset = "BTC", qty = 1.0 } ]

[risk]
max_leverage = 3

[control]
socket = "ctl.sock"
)toml";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("no " + from);
  return text.replace(at, from.size(), to);
}

// The engine thread's side of the ControlPort, simplified: weights and modes as the real
// engine keeps them, and a snapshot every 10 ms.
class EngineStandIn {
 public:
  explicit EngineStandIn(ControlPort& port, const BallastConfig& c) : port_(port) {
    // The base currency's "weight" is the remainder, not a target.
    for (std::size_t a = 0; a < kMaxAssets; ++a)
      weights_[a] = a == c.universe.base_currency ? 0.0 : c.targets[a].weight;
    base_ = c.universe.base_currency;
    limits_ = c.risk;
    thread_ = std::thread([this] { run(); });
  }
  ~EngineStandIn() {
    stop_ = true;
    thread_.join();
  }
  void raise(const AlertRecord& a) {
    std::lock_guard<std::mutex> lock(mutex_);
    AlertRecord r = a;
    r.seq = ++alert_total_;
    alerts_[(r.seq - 1) % kSnapshotAlerts] = r;
  }
  void set_open_orders(std::uint16_t n) { open_orders_ = n; }
  std::atomic<int> commands{0};
  std::atomic<int> reloads{0};

 private:
  void run() {
    auto next = std::chrono::steady_clock::now();
    while (!stop_) {
      ControlCommand c;
      while (port_.commands.try_pop(c)) {
        ++commands;
        ControlReply r;
        r.seq = c.seq;
        switch (c.op) {
          case ControlOp::pause:
            paused_ = true;
            break;
          case ControlOp::resume:
            paused_ = false;
            mode_ = TradingState::active;
            break;
          case ControlOp::kill:
            mode_ = TradingState::halted;
            r.orders_cancelled = 3;
            break;
          case ControlOp::reduce_only:
            if (mode_ == TradingState::halted)
              r.result = ControlResult::halted;
            else
              mode_ = TradingState::reducing;
            break;
          case ControlOp::flatten:
            if (mode_ == TradingState::halted)
              r.result = ControlResult::halted;
            else {
              mode_ = TradingState::reducing;
              r.flattening = true;
            }
            break;
          case ControlOp::set_target: {
            double sum = 0;
            for (std::size_t a = 0; a < kMaxAssets; ++a)
              sum += a == c.asset ? c.weight : weights_[a];
            if (sum > 1.0 + 1e-12)
              r.result = ControlResult::weights_exceed_one;
            else
              weights_[c.asset] = c.weight;
            break;
          }
          case ControlOp::apply_reload:
            ++reloads;
            for (std::size_t a = 0; a < kMaxAssets; ++a)
              weights_[a] = a == base_ ? 0.0 : c.targets[a].weight;
            limits_ = c.limits;
            break;
        }
        double sum = 0;
        for (double w : weights_) sum += w;
        r.weight_sum = sum;
        r.mode = mode_;
        r.paused = paused_;
        port_.replies.try_push(r);
      }
      if (std::chrono::steady_clock::now() >= next) {
        next += 10ms;
        publish();
      }
      std::this_thread::sleep_for(1ms);
    }
  }
  void publish() {
    EngineSnapshot s;
    s.version = ++version_;
    s.mode = mode_;
    s.paused = paused_;
    s.ready = true;
    s.venue_count = 1;
    s.venue_up[0] = true;
    s.ticks = 1000 + version_;
    s.orders = 7;
    s.fills = 6;
    s.nav = 71000.5;
    s.asset_count = 3;
    s.assets[1] = AssetSnapshot{true, 35000, 0.49, weights_[1], 0.05, -0.01};
    s.instrument_count = 2;
    s.instruments[0] = InstrumentSnapshot{-12, 70010.0};
    s.open_count = open_orders_;
    for (std::size_t k = 0; k < open_orders_; ++k)
      s.open_orders[k] =
          OpenOrderSnapshot{1000 + k, 5, 1, 700100, 0, Side::buy, false, OrderReason::rebalance};
    s.risk = RiskSummary{true, 71000.5, 840.0, 0.0118, 0.02, 0.8, 0};
    s.limits = limits_;
    s.last_denial = GateDenial{RiskCheck::max_leverage, 3.4, 3.0, 0};
    {
      std::lock_guard<std::mutex> lock(mutex_);
      s.alerts = alerts_;
      s.alert_total = alert_total_;
    }
    port_.snapshot.store(s);
  }

  ControlPort& port_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::array<double, kMaxAssets> weights_{};
  RiskLimits limits_;
  AssetId base_ = kNoAsset;
  TradingState mode_ = TradingState::active;
  bool paused_ = false;
  std::uint64_t version_ = 0;
  std::atomic<std::uint16_t> open_orders_{1};
  std::mutex mutex_;
  std::array<AlertRecord, kSnapshotAlerts> alerts_{};
  std::uint64_t alert_total_ = 0;
};

// A blocking client with a line reader and a deadline per read.
class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { ::close(fd_); }
  [[nodiscard]] bool connected() const { return connected_; }
  bool send(const std::string& line) {
    const std::string text = line + "\n";
    return ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }
  // The next line, or "" on timeout / EOF (eof() tells which).
  std::string read_line(std::chrono::milliseconds timeout = 3000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || eof_) return "";
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char b[65536];
      const ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) {
        eof_ = true;
        continue;
      }
      buf_.append(b, static_cast<std::size_t>(n));
    }
  }
  std::string request(const std::string& line) {
    send(line);
    return read_line();
  }
  [[nodiscard]] bool eof() const { return eof_; }
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

// The strings of a JSON array (empty when it is not one).
std::vector<std::string> strings(simdjson::dom::element e) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) return out;
  for (simdjson::dom::element x : a) {
    std::string_view v;
    out.emplace_back(x.get_string().get(v) == simdjson::SUCCESS ? v : "<not a string>");
  }
  return out;
}

struct Json {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  bool ok = false;
  explicit Json(const std::string& line) { ok = parser.parse(line).get(doc) == simdjson::SUCCESS; }
  bool boolean(const char* key) { return doc[key].get_bool().value_unsafe(); }
  std::string str(const char* key) {
    std::string_view s;
    if (doc[key].get(s) != simdjson::SUCCESS) return "<none>";
    return std::string(s);
  }
  bool has(const char* key) { return doc[key].error() == simdjson::SUCCESS; }
};

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ballast::testing::fresh_temp_dir("ctl");
    config_path_ = (dir_ / "ballast.toml").string();
    write_config(kConfig);
    ConfigSchema schema;
    add_control_table(schema, control_);
    ConfigLoadResult r = load_config_file(config_path_, ConfigParseOptions{}, schema);
    ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
    config_ = *r.config;
    socket_ = control_.socket;
  }
  void TearDown() override {
    server_.reset();
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }
  void write_config(const std::string& text) { std::ofstream(config_path_) << text; }
  void start(ControlServerOptions o = {}, bool with_engine = true) {
    if (o.socket_path.empty()) o.socket_path = control_.socket;
    if (o.audit_log_path.empty()) o.audit_log_path = control_.audit_log;
    if (with_engine) engine_ = std::make_unique<EngineStandIn>(port_, config_);
    if (!o.latency) o.latency = [] { return LatencyNumbers{1200, 4500, 77}; };
    server_ = std::make_unique<ControlServer>(port_, config_, std::move(o));
    const auto error = server_->start();
    ASSERT_FALSE(error) << *error;
    // The first snapshot is published within 10 ms of the stand-in starting.
    for (int k = 0; k < 200 && with_engine && port_.snapshot.version() == 0; ++k)
      std::this_thread::sleep_for(1ms);
  }
  // The reply goes out before its audit line is written: wait for `n` lines (or 2 s).
  std::vector<std::string> audit_lines_at_least(std::size_t n) {
    for (int k = 0; k < 2000 && audit_lines().size() < n; ++k) std::this_thread::sleep_for(1ms);
    return audit_lines();
  }
  std::vector<std::string> audit_lines() {
    std::ifstream f(control_.audit_log);
    std::vector<std::string> out;
    for (std::string line; std::getline(f, line);) out.push_back(line);
    return out;
  }

  std::filesystem::path dir_;
  std::string config_path_;
  BallastConfig config_;
  ControlConfig control_;
  std::string socket_;
  ControlPort port_;
  std::unique_ptr<EngineStandIn> engine_;
  std::unique_ptr<ControlServer> server_;
};

TEST_F(ControlServerTest, QueriesAnswerFromTheSnapshotWithNames) {
  start();
  Client c(socket_);
  ASSERT_TRUE(c.connected());
  Json status(c.request(R"({"v":1,"id":1,"cmd":"status"})"));
  ASSERT_TRUE(status.ok);
  EXPECT_EQ(status.str("type"), "reply");
  EXPECT_EQ(status.str("cmd"), "status");
  EXPECT_EQ(status.doc["id"].get_int64().value_unsafe(), 1);
  EXPECT_TRUE(status.boolean("ok"));
  EXPECT_EQ(status.str("state"), "ACTIVE");
  EXPECT_EQ(std::string(status.doc["venues"].at(0)["name"].get_string().value_unsafe()), "default");
  for (const char* k : {"paused", "flattening", "ready", "ticks", "orders", "fills", "rejects",
                        "risk_rejects", "nav", "max_abs_drift"})
    EXPECT_TRUE(status.has(k)) << k;

  Json pos(c.request(R"({"v":1,"id":"p","cmd":"positions"})"));
  ASSERT_TRUE(pos.ok);
  EXPECT_EQ(std::string(pos.doc["id"].get_string().value_unsafe()), "p");
  EXPECT_EQ(std::string(pos.doc["assets"].at(1)["asset"].get_string().value_unsafe()), "BTC");
  EXPECT_EQ(std::string(pos.doc["instruments"].at(0)["symbol"].get_string().value_unsafe()),
            "BTCUSDT-PERP");
  EXPECT_EQ(pos.doc["instruments"].at(0)["lots"].get_int64().value_unsafe(), -12);

  Json orders(c.request(R"({"v":1,"cmd":"orders"})"));
  ASSERT_TRUE(orders.ok);
  auto o = orders.doc["open"].at(0);
  EXPECT_EQ(std::string(o["symbol"].get_string().value_unsafe()), "BTCUSDT-PERP");
  EXPECT_EQ(std::string(o["side"].get_string().value_unsafe()), "buy");
  EXPECT_NEAR(o["price"].get_double().value_unsafe(), 70010.0, 1e-6);
  EXPECT_EQ(std::string(o["purpose"].get_string().value_unsafe()), "rebalance");

  Json risk(c.request(R"({"v":1,"cmd":"risk"})"));
  ASSERT_TRUE(risk.ok);
  EXPECT_DOUBLE_EQ(risk.doc["max_leverage"].get_double().value_unsafe(), 3.0);
  EXPECT_EQ(std::string(risk.doc["last_denial"]["check"].get_string().value_unsafe()),
            "max_leverage");
  EXPECT_EQ(risk.str("worst_instrument"), "BTCUSDT-PERP");
  for (const char* k : {"leverage", "margin_utilization", "max_margin_utilization",
                        "liquidation_distance", "min_liquidation_distance", "risk_rejects"})
    EXPECT_TRUE(risk.has(k)) << k;

  Json lat(c.request(R"({"v":1,"cmd":"latency"})"));
  ASSERT_TRUE(lat.ok);
  EXPECT_EQ(lat.doc["tick_to_order_ns"]["p50"].get_int64().value_unsafe(), 1200);
  EXPECT_EQ(lat.doc["tick_to_order_ns"]["p99"].get_int64().value_unsafe(), 4500);
  EXPECT_EQ(lat.doc["tick_to_order_ns"]["count"].get_int64().value_unsafe(), 77);
}

TEST_F(ControlServerTest, CommandsGoToTheEngineAndCarryItsAnswer) {
  start();
  Client c(socket_);
  Json pause(c.request(R"({"v":1,"id":1,"cmd":"pause"})"));
  EXPECT_TRUE(pause.boolean("ok"));
  EXPECT_TRUE(pause.boolean("paused"));
  EXPECT_EQ(pause.str("state"), "ACTIVE");
  Json resume(c.request(R"({"v":1,"id":2,"cmd":"resume"})"));
  EXPECT_FALSE(resume.boolean("paused"));
  Json ro(c.request(R"({"v":1,"id":3,"cmd":"reduce-only"})"));
  EXPECT_EQ(ro.str("state"), "REDUCING");
  Json flat(c.request(R"({"v":1,"id":4,"cmd":"flatten"})"));
  EXPECT_TRUE(flat.boolean("flattening"));
  Json kill(c.request(R"({"v":1,"id":5,"cmd":"kill"})"));
  EXPECT_EQ(kill.str("state"), "HALTED");
  EXPECT_EQ(kill.doc["orders_cancelled"].get_int64().value_unsafe(), 3);
  // Refused by the engine: ok:false with its words.
  Json refused(c.request(R"({"v":1,"id":6,"cmd":"flatten"})"));
  EXPECT_FALSE(refused.boolean("ok"));
  EXPECT_EQ(refused.str("error"), to_string(ControlResult::halted));

  Json st(c.request(R"({"v":1,"id":7,"cmd":"set-target","args":{"asset":"BTC","weight":0.4}})"));
  ASSERT_TRUE(st.boolean("ok")) << st.str("error");
  EXPECT_EQ(st.str("asset"), "BTC");
  EXPECT_DOUBLE_EQ(st.doc["weight"].get_double().value_unsafe(), 0.4);
  EXPECT_DOUBLE_EQ(st.doc["band"].get_double().value_unsafe(), 0.05);  // kept
  EXPECT_NEAR(st.doc["weight_sum"].get_double().value_unsafe(), 0.7, 1e-12);
  EXPECT_DOUBLE_EQ(server_->live_config().targets[1].weight, 0.4);
  Json over(c.request(R"({"v":1,"id":8,"cmd":"set-target","args":{"asset":"ETH","weight":0.7}})"));
  EXPECT_FALSE(over.boolean("ok"));
  EXPECT_EQ(over.str("error"), "target weights would sum above 1");

  const int before = engine_->commands.load();
  Json unknown(
      c.request(R"({"v":1,"id":9,"cmd":"set-target","args":{"asset":"DOGE","weight":0.1}})"));
  EXPECT_FALSE(unknown.boolean("ok"));
  EXPECT_EQ(unknown.str("error"), "unknown asset \"DOGE\"");
  EXPECT_EQ(engine_->commands.load(), before);  // never bothered the engine
}

TEST_F(ControlServerTest, SilentEngineTimesOut) {
  ControlServerOptions o;
  o.reply_timeout = 200ms;
  start(o, false);
  Client c(socket_);
  Json r(c.request(R"({"v":1,"id":1,"cmd":"pause"})"));
  EXPECT_FALSE(r.boolean("ok"));
  EXPECT_EQ(r.str("error"), "engine did not answer; the command expires unapplied");
  Json q(c.request(R"({"v":1,"id":2,"cmd":"status"})"));
  EXPECT_FALSE(q.boolean("ok"));
  EXPECT_NE(q.str("error").find("no snapshot yet"), std::string::npos);
}

// Issue 14, item 10: a command the client was told timed out was still applied later.
// The command now carries a deadline the engine honours (EngineControlTest.
// CommandPastItsDeadlineIsRefusedNotApplied); here: the deadline is passed by the time
// the client hears "did not answer", so an engine that wakes up late refuses it.
TEST_F(ControlServerTest, UnansweredCommandHasExpiredBeforeTheClientIsToldSo) {
  ControlServerOptions o;
  o.reply_timeout = 100ms;
  start(o, false);
  Client c(socket_);
  Json r(c.request(R"({"v":1,"id":1,"cmd":"kill"})"));
  EXPECT_EQ(r.str("error"), "engine did not answer; the command expires unapplied");
  ControlCommand cmd;
  ASSERT_TRUE(port_.commands.try_pop(cmd));
  EXPECT_EQ(cmd.op, ControlOp::kill);
  EXPECT_GT(cmd.deadline_ns, 0);
  EXPECT_LT(cmd.deadline_ns, monotonic_ns());
  const std::vector<std::string> lines = audit_lines_at_least(1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("expires unapplied"), std::string::npos);
}

// Issue 14, item 6: the control thread was quadratic in a client's input (1 MiB of
// newlines delayed a pause by 13.5 s). It is linear now, reads a client only while less
// than 256 KiB of its input waits, and handles each client's lines round robin.
TEST_F(ControlServerTest, NewlineFloodFromOneClientDoesNotHoldUpAnothersKill) {
  start();
  Client flood(socket_);
  Client op(socket_);
  ASSERT_TRUE(flood.connected() && op.connected());
  std::atomic<bool> flooding{true};
  std::atomic<std::size_t> sent{0};
  std::thread t([&] {
    const std::string chunk(1 << 20, '\n');
    while (flooding.load() && sent.load() < (32u << 20)) {
      const ssize_t n = ::send(flood.fd(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent.fetch_add(static_cast<std::size_t>(n));
    }
  });
  while (sent.load() < (2u << 20)) std::this_thread::sleep_for(1ms);
  const auto t0 = std::chrono::steady_clock::now();
  Json r(op.request(R"({"v":1,"id":9,"cmd":"kill"})"));
  const auto waited = std::chrono::steady_clock::now() - t0;
  flooding.store(false);
  ::shutdown(flood.fd(), SHUT_RDWR);
  t.join();
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.boolean("ok"));
  EXPECT_EQ(r.str("state"), "HALTED");
  // A bound on behaviour, not a speed figure (the soak in the closing note measures
  // that): before, the kill waited for the whole flood to be handled.
  EXPECT_LT(waited, 1000ms);
}

// Issue 14, item 2: reload applied max_leverage = 1e300 without a word. Values past a
// key's ceiling are config errors now; loosening within range needs confirm, and the
// audit log names every key old -> new.
TEST_F(ControlServerTest, ReloadThatLoosensALimitNeedsConfirmAndIsAuditedKeyByKey) {
  start();
  Client c(socket_);
  std::string text = replace(kConfig, "max_leverage = 3", "max_leverage = 5");
  write_config(text);
  Json r(c.request(R"({"v":1,"id":1,"cmd":"reload"})"));
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.boolean("ok"));
  EXPECT_EQ(r.str("error"),
            "the reload loosens 1 risk limit(s); nothing applied: confirm with reload --confirm "
            "(args.confirm = true)");
  EXPECT_EQ(strings(r.doc["loosened"]), (std::vector<std::string>{"risk.max_leverage 3 -> 5"}));
  EXPECT_EQ(engine_->reloads.load(), 0);
  EXPECT_DOUBLE_EQ(server_->live_config().risk.max_leverage, 3.0);

  Json ok(c.request(R"({"v":1,"id":2,"cmd":"reload","args":{"confirm":true}})"));
  ASSERT_TRUE(ok.boolean("ok")) << ok.str("error");
  EXPECT_EQ(strings(ok.doc["loosened"]), (std::vector<std::string>{"risk.max_leverage 3 -> 5"}));
  EXPECT_EQ(engine_->reloads.load(), 1);
  EXPECT_DOUBLE_EQ(server_->live_config().risk.max_leverage, 5.0);

  // Past the ceiling: an error naming the key, whatever the confirmation.
  write_config(replace(text, "max_leverage = 5", "max_leverage = 1e300"));
  Json over(c.request(R"({"v":1,"id":3,"cmd":"reload","args":{"confirm":true}})"));
  EXPECT_FALSE(over.boolean("ok"));
  const std::vector<std::string> errors = strings(over.doc["errors"]);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("risk.max_leverage: max_leverage must be in (0, 125]"),
            std::string::npos)
      << errors[0];

  const std::vector<std::string> lines = audit_lines_at_least(3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("refused, loosens without confirmation: risk.max_leverage 3 -> 5"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("1 applied, 0 need a restart: risk.max_leverage 3 -> 5; loosened "
                          "(confirmed): risk.max_leverage 3 -> 5"),
            std::string::npos)
      << lines[1];
}

TEST_F(ControlServerTest, BadRequestsAreRefusedAndTheConnectionStays) {
  start();
  Client c(socket_);
  for (const char* bad : {"garbage", R"({"v":2,"id":5,"cmd":"status"})",
                          R"({"v":1,"cmd":"launch"})", R"({"v":1})", "\x01\xff{{{"}) {
    Json r(c.request(bad));
    ASSERT_TRUE(r.ok) << bad;
    EXPECT_FALSE(r.boolean("ok")) << bad;
    EXPECT_NE(r.str("error"), "<none>") << bad;
  }
  Json r(c.request(R"({"v":2,"id":5,"cmd":"status"})"));
  EXPECT_EQ(r.doc["id"].get_int64().value_unsafe(), 5);
  Json fine(c.request(R"({"v":1,"cmd":"status"})"));
  EXPECT_TRUE(fine.boolean("ok"));
}

TEST_F(ControlServerTest, OverLongLineClosesTheConnection) {
  start();
  Client c(socket_);
  c.send(std::string(70000, 'x'));
  Json r(c.read_line());
  ASSERT_TRUE(r.ok);
  EXPECT_NE(r.str("error").find("longer than 65536"), std::string::npos);
  EXPECT_EQ(c.read_line(1000ms), "");
  EXPECT_TRUE(c.eof());
}

TEST_F(ControlServerTest, SocketIsBorn0600AndRemovedOnStop) {
  start();
  struct stat st {};
  ASSERT_EQ(::lstat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  server_->stop();
  EXPECT_NE(::lstat(socket_.c_str(), &st), 0);
}

TEST_F(ControlServerTest, StatusSaysWhyAVenueIsDown) {
  ControlServerOptions o;
  o.venue_problem = [](VenueId v) {
    return v == 0 ? std::string("socket error: 127.0.0.1 on port 9878: Connection reset by peer")
                  : std::string();
  };
  start(std::move(o));
  Client c(socket_);
  Json status(c.request(R"({"v":1,"cmd":"status"})"));
  ASSERT_TRUE(status.ok);
  std::string_view why;
  ASSERT_EQ(status.doc["venues"].at(0)["last_problem"].get(why), simdjson::SUCCESS);
  EXPECT_EQ(why, "socket error: 127.0.0.1 on port 9878: Connection reset by peer");
}

TEST_F(ControlServerTest, SecondServerOnTheSamePathIsRefused) {
  start();
  ControlPort other_port;
  ControlServer second(other_port, config_, ControlServer::options_for(control_));
  const auto error = second.start();
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("is in use by another engine (pid " + std::to_string(::getpid()) + ")"),
            std::string::npos)
      << *error;
  // The first still serves.
  Client c(socket_);
  EXPECT_TRUE(Json(c.request(R"({"v":1,"cmd":"status"})")).boolean("ok"));
}

TEST_F(ControlServerTest, StaleSocketIsReplaced) {
  {  // a socket bound and closed without unlink: an engine that died
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  start();
  Client c(socket_);
  EXPECT_TRUE(Json(c.request(R"({"v":1,"cmd":"status"})")).boolean("ok"));
}

TEST_F(ControlServerTest, RegularFileAtThePathIsRefused) {
  std::ofstream(socket_) << "not a socket";
  ControlServer s(port_, config_, ControlServer::options_for(control_));
  const auto error = s.start();
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("exists and is not a socket"), std::string::npos) << *error;
  EXPECT_TRUE(std::filesystem::exists(socket_));  // left alone
}

TEST_F(ControlServerTest, SocketOwnedByAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown the socket to uid 65534";
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  ASSERT_EQ(::chown(socket_.c_str(), 65534, 65534), 0);
  ControlServer s(port_, config_, ControlServer::options_for(control_));
  const auto error = s.start();
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("is owned by uid 65534, not by this user (uid 0)"), std::string::npos)
      << *error;
}

TEST_F(ControlServerTest, PeerWithAnotherUidIsRefused) {
  ControlServerOptions o;
  o.allowed_uid = ::geteuid() + 1;
  start(o);
  Client c(socket_);
  ASSERT_TRUE(c.connected());
  Json r(c.read_line());
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.boolean("ok"));
  EXPECT_EQ(r.str("error"), "peer uid " + std::to_string(::geteuid()) +
                                " is not the engine's owner (uid " +
                                std::to_string(::geteuid() + 1) + ")");
  EXPECT_EQ(c.read_line(1000ms), "");
  EXPECT_TRUE(c.eof());
  // The refusal is audited: who knocked, and why they were turned away.
  const std::vector<std::string> lines = audit_lines();
  ASSERT_EQ(lines.size(), 1u);
  Json a(lines[0]);
  EXPECT_EQ(a.str("cmd"), "connect");
  EXPECT_FALSE(a.boolean("ok"));
  EXPECT_EQ(a.doc["uid"].get_int64().value_unsafe(), static_cast<std::int64_t>(::geteuid()));
  EXPECT_NE(a.str("error").find("is not the engine's owner"), std::string::npos);
}

TEST_F(ControlServerTest, PeerOfAnotherUserProcessIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to setuid(65534) in a child";
  start();
  // The 0600 mode alone keeps uid 65534 out; open it up so the peer check is what refuses.
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(socket_.c_str(), 0666), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) _exit(10);
    Client c(socket_);
    if (!c.connected()) _exit(11);
    c.send(R"({"v":1,"cmd":"kill"})");
    const std::string line = c.read_line();
    if (line.find("peer uid 65534 is not the engine's owner (uid 0)") == std::string::npos)
      _exit(12);
    if (c.read_line(1000ms) != "" || !c.eof()) _exit(13);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(engine_->commands.load(), 0);  // the kill never reached the engine
}

TEST_F(ControlServerTest, AuditLogRecordsEveryCommandAndEveryMalformedLine) {
  start();
  {
    Client c(socket_);
    c.request(R"({"v":1,"id":1,"cmd":"status"})");
    c.request(R"({"v":1,"id":2,"cmd":"pause"})");
    c.request(R"({"v":1,"id":3,"cmd":"set-target","args":{"asset":"ETH","weight":0.9}})");
    c.request("garbage");                       // not a command: logged by size, not bytes
    c.request(R"({"v":1,"cmd":"subscribe"})");  // logged once, its snapshots never
    std::this_thread::sleep_for(300ms);
  }
  struct stat st {};
  ASSERT_EQ(::stat(control_.audit_log.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::vector<std::string> lines = audit_lines();
  ASSERT_EQ(lines.size(), 5u);
  const char* cmds[] = {"status", "pause", "set-target", "malformed", "subscribe"};
  const bool oks[] = {true, true, false, false, true};
  for (std::size_t k = 0; k < lines.size(); ++k) {
    Json j(lines[k]);
    ASSERT_TRUE(j.ok) << lines[k];
    EXPECT_EQ(j.str("cmd"), cmds[k]);
    EXPECT_EQ(j.boolean("ok"), oks[k]) << lines[k];
    EXPECT_EQ(j.doc["uid"].get_int64().value_unsafe(), static_cast<std::int64_t>(::geteuid()));
    EXPECT_EQ(j.doc["pid"].get_int64().value_unsafe(), static_cast<std::int64_t>(::getpid()));
    const std::string time = j.str("time");
    ASSERT_EQ(time.size(), 24u) << time;  // 2026-12-01T03:14:15.123Z
    EXPECT_EQ(time[10], 'T');
    EXPECT_EQ(time[19], '.');
    EXPECT_EQ(time.back(), 'Z');
  }
  Json bad(lines[3]);
  EXPECT_NE(bad.str("error").find("(7 bytes; 1 malformed from this client)"), std::string::npos)
      << lines[3];
  EXPECT_EQ(lines[3].find("garbage"), std::string::npos);
  Json st3(lines[2]);
  EXPECT_DOUBLE_EQ(st3.doc["args"]["weight"].get_double().value_unsafe(), 0.9);
  EXPECT_EQ(st3.str("error"), "target weights would sum above 1");
}

// Issue 14, item 10: a symlink planted where the audit log goes redirected root's
// appends; the log is now opened O_NOFOLLOW and must be a regular file of ours.
TEST(AuditLogTest, SymlinkOtherOwnersAndNonRegularFilesAreRefused) {
  const std::filesystem::path dir = ballast::testing::fresh_temp_dir("audit");
  const std::filesystem::path target = dir / "elsewhere";
  std::ofstream(target) << "";
  std::filesystem::create_symlink(target, dir / "audit.log");
  std::string error;
  EXPECT_FALSE(AuditLog::open((dir / "audit.log").string(), error));
  EXPECT_NE(error.find("is a symbolic link; refused"), std::string::npos) << error;
  EXPECT_EQ(std::filesystem::file_size(target), 0u);

  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  error.clear();
  EXPECT_FALSE(AuditLog::open((dir / "fifo").string(), error));
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;

  if (::geteuid() == 0) {  // only root can hand a file to another user
    const std::filesystem::path theirs = dir / "theirs.log";
    std::ofstream(theirs) << "";
    ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
    error.clear();
    EXPECT_FALSE(AuditLog::open(theirs.string(), error));
    EXPECT_NE(error.find("owned by uid 65534"), std::string::npos) << error;
  }
  // A loose mode on our own log is tightened, not refused.
  const std::filesystem::path ours = dir / "ours.log";
  std::ofstream(ours) << "";
  ASSERT_EQ(::chmod(ours.c_str(), 0644), 0);
  auto log = AuditLog::open(ours.string(), error);
  ASSERT_TRUE(log) << error;
  struct stat st {};
  ASSERT_EQ(::stat(ours.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove_all(dir);
}

TEST_F(ControlServerTest, SubscriberGetsSnapshotsAtTheIntervalAndEachAlertOnce) {
  start();
  Client c(socket_);
  Json reply(c.request(R"({"v":1,"id":1,"cmd":"subscribe","args":{"interval_ms":50}})"));
  ASSERT_TRUE(reply.boolean("ok"));
  AlertRecord a;
  a.kind = AlertKind::risk_denied;
  a.detail = static_cast<std::uint16_t>(risk::RiskCheck::max_leverage);
  a.instrument = 1;
  a.value = 3.4;
  a.limit = 3.0;
  engine_->raise(a);
  AlertRecord b;
  b.kind = AlertKind::session_down;
  b.detail = 0;
  engine_->raise(b);
  int snapshots = 0;
  std::vector<std::string> alerts;
  const auto until = std::chrono::steady_clock::now() + 1000ms;
  while (std::chrono::steady_clock::now() < until) {
    const std::string line = c.read_line(100ms);
    if (line.empty()) continue;
    Json j(line);
    ASSERT_TRUE(j.ok) << line;
    if (j.str("type") == "snapshot") {
      ++snapshots;
      for (const char* k : {"state", "assets", "open", "leverage", "tick_to_order_ns"})
        EXPECT_TRUE(j.has(k)) << k;
    } else if (j.str("type") == "alert") {
      alerts.push_back(line);
    }
  }
  EXPECT_GE(snapshots, 12);  // 20 due in a second; generous for a loaded 2-core box
  EXPECT_LE(snapshots, 22);
  ASSERT_EQ(alerts.size(), 2u);
  Json first(alerts[0]);
  EXPECT_EQ(first.doc["seq"].get_int64().value_unsafe(), 1);
  EXPECT_EQ(first.str("kind"), "risk_denied");
  EXPECT_EQ(first.str("check"), "max_leverage");
  EXPECT_EQ(first.str("symbol"), "ETHUSDT-PERP");
  EXPECT_DOUBLE_EQ(first.doc["limit"].get_double().value_unsafe(), 3.0);
  Json second(alerts[1]);
  EXPECT_EQ(second.str("kind"), "session_down");
  EXPECT_EQ(second.str("venue"), "default");
}

TEST_F(ControlServerTest, SubscriberThatNeverReadsDoesNotBlockOthers) {
  ControlServerOptions o;
  o.max_output_backlog = 64 * 1024;
  start(o);
  engine_->set_open_orders(static_cast<std::uint16_t>(kMaxOpenOrders));  // ~10 KB a line
  Client stuck(socket_);
  stuck.send(R"({"v":1,"cmd":"subscribe","args":{"interval_ms":50}})");
  Client other(socket_);
  std::chrono::milliseconds worst{0};
  const auto until = std::chrono::steady_clock::now() + 8s;
  while (std::chrono::steady_clock::now() < until && server_->clients_dropped() == 0) {
    const auto t0 = std::chrono::steady_clock::now();
    Json r(other.request(R"({"v":1,"cmd":"status"})"));
    ASSERT_TRUE(r.ok && r.boolean("ok"));
    worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - t0));
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(server_->clients_dropped(), 1u);  // the stuck one, once far enough behind
  EXPECT_LT(worst.count(), 500);
  EXPECT_TRUE(Json(other.request(R"({"v":1,"cmd":"status"})")).boolean("ok"));
}

TEST_F(ControlServerTest, ReloadAppliesLiveKeysAndListsTheRest) {
  start();
  Client c(socket_);
  std::string text = replace(kConfig, "weight = 0.5", "weight = 0.4");
  text = replace(text, "max_leverage = 3", "max_leverage = 2");
  text = replace(text, "socket = \"ctl.sock\"", "socket = \"ctl.sock\"\nsnapshot_ms = 200");
  write_config(text);
  Json r(c.request(R"({"v":1,"id":1,"cmd":"reload"})"));
  ASSERT_TRUE(r.ok);
  ASSERT_TRUE(r.boolean("ok")) << r.str("error");
  const std::vector<std::string> applied = strings(r.doc["applied"]);
  const std::vector<std::string> restart = strings(r.doc["restart_needed"]);
  EXPECT_EQ(applied,
            (std::vector<std::string>{"target.BTC.weight 0.5 -> 0.4", "risk.max_leverage 3 -> 2"}));
  EXPECT_EQ(restart, (std::vector<std::string>{"control.snapshot_ms (default) -> 200"}));
  EXPECT_EQ(engine_->reloads.load(), 1);
  EXPECT_DOUBLE_EQ(server_->live_config().risk.max_leverage, 2.0);
  // The engine applies the limits; its next snapshots carry them.
  std::this_thread::sleep_for(50ms);
  Json risk(c.request(R"({"v":1,"cmd":"risk"})"));
  EXPECT_DOUBLE_EQ(risk.doc["max_leverage"].get_double().value_unsafe(), 2.0);

  // Again, unchanged: nothing to apply (diffed against what is live now).
  Json again(c.request(R"({"v":1,"id":2,"cmd":"reload"})"));
  EXPECT_TRUE(again.boolean("ok"));
  EXPECT_TRUE(strings(again.doc["applied"]).empty());
  EXPECT_EQ(engine_->reloads.load(), 1);

  write_config(replace(text, "max_leverage = 2", "max_leverage = -1\nbogus = 1"));
  Json bad(c.request(R"({"v":1,"id":3,"cmd":"reload"})"));
  EXPECT_FALSE(bad.boolean("ok"));
  EXPECT_EQ(strings(bad.doc["errors"]).size(), 2u);
  EXPECT_DOUBLE_EQ(server_->live_config().risk.max_leverage, 2.0);

  // A changed instrument: nothing applies live, everything changed needs a restart.
  write_config(
      replace(replace(text, "tick_size = 0.1", "tick_size = 0.5"), "weight = 0.3", "weight = 0.2"));
  Json uni(c.request(R"({"v":1,"id":4,"cmd":"reload"})"));
  EXPECT_TRUE(uni.boolean("ok"));
  EXPECT_TRUE(strings(uni.doc["applied"]).empty());
  const std::vector<std::string> uni_restart = strings(uni.doc["restart_needed"]);
  EXPECT_NE(std::find(uni_restart.begin(), uni_restart.end(), "instruments"), uni_restart.end());
  EXPECT_NE(std::find(uni_restart.begin(), uni_restart.end(), "targets"), uni_restart.end());
  EXPECT_EQ(engine_->reloads.load(), 1);
}

}  // namespace
}  // namespace ballast::control::control_server_test
