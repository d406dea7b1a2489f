// Replaces the global operator new/delete of the test binary that includes it, counting
// every allocation, so a test can prove a path allocates nothing. Include it in exactly
// one translation unit per test executable (it defines the replacement functions).
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

// The replacements pair malloc with free by design; GCC cannot see that through inlining.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace ballast::testing {
inline std::atomic<long> g_allocations{0};
inline long allocation_count() noexcept {
  return g_allocations.load(std::memory_order_relaxed);
}
// The largest single allocation since the last reset: "streamed, not held whole".
inline std::atomic<std::size_t> g_largest_allocation{0};
inline void reset_largest_allocation() noexcept {
  g_largest_allocation.store(0);
}
inline std::size_t largest_allocation() noexcept {
  return g_largest_allocation.load();
}
}  // namespace ballast::testing

void* operator new(std::size_t size) {
  ballast::testing::g_allocations.fetch_add(1, std::memory_order_relaxed);
  std::size_t seen = ballast::testing::g_largest_allocation.load(std::memory_order_relaxed);
  while (size > seen && !ballast::testing::g_largest_allocation.compare_exchange_weak(
                            seen, size, std::memory_order_relaxed)) {
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
