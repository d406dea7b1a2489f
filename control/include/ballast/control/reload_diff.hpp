// What a `reload` would change: the old (live) config against the re-read file. Targets,
// policy and risk limits apply live while the universe (assets, instruments, venues) is
// the same; every other changed section needs a restart. Control thread only.
#pragma once

#include <string>
#include <vector>

#include "ballast/core/config.hpp"

namespace ballast::control {

struct ConfigReloadDiff {
  bool universe_changed = false;  // nothing may be applied live: ids would shift
  // Live keys that differ, "target.BTC.weight 0.5 -> 0.4", "risk.max_leverage 3 -> 2".
  // With universe_changed they are listed under restart_needed instead.
  std::vector<std::string> applied;
  // The risk limits among `applied` that the new value loosens ("risk.max_leverage 3 ->
  // 5"): a live reload applies them only when the operator confirms.
  std::vector<std::string> loosened;
  // Sections or keys that only a restart picks up: "instruments", "feed.file", ...
  std::vector<std::string> restart_needed;
  [[nodiscard]] bool can_apply() const noexcept { return !universe_changed; }
};

[[nodiscard]] ConfigReloadDiff diff_for_reload(const BallastConfig& live,
                                               const BallastConfig& next);

}  // namespace ballast::control
