// DriftTracker against its oracle, value_portfolio: hand cases for each kind of tick,
// the re-anchor policy, poisoned prices, allocation, and a property test that drives long
// random tick sequences over random universes through both and compares every field.
#include "ballast/core/drift_tracker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "allocation_counter.hpp"
#include "test_model.hpp"

namespace ballast::drift_tracker_test {
namespace {

using testing::TestBook;

static_assert(noexcept(std::declval<DriftTracker&>().reset(std::declval<const PortfolioState&>(),
                                                           std::declval<const MarketState&>())));
static_assert(noexcept(std::declval<DriftTracker&>().on_mark(InstrumentId{0},
                                                             std::declval<const PortfolioState&>(),
                                                             std::declval<const MarketState&>())));
static_assert(noexcept(std::declval<DriftTracker&>().on_spot_price(
    AssetId{0}, std::declval<const PortfolioState&>(), std::declval<const MarketState&>())));
static_assert(noexcept(std::declval<DriftTracker&>().valuation()));
static_assert(noexcept(std::declval<const DriftTracker&>().nav()));

// Largest error seen per kind of field, over a comparison run (for the property test).
struct ErrorStats {
  double money_rel_nav = 0.0;  // |diff| / max(1, |NAV|) over money fields
  double ratio = 0.0;          // |diff| over weights, spot weights, drift
  long comparisons = 0;
};

// Every Valuation field within tolerance: money fields (NAV, P&L, notionals, exposures)
// within money_tol * max(1, |NAV|); weights and drift (dimensionless) within ratio_tol.
::testing::AssertionResult matches(const Valuation& got, const Valuation& want, double money_tol,
                                   double ratio_tol, ErrorStats* stats = nullptr) {
  std::ostringstream why;
  const double scale = std::max(1.0, std::fabs(want.nav));
  auto money = [&](const char* name, std::size_t a, double g, double w) {
    const double err = std::fabs(g - w) / scale;
    if (stats) stats->money_rel_nav = std::max(stats->money_rel_nav, err);
    if (!(err <= money_tol))  // also catches NaN
      why << name << "[" << a << "]: tracker " << g << " oracle " << w << " (err " << err
          << " of NAV)\n";
  };
  auto ratio = [&](const char* name, std::size_t a, double g, double w) {
    const double err = std::fabs(g - w);
    if (stats) stats->ratio = std::max(stats->ratio, err);
    if (!(err <= ratio_tol))
      why << name << "[" << a << "]: tracker " << g << " oracle " << w << " (err " << err << ")\n";
  };
  if (got.asset_count != want.asset_count) why << "asset_count differs\n";
  if (got.nav_positive != want.nav_positive) why << "nav_positive differs\n";
  money("nav", 0, got.nav, want.nav);
  money("futures_upnl", 0, got.futures_upnl, want.futures_upnl);
  money("gross_futures_notional", 0, got.gross_futures_notional, want.gross_futures_notional);
  for (std::size_t a = 0; a < kMaxAssets; ++a) {
    money("spot_value", a, got.spot_value[a], want.spot_value[a]);
    money("futures_exposure", a, got.futures_exposure[a], want.futures_exposure[a]);
    money("exposure", a, got.exposure[a], want.exposure[a]);
    ratio("weight", a, got.weight[a], want.weight[a]);
    ratio("spot_weight", a, got.spot_weight[a], want.spot_weight[a]);
    ratio("drift", a, got.drift[a], want.drift[a]);
  }
  if (stats) ++stats->comparisons;
  const std::string s = why.str();
  if (s.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << s;
}

// The per-asset quantities the tracker recomputes rather than updates by difference are
// exact: spot values, futures exposures, and every exposure but the base remainder.
::testing::AssertionResult per_asset_exact(const Valuation& got, const Valuation& want,
                                           AssetId base) {
  for (std::size_t a = 0; a < want.asset_count; ++a) {
    const bool same = got.spot_value[a] == want.spot_value[a] &&
                      got.futures_exposure[a] == want.futures_exposure[a] &&
                      (a == base || got.exposure[a] == want.exposure[a]);
    if (!same)
      return ::testing::AssertionFailure()
             << "asset " << a << " differs: spot " << got.spot_value[a] << " vs "
             << want.spot_value[a] << ", futures " << got.futures_exposure[a] << " vs "
             << want.futures_exposure[a];
  }
  return ::testing::AssertionSuccess();
}

constexpr double kMoneyTol = 1e-9;   // of max(1, |NAV|), as required of the tracker
constexpr double kRatioTol = 1e-11;  // weights/drift: 100x inside kBandTolerance

::testing::AssertionResult matches_oracle(DriftTracker& t, const TestBook& b,
                                          double money_tol = kMoneyTol,
                                          double ratio_tol = kRatioTol,
                                          ErrorStats* stats = nullptr) {
  auto oracle = std::make_unique<Valuation>();
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, *oracle);
  return matches(t.valuation(), *oracle, money_tol, ratio_tol, stats);
}

// Bit-identical (exact ==) on every field.
::testing::AssertionResult identical_to_oracle(DriftTracker& t, const TestBook& b) {
  return matches_oracle(t, b, 0.0, 0.0);
}

// BTC spot + linear perp + inverse perp, ETH spot + linear perp, USDT cash.
struct MixedBook {
  TestBook b;
  AssetId btc, eth, usdt;
  InstrumentId btc_spot, btc_perp, btc_inv, eth_spot, eth_perp;

