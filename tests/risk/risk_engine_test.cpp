// One test per pre-trade check: passes at the limit, fails just past it, and the verdict
// names the value and the limit. Then the engine's ordering, worsening rule, shrinking,
// and the throttle over simulated time (no sleeping).
#include "ballast/risk/risk_engine.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

namespace ballast::risk::risk_engine_test {
namespace {

constexpr std::int64_t kNow = 1'000'000'000'000;  // ns

struct RiskBook {
  Universe universe;
  TargetTable targets{};
  RiskLimits limits;
  PortfolioState portfolio;
  std::unique_ptr<MarketState> market = std::make_unique<MarketState>();
  OpenOrderSet open;
  Valuation valuation;
  InstrumentId btc_perp, eth_perp, btc_spot;
  AssetId btc, eth;

  RiskBook() {
    universe.base_currency = universe.intern_asset("USDT");
    btc = universe.intern_asset("BTC");
    eth = universe.intern_asset("ETH");
    btc_perp = add_perp("BTCUSDT-PERP", btc, Decimal{1, 3}, Decimal{1, 1});
    eth_perp = add_perp("ETHUSDT-PERP", eth, Decimal{1, 2}, Decimal{1, 2});
    InstrumentSpec spot;
    spot.symbol = "BTCUSDT";
    spot.kind = InstrumentKind::spot;
    spot.base = btc;
    spot.quote = universe.base_currency;
    spot.lot_size = Decimal{1, 5};
    spot.tick_size = Decimal{1, 2};
    spot.derive();
    universe.instruments.push_back(spot);
    btc_spot = static_cast<InstrumentId>(universe.instruments.size() - 1);
    universe.assets[btc].spot_instrument = btc_spot;
    targets[btc] = TargetSpec{true, 0.5, 0.05, 0.0, {}, 0};
    targets[eth] = TargetSpec{true, 0.3, 0.05, 0.0, {}, 0};
    targets[universe.base_currency].weight = 0.2;
    portfolio.cash = 100000;
    market->mark[btc_perp] = 70000;
    market->mark[eth_perp] = 3500;
    market->mark[btc_spot] = 70000;
    market->spot_price[btc] = 70000;
    market->spot_price[eth] = 3500;
    market->updated_ns.fill(kNow);
    market->spot_updated_ns.fill(kNow);
    limits.max_leverage = 10;
    limits.max_margin_utilization = 1.0;
    limits.max_asset_weight = 10;
    limits.min_liquidation_distance = 0.0;
    limits.max_order_notional = 1e9;
    limits.price_collar_bps = 50;
    limits.max_orders_per_second = 100;
    limits.max_orders_per_minute = 6000;
    limits.max_md_staleness_ms = 3'600'000;  // tests that move the clock stay fresh
  }

  InstrumentId add_perp(const char* symbol, AssetId base, Decimal size, Decimal tick) {
    InstrumentSpec s;
    s.symbol = symbol;
    s.kind = InstrumentKind::perpetual;
    s.base = base;
    s.quote = universe.base_currency;
    s.contract_size = size;
    s.lot_size = Decimal{1, 0};
    s.tick_size = tick;
    s.funding_interval_s = 28800;
    s.margin_brackets = {{1e9, 0.004, 0}};
    s.derive();
    universe.instruments.push_back(s);
    return static_cast<InstrumentId>(universe.instruments.size() - 1);
  }

  std::int64_t ticks(InstrumentId i, double price) const {
    return static_cast<std::int64_t>(std::llround(price / universe.instruments[i].tick_size_d));
  }
  OrderIntent at_mark(InstrumentId i, bool buy, std::int64_t lots) const {
    return OrderIntent{i, buy ? Side::buy : Side::sell, lots, ticks(i, market->mark[i])};
  }

