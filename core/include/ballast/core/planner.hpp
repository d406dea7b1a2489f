// The hedge planner: given a valuation and a trigger decision, decide which orders bring
// every asset back to target (or to its band edge), by futures hedges, a delta-neutral
// synthetic pair, or spot trades; size them in whole lots (toward zero), gate them on
// minimums and estimated cost, and report what rounding and skipping leave behind.
// plan() writes into a caller-owned PlanResult and does not allocate, so the engine can
// call it on the hot path.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "ballast/core/config.hpp"
#include "ballast/core/cost_model.hpp"
#include "ballast/core/trigger.hpp"
#include "ballast/core/valuation.hpp"

namespace ballast {

// status_query is not a trade: the sink asks the venue where the order with this
// client_order_id stands (FIX OrderStatusRequest) and the answer is an ExecKind::status.
// cancel is not a trade either: the venue cancels the order client_order_id, the request
// itself carrying its own id in OrderRequest::request_id. flatten closes a futures
// position on the operator's command.
enum class OrderPurpose : std::uint8_t { rebalance, unwind, status_query, cancel, flatten };
[[nodiscard]] const char* to_string(OrderPurpose p) noexcept;

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
};
[[nodiscard]] const char* to_string(SkipReason r) noexcept;

struct PlannedOrder {
  InstrumentId instrument = kNoInstrument;
  AssetId asset = kNoAsset;
  Side side = Side::buy;
  OrderPurpose purpose = OrderPurpose::rebalance;
  std::int64_t lots = 0;           // positive count of lots; contracts = lots * lot_size
  std::int64_t limit_ticks = 0;    // limit price = limit_ticks * tick_size
  double raw_contracts = 0.0;      // unrounded, signed: what the notional asked for
  double rounding_residual = 0.0;  // contracts rounding left out (signed, < one lot)
  double qty_base = 0.0;           // in the base asset (inverse: coin delta at mark)
  double notional = 0.0;           // in the quote currency, at mark
  double limit_price = 0.0;        // limit_ticks * tick_size, for display
  CostEstimate cost;
  double cost_bps = 0.0;
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
  double wanted_exposure = 0.0;
  double adjust_notional = 0.0;   // signed adjustment asked for (after hedge_ratio); 0 if none
  double planned_notional = 0.0;  // signed notional of the orders actually planned
  double drift_after = 0.0;       // drift once the planned orders fill at their estimates
  double weight_after = 0.0;
  bool unwinding = false;
};

struct PlanResult {
  TriggerDecision trigger;
  bool acted = false;  // triggered, or an unwind is due
  std::array<AssetPlan, kMaxAssets> assets{};
  std::array<PlannedOrder, kMaxInstruments> orders{};
  std::uint8_t order_count = 0;
  std::array<SkippedAdjustment, kMaxInstruments> skipped{};
  std::uint8_t skipped_count = 0;
  Valuation after;  // the portfolio valued as if every planned order filled
  double max_abs_drift_before = 0.0;
  double max_abs_drift_after = 0.0;
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

  // Re-sizes a planned order to `lots` (> 0), recomputing quantity, notional, cost and
  // limit price; requested_lots keeps the original size.
  static void resize(const PlanContext& ctx, PlannedOrder& order, std::int64_t lots) noexcept;

  // Values the portfolio as if every order not blocked filled at its estimated price, and
  // fills out.after, the per-asset weight/drift after and max_abs_drift_after.
  static void value_after(const PlanContext& ctx, PlanResult& out) noexcept;

  // The instrument the asset's adjustment goes through: the spot pair for the spot
  // method; else a hedge instrument already held (no churn between instruments), else
  // the allowed one with the cheapest expected carry over the policy's horizon.
  static InstrumentId choose_instrument(const PlanContext& ctx, AssetId asset,
                                        double signed_notional) noexcept;
};

}  // namespace ballast
