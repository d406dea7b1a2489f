// A trading account at the simulated venue: cash in the quote currency, spot holdings and
// derivative positions (booked with core's apply_fill, so venue and engine agree on entry
// prices and realised P&L), open-order totals for margin and reduce-only, and fee and
// funding tallies.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "ballast/core/model.hpp"

namespace ballast::venue {

struct AccountConfig {
  std::string name;
  double initial_cash = 0.0;  // quote currency
  // The market maker: exempt from injected faults and margin checks (it is the market).
  bool internal = false;
  // Reject orders whose worst case (position plus all open orders on one side, plus this
  // order) would need more initial margin than the account's equity.
  bool check_margin = false;
};

// Lots resting in the book per instrument and side; reduce-only orders also counted apart.
struct OpenLots {
  std::int64_t buy = 0;
  std::int64_t sell = 0;
  std::int64_t reduce_only_buy = 0;
  std::int64_t reduce_only_sell = 0;
};

struct Account {
  AccountConfig config;
  PortfolioState portfolio;
  std::array<OpenLots, kMaxInstruments> open{};
  double fees_paid = 0.0;     // net of maker rebates; positive = paid
  double funding_paid = 0.0;  // net; positive = paid, negative = received
  double settled_pnl = 0.0;   // realised at dated-future expiries
  std::uint64_t orders = 0;   // accepted new orders
  std::uint64_t fills = 0;    // fill reports (partial or full)
  std::uint64_t rejects = 0;
  std::uint64_t cancels = 0;
};

struct MarginSummary {
  double equity = 0.0;              // cash + spot at price + unrealised P&L
  double unrealized_pnl = 0.0;      // derivatives at mark
  double initial_margin = 0.0;      // worst side of positions plus open orders, at leverage
  double maintenance_margin = 0.0;  // positions, from the instrument's brackets
  [[nodiscard]] double available() const noexcept { return equity - initial_margin; }
};

}  // namespace ballast::venue
