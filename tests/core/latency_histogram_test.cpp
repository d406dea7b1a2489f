#include "ballast/core/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <vector>

namespace ballast::latency_histogram_test {
namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr double kPercentiles[] = {0.0,  0.1,  1.0,  10.0, 25.0,  50.0,
                                   75.0, 90.0, 99.0, 99.9, 99.99, 100.0};

// ~58 KiB each: keep them off the test's stack (ASan's stack frames are larger still).
std::unique_ptr<LatencyHistogram> make_histogram() {
  return std::make_unique<LatencyHistogram>();
}

// The exact q-th percentile of `sorted` under the rank convention percentile() documents.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double q) {
  if (q <= 0.0) return sorted.front();
  const double fractional_rank =
      std::nextafter(q, 0.0) / 100.0 * static_cast<double>(sorted.size());
  const auto rank = std::clamp<std::size_t>(static_cast<std::size_t>(std::ceil(fractional_rank)), 1,
                                            sorted.size());
  return sorted[rank - 1];
}

// Reported value is never below the true percentile and at most kMaxRelativeError above it.
void expect_within_error_bound(const LatencyHistogram& h,
                               const std::vector<std::uint64_t>& sorted) {
  for (double q : kPercentiles) {
    const std::uint64_t exact = exact_percentile(sorted, q);
    const std::uint64_t reported = h.percentile(q);
    EXPECT_GE(reported, exact) << "q=" << q;
    EXPECT_LE(static_cast<double>(reported - exact),
              static_cast<double>(exact) * LatencyHistogram::kMaxRelativeError)
        << "q=" << q << " exact=" << exact << " reported=" << reported;
  }
}

std::vector<std::uint64_t> lognormal_samples(std::uint32_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  // Median ~ e^9 ns ~ 8 us with a heavy right tail: roughly a pipeline stage's shape.
  std::lognormal_distribution<double> dist(9.0, 1.5);
  std::vector<std::uint64_t> values(n);
  for (auto& v : values) v = static_cast<std::uint64_t>(dist(rng));
  return values;
}

TEST(LatencyHistogramTest, EmptyHistogramReturnsZeros) {
  const auto h = make_histogram();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->min(), 0u);
  EXPECT_EQ(h->max(), 0u);
  EXPECT_EQ(h->mean(), 0.0);
  for (double q : kPercentiles) EXPECT_EQ(h->percentile(q), 0u) << q;
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  auto h = make_histogram();
  std::vector<std::uint64_t> values;
  for (std::uint64_t v = 0; v < LatencyHistogram::kSubBucketCount; ++v) {
    EXPECT_EQ(LatencyHistogram::highest_equivalent_value(v), v);
    h->record(v);
    values.push_back(v);
  }
  EXPECT_EQ(h->count(), 256u);
  EXPECT_EQ(h->min(), 0u);
  EXPECT_EQ(h->max(), 255u);
  EXPECT_DOUBLE_EQ(h->mean(), 127.5);
  for (double q : kPercentiles) EXPECT_EQ(h->percentile(q), exact_percentile(values, q)) << q;
  // Every rank, not just the listed percentiles.
  for (std::uint64_t rank = 1; rank <= 256; ++rank) {
    const double q = 100.0 * static_cast<double>(rank) / 256.0;
    EXPECT_EQ(h->percentile(q), rank - 1) << q;
  }
}

TEST(LatencyHistogramTest, SingleValueIsExactAtEveryPercentile) {
  auto h = make_histogram();
  h->record(123'456'789);  // mid-bucket: highest equivalent is larger, max caps it
  for (double q : kPercentiles) EXPECT_EQ(h->percentile(q), 123'456'789u) << q;
  EXPECT_EQ(h->min(), 123'456'789u);
  EXPECT_EQ(h->max(), 123'456'789u);
  EXPECT_DOUBLE_EQ(h->mean(), 123'456'789.0);
}

