// Per-stage pipeline latencies (nanoseconds) in fixed memory: a log-linear histogram in the
// style of HdrHistogram. Recording is O(1), branch-free, allocation-free and noexcept, so a
// stage can stamp every event; percentiles are computed later, off the hot path.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "ballast/core/int128.hpp"

namespace ballast {

// Bucketing (HdrHistogram's scheme, unit = 1 ns):
//  - values below 2^kSubBucketBits (256 ns) each get their own counter, so they are exact;
//  - every power-of-two range [2^k, 2^(k+1)) above that is split into 2^(kSubBucketBits-1)
//    equal-width sub-buckets, so a bucket is never wider than 2^-(kSubBucketBits-1) of the
//    values it holds. With kSubBucketBits = 8 that is 1/128 < 0.79% relative error.
// The counters cover the whole uint64 range, so no value is ever clamped or dropped.
//
// Not thread-safe: give each writer thread its own histogram and merge() them for reports.
// Counters are uint64 and wrap only after 2^64 records, which cannot happen in practice.
class alignas(64) LatencyHistogram {  // Own cache lines: no false sharing between threads.
 public:
  static constexpr int kSubBucketBits = 8;
  static constexpr std::uint64_t kSubBucketCount = std::uint64_t{1} << kSubBucketBits;
  static constexpr std::uint64_t kSubBucketHalfCount = kSubBucketCount / 2;
  // Largest relative amount by which a reported value can exceed the recorded one.
  static constexpr double kMaxRelativeError = 1.0 / static_cast<double>(kSubBucketHalfCount);
  // Bucket 0 holds [0, 256) at width 1; bucket b >= 1 holds [2^(b+7), 2^(b+8)) at width 2^b.
  // The top bucket is the one whose range ends at 2^64.
  static constexpr int kTopBucket = 64 - kSubBucketBits;
  static constexpr std::size_t kCounterCount = (kTopBucket + 2) * kSubBucketHalfCount;

  // Counter that `value` lands in: bucket b = 56 - clz(value | 255) (0 for value < 256) and
  // counter b * 128 + (value >> b). Branch-free: a clz, two shifts and an add.
  [[nodiscard]] static constexpr std::size_t counter_index(std::uint64_t value) noexcept {
    const int bucket = kTopBucket - std::countl_zero(value | (kSubBucketCount - 1));
    return (static_cast<std::size_t>(bucket) << (kSubBucketBits - 1)) + (value >> bucket);
  }

  // Smallest and largest value that share counter `index`.
  [[nodiscard]] static constexpr std::uint64_t lowest_value_at(std::size_t index) noexcept {
    const std::size_t bucket = std::max<std::size_t>(index >> (kSubBucketBits - 1), 1) - 1;
    const std::uint64_t sub_bucket = index - (bucket << (kSubBucketBits - 1));
    return sub_bucket << bucket;
  }
  [[nodiscard]] static constexpr std::uint64_t highest_value_at(std::size_t index) noexcept {
    const std::size_t bucket = std::max<std::size_t>(index >> (kSubBucketBits - 1), 1) - 1;
    return lowest_value_at(index) + ((std::uint64_t{1} << bucket) - 1);
  }
  // The largest value indistinguishable from `value` once recorded.
  [[nodiscard]] static constexpr std::uint64_t highest_equivalent_value(
      std::uint64_t value) noexcept {
    return highest_value_at(counter_index(value));
  }

  void record(std::uint64_t value) noexcept {
    ++counts_[counter_index(value)];
    ++total_count_;
    sum_ += value;
    min_ = std::min(min_, value);  // cmov, not a branch
    max_ = std::max(max_, value);
  }

  // `value` recorded `n` times (e.g. replaying an aggregated sample). n == 0 is a no-op.
  void record_n(std::uint64_t value, std::uint64_t n) noexcept {
    if (n == 0) return;  // would otherwise move min/max without recording anything
    counts_[counter_index(value)] += n;
    total_count_ += n;
    sum_ += static_cast<UInt128>(value) * n;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }

  [[nodiscard]] std::uint64_t count() const noexcept { return total_count_; }
  // Exact (tracked outside the buckets); 0 when empty.
  [[nodiscard]] std::uint64_t min() const noexcept { return total_count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  // Exact mean of the recorded values (a 128-bit running sum cannot overflow); 0 when empty.
  [[nodiscard]] double mean() const noexcept {
    if (total_count_ == 0) return 0.0;
    return static_cast<double>(sum_) / static_cast<double>(total_count_);
  }

  // The q-th percentile, q in [0, 100] (clamped; NaN reads as 0), like HdrHistogram's
  // valueAtPercentile: the rank is ceil(q/100 * count), at least 1, and the answer is the
  // highest value equivalent to the rank-th smallest recorded value, so it is never below the
  // true percentile and at most kMaxRelativeError above it. Capped at the exact max (so
  // percentile(100) == max()), and percentile(0) == min(). Returns 0 when empty.
  // Cost: a scan over the counters between min and max, from whichever end is nearer.
  [[nodiscard]] std::uint64_t percentile(double q) const noexcept {
    if (total_count_ == 0) return 0;
    if (!(q > 0.0)) return min_;
    q = std::min(q, 100.0);
    // One ulp below q so that e.g. 99.9% of 1000 is rank 999, not 1000 after the double
    // rounding of 0.999 * 1000 lands a hair above 999.
    const double fractional_rank =
        std::nextafter(q, 0.0) / 100.0 * static_cast<double>(total_count_);
    const std::uint64_t rank = std::clamp<std::uint64_t>(
        static_cast<std::uint64_t>(std::ceil(fractional_rank)), 1, total_count_);

    const std::size_t lowest_index = counter_index(min_);
    const std::size_t highest_index = counter_index(max_);
    std::size_t index = lowest_index;
    if (rank <= total_count_ / 2) {
      std::uint64_t at_or_below = 0;
      for (; index < highest_index; ++index) {
        at_or_below += counts_[index];
        if (at_or_below >= rank) break;
      }
    } else {
      // The rank-th value is in counter i when fewer than `rank` values lie at or below i-1.
      std::uint64_t at_or_above = 0;
      for (index = highest_index; index > lowest_index; --index) {
        at_or_above += counts_[index];
        if (total_count_ - at_or_above < rank) break;
      }
    }
    return std::min(highest_value_at(index), max_);
  }

  // Afterwards this histogram is what recording both value streams into it would have made.
  void merge(const LatencyHistogram& other) noexcept {
    for (std::size_t i = 0; i < kCounterCount; ++i) counts_[i] += other.counts_[i];
    total_count_ += other.total_count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);  // an empty histogram's min_ is UINT64_MAX: neutral
    max_ = std::max(max_, other.max_);
  }

  void reset() noexcept {
    counts_.fill(0);
    total_count_ = 0;
    sum_ = 0;
    min_ = kEmptyMin;
    max_ = 0;
  }

 private:
  static constexpr std::uint64_t kEmptyMin = std::numeric_limits<std::uint64_t>::max();

  // Scalars first: record() touches this line plus the one counter line.
  std::uint64_t total_count_ = 0;
  std::uint64_t min_ = kEmptyMin;
  std::uint64_t max_ = 0;
  UInt128 sum_ = 0;
  std::array<std::uint64_t, kCounterCount> counts_{};
};

// The layout claims above, checked at compile time.
static_assert(LatencyHistogram::counter_index(0) == 0);
static_assert(LatencyHistogram::counter_index(255) == 255);
static_assert(LatencyHistogram::counter_index(256) == 256);
static_assert(LatencyHistogram::lowest_value_at(256) == 256);
static_assert(LatencyHistogram::highest_equivalent_value(256) == 257);
static_assert(LatencyHistogram::counter_index(std::numeric_limits<std::uint64_t>::max()) ==
              LatencyHistogram::kCounterCount - 1);
static_assert(LatencyHistogram::highest_value_at(LatencyHistogram::kCounterCount - 1) ==
              std::numeric_limits<std::uint64_t>::max());
// Memory: 7424 counters * 8 B = 58 KiB, plus one 64 B line of scalars; 59,456 B in all.
static_assert(LatencyHistogram::kCounterCount == 7424);
static_assert(sizeof(LatencyHistogram) == 7424 * sizeof(std::uint64_t) + 64);

}  // namespace ballast
