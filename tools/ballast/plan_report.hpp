// `ballast plan`: values the configured snapshot, evaluates the trigger, plans the
// adjustment, and renders it as the human table or the JSON contract of DESIGN.md.
#pragma once

#include <cstdint>
#include <string>

#include "ballast/core/config.hpp"
#include "ballast/core/planner.hpp"

namespace ballast::tools {

struct PlanReport {
  Valuation valuation;
  PlanResult plan;
  std::int64_t now_s = 0;
};

// Runs valuation -> trigger -> planner on the config's [portfolio] and [market].
void compute_plan(const BallastConfig& config, std::int64_t now_s, PlanReport& report);

[[nodiscard]] std::string render_plan_json(const BallastConfig& config, const PlanReport& report);
[[nodiscard]] std::string render_plan_text(const BallastConfig& config, const PlanReport& report);

}  // namespace ballast::tools
