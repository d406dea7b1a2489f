// The links between pipeline agents: a bounded single-producer single-consumer ring
// (boost::lockfree::spsc_queue, capacity fixed at compile time, storage inline) for
// trivially copyable events. One producer thread, one consumer thread, no locks.
#pragma once

#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <type_traits>

namespace ballast {

template <typename T, std::size_t Capacity>
class SpscLink {
  static_assert(std::is_trivially_copyable_v<T>,
                "events cross threads by value: they must be trivially copyable");
  static_assert((Capacity & (Capacity - 1)) == 0, "a power of two keeps the index math cheap");

 public:
  static constexpr bool kBlocking = false;
  // Producer side. False when full: the caller decides (conflate, retry), never blocks.
  bool try_push(const T& v) noexcept { return ring_.push(v); }
  // Consumer side.
  bool try_pop(T& out) noexcept { return ring_.pop(out); }
  [[nodiscard]] std::size_t read_available() const noexcept { return ring_.read_available(); }
  [[nodiscard]] bool empty() const noexcept { return ring_.read_available() == 0; }
  static constexpr std::size_t capacity() noexcept { return Capacity; }

 private:
  // boost pads the read and write indices onto separate cache lines (no false sharing
  // between producer and consumer); capacity<> keeps the ring inline, so no heap.
  boost::lockfree::spsc_queue<T, boost::lockfree::capacity<Capacity>> ring_;
};

}  // namespace ballast
