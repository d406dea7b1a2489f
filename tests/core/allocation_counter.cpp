// The replacement global operator new/delete behind allocation_counter.hpp. An object
// library, so every test binary that links it gets the replacements whether or not a
// symbol of this file is referenced first (an archive member would be linked only then).
#include "allocation_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

// The replacements pair malloc with free by design; GCC cannot see that through inlining.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<long> g_allocations{0};
std::atomic<std::size_t> g_largest_allocation{0};
}  // namespace

namespace ballast::testing {
long allocation_count() noexcept {
  return g_allocations.load(std::memory_order_relaxed);
}
void reset_largest_allocation() noexcept {
  g_largest_allocation.store(0);
}
std::size_t largest_allocation() noexcept {
  return g_largest_allocation.load();
}
}  // namespace ballast::testing

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  std::size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
  while (size > seen &&
         !g_largest_allocation.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
// The nothrow forms (simdjson allocates its buffers with them) are counted and paired with
// these deletes too; left to ASan's own, its new would be freed by our delete.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
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
