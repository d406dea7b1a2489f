// ReconnectBackoff: capped exponential growth, jitter bounds, determinism, reset.
#include "ballast/net/reconnect_backoff.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ballast::net::reconnect_backoff_test {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(ReconnectBackoffTest, WithoutJitterDoublesUpToTheCap) {
  ReconnectBackoff b(BackoffOptions{100 * kMs, 1000 * kMs, 10'000 * kMs, BackoffJitter::none, 1});
  const std::vector<std::int64_t> expected{100, 200, 400, 800, 1000, 1000};
  for (const std::int64_t e : expected) EXPECT_EQ(b.next_delay_ns(), e * kMs);
  EXPECT_EQ(b.attempts(), 6u);
}

TEST(ReconnectBackoffTest, FullJitterStaysUnderTheExponentialCeiling) {
  ReconnectBackoff b(BackoffOptions{100 * kMs, 2000 * kMs, 10'000 * kMs, BackoffJitter::full, 42});
  std::int64_t ceiling = 100 * kMs;
  bool varied = false;
  std::int64_t first = -1;
  for (int i = 0; i < 40; ++i) {
    const std::int64_t d = b.next_delay_ns();
    EXPECT_GE(d, 0);
    EXPECT_LE(d, ceiling);
    if (first < 0) first = d;
    if (d != first) varied = true;
    ceiling = std::min<std::int64_t>(2000 * kMs, ceiling * 2);
  }
  EXPECT_TRUE(varied);
}

TEST(ReconnectBackoffTest, DecorrelatedJitterStaysBetweenBaseAndCap) {
  ReconnectBackoff b(
      BackoffOptions{50 * kMs, 3000 * kMs, 10'000 * kMs, BackoffJitter::decorrelated, 7});
  std::int64_t prev = 50 * kMs;
  for (int i = 0; i < 100; ++i) {
    const std::int64_t d = b.next_delay_ns();
    EXPECT_GE(d, 50 * kMs);
    EXPECT_LE(d, std::min<std::int64_t>(3000 * kMs, prev * 3));
    prev = d;
  }
}

TEST(ReconnectBackoffTest, SameSeedGivesTheSameDelays) {
  const BackoffOptions o{100 * kMs, 5000 * kMs, 10'000 * kMs, BackoffJitter::full, 12345};
  ReconnectBackoff a(o);
  ReconnectBackoff b(o);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(a.next_delay_ns(), b.next_delay_ns());
}

TEST(ReconnectBackoffTest, ResetsOnlyAfterStayingUpLongEnough) {
  ReconnectBackoff b(BackoffOptions{100 * kMs, 10'000 * kMs, 1000 * kMs, BackoffJitter::none, 1});
  (void)b.next_delay_ns();
  (void)b.next_delay_ns();
  b.on_connected(0);
  b.on_disconnected(500 * kMs);  // a short-lived connection: keep backing off
  EXPECT_EQ(b.next_delay_ns(), 400 * kMs);
  b.on_connected(1000 * kMs);
  b.on_disconnected(2000 * kMs);  // stayed up reset_after: start over
  EXPECT_EQ(b.attempts(), 0u);
  EXPECT_EQ(b.next_delay_ns(), 100 * kMs);
}

}  // namespace
}  // namespace ballast::net::reconnect_backoff_test