  // Runs the engine's full check of `order` on the current book.
  RiskVerdict check(RiskEngine& engine, const OrderIntent& order, std::int64_t now = kNow) {
    value_portfolio(universe, targets, portfolio, *market, valuation);
    const RiskInputs in{portfolio, *market, valuation, open, portfolio.cash, true, now};
    auto current = std::make_unique<AccountRisk>();
    auto after = std::make_unique<AccountRisk>();
    engine.assess(in, nullptr, *current);
    return engine.check(order, in, *current, *after);
  }
  RiskVerdict check(const OrderIntent& order) {
    RiskEngine engine(universe, limits);
    return check(engine, order);
  }
  std::unique_ptr<AccountRisk> assess(const OrderIntent* extra = nullptr) {
    value_portfolio(universe, targets, portfolio, *market, valuation);
    const RiskInputs in{portfolio, *market, valuation, open, portfolio.cash, true, kNow};
    auto out = std::make_unique<AccountRisk>();
    RiskEngine(universe, limits).assess(in, extra, *out);
    return out;
  }
};

std::string message(const RiskBook& b, const RiskVerdict& v) {
  return describe(v, b.universe);
}

TEST(RiskEngineTest, AcceptsAnOrdinaryHedge) {
  RiskBook b;
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, false, 100));
  EXPECT_TRUE(v.accepted()) << message(b, v);
  EXPECT_EQ(message(b, v), "accepted");
}

TEST(RiskEngineTest, KillSwitchStopsEverything) {
  RiskBook b;
  RiskEngine engine(b.universe, b.limits);
  engine.set_state(TradingState::halted);
  const RiskVerdict v = b.check(engine, b.at_mark(b.btc_perp, false, 1));
  EXPECT_EQ(v.check, RiskCheck::kill_switch);
  EXPECT_EQ(message(b, v), "kill switch: trading is HALTED");
  engine.set_state(TradingState::active);
  EXPECT_TRUE(b.check(engine, b.at_mark(b.btc_perp, false, 1)).accepted());
}

TEST(RiskEngineTest, ReduceOnlyLetsOutOnlyReductions) {
  RiskBook b;
  b.portfolio.positions[b.btc_perp] = FuturesPosition{-100, 70000};
  RiskEngine engine(b.universe, b.limits);
  engine.set_state(TradingState::reducing);
  EXPECT_TRUE(b.check(engine, b.at_mark(b.btc_perp, true, 100)).accepted());  // to flat: at limit
  const RiskVerdict flip = b.check(engine, b.at_mark(b.btc_perp, true, 101));
  EXPECT_EQ(flip.check, RiskCheck::reduce_only);
  EXPECT_EQ(flip.value, 101);
  EXPECT_EQ(flip.limit, -100);
  EXPECT_EQ(b.check(engine, b.at_mark(b.btc_perp, false, 1)).check, RiskCheck::reduce_only);
  EXPECT_EQ(b.check(engine, b.at_mark(b.eth_perp, true, 1)).check, RiskCheck::reduce_only);
  EXPECT_EQ(b.check(engine, b.at_mark(b.btc_spot, false, 1)).check, RiskCheck::reduce_only);
}

TEST(RiskEngineTest, MarketDataStalenessAtAndPastTheLimit) {
  RiskBook b;
  b.limits.max_md_staleness_ms = 500;
  b.market->updated_ns[b.btc_perp] = kNow - 500'000'000;
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, false, 1)).accepted());
  b.market->updated_ns[b.btc_perp] = kNow - 501'000'000;
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, false, 1));
  EXPECT_EQ(v.check, RiskCheck::md_staleness);
  EXPECT_DOUBLE_EQ(v.value, 501);
  EXPECT_EQ(message(b, v), "market data for BTCUSDT-PERP is 501 ms old > 500 ms");
  b.market->updated_ns[b.btc_perp] = 0;
  EXPECT_EQ(b.check(b.at_mark(b.btc_perp, false, 1)).check, RiskCheck::md_staleness);
}

