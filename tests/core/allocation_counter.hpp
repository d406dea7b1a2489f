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
}  // namespace ballast::testing

void* operator new(std::size_t size) {
  ballast::testing::g_allocations.fetch_add(1, std::memory_order_relaxed);
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
