// The market-data side of the Binance dialect: the symbol map, the stream parser on every
// documented market-data example, its validation, and DepthBookSync's sync rules.
#include "ballast/binance/market_data.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "ballast/binance/symbol_map.hpp"
#include "ballast/binance/wire_numbers.hpp"
#include "binance_test_support.hpp"

namespace ballast::binance::market_data_test {
namespace {

using namespace ballast::binance::testing;

class BinanceFixtureTest : public ::testing::Test {
 protected:
  Universe universe_ = make_test_universe();
  BinanceSymbolMap symbols_{universe_, kBinanceVenue};
  BinanceMarketDataParser parser_{symbols_};

  MarketDataResult parse(std::string_view text, MarketTick& tick) {
    PaddedMessage m(text);
    return parser_.parse(m.data(), m.size(), tick);
  }
};

TEST(BinanceSymbolMapTest, MapsPerpetualsAndDatedFuturesOfTheVenueOnly) {
  const Universe u = make_test_universe();
  const BinanceSymbolMap map(u, kBinanceVenue);
  EXPECT_EQ(map.size(), 4u);
  EXPECT_EQ(map.find("BTCUSDT"), kBtcPerp);
  EXPECT_EQ(map.find("btcusdt"), kBtcPerp);
  EXPECT_EQ(map.find("BtcUsdt"), kBtcPerp);
  EXPECT_EQ(map.find("BTCUSDT_261225"), kBtcDated);
  EXPECT_EQ(map.find("btcusdt_261225"), kBtcDated);
  EXPECT_EQ(map.find("ETHUSDT"), kEthPerp);
  EXPECT_EQ(map.find("SOLUSDT"), kNoInstrument);  // another venue's
  EXPECT_EQ(map.find("BTCUSD"), kNoInstrument);
  EXPECT_EQ(map.find(""), kNoInstrument);
  EXPECT_FALSE(map.contains(0));  // spot
  EXPECT_EQ(map.venue_symbol(kBtcPerp), "BTCUSDT");
  EXPECT_EQ(map.venue_symbol(kBtcDated), "BTCUSDT_261225");
  EXPECT_EQ(map.venue_symbol(0), "");
  EXPECT_EQ(map.tick_size(kBtcPerp), (Decimal{10, 2}));
  EXPECT_EQ(map.lot_size(kBtcPerp), (Decimal{1, 3}));
  EXPECT_EQ(map.quote_asset(kBtcPerp), "USDT");
}

TEST(BinanceSymbolMapTest, WritesLowercaseStreamNames) {
  const Universe u = make_test_universe();
  const BinanceSymbolMap map(u, kBinanceVenue);
  EXPECT_EQ(map.stream_name(kBtcPerp, BinanceStream::book_ticker), "btcusdt@bookTicker");
  EXPECT_EQ(map.stream_name(kBtcPerp, BinanceStream::mark_price_1s), "btcusdt@markPrice@1s");
  EXPECT_EQ(map.stream_name(kBtcDated, BinanceStream::depth_100ms), "btcusdt_261225@depth@100ms");
  char small[8];
  EXPECT_EQ(map.write_stream_name(kBtcPerp, BinanceStream::book_ticker, small, sizeof small), 0u);
  EXPECT_EQ(map.stream_name(0, BinanceStream::book_ticker), "");
}

TEST(BinanceSymbolMapTest, TranslatesOurSymbolsToVenueNames) {
  EXPECT_EQ(BinanceSymbolMap::to_venue_symbol("BTCUSDT-PERP", InstrumentKind::perpetual),
            "BTCUSDT");
  EXPECT_EQ(BinanceSymbolMap::to_venue_symbol("BTCUSDT-261225", InstrumentKind::future),
            "BTCUSDT_261225");
  EXPECT_EQ(BinanceSymbolMap::to_venue_symbol("ethusdt-perp", InstrumentKind::perpetual),
            "ETHUSDT-PERP");
}

TEST(BinanceWireNumbersTest, ConvertsDecimalStringsExactly) {
  EXPECT_EQ(wire_decimal_to_steps_exact("0.250", Decimal{1, 3}), 250);
  EXPECT_EQ(wire_decimal_to_steps_exact("0.25000000", Decimal{1, 3}), 250);
  EXPECT_EQ(wire_decimal_to_steps_exact("89991.10", Decimal{10, 2}), 899911);
  EXPECT_FALSE(wire_decimal_to_steps_exact("0.2505", Decimal{1, 3}));  // not whole lots
  EXPECT_FALSE(wire_decimal_to_steps_exact("1e3", Decimal{1, 3}));
  EXPECT_FALSE(wire_decimal_to_steps_exact("", Decimal{1, 3}));
  EXPECT_FALSE(wire_decimal_to_steps_exact("1.2.3", Decimal{1, 3}));
  const auto nearest = wire_decimal_to_steps_nearest("70010.55", Decimal{10, 2});
  ASSERT_TRUE(nearest);
  EXPECT_EQ(nearest->steps, 700106);  // 70010.55 is half a tick of 0.10: rounds away from zero
  EXPECT_FALSE(nearest->exact);
  EXPECT_EQ(wire_decimal_to_steps_nearest("70010.54", Decimal{10, 2})->steps, 700105);
  EXPECT_TRUE(wire_decimal_to_steps_nearest("70010.50", Decimal{10, 2})->exact);
  EXPECT_FALSE(parse_wire_double("nan"));
  EXPECT_FALSE(parse_wire_double("inf"));
  EXPECT_FALSE(parse_wire_double("1e5"));
  EXPECT_DOUBLE_EQ(*parse_wire_double("25.35190000"), 25.3519);
}

TEST_F(BinanceFixtureTest, BinanceBookTickerFixtureBecomesATick) {
  MarketTick tick;
  tick.recv_tsc = 77;
  ASSERT_EQ(parse(read_fixture("book_ticker.json"), tick), MarketDataResult::tick);
  EXPECT_EQ(tick.instrument, kBnbPerp);
  EXPECT_DOUBLE_EQ(tick.bid, 25.3519);
  EXPECT_DOUBLE_EQ(tick.bid_qty, 31.21);
  EXPECT_DOUBLE_EQ(tick.ask, 25.3652);
  EXPECT_DOUBLE_EQ(tick.ask_qty, 40.66);
  EXPECT_EQ(tick.exchange_ts_ns, 1568014460891LL * 1000000);  // T, the transaction time
  EXPECT_EQ(tick.recv_tsc, 77u);                              // the caller's stamp is kept
  EXPECT_EQ(tick.mark, 0.0);
  EXPECT_EQ(parser_.state(kBnbPerp).book_update_id, 400900217);
  EXPECT_EQ(parser_.counters().ticks, 1u);
}

TEST_F(BinanceFixtureTest, BinanceCombinedStreamWrapperIsUnwrapped) {
  MarketTick tick;
  ASSERT_EQ(parse(read_fixture("book_ticker_combined.json"), tick), MarketDataResult::tick);
  EXPECT_EQ(tick.instrument, kBnbPerp);
  EXPECT_DOUBLE_EQ(tick.ask, 25.3652);
}

TEST_F(BinanceFixtureTest, BinanceMarkPriceFixtureSetsMarkIndexAndFunding) {
  MarketTick tick;
  ASSERT_EQ(parse(read_fixture("mark_price.json"), tick), MarketDataResult::tick);
  EXPECT_EQ(tick.instrument, kBtcPerp);
  EXPECT_DOUBLE_EQ(tick.mark, 11794.15);
  EXPECT_DOUBLE_EQ(tick.index, 11784.62659091);
  EXPECT_DOUBLE_EQ(tick.funding_rate, 0.00038167);
  EXPECT_EQ(tick.exchange_ts_ns, 1562305380000LL * 1000000);  // E (T is the next funding time)
  EXPECT_EQ(parser_.state(kBtcPerp).next_funding_time_ms, 1562306400000);
}

TEST_F(BinanceFixtureTest, BinanceTicksCarryBothBookAndMarkState) {
  MarketTick tick;
  ASSERT_EQ(
      parse(
          R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"BTCUSDT","b":"100.0","B":"1","a":"100.1","A":"2"})",
          tick),
      MarketDataResult::tick);
  ASSERT_EQ(parse(read_fixture("mark_price.json"), tick), MarketDataResult::tick);
  EXPECT_DOUBLE_EQ(tick.bid, 100.0);
  EXPECT_DOUBLE_EQ(tick.ask, 100.1);
  EXPECT_DOUBLE_EQ(tick.mark, 11794.15);
}

