#include "ballast/core/trigger.hpp"

namespace ballast {

const char* to_string(TriggerReason r) noexcept {
  switch (r) {
    case TriggerReason::none: return "none";
    case TriggerReason::threshold: return "threshold";
    case TriggerReason::relative_band: return "relative_band";
    case TriggerReason::calendar: return "calendar";
  }
  return "?";
}

TriggerDecision evaluate_trigger(const PolicyConfig& policy, const TargetTable& targets,
                                 const Valuation& valuation, std::int64_t now_s,
                                 std::optional<std::int64_t> last_rebalance_s) noexcept {
  TriggerDecision d;
  if (!valuation.nav_positive) return d;

  bool any_drift = false;
  for (std::size_t a = 0; a < valuation.asset_count; ++a) {
    const TargetSpec& t = targets[a];
    const double drift = valuation.drift[a];
    if (drift > kBandTolerance || drift < -kBandTolerance) any_drift = true;
    if (!t.configured) continue;
    const bool abs_out = outside_band(drift, t.band);
    const bool rel_out = outside_relative_band(drift, t.weight, t.rel_band);
    d.breached[a] = abs_out || rel_out;
    if (d.breached[a] && d.first_asset == kNoAsset) {
      d.first_asset = static_cast<AssetId>(a);
      d.reason = abs_out ? TriggerReason::threshold : TriggerReason::relative_band;
    }
  }

  const bool threshold_fires = d.first_asset != kNoAsset;
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
