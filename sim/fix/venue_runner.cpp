// VenueRunner (ballast/venue/venue_runner.hpp): VenueSimulation + VenueFixServer (+ the
// VenueWsServer when [venue] ws_port is set) + the stepping thread, from a BallastConfig
// and its [venue] table.
#include "ballast/venue/venue_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "ballast/core/replay_source.hpp"
#include "ballast/venue/simulation.hpp"
#include "ballast/venue/venue_fault.hpp"
#include "venue_fix_server.hpp"
#include "venue_ws_server.hpp"

namespace ballast::venue {
namespace {

std::int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Assets an instrument trades (base of any instrument), base currency excluded.
std::vector<AssetId> traded_assets(const Universe& u) {
  std::vector<AssetId> out;
  for (AssetId a = 0; a < u.assets.size(); ++a) {
    if (a == u.base_currency) continue;
    for (const InstrumentSpec& s : u.instruments)
      if (s.base == a) {
        out.push_back(a);
        break;
      }
  }
  return out;
}

// The [market] price of an asset: its spot price, else the mark of any instrument on it.
double market_price(const BallastConfig& cfg, AssetId asset) {
  const Universe& u = cfg.universe;
  double price = asset < cfg.market.spot_price.size() ? cfg.market.spot_price[asset] : 0.0;
  for (InstrumentId i = 0; i < u.instruments.size() && !(price > 0.0); ++i)
    if (u.instruments[i].base == asset && cfg.market.mark[i] > 0.0) price = cfg.market.mark[i];
  return price;
}

// The first mark (else mid) the replay gives per asset, for walks the config has no
// price for.
std::vector<double> replay_first_prices(ReplayTickSource src, const Universe& u) {
  std::vector<double> first(u.assets.size(), 0.0);
  src.start(ReplayPaceKind::as_fast_as_possible, 0.0, false, 0);
  MarketTick t;
  while (src.poll(std::numeric_limits<std::int64_t>::max() / 2, t)) {
    if (t.instrument >= u.instruments.size()) continue;
    const AssetId a = u.instruments[t.instrument].base;
    if (a >= first.size() || first[a] > 0.0) continue;
    double p = t.index > 0.0 ? t.index : t.mark;
    if (!(p > 0.0) && t.bid > 0.0 && t.ask > 0.0) p = 0.5 * (t.bid + t.ask);
    if (p > 0.0) first[a] = p;
  }
  return first;
}

// Exact enough to compare with what the client applied (8 decimals), zeros trimmed.
std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.8f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

}  // namespace

std::vector<std::string> validate_venue_config(const BallastConfig& cfg, const VenueSimConfig& v) {
  std::vector<std::string> e;
  const Universe& u = cfg.universe;
  if (u.instruments.empty()) e.push_back("venue: the config lists no [[instrument]]");
  if (v.port <= 0 || v.port > 65535)
    e.push_back("venue.port: not a port: " + std::to_string(v.port));
  if (!(v.volatility >= 0.0) || v.volatility > 10.0)
    e.push_back("venue.volatility: not in [0, 10]");
  if (!(v.correlation >= -1.0) || !(v.correlation < 1.0))
    e.push_back("venue.correlation: not in [-1, 1)");
  const std::size_t n_assets = traded_assets(u).size();
  if (n_assets > 1 && v.correlation >= -1.0 &&
      !(v.correlation > -1.0 / static_cast<double>(n_assets - 1)))
    e.push_back("venue.correlation: below -1/(assets-1): not a valid correlation matrix for " +
                std::to_string(n_assets) + " assets");
  if (!(v.jump_per_day >= 0.0) || v.jump_per_day > 1e4)
    e.push_back("venue.jump_per_day: not in [0, 10000]");
  if (!(v.jump_size >= 0.0) || !(v.jump_size < 1.0)) e.push_back("venue.jump_size: not in [0, 1)");
  if (!(v.speed > 0.0) || v.speed > 1e6) e.push_back("venue.speed: not in (0, 1e6]");
  if (v.funding_interval_s < 0) e.push_back("venue.funding_interval_s: negative");
  if (!(v.cash >= 0.0) || !std::isfinite(v.cash))
    e.push_back("venue.cash: not a non-negative number");
  if (!(v.tick_interval_ms > 0.0) || v.tick_interval_ms > 3.6e6)
    e.push_back("venue.tick_interval_ms: not in (0, 3600000]");
  // The WebSocket server (sim/ws).
  if (v.ws_port < 0 || v.ws_port > 65535)
    e.push_back("venue.ws_port: not a port: " + std::to_string(v.ws_port));
  if (v.ws_port != 0 && v.ws_port == v.port)
    e.push_back("venue.ws_port: the same port as the FIX acceptor (" + std::to_string(v.port) +
                ")");
  if (v.ws_cert_file.empty() != v.ws_key_file.empty())
    e.push_back("venue.ws_cert_file / ws_key_file: TLS needs both (neither = plain ws)");
  for (const std::string* f : {&v.ws_cert_file, &v.ws_key_file})
    if (!f->empty() && !std::filesystem::is_regular_file(*f))
      e.push_back("venue: cannot read " + *f);
  if (v.ws_recv_window_ms <= 0 || v.ws_recv_window_ms > 60000)
    e.push_back("venue.ws_recv_window_ms: not in (0, 60000]");
  if (v.ws_port != 0) {
    try {
      (void)ws::load_credentials(v.ws_credentials_file);
    } catch (const std::invalid_argument& ex) {
      e.push_back(std::string("venue.ws_credentials_file: ") + ex.what());
    }
  }
  for (std::size_t k = 0; k < v.faults.size(); ++k) {
    std::string why;
    const auto f = parse_scheduled_fault(v.faults[k], &why);
    const std::string where = "venue.faults[" + std::to_string(k) + "] \"" + v.faults[k] + "\": ";
    if (!f) {
      e.push_back(where + why);
    } else if (!f->command.symbol.empty() &&
               u.find_instrument(f->command.symbol) == kNoInstrument) {
      e.push_back(where + "unknown symbol " + f->command.symbol);
    }
  }
  std::vector<double> replay_prices;
  if (!v.feed_file.empty()) {
    ReplayLoad load = ReplayTickSource::load(v.feed_file, u);
    for (const std::string& m : load.errors) e.push_back("venue.feed_file: " + m);
    if (load.ok()) replay_prices = replay_first_prices(*load.source, u);
  }
  for (const AssetId a : traded_assets(u)) {
    const bool from_replay = a < replay_prices.size() && replay_prices[a] > 0.0;
    if (!(market_price(cfg, a) > 0.0) && !from_replay)
      e.push_back("venue: [market] prices: no price for asset " + u.assets[a].name);
  }
  return e;
}

std::string format_summary(const VenueRunSummary& s, std::string_view prefix) {
  const VenueFixCounters& c = s.counters;
  auto u = [](std::uint64_t v) { return std::to_string(v); };
  std::string line(prefix);
  line += " logons=" + u(c.logons) + " orders=" + u(c.orders) + " cancels=" + u(c.cancels) +
          " replaces=" + u(c.replaces) + " status=" + u(c.status_requests) +
          " positions=" + u(c.positions_requests) + " rejects=" + u(c.rejects) +
          " duplicate_ids=" + u(c.duplicate_ids) + " malformed=" + u(c.malformed) +
          " sent=" + u(c.reports_sent) + " send_failures=" + u(c.send_failures) +
          " md_snapshots=" + u(c.md_snapshots) + " md_incrementals=" + u(c.md_incrementals) +
          " md_rejects=" + u(c.md_rejects) + " funding_msgs=" + u(c.funding_messages) +
          " faults=" + u(s.faults_applied) + " sim_s=" + fmt(s.sim_seconds);
  if (s.ws_enabled) {
    const VenueWsCounters& w = s.ws;
    line += " ws_connections=" + u(w.connections) + " ws_requests=" + u(w.requests) +
            " ws_orders=" + u(w.orders) + " ws_cancels=" + u(w.cancels) +
            " ws_modifies=" + u(w.modifies) + " ws_rejects=" + u(w.rejects) +
            " ws_md=" + u(w.md_messages) + " ws_user=" + u(w.user_messages) +
            " ws_drops=" + u(w.drops);
  }
  for (const VenueClientSummary& a : s.clients) {
    std::string name = a.session;
    if (const auto arrow = name.rfind("->"); arrow != std::string::npos)
      name = name.substr(arrow + 2);
    line += " | " + name + ": cash=" + fmt(a.cash) + " fees=" + fmt(a.fees_paid) +
            " funding_received=" + fmt(a.funding_received) +
            " funding_paid=" + fmt(a.funding_paid) + " funding_payments=" + u(a.funding_payments);
    for (const auto& p : a.positions) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.8g", p.contracts);
      line += " " + p.symbol + "=" + buf;
    }
  }
  return line;
}

