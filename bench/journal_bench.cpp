// The journal's cost (issue 16): what the engine thread pays per event (the ring push,
// with the writer thread draining to a real file), what the record encoder costs, and
// how many records a second the writer sustains with sync = "group" and "none". Run:
//   build/release/bench/ballast_bench_journal --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "../tests/common/temp_dir.hpp"
#include "ballast/journal/journal_writer.hpp"

namespace ballast::journal {
namespace {

JournalEvent sample_order(std::uint64_t id) {
  OrderRequest r;
  r.client_order_id = id;
  r.lots = 12;
  r.limit_ticks = 6'512'300;
  r.instrument = 1;
  r.side = Side::sell;
  return JournalEvent::order_sent(r, 1'790'000'000'000'000'000 + static_cast<std::int64_t>(id));
}

std::unique_ptr<JournalWriter> open_writer(JournalSync sync, const std::filesystem::path& dir) {
  JournalConfig c;
  c.present = true;
  c.path = (dir / "bench.journal").string();
  c.sync = sync;
  c.sync_ms = 5;
  RunStart run;
  run.set_software_version("bench");
  std::string error;
  auto w = JournalWriter::open(c, 0, run, error);
  if (!w) std::fprintf(stderr, "journal bench: %s\n", error.c_str());
  return w;
}

// The engine thread's side: one JournalTap::append (a 96-byte SPSC push) while the writer
// drains to disk. Every 4,096 pushes the clock stops until the writer has caught up, so
// what is timed is a push into a ring with room (the engine's case), never a refusal.
void BM_JournalWriter_Append(benchmark::State& state) {
  const auto dir = testing::fresh_temp_dir("bench-journal");
  auto w = open_writer(JournalSync::group, dir);
  if (!w) {
    state.SkipWithError("cannot open the journal");
    return;
  }
  w->start();
  std::uint64_t id = 0;
  std::int64_t refused = 0;
  for (auto _ : state) {
    const bool ok = w->append(sample_order(++id));
    refused += ok ? 0 : 1;
    benchmark::DoNotOptimize(ok);
    if ((id & 4095u) == 0) {
      state.PauseTiming();
      while (w->stats().records + static_cast<std::uint64_t>(refused) < id)
        std::this_thread::yield();
      state.ResumeTiming();
    }
  }
  w->stop();
  state.counters["refused"] = static_cast<double>(refused);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JournalWriter_Append);

void BM_JournalRecord_Encode(benchmark::State& state) {
  std::uint8_t buf[kMaxRecordBytes];
  std::uint64_t id = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(encode_event(sample_order(++id), buf));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_JournalRecord_Encode);

// Records a second to disk: `range(0)` events appended as fast as the ring takes them,
// timed until the writer has written (and, with group sync, synced) every one.
void BM_JournalWriter_Throughput(benchmark::State& state) {
  const auto sync = state.range(1) == 0 ? JournalSync::group : JournalSync::none;
  const auto events = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    const auto dir = testing::fresh_temp_dir("bench-journal");
    auto w = open_writer(sync, dir);
    if (!w) {
      state.SkipWithError("cannot open the journal");
      return;
    }
    w->start();
    state.ResumeTiming();
    for (std::uint64_t id = 1; id <= events; ++id)
      while (!w->append(sample_order(id))) std::this_thread::yield();
    w->stop();
    state.PauseTiming();
    const JournalWriterStats s = w->stats();
    state.counters["syncs"] = static_cast<double>(s.syncs);
    state.counters["writes"] = static_cast<double>(s.writes);
    w.reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(events));
}
BENCHMARK(BM_JournalWriter_Throughput)
    ->Args({200'000, 0})
    ->Args({200'000, 1})
    ->ArgNames({"events", "sync_none"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace ballast::journal

BENCHMARK_MAIN();
