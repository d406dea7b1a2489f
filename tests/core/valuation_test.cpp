#include "ballast/core/valuation.hpp"

#include <gtest/gtest.h>

#include "test_model.hpp"

namespace ballast::valuation_test {
namespace {

using testing::TestBook;

TEST(ValuationTest, SpotOnlyWeightsAndBaseRemainder) {
  TestBook b;
  b.target("BTC", 0.5, 0.05);
  b.spot("BTC", 1.0, 60000);
  b.portfolio.cash = 40000;
  Valuation v;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, v);
  const AssetId btc = b.asset("BTC");
  const AssetId usdt = b.universe.base_currency;
  EXPECT_DOUBLE_EQ(v.nav, 100000);
  EXPECT_DOUBLE_EQ(v.exposure[btc], 60000);
  EXPECT_DOUBLE_EQ(v.exposure[usdt], 40000);
  EXPECT_DOUBLE_EQ(v.weight[btc], 0.6);
  EXPECT_NEAR(v.drift[btc], 0.1, 1e-15);
  EXPECT_NEAR(v.drift[usdt], -0.1, 1e-15);  // base target is the remainder, 0.5
}

TEST(ValuationTest, LinearShortHedgeLowersExposureNotNav) {
  TestBook b;
  const InstrumentId perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3});
  b.target("BTC", 0.5, 0.05, {perp});
  b.spot("BTC", 1.0, 60000);
  b.portfolio.cash = 40000;
  b.market.mark[perp] = 60000;
  b.position(perp, -100, 60000);  // short 0.1 BTC at entry == mark: no P&L
  Valuation v;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, v);
  const AssetId btc = b.asset("BTC");
  EXPECT_DOUBLE_EQ(v.nav, 100000);
  EXPECT_DOUBLE_EQ(v.futures_exposure[btc], -6000);
  EXPECT_DOUBLE_EQ(v.exposure[btc], 54000);
  EXPECT_DOUBLE_EQ(v.exposure[b.universe.base_currency], 46000);
  EXPECT_DOUBLE_EQ(v.spot_weight[btc], 0.6);
  EXPECT_DOUBLE_EQ(v.gross_futures_notional, 6000);
}

TEST(ValuationTest, LinearUnrealizedPnlCountsInNav) {
  TestBook b;
  const InstrumentId perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3});
  b.target("BTC", 0.5, 0.05, {perp});
  b.spot("BTC", 1.0, 66000);
  b.market.mark[perp] = 66000;
  b.position(perp, -1000, 60000);  // short 1 BTC from 60,000: lost 6,000
  Valuation v;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, v);
  const AssetId btc = b.asset("BTC");
  EXPECT_DOUBLE_EQ(v.futures_upnl, -6000);
  EXPECT_DOUBLE_EQ(v.nav, 60000);
  EXPECT_DOUBLE_EQ(v.exposure[btc], 0);  // fully hedged
  EXPECT_DOUBLE_EQ(v.exposure[b.universe.base_currency], 60000);
}

TEST(ValuationTest, WeightsSumToOne) {
  TestBook b;
  const InstrumentId perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3});
  const InstrumentId eperp = b.linear_perp("ETHUSDT-PERP", "ETH", Decimal{1, 2});
  b.target("BTC", 0.4, 0.05, {perp});
  b.target("ETH", 0.4, 0.05, {eperp});
  b.spot("BTC", 0.7, 65000);
  b.spot("ETH", 9.0, 3300);
  b.portfolio.cash = 1234.5;
  b.market.mark[perp] = 65010;
  b.market.mark[eperp] = 3301;
  b.position(perp, -213, 64000);
  b.position(eperp, 150, 3400);
  Valuation v;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, v);
  double sum = 0;
  for (std::size_t a = 0; a < v.asset_count; ++a) sum += v.weight[a];
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(ValuationTest, InverseShortDeltaAndCoinPnl) {
  // Inverse BTCUSD: 100 USD per contract. Short 50 contracts (5,000 USD) from 50,000,
  // mark 40,000: coin P&L = -50*100*(1/50000 - 1/40000) = +0.025 BTC = +1,000 USD.
  TestBook b;
  const InstrumentId inv = b.inverse_perp("BTCUSD-PERP", "BTC", Decimal{100, 0});
  b.target("BTC", 0.5, 0.05, {inv});
  b.spot("BTC", 0.25, 40000);  // 10,000 of BTC
  b.market.mark[inv] = 40000;
  b.position(inv, -50, 50000);
  Valuation v;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, v);
  const AssetId btc = b.asset("BTC");
  EXPECT_NEAR(v.futures_upnl, 1000.0, 1e-9);
  EXPECT_NEAR(v.nav, 11000.0, 1e-9);
  // Dollar delta of the short: -5,000 of contracts plus the 0.025 BTC of P&L it holds.
  EXPECT_NEAR(v.futures_exposure[btc], -5000.0 + 1000.0, 1e-9);
  EXPECT_NEAR(v.exposure[btc], 10000.0 - 4000.0, 1e-9);
  const InstrumentSpec& spec = b.universe.instruments[inv];
  EXPECT_NEAR(spec.base_quantity(-50, 40000), -0.125, 1e-15);
}

