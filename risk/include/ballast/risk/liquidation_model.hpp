// Maintenance margin from the venue's brackets and the estimated liquidation price of a
// position in a cross-margined, one-way account, linear (USD-M) or inverse (COIN-M).
// Formulas and their derivation: docs/risk-model.md. Pure arithmetic, allocation-free.
#pragma once

#include <cstddef>
#include <limits>

#include "ballast/core/instrument.hpp"

namespace ballast::risk {

// Used when an instrument has no bracket table: the lowest tier of the large venues.
inline constexpr double kDefaultMaintenanceRate = 0.005;

struct BracketTerms {
  double mmr = kDefaultMaintenanceRate;
  double cum = 0.0;       // maint_amount: Binance's "cum", subtracted from notional * mmr
  std::size_t index = 0;  // which bracket (0 when the table is empty)
};

// The bracket whose cap covers `notional` (quote for linear, coin for inverse); notional
// beyond the last cap uses the last bracket.
[[nodiscard]] BracketTerms bracket_for(const InstrumentSpec& spec, double notional) noexcept;

// Maintenance margin of a position of `notional` (same units), never negative.
[[nodiscard]] double maintenance_margin(const InstrumentSpec& spec, double notional) noexcept;

// The position's bracket notional at price `price`: |Q| * P for linear (quote), |N| * CV
// / P for inverse (coin).
[[nodiscard]] double bracket_notional(const InstrumentSpec& spec, double contracts,
                                      double price) noexcept;

// The cross wallet as seen by one position: everything that does not move with this
// position's price, in the wallet's currency (quote for linear, coin for inverse).
struct WalletView {
  // WB' = wallet balance + other assets' collateral value + other positions' unrealised
  // P&L - other positions' maintenance margin (the venue's TMM1 / UPNL1 terms).
  double balance = 0.0;
  // Linear only: collateral of the position's own asset that moves with its price,
  // as quote per unit of price (collateral qty * value ratio * spot / mark).
  double own_collateral_per_price = 0.0;
};

enum class LiquidationStatus : unsigned char {
  none,     // cannot be liquidated at any positive price (fully collateralised)
  at,       // liquidated when the mark crosses `price`
  already,  // equity is below maintenance margin at the current mark
};

struct LiquidationEstimate {
  LiquidationStatus status = LiquidationStatus::none;
  double price = 0.0;  // valid when status == at
  // |mark - price| / mark in the adverse direction; +inf for none, 0 for already.
  double distance = std::numeric_limits<double>::infinity();
  BracketTerms bracket;
  [[nodiscard]] bool exists() const noexcept { return status != LiquidationStatus::none; }
};

// contracts: signed (long > 0). entry: average entry price. mark: current mark > 0.
[[nodiscard]] LiquidationEstimate estimate_liquidation(const InstrumentSpec& spec, double contracts,
                                                       double entry, double mark,
                                                       const WalletView& wallet) noexcept;

}  // namespace ballast::risk
