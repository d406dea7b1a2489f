// The signed WebSocket API requests: Binance's documented HMAC example, the sorted-params
// signature payload, exact decimals at the instrument's precision, and each method's shape.
#include "ballast/binance/order_encoder.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <map>
#include <random>
#include <string>

#include "ballast/binance/hmac_signer.hpp"
#include "binance_test_support.hpp"

namespace ballast::binance::order_encoder_test {
namespace {

using namespace ballast::binance::testing;

// The key pair of Binance's documented signing example.
constexpr std::string_view kDocApiKey =
    "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83";
constexpr std::string_view kDocSecret =
    "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";

std::string openssl_hmac_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string sign_hex(const HmacSha256Signer& signer, std::string_view payload) {
  std::string out(HmacSha256Signer::kHexLength, '?');
  signer.sign_hex(payload, out.data());
  return out;
}

// Binance USDⓈ-M Futures docs, General Info, "SIGNED Endpoint Examples for POST
// /fapi/v1/order - HMAC Keys"
// (https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info):
//   echo -n
//   "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943"
//     | openssl dgst -sha256 -hmac
//     "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
//   (stdin)= 3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9
TEST(BinanceSignatureTest, MatchesTheDocumentedHmacExample) {
  const HmacSha256Signer signer(kDocSecret);
  EXPECT_EQ(sign_hex(signer,
                     "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&"
                     "recvWindow=5000&timestamp=1591702613943"),
            "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
  // Example 3 of the same page: the payload without '&' between GTC and quantity.
  EXPECT_EQ(sign_hex(signer,
                     "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=9000&"
                     "recvWindow=5000&timestamp= 1591702613943"),
            "f9d0ae5e813ef6ccf15c2b5a434047a0181cb5a342b903b367ca6d27a66e36f2");
}

TEST(BinanceSignatureTest, PrecomputedStatesAgreeWithOpenSslHmacForAnyKeyLength) {
  std::mt19937 rng(7);
  for (std::size_t key_len : {0u, 1u, 32u, 63u, 64u, 65u, 200u}) {
    std::string key(key_len, '\0');
    for (char& c : key) c = static_cast<char>('a' + rng() % 26);
    const HmacSha256Signer signer(key);
    for (std::size_t data_len : {0u, 1u, 55u, 56u, 64u, 300u}) {
      std::string data(data_len, '\0');
      for (char& c : data) c = static_cast<char>(' ' + rng() % 90);
      EXPECT_EQ(sign_hex(signer, data), openssl_hmac_hex(key, data)) << key_len << "/" << data_len;
    }
  }
}

class BinanceOrderEncoderTest : public ::testing::Test {
 protected:
  BinanceOrderEncoderTest() {
    credentials_.api_key = std::string(kDocApiKey);
    credentials_.api_secret = ApiSecret(kDocSecret);
  }
  Universe universe_ = make_test_universe();
  BinanceSymbolMap symbols_{universe_, kBinanceVenue};
  ApiCredentials credentials_;
  char out_[BinanceOrderEncoder::kMaxRequestBytes];

  static OrderRequest order(InstrumentId id, Side side, std::int64_t lots, std::int64_t ticks,
                            std::uint64_t client_id) {
    OrderRequest o;
    o.instrument = id;
    o.side = side;
    o.lots = lots;
    o.limit_ticks = ticks;
    o.client_order_id = client_id;
    return o;
  }
};

TEST_F(BinanceOrderEncoderTest, SignsParametersSortedByName) {
  BinanceOrderEncoder encoder(symbols_, credentials_);
  const std::size_t n = encoder.encode_place(order(kBtcPerp, Side::sell, 250, 700001, 42),
                                             1702555533821, out_, sizeof out_);
  ASSERT_GT(n, 0u);
  const std::string expected_payload =
      std::string("apiKey=") + std::string(kDocApiKey) +
      "&newClientOrderId=42&newOrderRespType=RESULT&price=70000.10&quantity=0.250&recvWindow=5000"
      "&side=SELL&symbol=BTCUSDT&timeInForce=IOC&timestamp=1702555533821&type=LIMIT";
  EXPECT_EQ(encoder.last_signature_payload(), expected_payload);
  const std::string signature = openssl_hmac_hex(kDocSecret, expected_payload);
  const std::string expected_json =
      R"({"id":"p42","method":"order.place","params":{"apiKey":")" + std::string(kDocApiKey) +
      R"(","newClientOrderId":"42","newOrderRespType":"RESULT","price":"70000.10","quantity":"0.250",)"
      R"("recvWindow":5000,"side":"SELL","symbol":"BTCUSDT","timeInForce":"IOC","timestamp":1702555533821,)"
      R"("type":"LIMIT","signature":")" +
      signature + R"("}})";
  EXPECT_EQ(std::string(out_, n), expected_json);
}

