// An order-rate throttle: a token bucket refilled continuously from the caller's clock
// (nanoseconds), so behaviour over time is testable without sleeping. Venues state
// limits per window (10 per second, 1,200 per minute); one bucket per window.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ballast::risk {

class TokenBucket {
 public:
  TokenBucket() = default;
  // `capacity` orders per `window_ns`, starting full (a fresh session may burst).
  TokenBucket(double capacity, std::int64_t window_ns) noexcept
      : capacity_(capacity),
        per_ns_(capacity / static_cast<double>(window_ns)),
        tokens_(capacity) {}

  [[nodiscard]] bool can_take(std::int64_t now_ns) noexcept {
    refill(now_ns);
    return tokens_ >= 1.0;
  }
  bool take(std::int64_t now_ns) noexcept {
    refill(now_ns);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  // Venue feedback (e.g. Binance's rateLimits in a response): no more than `remaining`
  // orders may go out before the window refills.
  void clamp_to(double remaining, std::int64_t now_ns) noexcept {
    refill(now_ns);
    tokens_ = std::min(tokens_, std::max(0.0, remaining));
  }
  // How long from `now_ns` until a token is there (0 when one is now). For pacing a
  // burst over time, as `plan` shows it: it does not take the token.
  [[nodiscard]] std::int64_t ns_until_token(std::int64_t now_ns) noexcept {
    refill(now_ns);
    if (tokens_ >= 1.0) return 0;
    if (!(per_ns_ > 0.0)) return INT64_MAX;
    const std::int64_t base = last_ns_ > now_ns ? last_ns_ - now_ns : 0;
    return base + static_cast<std::int64_t>((1.0 - tokens_) / per_ns_) + 1;
  }
  [[nodiscard]] double tokens() const noexcept { return tokens_; }
  [[nodiscard]] double capacity() const noexcept { return capacity_; }

 private:
  void refill(std::int64_t now_ns) noexcept {
    if (now_ns > last_ns_) {
      tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now_ns - last_ns_) * per_ns_);
      last_ns_ = now_ns;
    }
  }

  double capacity_ = 0.0;
  double per_ns_ = 0.0;
  double tokens_ = 0.0;
  std::int64_t last_ns_ = 0;
};

}  // namespace ballast::risk
