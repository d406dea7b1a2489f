#include "ballast/venue/simulation.hpp"

#include <algorithm>
#include <stdexcept>

namespace ballast::venue {

namespace {

AccountId add_maker_account(SimulatedVenue& venue, double cash) {
  AccountConfig config;
  config.name = "market_maker";
  config.initial_cash = cash;
  config.internal = true;
  return venue.add_account(config);
}

}  // namespace

void to_book_snapshot(const InstrumentSpec& spec, const Depth& depth, BookSnapshot& out) noexcept {
  out = BookSnapshot{};
  out.bid_count = static_cast<std::uint8_t>(std::min(depth.bid_count, kMaxBookLevels));
  out.ask_count = static_cast<std::uint8_t>(std::min(depth.ask_count, kMaxBookLevels));
  for (std::size_t k = 0; k < out.bid_count; ++k)
    out.bids[k] = BookLevel{ticks_to_price(spec, depth.bids[k].price_ticks),
                            lots_to_contracts(spec, depth.bids[k].lots)};
  for (std::size_t k = 0; k < out.ask_count; ++k)
    out.asks[k] = BookLevel{ticks_to_price(spec, depth.asks[k].price_ticks),
                            lots_to_contracts(spec, depth.asks[k].lots)};
}

VenueSimulation::VenueSimulation(const Universe& universe, const SimulationConfig& config)
    : universe_(universe),
      prices_(config.prices),
      marks_(universe, config.marks),
      venue_(universe, config.venue),
      maker_(venue_, add_maker_account(venue_, config.market_maker_cash)) {
  for (std::size_t k = 0; k < prices_.size(); ++k) {
    const AssetId a = universe.find_asset(prices_.name(k));
    if (a == kNoAsset || a >= kMaxAssets)
      throw std::invalid_argument("price process asset '" + prices_.name(k) +
                                  "' is not in the universe");
    process_asset_.push_back(a);
  }
  maker_.configure_all(config.quotes);
  published_.reserve(universe.instruments.size());
  venue_.start_at(config.prices.start_ns);
  refresh_market(config.prices.start_ns);
  requote();
  publish();
}

void VenueSimulation::requote() {
  const double factor = venue_.faults().spread_factor();
  const std::size_t n = std::min(universe_.instruments.size(), kMaxInstruments);
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<InstrumentId>(i);
    maker_.quote(id, venue_.mark(id), factor);
  }
}

void VenueSimulation::refresh_market(std::int64_t sim_ns) {
  asset_price_.fill(0.0);
  if (universe_.base_currency != kNoAsset) asset_price_[universe_.base_currency] = 1.0;
  for (std::size_t k = 0; k < prices_.size(); ++k)
    asset_price_[process_asset_[k]] = prices_.price(k);
  const std::size_t count = std::min(universe_.instruments.size(), kMaxInstruments);
  for (std::size_t i = 0; i < count; ++i) {
    const MarkOverride& o = override_[i];
    const AssetId base = universe_.instruments[i].base;
    if (o.set && base < kMaxAssets && base != universe_.base_currency) asset_price_[base] = o.index;
  }
  marks_.update(sim_ns, asset_price_);
  for (std::size_t a = 0; a < universe_.assets.size() && a < kMaxAssets; ++a)
    venue_.set_asset_price(static_cast<AssetId>(a), asset_price_[a]);
  const std::size_t n = std::min(universe_.instruments.size(), kMaxInstruments);
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<InstrumentId>(i);
    const MarkOverride& o = override_[i];
    if (o.set)
      venue_.set_mark(id, o.mark, o.index, o.funding_rate);
    else
      venue_.set_mark(id, marks_.mark(id), marks_.index(id), marks_.funding_rate(id));
  }
}

void VenueSimulation::override_mark(InstrumentId i, double mark, double index,
                                    double funding_rate) noexcept {
  if (i >= kMaxInstruments || i >= universe_.instruments.size() || !(mark > 0.0)) return;
  override_[i] = MarkOverride{true, mark, index > 0.0 ? index : mark, funding_rate};
}

void VenueSimulation::step_to(std::int64_t sim_ns) {
  if (sim_ns <= venue_.now_ns()) return;
  prices_.advance_to(sim_ns);
  refresh_market(sim_ns);
  // Funding and expiries due in the step settle at the marks just computed: within one
  // step of the exact time, which is what a step size is for.
  venue_.advance_to(sim_ns);
  requote();
  publish();
}

void VenueSimulation::publish() {
  published_.clear();
  const std::size_t n = std::min(universe_.instruments.size(), kMaxInstruments);
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<InstrumentId>(i);
    if (venue_.faults().feed_frozen(id)) continue;
    const InstrumentSpec& spec = universe_.instruments[i];
    const OrderBook& book = venue_.book(id);
    MarketTick& t = ticks_[i];
    t = MarketTick{};
    t.exchange_ts_ns = venue_.now_ns();
    t.instrument = id;
    if (book.has_bid()) {
      t.bid = ticks_to_price(spec, book.best_bid());
      t.bid_qty = lots_to_contracts(spec, book.lots_at(Side::buy, book.best_bid()));
    }
    if (book.has_ask()) {
      t.ask = ticks_to_price(spec, book.best_ask());
      t.ask_qty = lots_to_contracts(spec, book.lots_at(Side::sell, book.best_ask()));
    }
    t.mark = venue_.mark(id);
    t.index = venue_.index(id);
    t.funding_rate = venue_.funding_rate(id);
    published_.push_back(id);
  }
}

}  // namespace ballast::venue
