#include "ballast/run_command.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>

#include "ballast/control/control_server.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/core/control.hpp"
#include "ballast/core/json_writer.hpp"
#include "ballast/core/loopback_venue.hpp"
#include "ballast/core/pipeline.hpp"
#include "ballast/core/replay_source.hpp"
#include "ballast/core/venue_routing.hpp"
#include "ballast/gateways/binance_market_data_feed.hpp"
#include "ballast/gateways/binance_order_gateway.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"
#include "ballast/risk/risk_gate.hpp"
#include "ballast/venue/venue_runner.hpp"

namespace ballast::tools {
namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
  g_signal.store(sig);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Adapts the replay file to the pipeline's TickSource seam.
class ReplayFeed final : public TickSource {
 public:
  explicit ReplayFeed(ReplayTickSource& replay) noexcept : replay_(replay) {}
  bool poll(std::int64_t now_ns, MarketTick& out) noexcept override {
    return replay_.poll(now_ns, out);
  }
  [[nodiscard]] bool exhausted() const noexcept override { return replay_.exhausted(); }

 private:
  ReplayTickSource& replay_;
};

std::int64_t wall_offset_ns() {
  timespec real{};
  clock_gettime(CLOCK_REALTIME, &real);
  const std::int64_t mono = monotonic_ns();
  return static_cast<std::int64_t>(real.tv_sec) * 1'000'000'000 + real.tv_nsec - mono;
}

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

void write_percentiles(JsonWriter& j, const char* key, const LatencyHistogram& h) {
  j.key(key).begin_object();
  j.field("count", static_cast<long long>(h.count()));
  j.field("p50", static_cast<long long>(h.percentile(50)));
  j.field("p90", static_cast<long long>(h.percentile(90)));
  j.field("p99", static_cast<long long>(h.percentile(99)));
  j.field("p999", static_cast<long long>(h.percentile(99.9)));
  j.field("max", static_cast<long long>(h.max()));
  j.end_object();
}

void write_fix_counters(JsonWriter& j, const gateways::FixGatewayCounters& c, int next_seq_out) {
  auto n = [](std::uint64_t v) { return static_cast<long long>(v); };
  j.key("fix").begin_object();
  j.field("logons", n(c.logons));
  j.field("disconnects", n(c.disconnects));
  j.field("orders_sent", n(c.orders_sent));
  j.field("not_logged_on", n(c.not_logged_on));
  j.field("send_failures", n(c.send_failures));
  j.field("reports_queued", n(c.reports_queued));
  j.field("reports_dropped", n(c.reports_dropped));
  j.field("malformed", n(c.malformed));
  j.field("unsupported", n(c.unsupported));
  j.field("resends_suppressed", n(c.resends_suppressed));
  j.field("session_rejects", n(c.session_rejects));
  j.field("status_queries_sent", n(c.status_queries_sent));
  j.field("status_reports", n(c.status_reports));
  j.field("funding_reports", n(c.funding_reports));
  j.field("duplicates", n(c.duplicates));
  j.field("md_requests_sent", n(c.md_requests_sent));
  j.field("md_snapshots", n(c.md_snapshots));
  j.field("md_incrementals", n(c.md_incrementals));
  j.field("md_ticks", n(c.md_ticks));
  j.field("md_malformed", n(c.md_malformed));
  j.field("md_unknown_symbol", n(c.md_unknown_symbol));
  j.field("next_sender_seq_num", static_cast<long long>(next_seq_out));
  j.end_object();
}

void write_venue_summary(JsonWriter& j, const venue::VenueRunSummary& v) {
  auto n = [](std::uint64_t x) { return static_cast<long long>(x); };
  j.key("venue").begin_object();
  j.field("sim_seconds", v.sim_seconds);
  j.field("orders", n(v.counters.orders));
  j.field("status_requests", n(v.counters.status_requests));
  j.field("funding_messages", n(v.counters.funding_messages));
  j.field("faults", n(v.counters.faults));
  if (v.ws_enabled) {
    j.key("ws").begin_object();
    j.field("port", static_cast<long long>(v.ws_port));
    j.field("connections", n(v.ws.connections));
    j.field("orders", n(v.ws.orders));
    j.field("status_requests", n(v.ws.status_requests));
    j.field("depth_requests", n(v.ws.depth_requests));
    j.field("rejects", n(v.ws.rejects));
    j.key("rejects_by_code").begin_object();
    for (const auto& [code, count] : v.ws.rejects_by_code) j.field(std::to_string(code), n(count));
    j.end_object();
    j.field("md_messages", n(v.ws.md_messages));
    j.field("user_messages", n(v.ws.user_messages));
    j.field("drops", n(v.ws.drops));
    j.end_object();
  }
  j.key("clients").begin_array();
  for (const venue::VenueClientSummary& c : v.clients) {
    j.begin_object();
    j.field("session", c.session);
    j.field("cash", c.cash);
    j.field("fees_paid", c.fees_paid);
    j.field("funding_received", c.funding_received);
    j.field("funding_paid", c.funding_paid);
    j.key("positions").begin_object();
    for (const auto& p : c.positions) j.field(p.symbol, p.contracts);
    j.end_object();
    j.end_object();
  }
  j.end_array();
  j.end_object();
}

// One venue over the Binance WebSocket dialect: its orders and its market data.
struct WebSocketVenue {
  VenueId venue = 0;
  std::unique_ptr<gateways::BinanceOrderGateway> orders;
  std::unique_ptr<gateways::BinanceMarketDataFeed> market_data;
};

// The order routes: loopback, or FIX for the venues not routed over WebSocket plus one
// WebSocket gateway pair per [websocket] venue; `sink` is what the pipeline sends to.
struct Route {
  std::unique_ptr<LoopbackVenue> loopback;
  std::unique_ptr<gateways::FixOrderGateway> fix;
  VenueId fix_venue = 0;
  std::vector<WebSocketVenue> websocket;
  std::unique_ptr<VenueRoutedSink> router;
  OrderSink* sink = nullptr;
};

// The venues that go over WebSocket: [websocket] venues, or with route = "websocket"
// every venue that has a derivative to hedge with.
std::vector<VenueId> websocket_venues(const BallastConfig& config) {
  std::vector<VenueId> out;
  if (!config.websocket.present) return out;
  const Universe& u = config.universe;
  for (VenueId v = 0; v < u.venues.size(); ++v) {
    bool listed =
        config.websocket.venues.empty() ? config.orders.kind == OrderRouteKind::websocket : false;
    for (const std::string& name : config.websocket.venues) listed = listed || name == u.venues[v];
    if (!listed) continue;
    for (const InstrumentSpec& i : u.instruments)
      if (i.venue == v && i.is_derivative()) {
        out.push_back(v);
        break;
      }
  }
  return out;
}

// An embedded simulator with WebSocket venues and no credentials given gets a one-off
// random key pair, set in this process's environment, where the simulator and the
// gateways both read it; it is never written anywhere. False if no randomness.
bool ensure_demo_credentials(const BallastConfig& config) {
  const WebSocketRouteConfig& w = config.websocket;
  if (!config.venue.embedded || websocket_venues(config).empty() || !w.credentials_file.empty() ||
      !config.venue.ws_credentials_file.empty() || std::getenv("BALLAST_API_KEY") != nullptr ||
      std::getenv("BALLAST_API_SECRET") != nullptr)
    return true;
  unsigned char raw[48];
  if (RAND_bytes(raw, sizeof raw) != 1) return false;
  static const char hex[] = "0123456789abcdef";
  std::string key = "demo-", secret;
  for (int k = 0; k < 16; ++k) key += hex[raw[k] & 15];
  for (int k = 16; k < 48; ++k) {
    secret += hex[raw[k] >> 4];
    secret += hex[raw[k] & 15];
  }
  setenv("BALLAST_API_KEY", key.c_str(), 1);
  setenv("BALLAST_API_SECRET", secret.c_str(), 1);
  OPENSSL_cleanse(secret.data(), secret.size());
  return true;
}

// API key and secret for the WebSocket venues: the credentials file, else the environment.
std::optional<binance::ApiCredentials> websocket_credentials(const BallastConfig& config) {
  binance::CredentialsLoadResult r =
      binance::load_api_credentials(config.websocket.credentials_file);
  if (!r.credentials) {
    std::fprintf(stderr, "%s: websocket.credentials_file: %s\n", config.source_path.c_str(),
                 r.error.c_str());
    return std::nullopt;
  }
  return std::move(r.credentials);
}

gateways::BinanceConnectionOptions websocket_connection(const BallastConfig& config) {
  const WebSocketRouteConfig& w = config.websocket;
  gateways::BinanceConnectionOptions c;
  c.host = w.host;
  c.server_name = w.server_name;
  c.port = static_cast<std::uint16_t>(w.port != 0 ? w.port : config.venue.ws_port);
  if (config.venue.embedded && w.host.empty()) c.host = "127.0.0.1";
  c.tls = w.tls;
  c.ca_file = w.ca_file;
  c.market_path = w.market_path;
  c.api_path = w.api_path;
  c.idle = w.idle == WsIdleKind::busy_poll ? net::IdleMode::busy_poll : net::IdleMode::blocking;
  c.connect_timeout_ns = static_cast<std::int64_t>(w.connect_timeout_ms) * 1'000'000;
  c.reconnect_min_ns = static_cast<std::int64_t>(w.reconnect_min_ms) * 1'000'000;
  c.reconnect_max_ns = static_cast<std::int64_t>(w.reconnect_max_ms) * 1'000'000;
  c.max_message_bytes = static_cast<std::size_t>(w.max_message_bytes);
  return c;
}

std::optional<Route> make_route(const BallastConfig& config) {
  Route r;
  if (config.orders.kind == OrderRouteKind::loopback) {
    r.loopback = std::make_unique<LoopbackVenue>(config.universe);
    r.sink = r.loopback.get();
    return r;
  }
  const std::vector<VenueId> ws_venues = websocket_venues(config);
  auto over_ws = [&](VenueId v) {
    return std::find(ws_venues.begin(), ws_venues.end(), v) != ws_venues.end();
  };
  if (!ws_venues.empty()) {
    std::optional<binance::ApiCredentials> credentials = websocket_credentials(config);
    if (!credentials) return std::nullopt;
    for (VenueId v : ws_venues) {
      WebSocketVenue w;
      w.venue = v;
      gateways::BinanceOrderGatewayOptions o;
      o.connection = websocket_connection(config);
      o.credentials.api_key = credentials->api_key;
      o.credentials.api_secret = binance::ApiSecret(credentials->api_secret.reveal());
      o.recv_window_ms = config.websocket.recv_window_ms;
      o.time_in_force = config.orders.time_in_force_gtc ? binance::BinanceTimeInForce::gtc
                                                        : binance::BinanceTimeInForce::ioc;
      o.venue = v;
      gateways::BinanceMarketDataOptions m;
      m.connection = o.connection;
      m.venue = v;
      try {
        w.orders = std::make_unique<gateways::BinanceOrderGateway>(config.universe, std::move(o));
        w.market_data = std::make_unique<gateways::BinanceMarketDataFeed>(config.universe, m);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: websocket: %s\n", config.source_path.c_str(), e.what());
        return std::nullopt;
      }
      r.websocket.push_back(std::move(w));
    }
  }
  // FIX for whatever is left: a route = "fix" config whose venues are not all WebSocket.
  bool fix_needed = false;
  for (const InstrumentSpec& i : config.universe.instruments)
    if (!over_ws(i.venue)) {
      fix_needed = fix_needed || config.orders.kind == OrderRouteKind::fix;
      if (fix_needed) {
        r.fix_venue = i.venue;
        break;
      }
    }
  if (fix_needed) {
    gateways::FixGatewayOptions o;
    o.settings_path = config.orders.fix_settings;
    o.host_override = config.orders.fix_host;
    o.port_override = config.orders.fix_port;
    o.store_path_override = config.orders.fix_store;
    o.time_in_force = config.orders.time_in_force_gtc ? gateways::FixTimeInForce::gtc
                                                      : gateways::FixTimeInForce::ioc;
    o.subscribe_market_data = config.feed.kind == FeedKind::fix;
    switch (config.orders.fix_store_kind) {
      case OrderRouteConfig::Store::async_file:
        o.store = gateways::FixStoreKind::async_file;
        break;
      case OrderRouteConfig::Store::file:
        o.store = gateways::FixStoreKind::file;
        break;
      case OrderRouteConfig::Store::memory:
        o.store = gateways::FixStoreKind::memory;
        break;
      case OrderRouteConfig::Store::null:
        o.store = gateways::FixStoreKind::null_store;
        break;
    }
    o.store_flush_interval_ms = config.orders.fix_store_flush_ms;
    if (!config.orders.fix_credentials_file.empty()) {
      binance::CredentialsLoadResult c = binance::load_credentials_file(
          config.orders.fix_credentials_file, binance::CredentialFileKeys{"username", "password"});
      if (!c.credentials) {
        std::fprintf(stderr, "%s: orders.fix_credentials_file: %s\n", config.source_path.c_str(),
                     c.error.c_str());
        return std::nullopt;
      }
      o.logon_username = c.credentials->api_key;
      o.logon_password = std::string(c.credentials->api_secret.reveal());
    }
    o.venue = r.fix_venue;        // one FIX venue per config so far
    if (config.venue.embedded) {  // our own simulator, on this machine
      if (o.host_override.empty()) o.host_override = "127.0.0.1";
      if (o.port_override == 0) o.port_override = config.venue.port;
    }
    try {
      r.fix = std::make_unique<gateways::FixOrderGateway>(config.universe, o);
      if (!o.logon_password.empty())
        OPENSSL_cleanse(o.logon_password.data(), o.logon_password.size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: orders.fix_settings: %s\n", config.source_path.c_str(), e.what());
      return std::nullopt;
    }
  }
  if (r.fix && r.websocket.empty()) {
    r.sink = r.fix.get();
  } else if (!r.fix && r.websocket.size() == 1) {
    r.sink = r.websocket[0].orders.get();
  } else {
    r.router = std::make_unique<VenueRoutedSink>(config.universe);
    for (VenueId v = 0; r.fix && v < config.universe.venues.size(); ++v)
      if (!over_ws(v)) r.router->route(v, *r.fix);
    for (WebSocketVenue& w : r.websocket) r.router->route(w.venue, *w.orders);
    r.sink = r.router.get();
  }
  return r;
}

bool websocket_up(const Route& r) {
  for (const WebSocketVenue& w : r.websocket)
    if (!w.orders->session_up()) return false;
  return !r.websocket.empty();
}

void write_websocket_counters(JsonWriter& j, const Route& r, const Universe& u) {
  auto n = [](std::uint64_t v) { return static_cast<long long>(v); };
  j.key("websocket").begin_object();
  for (const WebSocketVenue& w : r.websocket) {
    const gateways::BinanceOrderGatewayCounters& c = w.orders->counters();
    const gateways::BinanceMarketDataCounters& m = w.market_data->counters();
    const binance::ResponseCounters& p = w.orders->parser_counters();
    j.key(u.venues[w.venue]).begin_object();
    j.field("orders_sent", n(c.orders_sent));
    j.field("status_queries_sent", n(c.status_queries_sent));
    j.field("not_connected", n(c.not_connected));
    j.field("rate_limited", n(c.rate_limited));
    j.field("send_failures", n(c.send_failures));
    j.field("reports", n(c.reports));
    j.field("reports_dropped", n(c.reports_dropped));
    j.field("replies", n(c.replies));
    j.field("rejects", n(c.rejects));
    j.field("user_events", n(c.user_events));
    j.field("malformed", n(c.malformed + p.malformed));
    j.field("foreign_orders", n(p.foreign_orders));
    j.field("session_ups", n(c.session_ups));
    j.field("session_downs", n(c.session_downs));
    j.field("api_connects", n(c.api_connects));
    j.field("user_connects", n(c.user_connects));
    j.field("errors", n(c.errors));
    j.key("market_data").begin_object();
    j.field("connects", n(m.connects));
    j.field("disconnects", n(m.disconnects));
    j.field("messages", n(m.messages));
    j.field("ticks", n(m.ticks));
    j.field("ticks_dropped", n(m.ticks_dropped));
    j.field("malformed", n(m.malformed));
    j.field("unknown_symbol", n(m.unknown_symbol));
    j.field("depth_updates", n(m.depth_updates));
    j.field("depth_snapshots", n(m.depth_snapshots));
    j.field("depth_resyncs", n(m.depth_resyncs));
    j.end_object();
    j.end_object();
  }
  j.end_object();
}

}  // namespace

int run_engine(const BallastConfig& config, const RunOptions& options) {
  if (config.feed.kind == FeedKind::none) {
    std::fprintf(stderr,
                 "%s: feed: `ballast run` needs a market-data feed: [feed] kind = \"replay\" "
                 "(with file = \"ticks.csv\") or \"fix\"\n",
                 config.source_path.c_str());
    return 2;
  }
  TscClock::calibrate();
  std::optional<ReplayTickSource> replay;
  std::unique_ptr<ReplayFeed> replay_feed;
  if (config.feed.kind == FeedKind::replay) {
    auto load = ReplayTickSource::load(config.feed.file, config.universe);
    if (!load.errors.empty() || !load.source) {
      for (const auto& e : load.errors) std::fprintf(stderr, "%s\n", e.c_str());
      return 2;
    }
    // Garbage in the recording is dropped and counted, never traded on; say so once.
    if (load.dropped > 0) {
      std::fprintf(stderr, "ballast: %s: dropped %zu of %zu lines\n", config.feed.file.c_str(),
                   load.dropped, load.lines);
      for (const auto& sample : load.dropped_samples)
        std::fprintf(stderr, "  %s\n", sample.c_str());
    }
    replay = std::move(load.source);
    replay_feed = std::make_unique<ReplayFeed>(*replay);
  }

  // The control socket first of all: a second engine on the same socket (or one the
  // operator does not own) stops here, before a venue, a session or a thread starts.
  auto telemetry = std::make_unique<PipelineTelemetry>();
  std::unique_ptr<ControlPort> control_port;
  std::unique_ptr<control::ControlServer> control_server;
  if (config.control.present) {
    control_port = std::make_unique<ControlPort>();
    control_port->snapshot_period_ns.store(static_cast<std::int64_t>(config.control.snapshot_ms) *
                                           1'000'000);
    control::ControlServerOptions o;
    PipelineTelemetry* t = telemetry.get();
    o.latency = [t] {
      return control::LatencyNumbers{t->tick_to_order_p50_ns.load(), t->tick_to_order_p99_ns.load(),
                                     t->tick_to_order_count.load()};
    };
    // A directory the socket or the log needs is created owner-only (0700): on a fresh
    // checkout the demo's build/demo does not exist yet.
    for (const std::string& file : {config.control.socket, config.control.audit_log}) {
      const std::filesystem::path dir = std::filesystem::path(file).parent_path();
      std::error_code ec;
      if (dir.empty() || std::filesystem::exists(dir, ec)) continue;
      std::filesystem::create_directories(dir, ec);
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    }
    control_server = std::make_unique<control::ControlServer>(*control_port, config, o);
    if (const auto refused = control_server->start()) {
      std::fprintf(stderr, "ballast: %s\n", refused->c_str());
      return 1;
    }
    std::fprintf(stderr, "ballast: control socket %s (audit log %s)\n",
                 config.control.socket.c_str(), config.control.audit_log.c_str());
  }

  if (!ensure_demo_credentials(config)) {
    std::fprintf(stderr, "ballast: websocket: cannot draw random demo credentials\n");
    return 1;
  }
  // The simulator first, so the gateway finds it listening.
  std::unique_ptr<venue::VenueRunner> sim;
  if (config.venue.embedded) {
    try {
      sim = std::make_unique<venue::VenueRunner>(config, config.venue);
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "%s: venue: %s\n", config.source_path.c_str(), e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ballast: embedded venue: %s\n", e.what());
      return 1;
    }
    try {
      sim->start();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ballast: embedded venue: %s\n", e.what());
      return 1;
    }
    if (config.venue.ws_port != 0)
      std::fprintf(stderr,
                   "ballast: embedded venue listening on FIX port %d, WebSocket port %d%s\n",
                   config.venue.port, config.venue.ws_port,
                   config.venue.ws_cert_file.empty() ? "" : " (TLS)");
    else
      std::fprintf(stderr, "ballast: embedded venue listening on FIX port %d\n", config.venue.port);
  }
  std::optional<Route> route = make_route(config);
  if (!route) return 2;
  // Every feed on the one md thread: the replay or the FIX session's market data, and the
  // streams of each WebSocket venue.
  MergedTickSource merged;
  if (replay_feed) merged.add(*replay_feed);
  if (config.feed.kind == FeedKind::fix && route->fix) merged.add(route->fix->market_data());
  for (WebSocketVenue& w : route->websocket) merged.add(*w.market_data);
  if (merged.size() == 0) {
    std::fprintf(stderr, "%s: feed: no market data: kind = \"fix\" needs a FIX venue\n",
                 config.source_path.c_str());
    return 2;
  }

  std::optional<std::uint64_t> floor;
  std::string id_file;
  if (!config.state_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(config.state_dir, ec);
    id_file = config.state_dir + "/client_order_id";
    floor = ClientOrderIdGenerator::read_floor(id_file);
  }
  ClientOrderIdGenerator ids(wall_ms(), floor);
  risk::RiskGate gate(config.universe, config.risk, config.policy, config.margin_balance);
  auto core = std::make_unique<EngineCore>(config, gate, ids, wall_offset_ns());
  // A venue behind a session is down until the gateway reports its logon.
  if (route->fix) core->set_venue_up(route->fix_venue, false);
  for (const WebSocketVenue& w : route->websocket) core->set_venue_up(w.venue, false);
  auto pipeline =
      std::make_unique<Pipeline<>>(*core, merged, *route->sink, config.universe.instrument_count());

  pipeline->publish_telemetry(telemetry.get());
  if (control_port) pipeline->attach_control(control_port.get());
  install_signal_handlers();
  if (replay) {
    replay->start(config.feed.pace, config.feed.rate_per_s, config.feed.loop,
                  TscClock::to_ns(TscClock::now()));
  }
  const auto started = std::chrono::steady_clock::now();
  pipeline->start(config.threads);
  if (route->fix) {
    try {
      route->fix->start();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ballast: FIX session: %s\n", e.what());
      pipeline->stop();
      return 1;
    }
  }
  // The WebSocket gateways connect from their own threads (md and orders) once asked.
  for (WebSocketVenue& w : route->websocket) {
    w.market_data->start();
    w.orders->start();
  }
  const std::vector<std::string> threads = pipeline->describe_threads();

  const char* stop_reason = replay ? "feed ended" : "stopped";
  auto next_status = started + std::chrono::seconds(1);
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (std::chrono::steady_clock::now() >= next_status) {
      next_status += std::chrono::seconds(1);
      // One status line a second, on stderr so stdout stays the summary. With control on,
      // it leads with the engine's mode as its last snapshot says.
      std::string mode;
      EngineSnapshot snap;
      if (control_port && control_port->snapshot.load(snap))
        mode = std::string("[") + to_string(snap.mode) + (snap.paused ? " paused" : "") + "]  ";
      std::fprintf(stderr,
                   "ballast: %s%s%s ticks %llu  orders %llu  fills %llu  rejects %llu  NAV %.2f  "
                   "max|drift| %.2f%%  p99 tick-to-order %llu ns\n",
                   mode.c_str(),
                   route->fix ? (route->fix->logged_on() ? "[FIX up]  " : "[FIX down]") : "",
                   route->websocket.empty() ? ""
                   : websocket_up(*route)   ? "[WS up]  "
                                            : "[WS down]",
                   static_cast<unsigned long long>(telemetry->ticks.load()),
                   static_cast<unsigned long long>(telemetry->orders.load()),
                   static_cast<unsigned long long>(telemetry->fills.load()),
                   static_cast<unsigned long long>(telemetry->rejects.load()),
                   telemetry->nav.load(), telemetry->max_abs_drift.load() * 100,
                   static_cast<unsigned long long>(telemetry->tick_to_order_p99_ns.load()));
    }
    if (g_signal.load() != 0) {
      stop_reason = g_signal.load() == SIGINT ? "SIGINT" : "SIGTERM";
      break;
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options.duration_s && elapsed >= *options.duration_s) {
      stop_reason = "duration reached";
      break;
    }
    if (pipeline->drained()) break;
  }
  // The embedded venue's clock stops first: no funding or fills happen that the engine
  // would not see. Then drain: read nothing new, let every order in flight finish.
  if (sim) sim->pause(true);
  pipeline->stop_reading();
  for (int k = 0; k < 500 && !pipeline->drained(); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const bool drained = pipeline->drained();
  // An embedded venue stops first: its last messages (fills, funding) and its Logout reach
  // the gateway and the engine applies them, so both sides end with the same account.
  std::optional<venue::VenueRunSummary> venue_summary;
  if (sim) {
    sim->stop();
    venue_summary = sim->summary();
    if (route->fix || !route->websocket.empty()) {
      for (int k = 0; k < 1000 && ((route->fix && route->fix->logged_on()) || websocket_up(*route));
           ++k)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // rings drain
    }
  }
  pipeline->stop();
  // No engine thread answers any more: the operator's socket goes (and is unlinked).
  if (control_server) control_server->stop();
  // The md and order threads are joined: the WebSocket gateways close from this thread.
  for (WebSocketVenue& w : route->websocket) {
    w.orders->shutdown();
    w.market_data->shutdown();
  }
  std::optional<gateways::FixGatewayCounters> fix_counters;
  int fix_seq_out = 0;
  if (route->fix) {
    route->fix->stop();
    fix_counters = route->fix->counters();
    fix_seq_out = route->fix->next_sender_seq_num();
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!id_file.empty() && ids.last() != 0) ClientOrderIdGenerator::write_floor(id_file, ids.last());

  const EngineStats& s = core->stats();
  const PipelineLatency& lat = pipeline->orders().latency();
  const double drift_after = core->max_abs_drift();
  const double drift_before = s.max_abs_drift_first < 0 ? 0.0 : s.max_abs_drift_first;
  if (options.json) {
    JsonWriter j;
    j.begin_object();
    j.field("stop_reason", stop_reason);
    j.field("drained", drained);
    j.field("elapsed_s", elapsed);
    j.key("threads").begin_array();
    for (const auto& t : threads) j.value(t);
    j.end_array();
    j.field("ticks", static_cast<long long>(s.ticks));
    j.field("ticks_read", static_cast<long long>(pipeline->md().ticks_read()));
    j.field("ticks_conflated", static_cast<long long>(pipeline->md().conflated()));
    j.field("ticks_invalid", static_cast<long long>(pipeline->md().invalid()));
    j.field("reports_lost", static_cast<long long>(pipeline->orders().reports_lost()));
    j.field("unknown_reports", static_cast<long long>(s.unknown_reports));
    j.field("rebalances", static_cast<long long>(s.rebalances));
    j.field("orders", static_cast<long long>(s.orders));
    j.field("fills", static_cast<long long>(s.fills));
    j.field("rejects", static_cast<long long>(s.rejects + s.risk_rejects));
    j.field("risk_rejects", static_cast<long long>(s.risk_rejects));
    j.key("risk_denied").begin_object();  // by check
    for (std::uint8_t c = 1; c <= static_cast<std::uint8_t>(risk::kLastRiskCheck); ++c) {
      const auto check = static_cast<risk::RiskCheck>(c);
      if (gate.denied(check) > 0)
        j.field(risk::to_string(check), static_cast<long long>(gate.denied(check)));
    }
    j.end_object();
    j.field("shrunk", static_cast<long long>(s.shrunk));
    j.field("pairs_held", static_cast<long long>(s.pairs_held));
    j.field("plans_not_worth_cost", static_cast<long long>(s.plans_not_worth_cost));
    j.field("breaker_halts", static_cast<long long>(s.breaker_halts));
    j.field("ticks_held_by_price_jump", static_cast<long long>(s.ticks_held));
    j.field("price_jumps_confirmed", static_cast<long long>(s.price_jumps_confirmed));
    j.field("mode", to_string(core->mode()));
    j.field("max_abs_drift_before", drift_before);
    j.field("max_abs_drift_after", drift_after);
    j.field("funding_paid", s.funding_paid);  // negative = received
    j.field("fundings", static_cast<long long>(s.fundings));
    j.field("fees_paid", s.fees_paid);
    j.field("nav", core->valuation().nav);
    j.key("positions").begin_object();
    for (InstrumentId i = 0; i < config.universe.instruments.size(); ++i) {
      if (!config.universe.instruments[i].is_derivative()) continue;
      j.field(config.universe.instruments[i].symbol,
              static_cast<long long>(core->portfolio().positions[i].lots));
    }
    j.end_object();
    j.key("sessions").begin_object();
    j.field("downs", static_cast<long long>(s.session_downs));
    j.field("ups", static_cast<long long>(s.session_ups));
    j.field("orders_marked_unknown", static_cast<long long>(s.orders_marked_unknown));
    j.field("status_queries", static_cast<long long>(s.status_queries));
    j.field("status_replies", static_cast<long long>(s.status_replies));
    j.field("orders_lost", static_cast<long long>(s.orders_lost));
    j.field("ticks_not_traded_venue_down", static_cast<long long>(s.ticks_venue_down));
    j.field("unknown_orders_at_exit", static_cast<long long>(core->unknown_orders()));
    j.field("halted", core->halted());
    j.end_object();
    if (fix_counters) write_fix_counters(j, *fix_counters, fix_seq_out);
    if (!route->websocket.empty()) write_websocket_counters(j, *route, config.universe);
    if (venue_summary) write_venue_summary(j, *venue_summary);
    j.key("latency_ns").begin_object();
    j.field("p50", static_cast<long long>(lat.tick_to_order.percentile(50)));
    j.field("p99", static_cast<long long>(lat.tick_to_order.percentile(99)));
    j.field("p999", static_cast<long long>(lat.tick_to_order.percentile(99.9)));
    j.field("max", static_cast<long long>(lat.tick_to_order.max()));
    j.end_object();
    j.key("stages_ns").begin_object();
    write_percentiles(j, "tick_to_order", lat.tick_to_order);
    write_percentiles(j, "decode", lat.decode);
    write_percentiles(j, "hop_md_engine", lat.hop_md_engine);
    write_percentiles(j, "engine", lat.engine);
    write_percentiles(j, "risk", lat.risk);
    write_percentiles(j, "hop_engine_order", lat.hop_engine_order);
    write_percentiles(j, "encode", lat.encode);
    write_percentiles(j, "send", lat.send);
    write_percentiles(j, "tick_to_engine_done", pipeline->engine().tick_latency());
    j.end_object();
    j.end_object();
    std::printf("%s\n", j.str().c_str());
  } else {
    std::printf("ballast run: %s after %.2f s%s\n", stop_reason, elapsed,
                drained ? "" : " (not fully drained)");
    for (const auto& t : threads) std::printf("  thread %s\n", t.c_str());
    std::printf(
        "  ticks %llu (read %llu, conflated %llu)  rebalances %llu  orders %llu  fills %llu"
        "  rejects %llu (risk %llu)  shrunk %llu\n",
        static_cast<unsigned long long>(s.ticks),
        static_cast<unsigned long long>(pipeline->md().ticks_read()),
        static_cast<unsigned long long>(pipeline->md().conflated()),
        static_cast<unsigned long long>(s.rebalances), static_cast<unsigned long long>(s.orders),
        static_cast<unsigned long long>(s.fills),
        static_cast<unsigned long long>(s.rejects + s.risk_rejects),
        static_cast<unsigned long long>(s.risk_rejects), static_cast<unsigned long long>(s.shrunk));
    std::printf(
        "  max |drift| %.2f%% at first valuation -> %.2f%% now   fees %.2f   funding %.2f   "
        "NAV %.2f\n",
        drift_before * 100, drift_after * 100, s.fees_paid, s.funding_paid, core->valuation().nav);
    if (s.risk_rejects > 0) {
      std::printf("  risk denied:");
      for (std::uint8_t c = 1; c <= static_cast<std::uint8_t>(risk::kLastRiskCheck); ++c) {
        const auto check = static_cast<risk::RiskCheck>(c);
        if (gate.denied(check) > 0)
          std::printf(" %s %llu", risk::to_string(check),
                      static_cast<unsigned long long>(gate.denied(check)));
      }
      std::printf("\n");
    }
    std::printf("  positions:");
    for (InstrumentId i = 0; i < config.universe.instruments.size(); ++i) {
      if (!config.universe.instruments[i].is_derivative()) continue;
      std::printf(" %s %lld", config.universe.instruments[i].symbol.c_str(),
                  static_cast<long long>(core->portfolio().positions[i].lots));
    }
    std::printf("\n");
    if (core->halted())
      std::printf("  HALTED: a venue session was lost ([risk] on_session_loss = \"halt\")\n");
    if (fix_counters) {
      const gateways::FixGatewayCounters& c = *fix_counters;
      std::printf(
          "  FIX: logons %llu  disconnects %llu  orders %llu  resends suppressed %llu  "
          "status queries %llu  next seq out %d\n",
          static_cast<unsigned long long>(c.logons), static_cast<unsigned long long>(c.disconnects),
          static_cast<unsigned long long>(c.orders_sent),
          static_cast<unsigned long long>(c.resends_suppressed),
          static_cast<unsigned long long>(s.status_queries), fix_seq_out);
    }
    for (const WebSocketVenue& w : route->websocket) {
      const gateways::BinanceOrderGatewayCounters& c = w.orders->counters();
      std::printf(
          "  WS %s: sessions up %llu down %llu  orders %llu  rejects %llu  status queries %llu  "
          "ticks %llu  malformed %llu\n",
          config.universe.venues[w.venue].c_str(), static_cast<unsigned long long>(c.session_ups),
          static_cast<unsigned long long>(c.session_downs),
          static_cast<unsigned long long>(c.orders_sent),
          static_cast<unsigned long long>(c.rejects),
          static_cast<unsigned long long>(c.status_queries_sent),
          static_cast<unsigned long long>(w.market_data->counters().ticks),
          static_cast<unsigned long long>(c.malformed + w.market_data->counters().malformed));
    }
    if (venue_summary)
      std::printf("  %s\n", venue::format_summary(*venue_summary, "venue:").c_str());
    std::printf("  tick-to-order ns: p50 %llu  p99 %llu  p99.9 %llu  max %llu  (%llu orders)\n",
                static_cast<unsigned long long>(lat.tick_to_order.percentile(50)),
                static_cast<unsigned long long>(lat.tick_to_order.percentile(99)),
                static_cast<unsigned long long>(lat.tick_to_order.percentile(99.9)),
                static_cast<unsigned long long>(lat.tick_to_order.max()),
                static_cast<unsigned long long>(lat.tick_to_order.count()));
  }
  return 0;
}

}  // namespace ballast::tools
