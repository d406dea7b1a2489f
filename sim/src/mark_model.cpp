#include "ballast/venue/mark_model.hpp"

#include <algorithm>
#include <cmath>

namespace ballast::venue {

double funding_rate_from_premium(double premium, const FundingParams& p) noexcept {
  const double f = premium + std::clamp(p.interest_rate - premium, -p.clamp, p.clamp);
  return std::clamp(f, -p.cap, p.cap);
}

MarkModel::MarkModel(const Universe& universe, const MarkModelConfig& config)
    : universe_(universe), config_(config), rng_(config.seed) {
  perp_.fill(config.perpetual);
  future_.fill(config.future);
  premium_.fill(config.perpetual.mean_premium);
}

void MarkModel::update(std::int64_t sim_ns, const std::array<double, kMaxAssets>& asset_price) {
  const double dt_s =
      started_ && sim_ns > now_ns_ ? static_cast<double>(sim_ns - now_ns_) * 1e-9 : 0.0;
  if (!started_ || sim_ns > now_ns_) now_ns_ = sim_ns;
  started_ = true;
  const auto price_of = [&](AssetId a) {
    if (a == universe_.base_currency) return 1.0;
    return a < kMaxAssets ? asset_price[a] : 0.0;
  };
  const std::size_t n = std::min(universe_.instruments.size(), kMaxInstruments);
  for (std::size_t i = 0; i < n; ++i) {
    const InstrumentSpec& spec = universe_.instruments[i];
    const double base = price_of(spec.base);
    const double quote = spec.quote == kNoAsset ? 1.0 : price_of(spec.quote);
    const double index = base > 0.0 && quote > 0.0 ? base / quote : 0.0;
    index_[i] = index;
    switch (spec.kind) {
      case InstrumentKind::spot:
        mark_[i] = index;
        funding_[i] = 0.0;
        break;
      case InstrumentKind::perpetual: {
        const PerpetualParams& p = perp_[i];
        if (dt_s > 0.0) {  // exact OU transition over dt: any step size has the right law
          const double theta = p.reversion_hours > 0.0 ? 1.0 / (p.reversion_hours * 3600.0) : 0.0;
          const double decay = std::exp(-theta * dt_s);
          const double sd = p.premium_stdev * std::sqrt(std::max(0.0, 1.0 - decay * decay));
          premium_[i] =
              p.mean_premium + (premium_[i] - p.mean_premium) * decay + sd * rng_.normal();
        }
        mark_[i] = index * (1.0 + premium_[i]);
        funding_[i] = funding_rate_from_premium(premium_[i], config_.funding);
        break;
      }
      case InstrumentKind::future: {
        double tau = 0.0;  // years to expiry; the basis is gone at expiry
        if (spec.expiry_unix_s) {
          const double left_s =
              static_cast<double>(*spec.expiry_unix_s) - static_cast<double>(sim_ns) * 1e-9;
          tau = std::max(0.0, left_s) / config_.seconds_per_year;
        }
        premium_[i] = future_[i].annual_basis * tau;
        mark_[i] = index * (1.0 + premium_[i]);
        funding_[i] = 0.0;
        break;
      }
    }
  }
}

}  // namespace ballast::venue
