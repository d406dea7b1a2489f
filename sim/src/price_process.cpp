#include "ballast/venue/price_process.hpp"

#include <cmath>
#include <stdexcept>

namespace ballast::venue {

std::optional<std::vector<double>> cholesky(const std::vector<double>& m, std::size_t n) {
  if (m.size() != n * n) return std::nullopt;
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < r; ++c)
      if (std::fabs(m[r * n + c] - m[c * n + r]) > 1e-12) return std::nullopt;
  std::vector<double> l(n * n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    double d = m[j * n + j];
    for (std::size_t k = 0; k < j; ++k) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 1e-14)) return std::nullopt;  // not positive definite (or NaN)
    const double ljj = std::sqrt(d);
    l[j * n + j] = ljj;
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = m[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

std::string validate(const PriceProcessConfig& config) {
  const std::size_t n = config.assets.size();
  for (const AssetWalkConfig& a : config.assets) {
    const std::string who = "asset '" + a.name + "': ";
    if (!(a.initial_price > 0.0) || !std::isfinite(a.initial_price))
      return who + "initial_price must be positive";
    if (!(a.annual_volatility >= 0.0) || !std::isfinite(a.annual_volatility))
      return who + "annual_volatility must be >= 0";
    if (!std::isfinite(a.annual_drift)) return who + "annual_drift must be finite";
    if (!(a.jump_intensity >= 0.0) || !std::isfinite(a.jump_intensity))
      return who + "jump_intensity must be >= 0";
    if (!(a.jump_stdev >= 0.0) || !std::isfinite(a.jump_stdev) || !std::isfinite(a.jump_mean))
      return who + "jump_stdev must be >= 0 and jump_mean finite";
  }
  if (!(config.seconds_per_year > 0.0)) return "seconds_per_year must be positive";
  if (config.correlation.empty()) return "";
  if (config.correlation.size() != n * n)
    return "correlation must be " + std::to_string(n) + "x" + std::to_string(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::fabs(config.correlation[i * n + i] - 1.0) > 1e-12)
      return "correlation diagonal must be 1";
    for (std::size_t j = 0; j < n; ++j)
      if (!(std::fabs(config.correlation[i * n + j]) <= 1.0))
        return "correlation entries must be in [-1, 1]";
  }
  if (!cholesky(config.correlation, n))
    return "correlation must be symmetric and positive definite";
  return "";
}

PriceProcess::PriceProcess(const PriceProcessConfig& config)
    : config_(config), rng_(config.seed), now_ns_(config.start_ns) {
  if (const std::string err = validate(config_); !err.empty()) throw std::invalid_argument(err);
  const std::size_t n = config_.assets.size();
  if (config_.correlation.empty()) {
    chol_.assign(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) chol_[i * n + i] = 1.0;
  } else {
    chol_ = *cholesky(config_.correlation, n);
  }
  prices_.reserve(n);
  for (const AssetWalkConfig& a : config_.assets) prices_.push_back(a.initial_price);
  jumps_.assign(n, 0);
  shocks_.assign(n, 0.0);
}

void PriceProcess::advance_to(std::int64_t sim_ns) {
  if (sim_ns <= now_ns_) return;
  const double dt = static_cast<double>(sim_ns - now_ns_) * 1e-9 / config_.seconds_per_year;
  now_ns_ = sim_ns;
  const std::size_t n = prices_.size();
  const double sqrt_dt = std::sqrt(dt);
  for (std::size_t i = 0; i < n; ++i) shocks_[i] = rng_.normal();
  for (std::size_t i = 0; i < n; ++i) {
    const AssetWalkConfig& a = config_.assets[i];
    double z = 0.0;  // row i of L times the independent shocks: correlation corr[i][j]
    for (std::size_t k = 0; k <= i; ++k) z += chol_[i * n + k] * shocks_[k];
    const double sigma = a.annual_volatility;
    double log_return = (a.annual_drift - 0.5 * sigma * sigma) * dt + sigma * sqrt_dt * z;
    if (a.jump_intensity > 0.0) {
      // Compensated so jumps add variance but not expected return: E[e^J] - 1 per jump.
      const double kappa = std::exp(a.jump_mean + 0.5 * a.jump_stdev * a.jump_stdev) - 1.0;
      log_return -= a.jump_intensity * kappa * dt;
      const std::uint32_t count = rng_.poisson(a.jump_intensity * dt);
      for (std::uint32_t j = 0; j < count; ++j)
        log_return += a.jump_mean + a.jump_stdev * rng_.normal();
      jumps_[i] += count;
    }
    prices_[i] *= std::exp(log_return);
  }
}

}  // namespace ballast::venue
