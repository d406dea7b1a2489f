#include "ballast/risk/liquidation_model.hpp"

#include <cmath>

namespace ballast::risk {

BracketTerms bracket_for(const InstrumentSpec& spec, double notional) noexcept {
  BracketTerms t;
  const auto& brackets = spec.margin_brackets;
  if (brackets.empty()) return t;
  std::size_t k = 0;
  while (k + 1 < brackets.size() && notional > brackets[k].max_notional) ++k;
  t.mmr = brackets[k].mmr;
  t.cum = brackets[k].maint_amount;
  t.index = k;
  return t;
}

double maintenance_margin(const InstrumentSpec& spec, double notional) noexcept {
  const BracketTerms t = bracket_for(spec, notional);
  const double mm = notional * t.mmr - t.cum;
  return mm > 0.0 ? mm : 0.0;
}

double bracket_notional(const InstrumentSpec& spec, double contracts, double price) noexcept {
  const double n = std::fabs(contracts);
  if (spec.is_inverse()) return price > 0.0 ? n * spec.contract_value_d / price : 0.0;
  return n * spec.contract_size_d * price;
}

namespace {

// Equity of the wallet as a function of this position's price P, for one bracket:
//   linear:  E(P) = A + B * P        (quote)
//   inverse: E(P) = A + B / P        (coin)
struct EquityLine {
  double a = 0.0;
  double b = 0.0;
};

EquityLine equity_line(const InstrumentSpec& spec, double contracts, double entry,
                       const WalletView& w, const BracketTerms& t) noexcept {
  EquityLine e;
  if (spec.is_inverse()) {
    // E = W + N*CV*(1/EP - 1/P) - (|N|*CV*mmr/P - cum)
    const double cv = spec.contract_value_d;
    e.a = w.balance + contracts * cv / entry + t.cum;
    e.b = -cv * (contracts + std::fabs(contracts) * t.mmr);
  } else {
    // E = W + c*P + Q*(P - EP) - (|Q|*P*mmr - cum), Q = contracts * contract size
    const double q = contracts * spec.contract_size_d;
    e.a = w.balance - q * entry + t.cum;
    e.b = w.own_collateral_per_price + q - std::fabs(q) * t.mmr;
  }
  return e;
}

double equity_at(const InstrumentSpec& spec, const EquityLine& e, double p) noexcept {
  return spec.is_inverse() ? e.a + e.b / p : e.a + e.b * p;
}

// Where equity crosses zero on the adverse side of the mark (equity is positive there).
LiquidationEstimate crossing(const InstrumentSpec& spec, const EquityLine& e,
                             double mark) noexcept {
  LiquidationEstimate r;
  if (e.b == 0.0) return r;  // equity does not depend on price: never
  // Equity rises with price when B > 0 (linear) or B < 0 (inverse): then liquidation
  // lies below the mark, else above it.
  const bool below = spec.is_inverse() ? e.b < 0.0 : e.b > 0.0;
  double price;
  if (spec.is_inverse()) {
    if (e.a == 0.0) return r;
    price = -e.b / e.a;
  } else {
    price = -e.a / e.b;
  }
  if (!(price > 0.0) || !std::isfinite(price)) return r;  // no crossing at a positive price
  if (below ? price >= mark : price <= mark) return r;    // not on the adverse side
  r.status = LiquidationStatus::at;
  r.price = price;
  r.distance = std::fabs(mark - price) / mark;
  return r;
}

}  // namespace

LiquidationEstimate estimate_liquidation(const InstrumentSpec& spec, double contracts, double entry,
                                         double mark, const WalletView& wallet) noexcept {
  LiquidationEstimate r;
  if (contracts == 0.0 || !(mark > 0.0)) return r;
  if (!(entry > 0.0)) entry = mark;
  // Start in the bracket of today's notional; if the notional at the estimated price
  // falls in another bracket, solve again there (the venue applies that bracket then).
  BracketTerms t = bracket_for(spec, bracket_notional(spec, contracts, mark));
  EquityLine line = equity_line(spec, contracts, entry, wallet, t);
  if (equity_at(spec, line, mark) <= 0.0) {
    r.status = LiquidationStatus::already;
    r.distance = 0.0;
    r.bracket = t;
    return r;
  }
  const std::size_t rounds = spec.margin_brackets.size() + 1;
  for (std::size_t i = 0; i < rounds; ++i) {
    LiquidationEstimate next = crossing(spec, line, mark);
    next.bracket = t;
    // A table whose cum amounts are not continuous can make the re-solve miss; keep the
    // crossing already found rather than report none.
    if (next.status != LiquidationStatus::at) {
      if (i == 0) r = next;
      break;
    }
    r = next;
    const BracketTerms at_price = bracket_for(spec, bracket_notional(spec, contracts, r.price));
    if (at_price.index == t.index) break;
    t = at_price;
    line = equity_line(spec, contracts, entry, wallet, t);
  }
  return r;
}

}  // namespace ballast::risk
