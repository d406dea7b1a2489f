// `ballast`: the engine's command line. Exit codes are a contract: 0 success, 1 a
// runtime failure, 2 bad input (arguments or config), with one line per problem.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/config.hpp"
#include "ballast/core/guarded_main.hpp"
#include "ballast/journal_command.hpp"
#include "ballast/plan_report.hpp"
#include "ballast/run_command.hpp"
#include "ballast/venue/venue_runner.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

constexpr const char* kUsage =
    "usage: ballast plan --config FILE [--json] [--now TIME] [--state STATE]\n"
    "       ballast run --config FILE [--duration S] [--json]\n"
    "       ballast reconcile --config FILE [--timeout S] [--json]\n"
    "       ballast check-config FILE\n"
    "       ballast journal show FILE [--json] [--from N] [--config FILE]\n"
    "       ballast --help | --version\n"
    "\n"
    "  plan          value the [portfolio] snapshot at [market] prices and print the\n"
    "                drift, trigger and planned hedge orders (--json: machine-readable)\n"
    "  run           the engine: [feed] market data through the pinned-thread pipeline,\n"
    "                risk-checked hedge orders to the [orders] route, until the feed\n"
    "                ends, --duration S elapses or SIGINT/SIGTERM; prints a summary\n"
    "  reconcile     connect to every venue, ask what it holds, print journal (or\n"
    "                [portfolio]) vs venue per instrument; trades nothing, writes no\n"
    "                journal; exit 1 when they differ or a venue does not answer\n"
    "                (default --timeout: [recovery] timeout_s + 10). Not beside a running\n"
    "                engine: it logs on with the same FIX session\n"
    "  check-config  validate a config file; exit 0 if good, 2 with one line per problem\n"
    "  journal show  the engine's journal ([journal] path) record by record, in words or\n"
    "                one JSON object per line; --config names the instruments; exit 1\n"
    "                when the file is corrupt (the offset is said)\n"
    "  --now TIME    evaluation time for calendar triggers and carry: RFC 3339 UTC\n"
    "                (2026-11-22T00:00:00Z) or Unix seconds; default: the wall clock\n"
    "  --state STATE trading state the risk checks assume: active (default), reducing\n"
    "                (only orders that shrink a futures position) or halted (nothing)\n";

int bad_argument(const std::string& message) {
  std::fprintf(stderr, "ballast: %s (see ballast --help)\n", message.c_str());
  return kExitBadInput;
}

int report_config_errors(const std::vector<ballast::ConfigError>& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  return kExitBadInput;
}

// RFC 3339 UTC ("2026-11-22T00:00:00Z") or integer Unix seconds.
std::optional<std::int64_t> parse_time(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return v;
  }
  std::tm tm{};
  const std::string s(text);
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || std::strcmp(end, "Z") != 0) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::int64_t wall_clock_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// [venue] is checked against the simulator too (symbols in fault commands, the replay
// file, prices for every traded asset): what the config loader cannot see from core.
std::vector<ballast::ConfigError> venue_errors(const ballast::tools::BallastFileConfig& c) {
  std::vector<ballast::ConfigError> errors;
  if (!c.venue.present) return errors;
  for (const std::string& e : ballast::venue::validate_venue_config(c, c.venue)) {
    // "venue.faults[0] ...: problem" -> key "venue.faults[0]", the rest as the problem.
    const std::size_t cut = e.rfind("venue", 0) == 0 ? e.find_first_of(" :") : 0;
    if (cut == 0 || cut == std::string::npos) {
      errors.push_back(ballast::ConfigError{c.source_path, 0, "venue", e});
      continue;
    }
    const std::size_t rest = e.find_first_not_of(": ", cut);
    errors.push_back(ballast::ConfigError{c.source_path, 0, e.substr(0, cut),
                                          rest == std::string::npos ? e : e.substr(rest)});
  }
  return errors;
}

