// The hedge planner: given a valuation and a trigger decision, move every targeted
// asset's futures from where they are to where the overlay wants them (DOMAIN.md, Hedge
// overlay: F* = h * (T - S), a function of the book, never an increment), by futures
// hedges, a delta-neutral synthetic pair, or spot trades; size the orders in whole lots
// (toward zero), gate them on minimums, a no-trade region and cost against benefit, and
// report what rounding and skipping leave behind. plan() writes into a caller-owned
// PlanResult and does not allocate, so the engine calls it on the hot path.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "ballast/core/config.hpp"
#include "ballast/core/cost_model.hpp"
#include "ballast/core/trigger.hpp"
#include "ballast/core/valuation.hpp"

namespace ballast {

// Why a wanted adjustment produced no order. Each is shown to the operator.
enum class SkipReason : std::uint8_t {
  none,
  below_min_order_notional,  // |adjustment| < policy.min_order_notional
  rounds_to_zero,            // less than one lot
  below_min_qty,             // instrument min_qty
  below_min_notional,        // instrument min_notional
  cost_above_max,            // estimated cost > policy.max_cost_bps
  insufficient_depth,        // the visible book cannot fill the order
  no_instrument,             // no tradable instrument with a price for the asset
  no_counterparty_leg,       // synthetic_pair: nothing on the other side to pair with
  within_tolerance,          // |F* - F| inside the no-trade region (rebalance_tolerance x band)
  not_worth_cost,            // the tracking error it removes is worth less than it costs
  no_shorting,               // spot method: the sell is larger than the spot held
  size_overflow,             // the lot count does not fit (more than 2^53 lots)
};
[[nodiscard]] const char* to_string(SkipReason r) noexcept;

struct PlannedOrder {
  InstrumentId instrument = kNoInstrument;
  AssetId asset = kNoAsset;
  Side side = Side::buy;
  OrderReason reason = OrderReason::rebalance;
  std::int64_t lots = 0;           // positive count of lots; contracts = lots * lot_size
  std::int64_t limit_ticks = 0;    // limit price = limit_ticks * tick_size
  double raw_contracts = 0.0;      // unrounded, signed: what the notional asked for
  double rounding_residual = 0.0;  // contracts rounding left out (signed, < one lot)
  double qty_base = 0.0;           // in the base asset (inverse: coin delta at mark)
  double notional = 0.0;           // in the quote currency, at mark
  double limit_price = 0.0;        // limit_ticks * tick_size, for display
  CostEstimate cost;
  double cost_bps = 0.0;
  // Fee plus the slippage of a fill at the limit price itself, not the book's average:
  // the most this order can cost, and what the benefit gate weighs.
  double cost_at_limit = 0.0;
  // Set by a downstream gate (pre-trade risk): the order stays in the report, marked,
  // and is left out of the post-trade valuation.
  bool blocked = false;
  std::int64_t requested_lots = 0;  // lots as first planned, before any resize
};

struct SkippedAdjustment {
  AssetId asset = kNoAsset;
  InstrumentId instrument = kNoInstrument;  // kNoInstrument when none was chosen
  SkipReason reason = SkipReason::none;
  double notional = 0.0;  // the signed adjustment that was not made, in quote
  double value = 0.0;     // the measured quantity that failed (notional, bps, contracts)
  double limit = 0.0;     // the limit it failed against
};

struct AssetPlan {
  double wanted_exposure = 0.0;   // T: the total exposure the policy wants, in quote
  double wanted_futures = 0.0;    // F* = h (T - S); spot method: T - F, the spot wanted
  double adjust_notional = 0.0;   // signed move asked for: F* - F (spot: T - E); 0 if none
  double planned_notional = 0.0;  // signed notional of the orders actually planned
  double drift_after = 0.0;       // drift once the planned orders fill at their estimates
  double weight_after = 0.0;
  bool unwinding = false;  // the move shrinks the hedge already held
};

struct PlanResult {
  TriggerDecision trigger;
  bool acted = false;  // triggered, or an unwind is due
  std::array<AssetPlan, kMaxAssets> assets{};
  std::array<PlannedOrder, kMaxInstruments> orders{};
  std::uint8_t order_count = 0;
  std::array<SkippedAdjustment, kMaxInstruments> skipped{};
  std::uint8_t skipped_count = 0;
  Valuation after;            // the portfolio valued as if every planned order filled
  PortfolioState after_book;  // value_after's scratch: the book with those fills
  double max_abs_drift_before = 0.0;
  double max_abs_drift_after = 0.0;
  bool nav_nonpositive = false;  // NAV <= 0: an error state, nothing is planned
  bool size_overflow = false;    // some order's lot count did not fit (see skipped)
  // Sum of squared drifts over the assets with a configured target, before and as
  // estimated after every planned order fills at its limit price with its fee.
  double tracking_error_before = 0.0;
  double tracking_error_after = 0.0;
  double benefit = 0.0;  // tracking_error_aversion * NAV * (before - after), quote
  double cost = 0.0;     // sum of the planned orders' cost_at_limit, quote
};

struct PlanContext {
  const Universe& universe;
  const TargetTable& targets;
  const PolicyConfig& policy;
  const PortfolioState& portfolio;
  const MarketState& market;
  std::int64_t now_s = 0;
  // Re-value the portfolio as if the plan filled (drift_after, max_abs_drift_after): what
  // an operator reads in `plan`, not needed by the engine before the orders go out.
  bool value_after = true;
};

// The smallest order, in lots, that the instrument's min_qty and min_notional and the
// policy's min_order_notional still allow at `notional_per_lot`; a resize below it is a
// rejection, not a smaller order.
[[nodiscard]] std::int64_t minimum_lots(const InstrumentSpec& spec, const PolicyConfig& policy,
                                        double notional_per_lot) noexcept;

class HedgePlanner {
 public:
  // Fills `out` from scratch. `valuation` must be of ctx.portfolio at ctx.market.
  static void plan(const PlanContext& ctx, const Valuation& valuation,
                   const TriggerDecision& trigger, PlanResult& out) noexcept;

  // After a gate blocked or shrank some orders: recomputes cost, tracking error after
  // and benefit over the orders still going out, and tells whether they are still worth
  // their cost (a plan cut by risk may no longer be; it then sends nothing).
  static bool reweigh(const PlanContext& ctx, const Valuation& valuation, PlanResult& out) noexcept;

  // Re-sizes a planned order to `lots` (> 0), recomputing quantity, notional, cost and
  // limit price; requested_lots keeps the original size.
  static void resize(const PlanContext& ctx, PlannedOrder& order, std::int64_t lots) noexcept;

  // Values the portfolio as if every order not blocked filled at its estimated price, and
  // fills out.after, the per-asset weight/drift after and max_abs_drift_after.
  static void value_after(const PlanContext& ctx, PlanResult& out) noexcept;

  // The instrument that adds `signed_notional` of the asset's exposure: the spot pair for
  // the spot method; else a hedge instrument already held on the same side (no churn
  // between instruments), else the allowed one with the cheapest expected carry over the
  // policy's horizon. A dated future that has expired or is inside its roll window is
  // never chosen (closing one is the reducing leg's job, not this choice).
  static InstrumentId choose_instrument(const PlanContext& ctx, AssetId asset,
                                        double signed_notional) noexcept;

  // True when the instrument may be opened or added to at ctx.now_s: not a dated future
  // that has expired or is within policy.roll_before_s of expiry.
  [[nodiscard]] static bool may_open(const PlanContext& ctx, const InstrumentSpec& spec) noexcept;
};

}  // namespace ballast
