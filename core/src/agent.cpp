#include "ballast/core/agent.hpp"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ballast {

void IdleStrategy::idle(int work_count) noexcept {
  if (work_count > 0) {
    idle_rounds_ = 0;
    return;
  }
  switch (kind_) {
    case IdleKind::spin:
#if defined(__x86_64__)
      _mm_pause();  // eases the sibling hyper-thread and the memory-order pipeline flush
#endif
      return;
    case IdleKind::yield:
      sched_yield();
      return;
    case IdleKind::backoff: {
      // Spin briefly (work usually comes back within microseconds), then yield, then
      // sleep in short steps so an idle engine costs no core.
      ++idle_rounds_;
      if (idle_rounds_ < 1000) {
#if defined(__x86_64__)
        _mm_pause();
#endif
      } else if (idle_rounds_ < 2000) {
        sched_yield();
      } else {
        const timespec ts{0, 50'000};
        nanosleep(&ts, nullptr);
      }
      return;
    }
  }
}

AgentThread::AgentThread(std::string name, std::vector<Agent*> agents, int cpu, IdleKind idle,
                         bool blocking)
    : name_(std::move(name)),
      agents_(std::move(agents)),
      cpu_(cpu),
      idle_(idle),
      blocking_(blocking) {}

AgentThread::~AgentThread() {
  stop();
  join();
}

void AgentThread::start() {
  running_.store(true, std::memory_order_release);
  thread_ = std::thread([this] { run(); });
  // Return once the thread has pinned itself, so describe() reports what really happened.
  while (!started_.load(std::memory_order_acquire)) std::this_thread::yield();
}

void AgentThread::stop() noexcept {
  running_.store(false, std::memory_order_release);
}

void AgentThread::join() {
  if (thread_.joinable()) thread_.join();
}

std::string AgentThread::describe() const {
  std::string agents;
  for (const Agent* a : agents_) agents += std::string(agents.empty() ? "" : "+") + a->role_name();
  return name_ + "[" + agents + "] " +
         (cpu_ >= 0 ? "cpu " + std::to_string(cpu_) + (pinned() ? "" : " (pin failed)")
                    : std::string("unpinned")) +
         ", idle " + (blocking_ ? "block" : to_string(idle_));
}

void AgentThread::run() noexcept {
  if (cpu_ >= 0) pinned_.store(pin_current_thread(cpu_));
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  started_.store(true, std::memory_order_release);
  IdleStrategy idle(idle_);
  while (running_.load(std::memory_order_acquire)) {
    int work = 0;
    for (Agent* a : agents_) work += a->do_work();
    if (work == 0 && blocking_) {
      for (Agent* a : agents_) a->wait_for_work();
    } else {
      idle.idle(work);
    }
  }
}

// The CPUs this process may run on (its affinity mask), ascending. A cpu_set_t covers
// CPU_SETSIZE (1024) CPUs; on a larger machine the call fails with EINVAL and a bigger
// mask is tried.
std::vector<int> usable_cpus() {
  std::vector<int> cpus;
  for (int n = CPU_SETSIZE; n <= (1 << 18); n *= 2) {
    cpu_set_t* set = CPU_ALLOC(n);
    if (set == nullptr) break;
    const std::size_t size = CPU_ALLOC_SIZE(n);
    CPU_ZERO_S(size, set);
    const bool ok = sched_getaffinity(0, size, set) == 0;
    const int failure = errno;
    if (ok) {
      const int count = CPU_COUNT_S(size, set);
      for (int cpu = 0; cpu < n && static_cast<int>(cpus.size()) < count; ++cpu)
        if (CPU_ISSET_S(cpu, size, set)) cpus.push_back(cpu);
    }
    CPU_FREE(set);
    if (ok || failure != EINVAL) break;
  }
  if (cpus.empty()) {  // no affinity to be had: assume every online CPU
    const unsigned n = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned cpu = 0; cpu < n; ++cpu) cpus.push_back(static_cast<int>(cpu));
  }
  return cpus;
}

bool allow_current_thread(const std::vector<int>& cpus) noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus)
    if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

bool pin_current_thread(int cpu) noexcept {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

}  // namespace ballast
