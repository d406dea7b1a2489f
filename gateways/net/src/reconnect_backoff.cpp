#include "ballast/net/reconnect_backoff.hpp"

#include <openssl/rand.h>

#include <algorithm>

namespace ballast::net {

ReconnectBackoff::ReconnectBackoff(const BackoffOptions& options) noexcept
    : options_(options), state_(options.seed) {
  if (options_.initial_ns <= 0) options_.initial_ns = 1'000'000;
  if (options_.max_ns < options_.initial_ns) options_.max_ns = options_.initial_ns;
  if (state_ == 0) {
    // Different processes must not share a jitter sequence, or they reconnect together.
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&state_), sizeof state_) != 1 || state_ == 0)
      state_ = 0x9E3779B97F4A7C15ULL;
  }
}

std::uint64_t ReconnectBackoff::next_random() noexcept {
  // splitmix64: tiny, full period, statistically fine for jitter.
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::int64_t ReconnectBackoff::uniform(std::int64_t lo, std::int64_t hi) noexcept {
  if (hi <= lo) return lo;
  const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  return lo + static_cast<std::int64_t>(next_random() % span);
}

std::int64_t ReconnectBackoff::next_delay_ns() noexcept {
  const std::int64_t base = options_.initial_ns;
  const std::int64_t cap = options_.max_ns;
  // base * 2^n without overflow: stop doubling at the cap.
  std::int64_t ceiling = base;
  for (std::uint32_t i = 0; i < attempts_ && ceiling < cap; ++i)
    ceiling = std::min(cap, ceiling * 2);
  ++attempts_;
  std::int64_t d = 0;
  switch (options_.jitter) {
    case BackoffJitter::full:
      d = uniform(0, ceiling);
      break;
    case BackoffJitter::decorrelated: {
      const std::int64_t prev = previous_ns_ > 0 ? previous_ns_ : base;
      d = uniform(base, std::min(cap, prev * 3));
      break;
    }
    case BackoffJitter::none:
      d = ceiling;
      break;
  }
  previous_ns_ = d;
  return d;
}

void ReconnectBackoff::on_connected(std::int64_t now_ns) noexcept {
  connected_at_ns_ = now_ns;
}

void ReconnectBackoff::on_disconnected(std::int64_t now_ns) noexcept {
  if (connected_at_ns_ >= 0 && now_ns - connected_at_ns_ >= options_.reset_after_ns) reset();
  connected_at_ns_ = -1;
}

void ReconnectBackoff::reset() noexcept {
  attempts_ = 0;
  previous_ns_ = 0;
}

}  // namespace ballast::net