  MixedBook() {
    btc_spot = b.spot_pair("BTCUSDT", "BTC", Decimal{1, 5});
    btc_perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3});
    btc_inv = b.inverse_perp("BTCUSD-PERP", "BTC", Decimal{100, 0});
    eth_spot = b.spot_pair("ETHUSDT", "ETH", Decimal{1, 4});
    eth_perp = b.linear_perp("ETHUSDT-PERP", "ETH", Decimal{1, 2});
    btc = b.asset("BTC");
    eth = b.asset("ETH");
    usdt = b.universe.base_currency;
    b.target("BTC", 0.4, 0.05, {btc_perp, btc_inv});
    b.target("ETH", 0.2, 0.05, {eth_perp});
    b.spot("BTC", 1.5, 60000);
    b.spot("ETH", 20.0, 3000);
    b.portfolio.cash = 50000;
    b.market.mark[btc_perp] = 60010;
    b.market.mark[btc_inv] = 59990;
    b.market.mark[eth_perp] = 3001;
    b.position(btc_perp, -300, 61000);  // short 0.3 BTC
    b.position(btc_inv, -200, 58000);   // short 20,000 USD of inverse
    b.position(eth_perp, 150, 2900);    // long 1.5 ETH
  }
};

TEST(DriftTrackerTest, ResetIsBitIdenticalToTheOracle) {
  MixedBook m;
  DriftTracker t(m.b.universe, m.b.targets);
  t.reset(m.b.portfolio, m.b.market);
  EXPECT_TRUE(identical_to_oracle(t, m.b));
  EXPECT_EQ(t.updates_since_anchor(), 0u);
}

TEST(DriftTrackerTest, BeforeResetItValuesAnEmptyPortfolio) {
  MixedBook m;
  DriftTracker t(m.b.universe, m.b.targets);
  auto oracle = std::make_unique<Valuation>();
  value_portfolio(m.b.universe, m.b.targets, PortfolioState{}, MarketState{}, *oracle);
  EXPECT_TRUE(matches(t.valuation(), *oracle, 0.0, 0.0));
}

TEST(DriftTrackerTest, SpotTickRevaluesThatAssetOnly) {
  TestBook b;
  const InstrumentId spot = b.spot_pair("BTCUSDT", "BTC", Decimal{1, 5});
  b.target("BTC", 0.5, 0.05);
  b.spot("BTC", 1.0, 60000);
  b.spot("ETH", 10.0, 3000);
  b.portfolio.cash = 40000;
  DriftTracker t(b.universe, b.targets);
  t.reset(b.portfolio, b.market);
  const AssetId btc = b.asset("BTC");
  const AssetId eth = b.asset("ETH");
  const AssetId usdt = b.universe.base_currency;
  const double eth_before = t.valuation().spot_value[eth];

  b.market.mark[spot] = 63000;
  b.market.spot_price[btc] = 63000;
  t.on_mark(spot, b.portfolio, b.market);
  const Valuation& v = t.valuation();
  EXPECT_DOUBLE_EQ(v.nav, 133000);
  EXPECT_DOUBLE_EQ(v.spot_value[btc], 63000);
  EXPECT_DOUBLE_EQ(v.exposure[btc], 63000);
  EXPECT_DOUBLE_EQ(v.exposure[usdt], 40000);
  EXPECT_EQ(v.spot_value[eth], eth_before);
  EXPECT_DOUBLE_EQ(v.weight[btc], 63000.0 / 133000.0);
  EXPECT_DOUBLE_EQ(v.drift[btc], 63000.0 / 133000.0 - 0.5);
  EXPECT_EQ(t.updates_since_anchor(), 1u);
  EXPECT_TRUE(matches_oracle(t, b));
}

