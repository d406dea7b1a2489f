// `ballast plan`: values the configured snapshot, evaluates the trigger, plans the
// adjustment, runs every planned order through pre-trade risk (shrinking size-bound
// rejections), and renders it as the human table or the JSON contract of DESIGN.md.
#pragma once

#include <cstdint>
#include <string>

#include "ballast/core/config.hpp"
#include "ballast/core/planner.hpp"
#include "ballast/risk/risk_engine.hpp"

namespace ballast::tools {

struct OrderRisk {
  risk::RiskVerdict verdict;       // the final verdict on the order as planned/resized
  risk::RiskVerdict shrink_cause;  // what a larger size failed, when shrunk
  bool shrunk = false;
  // The venue's order-rate throttle holds the order this long after the first: a plan
  // is a snapshot, and the runtime sends a burst over the next seconds (pacing, not a
  // refusal).
  std::int64_t paced_ns = 0;
  // Accepted by risk, but what risk let out of the plan no longer removes more tracking
  // error than it costs, so none of it goes (HedgePlanner::reweigh).
  bool not_worth_cost = false;
  // A synthetic pair goes out whole, as planned, or waits: risk refused or cut a leg.
  bool pair_leg_refused = false;
};

struct PlanReport {
  Valuation valuation;
  PlanResult plan;
  std::int64_t now_s = 0;
  risk::TradingState state = risk::TradingState::active;
  std::array<OrderRisk, kMaxInstruments> order_risk{};
  risk::AccountRisk risk_before;  // open orders counted as filled
  risk::AccountRisk risk_after;   // and every accepted order
};

// Runs valuation -> trigger -> planner -> pre-trade risk on the config's [portfolio]
// and [market]; orders are checked in plan order, each against the account with the
// previously accepted ones applied.
void compute_plan(const BallastConfig& config, std::int64_t now_s, risk::TradingState state,
                  PlanReport& report);

[[nodiscard]] std::string render_plan_json(const BallastConfig& config, const PlanReport& report);
[[nodiscard]] std::string render_plan_text(const BallastConfig& config, const PlanReport& report);

}  // namespace ballast::tools
