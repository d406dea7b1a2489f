// WebSocket API responses and user-data events into ExecReports: the documented examples,
// each order status, the reject_code scheme, rate limits and back-off.
#include "ballast/binance/response_parser.hpp"

#include <gtest/gtest.h>

#include <climits>

#include "binance_test_support.hpp"

namespace ballast::binance::response_parser_test {
namespace {

using namespace ballast::binance::testing;

constexpr std::int64_t kNowMs = 1702555534435;  // inside the minute of the documented reply

class BinanceResponseParserTest : public ::testing::Test {
 protected:
  Universe universe_ = make_test_universe();
  BinanceSymbolMap symbols_{universe_, kBinanceVenue};
  BinanceResponseParser parser_{symbols_};
  ExecReport reports_[BinanceResponseParser::kMaxReportsPerMessage];
  std::size_t count_ = 0;

  ResponseResult response(std::string_view text, std::int64_t now_ms = kNowMs) {
    PaddedMessage m(text);
    return parser_.parse_response(m.data(), m.size(), now_ms, reports_, count_);
  }
  ResponseResult user_data(std::string_view text) {
    PaddedMessage m(text);
    return parser_.parse_user_data(m.data(), m.size(), reports_, count_);
  }
  // A place reply for client order 42 on BTCUSDT (lot 0.001, tick 0.10).
  static std::string place_reply(std::string_view id, std::string_view status,
                                 std::string_view executed, std::string_view avg = "70000.10") {
    return std::string(R"({"id":")") + std::string(id) +
           R"(","status":200,"result":{"orderId":1,"symbol":"BTCUSDT","status":")" +
           std::string(status) + R"(","clientOrderId":"42","price":"70000.00","avgPrice":")" +
           std::string(avg) + R"(","origQty":"0.250","executedQty":")" + std::string(executed) +
           R"(","cumQty":"0","cumQuote":"0","timeInForce":"IOC","type":"LIMIT","side":"SELL"}})";
  }
};

// account.position: a line per position held in the universe, then the end; flat symbols
// and symbols outside the universe are not lines; an amount off the lot grid refuses the
// whole answer (half an answer would read as "flat" for the rest).
TEST_F(BinanceResponseParserTest, PositionsAnswerIsLinesThenTheEnd) {
  EXPECT_EQ(
      response(
          R"({"id":"a1","status":200,"result":[)"
          R"({"symbol":"BTCUSDT","positionSide":"BOTH","positionAmt":"-0.250","entryPrice":"70000.5"},)"
          R"({"symbol":"DOGEUSDT","positionAmt":"100","entryPrice":"0.1"},)"
          R"({"symbol":"BTCUSDT","positionAmt":"0.000","entryPrice":"0"}]})"),
      ResponseResult::positions);
  EXPECT_EQ(count_, 0u);  // not through `out`: the answer can be longer than an order's
  ASSERT_EQ(parser_.position_report_count(), 2u);
  const ExecReport& line = parser_.position_reports()[0];
  EXPECT_EQ(line.kind, ExecKind::position);
  EXPECT_EQ(line.instrument, symbols_.find("BTCUSDT"));
  EXPECT_EQ(line.cum_lots, -250);  // lot 0.001
  EXPECT_DOUBLE_EQ(line.entry_price, 70000.5);
  EXPECT_EQ(parser_.position_reports()[1].kind, ExecKind::positions_end);
  EXPECT_EQ(parser_.position_reports()[1].cum_lots, 1);
  EXPECT_EQ(parser_.counters().foreign_positions, 1u);

  EXPECT_EQ(response(R"({"id":"a2","status":200,"result":[]})"), ResponseResult::positions);
  ASSERT_EQ(parser_.position_report_count(), 1u);  // holds nothing: just the end
  EXPECT_EQ(parser_.position_reports()[0].kind, ExecKind::positions_end);

  EXPECT_EQ(response(R"({"id":"a3","status":200,"result":[)"
                     R"({"symbol":"BTCUSDT","positionAmt":"-0.2505","entryPrice":"1"}]})"),
            ResponseResult::malformed);
  EXPECT_EQ(response(R"({"id":"a4","status":400,"error":{"code":-2015,"msg":"Invalid API-key"}})"),
            ResponseResult::no_report);  // refused: no end, never "flat"
}