TEST(DriftTrackerTest, SpotIndexUpdateWithoutAnInstrument) {
  TestBook b;
  b.target("SOL", 0.3, 0.05);
  b.spot("SOL", 100.0, 150);  // no SOL instrument: priced only by the spot index
  b.portfolio.cash = 35000;
  DriftTracker t(b.universe, b.targets);
  t.reset(b.portfolio, b.market);
  const AssetId sol = b.asset("SOL");
  b.market.spot_price[sol] = 165;
  t.on_spot_price(sol, b.portfolio, b.market);
  EXPECT_DOUBLE_EQ(t.nav(), 51500);
  EXPECT_DOUBLE_EQ(t.valuation().spot_weight[sol], 16500.0 / 51500.0);
  EXPECT_TRUE(matches_oracle(t, b));
}

TEST(DriftTrackerTest, LinearPerpTickWithAPositionMovesPnlAndExposure) {
  TestBook b;
  const InstrumentId perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3});
  b.target("BTC", 0.5, 0.05, {perp});
  b.spot("BTC", 1.0, 60000);
  b.portfolio.cash = 40000;
  b.market.mark[perp] = 60000;
  b.position(perp, -100, 60000);  // short 0.1 BTC at entry == mark
  DriftTracker t(b.universe, b.targets);
  t.reset(b.portfolio, b.market);
  const AssetId btc = b.asset("BTC");
  EXPECT_DOUBLE_EQ(t.valuation().exposure[btc], 54000);

  b.market.mark[perp] = 62000;  // the perp alone ticks: the spot index has not moved
  t.on_mark(perp, b.portfolio, b.market);
  const Valuation& v = t.valuation();
  EXPECT_DOUBLE_EQ(v.futures_upnl, -200);
  EXPECT_DOUBLE_EQ(v.nav, 99800);
  EXPECT_DOUBLE_EQ(v.futures_exposure[btc], -6200);
  EXPECT_DOUBLE_EQ(v.exposure[btc], 60000 - 6200);
  EXPECT_DOUBLE_EQ(v.gross_futures_notional, 6200);
  EXPECT_DOUBLE_EQ(v.spot_value[btc], 60000);
  EXPECT_TRUE(matches_oracle(t, b));
}

TEST(DriftTrackerTest, InverseTickExposureIsContractsValuePlusCoinPnl) {
  TestBook b;
  const InstrumentId inv = b.inverse_perp("BTCUSD-PERP", "BTC", Decimal{100, 0});
  b.target("BTC", 0.5, 0.05, {inv});
  b.spot("BTC", 0.25, 40000);
  b.market.mark[inv] = 50000;
  b.position(inv, -50, 50000);  // short 5,000 USD from 50,000: flat P&L
  DriftTracker t(b.universe, b.targets);
  t.reset(b.portfolio, b.market);
  const AssetId btc = b.asset("BTC");
  EXPECT_NEAR(t.valuation().futures_exposure[btc], -5000.0, 1e-9);

  // Mark 40,000: coin P&L -50*100*(1/50000 - 1/40000) = +0.025 BTC = +1,000 USD.
  b.market.mark[inv] = 40000;
  t.on_mark(inv, b.portfolio, b.market);
  const Valuation& v = t.valuation();
  EXPECT_NEAR(v.futures_upnl, 1000.0, 1e-9);
  EXPECT_NEAR(v.nav, 11000.0, 1e-9);
  EXPECT_NEAR(v.futures_exposure[btc], -5000.0 + 1000.0, 1e-9);
  EXPECT_NEAR(v.exposure[btc], 10000.0 - 4000.0, 1e-9);
  EXPECT_NEAR(v.gross_futures_notional, 5000.0, 1e-9);  // inverse notional is fixed in USD
  EXPECT_TRUE(matches_oracle(t, b));
}

