// Seeded, correlated random walks for the simulator's spot prices: geometric Brownian
// motion per asset (its own volatility and drift), shocks correlated through the Cholesky
// factor of a correlation matrix, and optional log-normal jumps (Merton). The same seed
// and the same sequence of advance_to times give the same path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ballast/venue/rng.hpp"

namespace ballast::venue {

struct AssetWalkConfig {
  std::string name;  // matches a Universe asset name
  double initial_price = 0.0;
  double annual_volatility = 0.0;  // of log returns, per sqrt(year)
  double annual_drift = 0.0;       // expected return per year (jumps compensated)
  double jump_intensity = 0.0;     // expected jumps per year; 0 = none
  double jump_mean = 0.0;          // mean of the log jump size
  double jump_stdev = 0.0;         // its standard deviation
};

struct PriceProcessConfig {
  std::vector<AssetWalkConfig> assets;
  std::vector<double> correlation;  // n*n, row-major; empty = independent assets
  std::uint64_t seed = 1;
  std::int64_t start_ns = 0;                        // simulated clock, Unix ns
  double seconds_per_year = 365.0 * 24.0 * 3600.0;  // crypto trades every day
};

// Lower-triangular L (row-major n*n) with L * L^T = m; nullopt unless m is symmetric and
// positive definite.
[[nodiscard]] std::optional<std::vector<double>> cholesky(const std::vector<double>& m,
                                                          std::size_t n);

// Why a config cannot run ("" when it can): prices, volatilities, the correlation matrix.
[[nodiscard]] std::string validate(const PriceProcessConfig& config);

class PriceProcess {
 public:
  // Throws std::invalid_argument with validate()'s message.
  explicit PriceProcess(const PriceProcessConfig& config);

  // Moves every price from now to `sim_ns` in one exact GBM step (any step size is
  // unbiased); earlier or equal times do nothing.
  void advance_to(std::int64_t sim_ns);

  [[nodiscard]] std::size_t size() const noexcept { return prices_.size(); }
  [[nodiscard]] double price(std::size_t i) const noexcept { return prices_[i]; }
  [[nodiscard]] const std::vector<double>& prices() const noexcept { return prices_; }
  [[nodiscard]] const std::string& name(std::size_t i) const noexcept {
    return config_.assets[i].name;
  }
  [[nodiscard]] std::int64_t now_ns() const noexcept { return now_ns_; }
  [[nodiscard]] std::uint64_t jump_count(std::size_t i) const noexcept { return jumps_[i]; }
  [[nodiscard]] const std::vector<double>& cholesky_factor() const noexcept { return chol_; }

 private:
  PriceProcessConfig config_;
  std::vector<double> chol_;
  std::vector<double> prices_;
  std::vector<std::uint64_t> jumps_;
  std::vector<double> shocks_;  // scratch: independent normals for one step
  Rng rng_;
  std::int64_t now_ns_;
};

}  // namespace ballast::venue