struct VenueRunner::Impl {
  Universe universe;  // the config's, with funding_interval_s overridden
  VenueSimConfig venue;
  VenueRunnerOptions options;
  std::string store;
  std::unique_ptr<VenueSimulation> sim;
  std::unique_ptr<VenueFixServer> server;
  std::unique_ptr<VenueWsServer> ws;  // [venue] ws_port != 0
  std::optional<ReplayTickSource> replay;
  std::vector<ScheduledFault> schedule;
  std::size_t next_fault = 0;
  std::int64_t start_ns = 0;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool started = false;
  bool stopped = false;
  std::thread stepper;
  std::chrono::steady_clock::time_point wall0{};
  std::chrono::steady_clock::time_point wall_end{};
  std::atomic<std::int64_t> sim_now{0};
  std::atomic<bool> paused{false};
  // Simulated ns accumulated by the steps so far (paused time does not count).
  double sim_elapsed_ns = 0.0;
  std::chrono::steady_clock::time_point last_step{};
  std::atomic<std::uint64_t> faults_applied{0};
  std::atomic<std::uint64_t> faults_refused{0};

  void loop();
  void step(std::chrono::steady_clock::time_point now);
};

VenueRunner::VenueRunner(const BallastConfig& cfg, const VenueSimConfig& v,
                         VenueRunnerOptions options)
    : impl_(std::make_unique<Impl>()) {
  const std::vector<std::string> errors = validate_venue_config(cfg, v);
  if (!errors.empty()) {
    std::string all;
    for (const std::string& m : errors) all += (all.empty() ? "" : "; ") + m;
    throw std::invalid_argument(all);
  }
  Impl& s = *impl_;
  s.universe = cfg.universe;
  s.venue = v;
  s.options = std::move(options);
  if (v.funding_interval_s > 0)
    for (InstrumentSpec& spec : s.universe.instruments)
      if (spec.kind == InstrumentKind::perpetual) spec.funding_interval_s = v.funding_interval_s;
  for (const std::string& line : v.faults)
    if (auto f = parse_scheduled_fault(line)) s.schedule.push_back(std::move(*f));
  std::stable_sort(
      s.schedule.begin(), s.schedule.end(),
      [](const ScheduledFault& a, const ScheduledFault& b) { return a.at_s < b.at_s; });

  s.start_ns = s.options.start_ns > 0 ? s.options.start_ns : wall_now_ns();
  std::vector<double> replay_prices;
  if (!v.feed_file.empty()) {
    ReplayLoad load = ReplayTickSource::load(v.feed_file, s.universe);
    if (!load.ok()) throw std::invalid_argument("venue.feed_file: " + load.errors.front());
    replay_prices = replay_first_prices(*load.source, s.universe);
    s.replay = std::move(load.source);
    s.replay->start(ReplayPaceKind::recorded, 0.0, true, s.start_ns);
  }

  SimulationConfig sc;
  sc.prices.seed = v.seed;
  sc.prices.start_ns = s.start_ns;
  sc.marks.seed = v.seed + 1;
  const Universe& u = s.universe;
  for (const AssetId a : traded_assets(u)) {
    double price = market_price(cfg, a);
    if (!(price > 0.0) && a < replay_prices.size()) price = replay_prices[a];
    AssetWalkConfig w;
    w.name = u.assets[a].name;
    w.initial_price = price;
    // Replay drives the marks: the walks stand still (they only seed spot prices).
    w.annual_volatility = s.replay ? 0.0 : v.volatility;
    if (!s.replay && v.jump_per_day > 0.0 && v.jump_size > 0.0) {
      w.jump_intensity = v.jump_per_day * 365.0;
      w.jump_mean = 0.0;  // sign random
      w.jump_stdev = std::log1p(v.jump_size);
    }
    sc.prices.assets.push_back(std::move(w));
  }
  const std::size_t n = sc.prices.assets.size();
  if (n > 1 && v.correlation != 0.0) {
    sc.prices.correlation.assign(n * n, v.correlation);
    for (std::size_t k = 0; k < n; ++k) sc.prices.correlation[k * n + k] = 1.0;
  }
  s.sim = std::make_unique<VenueSimulation>(s.universe, sc);
  s.sim_now.store(s.sim->now_ns());
  if (v.depth_notional > 0.0) {
    // Same notional at every instrument: lots per level from the starting price.
    for (InstrumentId i = 0; i < u.instruments.size(); ++i) {
      const InstrumentSpec& spec = u.instruments[i];
      const double per_lot =
          spec.is_inverse() ? spec.contract_value_d * spec.lot_size_d
                            : market_price(cfg, spec.base) * spec.contract_size_d * spec.lot_size_d;
      if (!(per_lot > 0.0)) continue;
      QuoteConfig q = s.sim->market_maker().config(i);
      q.lots_per_level =
          std::max<std::int64_t>(1, static_cast<std::int64_t>(v.depth_notional / per_lot));
      s.sim->market_maker().configure(i, q);
    }
  }

  if (!v.store_dir.empty())
    s.store = v.store_dir;
  else if (!cfg.state_dir.empty())
    s.store = (std::filesystem::path(cfg.state_dir) / "venue").string();
  else
    s.store = (std::filesystem::temp_directory_path() /
               ("ballast-venue-store-" + std::to_string(::getpid())))
                  .string();

  VenueFixServerOptions so;
  so.fix.port = v.port;
  so.fix.store_path = s.store;
  so.fix.log_path = s.options.log_dir;
  so.fix.heartbeat_s = s.options.heartbeat_s;
  so.fix.target_comp_ids = s.options.target_comp_ids;
  const double cash = v.cash > 0.0 ? v.cash : cfg.margin_balance ? *cfg.margin_balance : 1e6;
  so.client_account = AccountConfig{"", cash, false, false};
  so.md_interval_ms = v.tick_interval_ms;
  s.server = std::make_unique<VenueFixServer>(*s.sim, so);

  if (v.ws_port != 0) {
    VenueWsServerOptions wo;
    wo.port = v.ws_port;
    wo.tls_cert_file = v.ws_cert_file;
    wo.tls_key_file = v.ws_key_file;
    // No credentials (no file, no environment): market data and depth only; every signed
    // request is refused with -2015.
    if (auto c = ws::load_credentials(v.ws_credentials_file)) wo.credentials.push_back(*c);
    wo.recv_window_ms = v.ws_recv_window_ms;
    wo.client_account = so.client_account;
    wo.client_account.check_margin = true;  // Binance refuses what the margin cannot carry
    wo.md_interval_ms = v.tick_interval_ms;
    // One lock for both servers: the FIX server's. Its drain clears the venue's events
    // after the WebSocket server has read those of its accounts.
    VenueFixServer* fix = s.server.get();
    wo.run_locked = [fix](const std::function<void(VenueSimulation&)>& f) {
      fix->with_simulation([&](VenueSimulation& simulation) { f(simulation); });
    };
    s.ws = std::make_unique<VenueWsServer>(*s.sim, std::move(wo));
  }
}