TEST(DriftTrackerTest, BaseCurrencyIsTheRemainderAndWeightsSumToOne) {
  MixedBook m;
  DriftTracker t(m.b.universe, m.b.targets);
  t.reset(m.b.portfolio, m.b.market);
  const double cash_weight_before = t.valuation().weight[m.usdt];

  // The short BTC perp loses as BTC rises: NAV falls by the loss, BTC exposure is
  // spot + (more negative) futures, and USDT is whatever remains of NAV.
  m.b.market.mark[m.btc_perp] = 66000;
  t.on_mark(m.btc_perp, m.b.portfolio, m.b.market);
  const Valuation& v = t.valuation();
  EXPECT_NEAR(v.exposure[m.usdt], v.nav - v.exposure[m.btc] - v.exposure[m.eth], 1e-9);
  double sum = 0.0;
  for (std::size_t a = 0; a < v.asset_count; ++a) sum += v.weight[a];
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_NE(v.weight[m.usdt], cash_weight_before);
  EXPECT_NEAR(v.drift[m.usdt], v.weight[m.usdt] - m.b.targets[m.usdt].weight, 1e-15);
  EXPECT_TRUE(matches_oracle(t, m.b));

  // A bigger short hedge (a fill, then reset) raises the effective cash weight.
  const double cash_weight_less_hedged = v.weight[m.usdt];
  apply_fill(m.b.universe, m.b.portfolio, m.btc_perp, -500, 66000, 0.0);
  t.reset(m.b.portfolio, m.b.market);
  EXPECT_GT(t.valuation().weight[m.usdt], cash_weight_less_hedged);
  EXPECT_TRUE(identical_to_oracle(t, m.b));
}

TEST(DriftTrackerTest, ShortHedgeRaisesTheCashWeight) {
  TestBook b;
  const InstrumentId perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3});
  b.target("BTC", 0.5, 0.05, {perp});
  b.spot("BTC", 1.0, 60000);
  b.portfolio.cash = 40000;
  b.market.mark[perp] = 60000;
  DriftTracker t(b.universe, b.targets);
  t.reset(b.portfolio, b.market);
  const AssetId usdt = b.universe.base_currency;
  const double unhedged = t.valuation().weight[usdt];
  apply_fill(b.universe, b.portfolio, perp, -200, 60000, 0.0);  // short 0.2 BTC
  t.reset(b.portfolio, b.market);
  EXPECT_DOUBLE_EQ(unhedged, 0.4);
  EXPECT_DOUBLE_EQ(t.valuation().weight[usdt], 0.52);
  EXPECT_DOUBLE_EQ(t.valuation().spot_weight[usdt], 0.4);  // cash itself did not move
  EXPECT_TRUE(identical_to_oracle(t, b));
}

TEST(DriftTrackerTest, UnpricedInstrumentContributesNothingUntilPriced) {
  MixedBook m;
  m.b.market.mark[m.eth_perp] = 0.0;  // position held, price not known yet
  DriftTracker t(m.b.universe, m.b.targets);
  t.reset(m.b.portfolio, m.b.market);
  const Valuation& v = t.valuation();
  EXPECT_EQ(v.futures_exposure[m.eth], 0.0);
  const double nav_unpriced = v.nav;
  const double gross_unpriced = v.gross_futures_notional;
  EXPECT_TRUE(identical_to_oracle(t, m.b));

  m.b.market.mark[m.eth_perp] = 3100;  // first price: +1.5 ETH of exposure, P&L +300
  t.on_mark(m.eth_perp, m.b.portfolio, m.b.market);
  EXPECT_DOUBLE_EQ(t.valuation().futures_exposure[m.eth], 1.5 * 3100);
  EXPECT_NEAR(t.nav() - nav_unpriced, 1.5 * (3100 - 2900), 1e-9);
  EXPECT_NEAR(t.valuation().gross_futures_notional - gross_unpriced, 1.5 * 3100, 1e-9);
  EXPECT_TRUE(matches_oracle(t, m.b));

  m.b.market.mark[m.eth_perp] = 0.0;  // price lost again: contribution withdrawn
  t.on_mark(m.eth_perp, m.b.portfolio, m.b.market);
  EXPECT_EQ(t.valuation().futures_exposure[m.eth], 0.0);
  EXPECT_NEAR(t.nav(), nav_unpriced, 1e-9);
  EXPECT_TRUE(matches_oracle(t, m.b));
}

