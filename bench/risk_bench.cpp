// Cost of the pre-trade risk check of one order on a desk-sized book: 10 instruments
// (5 assets x perpetual + dated future, 3 margin brackets each), 5 open positions,
// spot collateral. BM_RiskEngine_CheckOrder is the per-order cost on the hot path.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "ballast/risk/risk_engine.hpp"

namespace {

using namespace ballast;

struct Desk {
  Universe universe;
  TargetTable targets{};
  RiskLimits limits;
  PortfolioState portfolio;
  std::unique_ptr<MarketState> market = std::make_unique<MarketState>();
  OpenOrderSet open;
  Valuation valuation;

  Desk() {
    universe.base_currency = universe.intern_asset("USDT");
    const char* names[] = {"BTC", "ETH", "SOL", "BNB", "XRP"};
    const double prices[] = {70000, 3500, 150, 600, 0.6};
    for (int k = 0; k < 5; ++k) {
      const AssetId a = universe.intern_asset(names[k]);
      for (int kind = 0; kind < 2; ++kind) {
        InstrumentSpec s;
        s.symbol = std::string(names[k]) + (kind == 0 ? "USDT-PERP" : "USDT-261225");
        s.kind = kind == 0 ? InstrumentKind::perpetual : InstrumentKind::future;
        s.base = a;
        s.quote = universe.base_currency;
        s.contract_size = Decimal{1, 3};
        s.lot_size = Decimal{1, 0};
        s.tick_size = Decimal{1, 2};
        s.leverage = 5;
        s.taker_fee_bps = 5;
        s.margin_brackets = {{50000, 0.004, 0}, {250000, 0.005, 50}, {1e7, 0.01, 1300}};
        s.derive();
        universe.instruments.push_back(s);
        const auto i = static_cast<InstrumentId>(universe.instruments.size() - 1);
        market->mark[i] = prices[k] * (kind == 0 ? 1.0 : 1.01);
        market->updated_ns[i] = 1;
        if (kind == 0) portfolio.positions[i] = FuturesPosition{-(k + 1) * 100, prices[k]};
      }
      market->spot_price[a] = prices[k];
      market->spot_updated_ns[a] = 1;
      portfolio.spot_qty[a] = 100000.0 / prices[k];
      targets[a] = TargetSpec{true, 0.18, 0.05, 0.0, {}, 0};
      limits.collateral_ratio[a] = 0.95;
    }
    portfolio.cash = 50000;
    limits.max_leverage = 3;
    limits.min_liquidation_distance = 0.25;
    limits.max_margin_utilization = 0.5;
    limits.max_asset_weight = 0.6;
    limits.max_order_notional = 250000;
    limits.price_collar_bps = 50;
    limits.max_orders_per_second = 1e9;
    limits.max_orders_per_minute = 1e12;
    limits.max_md_staleness_ms = 1'000'000'000;
    value_portfolio(universe, targets, portfolio, *market, valuation);
  }
};

void BM_RiskEngine_CheckOrder(benchmark::State& state) {
  Desk d;
  risk::RiskEngine engine(d.universe, d.limits);
  const risk::RiskInputs in{d.portfolio, *d.market, d.valuation, d.open, d.portfolio.cash, true, 2};
  auto current = std::make_unique<risk::AccountRisk>();
  auto scratch = std::make_unique<risk::AccountRisk>();
  engine.assess(in, nullptr, *current);
  const risk::OrderIntent order{2, Side::sell, 150, 350000};  // sell 150 ETHUSDT-PERP at 3,500
  for (auto _ : state) {
    const risk::RiskVerdict v = engine.check(order, in, *current, *scratch);
    benchmark::DoNotOptimize(v);
  }
  const risk::RiskVerdict v = engine.check(order, in, *current, *scratch);
  state.counters["accepted"] = v.accepted() ? 1 : 0;
  state.counters["positions"] = scratch->position_count;
}
BENCHMARK(BM_RiskEngine_CheckOrder);

void BM_RiskEngine_Assess(benchmark::State& state) {
  Desk d;
  risk::RiskEngine engine(d.universe, d.limits);
  const risk::RiskInputs in{d.portfolio, *d.market, d.valuation, d.open, d.portfolio.cash, true, 2};
  auto out = std::make_unique<risk::AccountRisk>();
  for (auto _ : state) {
    engine.assess(in, nullptr, *out);
    benchmark::DoNotOptimize(out->leverage);
  }
}
BENCHMARK(BM_RiskEngine_Assess);

void BM_LiquidationModel_Estimate(benchmark::State& state) {
  InstrumentSpec s;
  s.contract_size = Decimal{1, 3};
  s.margin_brackets = {{50000, 0.004, 0}, {250000, 0.005, 50}, {1e7, 0.01, 1300}};
  s.derive();
  for (auto _ : state) {
    auto r = risk::estimate_liquidation(s, 1000, 60000, 60000, risk::WalletView{15000, 0});
    benchmark::DoNotOptimize(r.price);
  }
}
BENCHMARK(BM_LiquidationModel_Estimate);

}  // namespace
