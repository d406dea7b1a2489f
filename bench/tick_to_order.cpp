// `ballast-bench tick-to-order`: drives ticks through the real pipeline (md agent ->
// engine with drift tracker, planner and risk gate -> order agent encoding FIX into the
// loopback venue, fills back to the engine) and reports latency per stage. Modes: paced
// (one tick in flight), open loop at a fixed rate measured from each tick's scheduled
// time (no coordinated omission), the same pipeline over mutex+condvar queues as a
// baseline, the paced run again with the event journal on, the floor (one-way cache-line
// latency between the two pinned CPUs), and md+engine throughput over 100 instruments.
// The last line is the paced summary.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ballast/core/agent.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/core/config.hpp"
#include "ballast/core/guarded_main.hpp"
#include "ballast/core/loopback_venue.hpp"
#include "ballast/core/pipeline.hpp"
#include "ballast/journal/journal_writer.hpp"
#include "ballast/risk/risk_gate.hpp"
#include "locked_link.hpp"

namespace ballast::bench {
namespace {

// One BTC perpetual hedging 1 BTC of spot against 50% cash, with a band of 0.2%: the
// price alternates by 2% so every tick breaches the band and leads to one order.
constexpr const char* kHedgeBook = R"(
[engine]
base_currency = "USDT"
[[instrument]]
symbol = "BTCUSDT-PERP"
kind = "perpetual"
base = "BTC"
contract_size = 0.001
lot_size = 1
tick_size = 0.1
taker_fee_bps = 5.0
funding_interval_s = 28800
leverage = 5
margin_brackets = [ { max_notional = 250000, mmr = 0.004, maint_amount = 0 } ]
[[target]]
asset = "BTC"
weight = 0.5
band = 0.002
hedge_with = ["BTCUSDT-PERP"]
[policy]
min_order_notional = 10.0
max_cost_bps = 50.0
[risk]
collateral = { BTC = 0.95 }
max_leverage = 3.0
min_liquidation_distance = 0.25
max_margin_utilization = 0.5
max_asset_weight = 1.0
max_order_notional = 1000000.0
price_collar_bps = 100.0
max_orders_per_second = 10000
max_orders_per_minute = 600000
max_md_staleness_ms = 60000
[portfolio]
cash = 70000.0
spot = [ { asset = "BTC", qty = 1.0 } ]
)";

// Every check still runs on every order (its cost is what is measured), but the book
// sends an order per tick for millions of ticks, beyond any real desk's throttle and
// daily budgets: those are opened here, past the ranges a config file may give them.
BallastConfig open_limits(BallastConfig c) {
  c.risk.max_orders_per_second = 1e9;
  c.risk.max_orders_per_minute = 6e10;
  c.risk.max_daily_fees_bps = 1e12;
  c.risk.max_daily_turnover = 1e12;
  c.risk.max_consecutive_rejects = std::numeric_limits<std::int64_t>::max();
  return c;
}

BallastConfig load_inline(const std::string& text, const char* name) {
  auto r = parse_config(text, name);
  if (!r.ok()) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    std::exit(1);
  }
  return open_limits(*r.config);
}

MarketTick hedge_tick(std::uint64_t k) {
  const double price = k % 2 == 0 ? 70000.0 : 71400.0;
  MarketTick t;
  t.instrument = 0;
  t.bid = price - 0.1;
  t.ask = price + 0.1;
  t.bid_qty = 10;
  t.ask_qty = 10;
  t.mark = price;
  t.index = price;
  t.exchange_ts_ns = static_cast<std::int64_t>(k);
  return t;
}

// Releases the next tick only when the engine has settled the previous one.
class PacedSource final : public TickSource {
 public:
  PacedSource(std::uint64_t total, std::uint64_t warmup) : total_(total), warmup_(warmup) {}
  void watch(std::function<std::uint64_t()> settled) { settled_ = std::move(settled); }
  bool poll(std::int64_t, MarketTick& out) noexcept override {
    if (emitted_ >= total_ || settled_() < emitted_) return false;
    out = hedge_tick(emitted_);
    out.flags = emitted_ < warmup_ ? kTickWarmup : 0;
    ++emitted_;
    return true;
  }
  [[nodiscard]] bool exhausted() const noexcept override { return emitted_ >= total_; }

 private:
  std::uint64_t total_;
  std::uint64_t warmup_;
  std::uint64_t emitted_ = 0;
  std::function<std::uint64_t()> settled_;
};