TEST(DriftTrackerTest, UnpricedSpotAssetContributesNothingUntilPriced) {
  TestBook b;
  const InstrumentId spot = b.spot_pair("SOLUSDT", "SOL", Decimal{1, 3});
  b.target("SOL", 0.2, 0.05);
  b.portfolio.spot_qty[b.asset("SOL")] = 50.0;  // held, no price yet
  b.portfolio.cash = 10000;
  DriftTracker t(b.universe, b.targets);
  t.reset(b.portfolio, b.market);
  EXPECT_DOUBLE_EQ(t.nav(), 10000);
  b.market.mark[spot] = 150;
  b.market.spot_price[b.asset("SOL")] = 150;
  t.on_mark(spot, b.portfolio, b.market);
  EXPECT_DOUBLE_EQ(t.nav(), 17500);
  EXPECT_TRUE(matches_oracle(t, b));
}

TEST(DriftTrackerTest, TickOnAFlatInstrumentChangesNothing) {
  MixedBook m;
  const InstrumentId sol_perp = m.b.linear_perp("SOLUSDT-PERP", "SOL", Decimal{1, 1});
  DriftTracker t(m.b.universe, m.b.targets);
  t.reset(m.b.portfolio, m.b.market);
  m.b.market.mark[sol_perp] = 150;
  t.on_mark(sol_perp, m.b.portfolio, m.b.market);
  EXPECT_EQ(t.updates_since_anchor(), 0u);  // nothing to update, nothing counted
  EXPECT_TRUE(identical_to_oracle(t, m.b));
}

TEST(DriftTrackerTest, ValuationIsStableWithoutTicks) {
  MixedBook m;
  DriftTracker t(m.b.universe, m.b.targets);
  t.reset(m.b.portfolio, m.b.market);
  const Valuation* first = &t.valuation();
  const double nav = first->nav;
  EXPECT_EQ(&t.valuation(), first);
  EXPECT_EQ(t.valuation().nav, nav);
}

TEST(DriftTrackerTest, NavThroughZeroZeroesWeightsAndBack) {
  TestBook b;
  const InstrumentId perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3});
  b.target("BTC", 0.5, 0.05, {perp});
  b.portfolio.cash = 1000;
  b.market.mark[perp] = 60000;
  b.position(perp, 1000, 60000);  // long 1 BTC on 1,000 of equity
  DriftTracker t(b.universe, b.targets);
  t.reset(b.portfolio, b.market);
  EXPECT_TRUE(t.valuation().nav_positive);

  b.market.mark[perp] = 58000;  // -2,000: NAV -1,000
  t.on_mark(perp, b.portfolio, b.market);
  const Valuation& v = t.valuation();
  EXPECT_FALSE(v.nav_positive);
  const AssetId btc = b.asset("BTC");
  EXPECT_EQ(v.weight[btc], 0.0);
  EXPECT_EQ(v.spot_weight[b.universe.base_currency], 0.0);
  EXPECT_EQ(v.drift[btc], -0.5);
  EXPECT_TRUE(matches_oracle(t, b));

  b.market.mark[perp] = 60500;
  t.on_mark(perp, b.portfolio, b.market);
  EXPECT_TRUE(t.valuation().nav_positive);
  EXPECT_TRUE(matches_oracle(t, b));
}

TEST(DriftTrackerTest, ReanchorsAfterKReanchorEveryUpdates) {
  MixedBook m;
  DriftTracker t(m.b.universe, m.b.targets);
  t.reset(m.b.portfolio, m.b.market);
  double mark = m.b.market.mark[m.btc_perp];
  for (std::uint32_t k = 1; k <= DriftTracker::kReanchorEvery; ++k) {
    mark *= (k % 2 ? 1.0003 : 0.9998);
    m.b.market.mark[m.btc_perp] = mark;
    t.on_mark(m.btc_perp, m.b.portfolio, m.b.market);
    ASSERT_EQ(t.updates_since_anchor(), k);
  }
  EXPECT_TRUE(matches_oracle(t, m.b));
  m.b.market.mark[m.btc_perp] = mark * 1.0001;
  t.on_mark(m.btc_perp, m.b.portfolio, m.b.market);  // this one is a full recompute
  EXPECT_EQ(t.updates_since_anchor(), 0u);
  EXPECT_TRUE(identical_to_oracle(t, m.b));
  m.b.market.spot_price[m.eth] = 3050;
  t.on_spot_price(m.eth, m.b.portfolio, m.b.market);
  EXPECT_EQ(t.updates_since_anchor(), 1u);
}

