// Cost of LatencyHistogram: record() is what every pipeline stage pays per event, so it has
// to stay at a few ns; percentile() runs only when a report is built.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "ballast/core/latency_histogram.hpp"

namespace {

// Lognormal stage latencies (median ~8 us, heavy tail), generated up front so the benchmark
// measures the histogram and not the random number generator. The size is a power of two so
// the cursor wraps with a mask.
const std::vector<std::uint64_t>& sample_latencies() {
  static const std::vector<std::uint64_t> values = [] {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(9.0, 1.5);
    std::vector<std::uint64_t> v(std::size_t{1} << 16);
    for (auto& x : v) x = static_cast<std::uint64_t>(dist(rng));
    return v;
  }();
  return values;
}

void BM_LatencyHistogram_Record(benchmark::State& state) {
  const auto& values = sample_latencies();
  const std::size_t mask = values.size() - 1;
  auto histogram = std::make_unique<ballast::LatencyHistogram>();
  std::size_t i = 0;
  for (auto _ : state) {
    histogram->record(values[i++ & mask]);
  }
  benchmark::DoNotOptimize(histogram->count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LatencyHistogram_Record);

// Percentile on a histogram filled with 1M samples; the arg is the percentile (x10 for p99.9),
// since the scan starts from the nearer end and its length depends on where q falls.
void BM_LatencyHistogram_Percentile(benchmark::State& state) {
  const auto& values = sample_latencies();
  auto histogram = std::make_unique<ballast::LatencyHistogram>();
  for (int round = 0; round < 16; ++round)
    for (auto v : values) histogram->record(v);
  const double q = static_cast<double>(state.range(0)) / 10.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(histogram->percentile(q));
  }
}
BENCHMARK(BM_LatencyHistogram_Percentile)->Arg(500)->Arg(990)->Arg(999);

}  // namespace
