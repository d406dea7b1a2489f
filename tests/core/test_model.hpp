// Builders for unit tests: a small universe, targets, portfolio and market assembled
// in code, so valuation/trigger/planner tests do not depend on the config loader.
#pragma once

#include <string>

#include "ballast/core/config.hpp"
#include "ballast/core/planner.hpp"

namespace ballast::testing {

struct TestBook {
  Universe universe;
  TargetTable targets{};
  PolicyConfig policy;
  PortfolioState portfolio;
  MarketState market;

  TestBook() { universe.base_currency = universe.intern_asset("USDT"); }

  AssetId asset(const std::string& name) { return universe.intern_asset(name); }

  InstrumentId add(InstrumentSpec spec) {
    spec.derive();
    universe.instruments.push_back(spec);
    const auto id = static_cast<InstrumentId>(universe.instruments.size() - 1);
    if (spec.kind == InstrumentKind::spot) universe.assets[spec.base].spot_instrument = id;
    return id;
  }

  InstrumentId linear_perp(const std::string& symbol, const std::string& base,
                           Decimal contract_size, Decimal lot = {1, 0}, double taker_bps = 0.0) {
    InstrumentSpec s;
    s.symbol = symbol;
    s.kind = InstrumentKind::perpetual;
    s.base = asset(base);
    s.quote = universe.base_currency;
    s.contract_size = contract_size;
    s.lot_size = lot;
    s.tick_size = Decimal{1, 1};
    s.taker_fee_bps = taker_bps;
    s.funding_interval_s = 28800;
    return add(s);
  }

  InstrumentId inverse_perp(const std::string& symbol, const std::string& base,
                            Decimal contract_value) {
    InstrumentSpec s;
    s.symbol = symbol;
    s.kind = InstrumentKind::perpetual;
    s.base = asset(base);
    s.quote = universe.base_currency;
    s.settlement = Settlement::inverse;
    s.contract_value = contract_value;
    s.lot_size = Decimal{1, 0};
    s.tick_size = Decimal{1, 1};
    s.funding_interval_s = 28800;
    return add(s);
  }

  InstrumentId spot_pair(const std::string& symbol, const std::string& base, Decimal lot) {
    InstrumentSpec s;
    s.symbol = symbol;
    s.kind = InstrumentKind::spot;
    s.base = asset(base);
    s.quote = universe.base_currency;
    s.lot_size = lot;
    s.tick_size = Decimal{1, 2};
    return add(s);
  }

  void target(const std::string& name, double weight, double band,
              std::initializer_list<InstrumentId> hedge_with = {}) {
    TargetSpec& t = targets[asset(name)];
    t.configured = true;
    t.weight = weight;
    t.band = band;
    t.hedge_count = 0;
    for (InstrumentId i : hedge_with) t.hedge_with[t.hedge_count++] = i;
    double others = 0.0;
    for (std::size_t a = 0; a < universe.assets.size(); ++a)
      if (a != universe.base_currency) others += targets[a].weight;
    if (!targets[universe.base_currency].configured)
      targets[universe.base_currency].weight = 1.0 - others;
  }

  void spot(const std::string& name, double qty, double price) {
    const AssetId a = asset(name);
    portfolio.spot_qty[a] = qty;
    market.spot_price[a] = price;
    const InstrumentId si = universe.assets[a].spot_instrument;
    if (si != kNoInstrument) market.mark[si] = price;
  }

  void position(InstrumentId i, std::int64_t lots, double entry) {
    portfolio.positions[i] = FuturesPosition{lots, entry};
  }

  PlanContext context(std::int64_t now_s = 0) const {
    return PlanContext{universe, targets, policy, portfolio, market, now_s};
  }
};

}  // namespace ballast::testing
