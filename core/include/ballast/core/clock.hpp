// Time on the hot path: the invariant TSC (rdtsc, ~7 ns, no syscall) for stage stamps,
// converted to CLOCK_MONOTONIC nanoseconds with a calibration taken once at start-up.
// Falls back to clock_gettime when the CPU does not advertise an invariant TSC.
#pragma once

#include <cstdint>
#include <ctime>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace ballast {

[[nodiscard]] inline std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

class TscClock {
 public:
  // Measures the TSC rate against CLOCK_MONOTONIC over `calibration_ns` (start-up only).
  static void calibrate(std::int64_t calibration_ns = 20'000'000) noexcept;
  [[nodiscard]] static bool uses_tsc() noexcept { return use_tsc_; }

  [[nodiscard]] static std::uint64_t now() noexcept {
#if defined(__x86_64__)
    if (use_tsc_) return __rdtsc();
#endif
    return static_cast<std::uint64_t>(monotonic_ns());
  }
  // Ticks -> CLOCK_MONOTONIC ns (absolute) and tick deltas -> ns.
  [[nodiscard]] static std::int64_t to_ns(std::uint64_t t) noexcept {
    if (!use_tsc_) return static_cast<std::int64_t>(t);
    return base_ns_ +
           static_cast<std::int64_t>(static_cast<double>(static_cast<std::int64_t>(t - base_tsc_)) *
                                     ns_per_tick_);
  }
  // CLOCK_MONOTONIC ns -> ticks (to stamp a tick with its scheduled time).
  [[nodiscard]] static std::uint64_t from_ns(std::int64_t ns) noexcept {
    if (!use_tsc_) return static_cast<std::uint64_t>(ns);
    return base_tsc_ + static_cast<std::uint64_t>(static_cast<std::int64_t>(
                           static_cast<double>(ns - base_ns_) / ns_per_tick_));
  }
  [[nodiscard]] static double delta_ns(std::uint64_t from, std::uint64_t to) noexcept {
    if (to <= from) return 0.0;
    return static_cast<double>(to - from) * (use_tsc_ ? ns_per_tick_ : 1.0);
  }
  [[nodiscard]] static double ns_per_tick() noexcept {
    return use_tsc_ ? ns_per_tick_ : 1.0;
  }

 private:
  static inline bool use_tsc_ = false;
  static inline double ns_per_tick_ = 1.0;
  static inline std::uint64_t base_tsc_ = 0;
  static inline std::int64_t base_ns_ = 0;
};

}  // namespace ballast
