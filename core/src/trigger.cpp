#include "ballast/core/trigger.hpp"

#include <algorithm>
#include <cmath>

namespace ballast {

const char* to_string(TriggerReason r) noexcept {
  switch (r) {
    case TriggerReason::none:
      return "none";
    case TriggerReason::threshold:
      return "threshold";
    case TriggerReason::relative_band:
      return "relative_band";
    case TriggerReason::calendar:
      return "calendar";
  }
  return "?";
}

TriggerDecision evaluate_trigger(const PolicyConfig& policy, const TargetTable& targets,
                                 const Valuation& valuation, std::int64_t now_s,
                                 std::optional<std::int64_t> last_rebalance_s,
                                 AssetId base_currency) noexcept {
  TriggerDecision d;
  if (!valuation.nav_positive) return d;

  bool any_drift = false;
  double worst_excess = 0.0;
  for (std::size_t a = 0; a < valuation.asset_count; ++a) {
    const TargetSpec& t = targets[a];
    const double drift = valuation.drift[a];
    const double magnitude = drift < 0 ? -drift : drift;
    if (magnitude > kBandTolerance) any_drift = true;
    if (!t.configured) continue;
    const bool abs_out = outside_band(drift, t.band);
    const bool rel_out = outside_relative_band(drift, t.weight, t.rel_band);
    d.breached[a] = abs_out || rel_out;
    if (!d.breached[a]) continue;
    // Name the asset furthest beyond its (tighter) band: the one the operator looks at.
    const double rel_limit = t.rel_band > 0.0 ? t.rel_band * t.weight : magnitude;
    const double excess = magnitude - (abs_out && rel_out ? std::min(t.band, rel_limit)
                                       : abs_out          ? t.band
                                                          : rel_limit);
    const bool tie = std::fabs(excess - worst_excess) <= kBandTolerance;
    if (d.worst_asset == kNoAsset || (!tie && excess > worst_excess) ||
        (tie && d.worst_asset == base_currency)) {
      worst_excess = excess;
      d.worst_asset = static_cast<AssetId>(a);
      d.reason = abs_out ? TriggerReason::threshold : TriggerReason::relative_band;
    }
  }

  const bool threshold_fires = d.worst_asset != kNoAsset;
  const bool calendar_due =
      policy.calendar_interval_s > 0 &&
      (!last_rebalance_s || now_s - *last_rebalance_s >= policy.calendar_interval_s);
  const bool calendar_fires = calendar_due && any_drift;

  switch (policy.trigger) {
    case TriggerMode::threshold:
      d.fire = threshold_fires;
      break;
    case TriggerMode::calendar:
      d.fire = calendar_fires;
      if (d.fire) d.reason = TriggerReason::calendar;
      break;
    case TriggerMode::both:
      d.fire = threshold_fires || calendar_fires;
      if (!threshold_fires && calendar_fires) d.reason = TriggerReason::calendar;
      break;
  }
  if (!d.fire) d.reason = TriggerReason::none;
  return d;
}

}  // namespace ballast
