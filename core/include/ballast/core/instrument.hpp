// What can be traded: spot pairs, perpetuals and dated futures, linear or inverse, with
// the exchange's increments (tick, lot), minimums, fees and maintenance-margin brackets.
// Sizes are exact Decimals (they reach the wire); the double mirrors are for valuation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ballast/core/decimal.hpp"
#include "ballast/core/ids.hpp"

namespace ballast {

enum class InstrumentKind : std::uint8_t { spot, perpetual, future };
enum class Settlement : std::uint8_t { linear, inverse };

[[nodiscard]] const char* to_string(InstrumentKind k) noexcept;
[[nodiscard]] const char* to_string(Settlement s) noexcept;

// One row of a venue's maintenance-margin table: positions with notional up to
// max_notional pay mmr * notional - maint_amount (Binance's "cum" amount).
struct MarginBracket {
  double max_notional = 0.0;
  double mmr = 0.0;
  double maint_amount = 0.0;
};

struct InstrumentSpec {
  std::string symbol;
  InstrumentKind kind = InstrumentKind::perpetual;
  AssetId base = kNoAsset;   // the underlying asset whose exposure this instrument moves
  AssetId quote = kNoAsset;  // the asset prices and linear P&L are in
  Settlement settlement = Settlement::linear;
  Decimal contract_size{1, 0};   // linear and spot: base units per contract (spot: 1)
  Decimal contract_value{0, 0};  // inverse: quote (USD) per contract
  Decimal lot_size{1, 0};        // quantity increment, in contracts (spot: base units)
  Decimal tick_size{1, 2};       // price increment
  Decimal min_qty{0, 0};         // in contracts (spot: base units); 0 = one lot
  double min_notional = 0.0;     // in quote
  double maker_fee_bps = 0.0;
  double taker_fee_bps = 0.0;
  std::int64_t funding_interval_s = 0;         // perpetual only
  std::optional<std::int64_t> expiry_unix_s;   // future only
  std::vector<MarginBracket> margin_brackets;  // ascending max_notional
  double leverage = 1.0;        // initial leverage the account runs this instrument at
  Decimal max_order_qty{0, 0};  // per-order cap in contracts (spot: base units); 0 = none
  VenueId venue = 0;            // index into Universe::venues

  // Derived once at load so valuation does not re-convert decimals per tick.
  double contract_size_d = 1.0;
  double contract_value_d = 0.0;
  double lot_size_d = 1.0;
  double tick_size_d = 0.01;
  double max_order_qty_d = 0.0;
  double min_qty_d = 0.0;

  [[nodiscard]] bool is_derivative() const noexcept { return kind != InstrumentKind::spot; }
  [[nodiscard]] bool is_inverse() const noexcept { return settlement == Settlement::inverse; }
  void derive() noexcept;

  // Signed USD (quote) value of `contracts` at `mark`: the position's delta in quote.
  [[nodiscard]] double notional(double contracts, double mark) const noexcept {
    return is_inverse() ? contracts * contract_value_d : contracts * contract_size_d * mark;
  }
  // Quote notional of one contract at `mark`.
  [[nodiscard]] double contract_notional(double mark) const noexcept {
    return is_inverse() ? contract_value_d : contract_size_d * mark;
  }
  // Base-asset quantity of `contracts` at `mark` (inverse: coin delta).
  [[nodiscard]] double base_quantity(double contracts, double mark) const noexcept {
    return is_inverse() ? (mark > 0.0 ? contracts * contract_value_d / mark : 0.0)
                        : contracts * contract_size_d;
  }
  // Initial margin to hold `notional` (quote) at the configured leverage.
  [[nodiscard]] double initial_margin(double notional) const noexcept {
    return (notional < 0 ? -notional : notional) / leverage;
  }
  // Unrealised P&L in quote (USD). Inverse P&L is earned in coin and converted at mark.
  [[nodiscard]] double unrealized_pnl(double contracts, double entry, double mark) const noexcept {
    if (contracts == 0.0 || entry <= 0.0 || mark <= 0.0) return 0.0;
    if (is_inverse()) return contracts * contract_value_d * (1.0 / entry - 1.0 / mark) * mark;
    return contracts * contract_size_d * (mark - entry);
  }
};

}  // namespace ballast