std::string utc_text(std::int64_t unix_s) {
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Dated futures that may no longer be opened at `now_s`: expired, or inside the policy's
// roll window. A warning, not an error: a position in one must still be closable.
void warn_expiring(const ballast::BallastConfig& c, std::int64_t now_s) {
  for (const ballast::InstrumentSpec& spec : c.universe.instruments) {
    if (spec.kind != ballast::InstrumentKind::future || !spec.expiry_unix_s) continue;
    const std::int64_t expiry = *spec.expiry_unix_s;
    if (expiry <= now_s)
      std::fprintf(stderr,
                   "%s: warning: instrument %s expired at %s (now %s): it is never opened or "
                   "added to, only closed\n",
                   c.source_path.c_str(), spec.symbol.c_str(), utc_text(expiry).c_str(),
                   utc_text(now_s).c_str());
    else if (expiry - now_s <= c.policy.roll_before_s)
      std::fprintf(stderr,
                   "%s: warning: instrument %s expires at %s, inside policy.roll_before_s "
                   "(%lld s): it is never opened or added to, only closed\n",
                   c.source_path.c_str(), spec.symbol.c_str(), utc_text(expiry).c_str(),
                   static_cast<long long>(c.policy.roll_before_s));
  }
}

int run_check_config(const std::vector<std::string_view>& args) {
  if (args.size() != 1) return bad_argument("check-config: expected exactly one FILE argument");
  const auto result = ballast::tools::load_ballast_config(std::string(args[0]));
  if (!result.ok()) return report_config_errors(result.errors);
  const auto& c = *result.config;
  if (const auto errors = venue_errors(c); !errors.empty()) return report_config_errors(errors);
  warn_expiring(c, wall_clock_s());
  std::printf("%s: ok (%zu instruments, %zu assets, base %s)\n", c.source_path.c_str(),
              c.universe.instrument_count(), c.universe.asset_count(),
              c.universe.assets[c.universe.base_currency].name.c_str());
  return kExitOk;
}

int run_plan(const std::vector<std::string_view>& args) {
  std::optional<std::string> config_path;
  bool json = false;
  std::optional<std::int64_t> now_s;
  ballast::risk::TradingState state = ballast::risk::TradingState::active;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--json") {
      json = true;
    } else if (a == "--config" || a == "--now" || a == "--state") {
      if (i + 1 >= args.size()) return bad_argument("plan: " + std::string(a) + " needs a value");
      const std::string_view v = args[++i];
      if (a == "--config") {
        config_path = std::string(v);
      } else if (a == "--state") {
        if (v == "active") {
          state = ballast::risk::TradingState::active;
        } else if (v == "reducing") {
          state = ballast::risk::TradingState::reducing;
        } else if (v == "halted") {
          state = ballast::risk::TradingState::halted;
        } else {
          return bad_argument("plan: --state '" + std::string(v) +
                              "' is not one of active, reducing, halted");
        }
      } else {
        now_s = parse_time(v);
        if (!now_s)
          return bad_argument("plan: --now '" + std::string(v) +
                              "' is not RFC 3339 UTC (2026-11-22T00:00:00Z) or Unix seconds");
      }
    } else {
      return bad_argument("plan: unknown argument '" + std::string(a) + "'");
    }
  }
  if (!config_path) return bad_argument("plan: --config FILE is required");

  const auto result = ballast::tools::load_ballast_config(*config_path);
  if (!result.ok()) return report_config_errors(result.errors);
  const ballast::BallastConfig& config = *result.config;
  if (const auto errors = ballast::validate_for_planning(config); !errors.empty())
    return report_config_errors(errors);

  auto report = std::make_unique<ballast::tools::PlanReport>();
  const std::int64_t now = now_s.value_or(wall_clock_s());
  warn_expiring(config, now);
  ballast::tools::compute_plan(config, now, state, *report);
  if (report->plan.nav_nonpositive) {
    std::fprintf(stderr,
                 "%s: NAV %.2f %s <= 0: the book owes more than it holds; nothing "
                 "can be rebalanced (the engine halts on it)\n",
                 config.source_path.c_str(), report->valuation.nav,
                 config.universe.assets[config.universe.base_currency].name.c_str());
    return kExitFailure;
  }
  if (report->plan.size_overflow) {
    for (std::size_t k = 0; k < report->plan.skipped_count; ++k) {
      const ballast::SkippedAdjustment& sk = report->plan.skipped[k];
      if (sk.reason != ballast::SkipReason::size_overflow) continue;
      const ballast::InstrumentSpec& spec = config.universe.instruments[sk.instrument];
      std::fprintf(stderr,
                   "%s: order %s %s %.10g contracts: the lot count does not fit (more than "
                   "%.10g contracts, 2^53 lots of %s); is [portfolio] or [market] right?\n",
                   config.source_path.c_str(), spec.symbol.c_str(),
                   sk.notional > 0 ? "buy" : "sell", sk.value, sk.limit,
                   spec.lot_size.to_string().c_str());
    }
    return kExitBadInput;
  }
  const std::string text = json ? ballast::tools::render_plan_json(config, *report)
                                : ballast::tools::render_plan_text(config, *report);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

