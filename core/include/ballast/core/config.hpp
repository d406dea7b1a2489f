// Ballast's configuration: the TOML file of DESIGN.md loaded into the indexed model,
// with every problem reported as one line naming file, line, key and what is wrong.
// Loading is start-up work; nothing here runs on the hot path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Where market data comes from in `ballast run` ([feed]).
// fix: MarketDataRequest on the FIX session of [orders] (route = "fix"), see
// docs/fix-dialect.md. websocket: the [websocket] market streams (venues routed over
// WebSocket always take their market data from there, whatever kind says).
enum class FeedKind : std::uint8_t { none, replay, fix, websocket };
enum class ReplayPaceKind : std::uint8_t { recorded, fixed_rate, as_fast_as_possible };
struct FeedConfig {
  FeedKind kind = FeedKind::none;
  std::string file;  // replay CSV, resolved relative to the config file's directory
  ReplayPaceKind pace = ReplayPaceKind::recorded;
  double rate_per_s = 0.0;  // fixed_rate only
  bool loop = false;        // start over at the end (timestamps keep increasing)
};

// Where orders go in `ballast run` ([orders]). websocket: the Binance USDⓈ-M WebSocket API
// of [websocket] for every venue; with route = "fix" and [websocket] venues = [...], the
// listed venues go over WebSocket and the rest over FIX (docs/binance-dialect.md).
enum class OrderRouteKind : std::uint8_t { loopback, fix, websocket };
struct OrderRouteConfig {
  OrderRouteKind kind = OrderRouteKind::loopback;
  // fix: a QuickFIX settings file with one FIX.4.4 initiator session (resolved against the
  // config file's directory); host/port/store override what the file says.
  std::string fix_settings;
  std::string fix_host;
  // Username (553) / Password (554) for the Logon: a TOML file (username, password) of
  // mode 0600/0400, like [websocket] credentials_file. Empty: no credentials on Logon.
  std::string fix_credentials_file;
  // FIX is plain TCP here: a host off this machine needs allow_plaintext = true (and a TLS
  // tunnel such as stunnel on loopback is the documented way, docs/fix-dialect.md).
  bool allow_plaintext = false;
  int fix_port = 0;
  std::string fix_store;
  bool time_in_force_gtc = false;  // default IOC: a hedge is marketable or nothing
  // fix_store_kind: where QuickFIX keeps sequence numbers and sent messages. async-file
  // (default): FileStore's files, sequence numbers written before each send returns and
  // messages by a background thread every fix_store_flush_ms; file: QuickFIX's FileStore
  // (every write on the sending thread); memory / null: nothing survives a restart.
  enum class Store : std::uint8_t { async_file, file, memory, null };
  Store fix_store_kind = Store::async_file;
  int fix_store_flush_ms = 10;
};

// [websocket]: the Binance USDⓈ-M dialect over WebSocket (gateways/net + gateways/binance).
// Market data for its venues always comes from its streams (the engine trades on live
// prices only); orders go over the WebSocket API, fills come from the user-data stream.
enum class WsIdleKind : std::uint8_t { busy_poll, blocking };
struct WebSocketRouteConfig {
  bool present = false;            // a [websocket] table was given
  std::string host = "127.0.0.1";  // resolved once at start, never on the hot path
  int port = 0;                    // not given, with an embedded venue: [venue] ws_port
  bool tls = false;                // wss: certificate and host name verified, TLS 1.2+
  // A host off this machine without TLS would carry the API key and signed orders in the
  // clear: refused unless this names the risk (a tunnel does the encryption, say).
  bool allow_plaintext = false;
  std::string ca_file;                   // PEM bundle; "" = the system's trust store
  std::string server_name;               // SNI and the name verified; "" = host
  std::string market_path = "/stream";   // combined market streams
  std::string api_path = "/ws-fapi/v1";  // WebSocket API (orders, depth, user data)
  // API key and secret: a TOML file (api_key, api_secret) of mode 0600/0400, else the
  // environment (BALLAST_API_KEY, BALLAST_API_SECRET). Never in this config.
  std::string credentials_file;
  std::int64_t recv_window_ms = 5000;
  std::vector<std::string> venues;  // venues routed here; empty with route = "websocket": all
  WsIdleKind idle = WsIdleKind::busy_poll;
  int connect_timeout_ms = 3000;
  int reconnect_min_ms = 100;  // back-off: capped exponential with jitter
  int reconnect_max_ms = 5000;
  std::int64_t max_message_bytes = 1 << 20;  // a bigger message closes the connection (1009)
};