TEST(LatencyHistogramTest, BucketsRespectTheRelativeErrorBound) {
  // Every power-of-two boundary and its neighbours, across the whole uint64 range.
  for (int bit = 0; bit < 64; ++bit) {
    const std::uint64_t p = std::uint64_t{1} << bit;
    for (std::uint64_t v : {p - 1, p, p + 1, p + p / 3}) {
      const std::size_t index = LatencyHistogram::counter_index(v);
      ASSERT_LT(index, LatencyHistogram::kCounterCount) << v;
      EXPECT_LE(LatencyHistogram::lowest_value_at(index), v);
      EXPECT_GE(LatencyHistogram::highest_value_at(index), v);
      const std::uint64_t width =
          LatencyHistogram::highest_value_at(index) - LatencyHistogram::lowest_value_at(index);
      EXPECT_LE(static_cast<double>(width),
                static_cast<double>(v) * LatencyHistogram::kMaxRelativeError)
          << v;
    }
  }
  // Counters tile the range with no gaps or overlaps.
  for (std::size_t i = 1; i < LatencyHistogram::kCounterCount; ++i)
    ASSERT_EQ(LatencyHistogram::lowest_value_at(i), LatencyHistogram::highest_value_at(i - 1) + 1)
        << i;
}

TEST(LatencyHistogramTest, LognormalPercentilesWithinRelativeError) {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    auto values = lognormal_samples(seed, 200'000);
    auto h = make_histogram();
    long double sum = 0;
    for (auto v : values) {
      h->record(v);
      sum += static_cast<long double>(v);
    }
    std::sort(values.begin(), values.end());
    EXPECT_EQ(h->count(), values.size());
    EXPECT_EQ(h->min(), values.front());
    EXPECT_EQ(h->max(), values.back());
    EXPECT_EQ(h->percentile(0), values.front());
    EXPECT_EQ(h->percentile(100), values.back());
    EXPECT_NEAR(h->mean(), static_cast<double>(sum / static_cast<long double>(values.size())),
                1e-6);
    expect_within_error_bound(*h, values);
  }
}

TEST(LatencyHistogramTest, EveryRankWithinRelativeErrorOnSmallSample) {
  // Small n exercises both scan directions and the rank rounding at every rank.
  auto values = lognormal_samples(7, 997);
  auto h = make_histogram();
  for (auto v : values) h->record(v);
  std::sort(values.begin(), values.end());
  for (std::size_t rank = 1; rank <= values.size(); ++rank) {
    const double q = 100.0 * static_cast<double>(rank) / static_cast<double>(values.size());
    const std::uint64_t exact = values[rank - 1];
    const std::uint64_t reported = h->percentile(q);
    ASSERT_GE(reported, exact) << rank;
    ASSERT_LE(reported, LatencyHistogram::highest_equivalent_value(exact)) << rank;
  }
}

