#include "ballast/core/clock.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace ballast {
namespace {

// Invariant TSC: CPUID 0x80000007 EDX bit 8 (constant rate across P/C-states).
bool has_invariant_tsc() noexcept {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0x80000000, &a, &b, &c, &d) == 0 || a < 0x80000007) return false;
  __get_cpuid(0x80000007, &a, &b, &c, &d);
  return (d & (1u << 8)) != 0;
#else
  return false;
#endif
}

}  // namespace

void TscClock::calibrate(std::int64_t calibration_ns) noexcept {
  if (!has_invariant_tsc()) {
    use_tsc_ = false;
    return;
  }
#if defined(__x86_64__)
  const std::int64_t ns0 = monotonic_ns();
  const std::uint64_t t0 = __rdtsc();
  std::int64_t ns1 = ns0;
  while (ns1 - ns0 < calibration_ns) ns1 = monotonic_ns();
  const std::uint64_t t1 = __rdtsc();
  if (t1 <= t0) return;
  ns_per_tick_ = static_cast<double>(ns1 - ns0) / static_cast<double>(t1 - t0);
  base_tsc_ = t1;
  base_ns_ = ns1;
  use_tsc_ = true;
#endif
}

}  // namespace ballast
