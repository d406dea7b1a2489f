// What the operator control channel costs: the engine thread's snapshot fill (paid every
// snapshot period while idle), the seqlock publish/read of the ~10 KB EngineSnapshot,
// apply_control for cheap and set-target ops, and a status / pause round trip over the socket.
#include <benchmark/benchmark.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "../tests/common/temp_dir.hpp"
#include "ballast/control/control_server.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/core/control.hpp"
#include "ballast/core/engine_core.hpp"
#include "ballast/risk/risk_gate.hpp"

namespace {

using namespace ballast;

// Four assets, each hedged with its perpetual (3 margin brackets), a futures position on
// every perpetual, spot collateral: a small desk. Ticks then push BTC and ETH out of band
// so the engine has open (unfilled) rebalance orders when the snapshot is taken.
constexpr const char* kDesk = R"toml(
[engine]
base_currency = "USDT"
[[instrument]]
symbol = "BTCUSDT-PERP"
kind = "perpetual"
base = "BTC"
contract_size = 0.001
lot_size = 1
tick_size = 0.1
taker_fee_bps = 5.0
funding_interval_s = 28800
leverage = 5
margin_brackets = [ { max_notional = 50000, mmr = 0.004, maint_amount = 0 },
                    { max_notional = 250000, mmr = 0.005, maint_amount = 50 },
                    { max_notional = 3000000, mmr = 0.01, maint_amount = 1300 } ]
[[instrument]]
symbol = "ETHUSDT-PERP"
kind = "perpetual"
base = "ETH"
contract_size = 0.01
lot_size = 1
tick_size = 0.01
taker_fee_bps = 5.0
funding_interval_s = 28800
leverage = 5
margin_brackets = [ { max_notional = 50000, mmr = 0.004, maint_amount = 0 },
                    { max_notional = 250000, mmr = 0.005, maint_amount = 50 },
                    { max_notional = 3000000, mmr = 0.01, maint_amount = 1300 } ]
[[instrument]]
symbol = "SOLUSDT-PERP"
kind = "perpetual"
base = "SOL"
contract_size = 1
lot_size = 1
tick_size = 0.01
taker_fee_bps = 5.0
funding_interval_s = 28800
leverage = 5
margin_brackets = [ { max_notional = 50000, mmr = 0.01, maint_amount = 0 },
                    { max_notional = 250000, mmr = 0.02, maint_amount = 500 } ]
[[instrument]]
symbol = "BNBUSDT-PERP"
kind = "perpetual"
base = "BNB"
contract_size = 0.1
lot_size = 1
tick_size = 0.01
taker_fee_bps = 5.0
funding_interval_s = 28800
leverage = 5
margin_brackets = [ { max_notional = 50000, mmr = 0.01, maint_amount = 0 },
                    { max_notional = 250000, mmr = 0.02, maint_amount = 500 } ]
[[target]]
asset = "BTC"
weight = 0.3
band = 0.02
hedge_with = ["BTCUSDT-PERP"]
[[target]]
asset = "ETH"
weight = 0.2
band = 0.02
hedge_with = ["ETHUSDT-PERP"]
[[target]]
asset = "SOL"
weight = 0.1
band = 0.02
hedge_with = ["SOLUSDT-PERP"]
[[target]]
asset = "BNB"
weight = 0.1
band = 0.02
hedge_with = ["BNBUSDT-PERP"]
[risk]
max_leverage = 5
price_collar_bps = 100.0
max_orders_per_second = 10000
max_orders_per_minute = 600000
max_md_staleness_ms = 60000
[portfolio]
cash = 100000.0
spot = [ { asset = "BTC", qty = 1.5 }, { asset = "ETH", qty = 20.0 },
         { asset = "SOL", qty = 200.0 }, { asset = "BNB", qty = 50.0 } ]
futures = [ { instrument = "BTCUSDT-PERP", contracts = -300, entry_price = 70000.0 },
            { instrument = "ETHUSDT-PERP", contracts = -500, entry_price = 3500.0 },
            { instrument = "SOLUSDT-PERP", contracts = -40, entry_price = 150.0 },
            { instrument = "BNBUSDT-PERP", contracts = -80, entry_price = 600.0 } ]
)toml";