TEST_F(BinanceFixtureTest, BinanceDeliveryMarkPriceWithoutFundingIsAccepted) {
  MarketTick tick;
  ASSERT_EQ(
      parse(
          R"({"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT_261225","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"","T":0})",
          tick),
      MarketDataResult::tick);
  EXPECT_EQ(tick.instrument, kBtcDated);
  EXPECT_EQ(tick.funding_rate, 0.0);
}

TEST_F(BinanceFixtureTest, BinanceSubscriptionReplyIsNoTick) {
  MarketTick tick;
  EXPECT_EQ(parse(read_fixture("subscribe_response.json"), tick), MarketDataResult::no_tick);
  EXPECT_EQ(parse(R"({"error":{"code":2,"msg":"Invalid request"},"id":3})", tick),
            MarketDataResult::no_tick);
  EXPECT_EQ(parser_.counters().control, 2u);
}

TEST_F(BinanceFixtureTest, BinanceDepthUpdateFixtureIsParsed) {
  MarketTick tick;
  ASSERT_EQ(parse(read_fixture("depth_update.json"), tick), MarketDataResult::depth_update);
  const DepthUpdate& d = parser_.last_depth();
  EXPECT_EQ(d.instrument, kBtcPerp);
  EXPECT_EQ(d.first_update_id, 157);
  EXPECT_EQ(d.final_update_id, 160);
  EXPECT_EQ(d.previous_final_id, 149);
  EXPECT_EQ(d.event_time_ms, 123456789);
  EXPECT_EQ(d.transaction_time_ms, 123456788);
  ASSERT_EQ(d.bid_count, 1);
  ASSERT_EQ(d.ask_count, 1);
  EXPECT_DOUBLE_EQ(d.bids[0].price, 0.0024);
  EXPECT_DOUBLE_EQ(d.bids[0].qty, 10);
  EXPECT_DOUBLE_EQ(d.asks[0].price, 0.0026);
  EXPECT_DOUBLE_EQ(d.asks[0].qty, 100);
  EXPECT_FALSE(d.truncated);
}

