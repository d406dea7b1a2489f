// Ballast's configuration: the TOML file of DESIGN.md loaded into the indexed model,
// with every problem reported as one line naming file, line, key and what is wrong.
// Loading is start-up work; nothing here runs on the hot path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ballast/core/config_section.hpp"
#include "ballast/core/model.hpp"

namespace ballast {

enum class TriggerMode : std::uint8_t { threshold, calendar, both };
enum class RebalanceTo : std::uint8_t { target, band_edge };
enum class HedgeMethod : std::uint8_t { hedge, synthetic_pair, spot };

[[nodiscard]] const char* to_string(TriggerMode m) noexcept;
[[nodiscard]] const char* to_string(RebalanceTo r) noexcept;
[[nodiscard]] const char* to_string(HedgeMethod m) noexcept;

struct PolicyConfig {
  TriggerMode trigger = TriggerMode::threshold;
  RebalanceTo rebalance_to = RebalanceTo::target;
  HedgeMethod method = HedgeMethod::hedge;
  double hedge_ratio = 1.0;
  double min_order_notional = 10.0;  // in the base currency
  double max_cost_bps = 20.0;        // estimated cost / notional, in bps
  std::int64_t calendar_interval_s = 0;
  double default_spread_bps = 2.0;        // assumed full spread when no book is given
  std::int64_t carry_horizon_s = 604800;  // horizon for choosing the cheapest hedge
  // The no-trade region around the wanted futures exposure, as a fraction of the asset's
  // band: a gap |F* - F| below rebalance_tolerance * band * NAV is left alone. It is the
  // hysteresis that keeps a plan from chasing its own fees (docs/domain-decisions.md).
  double rebalance_tolerance = 0.1;
  // The value, in NAV, of one unit of tracking error (sum of squared drifts): an
  // adjustment trades only when tracking_error_aversion * NAV * (TE before - TE after)
  // exceeds what it costs (Seed 004: act only when the benefit outweighs the cost).
  double tracking_error_aversion = 1.0;
  // A dated future this close to expiry (or past it) is never opened or added to.
  std::int64_t roll_before_s = 3 * 86400;
  bool allow_spot_short = false;  // the spot method may sell more than is held
};

// [recovery]: how the engine squares what it believes it holds (journal, [portfolio])
// with what each venue says it holds. Read at start; a reload that changes it is told a
// restart is needed.
struct RecoveryConfig {
  // A venue's position differs from the engine's: adopt the venue's (it is authoritative
  // for what is held) and go on, or adopt it and halt until the operator resumes.
  bool halt_on_mismatch = false;
  // Ask every connected venue for its positions this often while running (0: only after
  // each logon). Skipped while orders are in flight there (their fills are in motion).
  double check_s = 60.0;
  // No complete answer this long after asking: the venue stays untradable and the status
  // says so (a query that fails is never taken as "flat").
  double timeout_s = 10.0;
  // false: no venue is asked (one that cannot answer positions requests): the engine then
  // trusts its journal, as before reconciliation existed. Said on start.
  bool reconcile = true;
};

struct RiskLimits {
  double max_leverage = 3.0;
  double min_liquidation_distance = 0.25;
  double max_margin_utilization = 0.5;
  double max_asset_weight = 1.0;
  double max_order_notional = 1e12;
  double price_collar_bps = 50.0;
  double max_orders_per_second = 10.0;
  double max_orders_per_minute =
      600.0;  // venues limit both windows (Binance: per 10 s and per minute)
  std::int64_t max_md_staleness_ms = 500;
  // [risk] on_session_loss: after a venue session drops and its orders' status is known
  // again, resume trading ("resume") or stay halted until an operator resumes ("halt").
  bool halt_on_session_loss = false;
  // [risk] collateral = { BTC = 0.95 }: spot assets that count toward the USD-M futures
  // wallet at that value ratio (multi-asset margin). Absent assets count 0.
  std::array<double, kMaxAssets> collateral_ratio{};
  // Circuit breakers (docs/risk-model.md). Each is a named risk check that denies orders
  // adding exposure (orders that only reduce a position still go) and raises an alert;
  // the reject breaker also halts. The day is the UTC day; resume re-arms the breakers.
  std::int64_t max_consecutive_rejects = 5;  // venue rejects in a row -> HALTED
  double max_daily_fees_bps = 25.0;          // fees paid today, bps of the day's first NAV
  double max_daily_turnover = 5.0;           // notional traded today / the day's first NAV
  double max_drawdown = 0.10;                // NAV below the day's high by this fraction
  // A tick whose price moved more than this fraction from the last accepted one, and
  // from the venue's index when the tick carries one, is held until a second tick
  // confirms it; orders using a held price are denied (price_jump).
  double max_price_jump = 0.05;
};

// Hard ranges of every [risk] key, checked at load and at reload: no value can switch a
// limit off. Loosening a limit live needs `reload` with confirm (docs/control-protocol.md).
struct RiskLimitCeilings {
  static constexpr double max_leverage = 125.0;
  static constexpr double min_liquidation_distance_floor = 0.01;
  static constexpr double max_order_notional = 1e12;
  static constexpr double price_collar_bps = 1000.0;
  static constexpr double max_orders_per_second = 10'000.0;
  static constexpr double max_orders_per_minute = 600'000.0;
  static constexpr std::int64_t max_md_staleness_ms = 60'000;
  static constexpr std::int64_t max_consecutive_rejects = 1000;
  static constexpr double max_daily_fees_bps = 1000.0;
  static constexpr double max_daily_turnover = 100.0;
  static constexpr double max_drawdown = 1.0;
  static constexpr double max_price_jump = 1.0;
};

// How an agent thread waits when it has no work: spinning (lowest latency, burns the
// core), yielding to the scheduler, or backing off from spin to yield to short sleeps.
enum class IdleKind : std::uint8_t { spin, yield, backoff };
enum class AgentKind : std::uint8_t { market_data, engine, orders };
[[nodiscard]] const char* to_string(IdleKind k) noexcept;
[[nodiscard]] const char* to_string(AgentKind k) noexcept;

// [[thread]]: which agents share a thread, the CPU it is pinned to, how it idles.
struct ThreadSpec {
  std::string name;
  std::vector<AgentKind> agents;
  int cpu = -1;  // -1: not pinned
  IdleKind idle = IdleKind::spin;
};

struct BallastConfig {
  std::string source_path;
  Universe universe;
  TargetTable targets{};
  PolicyConfig policy;
  RiskLimits risk;
  RecoveryConfig recovery;
  PortfolioState portfolio;
  std::optional<std::int64_t> last_rebalance_unix_s;  // [portfolio] last_rebalance
  // [portfolio] margin_balance: the futures wallet balance; when absent it defaults to cash.
  std::optional<double> margin_balance;
  MarketState market;
  OpenOrderSet open_orders;                         // [portfolio] open_orders
  std::optional<std::int64_t> market_as_of_unix_s;  // [market] as_of
  std::vector<ThreadSpec> threads;  // [[thread]]; defaulted from the CPU count when absent
  std::string state_dir;            // [engine] state_dir: persisted client order id base
  int market_line = 0;              // line of [market] in the file, for planning diagnostics
  // Every key of the tables other modules own ([orders], [venue], ...) as "table.key" and
  // its `key = value` text as written, sorted: a reload tells from these which of them
  // changed (each needs a restart) without knowing those modules' types.
  std::vector<std::pair<std::string, std::string>> module_keys;
};

// One problem in a config file. Printed as `file:line: key: problem` (line omitted when
// unknown), one per line, so an operator sees every bad key at once.
struct ConfigError {
  std::string file;
  int line = 0;
  std::string key;
  std::string problem;
  [[nodiscard]] std::string to_string() const;
};

template <class Config>
struct LoadResult {
  std::optional<Config> config;  // set only when errors is empty
  std::vector<ConfigError> errors;
  [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};
using ConfigLoadResult = LoadResult<BallastConfig>;

// What the loader checks [[thread]] against. An empty usable_cpus means this process's
// affinity mask (sched_getaffinity); tests pass a list so results do not depend on the
// machine they run on.
struct ConfigParseOptions {
  std::vector<int> usable_cpus;
};

// Parses TOML text and validates it: core's domain tables, then the tables `schema`
// registers (ballast/core/config_section.hpp); any other table is an error. file_name is
// used in messages and to resolve the relative paths the file names against its directory.
[[nodiscard]] ConfigLoadResult parse_config(std::string_view toml_text,
                                            const std::string& file_name);
[[nodiscard]] ConfigLoadResult parse_config(std::string_view toml_text,
                                            const std::string& file_name,
                                            const ConfigParseOptions& options);
[[nodiscard]] ConfigLoadResult parse_config(std::string_view toml_text,
                                            const std::string& file_name,
                                            const ConfigParseOptions& options,
                                            const ConfigSchema& schema);
// Reads and parses a file; a missing or unreadable file is a ConfigError naming the path.
[[nodiscard]] ConfigLoadResult load_config_file(const std::string& path);
[[nodiscard]] ConfigLoadResult load_config_file(const std::string& path,
                                                const ConfigParseOptions& options);
[[nodiscard]] ConfigLoadResult load_config_file(const std::string& path,
                                                const ConfigParseOptions& options,
                                                const ConfigSchema& schema);

// Core's tables of a file whose other tables belong to modules this caller does not read
// (benchmarks and tests that need a book): those pass unread; `ballast check-config`
// checks the whole file.
[[nodiscard]] ConfigLoadResult load_domain_config(const std::string& path);

// Checks needed only to plan from the [market] snapshot: every instrument has a price,
// every asset with a target or a holding has a spot price.
[[nodiscard]] std::vector<ConfigError> validate_for_planning(const BallastConfig& config);

}  // namespace ballast