// Issue 14, item 4: spot ticks stopped while perpetual ticks went on, and orders were
// planned on a 2 s old spot price. Every price the order is judged with is checked now.
TEST(RiskEngineTest, StaleSpotPriceOfTheHedgedAssetDeniesTheFuturesOrder) {
  RiskBook b;
  b.limits.max_md_staleness_ms = 500;
  b.portfolio.spot_qty[b.btc] = 1.0;
  b.market->spot_updated_ns[b.btc] = kNow - 2'000'000'000;  // the perp itself is fresh
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, false, 1));
  EXPECT_EQ(v.check, RiskCheck::md_staleness);
  EXPECT_EQ(v.asset, b.btc);
  EXPECT_EQ(message(b, v), "the spot price of BTC is 2000 ms old > 500 ms");
  // ETH is neither held nor traded by this order: its old price does not matter to it.
  b.market->spot_updated_ns[b.btc] = kNow;
  b.market->spot_updated_ns[b.eth] = kNow - 2'000'000'000;
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, false, 1)).accepted());
  // ...until ETH is held: then it is in the NAV every check uses.
  b.portfolio.spot_qty[b.eth] = 1.0;
  EXPECT_EQ(b.check(b.at_mark(b.btc_perp, false, 1)).check, RiskCheck::md_staleness);
}

TEST(RiskEngineTest, StaleMarkOfAnotherHeldPositionDenies) {
  RiskBook b;
  b.limits.max_md_staleness_ms = 500;
  b.portfolio.positions[b.eth_perp] = FuturesPosition{-10, 3500};
  b.market->updated_ns[b.eth_perp] = kNow - 1'000'000'000;
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, false, 1));
  EXPECT_EQ(v.check, RiskCheck::md_staleness);
  EXPECT_EQ(v.instrument, b.eth_perp);
}

TEST(RiskEngineTest, HeldPriceJumpDeniesByName) {
  RiskBook b;
  b.market->held_jump[b.btc_perp] = 0.13;
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, false, 1));
  EXPECT_EQ(v.check, RiskCheck::price_jump);
  EXPECT_EQ(message(b, v),
            "the price of BTCUSDT-PERP jumped 13.0% and waits for a second tick to confirm it");
}