VenueRunner::~VenueRunner() {
  stop();
}

void VenueRunner::start() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    if (s.started) return;
  }
  s.server->start();  // throws: the port is taken
  if (s.ws) {
    try {
      s.ws->start();
    } catch (...) {
      s.server->stop();
      throw;
    }
  }
  std::lock_guard lock(s.mu);
  s.started = true;
  s.wall0 = std::chrono::steady_clock::now();
  s.last_step = s.wall0;
  s.stepper = std::thread([&s] { s.loop(); });
}

void VenueRunner::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    if (!s.started || s.stopped) return;
    s.stopped = true;
    s.stopping = true;
    s.wall_end = std::chrono::steady_clock::now();
  }
  s.cv.notify_all();
  if (s.stepper.joinable()) s.stepper.join();
  if (s.ws) s.ws->stop();
  s.server->stop();
}

bool VenueRunner::running() const noexcept {
  std::lock_guard lock(impl_->mu);
  return impl_->started && !impl_->stopped;
}

void VenueRunner::Impl::loop() {
  auto next = wall0;
  std::unique_lock lock(mu);
  while (!stopping) {
    next += std::chrono::milliseconds(options.step_ms > 0 ? options.step_ms : 10);
    cv.wait_until(lock, next, [this] { return stopping; });
    if (stopping) break;
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    step(now);
    lock.lock();
    if (now > next + std::chrono::milliseconds(100)) next = now;  // fell behind: no catch-up
  }
}

