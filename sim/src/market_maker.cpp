#include "ballast/venue/market_maker.hpp"

#include <algorithm>
#include <cmath>

namespace ballast::venue {

QuoteLadder build_ladder(const InstrumentSpec& spec, const QuoteConfig& config, double mid,
                         double spread_factor) noexcept {
  QuoteLadder out;
  if (!(mid > 0.0) || !(spec.tick_size_d > 0.0) || config.levels == 0) return out;
  const double factor = spread_factor > 1.0 ? spread_factor : 1.0;
  const double mid_ticks = mid / spec.tick_size_d;
  const double half = mid_ticks * config.half_spread_bps * factor / 1e4;
  // The epsilon keeps a mid that is a whole tick (up to binary error) from losing a tick.
  auto best_bid = static_cast<std::int64_t>(std::floor(mid_ticks - half + 1e-9));
  auto best_ask = static_cast<std::int64_t>(std::ceil(mid_ticks + half - 1e-9));
  if (best_ask <= best_bid) best_ask = best_bid + 1;
  const auto spacing =
      std::max<std::int64_t>(1, std::llround(mid_ticks * config.level_spacing_bps * factor / 1e4));
  const std::size_t levels = std::min<std::size_t>(config.levels, kMaxQuoteLevels);
  double size = static_cast<double>(config.lots_per_level);
  for (std::size_t k = 0; k < levels; ++k) {
    const auto lots = std::max<std::int64_t>(1, std::llround(size));
    const std::int64_t offset = static_cast<std::int64_t>(k) * spacing;
    if (best_bid - offset > 0) out.bids[out.bid_count++] = QuoteLevel{best_bid - offset, lots};
    out.asks[out.ask_count++] = QuoteLevel{best_ask + offset, lots};
    size *= config.size_growth;
  }
  return out;
}

MarketMaker::MarketMaker(SimulatedVenue& venue, AccountId account)
    : venue_(venue), account_(account) {
  for (auto& q : quotes_) q.reserve(2 * kMaxQuoteLevels);
}

void MarketMaker::quote(InstrumentId i, double mid, double spread_factor) {
  if (i >= venue_.universe().instruments.size()) return;
  std::vector<Quote>& quotes = quotes_[i];
  // Forget quotes that have filled or been removed by the venue (expiry, self-trade).
  std::erase_if(quotes, [&](const Quote& q) { return venue_.find_order(i, q.id) == nullptr; });
  const QuoteConfig& config = config_[i];
  if (!config.enabled || venue_.expired(i) || !(mid > 0.0)) {
    pull(i);
    return;
  }
  const QuoteLadder ladder =
      build_ladder(venue_.universe().instruments[i], config, mid, spread_factor);
  const auto on_ladder = [&](Side side, std::int64_t price) -> const QuoteLevel* {
    const auto& levels = side == Side::buy ? ladder.bids : ladder.asks;
    const std::size_t n = side == Side::buy ? ladder.bid_count : ladder.ask_count;
    for (std::size_t k = 0; k < n; ++k)
      if (levels[k].price_ticks == price) return &levels[k];
    return nullptr;
  };

  // Cancel first so that no new quote can meet one of our stale ones across the spread.
  std::erase_if(quotes, [&](const Quote& q) {
    if (on_ladder(q.side, q.price_ticks) != nullptr) return false;
    if (venue_.cancel_order(account_, i, q.id)) ++canceled_;
    return true;
  });

  const auto top_up = [&](Side side, const QuoteLevel& level) {
    std::int64_t have = 0;
    for (const Quote& q : quotes)
      if (q.side == side && q.price_ticks == level.price_ticks)
        if (const BookOrder* o = venue_.find_order(i, q.id)) have += o->leaves_lots();
    if (have >= level.lots) return;
    NewOrder order;
    order.account = account_;
    order.client_order_id = next_client_id_++;
    order.instrument = i;
    order.side = side;
    order.type = OrderType::limit;
    order.tif = TimeInForce::gtc;
    order.lots = level.lots - have;
    order.price_ticks = level.price_ticks;
    const OrderId id = venue_.submit(order);
    if (id == kNoOrder) return;
    ++placed_;
    // It may have traded straight away against a client order resting through the spread.
    if (venue_.find_order(i, id) != nullptr) quotes.push_back(Quote{id, side, level.price_ticks});
  };
  for (std::size_t k = 0; k < ladder.bid_count; ++k) top_up(Side::buy, ladder.bids[k]);
  for (std::size_t k = 0; k < ladder.ask_count; ++k) top_up(Side::sell, ladder.asks[k]);
}

void MarketMaker::pull(InstrumentId i) {
  for (const Quote& q : quotes_[i])
    if (venue_.cancel_order(account_, i, q.id)) ++canceled_;
  quotes_[i].clear();
}

}  // namespace ballast::venue
