#include "ballast/runtime/engine_runtime.hpp"

#include <signal.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "ballast/control/control_server.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/core/control.hpp"
#include "ballast/core/pipeline.hpp"
#include "ballast/core/replay_source.hpp"
#include "ballast/core/venue_routing.hpp"
#include "ballast/risk/risk_gate.hpp"
#include "ballast/runtime/order_routes.hpp"
#include "ballast/runtime/run_journal.hpp"

namespace ballast::runtime {
namespace {

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

// A directory the control socket or its audit log needs is created owner-only (0700): on
// a fresh checkout the demo's build/demo does not exist yet.
void make_private_parent_dirs(const ControlConfig& control) {
  for (const std::string& file : {control.socket, control.audit_log}) {
    const std::filesystem::path dir = std::filesystem::path(file).parent_path();
    std::error_code ec;
    if (dir.empty() || std::filesystem::exists(dir, ec)) continue;
    std::filesystem::create_directories(dir, ec);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
}

// What the engine makes of a logged-on venue's positions: asked and not yet answered
// (not trading there meanwhile), or no answer within [recovery] timeout_s.
std::string positions_state(const PipelineTelemetry& t, VenueId venue, const char* route,
                            const char* request, double timeout_s) {
  const std::uint32_t bit = 1u << venue;
  if ((t.venues_unanswered.load() & bit) != 0) {
    char text[160];
    std::snprintf(text, sizeof text, "[%s down: no answer to %s in %.0f s: not trading there]  ",
                  route, request, timeout_s);
    return text;
  }
  if ((t.venues_asking.load() & bit) != 0)
    return std::string("[") + route + " up, asking for positions]  ";
  return std::string("[") + route + " up]  ";
}

// "[FIX up]", or "[FIX down: venue logged out: ...]" with the reason when there is one.
std::string fix_state(const OrderRoutes& r, const PipelineTelemetry& t, double timeout_s) {
  if (!r.fix) return "";
  if (r.fix->logged_on())
    return positions_state(t, r.fix_venue, "FIX", "RequestForPositions (AN)", timeout_s);
  const std::string why = r.fix->last_problem();
  return why.empty() ? "[FIX down]" : "[FIX down: " + why + "]  ";
}

std::string websocket_state(const OrderRoutes& r, const PipelineTelemetry& t, double timeout_s) {
  if (r.websocket.empty()) return "";
  if (r.websocket_up()) {
    for (const WebSocketVenue& w : r.websocket)
      if (std::string s = positions_state(t, w.venue, "WS", "account.position", timeout_s);
          s.find(" up]") == std::string::npos)
        return s;
    return "[WS up]  ";
  }
  for (const WebSocketVenue& w : r.websocket) {
    if (w.orders->session_up()) continue;
    if (const std::string why = w.last_problem(); !why.empty()) return "[WS down: " + why + "]  ";
  }
  return "[WS down]";
}

}  // namespace

// Declared in the order they are built; destroyed in reverse, so nothing outlives what
// it refers to (the pipeline goes first, the feed last).
struct EngineRuntime::Parts {
  RunConfig config;
  RuntimeParts outside;
  std::optional<ReplayTickSource> replay;
  std::unique_ptr<PipelineTelemetry> telemetry = std::make_unique<PipelineTelemetry>();
  std::unique_ptr<ControlPort> control_port;
  std::unique_ptr<control::ControlServer> control_server;
  std::optional<OrderRoutes> routes;
  // `routes` once built, for the control thread's "why is this venue down".
  std::atomic<const OrderRoutes*> routes_built{nullptr};
  MergedTickSource merged;
  RunJournal journal;  // before the core, which appends to it
  std::string id_file;
  std::unique_ptr<ClientOrderIdGenerator> ids;
  std::unique_ptr<risk::RiskGate> gate;
  std::unique_ptr<EngineCore> core;
  std::unique_ptr<Pipeline<>> pipeline;
  std::vector<std::string> threads;
  std::chrono::steady_clock::time_point started;
  std::optional<std::chrono::steady_clock::time_point> stopped;  // run_until's end
  const char* stop_reason = "stopped";
};

EngineRuntime::EngineRuntime(std::unique_ptr<Parts> parts) : p_(std::move(parts)) {}
EngineRuntime::~EngineRuntime() = default;

int EngineRuntime::build_feed(Parts& p) {
  const RunConfig& config = p.config;
  if (config.feed.kind == FeedKind::none) {
    std::fprintf(p.outside.log,
                 "%s: feed: `ballast run` needs a market-data feed: [feed] kind = \"replay\" "
                 "(with file = \"ticks.csv\") or \"fix\"\n",
                 config.source_path.c_str());
    return 2;
  }
  if (config.feed.kind != FeedKind::replay) return 0;
  auto load = ReplayTickSource::load(config.feed.file, config.universe);
  if (!load.errors.empty() || !load.source) {
    for (const auto& e : load.errors) std::fprintf(p.outside.log, "%s\n", e.c_str());
    return 2;
  }
  // Garbage in the recording is dropped and counted, never traded on; say so once.
  if (load.dropped > 0) {
    std::fprintf(p.outside.log, "ballast: %s: dropped %zu of %zu lines\n", config.feed.file.c_str(),
                 load.dropped, load.lines);
    for (const auto& sample : load.dropped_samples)
      std::fprintf(p.outside.log, "  %s\n", sample.c_str());
  }
  p.replay = std::move(load.source);
  return 0;
}

// The control socket first of all: a second engine on the same socket (or one the
// operator does not own) stops here, before a venue, a session or a thread starts.
int EngineRuntime::build_control(Parts& p) {
  const RunConfig& config = p.config;
  // A reconcile runs beside nothing and takes no commands: the socket may be a live
  // engine's.
  if (!config.control.present || p.outside.reconcile_only) return 0;
  p.control_port = std::make_unique<ControlPort>();
  p.control_port->snapshot_period_ns.store(static_cast<std::int64_t>(config.control.snapshot_ms) *
                                           1'000'000);
  control::ControlServerOptions o = control::ControlServer::options_for(config.control);
  o.load_config = p.outside.load_config;
  o.venue_problem = [routes = &p.routes_built](VenueId v) {
    const OrderRoutes* r = routes->load(std::memory_order_acquire);
    return r ? r->last_problem(v) : std::string();
  };
  PipelineTelemetry* t = p.telemetry.get();
  o.latency = [t] {
    return control::LatencyNumbers{t->tick_to_order_p50_ns.load(), t->tick_to_order_p99_ns.load(),
                                   t->tick_to_order_count.load()};
  };
  make_private_parent_dirs(config.control);
  p.control_server = std::make_unique<control::ControlServer>(*p.control_port, config, o);
  if (const auto refused = p.control_server->start()) {
    std::fprintf(p.outside.log, "ballast: %s\n", refused->c_str());
    return 1;
  }
  std::fprintf(p.outside.log, "ballast: control socket %s (audit log %s)\n",
               config.control.socket.c_str(), config.control.audit_log.c_str());
  return 0;
}

// The journal before any venue: a second engine on the same journal, or a corrupt one,
// stops here.
int EngineRuntime::build_journal(Parts& p) {
  return open_run_journal(p.config, p.outside.log, p.journal, p.outside.reconcile_only);
}

// The simulator before the routes, so the gateways find it listening.
int EngineRuntime::build_venue(Parts& p) {
  if (!ensure_demo_credentials(p.config)) {
    std::fprintf(p.outside.log, "ballast: websocket: cannot draw random demo credentials\n");
    return 1;
  }
  if (!p.config.embedded_venue.present) return 0;
  if (!p.outside.venue) {
    std::fprintf(p.outside.log, "ballast: embedded venue: this executable has no simulator\n");
    return 1;
  }
  try {
    p.outside.venue->start();
  } catch (const std::invalid_argument& e) {
    std::fprintf(p.outside.log, "%s: venue: %s\n", p.config.source_path.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(p.outside.log, "ballast: embedded venue: %s\n", e.what());
    return 1;
  }
  std::fprintf(p.outside.log, "ballast: embedded venue %s\n", p.outside.venue->describe().c_str());
  return 0;
}

// Routes, every feed on the one md thread, order ids, the risk gate, the core, the pipeline.
int EngineRuntime::build_engine(Parts& p) {
  const RunConfig& config = p.config;
  OrderRoutesResult built = build_order_routes(config);
  for (const std::string& e : built.errors) std::fprintf(p.outside.log, "%s\n", e.c_str());
  if (!built.routes) return 2;
  p.routes = std::move(built.routes);
  p.routes_built.store(&*p.routes, std::memory_order_release);
  OrderRoutes& r = *p.routes;
  if (p.replay) p.merged.add(*p.replay);
  if (config.feed.kind == FeedKind::fix && r.fix) p.merged.add(r.fix->market_data());
  for (WebSocketVenue& w : r.websocket) p.merged.add(*w.market_data);
  if (p.merged.size() == 0) {
    std::fprintf(p.outside.log, "%s: feed: no market data: kind = \"fix\" needs a FIX venue\n",
                 config.source_path.c_str());
    return 2;
  }
  std::optional<std::uint64_t> floor;
  if (!config.state_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(config.state_dir, ec);
    p.id_file = config.state_dir + "/client_order_id";
    floor = ClientOrderIdGenerator::read_floor(p.id_file);
  }
  // The journal knows every id a previous run sent; the id file, when there is one, too.
  if (p.journal.book && p.journal.book->last_client_order_id > floor.value_or(0))
    floor = p.journal.book->last_client_order_id;
  p.ids = std::make_unique<ClientOrderIdGenerator>(wall_ms(), floor);
  p.gate = std::make_unique<risk::RiskGate>(config.universe, config.risk, config.policy,
                                            config.margin_balance);
  p.core = std::make_unique<EngineCore>(config, *p.gate, *p.ids, wall_offset_ns());
  restore_from_journal(config, p.journal, *p.core, p.outside.log);
  if (p.journal.writer) p.core->set_journal(p.journal.writer.get());
  if (p.outside.reconcile_only) {  // asks, never trades
    ControlCommand pause;
    pause.op = ControlOp::pause;
    ControlReply reply;
    std::array<OrderRequest, 1> none{};
    (void)p.core->apply_control(pause, reply, none.data(), none.size());
  }
  // A venue behind a session is down until the gateway reports its logon.
  if (r.fix) p.core->set_venue_up(r.fix_venue, false);
  for (const WebSocketVenue& w : r.websocket) p.core->set_venue_up(w.venue, false);
  p.pipeline =
      std::make_unique<Pipeline<>>(*p.core, p.merged, *r.sink, config.universe.instrument_count());
  p.pipeline->publish_telemetry(p.telemetry.get());
  if (p.control_port) p.pipeline->attach_control(p.control_port.get());
  return 0;
}

EngineRuntime::Built EngineRuntime::build(const RunConfig& config, RuntimeParts parts) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  p->outside = std::move(parts);
  TscClock::calibrate();
  for (int (*step)(Parts&) :
       {&build_feed, &build_control, &build_journal, &build_venue, &build_engine})
    if (const int code = step(*p); code != 0) return Built{nullptr, code};
  return Built{std::unique_ptr<EngineRuntime>(new EngineRuntime(std::move(p))), 0};
}

int EngineRuntime::start() {
  Parts& p = *p_;
  const FeedConfig& feed = p.config.feed;
  if (p.replay) {
    p.replay->start(feed.pace, feed.rate_per_s, feed.loop, TscClock::to_ns(TscClock::now()));
    p.stop_reason = "feed ended";
  }
  p.started = std::chrono::steady_clock::now();
  if (p.journal.writer) p.journal.writer->start();
  p.pipeline->start(p.config.threads);
  if (p.routes->fix) {
    try {
      p.routes->fix->start();
    } catch (const std::exception& e) {
      std::fprintf(p.outside.log, "ballast: FIX session: %s\n", e.what());
      p.pipeline->stop();
      return 1;
    }
  }
  // The WebSocket gateways connect from their own threads (md and orders) once asked.
  for (WebSocketVenue& w : p.routes->websocket) {
    w.market_data->start();
    w.orders->start();
  }
  p.threads = p.pipeline->describe_threads();
  return 0;
}

// One status line a second, on the log so stdout stays the summary. With control on, it
// leads with the engine's mode as its last snapshot says.
void EngineRuntime::print_status() const {
  const Parts& p = *p_;
  std::string mode;
  EngineSnapshot snap;
  if (p.control_port && p.control_port->snapshot.load(snap))
    mode = std::string("[") + to_string(snap.mode) + (snap.paused ? " paused" : "") + "]  ";
  const OrderRoutes& r = *p.routes;
  const PipelineTelemetry& t = *p.telemetry;
  // Before every price the book needs has arrived there is no NAV or drift to show (an
  // unvalued book reads NAV 0.00, drift 50%): say what it waits for instead.
  char valuation[96];
  if (t.priced.load())
    std::snprintf(valuation, sizeof valuation, "NAV %.2f  max|drift| %.2f%%", t.nav.load(),
                  t.max_abs_drift.load() * 100);
  else
    std::snprintf(valuation, sizeof valuation,
                  "waiting for first prices (every asset held or targeted)");
  std::fprintf(p.outside.log,
               "ballast: %s%s%s ticks %llu  orders %llu  fills %llu  rejects %llu  %s  "
               "p99 tick-to-order %llu ns\n",
               mode.c_str(), fix_state(r, t, p.config.recovery.timeout_s).c_str(),
               websocket_state(r, t, p.config.recovery.timeout_s).c_str(),
               static_cast<unsigned long long>(t.ticks.load()),
               static_cast<unsigned long long>(t.orders.load()),
               static_cast<unsigned long long>(t.fills.load()),
               static_cast<unsigned long long>(t.rejects.load()), valuation,
               static_cast<unsigned long long>(t.tick_to_order_p99_ns.load()));
}

void EngineRuntime::run_until(const StopWhen& stop) {
  Parts& p = *p_;
  wait_for(stop);
  p.stopped = std::chrono::steady_clock::now();
}

void EngineRuntime::wait_for(const StopWhen& stop) {
  Parts& p = *p_;
  auto next_status = p.started + std::chrono::seconds(1);
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_status) {
      next_status += std::chrono::seconds(1);
      print_status();
    }
    if (stop.signal != nullptr && stop.signal->load() != 0) {
      p.stop_reason = stop.signal->load() == SIGINT ? "SIGINT" : "SIGTERM";
      return;
    }
    if (stop.once_reconciled && reconciled()) {
      p.stop_reason = "every venue answered";
      return;
    }
    const double elapsed = std::chrono::duration<double>(now - p.started).count();
    if (stop.duration_s && elapsed >= *stop.duration_s) {
      p.stop_reason = "duration reached";
      return;
    }
    if (p.pipeline->drained()) return;
  }
}