TEST_F(BinanceOrderEncoderTest, ReduceOnlyAndGtcAreSignedToo) {
  BinanceOrderEncoder encoder(symbols_, credentials_, {3000, BinanceTimeInForce::gtc});
  ASSERT_GT(encoder.encode_place(order(kEthPerp, Side::buy, 1, 1, 7), 5, out_, sizeof out_, true),
            0u);
  EXPECT_EQ(
      encoder.last_signature_payload(),
      std::string("apiKey=") + std::string(kDocApiKey) +
          "&newClientOrderId=7&newOrderRespType=RESULT&price=0.01&quantity=0.001&recvWindow=3000"
          "&reduceOnly=true&side=BUY&symbol=ETHUSDT&timeInForce=GTC&timestamp=5&type=LIMIT");
}

TEST_F(BinanceOrderEncoderTest, WritesDecimalsAtTheInstrumentPrecision) {
  BinanceOrderEncoder encoder(symbols_, credentials_);
  struct Case {
    InstrumentId id;
    std::int64_t lots, ticks;
    const char* quantity;
    const char* price;
  } cases[] = {
      {kBtcPerp, 1, 1, "quantity=0.001", "price=0.10"},
      {kBtcPerp, 1000, 899911, "quantity=1.000", "price=89991.10"},
      {kBtcDated, 123456, 700005, "quantity=123.456", "price=70000.5"},
      {kBnbPerp, 3, 25352, "quantity=0.03", "price=25.3520"},  // tick 0.0010: four places kept
  };
  for (const Case& c : cases) {
    ASSERT_GT(
        encoder.encode_place(order(c.id, Side::buy, c.lots, c.ticks, 1), 1, out_, sizeof out_), 0u);
    const std::string payload(encoder.last_signature_payload());
    EXPECT_NE(payload.find(c.quantity), std::string::npos) << payload;
    EXPECT_NE(payload.find(c.price), std::string::npos) << payload;
  }
}

TEST_F(BinanceOrderEncoderTest, ListenKeyPingIsUnsignedWithItsOwnId) {
  BinanceOrderEncoder encoder(symbols_, credentials_);
  const std::size_t n = encoder.encode_user_data_stream_ping(out_, sizeof out_);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(std::string(out_, n),
            R"({"id":"u1","method":"userDataStream.ping","params":{"apiKey":")" +
                std::string(kDocApiKey) + R"("}})");
  const auto id = parse_request_id("u1");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->kind, BinanceRequestKind::user_data_stream_start);
  EXPECT_EQ(id->value, 1u);
}

