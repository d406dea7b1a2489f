// `ballast-venue`: the venue simulator as a process. Loads a Ballast config (instruments,
// [market] prices), builds the simulation (seeded price process, market maker quoting
// around the marks it derives from those prices) and serves FIX 4.4 order entry
// (SenderCompID VENUE, TargetCompID BALLAST: config/fix/ballast-initiator.cfg's
// counterparty) while its clock follows the wall clock, every ~10 ms. Exit codes: 0 on
// SIGINT/SIGTERM or --duration, 1 a runtime failure (port taken), 2 bad arguments or
// config, with one line.
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "ballast/core/config.hpp"
#include "ballast/venue/simulation.hpp"
#include "venue_fix_server.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitBadInput = 2;

constexpr const char* kUsage =
    "usage: ballast-venue --config FILE [--port N] [--duration S] [--store DIR] [--seed N]\n"
    "                     [--volatility V] [--cash C] [--log DIR]\n"
    "\n"
    "  --config FILE   Ballast config: the [[instrument]]s to list and [market] prices\n"
    "  --port N        FIX acceptor port (default 9878; QuickFIX listens on all interfaces)\n"
    "  --duration S    stop after S seconds (default: run until SIGINT/SIGTERM)\n"
    "  --store DIR     QuickFIX FileStore for sequence numbers (default build/venue/store)\n"
    "  --seed N        price process seed (default 1)\n"
    "  --volatility V  annual volatility of every asset's random walk (default 0.5)\n"
    "  --cash C        starting cash of each FIX session's account (default 1000000)\n"
    "  --log DIR       QuickFIX message log directory (default: none)\n";

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

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

struct Args {
  std::string config;
  int port = 9878;
  double duration_s = 0.0;  // 0: until a signal
  std::string store = "build/venue/store";
  std::string log;
  std::uint64_t seed = 1;
  double volatility = 0.5;
  double cash = 1e6;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace ballast;
  Args a;
  for (int k = 1; k < argc; ++k) {
    const std::string_view arg = argv[k];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (k + 1 >= argc) return bad_input("unknown argument or missing value: " + std::string(arg));
    const std::string_view value = argv[++k];
    if (arg == "--config") {
      a.config = value;
    } else if (arg == "--port") {
      const auto p = parse_number<int>(value);
      if (!p || *p <= 0 || *p > 65535) return bad_input("--port: not a port: " + std::string(value));
      a.port = *p;
    } else if (arg == "--duration") {
      const auto d = parse_number<double>(value);
      if (!d || !(*d > 0.0)) return bad_input("--duration: not a positive number of seconds");
      a.duration_s = *d;
    } else if (arg == "--store") {
      a.store = value;
    } else if (arg == "--log") {
      a.log = value;
    } else if (arg == "--seed") {
      const auto s = parse_number<std::uint64_t>(value);
      if (!s) return bad_input("--seed: not an unsigned integer");
      a.seed = *s;
    } else if (arg == "--volatility") {
      const auto v = parse_number<double>(value);
      if (!v || !(*v >= 0.0) || *v > 10.0) return bad_input("--volatility: not in [0, 10]");
      a.volatility = *v;
    } else if (arg == "--cash") {
      const auto c = parse_number<double>(value);
      if (!c || !(*c >= 0.0)) return bad_input("--cash: not a non-negative number");
      a.cash = *c;
    } else {
      return bad_input("unknown argument: " + std::string(arg));
    }
  }
  if (a.config.empty()) return bad_input("--config FILE is required (see --help)");

  const ConfigLoadResult loaded = load_config_file(a.config);
  if (!loaded.ok()) return bad_input(loaded.errors.front().to_string());
  const BallastConfig& cfg = *loaded.config;
  const Universe& u = cfg.universe;
  if (u.instruments.empty()) return bad_input(a.config + ": no [[instrument]]");

  const std::int64_t start_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();

  venue::SimulationConfig sc;
  sc.prices.seed = a.seed;
  sc.prices.start_ns = start_ns;
  sc.marks.seed = a.seed + 1;
  // Every asset an instrument trades gets a walk starting at its [market] price: the spot
  // price, else the mark of any instrument on it.
  for (AssetId asset = 0; asset < u.assets.size(); ++asset) {
    if (asset == u.base_currency) continue;
    bool traded = false;
    double price = cfg.market.spot_price[asset];
    for (InstrumentId i = 0; i < u.instruments.size(); ++i) {
      if (u.instruments[i].base != asset) continue;
      traded = true;
      if (!(price > 0.0) && cfg.market.mark[i] > 0.0) price = cfg.market.mark[i];
    }
    if (!traded) continue;
    if (!(price > 0.0))
      return bad_input(a.config + ": [market] prices: no price for asset " + u.assets[asset].name);
    sc.prices.assets.push_back(
        venue::AssetWalkConfig{u.assets[asset].name, price, a.volatility, 0.0, 0.0, 0.0, 0.0});
  }

  try {
    venue::VenueSimulation sim(u, sc);
    venue::VenueFixServerOptions so;
    so.fix.port = a.port;
    so.fix.store_path = a.store;
    so.fix.log_path = a.log;
    so.client_account = venue::AccountConfig{"", a.cash, false, false};
    venue::VenueFixServer server(sim, so);

    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    try {
      server.start();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ballast-venue: %s\n", e.what());
      return kExitRuntime;
    }
    std::printf("ballast-venue: FIX 4.4 on port %d (VENUE <- BALLAST), %zu instruments\n",
                a.port, u.instruments.size());
    std::fflush(stdout);

    const auto wall0 = std::chrono::steady_clock::now();
    auto next = wall0;
    while (!g_stop.load()) {
      next += std::chrono::milliseconds(10);
      std::this_thread::sleep_until(next);
      const auto elapsed = std::chrono::steady_clock::now() - wall0;
      server.step_to(start_ns + std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
      if (a.duration_s > 0.0 && std::chrono::duration<double>(elapsed).count() >= a.duration_s)
        break;
      if (std::chrono::steady_clock::now() > next + std::chrono::milliseconds(100))
        next = std::chrono::steady_clock::now();  // fell behind: do not try to catch up
    }
    server.stop();
    const venue::VenueFixCounters c = server.counters();
    std::printf(
        "ballast-venue: stopped: logons=%llu orders=%llu cancels=%llu replaces=%llu "
        "malformed=%llu reports=%llu send_failures=%llu\n",
        static_cast<unsigned long long>(c.logons), static_cast<unsigned long long>(c.orders),
        static_cast<unsigned long long>(c.cancels), static_cast<unsigned long long>(c.replaces),
        static_cast<unsigned long long>(c.malformed),
        static_cast<unsigned long long>(c.reports_sent),
        static_cast<unsigned long long>(c.send_failures));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ballast-venue: %s\n", e.what());
    return kExitRuntime;
  }
  return kExitOk;
}
