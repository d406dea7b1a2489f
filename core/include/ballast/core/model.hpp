// The engine's view of the world as flat, indexed state: the universe of assets and
// instruments (built once from config), the portfolio (cash, spot, futures positions),
// the market (marks, spot prices, funding, books) and the per-asset targets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/ids.hpp"
#include "ballast/core/instrument.hpp"

namespace ballast {

struct AssetInfo {
  std::string name;
  InstrumentId spot_instrument = kNoInstrument;  // the spot pair quoted in the base currency
};

// Assets and instruments, with name lookups for start-up code only.
struct Universe {
  std::vector<AssetInfo> assets;
  std::vector<InstrumentSpec> instruments;
  std::vector<std::string> venues{"default"};  // InstrumentSpec::venue indexes this
  AssetId base_currency = kNoAsset;

  [[nodiscard]] AssetId find_asset(std::string_view name) const noexcept;
  [[nodiscard]] InstrumentId find_instrument(std::string_view symbol) const noexcept;
  // Returns the id of `name`, adding it if new (kNoAsset when kMaxAssets is reached).
  AssetId intern_asset(std::string_view name);
  [[nodiscard]] std::size_t asset_count() const noexcept { return assets.size(); }
  [[nodiscard]] std::size_t instrument_count() const noexcept { return instruments.size(); }
};

struct FuturesPosition {
  std::int64_t lots = 0;     // signed: positive long, negative short
  double entry_price = 0.0;  // average entry; 0 when flat
};

struct PortfolioState {
  double cash = 0.0;  // in the base currency
  std::array<double, kMaxAssets> spot_qty{};
  std::array<FuturesPosition, kMaxInstruments> positions{};
};

struct BookLevel {
  double price = 0.0;
  double qty = 0.0;  // in contracts (spot: base units), like the venue's depth feed
};

struct BookSnapshot {
  std::array<BookLevel, kMaxBookLevels> bids{};  // best first (descending price)
  std::array<BookLevel, kMaxBookLevels> asks{};  // best first (ascending price)
  std::uint8_t bid_count = 0;
  std::uint8_t ask_count = 0;
  [[nodiscard]] bool empty() const noexcept { return bid_count == 0 && ask_count == 0; }
};

struct MarketState {
  std::array<double, kMaxInstruments> mark{};  // 0 = no price known
  // When each instrument's market data was last updated, in the caller's clock (the
  // engine: CLOCK_MONOTONIC ns; `plan`: Unix ns of [market] as_of). 0 = never.
  std::array<std::int64_t, kMaxInstruments> updated_ns{};
  std::array<double, kMaxAssets> spot_price{};             // per asset, in the base currency
  std::array<std::int64_t, kMaxAssets> spot_updated_ns{};  // as updated_ns, per spot price
  // > 0: a tick jumped this fraction (beyond [risk] max_price_jump) and waits for a
  // second one to confirm it; the mark above is still the last accepted one.
  std::array<double, kMaxInstruments> held_jump{};
  std::array<double, kMaxInstruments> funding_rate{};  // per funding interval (perpetuals)
  std::array<BookSnapshot, kMaxInstruments> books{};
};

// An order the engine sent and the venue has not finished: one record each, in one table
// (OpenOrderSet). Risk counts it as if it filled (the conservative view); the engine keeps
// its fill count and what it knows of its state here too.
struct OpenOrder {
  InstrumentId instrument = kNoInstrument;
  Side side = Side::buy;
  std::int64_t lots = 0;  // remaining, positive
  std::int64_t limit_ticks = 0;
  std::uint64_t client_order_id = 0;
  std::int64_t filled_lots = 0;
  OrderReason reason = OrderReason::rebalance;
  bool unknown = false;     // its state was lost with its venue's session
  bool queried = false;     // a status query is queued since
  bool cancelling = false;  // a cancel request is out

  [[nodiscard]] std::int64_t signed_lots(std::int64_t n) const noexcept {
    return side == Side::buy ? n : -n;
  }
  // The request about this order: its status, its cancel (request_id left to the caller),
  // or (new_order) the order itself. Never a tick-to-order sample unless new.
  [[nodiscard]] OrderRequest to_request(RequestKind kind) const noexcept {
    OrderRequest r{};
    r.client_order_id = client_order_id;
    r.instrument = instrument;
    r.side = side;
    r.lots = lots;
    r.limit_ticks = limit_ticks;
    r.kind = kind;
    r.reason = reason;
    if (kind != RequestKind::new_order) r.tick_flags = kTickWarmup;
    return r;
  }
};

struct OpenOrderSet {
  std::array<OpenOrder, kMaxOpenOrders> orders{};
  std::uint16_t count = 0;
};

// Per-asset allocation goal. The base currency's target is the remainder of the others
// unless configured explicitly (then its band can trigger too).
struct TargetSpec {
  bool configured = false;
  double weight = 0.0;
  double band = 0.0;      // absolute, in weight points; 0 = no band (never triggers)
  double rel_band = 0.0;  // |drift| / weight; 0 = off
  std::array<InstrumentId, kMaxHedgeInstruments> hedge_with{};
  std::uint8_t hedge_count = 0;
};

using TargetTable = std::array<TargetSpec, kMaxAssets>;

}  // namespace ballast