constexpr std::array<double, 4> kPrices{70000.0, 3500.0, 150.0, 600.0};

const BallastConfig& desk_config() {
  static const BallastConfig config = [] {
    auto r = parse_config(kDesk, "desk.toml");
    if (!r.ok()) {
      for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
      std::abort();
    }
    return *r.config;
  }();
  return config;
}

// A ready engine with the real risk gate, futures positions and a few open orders.
struct Engine {
  const BallastConfig& config = desk_config();
  ClientOrderIdGenerator ids{1000, std::nullopt};
  std::unique_ptr<risk::RiskGate> gate;
  std::unique_ptr<EngineCore> core;
  std::array<OrderRequest, 16> out{};
  std::size_t orders_out = 0;

  Engine() {
    TscClock::calibrate(1'000'000);
    gate = std::make_unique<risk::RiskGate>(config.universe, config.risk, config.policy,
                                            config.margin_balance);
    core = std::make_unique<EngineCore>(config, *gate, ids, 0);
    for (InstrumentId i = 0; i < kPrices.size(); ++i) orders_out += tick(i, kPrices[i]);
    // BTC and ETH rally: both go overweight, the plan shorts more of their perpetuals.
    orders_out += tick(0, kPrices[0] * 1.25);
    orders_out += tick(1, kPrices[1] * 1.25);
    if (!core->ready() || core->settled()) {
      std::fprintf(stderr, "control_bench: engine not ready or no open orders\n");
      std::abort();
    }
  }
  std::size_t tick(InstrumentId i, double price) {
    MarketTick t;
    t.instrument = i;
    t.bid = price * 0.9999;
    t.ask = price * 1.0001;
    t.mark = price;
    t.index = price;
    t.recv_tsc = TscClock::now();
    return core->on_tick(t, TscClock::now(), out.data(), out.size());
  }
};

void BM_EngineCore_FillSnapshot(benchmark::State& state) {
  Engine e;
  auto snapshot = std::make_unique<EngineSnapshot>();
  for (auto _ : state) {
    e.core->fill_snapshot(*snapshot);
    benchmark::DoNotOptimize(snapshot->risk.leverage);
    benchmark::ClobberMemory();
  }
  state.counters["open_orders"] = snapshot->open_count;
  state.counters["instruments"] = snapshot->instrument_count;
  state.counters["risk_valid"] = snapshot->risk.valid ? 1 : 0;
}
BENCHMARK(BM_EngineCore_FillSnapshot);

// What EngineAgent::publish_snapshot does every period: fill in place, copy into the seqlock.
void BM_EngineCore_PublishSnapshot(benchmark::State& state) {
  Engine e;
  auto snapshot = std::make_unique<EngineSnapshot>();
  auto lock = std::make_unique<SeqLock<EngineSnapshot>>();
  for (auto _ : state) {
    e.core->fill_snapshot(*snapshot);
    ++snapshot->version;
    lock->store(*snapshot);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_EngineCore_PublishSnapshot);

void BM_SeqLock_StoreSnapshot(benchmark::State& state) {
  auto snapshot = std::make_unique<EngineSnapshot>();
  auto lock = std::make_unique<SeqLock<EngineSnapshot>>();
  for (auto _ : state) {
    ++snapshot->version;
    lock->store(*snapshot);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * sizeof(EngineSnapshot)));
  state.counters["bytes"] = sizeof(EngineSnapshot);
}
BENCHMARK(BM_SeqLock_StoreSnapshot);

void BM_SeqLock_LoadSnapshot(benchmark::State& state) {
  auto snapshot = std::make_unique<EngineSnapshot>();
  auto lock = std::make_unique<SeqLock<EngineSnapshot>>();
  snapshot->version = 1;
  lock->store(*snapshot);
  for (auto _ : state) {
    benchmark::DoNotOptimize(lock->load(*snapshot));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * sizeof(EngineSnapshot)));
}
BENCHMARK(BM_SeqLock_LoadSnapshot);

