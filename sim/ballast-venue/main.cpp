// `ballast-venue`: the venue simulator as a process, a thin CLI over
// ballast::venue::VenueRunner. Loads a Ballast config (instruments, [market] prices and the
// [venue] table), applies the command-line overrides, and serves FIX 4.4 (order entry,
// market data, funding: docs/fix-dialect.md; SenderCompID VENUE, TargetCompID BALLAST,
// config/fix/ballast-initiator.cfg's counterparty) while the simulated clock follows the
// wall clock times --speed. Fault commands are read from standard input, one per line,
// and acknowledged on standard output; end of input only ends command reading.
// Exit codes: 0 on SIGINT/SIGTERM or --duration, 1 a runtime failure (port taken), 2 bad
// arguments or config, with one line.
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ballast/core/config.hpp"
#include "ballast/core/guarded_main.hpp"
#include "ballast/venue/venue_config.hpp"
#include "ballast/venue/venue_fault.hpp"
#include "ballast/venue/venue_runner.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitBadInput = 2;

constexpr const char* kUsage =
    "usage: ballast-venue --config FILE [--port N] [--ws-port N] [--duration S] [--store DIR] "
    "[--seed N]\n"
    "                     [--volatility V] [--speed X] [--cash C] [--fault \"S CMD\"]...\n"
    "                     [--feed FILE] [--log DIR]\n"
    "\n"
    "  --config FILE   Ballast config: [[instrument]]s, [market] prices, [venue] settings\n"
    "  --port N        FIX acceptor port (default [venue] port, 9878; all interfaces)\n"
    "  --ws-port N     WebSocket server port, Binance USDM dialect on 127.0.0.1\n"
    "                  (default [venue] ws_port; 0 = none; sim/ws/README.md)\n"
    "  --duration S    stop after S seconds (default: run until SIGINT/SIGTERM)\n"
    "  --store DIR     QuickFIX FileStore (default [venue] store_dir, else\n"
    "                  [engine] state_dir/venue, else build/venue/store)\n"
    "  --seed N        price process seed (default 1)\n"
    "  --volatility V  annual volatility of every asset's random walk (default 0.5)\n"
    "  --speed X       simulated seconds per wall second (default 1)\n"
    "  --cash C        starting cash of each FIX session's account\n"
    "                  (default [portfolio] margin_balance, else 1000000)\n"
    "  --fault \"S CMD\" run fault CMD S wall seconds after start (repeatable; added to\n"
    "                  [venue] faults)\n"
    "  --feed FILE     replay CSV driving the marks instead of random walks\n"
    "  --log DIR       QuickFIX message log directory (default: none)\n"
    "\n"
    "Standard input: one fault command per line (drop, delay MS, reject N,\n"
    "freeze [SYMBOL], unfreeze [SYMBOL], widen FACTOR, mute-positions, clear),\n"
    "acknowledged on stdout as\n"
    "\"ballast-venue: fault CMD\" or \"ballast-venue: bad command: LINE\".\n";

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) {
  g_stop.store(true);
}

