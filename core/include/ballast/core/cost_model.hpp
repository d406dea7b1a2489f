// What an order is expected to cost before it is sent: taker fee plus slippage, from
// walking the visible book when a depth snapshot is known, else half a configured
// spread; also the marketable limit price, and funding/basis carry for choosing among
// hedge instruments. Pure arithmetic, allocation-free.
#pragma once

#include <cstdint>

#include "ballast/core/model.hpp"
#include "ballast/core/vocabulary.hpp"

namespace ballast {

struct CostEstimate {
  double fee = 0.0;          // taker fee on the notional, in quote
  double slippage = 0.0;     // |average fill - mid| on the notional, in quote
  double total = 0.0;        // fee + slippage
  double avg_price = 0.0;    // expected average fill price
  double limit_price = 0.0;  // marketable limit: worst level touched, or mark +- half spread
  bool used_book = false;
  bool book_exhausted = false;  // the visible book is smaller than the order
};

// contracts > 0. mark > 0. default_spread_bps is the full bid/ask spread assumed
// when the book is empty.
[[nodiscard]] CostEstimate estimate_cost(const InstrumentSpec& spec, const BookSnapshot& book,
                                         Side side, double contracts, double mark,
                                         double default_spread_bps) noexcept;

// Expected carry (positive = cost) of holding `signed_notional` (long > 0) in `spec`
// over horizon_s: perpetuals pay funding (longs pay when rate > 0); dated futures
// converge to spot, so a long pays the premium pro rata over the time to expiry.
[[nodiscard]] double expected_carry(const InstrumentSpec& spec, double signed_notional, double mark,
                                    double spot_price, double funding_rate, std::int64_t horizon_s,
                                    std::int64_t now_s) noexcept;

}  // namespace ballast