TEST(DriftTrackerTest, NonFinitePriceRecoversOnTheNextSaneTick) {
  MixedBook m;
  DriftTracker t(m.b.universe, m.b.targets);
  t.reset(m.b.portfolio, m.b.market);
  const double good = m.b.market.mark[m.btc_perp];
  m.b.market.mark[m.btc_perp] = std::numeric_limits<double>::quiet_NaN();
  t.on_mark(m.btc_perp, m.b.portfolio, m.b.market);
  EXPECT_TRUE(std::isnan(t.nav()));  // as the oracle: garbage in, garbage NAV
  m.b.market.mark[m.btc_perp] = good * 1.01;
  t.on_mark(m.btc_perp, m.b.portfolio, m.b.market);
  EXPECT_TRUE(std::isfinite(t.nav()));
  EXPECT_TRUE(identical_to_oracle(t, m.b));  // recovered by a full recompute

  m.b.market.spot_price[m.eth] = std::numeric_limits<double>::infinity();
  t.on_spot_price(m.eth, m.b.portfolio, m.b.market);
  EXPECT_TRUE(std::isinf(t.nav()));
  m.b.market.spot_price[m.eth] = 3000;
  t.on_spot_price(m.eth, m.b.portfolio, m.b.market);
  EXPECT_TRUE(identical_to_oracle(t, m.b));
}

TEST(DriftTrackerTest, BaseCurrencyUpdateKeepsCashInItsSpotValue) {
  MixedBook m;
  m.b.portfolio.spot_qty[m.usdt] = 2500;  // stablecoin held as well as cash
  DriftTracker t(m.b.universe, m.b.targets);
  t.reset(m.b.portfolio, m.b.market);
  const double nav = t.nav();
  t.on_spot_price(m.usdt, m.b.portfolio, m.b.market);  // its price is 1 by definition
  EXPECT_EQ(t.nav(), nav);
  EXPECT_EQ(t.valuation().spot_value[m.usdt], 2500.0 + 50000.0);
  EXPECT_TRUE(identical_to_oracle(t, m.b));
}

TEST(DriftTrackerTest, UnknownIdsAreIgnored) {
  MixedBook m;
  DriftTracker t(m.b.universe, m.b.targets);
  t.reset(m.b.portfolio, m.b.market);
  t.on_mark(kNoInstrument, m.b.portfolio, m.b.market);
  t.on_mark(static_cast<InstrumentId>(m.b.universe.instruments.size()), m.b.portfolio, m.b.market);
  t.on_spot_price(kNoAsset, m.b.portfolio, m.b.market);
  t.on_spot_price(static_cast<AssetId>(kMaxAssets - 1), m.b.portfolio, m.b.market);
  EXPECT_EQ(t.updates_since_anchor(), 0u);
  EXPECT_TRUE(identical_to_oracle(t, m.b));
}

TEST(DriftTrackerTest, UpdatePathMakesNoHeapAllocation) {
  MixedBook m;
  auto t = std::make_unique<DriftTracker>(m.b.universe, m.b.targets);
  const InstrumentId ids[] = {m.btc_spot, m.btc_perp, m.btc_inv, m.eth_spot, m.eth_perp};
  const long before = testing::allocation_count();
  double sink = 0.0;
  t->reset(m.b.portfolio, m.b.market);
  for (std::uint32_t k = 0; k < 3 * DriftTracker::kReanchorEvery; ++k) {  // incl. re-anchors
    const InstrumentId i = ids[k % 5];
    m.b.market.mark[i] *= (k % 3 ? 1.0002 : 0.9997);
    if (!m.b.universe.instruments[i].is_derivative())
      m.b.market.spot_price[m.b.universe.instruments[i].base] = m.b.market.mark[i];
    t->on_mark(i, m.b.portfolio, m.b.market);
    t->on_spot_price(m.eth, m.b.portfolio, m.b.market);
    sink += t->valuation().drift[m.btc];
  }
  EXPECT_EQ(testing::allocation_count() - before, 0);
  EXPECT_TRUE(std::isfinite(sink));
}

// ---------------------------------------------------------------------------------------
// Property test: random universes, random positions and targets, long random tick
// sequences; after every tick the tracker must match the oracle on every field.

