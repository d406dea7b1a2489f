// Micro-benchmarks of the per-tick valuation update on a 10-instrument book (3 spot pairs,
// 3 linear perps, 2 inverse perps, 2 dated futures over BTC, ETH and SOL, every
// derivative holding a position): DriftTracker::on_mark alone, on_mark then valuation()
// (weights and drift ready for the trigger), and, for scale, the full recompute that the
// tracker replaces. Ticks cycle through all ten instruments; the amortised re-anchor
// (a full recompute every DriftTracker::kReanchorEvery updates) is included.
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <string>

#include "ballast/core/drift_tracker.hpp"
#include "ballast/core/valuation.hpp"

namespace {

using namespace ballast;

struct Book {
  Universe universe;
  TargetTable targets{};
  PortfolioState portfolio;
  MarketState market;
  std::array<double, 10> base_mark{};

  InstrumentId add(const std::string& symbol, InstrumentKind kind, const std::string& base,
                   Settlement settlement, Decimal size_or_value) {
    InstrumentSpec s;
    s.symbol = symbol;
    s.kind = kind;
    s.base = universe.intern_asset(base);
    s.quote = universe.base_currency;
    s.settlement = settlement;
    if (settlement == Settlement::inverse) {
      s.contract_value = size_or_value;
    } else {
      s.contract_size = size_or_value;
    }
    s.derive();
    universe.instruments.push_back(s);
    const auto id = static_cast<InstrumentId>(universe.instruments.size() - 1);
    if (kind == InstrumentKind::spot) universe.assets[s.base].spot_instrument = id;
    return id;
  }

  Book() {
    universe.base_currency = universe.intern_asset("USDT");
    const double px[] = {0.0, 65000.0, 3300.0, 150.0};  // by asset id: USDT, BTC, ETH, SOL
    const char* names[] = {"USDT", "BTC", "ETH", "SOL"};
    using K = InstrumentKind;
    using S = Settlement;
    for (int a = 1; a <= 3; ++a)
      add(std::string(names[a]) + "USDT", K::spot, names[a], S::linear, Decimal{1, 0});
    add("BTCUSDT-PERP", K::perpetual, "BTC", S::linear, Decimal{1, 3});
    add("ETHUSDT-PERP", K::perpetual, "ETH", S::linear, Decimal{1, 2});
    add("SOLUSDT-PERP", K::perpetual, "SOL", S::linear, Decimal{1, 1});
    add("BTCUSD-PERP", K::perpetual, "BTC", S::inverse, Decimal{100, 0});
    add("ETHUSD-PERP", K::perpetual, "ETH", S::inverse, Decimal{10, 0});
    add("BTCUSDT-Q", K::future, "BTC", S::linear, Decimal{1, 3});
    add("ETHUSDT-Q", K::future, "ETH", S::linear, Decimal{1, 2});

    portfolio.cash = 250000;
    const double qty[] = {0.0, 2.0, 30.0, 400.0};
    for (AssetId a = 1; a <= 3; ++a) {
      portfolio.spot_qty[a] = qty[a];
      market.spot_price[a] = px[a];
      targets[a].configured = true;
      targets[a].weight = 0.2;
      targets[a].band = 0.05;
    }
    targets[universe.base_currency].weight = 0.4;
    const std::int64_t lots[] = {0, 0, 0, -500, -600, 1000, -300, 200, -400, 150};
    for (std::size_t i = 0; i < universe.instruments.size(); ++i) {
      const double p = px[universe.instruments[i].base];
      market.mark[i] = p * 1.0003;
      base_mark[i] = market.mark[i];
      if (lots[i] != 0) portfolio.positions[i] = FuturesPosition{lots[i], p * 0.98};
    }
    build_schedule();
  }

  // The tick schedule: each instrument in turn, its mark stepping through -3..+3 bp of
  // where it started (a spot pair's tick also moves its asset's spot price). Precomputed
  // so the loop measures the tracker, not the generator (a modulo by a run-time count
  // costs as much as a tenth of on_mark).
  struct Tick {
    InstrumentId instrument = 0;
    AssetId spot_asset = kNoAsset;  // set for spot pairs
    double mark = 0.0;
  };
  std::array<Tick, 70> schedule{};
  std::size_t next = 0;

  void build_schedule() {
    for (std::size_t k = 0; k < schedule.size(); ++k) {
      const std::size_t i = k % universe.instruments.size();
      const double bp = static_cast<double>(static_cast<int>((k / 10) % 7) - 3);
      const InstrumentSpec& spec = universe.instruments[i];
      schedule[k] = Tick{static_cast<InstrumentId>(i), spec.is_derivative() ? kNoAsset : spec.base,
                         base_mark[i] * (1.0 + 1e-4 * bp)};
    }
  }

  InstrumentId tick() noexcept {
    const Tick& t = schedule[next];
    next = next + 1 == schedule.size() ? 0 : next + 1;
    market.mark[t.instrument] = t.mark;
    if (t.spot_asset != kNoAsset) market.spot_price[t.spot_asset] = t.mark;
    return t.instrument;
  }
};

void BM_DriftTracker_OnTick(benchmark::State& state) {
  auto book = std::make_unique<Book>();
  DriftTracker tracker(book->universe, book->targets);
  tracker.reset(book->portfolio, book->market);
  for (auto _ : state) {
    const InstrumentId i = book->tick();
    tracker.on_mark(i, book->portfolio, book->market);
    benchmark::DoNotOptimize(tracker.nav());
  }
  state.counters["instruments"] = static_cast<double>(book->universe.instruments.size());
}
BENCHMARK(BM_DriftTracker_OnTick);

void BM_DriftTracker_Valuation(benchmark::State& state) {
  auto book = std::make_unique<Book>();
  DriftTracker tracker(book->universe, book->targets);
  tracker.reset(book->portfolio, book->market);
  for (auto _ : state) {
    const InstrumentId i = book->tick();
    tracker.on_mark(i, book->portfolio, book->market);
    const Valuation& v = tracker.valuation();
    benchmark::DoNotOptimize(v.drift[1]);
  }
}
BENCHMARK(BM_DriftTracker_Valuation);

// What the tracker replaces: the same ticks, each followed by a full value_portfolio.
void BM_DriftTracker_FullRecomputeSameBook(benchmark::State& state) {
  auto book = std::make_unique<Book>();
  auto v = std::make_unique<Valuation>();
  for (auto _ : state) {
    book->tick();
    value_portfolio(book->universe, book->targets, book->portfolio, book->market, *v);
    benchmark::DoNotOptimize(v->drift[1]);
  }
}
BENCHMARK(BM_DriftTracker_FullRecomputeSameBook);

// The re-anchor itself (reset), i.e. the cost of the one tick in kReanchorEvery that pays it.
void BM_DriftTracker_Reset(benchmark::State& state) {
  auto book = std::make_unique<Book>();
  DriftTracker tracker(book->universe, book->targets);
  for (auto _ : state) {
    tracker.reset(book->portfolio, book->market);
    benchmark::DoNotOptimize(tracker.nav());
  }
}
BENCHMARK(BM_DriftTracker_Reset);

}  // namespace