TEST(ValuationTest, InverseExposureIsTheTrueDollarDelta) {
  // Bump the mark by 1 bp and compare the change in NAV with exposure * 1 bp.
  TestBook b;
  const InstrumentId inv = b.inverse_perp("BTCUSD-PERP", "BTC", Decimal{100, 0});
  b.target("BTC", 0.5, 0.05, {inv});
  b.spot("BTC", 0.25, 40000);
  b.market.mark[inv] = 40000;
  b.position(inv, -50, 50000);
  Valuation v0, v1;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, v0);
  const double bump = 1e-4;
  b.spot("BTC", 0.25, 40000 * (1 + bump));
  b.market.mark[inv] = 40000 * (1 + bump);
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, v1);
  const AssetId btc = b.asset("BTC");
  EXPECT_NEAR((v1.nav - v0.nav) / bump, v0.exposure[btc], 1.0);  // within 1 USD of 6,000
}

TEST(ValuationTest, ApplyFillAveragesEntryAndRealizesOnReduce) {
  TestBook b;
  const InstrumentId perp = b.linear_perp("BTCUSDT-PERP", "BTC", Decimal{1, 3});
  b.target("BTC", 0.5, 0.05, {perp});
  PortfolioState& p = b.portfolio;
  apply_fill(b.universe, p, perp, -100, 60000, 1.0);  // short 0.1 @ 60,000, fee 1
  apply_fill(b.universe, p, perp, -100, 62000, 1.0);  // short 0.1 more @ 62,000
  EXPECT_EQ(p.positions[perp].lots, -200);
  EXPECT_DOUBLE_EQ(p.positions[perp].entry_price, 61000);
  apply_fill(b.universe, p, perp, 100, 59000, 0.0);  // cover half: +0.1*(61000-59000)
  EXPECT_EQ(p.positions[perp].lots, -100);
  EXPECT_DOUBLE_EQ(p.positions[perp].entry_price, 61000);
  EXPECT_DOUBLE_EQ(p.cash, -2.0 + 200.0);
  apply_fill(b.universe, p, perp, 300, 60000, 0.0);  // cover 0.1 (+100) and flip long 0.2
  EXPECT_EQ(p.positions[perp].lots, 200);
  EXPECT_DOUBLE_EQ(p.positions[perp].entry_price, 60000);
  EXPECT_DOUBLE_EQ(p.cash, 298.0);
}

TEST(ValuationTest, ApplyFillSpotMovesAssetAndCash) {
  TestBook b;
  const InstrumentId spot = b.spot_pair("SOLUSDT", "SOL", Decimal{1, 3});
  b.target("SOL", 0.2, 0.1);
  b.portfolio.cash = 100;
  apply_fill(b.universe, b.portfolio, spot, -16000, 100.0, 1.6);  // sell 16 SOL
  EXPECT_DOUBLE_EQ(b.portfolio.spot_qty[b.asset("SOL")], -16.0);
  EXPECT_DOUBLE_EQ(b.portfolio.cash, 100 + 1600 - 1.6);
}

TEST(ValuationTest, NonPositiveNavGivesZeroWeights) {
  TestBook b;
  b.target("BTC", 0.5, 0.05);
  b.portfolio.cash = -10;
  Valuation v;
  value_portfolio(b.universe, b.targets, b.portfolio, b.market, v);
  EXPECT_FALSE(v.nav_positive);
  EXPECT_EQ(v.weight[b.asset("BTC")], 0.0);
}

}  // namespace
}  // namespace ballast::valuation_test
