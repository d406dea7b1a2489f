// When the engine acts: threshold bands (absolute, optionally relative), a calendar
// interval, or both. Band comparisons carry a stated tolerance so that a drift exactly
// on the band does not trigger although 0.55 - 0.50 is 0.05000000000000004 in binary.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "ballast/core/config.hpp"
#include "ballast/core/valuation.hpp"

namespace ballast {

// Drift within kBandTolerance (1e-9 weight points = 1e-5 bp) of the band counts as on
// the band, which does not trigger; it also absorbs binary noise in "drift is zero".
inline constexpr double kBandTolerance = 1e-9;

enum class TriggerReason : std::uint8_t { none, threshold, relative_band, calendar };
[[nodiscard]] const char* to_string(TriggerReason r) noexcept;

[[nodiscard]] inline bool outside_band(double drift, double band) noexcept {
  const double mag = drift < 0 ? -drift : drift;
  return band > 0.0 && mag > band + kBandTolerance;
}

[[nodiscard]] inline bool outside_relative_band(double drift, double target,
                                                double rel_band) noexcept {
  const double mag = drift < 0 ? -drift : drift;
  return rel_band > 0.0 && target > 0.0 && mag > rel_band * target + kBandTolerance;
}

struct TriggerDecision {
  bool fire = false;
  TriggerReason reason = TriggerReason::none;
  AssetId worst_asset = kNoAsset;           // furthest outside its band (drift beyond band), if any
  std::array<bool, kMaxAssets> breached{};  // per asset: outside its band(s)
};

// now_s and last_rebalance_s are Unix seconds. On a tie for the worst breach a risk
// asset is named rather than base_currency (whose drift only mirrors the others).
// calendar triggers when the interval has
// elapsed since the last rebalance (or there was none) and some drift is non-zero.
[[nodiscard]] TriggerDecision evaluate_trigger(const PolicyConfig& policy,
                                               const TargetTable& targets,
                                               const Valuation& valuation, std::int64_t now_s,
                                               std::optional<std::int64_t> last_rebalance_s,
                                               AssetId base_currency = kNoAsset) noexcept;

}  // namespace ballast