// Issue 14, item 3: the circuit breakers, each a named check; orders that only reduce a
// position still go out.
TEST(RiskEngineTest, DailyFeeAndTurnoverBudgetsDenyAddingButNotReducing) {
  RiskBook b;
  b.universe.instruments[b.btc_perp].taker_fee_bps = 5.0;
  b.limits.max_daily_fees_bps = 1.0;  // 1 bp of 100,000 = 10.00 of fees a day
  b.limits.max_daily_turnover = 0.5;  // 50,000 of notional a day
  b.portfolio.positions[b.btc_perp] = FuturesPosition{-300, 70000};
  RiskEngine engine(b.universe, b.limits);
  engine.on_nav(100000.0, 86'400 * 20000 + 5);
  engine.on_fill(10000.0, 9.0);  // 9.00 of the 10.00 spent
  // 100 lots = 7,000 notional, fee 3.50: past the fee budget.
  RiskVerdict v = b.check(engine, b.at_mark(b.btc_perp, false, 100));
  EXPECT_EQ(v.check, RiskCheck::daily_fees);
  EXPECT_NEAR(v.value, 12.5, 1e-9);
  EXPECT_NEAR(v.limit, 10.0, 1e-9);
  EXPECT_EQ(message(b, v),
            "circuit breaker: fees today would reach 12.50 > the day's cap 10.00 (order on "
            "BTCUSDT-PERP)");
  // Buying back 100 of the 300 short reduces: allowed whatever the budgets say.
  EXPECT_TRUE(b.check(engine, b.at_mark(b.btc_perp, true, 100)).accepted());
  engine.on_fill(45000.0, 0.0);
  b.limits.max_daily_fees_bps = 100.0;
  RiskEngine roomy(b.universe, b.limits);
  roomy.on_nav(100000.0, 86'400 * 20000 + 5);
  roomy.on_fill(45000.0, 0.0);
  v = b.check(roomy, b.at_mark(b.btc_perp, false, 100));
  EXPECT_EQ(v.check, RiskCheck::daily_turnover);
  EXPECT_NEAR(v.value, 52000.0, 1e-6);
  // A new UTC day refills both budgets.
  roomy.on_nav(100000.0, 86'400 * 20001);
  EXPECT_TRUE(b.check(roomy, b.at_mark(b.btc_perp, false, 100)).accepted());
}

TEST(RiskEngineTest, DrawdownFromTheDaysHighDeniesAddingUntilRearmed) {
  RiskBook b;
  b.limits.max_drawdown = 0.10;
  RiskEngine engine(b.universe, b.limits);
  const std::int64_t day = 86'400 * 20000;
  engine.on_nav(120000.0, day + 1);  // the day's high
  engine.on_nav(100000.0, day + 2);  // NAV in the book: 100,000 = 16.7% below
  const RiskVerdict v = b.check(engine, b.at_mark(b.btc_perp, false, 1));
  EXPECT_EQ(v.check, RiskCheck::drawdown);
  EXPECT_NEAR(v.value, 1.0 - 100000.0 / 120000.0, 1e-12);
  EXPECT_EQ(message(b, v), "circuit breaker: NAV 16.7% below the day's high > 10.0%");
  engine.rearm_breakers();  // the operator's resume: measured from NAV now
  EXPECT_TRUE(b.check(engine, b.at_mark(b.btc_perp, false, 1)).accepted());
}

TEST(RiskEngineTest, ConsecutiveRejectsTripOnceAndAFillResetsThem) {
  RiskBook b;
  b.limits.max_consecutive_rejects = 3;
  RiskEngine engine(b.universe, b.limits);
  EXPECT_FALSE(engine.on_venue_reject());
  EXPECT_FALSE(engine.on_venue_reject());
  engine.on_fill(1000.0, 0.5);
  EXPECT_FALSE(engine.on_venue_reject());
  EXPECT_FALSE(engine.on_venue_reject());
  EXPECT_TRUE(engine.on_venue_reject());  // the third in a row trips, once
  const RiskVerdict v = b.check(engine, b.at_mark(b.btc_perp, false, 1));
  EXPECT_EQ(v.check, RiskCheck::consecutive_rejects);
  EXPECT_EQ(message(b, v), "circuit breaker: 3 venue rejects in a row (limit 3)");
  EXPECT_FALSE(engine.on_venue_reject());
}

TEST(RiskEngineTest, PriceCollarAtAndPastTheLimit) {
  RiskBook b;  // mark 70,000, collar 50 bps = 350
  EXPECT_TRUE(
      b.check(OrderIntent{b.btc_perp, Side::buy, 1, b.ticks(b.btc_perp, 70350.0)}).accepted());
  EXPECT_TRUE(
      b.check(OrderIntent{b.btc_perp, Side::sell, 1, b.ticks(b.btc_perp, 69650.0)}).accepted());
  const RiskVerdict v =
      b.check(OrderIntent{b.btc_perp, Side::buy, 1, b.ticks(b.btc_perp, 70350.1)});
  EXPECT_EQ(v.check, RiskCheck::price_collar);
  EXPECT_NEAR(v.value, 350.1 / 70000 * 1e4, 1e-9);
  EXPECT_EQ(v.limit, 50);
  EXPECT_NE(message(b, v).find("> collar 50 bps for BTCUSDT-PERP"), std::string::npos)
      << message(b, v);
}

TEST(RiskEngineTest, MaxOrderQtyAtAndPastTheLimit) {
  RiskBook b;
  b.universe.instruments[b.btc_perp].max_order_qty = Decimal{10, 0};
  b.universe.instruments[b.btc_perp].derive();
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, false, 10)).accepted());
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, false, 11));
  EXPECT_EQ(v.check, RiskCheck::max_order_qty);
  EXPECT_EQ(message(b, v), "order quantity 11 > max 10 contracts for BTCUSDT-PERP");
}

TEST(RiskEngineTest, MaxOrderNotionalAtAndPastTheLimit) {
  RiskBook b;
  b.limits.max_order_notional = 7000;  // 100 contracts of 70 USDT
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, false, 100)).accepted());
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, false, 101));
  EXPECT_EQ(v.check, RiskCheck::max_order_notional);
  EXPECT_DOUBLE_EQ(v.value, 7070);
  EXPECT_EQ(message(b, v), "order notional 7070 > max 7000 for BTCUSDT-PERP");
}