// [venue]: the venue simulator, run inside `ballast run` (embedded = true) or read by
// `ballast-venue` (its command-line flags override these). Plain data: sim turns it
// into a simulation.
struct VenueSimConfig {
  bool present = false;   // a [venue] table was given
  bool embedded = false;  // `ballast run` starts the simulator in-process
  int port = 9878;        // FIX acceptor port
  std::string store_dir;  // QuickFIX FileStore of the acceptor ("" = state_dir/venue or a temp)
  std::uint64_t seed = 1;
  double volatility = 0.5;              // annualised, every asset
  double correlation = 0.0;             // pairwise between asset walks, in [-1, 1)
  double jump_per_day = 0.0;            // expected jumps per simulated day
  double jump_size = 0.0;               // jump size, as a fraction (sign random)
  double speed = 1.0;                   // simulated seconds per wall second
  std::int64_t funding_interval_s = 0;  // > 0 overrides every perpetual's interval
  double cash = 0.0;      // the FIX client's starting cash; 0 = [portfolio] margin_balance
  std::string feed_file;  // replay CSV for the venue's marks instead of random walks
  double tick_interval_ms = 100.0;  // market data publication period
  // Quote size per level of the market maker, in quote currency (0: its default of 10
  // lots, thin for a hedge of tens of thousands); five levels a side.
  double depth_notional = 0.0;
  // Faults at wall-clock seconds since the venue started, "SECONDS COMMAND"
  // (commands: docs/fix-dialect.md).
  std::vector<std::string> faults;
  // The WebSocket server (sim/ws): 0 = none. TLS when both PEM files are given.
  int ws_port = 0;
  std::string ws_cert_file;
  std::string ws_key_file;
  // The API key it accepts and the secret it checks signatures with (TOML: api_key,
  // api_secret, optional account), mode 0600/0400; "" = BALLAST_API_KEY/BALLAST_API_SECRET.
  std::string ws_credentials_file;
  std::int64_t ws_recv_window_ms = 5000;  // the largest recvWindow accepted
};

// [control]: the operator's Unix socket (docs/control-protocol.md). Absent: no socket, the
// engine runs unattended as before.
struct ControlConfig {
  bool present = false;   // a [control] table was given
  std::string socket;     // resolved against the config file's directory; fits sun_path
  std::string audit_log;  // default: control-audit.log in the socket's directory
  int snapshot_ms = 100;  // how often the idle engine publishes a snapshot, 20..1000
};

struct BallastConfig {
  std::string source_path;
  Universe universe;
  TargetTable targets{};
  PolicyConfig policy;
  RiskLimits risk;
  PortfolioState portfolio;
  std::optional<std::int64_t> last_rebalance_unix_s;  // [portfolio] last_rebalance
  // [portfolio] margin_balance: the futures wallet balance; when absent it defaults to cash.
  std::optional<double> margin_balance;
  MarketState market;
  OpenOrderSet open_orders;                         // [portfolio] open_orders
  std::optional<std::int64_t> market_as_of_unix_s;  // [market] as_of
  std::vector<ThreadSpec> threads;  // [[thread]]; defaulted from the CPU count when absent
  FeedConfig feed;                  // [feed]
  OrderRouteConfig orders;          // [orders]
  VenueSimConfig venue;             // [venue]
  WebSocketRouteConfig websocket;   // [websocket]
  ControlConfig control;            // [control]
  std::string state_dir;            // [engine] state_dir: persisted client order id base
  int market_line = 0;              // line of [market] in the file, for planning diagnostics
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

struct ConfigLoadResult {
  std::optional<BallastConfig> config;  // set only when errors is empty
  std::vector<ConfigError> errors;
  [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

// What the loader checks [[thread]] against. An empty usable_cpus means this process's
// affinity mask (sched_getaffinity); tests pass a list so results do not depend on the
// machine they run on.
struct ConfigParseOptions {
  std::vector<int> usable_cpus;
};

// Parses TOML text and validates it. file_name is used in messages and to resolve the
// relative paths the file names (feed.file, engine.state_dir) against its directory.
[[nodiscard]] ConfigLoadResult parse_config(std::string_view toml_text,
                                            const std::string& file_name);
[[nodiscard]] ConfigLoadResult parse_config(std::string_view toml_text,
                                            const std::string& file_name,
                                            const ConfigParseOptions& options);
// Reads and parses a file; a missing or unreadable file is a ConfigError naming the path.
[[nodiscard]] ConfigLoadResult load_config_file(const std::string& path);
[[nodiscard]] ConfigLoadResult load_config_file(const std::string& path,
                                                const ConfigParseOptions& options);

// Checks needed only to plan from the [market] snapshot: every instrument has a price,
// every asset with a target or a holding has a spot price.
[[nodiscard]] std::vector<ConfigError> validate_for_planning(const BallastConfig& config);

// The QuickFIX SSL settings (SSLProtocol, CertificateAuthoritiesFile, ...) named in a
// QuickFIX settings file's text, each once: Ballast's FIX session is plain TCP, so these
// would be silently ignored and are refused instead (docs/fix-dialect.md, Transport).
[[nodiscard]] std::vector<std::string> quickfix_ssl_keys_in(std::string_view settings);

// 127.0.0.0/8, ::1 and "localhost": traffic that never leaves the machine.
[[nodiscard]] bool is_loopback_host(std::string_view host) noexcept;

}  // namespace ballast