// Emits tick k at start + k / rate and stamps it with that scheduled time.
class ScheduledSource final : public TickSource {
 public:
  ScheduledSource(double rate, std::uint64_t total, std::uint64_t warmup)
      : period_ns_(1e9 / rate), total_(total), warmup_(warmup) {}
  void start(std::int64_t now_ns) { start_ns_ = now_ns; }
  bool poll(std::int64_t now_ns, MarketTick& out) noexcept override {
    if (emitted_ >= total_) return false;
    const auto due =
        start_ns_ + static_cast<std::int64_t>(static_cast<double>(emitted_) * period_ns_);
    if (now_ns < due) return false;
    out = hedge_tick(emitted_);
    out.recv_tsc = TscClock::from_ns(due);
    out.flags = emitted_ < warmup_ ? kTickWarmup : 0;
    ++emitted_;
    return true;
  }
  [[nodiscard]] bool exhausted() const noexcept override { return emitted_ >= total_; }

 private:
  double period_ns_;
  std::uint64_t total_;
  std::uint64_t warmup_;
  std::int64_t start_ns_ = 0;
  std::uint64_t emitted_ = 0;
};

// Ticks for many instruments as fast as they can be taken (a pre-generated random walk).
class FloodSource final : public TickSource {
 public:
  FloodSource(std::size_t instruments, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> step(0.0, 1e-4);
    std::vector<double> price(instruments, 100.0);
    ticks_.resize(1 << 16);
    for (std::size_t k = 0; k < ticks_.size(); ++k) {
      const std::size_t i = k % instruments;
      price[i] *= 1.0 + step(rng);
      MarketTick& t = ticks_[k];
      t.instrument = static_cast<InstrumentId>(i);
      t.bid = price[i] * 0.9999;
      t.ask = price[i] * 1.0001;
      t.mark = price[i];
      t.index = price[i];
    }
  }
  bool poll(std::int64_t, MarketTick& out) noexcept override {
    if (stop_.load(std::memory_order_relaxed)) return false;
    out = ticks_[next_++ & (ticks_.size() - 1)];
    return true;
  }
  [[nodiscard]] bool exhausted() const noexcept override {
    return stop_.load(std::memory_order_relaxed);
  }
  void stop() { stop_.store(true); }

 private:
  std::vector<MarketTick> ticks_;
  std::uint64_t next_ = 0;
  std::atomic<bool> stop_{false};
};

struct Options {
  std::uint64_t paced_ticks = 20000;
  std::uint64_t warmup = 2000;
  double rate = 100000;
  double open_seconds = 2.0;
  double throughput_seconds = 2.0;
};

std::vector<ThreadSpec> two_core_layout(const std::vector<int>& cpus) {
  const int a = cpus.empty() ? -1 : cpus[0];
  const int b = cpus.size() > 1 ? cpus[1] : -1;
  const IdleKind idle = cpus.size() > 1 ? IdleKind::spin : IdleKind::backoff;
  return {ThreadSpec{"hot", {AgentKind::market_data, AgentKind::engine}, a, idle},
          ThreadSpec{"orders", {AgentKind::orders}, b, idle}};
}

void print_row(const char* name, const LatencyHistogram& h) {
  std::printf("  %-22s %8llu %8llu %8llu %8llu %9llu %9llu\n", name,
              static_cast<unsigned long long>(h.percentile(50)),
              static_cast<unsigned long long>(h.percentile(90)),
              static_cast<unsigned long long>(h.percentile(99)),
              static_cast<unsigned long long>(h.percentile(99.9)),
              static_cast<unsigned long long>(h.max()), static_cast<unsigned long long>(h.count()));
}

void print_stages(const PipelineLatency& l) {
  std::printf("  %-22s %8s %8s %8s %8s %9s %9s\n", "stage (ns)", "p50", "p90", "p99", "p99.9",
              "max", "count");
  print_row("decode", l.decode);
  print_row("hop md->engine", l.hop_md_engine);
  print_row("engine (value+plan)", l.engine);
  print_row("risk", l.risk);
  print_row("hop engine->orders", l.hop_engine_order);
  print_row("encode", l.encode);
  print_row("send", l.send);
  print_row("tick-to-order", l.tick_to_order);
}

struct RunResult {
  PipelineLatency latency;
  std::unique_ptr<LatencyHistogram> tick_to_engine = std::make_unique<LatencyHistogram>();
  std::uint64_t ticks = 0;
  std::uint64_t orders = 0;
  std::uint64_t risk_rejects = 0;
  std::uint64_t conflated = 0;
  double seconds = 0;
  std::vector<std::string> threads;
};