TEST(RiskEngineTest, DuplicateInFlightOrderIsRefused) {
  RiskBook b;
  b.open.orders[0] = OpenOrder{b.eth_perp, Side::buy, 5, b.ticks(b.eth_perp, 3500)};
  b.open.count = 1;
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, false, 1)).accepted());
  const RiskVerdict v = b.check(b.at_mark(b.eth_perp, true, 1));
  EXPECT_EQ(v.check, RiskCheck::duplicate_in_flight);
  EXPECT_EQ(message(b, v), "an order for ETHUSDT-PERP is already in flight");
}

TEST(RiskEngineTest, ThrottlePerSecondRefillsOverSimulatedTime) {
  RiskBook b;
  b.limits.max_orders_per_second = 2;
  RiskEngine engine(b.universe, b.limits);
  const OrderIntent o = b.at_mark(b.btc_perp, false, 1);
  for (int k = 0; k < 2; ++k) {
    ASSERT_TRUE(b.check(engine, o, kNow).accepted());
    engine.on_order_sent(o, kNow);
  }
  const RiskVerdict v = b.check(engine, o, kNow);
  EXPECT_EQ(v.check, RiskCheck::order_rate_per_second);
  EXPECT_EQ(v.limit, 2);
  // Checking does not consume: still refused, then one token back after half a second.
  EXPECT_FALSE(b.check(engine, o, kNow + 499'000'000).accepted());
  EXPECT_TRUE(b.check(engine, o, kNow + 500'000'000).accepted());
}

TEST(RiskEngineTest, ThrottlePerMinuteHoldsWhenPerSecondHasRoom) {
  RiskBook b;
  b.limits.max_orders_per_second = 10;
  b.limits.max_orders_per_minute = 3;
  RiskEngine engine(b.universe, b.limits);
  const OrderIntent o = b.at_mark(b.btc_perp, false, 1);
  std::int64_t t = kNow;
  for (int k = 0; k < 3; ++k, t += 1'000'000'000) {
    ASSERT_TRUE(b.check(engine, o, t).accepted());
    engine.on_order_sent(o, t);
  }
  EXPECT_EQ(b.check(engine, o, t).check, RiskCheck::order_rate_per_minute);
  // 3 per minute refills one every 20 s; 3 s have already passed.
  EXPECT_FALSE(b.check(engine, o, kNow + 19'000'000'000).accepted());
  EXPECT_TRUE(b.check(engine, o, kNow + 22'000'000'000).accepted());
}

TEST(RiskEngineTest, ThrottleIsPerVenue) {
  RiskBook b;
  b.limits.max_orders_per_second = 1;
  b.universe.venues.push_back("other");
  b.universe.instruments[b.eth_perp].venue = 1;
  RiskEngine engine(b.universe, b.limits);
  const OrderIntent btc = b.at_mark(b.btc_perp, false, 1);
  engine.on_order_sent(btc, kNow);
  EXPECT_FALSE(b.check(engine, btc, kNow).accepted());
  EXPECT_TRUE(b.check(engine, b.at_mark(b.eth_perp, true, 1), kNow).accepted());
}

TEST(RiskEngineTest, MaxLeverageAtAndPastTheLimit) {
  RiskBook b;
  b.limits.max_leverage = 0.7;  // 1,000 contracts = 70,000 of a 100,000 NAV
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, false, 1000)).accepted());
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, false, 1001));
  EXPECT_EQ(v.check, RiskCheck::max_leverage);
  EXPECT_NEAR(v.value, 0.7007, 1e-12);
  EXPECT_EQ(v.limit, 0.7);
  EXPECT_EQ(message(b, v), "leverage 0.701x > 0.7x after BTCUSDT-PERP");
}

TEST(RiskEngineTest, OrderReducingABreachedLimitIsAllowed) {
  RiskBook b;
  b.limits.max_leverage = 0.5;
  b.portfolio.positions[b.btc_perp] = FuturesPosition{-1000, 70000};  // leverage 0.7 already
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, true, 100)).accepted());  // 0.63: better
  EXPECT_EQ(b.check(b.at_mark(b.btc_perp, false, 1)).check, RiskCheck::max_leverage);
}

