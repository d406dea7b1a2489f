#include "ballast/run_command.hpp"

#include <signal.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "ballast/core/clock.hpp"
#include "ballast/core/loopback_venue.hpp"
#include "ballast/core/pipeline.hpp"
#include "ballast/core/replay_source.hpp"
#include "ballast/json_writer.hpp"
#include "ballast/risk/risk_gate.hpp"

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

}  // namespace

int run_engine(const BallastConfig& config, const RunOptions& options) {
  if (config.feed.kind != FeedKind::replay) {
    std::fprintf(stderr,
                 "%s: feed: `ballast run` needs a market-data feed: [feed] kind = \"replay\" "
                 "with file = \"ticks.csv\"\n",
                 config.source_path.c_str());
    return 2;
  }
  TscClock::calibrate();
  auto load = ReplayTickSource::load(config.feed.file, config.universe);
  if (!load.errors.empty() || !load.source) {
    for (const auto& e : load.errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 2;
  }
  // Garbage in the recording is dropped and counted, never traded on; say so once.
  if (load.dropped > 0) {
    std::fprintf(stderr, "ballast: %s: dropped %zu of %zu lines\n", config.feed.file.c_str(),
                 load.dropped, load.lines);
    for (const auto& sample : load.dropped_samples) std::fprintf(stderr, "  %s\n", sample.c_str());
  }
  ReplayTickSource& replay = *load.source;
  ReplayFeed feed(replay);

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
  LoopbackVenue venue(config.universe);
  auto core = std::make_unique<EngineCore>(config, gate, ids, wall_offset_ns());
  auto pipeline =
      std::make_unique<Pipeline<>>(*core, feed, venue, config.universe.instrument_count());

  auto telemetry = std::make_unique<PipelineTelemetry>();
  pipeline->publish_telemetry(telemetry.get());
  install_signal_handlers();
  const ReplayPaceKind pace = config.feed.pace;
  replay.start(pace, config.feed.rate_per_s, config.feed.loop, TscClock::to_ns(TscClock::now()));
  const auto started = std::chrono::steady_clock::now();
  pipeline->start(config.threads);
  const std::vector<std::string> threads = pipeline->describe_threads();

  const char* stop_reason = "feed ended";
  auto next_status = started + std::chrono::seconds(1);
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (std::chrono::steady_clock::now() >= next_status) {
      next_status += std::chrono::seconds(1);
      // One status line a second, on stderr so stdout stays the summary.
      std::fprintf(stderr,
                   "ballast: ticks %llu  orders %llu  fills %llu  rejects %llu  NAV %.2f  "
                   "max|drift| %.2f%%  p99 tick-to-order %llu ns\n",
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
  // Drain: read nothing new, let what was read and every order in flight finish.
  pipeline->stop_reading();
  for (int k = 0; k < 500 && !pipeline->drained(); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const bool drained = pipeline->drained();
  pipeline->stop();
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
    j.field("shrunk", static_cast<long long>(s.shrunk));
    j.field("max_abs_drift_before", drift_before);
    j.field("max_abs_drift_after", drift_after);
    j.field("funding_paid", 0.0);  // the loopback venue settles no funding
    j.field("fees_paid", s.fees_paid);
    j.field("nav", core->valuation().nav);
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
    std::printf("  max |drift| %.2f%% at first valuation -> %.2f%% now   fees %.2f   NAV %.2f\n",
                drift_before * 100, drift_after * 100, s.fees_paid, core->valuation().nav);
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
