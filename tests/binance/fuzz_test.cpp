// Property test: ~100k mutated fixtures and random byte strings through every parser.
// Nothing may crash (run it under ASan), and nothing that comes out may carry a NaN,
// a negative price or size, a crossed book or negative lots.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ballast/binance/market_data.hpp"
#include "ballast/binance/response_parser.hpp"
#include "binance_test_support.hpp"

namespace ballast::binance::fuzz_test {
namespace {

using namespace ballast::binance::testing;

std::vector<std::string> seeds() {
  std::vector<std::string> s;
  for (const char* name :
       {"book_ticker.json", "book_ticker_combined.json", "mark_price.json", "depth_update.json",
        "depth_snapshot.json", "subscribe_response.json", "order_place_request.json",
        "order_place_response.json", "error_response.json", "rate_limited_response.json",
        "order_trade_update_doc.json", "order_trade_update_trade.json"})
    s.push_back(read_fixture(name));
  // Our symbols and ids, so mutations reach the deeper paths.
  s.push_back(
      R"({"e":"bookTicker","u":1,"E":2,"T":1,"s":"BTCUSDT","b":"100.0","B":"1","a":"100.1","A":"2"})");
  s.push_back(
      R"({"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":5,"u":9,"pu":4,"b":[["100","1"],["99","0"]],"a":[["101","2"]]})");
  s.push_back(
      R"({"id":"p42","status":200,"result":{"symbol":"BTCUSDT","status":"EXPIRED","clientOrderId":"42","avgPrice":"70000.10","origQty":"0.250","executedQty":"0.100","side":"SELL"},"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":300,"count":1}]})");
  s.push_back(
      R"({"id":"s42","status":400,"error":{"code":-2013,"msg":"x","data":{"retryAfter":5}}})");
  s.push_back(
      R"({"id":"a7","status":200,"result":[{"symbol":"BTCUSDT","positionSide":"BOTH","positionAmt":"-0.250","entryPrice":"70000.1"},{"symbol":"ETHUSDT","positionAmt":"0.000","entryPrice":"0"}]})");
  return s;
}

const char kTokens[][24] = {
    "\"",  "{",     "}",   "[",    "]",           ",",       ":",      "-",
    "0",   "1e308", "nan", "null", "\"BTCUSDT\"", "\\u0000", "\"-1\"", "99999999999999999999",
    "\"\""};

std::string mutate(const std::string& seed, std::mt19937_64& rng) {
  std::string s = seed;
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    const std::size_t pos = rng() % s.size();
    switch (rng() % 6) {
      case 0:
        s[pos] = static_cast<char>(rng() & 0xFF);
        break;
      case 1:
        s.erase(pos, 1 + rng() % 8);
        break;
      case 2:
        s.insert(pos, kTokens[rng() % (sizeof kTokens / sizeof kTokens[0])]);
        break;
      case 3:
        s.resize(pos);
        break;
      case 4:
        if (std::isdigit(static_cast<unsigned char>(s[pos]))) {
          s[pos] = static_cast<char>('0' + rng() % 10);
        }
        break;
      default: {
        const std::size_t other = rng() % s.size();
        std::swap(s[pos], s[other]);
      }
    }
  }
  return s;
}

void check_tick(const MarketTick& t) {
  for (double v : {t.bid, t.bid_qty, t.ask, t.ask_qty, t.mark, t.index}) {
    ASSERT_TRUE(std::isfinite(v));
    ASSERT_GE(v, 0.0);
  }
  ASSERT_TRUE(std::isfinite(t.funding_rate));
  if (t.bid > 0.0 && t.ask > 0.0) {
    ASSERT_LT(t.bid, t.ask);
  }
  ASSERT_NE(t.instrument, kNoInstrument);
}

void check_reports(const ExecReport* r, std::size_t n) {
  ASSERT_LE(n, BinanceResponseParser::kMaxReportsPerMessage);
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_GE(r[i].last_lots, 0);
    ASSERT_GE(r[i].cum_lots, 0);
    ASSERT_GE(r[i].leaves_lots, 0);
    ASSERT_GE(r[i].last_price_ticks, 0);
    ASSERT_TRUE(std::isfinite(r[i].fee));
  }
}

TEST(BinanceParserFuzzTest, MutatedFixturesAndRandomBytesNeverYieldBadTicksOrReports) {
  const Universe universe = make_test_universe();
  const BinanceSymbolMap symbols(universe, kBinanceVenue);
  BinanceMarketDataParser md(symbols);
  BinanceResponseParser responses(symbols);
  DepthBookSync book;
  const std::vector<std::string> base = seeds();
  std::mt19937_64 rng(20261130);
  constexpr int kIterations = 100'000;
  std::string buffer;
  std::size_t ticks = 0, reports = 0;
  for (int i = 0; i < kIterations; ++i) {
    std::string msg;
    if (i % 10 == 0) {
      msg.resize(rng() % 300);
      for (char& c : msg) c = static_cast<char>(rng() & 0xFF);
    } else {
      msg = mutate(base[rng() % base.size()], rng);
    }
    buffer.assign(msg);
    buffer.append(BinanceMarketDataParser::kPadding, static_cast<char>(rng() & 0xFF));
    MarketTick tick;
    const MarketDataResult r = md.parse(buffer.data(), msg.size(), tick);
    if (r == MarketDataResult::tick) {
      ++ticks;
      check_tick(tick);
    } else if (r == MarketDataResult::depth_update) {
      book.on_update(md.last_depth());
    }
    DepthSnapshot snap;
    if (md.parse_depth_snapshot(buffer.data(), msg.size(), kBtcPerp, snap) ==
        MarketDataResult::tick)
      book.on_snapshot(snap);
    ExecReport out[BinanceResponseParser::kMaxReportsPerMessage];
    std::size_t n = 0;
    responses.parse_response(buffer.data(), msg.size(), 1702555534435, out, n);
    check_reports(out, n);
    reports += n;
    responses.parse_user_data(buffer.data(), msg.size(), out, n);
    check_reports(out, n);
    reports += n;
    if (::testing::Test::HasFatalFailure()) {
      ADD_FAILURE() << "input: " << msg;
      return;
    }
  }
  for (std::size_t k = 1; k < book.bid_count(); ++k)
    ASSERT_GT(book.bid(k - 1).price, book.bid(k).price);
  for (std::size_t k = 1; k < book.ask_count(); ++k)
    ASSERT_LT(book.ask(k - 1).price, book.ask(k).price);
  // The mutations must not all be rejected outright, or the property says nothing.
  EXPECT_GT(ticks, 1000u);
  EXPECT_GT(reports, 1000u);
  RecordProperty("ticks", static_cast<int>(ticks));
  RecordProperty("reports", static_cast<int>(reports));
}

}  // namespace
}  // namespace ballast::binance::fuzz_test