TEST(RiskEngineTest, MaxMarginUtilizationAtAndPastTheLimit) {
  RiskBook b;
  b.universe.instruments[b.btc_perp].leverage = 10;
  b.limits.max_margin_utilization = 0.07;  // 70,000 / 10 / 100,000
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, false, 1000)).accepted());
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, false, 1001));
  EXPECT_EQ(v.check, RiskCheck::max_margin_utilization);
  EXPECT_NEAR(v.value, 0.07007, 1e-12);
  EXPECT_EQ(message(b, v), "margin utilisation 7.0% > 7.0% after BTCUSDT-PERP");
}

TEST(RiskEngineTest, MaxAssetWeightAtAndPastTheLimit) {
  RiskBook b;
  b.limits.max_asset_weight = 0.7;
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, true, 1000)).accepted());
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, true, 1001));
  EXPECT_EQ(v.check, RiskCheck::max_asset_weight);
  EXPECT_EQ(v.asset, b.btc);
  EXPECT_NEAR(v.value, 0.7007, 1e-12);
  EXPECT_EQ(message(b, v), "BTC weight 70.1% > 70.0% after BTCUSDT-PERP");
}

TEST(RiskEngineTest, MinLiquidationDistanceAtAndPastTheLimit) {
  RiskBook b;
  b.portfolio.cash = 10000;
  b.universe.instruments[b.btc_perp].leverage = 10;  // margin utilisation 70%: not the issue
  // Long 1 BTC at 70,000 with a 10,000 wallet: LP = 60,000 / 0.996, distance 13.94%.
  const OrderIntent order = b.at_mark(b.btc_perp, true, 1000);
  const auto after = b.assess(&order);
  ASSERT_EQ(after->position_count, 1);
  const double d = after->positions[0].liquidation.distance;
  EXPECT_NEAR(after->positions[0].liquidation.price, 60000 / 0.996, 1e-6);
  b.limits.min_liquidation_distance = d;
  EXPECT_TRUE(b.check(order).accepted());
  const RiskVerdict v = b.check(b.at_mark(b.btc_perp, true, 1001));
  EXPECT_EQ(v.check, RiskCheck::min_liquidation_distance);
  EXPECT_LT(v.value, d);
  EXPECT_EQ(v.instrument, b.btc_perp);
  b.limits.min_liquidation_distance = 0.25;
  EXPECT_EQ(message(b, b.check(order)), "liquidation distance 13.9% < 25.0% for BTCUSDT-PERP");
}

TEST(RiskEngineTest, SpotCollateralCountsTowardTheWallet) {
  RiskBook b;
  b.portfolio.cash = 0;
  b.portfolio.spot_qty[b.btc] = 1.0;
  b.limits.min_liquidation_distance = 0.25;
  b.universe.instruments[b.btc_perp].leverage = 5;
  const OrderIntent hedge = b.at_mark(b.btc_perp, false, 1000);  // short the 1 BTC held
  // No collateral and no cash: nothing can hold the margin, and that is the reason given.
  EXPECT_EQ(b.check(hedge).check, RiskCheck::initial_margin);
  b.limits.collateral_ratio[b.btc] = 0.95;
  EXPECT_TRUE(b.check(hedge).accepted());
  const auto after = b.assess(&hedge);
  EXPECT_NEAR(after->wallet_balance, 66500, 1e-6);
}

