// One hop through the SPSC link between two threads (pinned to the first two usable
// CPUs when there are two): a ping-pong of MarketTick events, reported per hop as half
// the round trip, next to a same-thread push+pop that shows the queue's own cost.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "ballast/core/agent.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/spsc_link.hpp"

namespace {

using Link = ballast::SpscLink<ballast::MarketTick, 256>;

void BM_SpscQueue_Hop(benchmark::State& state) {
  auto ping = std::make_unique<Link>();
  auto pong = std::make_unique<Link>();
  const std::vector<int> cpus = ballast::usable_cpus();
  std::atomic<bool> stop{false};
  std::atomic<bool> ready{false};
  std::thread echo([&] {
    if (cpus.size() > 1) ballast::pin_current_thread(cpus[1]);
    ready.store(true);
    ballast::MarketTick t;
    while (!stop.load(std::memory_order_relaxed))
      if (ping->try_pop(t))
        while (!pong->try_push(t)) {
        }
  });
  if (cpus.size() > 1) ballast::pin_current_thread(cpus[0]);
  while (!ready.load()) std::this_thread::yield();
  ballast::MarketTick tick;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    while (!ping->try_push(tick)) {
    }
    while (!pong->try_pop(tick)) {
    }
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count() / 2.0);  // one hop
  }
  stop.store(true);
  echo.join();
  ballast::allow_current_thread(cpus);  // the next run must see every CPU again
}
BENCHMARK(BM_SpscQueue_Hop)->UseManualTime();

void BM_SpscQueue_PushPopSameThread(benchmark::State& state) {
  auto link = std::make_unique<Link>();
  ballast::MarketTick tick;
  for (auto _ : state) {
    link->try_push(tick);
    link->try_pop(tick);
    benchmark::DoNotOptimize(tick);
  }
}
BENCHMARK(BM_SpscQueue_PushPopSameThread);

}  // namespace
