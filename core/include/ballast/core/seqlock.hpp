// A single-writer sequence lock over a trivially copyable value: the engine thread
// publishes its state snapshot without ever waiting, and readers (the control thread)
// copy it and retry if a write overlapped. The writer never blocks, so a slow or stuck
// console can never stall trading.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ballast {

template <typename T>
class SeqLock {
  static_assert(std::is_trivially_copyable_v<T>, "readers copy the value byte-wise");

 public:
  // Writer side (one thread only). The odd sequence marks a write in progress; the
  // release fence orders the odd store before the payload stores.
  void store(const T& value) noexcept {
    const std::uint64_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    std::memcpy(static_cast<void*>(&value_), &value, sizeof(T));
    seq_.store(s + 2, std::memory_order_release);
  }

  // Reader side (any thread). False when nothing was ever stored; otherwise a consistent
  // copy. The acquire fence orders the payload loads before the second sequence load.
  bool load(T& out) const noexcept {
    while (true) {
      const std::uint64_t s1 = seq_.load(std::memory_order_acquire);
      if (s1 == 0) return false;
      if (s1 & 1u) continue;
      std::memcpy(static_cast<void*>(&out), &value_, sizeof(T));
      std::atomic_thread_fence(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) == s1) return true;
    }
  }
  // Stores so far (0 = none): readers use it to tell a new snapshot from the last one.
  [[nodiscard]] std::uint64_t version() const noexcept {
    return seq_.load(std::memory_order_acquire) / 2;
  }

 private:
  // The sequence on its own cache line: readers spinning on it do not pull the payload's
  // lines away from the writer more than the copy itself needs.
  alignas(64) std::atomic<std::uint64_t> seq_{0};
  alignas(64) T value_{};
};

}  // namespace ballast