// Initial margin is compared with what can hold it (wallet + collateral - unrealised
// losses), not only divided by NAV: a 500 wallet cannot post 3,500 of margin.
TEST(RiskEngineTest, InitialMarginBeyondWhatCanHoldItIsRefusedByName) {
  RiskBook b;
  b.portfolio.cash = 500;
  b.portfolio.spot_qty[b.btc] = 1.0;  // NAV 70,500: utilisation alone would pass
  b.universe.instruments[b.btc_perp].leverage = 10;
  const OrderIntent order = b.at_mark(b.btc_perp, false, 500);  // 35,000 at 10x
  const RiskVerdict v = b.check(order);
  EXPECT_EQ(v.check, RiskCheck::initial_margin);
  EXPECT_DOUBLE_EQ(v.value, 3500.0);
  EXPECT_DOUBLE_EQ(v.limit, 500.0);
  EXPECT_EQ(message(b, v), "initial margin 3,500.00 > available 500.00 after BTCUSDT-PERP");
  EXPECT_TRUE(is_size_bound(RiskCheck::initial_margin));
  // At the limit it passes; the engine shrinks the order to the largest that fits.
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, false, 71)).accepted());  // 497 of margin
  RiskEngine engine(b.universe, b.limits);
  value_portfolio(b.universe, b.targets, b.portfolio, *b.market, b.valuation);
  const RiskInputs in{b.portfolio, *b.market, b.valuation, b.open, b.portfolio.cash, true, kNow};
  auto current = std::make_unique<AccountRisk>();
  auto scratch = std::make_unique<AccountRisk>();
  engine.assess(in, nullptr, *current);
  const ShrinkResult r = engine.shrink(order, v, in, *current, *scratch, 1);
  EXPECT_TRUE(r.shrunk);
  EXPECT_EQ(r.lots, 71);
  // An order that lowers the margin is never refused for it.
  b.portfolio.positions[b.btc_perp] = FuturesPosition{-500, 70000};
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, true, 100)).accepted());
  EXPECT_EQ(b.check(b.at_mark(b.btc_perp, false, 1)).check, RiskCheck::initial_margin);
}

// Unrealised losses eat what can hold margin; gains are not lent against.
TEST(RiskEngineTest, UnrealisedLossesReduceAvailableMargin) {
  RiskBook b;
  b.portfolio.cash = 10000;
  b.universe.instruments[b.btc_perp].leverage = 10;
  b.portfolio.positions[b.btc_perp] = FuturesPosition{-500, 60000};  // 5,000 under water
  const auto losing = b.assess();
  EXPECT_NEAR(losing->available_margin, 5000.0, 1e-6);
  b.portfolio.positions[b.btc_perp] = FuturesPosition{-500, 80000};  // 5,000 ahead
  const auto winning = b.assess();
  EXPECT_NEAR(winning->available_margin, 10000.0, 1e-6);
}

TEST(RiskEngineTest, OpenOrdersCountAsFilled) {
  RiskBook b;
  b.limits.max_leverage = 0.7;
  b.open.orders[0] = OpenOrder{b.eth_perp, Side::sell, 1000, b.ticks(b.eth_perp, 3500)};  // 35,000
  b.open.count = 1;
  const auto now = b.assess();
  EXPECT_NEAR(now->leverage, 0.35, 1e-12);
  EXPECT_TRUE(b.check(b.at_mark(b.btc_perp, false, 500)).accepted());  // 0.70
  EXPECT_EQ(b.check(b.at_mark(b.btc_perp, false, 501)).check, RiskCheck::max_leverage);
}

TEST(RiskEngineTest, ShrinksASizeBoundRejectionToTheLargestPassingSize) {
  RiskBook b;
  b.limits.max_order_notional = 7000;
  RiskEngine engine(b.universe, b.limits);
  const OrderIntent big = b.at_mark(b.btc_perp, false, 150);
  value_portfolio(b.universe, b.targets, b.portfolio, *b.market, b.valuation);
  const RiskInputs in{b.portfolio, *b.market, b.valuation, b.open, b.portfolio.cash, true, kNow};
  auto current = std::make_unique<AccountRisk>();
  auto scratch = std::make_unique<AccountRisk>();
  engine.assess(in, nullptr, *current);
  const RiskVerdict v = engine.check(big, in, *current, *scratch);
  ASSERT_EQ(v.check, RiskCheck::max_order_notional);
  const ShrinkResult s = engine.shrink(big, v, in, *current, *scratch, 1);
  EXPECT_TRUE(s.shrunk);
  EXPECT_EQ(s.lots, 100);
  EXPECT_EQ(s.cause, RiskCheck::max_order_notional);
  // Below the smallest allowed order it is a rejection, not a shrink.
  EXPECT_FALSE(engine.shrink(big, v, in, *current, *scratch, 101).shrunk);
}