// Ballast counts lots of contracts; Binance USDⓈ-M quantities are in the base asset. A
// perpetual of 0.001 BTC contracts traded in whole contracts puts 214 lots on the wire as
// 0.214 BTC, and reads 0.214 back as 214 lots.
TEST(BinanceSymbolMapTest, ContractSizeScalesTheWireQuantity) {
  Universe u = make_test_universe();
  InstrumentSpec& perp = u.instruments[kBtcPerp];
  perp.lot_size = Decimal{1, 0};
  perp.contract_size = Decimal{1, 3};
  perp.derive();
  BinanceSymbolMap symbols(u, kBinanceVenue);
  EXPECT_EQ(symbols.lot_size(kBtcPerp), (Decimal{1, 3}));
  ApiCredentials credentials;
  credentials.api_key = "k";
  credentials.api_secret = ApiSecret("s");
  BinanceOrderEncoder encoder(symbols, credentials);
  OrderRequest o;
  o.instrument = kBtcPerp;
  o.lots = 214;
  o.limit_ticks = 700001;
  o.client_order_id = 1;
  char out[BinanceOrderEncoder::kMaxRequestBytes];
  ASSERT_GT(encoder.encode_place(o, 1, out, sizeof out), 0u);
  EXPECT_NE(encoder.last_signature_payload().find("&quantity=0.214&"), std::string_view::npos)
      << encoder.last_signature_payload();
}

TEST_F(BinanceOrderEncoderTest, RefusesWhatCannotBeEncoded) {
  BinanceOrderEncoder encoder(symbols_, credentials_);
  EXPECT_EQ(encoder.encode_place(order(kBtcPerp, Side::buy, 0, 1, 1), 1, out_, sizeof out_), 0u);
  EXPECT_EQ(encoder.encode_place(order(kBtcPerp, Side::buy, 1, -5, 1), 1, out_, sizeof out_), 0u);
  EXPECT_EQ(encoder.encode_place(order(0, Side::buy, 1, 1, 1), 1, out_, sizeof out_),
            0u);  // spot
  const std::size_t full =
      encoder.encode_place(order(kBtcPerp, Side::buy, 1, 1, 1), 1, out_, sizeof out_);
  ASSERT_GT(full, 0u);
  EXPECT_EQ(encoder.encode_place(order(kBtcPerp, Side::buy, 1, 1, 1), 1, out_, full - 1), 0u);
  EXPECT_EQ(encoder.encode_place(order(kBtcPerp, Side::buy, 1, 1, 1), 1, out_, full), full);
}

TEST_F(BinanceOrderEncoderTest, CancelModifyStatusAndUnsignedRequests) {
  BinanceOrderEncoder encoder(symbols_, credentials_);
  std::size_t n = encoder.encode_cancel(42, kBtcPerp, 9, out_, sizeof out_);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(encoder.last_signature_payload(),
            std::string("apiKey=") + std::string(kDocApiKey) +
                "&origClientOrderId=42&recvWindow=5000&symbol=BTCUSDT&timestamp=9");
  EXPECT_EQ(std::string(out_, 40), R"({"id":"c42","method":"order.cancel","par)");

  n = encoder.encode_modify(order(kBtcDated, Side::buy, 5, 700000, 43), 9, out_, sizeof out_);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(encoder.last_signature_payload(),
            std::string("apiKey=") + std::string(kDocApiKey) +
                "&origClientOrderId=43&price=70000.0&quantity=0.005&recvWindow=5000&side=BUY&"
                "symbol=BTCUSDT_261225&timestamp=9");
  EXPECT_NE(std::string(out_, n).find(R"("id":"m43","method":"order.modify")"), std::string::npos);

  n = encoder.encode_status(44, kEthPerp, 9, out_, sizeof out_);
  ASSERT_GT(n, 0u);
  EXPECT_NE(std::string(out_, n).find(R"("id":"s44","method":"order.status")"), std::string::npos);

  n = encoder.encode_depth_request(kBtcPerp, 1000, out_, sizeof out_);
  EXPECT_EQ(std::string(out_, n),
            R"({"id":"d1","method":"depth","params":{"limit":1000,"symbol":"BTCUSDT"}})");
  EXPECT_EQ(encoder.encode_depth_request(kBtcPerp, 7, out_, sizeof out_), 0u);

  n = encoder.encode_user_data_stream_start(out_, sizeof out_);
  EXPECT_EQ(std::string(out_, n),
            R"({"id":"u0","method":"userDataStream.start","params":{"apiKey":")" +
                std::string(kDocApiKey) + R"("}})");
}