TEST_F(BinanceFixtureTest, BinanceDepthSnapshotFixtureIsParsed) {
  PaddedMessage m(read_fixture("depth_snapshot.json"));
  DepthSnapshot snap;
  ASSERT_EQ(parser_.parse_depth_snapshot(m.data(), m.size(), kBtcPerp, snap),
            MarketDataResult::tick);
  EXPECT_EQ(snap.last_update_id, 1027024);
  EXPECT_EQ(snap.event_time_ms, 1589436922972);
  EXPECT_EQ(snap.transaction_time_ms, 1589436922959);
  ASSERT_EQ(snap.bid_count, 1);
  ASSERT_EQ(snap.ask_count, 1);
  EXPECT_DOUBLE_EQ(snap.bids[0].price, 4.0);
  EXPECT_DOUBLE_EQ(snap.bids[0].qty, 431.0);
  EXPECT_DOUBLE_EQ(snap.asks[0].price, 4.000002);
  EXPECT_DOUBLE_EQ(snap.asks[0].qty, 12.0);
  PaddedMessage bare(R"({"lastUpdateId":5,"E":1,"T":1,"bids":[],"asks":[["1.5","2"]]})");
  ASSERT_EQ(parser_.parse_depth_snapshot(bare.data(), bare.size(), kBtcPerp, snap),
            MarketDataResult::tick);
  EXPECT_EQ(snap.last_update_id, 5);
  EXPECT_EQ(snap.bid_count, 0);
  PaddedMessage failed(read_fixture("error_response.json"));
  EXPECT_EQ(parser_.parse_depth_snapshot(failed.data(), failed.size(), kBtcPerp, snap),
            MarketDataResult::no_tick);
}

TEST_F(BinanceFixtureTest, BinanceDepthWithMoreLevelsThanCapacityKeepsTheFirstAndCounts) {
  std::string msg = R"({"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":1,"u":2,"pu":0,"b":[)";
  for (int i = 0; i < 70; ++i)
    msg += (i ? "," : "") + std::string("[\"") + std::to_string(1000 - i) + "\",\"1\"]";
  msg += R"(],"a":[]})";
  MarketTick tick;
  ASSERT_EQ(parse(msg, tick), MarketDataResult::depth_update);
  EXPECT_EQ(parser_.last_depth().bid_count, kDepthLevelsPerSide);
  EXPECT_TRUE(parser_.last_depth().truncated);
  EXPECT_DOUBLE_EQ(parser_.last_depth().bids[0].price, 1000.0);
  EXPECT_EQ(parser_.counters().depth_truncated, 1u);
}

