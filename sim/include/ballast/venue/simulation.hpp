// The whole simulated market on one clock: the price process drives the mark model,
// whose marks, index prices and funding rates feed the venue (funding, expiry, margin)
// and the market maker's quotes; each step then publishes one MarketTick per instrument
// (unless its feed is frozen). The protocol front ends call step_to from their loop.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/model.hpp"
#include "ballast/venue/mark_model.hpp"
#include "ballast/venue/market_maker.hpp"
#include "ballast/venue/price_process.hpp"
#include "ballast/venue/simulated_venue.hpp"

namespace ballast::venue {

struct SimulationConfig {
  PriceProcessConfig prices;  // asset names must be Universe asset names; start_ns = clock
  MarkModelConfig marks;
  QuoteConfig quotes;  // for every instrument; MarketMaker::configure overrides one
  VenueOptions venue;
  double market_maker_cash = 1e12;  // it never runs out: it is the market
};

// Depth in the engine's units (prices, contracts), as a feed publishes it.
void to_book_snapshot(const InstrumentSpec& spec, const Depth& depth, BookSnapshot& out) noexcept;

class VenueSimulation {
 public:
  // Throws std::invalid_argument for a bad price config or an asset name the universe
  // lacks. Publishes the state at prices.start_ns.
  VenueSimulation(const Universe& universe, const SimulationConfig& config);

  AccountId add_client(const AccountConfig& config) { return venue_.add_account(config); }

  // Moves the market to `sim_ns` (Unix ns): prices, marks, funding and expiries due,
  // re-quotes, then publishes ticks. Times not after now() are ignored.
  void step_to(std::int64_t sim_ns);
  [[nodiscard]] std::int64_t now_ns() const noexcept { return venue_.now_ns(); }

  // The feed: the last tick published per instrument; a frozen one keeps its old values
  // and exchange_ts_ns.
  [[nodiscard]] const MarketTick& tick(InstrumentId i) const noexcept { return ticks_[i]; }
  // Instruments published by the last step (those not frozen).
  [[nodiscard]] const std::vector<InstrumentId>& published() const noexcept { return published_; }

  [[nodiscard]] SimulatedVenue& venue() noexcept { return venue_; }
  [[nodiscard]] const SimulatedVenue& venue() const noexcept { return venue_; }
  [[nodiscard]] MarketMaker& market_maker() noexcept { return maker_; }
  [[nodiscard]] PriceProcess& prices() noexcept { return prices_; }
  [[nodiscard]] MarkModel& marks() noexcept { return marks_; }
  [[nodiscard]] FaultInjector& faults() noexcept { return venue_.faults(); }
  [[nodiscard]] AccountId market_maker_account() const noexcept { return maker_.account(); }
  [[nodiscard]] double asset_price(AssetId a) const noexcept { return asset_price_[a]; }

  // Replay: pins an instrument's mark, index (0: the mark) and funding rate from the next
  // step on, in place of the mark model; its base asset's price follows the index, and the
  // market maker quotes around the pinned mark. Each call replaces the previous values.
  void override_mark(InstrumentId i, double mark, double index, double funding_rate) noexcept;

 private:
  void refresh_market(std::int64_t sim_ns);
  void requote();  // the market maker around every mark, spreads widened by the faults
  void publish();

  const Universe& universe_;
  PriceProcess prices_;
  MarkModel marks_;
  SimulatedVenue venue_;
  MarketMaker maker_;
  std::vector<AssetId> process_asset_;  // price process index -> universe asset
  std::array<double, kMaxAssets> asset_price_{};
  std::array<MarketTick, kMaxInstruments> ticks_{};
  std::vector<InstrumentId> published_;
  struct MarkOverride {
    bool set = false;
    double mark = 0.0;
    double index = 0.0;
    double funding_rate = 0.0;
  };
  std::array<MarkOverride, kMaxInstruments> override_{};
};

}  // namespace ballast::venue
