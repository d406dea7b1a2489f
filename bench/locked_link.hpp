// The baseline the lock-free pipeline is measured against: the same links built the
// conventional way, a ring behind a std::mutex with a condition variable that wakes a
// consumer sleeping on an empty queue.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace ballast::bench {

template <typename T, std::size_t Capacity>
class LockedLink {
 public:
  bool try_push(const T& v) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (count_ == Capacity) return false;
      ring_[(head_ + count_) % Capacity] = v;
      ++count_;
    }
    ready_.notify_one();
    return true;
  }
  bool try_pop(T& out) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (count_ == 0) return false;
    out = ring_[head_];
    head_ = (head_ + 1) % Capacity;
    --count_;
    return true;
  }
  // The consumer sleeps here when it has nothing to do (bounded, to notice shutdown).
  void wait_nonempty() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, std::chrono::milliseconds(1), [this] { return count_ > 0; });
  }
  [[nodiscard]] bool empty() {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_ == 0;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::array<T, Capacity> ring_{};
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

struct LockedLinks {
  template <typename T, std::size_t N>
  using Link = LockedLink<T, N>;
};

}  // namespace ballast::bench