template <typename Links, typename Source>
std::unique_ptr<RunResult> run_pipeline(const BallastConfig& config, Source& source,
                                        const std::vector<ThreadSpec>& layout, bool blocking,
                                        double max_seconds, JournalTap* journal = nullptr) {
  ClientOrderIdGenerator ids(1, std::nullopt);
  risk::RiskGate gate(config.universe, config.risk, config.policy, config.margin_balance);
  LoopbackVenue venue(config.universe);
  auto core = std::make_unique<EngineCore>(config, gate, ids, 0);
  core->set_journal(journal);
  auto pipeline =
      std::make_unique<Pipeline<Links>>(*core, source, venue, config.universe.instrument_count());
  if constexpr (std::is_same_v<Source, PacedSource>) {
    auto* p = pipeline.get();
    source.watch([p] { return p->engine().settled_ticks(); });
  }
  if constexpr (std::is_same_v<Source, ScheduledSource>)
    source.start(TscClock::to_ns(TscClock::now()));
  const auto t0 = std::chrono::steady_clock::now();
  pipeline->start(layout, blocking);
  while (!pipeline->drained()) {
    // Seldom: this thread is a third one on two cores, and each wake-up can preempt a
    // pinned spinner (visible as a stall in the open-loop tail).
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > max_seconds) {
      if constexpr (std::is_same_v<Source, FloodSource>) source.stop();
      pipeline->stop_reading();
      if (s > max_seconds + 5) break;
    }
  }
  pipeline->stop();
  auto r = std::make_unique<RunResult>();
  r->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r->latency = pipeline->orders().latency();
  r->tick_to_engine->merge(pipeline->engine().tick_latency());
  r->ticks = core->stats().ticks;
  r->orders = core->stats().orders;
  r->risk_rejects = core->stats().risk_rejects;
  r->conflated = pipeline->md().conflated();
  r->threads = pipeline->describe_threads();
  return r;
}

// One-way latency of a cache line between two pinned CPUs: round trip / 2.
LatencyHistogram measure_floor(int cpu_a, int cpu_b, int samples) {
  struct alignas(64) Line {
    std::atomic<std::uint64_t> v{0};
  };
  auto ping = std::make_unique<Line>();
  auto pong = std::make_unique<Line>();
  LatencyHistogram h;
  std::thread echo([&] {
    pin_current_thread(cpu_b);
    for (std::uint64_t k = 1; k <= static_cast<std::uint64_t>(samples); ++k) {
      while (ping->v.load(std::memory_order_acquire) != k) {
      }
      pong->v.store(k, std::memory_order_release);
    }
  });
  pin_current_thread(cpu_a);
  for (std::uint64_t k = 1; k <= static_cast<std::uint64_t>(samples); ++k) {
    const std::uint64_t t0 = TscClock::now();
    ping->v.store(k, std::memory_order_release);
    while (pong->v.load(std::memory_order_acquire) != k) {
    }
    h.record(static_cast<std::uint64_t>(TscClock::delta_ns(t0, TscClock::now()) / 2));
  }
  echo.join();
  return h;
}

// 25 assets x (1 perpetual + 3 dated futures) = 100 instruments, wide bands (no trades):
// the cost of valuing and judging every tick.
std::string flood_book() {
  std::string s = "[engine]\nbase_currency = \"USDT\"\n";
  std::string spot = "[portfolio]\ncash = 100000.0\nspot = [";
  for (int i = 0; i < 25; ++i) {
    const std::string a = "A" + std::to_string(i);
    s += "[[instrument]]\nsymbol = \"" + a + "-PERP\"\nkind = \"perpetual\"\nbase = \"" + a +
         "\"\ncontract_size = 1\nlot_size = 1\ntick_size = 0.01\nfunding_interval_s = 28800\n";
    for (int m = 1; m <= 3; ++m)
      s += "[[instrument]]\nsymbol = \"" + a + "-F" + std::to_string(m) +
           "\"\nkind = \"future\"\nbase = \"" + a +
           "\"\ncontract_size = 1\nlot_size = 1\ntick_size = 0.01\nexpiry = 2027-0" +
           std::to_string(m * 3) + "-26T08:00:00Z\n";
    s += "[[target]]\nasset = \"" + a + "\"\nweight = 0.03\nband = 0.5\nhedge_with = [\"" + a +
         "-PERP\"]\n";
    spot += std::string(i ? ", " : "") + "{ asset = \"" + a + "\", qty = 10.0 }";
  }
  return s + spot + " ]\n";
}