struct RandomBook {
  TestBook b;
  std::vector<InstrumentId> derivatives;
  std::vector<InstrumentId> spot_pairs;
  std::vector<AssetId> risk_assets;
  std::vector<double> ref_price;  // per asset: marks and spot prices stay in [0.5, 2]x
};

std::unique_ptr<RandomBook> make_random_book(std::mt19937_64& rng) {
  auto r = std::make_unique<RandomBook>();
  TestBook& b = r->b;
  auto uni = [&](double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng); };
  auto coin = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  auto lots = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  static const char* const kNames[] = {"BTC", "ETH", "SOL", "XRP", "DOGE", "ADA"};
  const int n_assets = static_cast<int>(lots(2, 6));
  r->ref_price.assign(kMaxAssets, 1.0);
  double gross0 = 0.0;  // rough gross exposure at reference prices, to size cash
  double target_left = 0.9;
  for (int k = 0; k < n_assets; ++k) {
    const std::string name = kNames[k];
    const AssetId a = b.asset(name);
    r->risk_assets.push_back(a);
    const double p0 = std::exp(uni(std::log(0.05), std::log(80000.0)));
    r->ref_price[a] = p0;
    std::vector<InstrumentId> hedges;
    if (coin(0.75)) {
      const InstrumentId s = b.spot_pair(name + "USDT", name, Decimal{1, 3});
      r->spot_pairs.push_back(s);
    }
    b.spot(name, coin(0.85) ? std::exp(uni(std::log(1.0), std::log(1e6))) / p0 : 0.0, p0);
    gross0 += b.portfolio.spot_qty[a] * p0;
    const int n_linear = static_cast<int>(lots(0, 2));
    for (int j = 0; j < n_linear; ++j) {
      // Contract sizes from 0.001 to 10 base units, so positions of a few to 1e5 lots.
      static const Decimal kSizes[] = {{1, 3}, {1, 2}, {1, 1}, {1, 0}, {10, 0}};
      const Decimal size = kSizes[lots(0, 4)];
      const InstrumentId id = b.linear_perp(name + "USDT-PERP" + std::to_string(j), name, size);
      if (coin(0.3)) b.universe.instruments[id].kind = InstrumentKind::future;
      r->derivatives.push_back(id);
      hedges.push_back(id);
    }
    if (coin(0.5)) {
      const InstrumentId id =
          b.inverse_perp(name + "USD-PERP", name, coin(0.5) ? Decimal{100, 0} : Decimal{10, 0});
      r->derivatives.push_back(id);
      hedges.push_back(id);
    }
    for (InstrumentId id : hedges) {
      const InstrumentSpec& spec = b.universe.instruments[id];
      const double contract_usd = spec.contract_notional(p0);
      const double usd = std::exp(uni(std::log(100.0), std::log(5e5)));
      const std::int64_t n = std::max<std::int64_t>(1, std::llround(usd / contract_usd));
      const std::int64_t signed_lots = coin(0.2) ? 0 : (coin(0.6) ? -n : n);
      b.position(id, signed_lots, p0 * uni(0.9, 1.1));
      b.market.mark[id] = coin(0.1) ? 0.0 : p0 * uni(0.98, 1.02);  // some start unpriced
      gross0 += std::fabs(static_cast<double>(signed_lots)) * contract_usd;
    }
    const double w = target_left * uni(0.0, 0.5);
    target_left -= w;
    b.target(name, w, 0.05);
  }
  // Enough cash that worst-case moves within [0.5, 2]x cannot take NAV to zero (a
  // sign change of NAV is a hand case; here weights must stay comparable).
  b.portfolio.cash = 2.0 * gross0 * uni(1.0, 3.0);
  b.portfolio.spot_qty[b.universe.base_currency] = uni(0.0, 1e4);
  return r;
}

