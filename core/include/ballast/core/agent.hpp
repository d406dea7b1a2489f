// Aeron-style agents: each pipeline stage is an Agent with a non-blocking do_work()
// that returns how much it did; an AgentThread runs one or more agents on one thread,
// optionally pinned to a CPU, and idles between empty rounds with a chosen strategy.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "ballast/core/config.hpp"

namespace ballast {

class Agent {
 public:
  virtual ~Agent() = default;
  // Does whatever work is ready without blocking; returns the amount done (0 = idle).
  virtual int do_work() noexcept = 0;
  [[nodiscard]] virtual const char* role_name() const noexcept = 0;
  // Only for blocking baselines: wait until work may be ready (default: return at once).
  virtual void wait_for_work() noexcept {}
};

// How a thread waits when a round found no work.
class IdleStrategy {
 public:
  explicit IdleStrategy(IdleKind kind) noexcept : kind_(kind) {}
  void idle(int work_count) noexcept;
  void reset() noexcept { idle_rounds_ = 0; }

 private:
  IdleKind kind_;
  std::uint32_t idle_rounds_ = 0;
};

class AgentThread {
 public:
  AgentThread(std::string name, std::vector<Agent*> agents, int cpu, IdleKind idle,
              bool blocking = false);
  ~AgentThread();
  AgentThread(const AgentThread&) = delete;
  AgentThread& operator=(const AgentThread&) = delete;

  // Starts the thread; it runs the agents round-robin until stop() (then joins).
  void start();
  void stop() noexcept;
  void join();
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] int cpu() const noexcept { return cpu_; }
  [[nodiscard]] bool pinned() const noexcept { return pinned_.load(); }
  [[nodiscard]] std::string describe() const;

 private:
  void run() noexcept;
  std::string name_;
  std::vector<Agent*> agents_;
  int cpu_;
  IdleKind idle_;
  bool blocking_;
  std::atomic<bool> running_{false};
  std::atomic<bool> pinned_{false};
  std::atomic<bool> started_{false};
  std::thread thread_;
};

// CPUs this process may run on (sched_getaffinity).
[[nodiscard]] std::vector<int> usable_cpus();
// Pins the calling thread; false when the CPU is not available.
bool pin_current_thread(int cpu) noexcept;
// Lets the calling thread run on any of `cpus` again (undoes a pin; note that
// usable_cpus() of a pinned thread reports only its pinned CPU).
bool allow_current_thread(const std::vector<int>& cpus) noexcept;

}  // namespace ballast