// The writer's store while another thread spins on load (a console polling as fast as it
// can): the worst the control thread can do to the engine's publish.
void BM_SeqLock_StoreSnapshotReaderSpinning(benchmark::State& state) {
  auto snapshot = std::make_unique<EngineSnapshot>();
  auto lock = std::make_unique<SeqLock<EngineSnapshot>>();
  snapshot->version = 1;
  lock->store(*snapshot);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> reads{0};
  std::thread reader([&] {
    auto copy = std::make_unique<EngineSnapshot>();
    std::uint64_t n = 0;
    while (!stop.load(std::memory_order_relaxed)) n += lock->load(*copy) ? 1u : 0u;
    reads.store(n);
  });
  for (auto _ : state) {
    ++snapshot->version;
    lock->store(*snapshot);
    benchmark::ClobberMemory();
  }
  stop.store(true);
  reader.join();
  state.counters["reader_loads"] = static_cast<double>(reads.load());
}
BENCHMARK(BM_SeqLock_StoreSnapshotReaderSpinning)->UseRealTime();

// The reader's load while the writer stores back to back (far more often than the
// engine's every-100-ms publish): load's retries under the worst write rate.
void BM_SeqLock_LoadSnapshotWriterSpinning(benchmark::State& state) {
  auto snapshot = std::make_unique<EngineSnapshot>();
  auto lock = std::make_unique<SeqLock<EngineSnapshot>>();
  snapshot->version = 1;
  lock->store(*snapshot);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto value = std::make_unique<EngineSnapshot>();
    while (!stop.load(std::memory_order_relaxed)) {
      ++value->version;
      lock->store(*value);
    }
  });
  auto copy = std::make_unique<EngineSnapshot>();
  for (auto _ : state) {
    benchmark::DoNotOptimize(lock->load(*copy));
    benchmark::ClobberMemory();
  }
  stop.store(true);
  writer.join();
}
BENCHMARK(BM_SeqLock_LoadSnapshotWriterSpinning)->UseRealTime();

// One pause plus one resume (each raises an alert and sets the gate's mode).
void BM_EngineCore_ApplyControlPauseResume(benchmark::State& state) {
  Engine e;
  ControlCommand pause;
  pause.op = ControlOp::pause;
  ControlCommand resume;
  resume.op = ControlOp::resume;
  ControlReply reply;
  for (auto _ : state) {
    ++pause.seq;
    benchmark::DoNotOptimize(e.core->apply_control(pause, reply, e.out.data(), e.out.size()));
    ++resume.seq;
    benchmark::DoNotOptimize(e.core->apply_control(resume, reply, e.out.data(), e.out.size()));
  }
  state.counters["ok"] = reply.result == ControlResult::ok ? 1 : 0;
}
BENCHMARK(BM_EngineCore_ApplyControlPauseResume);

// set-target on BTC, alternating two weights (validation, the base remainder, the
// tracker's re-valuation).
void BM_EngineCore_ApplyControlSetTarget(benchmark::State& state) {
  Engine e;
  ControlCommand c;
  c.op = ControlOp::set_target;
  c.asset = e.config.universe.find_asset("BTC");
  ControlReply reply;
  for (auto _ : state) {
    ++c.seq;
    c.weight = (c.seq & 1u) ? 0.31 : 0.30;
    benchmark::DoNotOptimize(e.core->apply_control(c, reply, e.out.data(), e.out.size()));
  }
  state.counters["ok"] = reply.result == ControlResult::ok ? 1 : 0;
}
BENCHMARK(BM_EngineCore_ApplyControlSetTarget);

// ---- The socket: a real ControlServer, an engine thread with a real EngineCore.

// The engine thread's control loop as EngineAgent runs it when idle: answer commands, then
// a fresh snapshot after each, otherwise one per period. Yields between polls so the two
// vCPUs are shared with the server and client threads.
class EngineThread {
 public:
  explicit EngineThread(ControlPort& port) : port_(port) {
    thread_ = std::thread([this] { run(); });
  }
  ~EngineThread() {
    stop_.store(true);
    thread_.join();
  }
  EngineThread(const EngineThread&) = delete;
  EngineThread& operator=(const EngineThread&) = delete;