TEST(RiskEngineTest, CollarAndStalenessAreNeverShrunk) {
  RiskBook b;
  RiskEngine engine(b.universe, b.limits);
  const OrderIntent far{b.btc_perp, Side::buy, 100, b.ticks(b.btc_perp, 71000)};
  value_portfolio(b.universe, b.targets, b.portfolio, *b.market, b.valuation);
  const RiskInputs in{b.portfolio, *b.market, b.valuation, b.open, b.portfolio.cash, true, kNow};
  auto current = std::make_unique<AccountRisk>();
  auto scratch = std::make_unique<AccountRisk>();
  engine.assess(in, nullptr, *current);
  const RiskVerdict v = engine.check(far, in, *current, *scratch);
  ASSERT_EQ(v.check, RiskCheck::price_collar);
  EXPECT_FALSE(engine.shrink(far, v, in, *current, *scratch, 1).shrunk);
  EXPECT_FALSE(is_size_bound(RiskCheck::md_staleness));
  EXPECT_FALSE(is_size_bound(RiskCheck::kill_switch));
}

TEST(RiskEngineTest, ChecksRunInOrderAndTheFirstFailureWins) {
  RiskBook b;
  b.limits.max_order_notional = 1;  // would also fail
  b.limits.max_md_staleness_ms = 500;
  b.market->updated_ns[b.btc_perp] = kNow - 600'000'000;  // stale
  EXPECT_EQ(b.check(b.at_mark(b.btc_perp, false, 10)).check, RiskCheck::md_staleness);
}

TEST(RiskEngineTest, LazyCheckAgreesWithTheFullCheckAndSkipsTheBeforeWhenClear) {
  RiskBook b;
  b.limits.max_leverage = 0.5;
  RiskEngine engine(b.universe, b.limits);
  auto lazy = [&](const OrderIntent& o, bool& before_valid) {
    value_portfolio(b.universe, b.targets, b.portfolio, *b.market, b.valuation);
    const RiskInputs in{b.portfolio, *b.market, b.valuation, b.open, b.portfolio.cash, true, kNow};
    auto after = std::make_unique<AccountRisk>();
    auto before = std::make_unique<AccountRisk>();
    before_valid = false;
    return engine.check_lazy(o, in, *after, *before, before_valid);
  };
  bool before_valid = true;
  // Clear of every limit: accepted without assessing the account before the order.
  EXPECT_TRUE(lazy(b.at_mark(b.btc_perp, false, 100), before_valid).accepted());
  EXPECT_FALSE(before_valid);
  // Beyond the limit from flat: denied, as the full check does.
  RiskVerdict v = lazy(b.at_mark(b.btc_perp, false, 1000), before_valid);
  EXPECT_EQ(v.check, RiskCheck::max_leverage);
  EXPECT_TRUE(before_valid);
  EXPECT_EQ(v.check, b.check(engine, b.at_mark(b.btc_perp, false, 1000)).check);
  // Already beyond it: reducing passes, adding does not.
  b.portfolio.positions[b.btc_perp] = FuturesPosition{-1000, 70000};
  EXPECT_TRUE(lazy(b.at_mark(b.btc_perp, true, 100), before_valid).accepted());
  EXPECT_EQ(lazy(b.at_mark(b.btc_perp, false, 1), before_valid).check, RiskCheck::max_leverage);
  // Order-level failures come first either way.
  engine.set_state(TradingState::halted);
  EXPECT_EQ(lazy(b.at_mark(b.btc_perp, true, 1), before_valid).check, RiskCheck::kill_switch);
}

TEST(TokenBucketTest, StartsFullRefillsContinuouslyAndCaps) {
  TokenBucket bucket(2, 1'000'000'000);
  EXPECT_TRUE(bucket.take(0));
  EXPECT_TRUE(bucket.take(0));
  EXPECT_FALSE(bucket.take(0));
  EXPECT_FALSE(bucket.can_take(499'999'999));
  EXPECT_TRUE(bucket.take(500'000'000));
  EXPECT_DOUBLE_EQ(bucket.tokens(), 0.0);
  EXPECT_TRUE(bucket.can_take(100'000'000'000));
  EXPECT_DOUBLE_EQ(bucket.tokens(), 2.0);  // capped at capacity
  bucket.clamp_to(0.0, 100'000'000'000);   // venue says: none left in this window
  EXPECT_FALSE(bucket.can_take(100'000'000'000));
}

}  // namespace
}  // namespace ballast::risk::risk_engine_test