void VenueRunner::Impl::step(std::chrono::steady_clock::time_point now) {
  const double wall_s = std::chrono::duration<double>(now - wall0).count();
  const double dt_s = std::chrono::duration<double>(now - last_step).count();
  last_step = now;
  if (paused.load()) return;  // the clock, market data and scheduled faults wait
  sim_elapsed_ns += dt_s * venue.speed * 1e9;
  const auto sim_ns = start_ns + static_cast<std::int64_t>(sim_elapsed_ns);
  if (replay) {
    server->with_simulation([&](VenueSimulation& simulation) {
      MarketTick t;
      while (replay->poll(sim_ns, t))
        if (t.mark > 0.0) simulation.override_mark(t.instrument, t.mark, t.index, t.funding_rate);
    });
  }
  // The WebSocket server steps the simulation (and reads its accounts' events before the
  // FIX drain clears them); the FIX server's step_to is then a no-op step that publishes
  // its market data.
  if (ws) ws->step_to(sim_ns);
  server->step_to(sim_ns);
  sim_now.store(sim_ns);
  while (next_fault < schedule.size() && schedule[next_fault].at_s <= wall_s) {
    const FaultCommand& cmd = schedule[next_fault++].command;
    const std::string err = server->apply_fault(cmd);
    if (err.empty() && cmd.kind == FaultCommand::Kind::drop && ws) ws->drop_all();
    std::string line;
    if (err.empty()) {
      faults_applied.fetch_add(1);
      line = "ballast-venue: fault " + cmd.to_string();
    } else {
      faults_refused.fetch_add(1);
      line = "ballast-venue: bad command: " + cmd.to_string();
    }
    if (options.on_fault) options.on_fault(line);
  }
}