 private:
  void run() {
    Engine e;
    auto snapshot = std::make_unique<EngineSnapshot>();
    ControlCommand command;
    ControlReply reply;
    std::uint64_t version = 0;
    auto publish = [&] {
      e.core->fill_snapshot(*snapshot);
      snapshot->version = ++version;
      port_.snapshot.store(*snapshot);
    };
    publish();
    auto last = std::chrono::steady_clock::now();
    while (!stop_.load(std::memory_order_relaxed)) {
      if (port_.commands.try_pop(command)) {
        e.core->apply_control(command, reply, e.out.data(), e.out.size());
        while (!port_.replies.try_push(reply) && !stop_.load()) std::this_thread::yield();
        publish();
      }
      const auto now = std::chrono::steady_clock::now();
      if (now - last >= std::chrono::milliseconds(100)) {
        last = now;
        publish();
      }
      std::this_thread::yield();
    }
  }

  ControlPort& port_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A blocking line client of the control socket.
class SocketClient {
 public:
  explicit SocketClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~SocketClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  SocketClient(const SocketClient&) = delete;
  SocketClient& operator=(const SocketClient&) = delete;
  [[nodiscard]] bool connected() const { return connected_; }
  // Sends one request line and returns the reply line ("" on error).
  const std::string& request(const std::string& line) {
    line_.clear();
    if (::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
      return line_;
    while (true) {
      const auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        line_.assign(buf_, 0, nl);
        buf_.erase(0, nl + 1);
        return line_;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return line_;
      char b[65536];
      const ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) return line_;
      buf_.append(b, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
  std::string line_;
};

struct ServerRig {
  std::filesystem::path dir = ballast::testing::fresh_temp_dir("ctlbench");
  ControlPort port;
  std::unique_ptr<EngineThread> engine;
  std::unique_ptr<control::ControlServer> server;
  std::string error;

  ServerRig() {
    engine = std::make_unique<EngineThread>(port);
    control::ControlServerOptions o;
    o.socket_path = (dir / "ctl.sock").string();
    o.audit_log_path = (dir / "audit.log").string();
    server = std::make_unique<control::ControlServer>(port, desk_config(), std::move(o));
    if (const auto e = server->start()) error = *e;
    while (port.snapshot.version() == 0) std::this_thread::yield();
  }
  ~ServerRig() {
    server.reset();
    engine.reset();
    std::filesystem::remove_all(dir);
  }
  [[nodiscard]] std::string socket() const { return (dir / "ctl.sock").string(); }
};

// One `status` request and its reply: answered by the server thread from the latest
// snapshot (seqlock load + JSON), never touching the engine thread.
void BM_ControlServer_StatusRoundTrip(benchmark::State& state) {
  ServerRig rig;
  if (!rig.error.empty()) {
    state.SkipWithError(rig.error.c_str());
    return;
  }
  SocketClient client(rig.socket());
  if (!client.connected()) {
    state.SkipWithError("cannot connect to the control socket");
    return;
  }
  const std::string request = "{\"v\":1,\"id\":1,\"cmd\":\"status\"}\n";
  std::size_t reply_bytes = 0;
  for (auto _ : state) {
    const std::string& reply = client.request(request);
    if (reply.empty()) {
      state.SkipWithError("no reply");
      break;
    }
    reply_bytes = reply.size();
  }
  state.counters["reply_bytes"] = static_cast<double>(reply_bytes);
}
BENCHMARK(BM_ControlServer_StatusRoundTrip)->UseRealTime();

// A pause and a resume: each goes to the engine thread over the ControlPort, its reply
// comes back and the server writes the audit log. The server's wait for the engine's
// reply polls at 1 ms, which bounds this from below.
void BM_ControlServer_PauseResumeRoundTrip(benchmark::State& state) {
  ServerRig rig;
  if (!rig.error.empty()) {
    state.SkipWithError(rig.error.c_str());
    return;
  }
  SocketClient client(rig.socket());
  if (!client.connected()) {
    state.SkipWithError("cannot connect to the control socket");
    return;
  }
  const std::string pause = "{\"v\":1,\"id\":1,\"cmd\":\"pause\"}\n";
  const std::string resume = "{\"v\":1,\"id\":2,\"cmd\":\"resume\"}\n";
  for (auto _ : state) {
    if (client.request(pause).find("\"ok\":true") == std::string::npos ||
        client.request(resume).find("\"ok\":true") == std::string::npos) {
      state.SkipWithError("pause/resume not ok");
      break;
    }
  }
}
BENCHMARK(BM_ControlServer_PauseResumeRoundTrip)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