TEST_F(BinanceResponseParserTest, DocumentedPlaceReplyIsAnAckAndCarriesRateLimits) {
  // The documented reply answers id "3f7df6e3-...": not our scheme, so no report, but its
  // rateLimits still count.
  EXPECT_EQ(response(read_fixture("order_place_response.json")), ResponseResult::unknown_request);
  EXPECT_EQ(count_, 0u);
  const RateLimitState& limits = parser_.rate_limits();
  ASSERT_EQ(limits.window_count(), 3u);
  EXPECT_EQ(limits.window(0).type, RateLimitType::orders);
  EXPECT_EQ(limits.window(0).interval_ms, 10'000);
  EXPECT_EQ(limits.window(0).limit, 300);
  EXPECT_EQ(limits.window(0).count, 1);
  EXPECT_EQ(limits.window(1).interval_ms, 60'000);
  EXPECT_EQ(limits.window(1).limit, 1200);
  EXPECT_EQ(limits.window(2).type, RateLimitType::request_weight);
  EXPECT_EQ(limits.window(2).limit, 2400);
  EXPECT_EQ(limits.remaining(RateLimitType::orders, kNowMs), 299);

  // The same reply under our id for client order 42.
  std::string ours = read_fixture("order_place_response.json");
  ours.replace(ours.find("3f7df6e3-2df4-44b9-9919-d2f38f90a99a"), 36, "p42");
  ASSERT_EQ(response(ours), ResponseResult::reports);
  ASSERT_EQ(count_, 1u);
  EXPECT_EQ(reports_[0].kind, ExecKind::ack);
  EXPECT_EQ(reports_[0].client_order_id, 42u);
  EXPECT_EQ(reports_[0].instrument, kBtcPerp);
  EXPECT_EQ(reports_[0].side, Side::buy);
  EXPECT_EQ(reports_[0].cum_lots, 0);
  EXPECT_EQ(reports_[0].leaves_lots, 100);  // origQty 0.100 at lot 0.001
}

TEST_F(BinanceResponseParserTest, PlaceReplyStatusesBecomeFillsAndTerminalReports) {
  ASSERT_EQ(response(place_reply("p42", "FILLED", "0.250")), ResponseResult::reports);
  ASSERT_EQ(count_, 1u);
  EXPECT_EQ(reports_[0].kind, ExecKind::fill);
  EXPECT_EQ(reports_[0].last_lots, 250);
  EXPECT_EQ(reports_[0].cum_lots, 250);
  EXPECT_EQ(reports_[0].leaves_lots, 0);
  EXPECT_EQ(reports_[0].last_price_ticks, 700001);
  EXPECT_EQ(reports_[0].side, Side::sell);

  // An IOC that filled part and expired: the fill, then the expiry.
  ASSERT_EQ(response(place_reply("p42", "EXPIRED", "0.100", "70000.15")), ResponseResult::reports);
  ASSERT_EQ(count_, 2u);
  EXPECT_EQ(reports_[0].kind, ExecKind::partial_fill);
  EXPECT_EQ(reports_[0].last_lots, 100);
  EXPECT_EQ(reports_[0].last_price_ticks, 700002);  // 70000.15 rounds to the nearest 0.10
  EXPECT_EQ(parser_.counters().off_tick_prices, 1u);
  EXPECT_EQ(reports_[1].kind, ExecKind::expired);
  EXPECT_EQ(reports_[1].cum_lots, 100);
  EXPECT_EQ(reports_[1].leaves_lots, 0);

  ASSERT_EQ(response(place_reply("p42", "EXPIRED", "0.000", "0.00")), ResponseResult::reports);
  ASSERT_EQ(count_, 1u);
  EXPECT_EQ(reports_[0].kind, ExecKind::expired);

  ASSERT_EQ(response(place_reply("p42", "PARTIALLY_FILLED", "0.050")), ResponseResult::reports);
  ASSERT_EQ(count_, 1u);
  EXPECT_EQ(reports_[0].kind, ExecKind::partial_fill);
  EXPECT_EQ(reports_[0].leaves_lots, 200);

  ASSERT_EQ(response(place_reply("p42", "CANCELED", "0.000", "0")), ResponseResult::reports);
  EXPECT_EQ(reports_[0].kind, ExecKind::canceled);
}

TEST_F(BinanceResponseParserTest, QuantitiesOffTheLotGridAreMalformed) {
  EXPECT_EQ(response(place_reply("p42", "FILLED", "0.2505")), ResponseResult::malformed);
  EXPECT_EQ(parser_.counters().not_whole_lots, 1u);
  EXPECT_EQ(response(place_reply("p42", "FILLED", "0.300")),
            ResponseResult::malformed);  // > origQty
}

TEST_F(BinanceResponseParserTest, StatusCancelAndModifyReplies) {
  ASSERT_EQ(response(place_reply("s42", "PARTIALLY_FILLED", "0.100")), ResponseResult::reports);
  ASSERT_EQ(count_, 1u);
  EXPECT_EQ(reports_[0].kind, ExecKind::status);
  EXPECT_EQ(reports_[0].status, OrderStatus::open);
  EXPECT_EQ(reports_[0].cum_lots, 100);
  EXPECT_EQ(reports_[0].leaves_lots, 150);
  EXPECT_EQ(reports_[0].last_price_ticks, 700001);

  ASSERT_EQ(response(place_reply("s42", "EXPIRED", "0.000", "0")), ResponseResult::reports);
  EXPECT_EQ(reports_[0].status, OrderStatus::expired);
  EXPECT_EQ(reports_[0].last_price_ticks, 0);
  ASSERT_EQ(response(place_reply("s42", "FILLED", "0.250")), ResponseResult::reports);
  EXPECT_EQ(reports_[0].status, OrderStatus::filled);

  ASSERT_EQ(response(place_reply("c42", "CANCELED", "0.100")), ResponseResult::reports);
  EXPECT_EQ(reports_[0].kind, ExecKind::canceled);
  EXPECT_EQ(reports_[0].cum_lots, 100);
  EXPECT_EQ(reports_[0].leaves_lots, 0);

  ASSERT_EQ(response(place_reply("m42", "NEW", "0.000", "0")), ResponseResult::reports);
  EXPECT_EQ(reports_[0].kind, ExecKind::ack);
  EXPECT_EQ(reports_[0].reject_code, 0);
}

TEST_F(BinanceResponseParserTest, ErrorsUseTheRejectCodeScheme) {
  struct Case {
    std::string_view id;
    int code;
    ExecKind kind;
    std::uint16_t reject_code;
  } cases[] = {
      {"p1", -2010, ExecKind::rejected, 0x4000 | 2010},
      {"p1", -1021, ExecKind::rejected, 0x4000 | 1021},
      {"p1", -1022, ExecKind::rejected, 0x4000 | 1022},
      {"p1", -4164, ExecKind::rejected, 0x4000 | 4164},
      {"c1", -2011, ExecKind::ack, 0x8000 | 2011},
      {"m1", -5027, ExecKind::ack, 0x8000 | 5027},
  };
  for (const Case& c : cases) {
    const std::string text = std::string(R"({"id":")") + std::string(c.id) +
                             R"(","status":400,"error":{"code":)" + std::to_string(c.code) +
                             R"(,"msg":"x"}})";
    ASSERT_EQ(response(text), ResponseResult::reports) << text;
    ASSERT_EQ(count_, 1u);
    EXPECT_EQ(reports_[0].kind, c.kind);
    EXPECT_EQ(reports_[0].client_order_id, 1u);
    EXPECT_EQ(reports_[0].reject_code, c.reject_code);
    EXPECT_EQ(binance_error_code(reports_[0].reject_code), c.code);
    EXPECT_EQ(parser_.last_error_code(), c.code);
  }
  EXPECT_FALSE(parser_.rate_limits().backing_off(kNowMs));
  EXPECT_EQ(binance_error_code(binance_reject_code(kBinanceRejectOrder, 0)), 0);
}

TEST_F(BinanceResponseParserTest, DocumentedErrorReplyIsUnknownRequestButCounted) {
  EXPECT_EQ(response(read_fixture("error_response.json")), ResponseResult::unknown_request);
  EXPECT_EQ(parser_.last_error_code(), -1102);
  EXPECT_EQ(parser_.counters().errors, 1u);
  EXPECT_EQ(parser_.rate_limits().remaining(RateLimitType::request_weight, 1702555534435), 5999);
}

TEST_F(BinanceResponseParserTest, StatusQueryForAnOrderTheVenueNeverGotIsUnknown) {
  ASSERT_EQ(
      response(R"({"id":"s9","status":400,"error":{"code":-2013,"msg":"Order does not exist."}})"),
      ResponseResult::reports);
  EXPECT_EQ(reports_[0].kind, ExecKind::status);
  EXPECT_EQ(reports_[0].status, OrderStatus::unknown);
  EXPECT_EQ(reports_[0].client_order_id, 9u);
  // Any other failure of a status query says nothing about the order.
  EXPECT_EQ(
      response(
          R"({"id":"s9","status":400,"error":{"code":-1021,"msg":"Timestamp outside recvWindow"}})"),
      ResponseResult::no_report);
}

TEST_F(BinanceResponseParserTest, RateLimitedReplyBacksOffUntilRetryAfter) {
  std::string text = read_fixture("rate_limited_response.json");
  text.replace(text.find("9d32157c-a556-4d27-9866-66760a174b57"), 36, "p5");
  const std::int64_t now = 1659142907531;
  ASSERT_EQ(response(text, now), ResponseResult::reports);
  EXPECT_EQ(reports_[0].kind, ExecKind::rejected);
  EXPECT_EQ(reports_[0].reject_code, 0x4000 | 1003);
  EXPECT_TRUE(parser_.rate_limits().backing_off(now));
  EXPECT_EQ(parser_.rate_limits().backoff_until_ms(), 1659146400000);
  EXPECT_TRUE(parser_.rate_limits().would_exceed(RateLimitType::orders, 1659146399999));
  EXPECT_FALSE(parser_.rate_limits().would_exceed(RateLimitType::orders, 1659146400000));
  // A 429 without retryAfter backs off for the default.
  ASSERT_EQ(
      response(R"({"id":"p6","status":429,"error":{"code":-1015,"msg":"Too many new orders."}})",
               1659146500000),
      ResponseResult::reports);
  EXPECT_EQ(parser_.rate_limits().backoff_until_ms(),
            1659146500000 + ResponseParserOptions{}.default_backoff_ms);
  EXPECT_EQ(parser_.counters().rate_limited, 2u);
}

TEST(BinanceRateLimitStateTest, CountsWithinAlignedWindowsAndResetsAfter) {
  RateLimitState s;
  EXPECT_EQ(s.remaining(RateLimitType::orders, 0), INT64_MAX);
  const std::int64_t minute = 60'000;
  const std::int64_t t0 = 1000 * minute + 10'000;  // 10 s into a minute
  s.update(RateLimitType::orders, 10'000, 300, 298, t0);
  s.update(RateLimitType::orders, minute, 1200, 5, t0);
  EXPECT_EQ(s.remaining(RateLimitType::orders, t0), 2);
  EXPECT_FALSE(s.would_exceed(RateLimitType::orders, t0, 2));
  s.on_sent(RateLimitType::orders, t0 + 1);
  s.on_sent(RateLimitType::orders, t0 + 2);
  EXPECT_EQ(s.remaining(RateLimitType::orders, t0 + 3), 0);
  EXPECT_TRUE(s.would_exceed(RateLimitType::orders, t0 + 3));
  // The 10 s window restarts at t0 + 10 s (300 left); the minute window still holds 7.
  EXPECT_EQ(s.remaining(RateLimitType::orders, t0 + 10'000), 300);
  s.update(RateLimitType::orders, minute, 1200, 1100, t0 + 10'000);
  EXPECT_EQ(s.remaining(RateLimitType::orders, t0 + 10'000), 100);    // now the minute binds
  EXPECT_EQ(s.remaining(RateLimitType::orders, 1001 * minute), 300);  // both windows restarted
  EXPECT_FALSE(s.would_exceed(RateLimitType::orders, t0 + 10'000));
  EXPECT_EQ(s.remaining(RateLimitType::request_weight, t0), INT64_MAX);
  // A new report replaces our own count.
  s.update(RateLimitType::orders, minute, 1200, 50, t0 + 20'000);
  s.update(RateLimitType::orders, 10'000, 300, 290, t0 + 20'000);
  EXPECT_EQ(s.remaining(RateLimitType::orders, t0 + 20'000), 10);
}

TEST_F(BinanceResponseParserTest, ListenKeyAndDepthRepliesProduceNoReport) {
  ASSERT_EQ(
      response(
          R"({"id":"u0","status":200,"result":{"listenKey":"xs0mRXdAKlIPDRFrlPcw0qI41Eh3ixNntmymGyhrhgqo7L6FuLaWArTD7RLP"},"rateLimits":[]})"),
      ResponseResult::no_report);
  EXPECT_EQ(parser_.listen_key(), "xs0mRXdAKlIPDRFrlPcw0qI41Eh3ixNntmymGyhrhgqo7L6FuLaWArTD7RLP");
  EXPECT_EQ(response(read_fixture("depth_snapshot.json")), ResponseResult::unknown_request);
  std::string ours = read_fixture("depth_snapshot.json");
  ours.replace(ours.find("51e2affb-0aba-4821-ba75-f2625006eb43"), 36, "d1");
  EXPECT_EQ(response(ours), ResponseResult::no_report);
}

// Issue 14, item 8: the listenKey went into the user stream's path unvalidated.
TEST_F(BinanceResponseParserTest, ListenKeyThatIsNotLettersAndDigitsIsMalformed) {
  for (const char* key : {"../../admin", "abc?x=1", "abc def", "abc%2F", "a/b", ""}) {
    const std::string text = std::string(R"({"id":"u0","status":200,"result":{"listenKey":")") +
                             key + R"("},"rateLimits":[]})";
    EXPECT_EQ(response(text), ResponseResult::malformed) << key;
  }
}

TEST_F(BinanceResponseParserTest, DocumentedOrderTradeUpdateIsAForeignOrder) {
  // The docs' example has clientOrderId "TEST": not an id we issue.
  EXPECT_EQ(user_data(read_fixture("order_trade_update_doc.json")), ResponseResult::no_report);
  EXPECT_EQ(parser_.counters().foreign_orders, 1u);
}

TEST_F(BinanceResponseParserTest, OrderTradeUpdateTradeBecomesAPartialFillWithFee) {
  ASSERT_EQ(user_data(read_fixture("order_trade_update_trade.json")), ResponseResult::reports);
  ASSERT_EQ(count_, 1u);
  const ExecReport& r = reports_[0];
  EXPECT_EQ(r.kind, ExecKind::partial_fill);
  EXPECT_EQ(r.client_order_id, 4200001u);
  EXPECT_EQ(r.instrument, kBtcPerp);
  EXPECT_EQ(r.side, Side::sell);
  EXPECT_EQ(r.last_lots, 100);
  EXPECT_EQ(r.cum_lots, 100);
  EXPECT_EQ(r.leaves_lots, 150);
  EXPECT_EQ(r.last_price_ticks, 700106);  // 70010.55 -> nearest 0.10, half away from zero
  EXPECT_DOUBLE_EQ(r.fee, 2.800422);
  EXPECT_EQ(parser_.counters().off_tick_prices, 1u);
}

TEST_F(BinanceResponseParserTest, OrderTradeUpdateExecutionTypes) {
  auto event = [](std::string_view x, std::string_view status, std::string_view l,
                  std::string_view z, std::string_view fee_asset = "USDT") {
    return std::string(
               R"({"e":"ORDER_TRADE_UPDATE","E":1,"T":1,"o":{"s":"ETHUSDT","c":"77","S":"BUY","o":"LIMIT","f":"IOC","q":"1.000","p":"2000.00","ap":"0","sp":"0","x":")") +
           std::string(x) + R"(","X":")" + std::string(status) + R"(","i":1,"l":")" +
           std::string(l) + R"(","z":")" + std::string(z) + R"(","L":"2000.01","N":")" +
           std::string(fee_asset) + R"(","n":"0.5","T":1,"t":1}})";
  };
  ASSERT_EQ(user_data(event("NEW", "NEW", "0", "0")), ResponseResult::reports);
  EXPECT_EQ(reports_[0].kind, ExecKind::ack);
  EXPECT_EQ(reports_[0].leaves_lots, 1000);
  ASSERT_EQ(user_data(event("TRADE", "FILLED", "1.000", "1.000")), ResponseResult::reports);
  EXPECT_EQ(reports_[0].kind, ExecKind::fill);
  EXPECT_EQ(reports_[0].last_price_ticks, 200001);
  EXPECT_DOUBLE_EQ(reports_[0].fee, 0.5);
  ASSERT_EQ(user_data(event("TRADE", "FILLED", "1.000", "1.000", "BNB")), ResponseResult::reports);
  EXPECT_EQ(reports_[0].fee, 0.0);
  EXPECT_EQ(parser_.counters().fee_other_asset, 1u);
  ASSERT_EQ(user_data(event("CANCELED", "CANCELED", "0", "0.400")), ResponseResult::reports);
  EXPECT_EQ(reports_[0].kind, ExecKind::canceled);
  EXPECT_EQ(reports_[0].cum_lots, 400);
  ASSERT_EQ(user_data(event("EXPIRED", "EXPIRED", "0", "0")), ResponseResult::reports);
  EXPECT_EQ(reports_[0].kind, ExecKind::expired);
  EXPECT_EQ(user_data(event("CALCULATED", "FILLED", "1.000", "1.000")),
            ResponseResult::unsupported);
  EXPECT_EQ(user_data(event("TRADE", "FILLED", "0.0005", "1.000")), ResponseResult::malformed);
  EXPECT_EQ(user_data(R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{}})"), ResponseResult::no_report);
  EXPECT_EQ(user_data(R"({"e":"MARGIN_CALL","E":1})"), ResponseResult::unsupported);
}

// Funding on a cross position: Binance pushes the balance change alone (no P).
TEST_F(BinanceResponseParserTest, FundingFeeBalanceChangeBecomesFunding) {
  ASSERT_EQ(user_data(read_fixture("account_update_funding.json")), ResponseResult::reports);
  ASSERT_EQ(count_, 1u);
  EXPECT_EQ(reports_[0].kind, ExecKind::funding);
  EXPECT_DOUBLE_EQ(reports_[0].fee, 0.525);  // bc -0.525 USDT: paid
  EXPECT_EQ(reports_[0].instrument, kNoInstrument);
  EXPECT_EQ(parser_.counters().funding_events, 1u);
  // An isolated position's funding names it; funding received is a negative fee.
  ASSERT_EQ(
      user_data(
          R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"1","cw":"0","bc":"0.25"}],"P":[{"s":"ETHUSDT","pa":"1.000","ep":"2000","cr":"0","up":"0","mt":"isolated","iw":"10","ps":"BOTH"}]}})"),
      ResponseResult::reports);
  EXPECT_EQ(reports_[0].instrument, kEthPerp);
  EXPECT_DOUBLE_EQ(reports_[0].fee, -0.25);
  // Funding in an asset we do not trade against is not ours to book.
  EXPECT_EQ(
      user_data(
          R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"m":"FUNDING_FEE","B":[{"a":"BUSD","wb":"1","cw":"0","bc":"-1"}],"P":[]}})"),
      ResponseResult::no_report);
  EXPECT_EQ(
      user_data(
          R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"1","cw":"0","bc":"x"}],"P":[]}})"),
      ResponseResult::malformed);
  EXPECT_EQ(
      user_data(R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"m":"FUNDING_FEE","B":{},"P":[]}})"),
      ResponseResult::malformed);
}

// The documented ACCOUNT_UPDATE (reason ORDER): balances and positions that the fills
// already told the engine about.
TEST_F(BinanceResponseParserTest, DocumentedAccountUpdateForAnOrderReportsNothing) {
  EXPECT_EQ(user_data(read_fixture("account_update_doc.json")), ResponseResult::no_report);
  EXPECT_EQ(count_, 0u);
}

TEST_F(BinanceResponseParserTest, GarbageIsMalformed) {
  for (const char* text : {"", "{", "[]", R"({"id":"p1"})", R"({"id":"p1","status":200})",
                           R"({"id":"p1","status":400,"error":{"msg":"no code"}})"}) {
    EXPECT_EQ(response(text), ResponseResult::malformed) << text;
    EXPECT_EQ(count_, 0u);
  }
}

}  // namespace
}  // namespace ballast::binance::response_parser_test