TEST_F(BinanceOrderEncoderTest, PlaceRequestHasTheDocumentedShape) {
  // tests/data/binance/order_place_request.json: the docs' order.place example. Every
  // parameter it sends, we send with the same JSON kind, except quantity (the example
  // writes a number; the parameter is DECIMAL, which we always send as a string, as the
  // example itself does for price). We add newClientOrderId, newOrderRespType,
  // recvWindow; positionSide BOTH is the one-way-mode default and is left out.
  simdjson::dom::parser dom;
  const std::string fixture = read_fixture("order_place_request.json");
  simdjson::dom::element doc_example;
  ASSERT_EQ(dom.parse(fixture).get(doc_example), simdjson::SUCCESS);
  std::map<std::string, simdjson::dom::element_type> documented;
  simdjson::dom::object documented_params;
  ASSERT_EQ(doc_example["params"].get(documented_params), simdjson::SUCCESS);
  for (auto field : documented_params) documented[std::string(field.key)] = field.value.type();
  std::string_view method;
  ASSERT_EQ(doc_example["method"].get(method), simdjson::SUCCESS);
  EXPECT_EQ(method, "order.place");

  BinanceOrderEncoder encoder(symbols_, credentials_, {5000, BinanceTimeInForce::gtc});
  const std::size_t n = encoder.encode_place(order(kBtcPerp, Side::buy, 100, 431870, 1),
                                             1702555533821, out_, sizeof out_);
  simdjson::dom::parser ours_parser;
  simdjson::dom::element ours;
  ASSERT_EQ(ours_parser.parse(out_, n).get(ours), simdjson::SUCCESS);
  std::map<std::string, simdjson::dom::element_type> sent;
  simdjson::dom::object sent_params;
  ASSERT_EQ(ours["params"].get(sent_params), simdjson::SUCCESS);
  for (auto field : sent_params) sent[std::string(field.key)] = field.value.type();
  for (const auto& [key, type] : documented) {
    if (key == "positionSide") continue;
    ASSERT_TRUE(sent.count(key)) << key;
    if (key == "quantity") {
      EXPECT_EQ(sent[key], simdjson::dom::element_type::STRING);
      continue;
    }
    EXPECT_EQ(sent[key], type) << key;
  }
  std::string_view text;
  ASSERT_EQ(sent_params["price"].get(text), simdjson::SUCCESS);
  EXPECT_EQ(text, "43187.00");
  ASSERT_EQ(sent_params["quantity"].get(text), simdjson::SUCCESS);
  EXPECT_EQ(text, "0.100");
  ASSERT_EQ(sent_params["timeInForce"].get(text), simdjson::SUCCESS);
  EXPECT_EQ(text, "GTC");
}

TEST(BinanceRequestIdTest, RoundTripsAndRejectsOthers) {
  char buf[kMaxRequestIdLength + 1];
  const BinanceRequestId id{BinanceRequestKind::status, 18446744073709551615ULL};
  const std::size_t n = write_request_id(id, buf, sizeof buf);
  ASSERT_EQ(n, kMaxRequestIdLength);
  const auto back = parse_request_id(std::string_view(buf, n));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->kind, BinanceRequestKind::status);
  EXPECT_EQ(back->value, id.value);
  for (const char* bad : {"", "p", "x12", "p-1", "p12a", "3f7df6e3-2df4-44b9-9919-d2f38f90a99a",
                          "p184467440737095516150"})
    EXPECT_FALSE(parse_request_id(bad)) << bad;
}

}  // namespace
}  // namespace ballast::binance::order_encoder_test
