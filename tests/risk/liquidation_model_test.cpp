// Hand-worked liquidation vectors (docs/risk-model.md): each expected price is solved on
// paper from the venue formula and cross-checked by putting it back into the equity.
#include "ballast/risk/liquidation_model.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace ballast::risk::liquidation_model_test {
namespace {

InstrumentSpec linear_btc(std::vector<MarginBracket> brackets = {{1e12, 0.004, 0.0}}) {
  InstrumentSpec s;
  s.symbol = "BTCUSDT-PERP";
  s.kind = InstrumentKind::perpetual;
  s.base = 1;
  s.contract_size = Decimal{1, 3};
  s.lot_size = Decimal{1, 0};
  s.tick_size = Decimal{1, 1};
  s.margin_brackets = std::move(brackets);
  s.derive();
  return s;
}

InstrumentSpec inverse_btc() {
  InstrumentSpec s;
  s.symbol = "BTCUSD-PERP";
  s.kind = InstrumentKind::perpetual;
  s.base = 1;
  s.settlement = Settlement::inverse;
  s.contract_value = Decimal{100, 0};
  s.lot_size = Decimal{1, 0};
  s.tick_size = Decimal{1, 1};
  s.margin_brackets = {{1e12, 0.005, 0.0}};
  s.derive();
  return s;
}

TEST(LiquidationModelTest, LinearLong) {
  // Long 1 BTC (1,000 contracts of 0.001) from 60,000, WB' 10,000, MMR 0.4%:
  // LP = (Q*EP - WB' - cum) / (Q*(1 - MMR)) = 50,000 / 0.996 = 50,200.803...
  const auto r = estimate_liquidation(linear_btc(), 1000, 60000, 60000, WalletView{10000, 0});
  ASSERT_EQ(r.status, LiquidationStatus::at);
  EXPECT_NEAR(r.price, 50000.0 / 0.996, 1e-6);
  EXPECT_NEAR(r.distance, (60000 - 50000.0 / 0.996) / 60000, 1e-12);
  // At that price equity equals maintenance margin.
  EXPECT_NEAR(10000 + (r.price - 60000) - r.price * 0.004, 0.0, 1e-6);
}

TEST(LiquidationModelTest, LinearShort) {
  // Short 1 BTC from 60,000, WB' 10,000: LP = (Q*EP + WB' + cum) / (Q*(1 + MMR))
  // = 70,000 / 1.004 = 69,721.115...
  const auto r = estimate_liquidation(linear_btc(), -1000, 60000, 60000, WalletView{10000, 0});
  ASSERT_EQ(r.status, LiquidationStatus::at);
  EXPECT_NEAR(r.price, 70000.0 / 1.004, 1e-6);
  EXPECT_NEAR(r.distance, (70000.0 / 1.004 - 60000) / 60000, 1e-12);
}

TEST(LiquidationModelTest, LinearBracketChangeIsResolved) {
  // Brackets: up to 50,000 at 0.4% (cum 0), then 0.5% with cum 50 (continuous at 50,000).
  // Long 1 BTC at 60,000 sits in bracket 2: LP there = (60,000 - 15,000 - 50) / 0.995
  // = 45,175.9, whose notional is in bracket 1; solved again: (60,000 - 15,000) / 0.996
  // = 45,180.72, consistent with bracket 1.
  const InstrumentSpec spec = linear_btc({{50000, 0.004, 0}, {250000, 0.005, 50}});
  const auto r = estimate_liquidation(spec, 1000, 60000, 60000, WalletView{15000, 0});
  ASSERT_EQ(r.status, LiquidationStatus::at);
  EXPECT_EQ(r.bracket.index, 0u);
  EXPECT_NEAR(r.price, 45000.0 / 0.996, 1e-6);
  EXPECT_NEAR(maintenance_margin(spec, 60000), 60000 * 0.005 - 50, 1e-9);
  EXPECT_NEAR(maintenance_margin(spec, 40000), 40000 * 0.004, 1e-9);
}

TEST(LiquidationModelTest, LinearLongFullyCollateralisedHasNone) {
  // WB' 70,000 covers the whole 60,000 of a 1 BTC long: no positive liquidation price.
  const auto r = estimate_liquidation(linear_btc(), 1000, 60000, 60000, WalletView{70000, 0});
  EXPECT_EQ(r.status, LiquidationStatus::none);
  EXPECT_FALSE(r.exists());
  EXPECT_TRUE(std::isinf(r.distance));
}

TEST(LiquidationModelTest, ShortHedgedBySpotCollateralHasNone) {
  // Short 1 BTC against 1.1 BTC of spot counted at 100%: the collateral gains more than
  // the short loses as price rises, so there is no liquidation at any price.
  const auto r = estimate_liquidation(linear_btc(), -1000, 60000, 60000, WalletView{0, 1.1});
  EXPECT_EQ(r.status, LiquidationStatus::none);
}

TEST(LiquidationModelTest, CollateralAtAHaircutPushesTheShortsLiquidationFarOut) {
  // Short 1 BTC from 60,000 against 1 BTC at a 95% ratio, no cash: E(P) = 0.95P +
  // (60,000 - P) - 0.004P, zero at P = 60,000 / 0.054 = 1,111,111.
  const auto r = estimate_liquidation(linear_btc(), -1000, 60000, 60000, WalletView{0, 0.95});
  ASSERT_EQ(r.status, LiquidationStatus::at);
  EXPECT_NEAR(r.price, 60000 / 0.054, 1e-3);
}

TEST(LiquidationModelTest, EquityBelowMaintenanceIsAlready) {
  const auto r = estimate_liquidation(linear_btc(), 1000, 60000, 60000, WalletView{0, 0});
  EXPECT_EQ(r.status, LiquidationStatus::already);
  EXPECT_EQ(r.distance, 0.0);
}

TEST(LiquidationModelTest, InverseLong) {
  // COIN-M: 100 contracts of 100 USD long from 50,000 with 0.1 BTC of margin, MMR 0.5%:
  // LP = Q*(1 + MMR) / ((WB + cum)/CV + Q/EP) = 100.5 / (0.001 + 0.002) = 33,500.
  const auto r = estimate_liquidation(inverse_btc(), 100, 50000, 50000, WalletView{0.1, 0});
  ASSERT_EQ(r.status, LiquidationStatus::at);
  EXPECT_NEAR(r.price, 33500.0, 1e-6);
  const double coin_equity =
      0.1 + 100 * 100 * (1 / 50000.0 - 1 / r.price) - 100 * 100 * 0.005 / r.price;
  EXPECT_NEAR(coin_equity, 0.0, 1e-12);
}

TEST(LiquidationModelTest, InverseShort) {
  // Short 100 contracts from 50,000 with 0.1 BTC: LP = Q*(MMR - 1) / (WB/CV - Q/EP)
  // = -99.5 / -0.001 = 99,500.
  const auto r = estimate_liquidation(inverse_btc(), -100, 50000, 50000, WalletView{0.1, 0});
  ASSERT_EQ(r.status, LiquidationStatus::at);
  EXPECT_NEAR(r.price, 99500.0, 1e-6);
  EXPECT_NEAR(r.distance, 0.99, 1e-12);
}

TEST(LiquidationModelTest, InverseShortCoveredByItsCoinHasNone) {
  // 0.3 BTC of margin against a 0.2 BTC short: a synthetic dollar, never liquidated.
  const auto r = estimate_liquidation(inverse_btc(), -100, 50000, 50000, WalletView{0.3, 0});
  EXPECT_EQ(r.status, LiquidationStatus::none);
}

TEST(LiquidationModelTest, NoBracketsUsesTheDefaultRate) {
  InstrumentSpec spec = linear_btc({});
  EXPECT_DOUBLE_EQ(bracket_for(spec, 1e6).mmr, kDefaultMaintenanceRate);
  EXPECT_DOUBLE_EQ(maintenance_margin(spec, 1000), 5.0);
}

}  // namespace
}  // namespace ballast::risk::liquidation_model_test