long resident_kib() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident * 4;
}

int tick_to_order(const Options& o) {
  TscClock::calibrate();
  const BallastConfig book = load_inline(kHedgeBook, "hedge-book");
  const std::vector<int> cpus = usable_cpus();
  const auto layout = two_core_layout(cpus);
  std::printf("ballast-bench tick-to-order  (clock: %s, %.4f ns/tick)\n",
              TscClock::uses_tsc() ? "invariant TSC" : "CLOCK_MONOTONIC", TscClock::ns_per_tick());

  if (cpus.size() >= 2) {
    const LatencyHistogram floor = measure_floor(cpus[0], cpus[1], 200000);
    allow_current_thread(cpus);  // measure_floor pinned this thread; let it float again
    std::printf(
        "floor: one-way cache-line latency cpu %d <-> cpu %d: p50 %llu ns, p99 %llu ns "
        "(round trip / 2, %llu samples)\n",
        cpus[0], cpus[1], static_cast<unsigned long long>(floor.percentile(50)),
        static_cast<unsigned long long>(floor.percentile(99)),
        static_cast<unsigned long long>(floor.count()));
  }

  // Paced, lock-free.
  PacedSource paced(o.paced_ticks + o.warmup, o.warmup);
  const auto lf = run_pipeline<LockFreeLinks>(book, paced, layout, false, 120);
  std::printf("\ntopology: ");
  for (const auto& t : lf->threads) std::printf("%s | ", t.c_str());
  std::printf(
      "\npaced, lock-free SPSC: %llu ticks (%llu warm-up), %llu orders, %llu risk rejects\n",
      static_cast<unsigned long long>(lf->ticks), static_cast<unsigned long long>(o.warmup),
      static_cast<unsigned long long>(lf->orders),
      static_cast<unsigned long long>(lf->risk_rejects));
  print_stages(lf->latency);

  // The same paced run with the journal on (group sync, 5 ms, a file in the temp
  // directory): what the ring push and a third thread writing to disk cost the order path.
  {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                      ("ballast-bench-journal-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    journal::JournalConfig jc;
    jc.present = true;
    jc.path = (dir / "t2o.journal").string();
    std::string error;
    auto writer = journal::JournalWriter::open(jc, 0, journal::RunStart{}, error);
    if (!writer) {
      std::fprintf(stderr, "ballast-bench: journal: %s\n", error.c_str());
      return 1;
    }
    writer->start();
    PacedSource paced_journal(o.paced_ticks + o.warmup, o.warmup);
    const auto lj =
        run_pipeline<LockFreeLinks>(book, paced_journal, layout, false, 120, writer.get());
    writer->stop();
    const journal::JournalWriterStats js = writer->stats();
    std::printf(
        "\npaced, lock-free SPSC, journal on (group sync 5 ms): %llu orders; journal %llu "
        "records, %llu writes, %llu syncs, %llu refused\n",
        static_cast<unsigned long long>(lj->orders), static_cast<unsigned long long>(js.records),
        static_cast<unsigned long long>(js.writes), static_cast<unsigned long long>(js.syncs),
        static_cast<unsigned long long>(js.ring_full));
    print_row("engine (value+plan)", lj->latency.engine);
    print_row("tick-to-order", lj->latency.tick_to_order);
    const LatencyHistogram& a = lf->latency.tick_to_order;
    const LatencyHistogram& b = lj->latency.tick_to_order;
    std::printf("journal_off_on tick_to_order_ns p50=%llu->%llu p99=%llu->%llu\n",
                static_cast<unsigned long long>(a.percentile(50)),
                static_cast<unsigned long long>(b.percentile(50)),
                static_cast<unsigned long long>(a.percentile(99)),
                static_cast<unsigned long long>(b.percentile(99)));
    writer.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // Open loop at a fixed rate, from scheduled time.
  const auto open_ticks = static_cast<std::uint64_t>(o.rate * o.open_seconds);
  ScheduledSource scheduled(o.rate, open_ticks + o.warmup, o.warmup);
  const auto ol = run_pipeline<LockFreeLinks>(book, scheduled, layout, false, o.open_seconds + 30);
  std::printf(
      "\nopen loop at %.0f ticks/s for %.1f s (latency from each tick's scheduled time):"
      " %llu ticks, %llu orders, %llu conflated\n",
      o.rate, o.open_seconds, static_cast<unsigned long long>(ol->ticks),
      static_cast<unsigned long long>(ol->orders), static_cast<unsigned long long>(ol->conflated));
  print_row("tick-to-order", ol->latency.tick_to_order);
  print_row("tick-to-engine-done", *ol->tick_to_engine);

  // Baseline: the same pipeline over mutex+condvar queues; the order thread sleeps.
  PacedSource paced_base(o.paced_ticks + o.warmup, o.warmup);
  const auto base = run_pipeline<LockedLinks>(book, paced_base, layout, true, 300);
  std::printf(
      "\nbaseline, paced, mutex+condvar queues (order thread sleeps on its condvar): "
      "%llu ticks, %llu orders\n",
      static_cast<unsigned long long>(base->ticks), static_cast<unsigned long long>(base->orders));
  print_row("tick-to-order", base->latency.tick_to_order);
  const double p99_lf = static_cast<double>(lf->latency.tick_to_order.percentile(99));
  const double p99_base = static_cast<double>(base->latency.tick_to_order.percentile(99));
  std::printf("  p99 baseline / lock-free = %.1fx;  p50 ratio %.1fx\n",
              p99_lf > 0 ? p99_base / p99_lf : 0.0,
              lf->latency.tick_to_order.percentile(50) > 0
                  ? static_cast<double>(base->latency.tick_to_order.percentile(50)) /
                        static_cast<double>(lf->latency.tick_to_order.percentile(50))
                  : 0.0);

  // Throughput: md + engine over 100 instruments, as fast as possible.
  const BallastConfig flood_cfg = load_inline(flood_book(), "flood-book");
  FloodSource flood(100, 7);
  const long rss_before = resident_kib();
  const auto tp =
      run_pipeline<LockFreeLinks>(flood_cfg, flood, layout, false, o.throughput_seconds);
  const long rss_after = resident_kib();
  std::printf(
      "\nthroughput, md+engine on one thread, 100 instruments: %llu ticks in %.2f s = "
      "%.0f ticks/s; %llu conflated; RSS %ld KiB -> %ld KiB\n",
      static_cast<unsigned long long>(tp->ticks), tp->seconds,
      static_cast<double>(tp->ticks) / tp->seconds, static_cast<unsigned long long>(tp->conflated),
      rss_before, rss_after);
  print_row("tick-to-engine-done", *tp->tick_to_engine);

  const LatencyHistogram& t = lf->latency.tick_to_order;
  std::printf(
      "\ntick_to_order_ns p50=%llu p90=%llu p99=%llu p999=%llu max=%llu ticks=%llu orders=%llu\n",
      static_cast<unsigned long long>(t.percentile(50)),
      static_cast<unsigned long long>(t.percentile(90)),
      static_cast<unsigned long long>(t.percentile(99)),
      static_cast<unsigned long long>(t.percentile(99.9)), static_cast<unsigned long long>(t.max()),
      static_cast<unsigned long long>(lf->ticks), static_cast<unsigned long long>(lf->orders));
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: ballast-bench tick-to-order [--ticks N] [--rate R] [--open-seconds S]\n"
               "                                   [--throughput-seconds S] [--quick]\n");
  return 2;
}

}  // namespace
}  // namespace ballast::bench

static int run_main(int argc, char** argv) {
  using ballast::bench::Options;
  if (argc < 2 || std::strcmp(argv[1], "tick-to-order") != 0) return ballast::bench::usage();
  Options o;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](double& out) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      out = std::strtod(argv[++i], &end);
      return end != nullptr && *end == '\0' && out > 0;
    };
    double v = 0;
    if (a == "--quick") {
      o.paced_ticks = 2000;
      o.warmup = 200;
      o.open_seconds = 0.2;
      o.throughput_seconds = 0.3;
    } else if (a == "--ticks" && value(v)) {
      o.paced_ticks = static_cast<std::uint64_t>(v);
    } else if (a == "--rate" && value(v)) {
      o.rate = v;
    } else if (a == "--open-seconds" && value(v)) {
      o.open_seconds = v;
    } else if (a == "--throughput-seconds" && value(v)) {
      o.throughput_seconds = v;
    } else {
      return ballast::bench::usage();
    }
  }
  return ballast::bench::tick_to_order(o);
}

int main(int argc, char** argv) {
  return ballast::run_guarded_main("ballast-bench", run_main, argc, argv);
}
