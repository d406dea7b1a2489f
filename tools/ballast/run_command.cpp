#include "ballast/run_command.hpp"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>

#include "ballast/core/json_writer.hpp"
#include "ballast/runtime/engine_runtime.hpp"
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

void write_venue_summary(JsonWriter& j, const venue::VenueRunSummary& v) {
  auto n = [](std::uint64_t x) { return static_cast<long long>(x); };
  j.begin_object();
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

// The simulator behind the runtime's EmbeddedVenue seam: only this executable links both.
class EmbeddedSimulator final : public runtime::EmbeddedVenue {
 public:
  explicit EmbeddedSimulator(const BallastFileConfig& config) : config_(config) {}

  // Built here, not earlier: the control socket's check comes before any venue state.
  void start() override {
    runner_ = std::make_unique<venue::VenueRunner>(config_, config_.venue);
    runner_->start();
  }
  void pause() noexcept override {
    if (runner_) runner_->pause(true);
  }
  void stop() override {
    if (!runner_) return;
    runner_->stop();
    summary_ = runner_->summary();
  }
  [[nodiscard]] runtime::EmbeddedVenueReport report() const override {
    if (!summary_) return {"{}", "venue: not run"};
    JsonWriter j;
    write_venue_summary(j, *summary_);
    return {j.str(), venue::format_summary(*summary_, "venue:")};
  }
  [[nodiscard]] std::string describe() const override {
    const VenueSimConfig& v = config_.venue;
    std::string out = "listening on FIX port " + std::to_string(v.port);
    if (v.ws_port != 0) {
      out += ", WebSocket port " + std::to_string(v.ws_port);
      if (!v.ws_cert_file.empty()) out += " (TLS)";
    }
    return out;
  }

 private:
  const BallastFileConfig& config_;
  std::unique_ptr<venue::VenueRunner> runner_;
  std::optional<venue::VenueRunSummary> summary_;
};

}  // namespace

// build -> start -> run_until -> shutdown, the sequence `run` and `reconcile` share;
// nullopt (with `exit_code`) when the engine could not be built or started.
static std::optional<runtime::RunSummary> run_engine_once(const BallastFileConfig& config,
                                                          bool reconcile_only,
                                                          runtime::StopWhen stop, int& exit_code) {
  // First: a Ctrl-C while the engine is still being built stops it as cleanly as one later
  // (run_until sees it at once), instead of killing the process mid-start.
  install_signal_handlers();
  runtime::RuntimeParts parts;
  parts.load_config = reload_ballast_config;
  parts.reconcile_only = reconcile_only;
  if (config.venue.embedded) parts.venue = std::make_unique<EmbeddedSimulator>(config);
  runtime::EngineRuntime::Built built = runtime::EngineRuntime::build(config, std::move(parts));
  exit_code = built.exit_code;
  if (!built.runtime) return std::nullopt;
  if ((exit_code = built.runtime->start()) != 0) return std::nullopt;
  stop.signal = &g_signal;
  built.runtime->run_until(stop);
  return built.runtime->shutdown();
}

int reconcile_command(const BallastFileConfig& config, double timeout_s, bool json) {
  int code = 0;
  const auto summary =
      run_engine_once(config, true, runtime::StopWhen{timeout_s, nullptr, true}, code);
  if (!summary) return code;
  const runtime::RunSummary& s = *summary;
  const Universe& u = config.universe;
  bool agree = s.reconcile.not_in_sync.empty();
  JsonWriter j;
  j.begin_object().key("instruments").begin_array();
  std::string text;
  for (const runtime::PositionLots& p : s.positions) {
    const InstrumentId i = u.find_instrument(p.symbol);
    const std::string& venue = u.venues[u.instruments[i].venue];
    // Answered, and not being asked again at the end (then the last answer is current).
    bool answered = false;
    for (const std::string& v : s.reconcile.answered) answered = answered || v == venue;
    for (const std::string& v : s.reconcile.not_in_sync)
      answered = answered && v.rfind(venue + " (", 0) != 0;
    std::int64_t journal = p.lots;  // after adopting: the venue's, unless it differed
    bool first = true;              // the first difference holds what the journal said
    for (const runtime::ReconcileLine& l : s.reconcile.lines)
      if (l.instrument == p.symbol && first) {
        journal = l.journal;
        first = false;
      }
    const bool same = answered && journal == p.lots;
    agree = agree && same;
    j.begin_object().field("symbol", p.symbol).field("venue", venue);
    j.field("journal", static_cast<long long>(journal));
    if (answered) j.field("venue_says", static_cast<long long>(p.lots));
    j.field("agrees", same).end_object();
    text += "  " + p.symbol + " (" + venue + "): journal " + std::to_string(journal) + ", venue " +
            (answered ? std::to_string(p.lots) : std::string("did not answer")) +
            (same ? "" : "  DIFFERS") + "\n";
  }
  j.end_array().key("not_in_sync").begin_array();
  for (const std::string& v : s.reconcile.not_in_sync) j.value(v);
  j.end_array().field("agree", agree).end_object();
  const std::string out =
      json ? j.str() + "\n"
           : std::string("ballast reconcile: ") +
                 (agree ? "the venues hold what the journal says" : "the venues DIFFER") + " (" +
                 s.stop_reason + ")\n" + text;
  std::fwrite(out.data(), 1, out.size(), stdout);
  return agree ? 0 : 1;
}

int run_command(const BallastFileConfig& config, const RunOptions& options) {
  int code = 0;
  const auto ran = run_engine_once(config, false, runtime::StopWhen{options.duration_s}, code);
  if (!ran) return code;
  const runtime::RunSummary& summary = *ran;
  const std::string out =
      options.json ? runtime::render_json(summary) : runtime::render_text(summary);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace ballast::tools