TEST(LatencyHistogramTest, PercentileArgumentIsClamped) {
  auto h = make_histogram();
  for (std::uint64_t v : {10u, 20u, 30u}) h->record(v);
  EXPECT_EQ(h->percentile(-5.0), 10u);
  EXPECT_EQ(h->percentile(250.0), 30u);
  EXPECT_EQ(h->percentile(std::numeric_limits<double>::quiet_NaN()), 10u);
  EXPECT_EQ(h->percentile(std::numeric_limits<double>::infinity()), 30u);
  EXPECT_EQ(h->percentile(50.0), 20u);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingBoth) {
  const auto a_values = lognormal_samples(11, 50'000);
  const auto b_values = lognormal_samples(12, 30'000);
  auto a = make_histogram();
  auto b = make_histogram();
  auto both = make_histogram();
  for (auto v : a_values) a->record(v), both->record(v);
  for (auto v : b_values) b->record(v), both->record(v);
  b->record(kU64Max), both->record(kU64Max);  // the top counter merges too

  a->merge(*b);
  EXPECT_EQ(a->count(), both->count());
  EXPECT_EQ(a->min(), both->min());
  EXPECT_EQ(a->max(), both->max());
  EXPECT_DOUBLE_EQ(a->mean(), both->mean());
  for (double q : kPercentiles) EXPECT_EQ(a->percentile(q), both->percentile(q)) << q;

  // Merging an empty histogram changes nothing (its min sentinel is neutral).
  const std::uint64_t min_before = a->min();
  a->merge(*make_histogram());
  EXPECT_EQ(a->min(), min_before);
  EXPECT_EQ(a->count(), both->count());

  // Merging into an empty histogram copies.
  auto empty = make_histogram();
  empty->merge(*both);
  for (double q : kPercentiles) EXPECT_EQ(empty->percentile(q), both->percentile(q)) << q;
  EXPECT_EQ(empty->min(), both->min());
}

TEST(LatencyHistogramTest, ResetEmptiesAndAllowsReuse) {
  auto h = make_histogram();
  for (auto v : lognormal_samples(5, 1000)) h->record(v);
  h->record(kU64Max);
  h->reset();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->min(), 0u);
  EXPECT_EQ(h->max(), 0u);
  EXPECT_EQ(h->mean(), 0.0);
  EXPECT_EQ(h->percentile(99), 0u);

  h->record(500);
  h->record(700);
  EXPECT_EQ(h->count(), 2u);
  EXPECT_EQ(h->min(), 500u);
  EXPECT_EQ(h->max(), 700u);
  EXPECT_EQ(h->percentile(50), LatencyHistogram::highest_equivalent_value(500));
  EXPECT_EQ(h->percentile(100), 700u);
}

TEST(LatencyHistogramTest, HugeValuesAreRecordedNotClamped) {
  auto h = make_histogram();
  h->record(kU64Max);
  h->record(kU64Max);
  h->record(std::uint64_t{1} << 63);
  h->record(1);
  EXPECT_EQ(h->count(), 4u);
  EXPECT_EQ(h->min(), 1u);
  EXPECT_EQ(h->max(), kU64Max);
  EXPECT_EQ(h->percentile(100), kU64Max);
  EXPECT_EQ(h->percentile(0), 1u);
  EXPECT_EQ(h->percentile(25), 1u);
  // Rank 2 is 2^63, reported as the top of its bucket (width 2^56).
  EXPECT_EQ(h->percentile(50), (std::uint64_t{1} << 63) + (std::uint64_t{1} << 56) - 1);
  // The 128-bit sum does not wrap: (2 * (2^64 - 1) + 2^63 + 1) / 4.
  EXPECT_DOUBLE_EQ(h->mean(), (2.0 * 18446744073709551615.0 + 9223372036854775808.0 + 1.0) / 4);
}

TEST(LatencyHistogramTest, RecordNMatchesRepeatedRecord) {
  auto repeated = make_histogram();
  auto batched = make_histogram();
  const std::pair<std::uint64_t, std::uint64_t> samples[] = {
      {42, 3}, {1'000, 1}, {1'000'000, 250}, {7, 10}, {123'456'789'012, 2}};
  for (auto [value, n] : samples) {
    batched->record_n(value, n);
    for (std::uint64_t i = 0; i < n; ++i) repeated->record(value);
  }
  EXPECT_EQ(batched->count(), repeated->count());
  EXPECT_EQ(batched->min(), repeated->min());
  EXPECT_EQ(batched->max(), repeated->max());
  EXPECT_DOUBLE_EQ(batched->mean(), repeated->mean());
  for (double q : kPercentiles) EXPECT_EQ(batched->percentile(q), repeated->percentile(q)) << q;

  // n == 0 records nothing, and in particular does not move min or max.
  batched->record_n(1, 0);
  batched->record_n(kU64Max, 0);
  EXPECT_EQ(batched->count(), repeated->count());
  EXPECT_EQ(batched->min(), 7u);
  EXPECT_EQ(batched->max(), 123'456'789'012u);

  // A huge value times a huge count does not overflow the mean.
  auto h = make_histogram();
  h->record_n(kU64Max, std::uint64_t{1} << 40);
  EXPECT_EQ(h->count(), std::uint64_t{1} << 40);
  EXPECT_DOUBLE_EQ(h->mean(), 18446744073709551615.0);
}

}  // namespace
}  // namespace ballast::latency_histogram_test
