// When to try again after a connection is lost: capped exponential back-off with jitter
// (so a fleet of clients does not reconnect in lock-step after a venue outage), reset
// once a connection has stayed up long enough. Seedable: tests replay exact delays.
#pragma once

#include <cstdint>

namespace ballast::net {

enum class BackoffJitter : std::uint8_t {
  full,          // uniform in [0, min(cap, base * 2^n)]            (AWS "full jitter")
  decorrelated,  // uniform in [base, min(cap, 3 * previous delay)]  (AWS "decorrelated")
  none,          // min(cap, base * 2^n): only for tests that want exact numbers
};

struct BackoffOptions {
  std::int64_t initial_ns = 100'000'000;         // first delay's scale
  std::int64_t max_ns = 10'000'000'000;          // cap
  std::int64_t reset_after_ns = 30'000'000'000;  // up this long: the next failure starts over
  BackoffJitter jitter = BackoffJitter::full;
  std::uint64_t seed = 0;  // 0: seeded from RAND_bytes
};

class ReconnectBackoff {
 public:
  explicit ReconnectBackoff(const BackoffOptions& options = {}) noexcept;

  // The delay before the next attempt; each call counts one failed attempt.
  [[nodiscard]] std::int64_t next_delay_ns() noexcept;
  // A connection was established at now_ns (CLOCK_MONOTONIC).
  void on_connected(std::int64_t now_ns) noexcept;
  // It was lost at now_ns: if it stayed up reset_after_ns, the back-off starts over.
  void on_disconnected(std::int64_t now_ns) noexcept;
  void reset() noexcept;
  [[nodiscard]] std::uint32_t attempts() const noexcept { return attempts_; }
  [[nodiscard]] const BackoffOptions& options() const noexcept { return options_; }

 private:
  std::uint64_t next_random() noexcept;
  std::int64_t uniform(std::int64_t lo, std::int64_t hi) noexcept;
  BackoffOptions options_;
  std::uint64_t state_;
  std::uint32_t attempts_ = 0;
  std::int64_t previous_ns_ = 0;
  std::int64_t connected_at_ns_ = -1;
};

}  // namespace ballast::net
