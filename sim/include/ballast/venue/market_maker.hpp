// The simulator's liquidity: one internal account that keeps a ladder of resting limit
// orders on both sides of each instrument's mid (N levels at a spread, spacing and size),
// re-quoted as the mid moves. Client orders that cross trade against it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ballast/venue/simulated_venue.hpp"

namespace ballast::venue {

struct QuoteConfig {
  bool enabled = true;
  std::uint16_t levels = 5;          // per side (at most kMaxQuoteLevels)
  double half_spread_bps = 2.0;      // mid to best bid and to best ask
  double level_spacing_bps = 1.0;    // between levels; never under one tick
  std::int64_t lots_per_level = 10;  // at the best level
  double size_growth = 1.0;          // each deeper level is this many times the one above
};

inline constexpr std::size_t kMaxQuoteLevels = 32;

struct QuoteLevel {
  std::int64_t price_ticks = 0;
  std::int64_t lots = 0;
};

// The ladder for `mid` (a price) with spread and spacing multiplied by `spread_factor`:
// bids best (highest) first, asks best (lowest) first, best bid < best ask always.
struct QuoteLadder {
  std::array<QuoteLevel, kMaxQuoteLevels> bids{};
  std::array<QuoteLevel, kMaxQuoteLevels> asks{};
  std::size_t bid_count = 0;
  std::size_t ask_count = 0;
};
[[nodiscard]] QuoteLadder build_ladder(const InstrumentSpec& spec, const QuoteConfig& config,
                                       double mid, double spread_factor) noexcept;

class MarketMaker {
 public:
  // `account` should be internal (AccountConfig::internal): exempt from faults and margin.
  MarketMaker(SimulatedVenue& venue, AccountId account);

  void configure(InstrumentId i, const QuoteConfig& config) noexcept { config_[i] = config; }
  void configure_all(const QuoteConfig& config) noexcept { config_.fill(config); }
  [[nodiscard]] const QuoteConfig& config(InstrumentId i) const noexcept { return config_[i]; }

  // Brings the instrument's quotes to the ladder at `mid`: cancels quotes off it and tops
  // up levels that fills have thinned. Quotes already on the ladder keep their place.
  void quote(InstrumentId i, double mid, double spread_factor = 1.0);
  // Cancels all its quotes on the instrument.
  void pull(InstrumentId i);

  [[nodiscard]] AccountId account() const noexcept { return account_; }
  [[nodiscard]] std::uint64_t orders_placed() const noexcept { return placed_; }
  [[nodiscard]] std::uint64_t orders_canceled() const noexcept { return canceled_; }
  [[nodiscard]] std::size_t live_quotes(InstrumentId i) const noexcept { return quotes_[i].size(); }

 private:
  struct Quote {
    OrderId id = kNoOrder;
    Side side = Side::buy;
    std::int64_t price_ticks = 0;
  };

  SimulatedVenue& venue_;
  AccountId account_;
  std::array<QuoteConfig, kMaxInstruments> config_{};
  std::array<std::vector<Quote>, kMaxInstruments> quotes_{};
  std::uint64_t next_client_id_ = 1;
  std::uint64_t placed_ = 0;
  std::uint64_t canceled_ = 0;
};

}  // namespace ballast::venue