TEST_F(BinanceFixtureTest, BinanceInvalidMarketDataIsMalformedAndLeavesStateAlone) {
  MarketTick tick;
  ASSERT_EQ(parse(read_fixture("book_ticker.json"), tick), MarketDataResult::tick);
  const char* bad[] = {
      R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"BNBUSDT","b":"26","B":"1","a":"25","A":"2"})",  // crossed
      R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"BNBUSDT","b":"25","B":"1","a":"25","A":"2"})",  // locked
      R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"BNBUSDT","b":"-1","B":"1","a":"25","A":"2"})",  // negative price
      R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"BNBUSDT","b":"24","B":"-1","a":"25","A":"2"})",  // negative size
      R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"BNBUSDT","b":"nan","B":"1","a":"25","A":"2"})",
      R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"BNBUSDT","b":"1e400","B":"1","a":"25","A":"2"})",
      R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"BNBUSDT","b":24,"B":"1","a":"25","A":"2"})",  // number, not string
      R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"BNBUSDT","b":"24","B":"1","a":"25"})",  // missing
                                                                                          // A
      R"({"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"-5","i":"1","r":"0","T":0})",
      R"({"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"5","i":"1","r":"x","T":0})",
      R"({"e":"bookTicker",)",
      R"([1,2,3])",
      "",
  };
  for (const char* text : bad) {
    EXPECT_EQ(parse(text, tick), MarketDataResult::malformed) << text;
  }
  EXPECT_EQ(parser_.counters().crossed, 2u);
  EXPECT_DOUBLE_EQ(parser_.state(kBnbPerp).bid, 25.3519);
  EXPECT_EQ(
      parse(R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"XRPUSDT","b":"1","B":"1","a":"2","A":"2"})",
            tick),
      MarketDataResult::unknown_symbol);
  EXPECT_EQ(parse(R"({"e":"aggTrade","E":1,"s":"BTCUSDT"})", tick), MarketDataResult::unsupported);
}

TEST_F(BinanceFixtureTest, BinanceOversizedMessageIsRefusedWithoutGrowingTheParser) {
  std::string big(BinanceMarketDataParser::kMaxMessageBytes + 1, ' ');
  MarketTick tick;
  EXPECT_EQ(parse(big, tick), MarketDataResult::malformed);
  EXPECT_EQ(parser_.counters().too_large, 1u);
}

// ---- DepthBookSync -------------------------------------------------------------------

DepthUpdate make_update(std::int64_t first, std::int64_t final_id, std::int64_t prev,
                        std::initializer_list<PriceLevel> bids = {},
                        std::initializer_list<PriceLevel> asks = {}) {
  DepthUpdate u;
  u.first_update_id = first;
  u.final_update_id = final_id;
  u.previous_final_id = prev;
  for (const auto& b : bids) u.bids[u.bid_count++] = b;
  for (const auto& a : asks) u.asks[u.ask_count++] = a;
  return u;
}

DepthSnapshot make_snapshot(std::int64_t id) {
  DepthSnapshot s;
  s.last_update_id = id;
  s.bids[0] = {100.0, 1.0};
  s.bids[1] = {99.0, 2.0};
  s.asks[0] = {101.0, 1.5};
  s.bid_count = 2;
  s.ask_count = 1;
  return s;
}

TEST(BinanceDepthBookSyncTest, BuffersUntilSnapshotThenAppliesTheStraddlingEvent) {
  DepthBookSync book;
  EXPECT_EQ(book.on_update(make_update(90, 95, 89)),
            DepthApplyResult::buffered);  // u < L: dropped later
  EXPECT_EQ(book.on_update(make_update(96, 105, 95, {{100.0, 0.0}})),
            DepthApplyResult::buffered);  // straddles 100
  EXPECT_EQ(book.on_update(make_update(106, 110, 105, {{100.5, 3.0}})), DepthApplyResult::buffered);
  EXPECT_EQ(book.state(), DepthSyncState::awaiting_snapshot);
  EXPECT_EQ(book.on_snapshot(make_snapshot(100)), DepthSyncState::synced);
  EXPECT_EQ(book.last_update_id(), 110);
  EXPECT_EQ(book.counters().stale, 1u);
  EXPECT_EQ(book.counters().applied, 2u);
  EXPECT_DOUBLE_EQ(book.best_bid().price, 100.5);  // 100 deleted, 100.5 added
  EXPECT_DOUBLE_EQ(book.best_bid().qty, 3.0);
  EXPECT_DOUBLE_EQ(book.bid(1).price, 99.0);
  EXPECT_DOUBLE_EQ(book.best_ask().price, 101.0);
  EXPECT_EQ(book.on_update(make_update(111, 115, 110, {}, {{100.8, 4.0}})),
            DepthApplyResult::applied);
  EXPECT_DOUBLE_EQ(book.best_ask().price, 100.8);
}