int run_run(const std::vector<std::string_view>& args) {
  std::optional<std::string> config_path;
  ballast::tools::RunOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--json") {
      options.json = true;
    } else if (a == "--config" || a == "--duration") {
      if (i + 1 >= args.size()) return bad_argument("run: " + std::string(a) + " needs a value");
      const std::string_view v = args[++i];
      if (a == "--config") {
        config_path = std::string(v);
      } else {
        double seconds = 0;
        const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
        if (ec != std::errc{} || ptr != v.data() + v.size() || !(seconds > 0) || seconds > 1e7)
          return bad_argument("run: --duration '" + std::string(v) +
                              "' is not a number of seconds > 0");
        options.duration_s = seconds;
      }
    } else {
      return bad_argument("run: unknown argument '" + std::string(a) + "'");
    }
  }
  if (!config_path) return bad_argument("run: --config FILE is required");
  const auto result = ballast::tools::load_ballast_config(*config_path);
  if (!result.ok()) return report_config_errors(result.errors);
  if (result.config->venue.embedded)
    if (const auto errors = venue_errors(*result.config); !errors.empty())
      return report_config_errors(errors);
  return ballast::tools::run_command(*result.config, options);
}

// `ballast reconcile --config FILE [--timeout S] [--json]`.
int run_reconcile(const std::vector<std::string_view>& args) {
  std::optional<std::string> config_path;
  std::optional<double> timeout_s;
  bool json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--json") {
      json = true;
    } else if (a == "--config" || a == "--timeout") {
      if (i + 1 >= args.size())
        return bad_argument("reconcile: " + std::string(a) + " needs a value");
      const std::string_view v = args[++i];
      if (a == "--config") {
        config_path = std::string(v);
        continue;
      }
      double seconds = 0;
      const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
      if (ec != std::errc{} || ptr != v.data() + v.size() || !(seconds > 0) || seconds > 3600)
        return bad_argument("reconcile: --timeout '" + std::string(v) +
                            "' is not a number of seconds in (0, 3600]");
      timeout_s = seconds;
    } else {
      return bad_argument("reconcile: unknown argument '" + std::string(a) + "'");
    }
  }
  if (!config_path) return bad_argument("reconcile: --config FILE is required");
  const auto result = ballast::tools::load_ballast_config(*config_path);
  if (!result.ok()) return report_config_errors(result.errors);
  if (result.config->orders.kind == ballast::OrderRouteKind::loopback)
    return bad_argument("reconcile: " + *config_path +
                        ": [orders] route is loopback: there is no venue to ask");
  return ballast::tools::reconcile_command(
      *result.config, timeout_s.value_or(result.config->recovery.timeout_s + 10.0), json);
}

}  // namespace

static int run_main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return kExitBadInput;
  }
  const std::string_view command = args.front();
  const std::vector<std::string_view> rest(args.begin() + 1, args.end());
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (command == "--version") {
    std::puts("ballast 0.1.0");
    return kExitOk;
  }
  if (command == "plan") return run_plan(rest);
  if (command == "run") return run_run(rest);
  if (command == "reconcile") return run_reconcile(rest);
  if (command == "check-config") return run_check_config(rest);
  if (command == "journal") return ballast::tools::run_journal_command(rest);
  return bad_argument("unknown command '" + std::string(command) + "'");
}

int main(int argc, char** argv) {
  return ballast::run_guarded_main("ballast", run_main, argc, argv);
}
