#include "ballast/core/vocabulary.hpp"

namespace ballast {

const char* to_string(RiskCheck c) noexcept {
  switch (c) {
    case RiskCheck::none:
      return "none";
    case RiskCheck::kill_switch:
      return "kill_switch";
    case RiskCheck::reduce_only:
      return "reduce_only";
    case RiskCheck::md_staleness:
      return "md_staleness";
    case RiskCheck::price_collar:
      return "price_collar";
    case RiskCheck::max_order_qty:
      return "max_order_qty";
    case RiskCheck::max_order_notional:
      return "max_order_notional";
    case RiskCheck::duplicate_in_flight:
      return "duplicate_in_flight";
    case RiskCheck::order_rate_per_second:
      return "order_rate_per_second";
    case RiskCheck::order_rate_per_minute:
      return "order_rate_per_minute";
    case RiskCheck::max_leverage:
      return "max_leverage";
    case RiskCheck::max_margin_utilization:
      return "max_margin_utilization";
    case RiskCheck::max_asset_weight:
      return "max_asset_weight";
    case RiskCheck::min_liquidation_distance:
      return "min_liquidation_distance";
    case RiskCheck::initial_margin:
      return "initial_margin";
    case RiskCheck::price_jump:
      return "price_jump";
    case RiskCheck::consecutive_rejects:
      return "consecutive_rejects";
    case RiskCheck::drawdown:
      return "drawdown";
    case RiskCheck::daily_fees:
      return "daily_fees";
    case RiskCheck::daily_turnover:
      return "daily_turnover";
  }
  return "?";
}

}  // namespace ballast