std::string VenueRunner::command(std::string_view line, std::string* why) {
  std::string err;
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  const auto cmd = parse_fault_command(text, &err);
  if (cmd) err = impl_->server->apply_fault(*cmd);
  // `drop` also resets every WebSocket connection (no close frame: the client reconnects).
  if (cmd && err.empty() && cmd->kind == FaultCommand::Kind::drop && impl_->ws)
    impl_->ws->drop_all();
  if (!cmd || !err.empty()) {
    impl_->faults_refused.fetch_add(1);
    if (why) *why = err;
    return "ballast-venue: bad command: " + text;
  }
  impl_->faults_applied.fetch_add(1);
  return "ballast-venue: fault " + cmd->to_string();
}

VenueRunSummary VenueRunner::summary() const {
  const Impl& s = *impl_;
  VenueRunSummary r;
  r.counters = s.server->counters();
  r.clients = s.server->clients();
  if (s.ws) {
    r.ws_enabled = true;
    r.ws_port = s.ws->port();
    r.ws = s.ws->counters();
    for (VenueClientSummary& c : s.ws->clients()) r.clients.push_back(std::move(c));
  }
  {
    std::lock_guard lock(impl_->mu);
    if (s.started) {
      const auto end = s.stopped ? s.wall_end : std::chrono::steady_clock::now();
      r.wall_seconds = std::chrono::duration<double>(end - s.wall0).count();
    }
  }
  r.sim_seconds = static_cast<double>(s.sim_now.load() - s.start_ns) / 1e9;
  r.faults_applied = s.faults_applied.load();
  r.faults_refused = s.faults_refused.load();
  return r;
}

int VenueRunner::port() const noexcept {
  return impl_->venue.port;
}

int VenueRunner::ws_port() const noexcept {
  return impl_->ws ? impl_->ws->port() : 0;
}

bool VenueRunner::ws_tls() const noexcept {
  return impl_->ws && impl_->ws->tls();
}

const std::string& VenueRunner::store_dir() const noexcept {
  return impl_->store;
}

void VenueRunner::pause(bool paused) noexcept {
  impl_->paused.store(paused);
}

bool VenueRunner::paused() const noexcept {
  return impl_->paused.load();
}

std::int64_t VenueRunner::sim_now_ns() const {
  return impl_->sim_now.load();
}

}  // namespace ballast::venue
