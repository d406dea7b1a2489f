// The simulator's random numbers: xoshiro256** seeded through splitmix64, with its own
// normal and Poisson draws, so a seed gives the same price path with every standard
// library (std::normal_distribution's algorithm is implementation-defined).
#pragma once

#include <cmath>
#include <cstdint>

namespace ballast::venue {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept {
    for (auto& s : state_) s = splitmix64(seed);
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in (0, 1): never 0, so log() of it is finite.
  double uniform() noexcept { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }

  // Standard normal (Marsaglia's polar method; the second value is kept for the next call).
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

  // Poisson(lambda) by Knuth's product method: fine for the small per-step intensities of
  // jumps (lambda * dt is far below 1); larger lambdas use a rounded normal approximation.
  std::uint32_t poisson(double lambda) noexcept {
    if (!(lambda > 0.0)) return 0;
    if (lambda > 30.0) {
      const double x = std::round(lambda + std::sqrt(lambda) * normal());
      return x > 0.0 ? static_cast<std::uint32_t>(x) : 0;
    }
    const double limit = std::exp(-lambda);
    std::uint32_t k = 0;
    double p = uniform();
    while (p > limit) {
      ++k;
      p *= uniform();
    }
    return k;
  }

 private:
  static std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  std::uint64_t state_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace ballast::venue
