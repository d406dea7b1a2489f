#include "ballast/core/cost_model.hpp"

#include <algorithm>
#include <cmath>

namespace ballast {

CostEstimate estimate_cost(const InstrumentSpec& spec, const BookSnapshot& book, Side side,
                           double contracts, double mark, double default_spread_bps) noexcept {
  CostEstimate c;
  const double notional = std::fabs(spec.notional(contracts, mark));
  c.fee = notional * spec.taker_fee_bps / 1e4;

  const BookLevel* levels = side == Side::buy ? book.asks.data() : book.bids.data();
  const std::size_t count = side == Side::buy ? book.ask_count : book.bid_count;
  if (count > 0) {
    c.used_book = true;
    const double mid = (book.bid_count > 0 && book.ask_count > 0)
                           ? 0.5 * (book.bids[0].price + book.asks[0].price)
                           : mark;
    double remaining = contracts;
    double filled = 0.0;
    double cash = 0.0;  // sum of price * qty, for the volume-weighted average
    double worst = levels[0].price;
    for (std::size_t i = 0; i < count && remaining > 0.0; ++i) {
      const double take = std::min(remaining, levels[i].qty);
      cash += take * levels[i].price;
      filled += take;
      remaining -= take;
      worst = levels[i].price;
    }
    // Quantities here are computed doubles; a sliver below one part in 1e9 is noise.
    c.book_exhausted = remaining > contracts * 1e-9;
    if (c.book_exhausted) {  // price what the book cannot fill at its worst level
      cash += remaining * worst;
      filled += remaining;
    }
    c.avg_price = filled > 0.0 ? cash / filled : mid;
    c.limit_price = worst;
    c.slippage = mid > 0.0 ? notional * std::fabs(c.avg_price - mid) / mid : 0.0;
  } else {
    const double half = default_spread_bps / 2.0 / 1e4;
    c.avg_price = side == Side::buy ? mark * (1.0 + half) : mark * (1.0 - half);
    c.limit_price = c.avg_price;
    c.slippage = notional * half;
  }
  c.total = c.fee + c.slippage;
  return c;
}

double expected_carry(const InstrumentSpec& spec, double signed_notional, double mark,
                      double spot_price, double funding_rate, std::int64_t horizon_s,
                      std::int64_t now_s) noexcept {
  if (horizon_s <= 0) return 0.0;
  switch (spec.kind) {
    case InstrumentKind::perpetual: {
      if (spec.funding_interval_s <= 0) return 0.0;
      const double periods =
          static_cast<double>(horizon_s) / static_cast<double>(spec.funding_interval_s);
      return funding_rate * signed_notional * periods;
    }
    case InstrumentKind::future: {
      if (spot_price <= 0.0 || !spec.expiry_unix_s) return 0.0;
      const double basis = (mark - spot_price) / spot_price;
      const double to_expiry = static_cast<double>(*spec.expiry_unix_s - now_s);
      if (to_expiry <= 0.0) return 0.0;
      const double share = std::min(1.0, static_cast<double>(horizon_s) / to_expiry);
      return basis * signed_notional * share;
    }
    case InstrumentKind::spot:
      return 0.0;
  }
  return 0.0;
}

}  // namespace ballast