std::mutex g_out_mu;
void say(const std::string& line) {
  std::lock_guard lock(g_out_mu);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string speed_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

int bad_input(const std::string& message) {
  std::fprintf(stderr, "ballast-venue: %s\n", message.c_str());
  return kExitBadInput;
}

template <class T>
std::optional<T> parse_number(std::string_view text) {
  T v{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

// Reads fault commands from stdin until EOF or `stop`; polls so it can be joined.
void read_commands(ballast::venue::VenueRunner& runner, const std::atomic<bool>& stop) {
  std::string buf;
  char chunk[1024];
  while (!stop.load()) {
    pollfd p{0, POLLIN, 0};
    const int r = ::poll(&p, 1, 100);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return;
    if (r == 0) continue;
    const ssize_t n = ::read(0, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EOF: no more commands; the venue keeps running
    buf.append(chunk, static_cast<std::size_t>(n));
    for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::string why;
      const std::string ack = runner.command(line, &why);
      say(ack);
      if (!why.empty()) std::fprintf(stderr, "ballast-venue: %s\n", why.c_str());
    }
  }
}

}  // namespace

static int run_main(int argc, char** argv) {
  using namespace ballast;
  std::string config_path, store, feed, log;
  std::optional<int> port;
  std::optional<int> ws_port;
  std::optional<std::uint64_t> seed;
  std::optional<double> volatility, speed, cash;
  std::vector<std::string> faults;
  double duration_s = 0.0;  // 0: until a signal
  for (int k = 1; k < argc; ++k) {
    const std::string_view arg = argv[k];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (k + 1 >= argc) return bad_input("unknown argument or missing value: " + std::string(arg));
    const std::string_view value = argv[++k];
    if (arg == "--config") {
      config_path = value;
    } else if (arg == "--port") {
      const auto p = parse_number<int>(value);
      if (!p || *p <= 0 || *p > 65535)
        return bad_input("--port: not a port: " + std::string(value));
      port = *p;
    } else if (arg == "--ws-port") {
      const auto p = parse_number<int>(value);
      if (!p || *p < 0 || *p > 65535)
        return bad_input("--ws-port: not a port: " + std::string(value));
      ws_port = *p;
    } else if (arg == "--duration") {
      const auto d = parse_number<double>(value);
      if (!d || !(*d > 0.0)) return bad_input("--duration: not a positive number of seconds");
      duration_s = *d;
    } else if (arg == "--store") {
      store = value;
    } else if (arg == "--log") {
      log = value;
    } else if (arg == "--feed") {
      feed = value;
    } else if (arg == "--seed") {
      const auto s = parse_number<std::uint64_t>(value);
      if (!s) return bad_input("--seed: not an unsigned integer");
      seed = *s;
    } else if (arg == "--volatility") {
      const auto v = parse_number<double>(value);
      if (!v || !(*v >= 0.0) || *v > 10.0) return bad_input("--volatility: not in [0, 10]");
      volatility = *v;
    } else if (arg == "--speed") {
      const auto v = parse_number<double>(value);
      if (!v || !(*v > 0.0) || *v > 1e6) return bad_input("--speed: not in (0, 1000000]");
      speed = *v;
    } else if (arg == "--cash") {
      const auto c = parse_number<double>(value);
      if (!c || !(*c >= 0.0)) return bad_input("--cash: not a non-negative number");
      cash = *c;
    } else if (arg == "--fault") {
      std::string why;
      if (!venue::parse_scheduled_fault(value, &why))
        return bad_input("--fault \"" + std::string(value) + "\": " + why);
      faults.emplace_back(value);
    } else {
      return bad_input("unknown argument: " + std::string(arg));
    }
  }
  if (config_path.empty()) return bad_input("--config FILE is required (see --help)");

  // The domain tables and [venue]; the engine's own tables are `ballast check-config`'s.
  VenueSimConfig vc;
  ConfigSchema schema;
  venue::add_venue_table(schema, vc);
  schema.tolerate_other_tables();
  const ConfigLoadResult loaded = load_config_file(config_path, ConfigParseOptions{}, schema);
  if (!loaded.ok()) return bad_input(loaded.errors.front().to_string());
  const BallastConfig& cfg = *loaded.config;
  if (port) vc.port = *port;
  if (ws_port) vc.ws_port = *ws_port;
  if (!store.empty()) vc.store_dir = store;
  if (vc.store_dir.empty() && cfg.state_dir.empty()) vc.store_dir = "build/venue/store";
  if (seed) vc.seed = *seed;
  if (volatility) vc.volatility = *volatility;
  if (speed) vc.speed = *speed;
  if (cash) vc.cash = *cash;
  if (!feed.empty()) vc.feed_file = feed;
  vc.faults.insert(vc.faults.end(), faults.begin(), faults.end());
  if (const auto errors = venue::validate_venue_config(cfg, vc); !errors.empty())
    return bad_input(config_path + ": " + errors.front());

  try {
    venue::VenueRunnerOptions ro;
    ro.log_dir = log;
    ro.on_fault = [](const std::string& line) { say(line); };
    venue::VenueRunner runner(cfg, vc, ro);

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    try {
      runner.start();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ballast-venue: %s\n", e.what());
      return kExitRuntime;
    }
    say("ballast-venue: FIX 4.4 on port " + std::to_string(vc.port) + " (VENUE <- BALLAST), " +
        std::to_string(cfg.universe.instruments.size()) + " instruments, speed " +
        speed_text(vc.speed) + (vc.feed_file.empty() ? "" : ", replaying " + vc.feed_file));
    if (runner.ws_port() != 0)
      say(std::string("ballast-venue: WebSocket (Binance USDM) on ") +
          (runner.ws_tls() ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(runner.ws_port()));

    std::atomic<bool> stop_reading{false};
    std::thread reader([&] { read_commands(runner, stop_reading); });
    const auto t0 = std::chrono::steady_clock::now();
    while (!g_stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (duration_s > 0.0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >=
              duration_s)
        break;
    }
    stop_reading.store(true);
    reader.join();
    runner.stop();
    say(venue::format_summary(runner.summary()));
  } catch (const std::invalid_argument& e) {
    return bad_input(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ballast-venue: %s\n", e.what());
    return kExitRuntime;
  }
  return kExitOk;
}

int main(int argc, char** argv) {
  return ballast::run_guarded_main("ballast-venue", run_main, argc, argv);
}
