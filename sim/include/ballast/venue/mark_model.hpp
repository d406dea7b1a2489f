// From simulated spot prices to every instrument's index, mark and funding rate: spot
// pairs trade at the index; a perpetual's mark is index * (1 + premium), the premium a
// mean-reverting (Ornstein-Uhlenbeck) process; a dated future carries a basis that shrinks
// linearly to zero at expiry; the funding rate comes from the premium as Binance does it.
#pragma once

#include <array>
#include <cstdint>

#include "ballast/core/model.hpp"
#include "ballast/venue/rng.hpp"

namespace ballast::venue {

// Binance: F = P + clamp(I - P, -clamp, +clamp), then capped at +-cap; all per interval.
struct FundingParams {
  double interest_rate = 0.0001;  // I: 0.01% per 8 hours
  double clamp = 0.0005;
  double cap = 0.0075;
};

[[nodiscard]] double funding_rate_from_premium(double premium, const FundingParams& p) noexcept;

struct PerpetualParams {
  double mean_premium = 0.0001;   // long-run premium of mark over index
  double premium_stdev = 0.0003;  // stationary standard deviation of the premium
  double reversion_hours = 4.0;   // mean-reversion time scale (1 / theta)
};

struct FutureParams {
  double annual_basis = 0.05;  // (mark / index - 1) per year to expiry
};

struct MarkModelConfig {
  PerpetualParams perpetual;  // every perpetual unless set_perpetual overrides it
  FutureParams future;
  FundingParams funding;
  std::uint64_t seed = 2;
  double seconds_per_year = 365.0 * 24.0 * 3600.0;
};

class MarkModel {
 public:
  MarkModel(const Universe& universe, const MarkModelConfig& config);  // `universe` outlives

  void set_perpetual(InstrumentId i, const PerpetualParams& p) noexcept { perp_[i] = p; }
  void set_future(InstrumentId i, const FutureParams& p) noexcept { future_[i] = p; }
  // Pins a perpetual's premium (tests, scenarios); the process continues from it.
  void set_premium(InstrumentId i, double premium) noexcept { premium_[i] = premium; }

  // Recomputes every instrument at `sim_ns` (Unix ns) from `asset_price` (per AssetId,
  // in the base currency; the base currency itself is 1 whatever the array says).
  void update(std::int64_t sim_ns, const std::array<double, kMaxAssets>& asset_price);

  [[nodiscard]] double index(InstrumentId i) const noexcept { return index_[i]; }
  [[nodiscard]] double mark(InstrumentId i) const noexcept { return mark_[i]; }
  [[nodiscard]] double premium(InstrumentId i) const noexcept { return premium_[i]; }
  [[nodiscard]] double funding_rate(InstrumentId i) const noexcept { return funding_[i]; }

 private:
  const Universe& universe_;
  MarkModelConfig config_;
  Rng rng_;
  bool started_ = false;
  std::int64_t now_ns_ = 0;
  std::array<PerpetualParams, kMaxInstruments> perp_{};
  std::array<FutureParams, kMaxInstruments> future_{};
  std::array<double, kMaxInstruments> premium_{};
  std::array<double, kMaxInstruments> index_{};
  std::array<double, kMaxInstruments> mark_{};
  std::array<double, kMaxInstruments> funding_{};
};

}  // namespace ballast::venue