// The venue's last messages (fills, funding) and its Logout reach the gateways and the
// engine applies them, so both sides end with the same account.
void EngineRuntime::wait_for_sessions_to_close() const {
  const OrderRoutes& r = *p_->routes;
  if (!r.fix && r.websocket.empty()) return;
  for (int k = 0; k < 1000 && ((r.fix && r.fix->logged_on()) || r.websocket_up()); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // rings drain
}

RunSummary EngineRuntime::shutdown() {
  Parts& p = *p_;
  EmbeddedVenue* venue = p.config.embedded_venue.present ? p.outside.venue.get() : nullptr;
  // The embedded venue's clock stops first: no funding or fills happen that the engine
  // would not see. Then drain: read nothing new, let every order in flight finish.
  if (venue) venue->pause();
  p.pipeline->stop_reading();
  for (int k = 0; k < 500 && !p.pipeline->drained(); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const bool drained = p.pipeline->drained();
  if (venue) {
    venue->stop();
    wait_for_sessions_to_close();
  }
  p.pipeline->stop();
  // No engine thread answers any more: the operator's socket goes (and is unlinked).
  if (p.control_server) p.control_server->stop();
  // The md and order threads are joined: the WebSocket gateways close from this thread.
  for (WebSocketVenue& w : p.routes->websocket) {
    w.orders->shutdown();
    w.market_data->shutdown();
  }
  if (p.routes->fix) p.routes->fix->stop();
  // Every event the engine appended is on disk (and synced) before the summary.
  if (p.journal.writer) p.journal.writer->stop();
  // The run is what the operator asked for (--duration); closing is reported apart.
  const auto now = std::chrono::steady_clock::now();
  const auto stopped = p.stopped.value_or(now);
  const double elapsed = std::chrono::duration<double>(stopped - p.started).count();
  const double closing = std::chrono::duration<double>(now - stopped).count();
  if (!p.id_file.empty() && p.ids->last() != 0)
    ClientOrderIdGenerator::write_floor(p.id_file, p.ids->last());
  RunSummary r = summarize(elapsed, drained);
  r.shutdown_s = closing;
  return r;
}

// Every venue behind a session has answered a positions request, and none is being
// asked again or unanswered now.
bool EngineRuntime::reconciled() const {
  const Parts& p = *p_;
  const OrderRoutes& r = *p.routes;
  const PipelineTelemetry& t = *p.telemetry;
  std::uint32_t need = r.fix ? 1u << r.fix_venue : 0u;
  for (const WebSocketVenue& w : r.websocket) need |= 1u << w.venue;
  return need != 0 && (t.venues_answered.load() & need) == need &&
         (t.venues_asking.load() & need) == 0 && (t.venues_unanswered.load() & need) == 0;
}

RunSummary EngineRuntime::summarize(double elapsed_s, bool drained) const {
  const Parts& p = *p_;
  const Universe& u = p.config.universe;
  RunSummary r;
  r.stop_reason = p.stop_reason;
  r.drained = drained;
  r.elapsed_s = elapsed_s;
  r.threads = p.threads;
  r.stats = p.core->stats();
  r.ticks_read = p.pipeline->md().ticks_read();
  r.ticks_conflated = p.pipeline->md().conflated();
  r.ticks_invalid = p.pipeline->md().invalid();
  r.reports_lost = p.pipeline->orders().reports_lost();
  for (std::uint8_t c = 1; c <= static_cast<std::uint8_t>(kLastRiskCheck); ++c) {
    const auto check = static_cast<RiskCheck>(c);
    if (p.gate->denied(check) > 0) r.risk_denied.push_back({check, p.gate->denied(check)});
  }
  r.mode = p.core->mode();
  r.halted = p.core->halted();
  r.unknown_orders_at_exit = p.core->unknown_orders();
  r.max_abs_drift_before = r.stats.max_abs_drift_first < 0 ? 0.0 : r.stats.max_abs_drift_first;
  r.max_abs_drift_after = p.core->max_abs_drift();
  r.nav = p.core->valuation().nav;
  for (InstrumentId i = 0; i < u.instruments.size(); ++i)
    if (u.instruments[i].is_derivative())
      r.positions.push_back({u.instruments[i].symbol, p.core->portfolio().positions[i].lots});
  if (p.routes->fix)
    r.fix = FixSessionSummary{p.routes->fix->counters(), p.routes->fix->next_sender_seq_num(),
                              p.routes->fix->last_problem()};
  for (const WebSocketVenue& w : p.routes->websocket)
    r.websocket.push_back({u.venues[w.venue], w.orders->counters(), w.market_data->counters(),
                           w.orders->parser_counters(), w.last_problem()});
  if (p.config.embedded_venue.present && p.outside.venue) r.venue = p.outside.venue->report();
  r.journal = summarize_journal(p.config, p.journal);
  r.reconcile = summarize_reconcile(u, p.core->reconciler());
  r.latency = p.pipeline->orders().latency();
  r.tick_to_engine_done = p.pipeline->engine().tick_latency();
  return r;
}

}  // namespace ballast::runtime