TEST(BinanceDepthBookSyncTest, FirstEventAfterTheSnapshotMustStraddleIt) {
  DepthBookSync book;
  EXPECT_EQ(book.on_snapshot(make_snapshot(100)), DepthSyncState::synced);
  EXPECT_EQ(book.on_update(make_update(80, 99, 79)), DepthApplyResult::dropped_stale);
  // U = 102 > L = 100: the events covering 101 are missing.
  EXPECT_EQ(book.on_update(make_update(102, 110, 101)), DepthApplyResult::gap);
  EXPECT_EQ(book.state(), DepthSyncState::needs_resync);
  // A new snapshot at 105 finds the kept event straddling it (102 <= 105 <= 110).
  EXPECT_EQ(book.on_snapshot(make_snapshot(105)), DepthSyncState::synced);
  EXPECT_EQ(book.last_update_id(), 110);
}

TEST(BinanceDepthBookSyncTest, EventWhosePuIsNotThePreviousUNeedsResync) {
  DepthBookSync book;
  book.on_snapshot(make_snapshot(100));
  ASSERT_EQ(book.on_update(make_update(99, 101, 98)), DepthApplyResult::applied);
  EXPECT_EQ(book.on_update(make_update(105, 107, 104)), DepthApplyResult::gap);
  EXPECT_EQ(book.state(), DepthSyncState::needs_resync);
  EXPECT_EQ(book.counters().gaps, 1u);
  // Events keep arriving while the gateway fetches a snapshot; they are buffered.
  EXPECT_EQ(book.on_update(make_update(108, 109, 107)), DepthApplyResult::buffered);
  EXPECT_EQ(book.on_snapshot(make_snapshot(108)), DepthSyncState::synced);
  EXPECT_EQ(book.last_update_id(), 109);
}

TEST(BinanceDepthBookSyncTest, ReplayedDuplicateIsStaleNotAGap) {
  DepthBookSync book;
  book.on_snapshot(make_snapshot(100));
  ASSERT_EQ(book.on_update(make_update(99, 101, 98)), DepthApplyResult::applied);
  ASSERT_EQ(book.on_update(make_update(102, 103, 101)), DepthApplyResult::applied);
  EXPECT_EQ(book.on_update(make_update(102, 103, 101)), DepthApplyResult::dropped_stale);
  EXPECT_EQ(book.state(), DepthSyncState::synced);
}

TEST(BinanceDepthBookSyncTest, BookKeepsTheBestLevelsWithinCapacity) {
  DepthBookSync book;
  DepthSnapshot snap;
  snap.last_update_id = 1;
  book.on_snapshot(snap);
  DepthUpdate u = make_update(1, 2, 0);
  for (std::size_t i = 0; i < kDepthLevelsPerSide; ++i)
    u.bids[u.bid_count++] = {100.0 - static_cast<double>(i), 1.0};
  ASSERT_EQ(book.on_update(u), DepthApplyResult::applied);
  EXPECT_EQ(book.bid_count(), kDepthLevelsPerSide);
  // A better level pushes the worst out; a worse one is not kept.
  ASSERT_EQ(book.on_update(make_update(3, 3, 2, {{100.5, 2.0}, {1.0, 1.0}})),
            DepthApplyResult::applied);
  EXPECT_EQ(book.bid_count(), kDepthLevelsPerSide);
  EXPECT_DOUBLE_EQ(book.best_bid().price, 100.5);
  EXPECT_DOUBLE_EQ(book.bid(kDepthLevelsPerSide - 1).price,
                   100.0 - static_cast<double>(kDepthLevelsPerSide - 2));
  EXPECT_EQ(book.counters().levels_dropped, 2u);
  for (std::size_t i = 1; i < book.bid_count(); ++i)
    EXPECT_GT(book.bid(i - 1).price, book.bid(i).price);
}

TEST(BinanceDepthBookSyncTest, BufferOverflowKeepsTheNewestEvents) {
  DepthBookSync book;
  for (std::int64_t i = 0; i < 20; ++i)
    book.on_update(make_update(10 * i + 1, 10 * i + 10, 10 * i));
  EXPECT_EQ(book.counters().buffer_overflows, 4u);
  // The oldest kept event is 41..50; a snapshot at 45 syncs through 200.
  EXPECT_EQ(book.on_snapshot(make_snapshot(45)), DepthSyncState::synced);
  EXPECT_EQ(book.last_update_id(), 200);
}

}  // namespace
}  // namespace ballast::binance::market_data_test