// One random market-data event applied to the book and to the tracker.
void random_tick(RandomBook& r, DriftTracker& t, std::mt19937_64& rng) {
  TestBook& b = r.b;
  auto uni = [&](double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng); };
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  auto move = [&](double price, double ref) {
    if (price <= 0.0) return ref * uni(0.9, 1.1);  // (re)priced after being unknown
    const double rel = uni(0.0, 1.0) < 0.03 ? uni(-0.2, 0.2) : uni(-0.003, 0.003);
    return std::clamp(price * (1.0 + rel), 0.5 * ref, 2.0 * ref);
  };
  const double u = uni(0.0, 1.0);
  if (u < 0.55 && !r.derivatives.empty()) {  // a derivative's mark
    const InstrumentId i = r.derivatives[pick(r.derivatives.size())];
    const double ref = r.ref_price[b.universe.instruments[i].base];
    b.market.mark[i] = uni(0.0, 1.0) < 0.01 ? 0.0 : move(b.market.mark[i], ref);
    t.on_mark(i, b.portfolio, b.market);
  } else if (u < 0.8 && !r.spot_pairs.empty()) {  // a spot pair: mark and spot price
    const InstrumentId i = r.spot_pairs[pick(r.spot_pairs.size())];
    const AssetId a = b.universe.instruments[i].base;
    b.market.mark[i] = move(b.market.mark[i], r.ref_price[a]);
    b.market.spot_price[a] = b.market.mark[i];
    t.on_mark(i, b.portfolio, b.market);
  } else if (u < 0.99) {  // a spot index update alone
    const AssetId a = r.risk_assets[pick(r.risk_assets.size())];
    b.market.spot_price[a] = move(b.market.spot_price[a], r.ref_price[a]);
    t.on_spot_price(a, b.portfolio, b.market);
  } else if (u < 0.995) {  // the base currency's "price" (always 1): a no-op
    t.on_spot_price(b.universe.base_currency, b.portfolio, b.market);
  } else {  // a fill (position and cash change): the caller resets
    const InstrumentId i = static_cast<InstrumentId>(pick(b.universe.instruments.size()));
    const InstrumentSpec& spec = b.universe.instruments[i];
    const double price = spec.is_derivative() ? b.market.mark[i] : b.market.spot_price[spec.base];
    if (price > 0.0) {
      const auto signed_lots = std::uniform_int_distribution<std::int64_t>(-5, 5)(rng);
      apply_fill(b.universe, b.portfolio, i, signed_lots, price, 0.1);
    }
    t.reset(b.portfolio, b.market);
  }
}

TEST(DriftTrackerTest, PropertyRandomTickSequencesMatchTheOracle) {
  constexpr int kSeeds = 12;
  constexpr int kTicks = 3 * static_cast<int>(DriftTracker::kReanchorEvery) + 1000;
  ErrorStats stats;
  auto oracle = std::make_unique<Valuation>();
  for (int seed = 1; seed <= kSeeds; ++seed) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 0x9E3779B97F4A7C15ull);
    auto r = make_random_book(rng);
    DriftTracker t(r->b.universe, r->b.targets);
    t.reset(r->b.portfolio, r->b.market);
    ASSERT_TRUE(identical_to_oracle(t, r->b)) << "seed " << seed;
    for (int k = 0; k < kTicks; ++k) {
      random_tick(*r, t, rng);
      value_portfolio(r->b.universe, r->b.targets, r->b.portfolio, r->b.market, *oracle);
      ASSERT_TRUE(oracle->nav_positive) << "generator let NAV reach 0, seed " << seed;
      ASSERT_TRUE(matches(t.valuation(), *oracle, kMoneyTol, kRatioTol, &stats))
          << "seed " << seed << " tick " << k << " (" << r->b.universe.instruments.size()
          << " instruments)";
      ASSERT_TRUE(per_asset_exact(t.valuation(), *oracle, r->b.universe.base_currency))
          << "seed " << seed << " tick " << k;
      ASSERT_EQ(t.nav(), t.valuation().nav);
    }
  }
  std::printf("[ property ] %ld comparisons; max error: money %.3g of NAV, weights %.3g\n",
              stats.comparisons, stats.money_rel_nav, stats.ratio);
}

// The same walk with valuation() read only every few ticks: updates in between must be
// folded in when it is finally read (the refresh is lazy, not per update).
TEST(DriftTrackerTest, PropertyLazyValuationSeesEveryUpdate) {
  ErrorStats stats;
  for (int seed = 100; seed < 104; ++seed) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
    auto r = make_random_book(rng);
    DriftTracker t(r->b.universe, r->b.targets);
    t.reset(r->b.portfolio, r->b.market);
    for (int k = 0; k < 5000; ++k) {
      random_tick(*r, t, rng);
      if (k % 7 == 6) {
        ASSERT_TRUE(matches_oracle(t, r->b, kMoneyTol, kRatioTol, &stats))
            << "seed " << seed << " tick " << k;
      }
    }
  }
}

}  // namespace
}  // namespace ballast::drift_tracker_test
