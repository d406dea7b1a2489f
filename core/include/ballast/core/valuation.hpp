// Portfolio valuation per DOMAIN.md: NAV (cash + spot + futures unrealised P&L), each
// asset's exposure (its USD delta: spot value plus signed futures value), weights and
// drift against target. value_portfolio() is the full recompute, used by `plan` and as
// the oracle for the engine's incremental per-tick update.
#pragma once

#include <array>
#include <cstddef>

#include "ballast/core/model.hpp"

namespace ballast {

struct Valuation {
  double nav = 0.0;
  double futures_upnl = 0.0;            // sum over positions, in the base currency
  double gross_futures_notional = 0.0;  // sum of |position value|, for leverage
  std::size_t asset_count = 0;
  std::array<double, kMaxAssets> spot_value{};        // spot holdings at spot price
  std::array<double, kMaxAssets> futures_exposure{};  // signed USD delta of futures
  std::array<double, kMaxAssets> exposure{};          // spot + futures; base = remainder
  std::array<double, kMaxAssets> weight{};            // exposure / NAV
  std::array<double, kMaxAssets> spot_weight{};       // spot only (the unhedged weight)
  std::array<double, kMaxAssets> drift{};             // weight - target
  bool nav_positive = false;  // weights are 0 when NAV <= 0 (nothing to allocate)
};

// Full recompute. Prices of 0 mean "unknown": that holding contributes nothing (callers
// that need completeness check prices first, as `plan` does via validate_for_planning).
void value_portfolio(const Universe& universe, const TargetTable& targets,
                     const PortfolioState& portfolio, const MarketState& market,
                     Valuation& out) noexcept;

// Contracts held in `instrument` as a double (lots * lot size), for valuation only.
[[nodiscard]] inline double position_contracts(const InstrumentSpec& spec,
                                               const FuturesPosition& pos) noexcept {
  return static_cast<double>(pos.lots) * spec.lot_size_d;
}

// Realised P&L of closing `closed_contracts` (signed as the position was) of an inverse
// contract entered at `entry` at `price`, in coin: contracts * value * (1/entry - 1/price).
[[nodiscard]] inline double realized_coin_pnl(const InstrumentSpec& spec, double closed_contracts,
                                              double entry, double price) noexcept {
  if (closed_contracts == 0.0 || !(entry > 0.0) || !(price > 0.0)) return 0.0;
  return closed_contracts * spec.contract_value_d * (1.0 / entry - 1.0 / price);
}

// Books a fill into the portfolio: futures move the position (average entry on
// increase, realised P&L on reduce, new entry on a flip); spot moves the asset and cash.
// `signed_lots` > 0 buys. `fee` is in quote at `price`. Linear contracts and spot settle
// in quote (cash); inverse contracts settle fee and realised P&L in their coin.
void apply_fill(const Universe& universe, PortfolioState& portfolio, InstrumentId instrument,
                std::int64_t signed_lots, double price, double fee) noexcept;

}  // namespace ballast
