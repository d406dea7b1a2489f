// VenueWsServer over real sockets on 127.0.0.1 (plain and TLS), driven by an independent
// Beast client (ws_test_client.hpp): market streams and their shapes, the depth chain and
// snapshot, SUBSCRIBE, signed orders and the user-data stream, Binance's error codes,
// cancel/modify/status, the `drop` fault, and Binance's documented signature example.
#include "venue_ws_server.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../common/loopback.hpp"
#include "../common/perp_universe.hpp"
#include "../common/temp_dir.hpp"
#include "ws_protocol.hpp"
#include "ws_test_client.hpp"

namespace ballast::venue {
namespace {

using testing::Json;
using testing::num;
using testing::P;
using testing::request;
using testing::str;
using testing::WsClient;
namespace fs = std::filesystem;

constexpr std::int64_t kT0 = 1'790'000'000'000'000'000;  // 2026-09-21, Unix ns
const std::string kKey = "test-key-0123456789";
const std::string kSecret = "test-secret-abcdefghijklmnopqrstuvwxyz";

// BTCUSDT-PERP as the demo lists it: contracts of 0.001 BTC, lots of one contract, ticks
// of 0.1; so Binance quantities are BTC in steps of 0.001.
Universe ws_universe() {
  Universe u;
  u.base_currency = u.intern_asset("USDT");
  InstrumentSpec s = testing::usdt_perp(u, "BTCUSDT-PERP", "BTC", 60);
  s.contract_size = Decimal{1, 3};
  s.lot_size = Decimal{1, 0};
  s.max_order_qty = Decimal{0, 0};
  s.min_notional = 5.0;
  s.derive();
  u.instruments.push_back(s);
  InstrumentSpec spot;  // not a USDⓈ-M product: never listed
  spot.symbol = "BTCUSDT";
  spot.kind = InstrumentKind::spot;
  spot.base = s.base;
  spot.quote = u.base_currency;
  spot.lot_size = Decimal{1, 5};
  spot.tick_size = Decimal{1, 2};
  spot.derive();
  u.instruments.push_back(spot);
  return u;
}

SimulationConfig sim_config() {
  SimulationConfig c;
  c.prices.assets = {AssetWalkConfig{"BTC", 50'000.0, 0.8, 0.0, 0.0, 0.0, 0.0}};
  c.prices.seed = 7;
  c.prices.start_ns = kT0;
  c.quotes.levels = 5;
  c.quotes.half_spread_bps = 2.0;
  c.quotes.lots_per_level = 1000;  // 1 BTC a level
  return c;
}

class VenueWsServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start(VenueWsServerOptions{}); }
  void TearDown() override {
    server_.reset();
    sim_.reset();
  }

  void start(VenueWsServerOptions o) {
    server_.reset();
    sim_ = std::make_unique<VenueSimulation>(universe_, sim_config());
    o.credentials.push_back({kKey, kSecret, "BALLAST"});
    o.client_account = AccountConfig{"", 1e6, false, true};  // margin checked, as Binance
    o.md_interval_ms = 0.0;                                  // every step publishes
    server_ = std::make_unique<VenueWsServer>(*sim_, o);
    server_->start();
  }

  void step(std::int64_t dt_ns = 100'000'000) {
    now_ += dt_ns;
    server_->step_to(now_);
  }

  WsClient& api() {
    if (!api_) api_ = std::make_unique<WsClient>(server_->port(), "/ws-fapi/v1");
    return *api_;
  }

  // Sends a request on the API connection and returns the reply with that id.
  std::string call(const std::string& text, const std::string& id) {
    api().send(text);
    auto r = api().read_until(
        [&](const std::string& m) { return m.find("\"id\":" + id + ",") != std::string::npos; });
    return r.value_or("<no reply>");
  }

  // The book's best prices from a depth request: {bid, ask} as text.
  std::pair<std::string, std::string> best() {
    const std::string r =
        call(request("900", "depth", {{"symbol", "BTCUSDT"}, {"limit", "5", false}}), "900");
    Json j(r);
    simdjson::dom::array bids, asks;
    EXPECT_EQ(j["result"]["bids"].get(bids), simdjson::SUCCESS) << r;
    EXPECT_EQ(j["result"]["asks"].get(asks), simdjson::SUCCESS) << r;
    return {str(bids.at(0).at(0)), str(asks.at(0).at(0))};
  }

  std::string place(const std::string& id, std::vector<P> params,
                    const std::string& secret = kSecret, std::int64_t ts = 0,
                    const std::string& key = kKey) {
    return call(request(id, "order.place", std::move(params), key, secret, ts), id);
  }

  std::string listen_key() {
    Json j(call(request("800", "userDataStream.start", {}, kKey), "800"));
    return str(j["result"]["listenKey"]);
  }

  Universe universe_ = ws_universe();
  std::unique_ptr<VenueSimulation> sim_;
  std::unique_ptr<VenueWsServer> server_;
  std::unique_ptr<WsClient> api_;
  std::int64_t now_ = kT0;
};

void expect_error(const std::string& reply, int status, int code) {
  Json j(reply);
  ASSERT_TRUE(j.ok()) << reply;
  EXPECT_EQ(num(j["status"]), status) << reply;
  EXPECT_EQ(num(j["error"]["code"]), code) << reply;
  EXPECT_NE(str(j["error"]["msg"]), "<not a string>") << reply;
  simdjson::dom::array limits;
  ASSERT_EQ(j["rateLimits"].get(limits), simdjson::SUCCESS) << reply;
  ASSERT_EQ(limits.size(), 2u);
  EXPECT_EQ(str(limits.at(0)["rateLimitType"]), "REQUEST_WEIGHT");
  EXPECT_EQ(str(limits.at(1)["rateLimitType"]), "ORDERS");
}

TEST(VenueWsProtocolTest, BinanceDocumentedSignatureExample) {
  // Binance's HMAC example (WebSocket API docs, "SIGNED request example (HMAC)"): the
  // payload sorted by name, values as sent, and the documented signature.
  const std::string key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
  const std::string secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
  std::vector<ws::Param> params = {{"symbol", "BTCUSDT", true},
                                   {"side", "SELL", true},
                                   {"type", "LIMIT", true},
                                   {"timeInForce", "GTC", true},
                                   {"quantity", "0.01000000", true},
                                   {"price", "52000.00", true},
                                   {"newOrderRespType", "ACK", true},
                                   {"recvWindow", "100", false},
                                   {"timestamp", "1645423376532", false},
                                   {"apiKey", key, true},
                                   {"signature", "ignored", true}};
  const std::string payload = ws::signature_payload(params);
  EXPECT_EQ(payload, "apiKey=" + key +
                         "&newOrderRespType=ACK&price=52000.00&quantity=0.01000000&recvWindow=100"
                         "&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532"
                         "&type=LIMIT");
  EXPECT_EQ(ws::hmac_sha256_hex(secret, payload),
            "cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a");
  EXPECT_TRUE(
      ws::signature_equal("CC15477742BD704C29492D96C7EAD9414DFD8E0EC4A00F947BB5BB454DDBD08A",
                          "cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a"));
  EXPECT_EQ(ws::binance_symbol(ws_universe().instruments[0]), "BTCUSDT");
  EXPECT_EQ(ws::binance_symbol(ws_universe().instruments[1]), "");  // spot: not listed
  InstrumentSpec dated = ws_universe().instruments[0];
  dated.symbol = "BTCUSDT-261225";
  dated.kind = InstrumentKind::future;
  EXPECT_EQ(ws::binance_symbol(dated), "BTCUSDT_261225");
}

TEST_F(VenueWsServerTest, VerifiesBinanceDocumentedSignatureExampleOverTheWire) {
  // The documented request itself, sent to a server holding the documented key: the
  // signature verifies, so what refuses it is its 2022 timestamp (-1021), not -1022.
  const std::string key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
  const std::string secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
  VenueWsServerOptions o;
  o.credentials.push_back({key, secret, "DOC"});
  start(o);
  const std::string doc =
      "{\"id\":\"4885f793-e5ad-4c3b-8f6c-55d891472b71\",\"method\":\"order.place\",\"params\":{"
      "\"symbol\":\"BTCUSDT\",\"side\":\"SELL\",\"type\":\"LIMIT\",\"timeInForce\":\"GTC\","
      "\"quantity\":\"0.01000000\",\"price\":\"52000.00\",\"newOrderRespType\":\"ACK\","
      "\"recvWindow\":100,\"timestamp\":1645423376532,\"apiKey\":\"" +
      key +
      "\","
      "\"signature\":\"cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a\"}}";
  const std::string id = "\"4885f793-e5ad-4c3b-8f6c-55d891472b71\"";
  expect_error(call(doc, id), 400, -1021);
  std::string tampered = doc;
  tampered.replace(tampered.find("cc154777"), 8, "cc154778");
  expect_error(call(tampered, id), 401, -1022);
}

TEST_F(VenueWsServerTest, CombinedStreamsArriveWithBinanceShapes) {
  WsClient md(server_->port(),
              "/stream?streams=btcusdt@bookTicker/btcusdt@markPrice@1s/btcusdt@depth@100ms");
  ASSERT_TRUE(md.ok()) << md.error();
  std::map<std::string, int> seen;
  for (int n = 0; n < 20 && seen.size() < 3; ++n) {
    step();
    while (auto m = md.read(std::chrono::milliseconds(200))) {
      Json j(*m);
      ASSERT_TRUE(j.ok()) << *m;
      const std::string stream = str(j["stream"]);
      const auto d = j["data"];
      ++seen[stream];
      if (stream == "btcusdt@bookTicker") {
        EXPECT_EQ(str(d["e"]), "bookTicker");
        EXPECT_EQ(str(d["s"]), "BTCUSDT");
        EXPECT_GT(num(d["u"]), 0);
        EXPECT_GT(num(d["E"]), 0);
        EXPECT_GT(num(d["T"]), 0);
        const std::string b = str(d["b"]), a = str(d["a"]);
        // Tick 0.1: exactly one decimal; quantity step 0.001: three.
        ASSERT_NE(b.find('.'), std::string::npos) << *m;
        EXPECT_EQ(b.size() - b.find('.'), 2u) << *m;
        EXPECT_EQ(str(d["B"]).size() - str(d["B"]).find('.'), 4u) << *m;
        EXPECT_LT(std::stod(b), std::stod(a));
      } else if (stream == "btcusdt@markPrice@1s") {
        EXPECT_EQ(str(d["e"]), "markPriceUpdate");
        EXPECT_EQ(str(d["s"]), "BTCUSDT");
        EXPECT_NEAR(std::stod(str(d["p"])), 50'000.0, 5'000.0);
        EXPECT_NE(str(d["i"]), "<not a string>");
        EXPECT_NE(str(d["P"]), "<not a string>");
        EXPECT_NE(str(d["r"]), "<not a string>");
        EXPECT_GT(num(d["T"]), kT0 / 1'000'000);  // next funding, simulated clock
      } else if (stream == "btcusdt@depth@100ms") {
        EXPECT_EQ(str(d["e"]), "depthUpdate");
        EXPECT_EQ(str(d["s"]), "BTCUSDT");
        EXPECT_EQ(num(d["u"]) >= num(d["U"]), true);
        simdjson::dom::array b;
        EXPECT_EQ(d["b"].get(b), simdjson::SUCCESS);
      } else {
        ADD_FAILURE() << "unexpected stream " << stream;
      }
    }
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_GT(server_->counters().md_messages, 0u);
}

TEST_F(VenueWsServerTest, DepthChainHoldsAndSnapshotMatchesTheStream) {
  WsClient raw(server_->port(), "/ws/btcusdt@depth@100ms");
  ASSERT_TRUE(raw.ok()) << raw.error();
  step();
  // Snapshot, then apply the events after it (Binance's "manage a local order book").
  const std::string snap =
      call(request("1", "depth", {{"symbol", "BTCUSDT"}, {"limit", "1000", false}}), "1");
  Json s(snap);
  ASSERT_EQ(num(s["status"]), 200) << snap;
  const std::int64_t last_id = num(s["result"]["lastUpdateId"]);
  std::map<double, std::string> bids, asks;
  auto load = [](simdjson::dom::element side, std::map<double, std::string>& book) {
    for (auto lv : side.get_array()) {
      const std::string q = str(lv.at(1));
      if (std::stod(q) == 0.0)
        book.erase(std::stod(str(lv.at(0))));
      else
        book[std::stod(str(lv.at(0)))] = q;
    }
  };
  load(s["result"]["bids"], bids);
  load(s["result"]["asks"], asks);
  ASSERT_FALSE(bids.empty());
  std::int64_t prev_u = -1;
  int applied = 0;
  for (int n = 0; n < 40; ++n) {
    step();
    while (auto m = raw.read(std::chrono::milliseconds(100))) {
      Json j(*m);
      ASSERT_EQ(str(j["e"]), "depthUpdate") << *m;  // raw: no {"stream":..} wrapper
      const std::int64_t U = num(j["U"]), u = num(j["u"]), pu = num(j["pu"]);
      if (prev_u >= 0) {
        EXPECT_EQ(pu, prev_u) << *m;
        EXPECT_EQ(U, prev_u + 1) << *m;
      }
      EXPECT_GE(u, U);
      prev_u = u;
      if (u <= last_id) continue;  // in the snapshot already
      load(j["b"], bids);
      load(j["a"], asks);
      ++applied;
    }
  }
  EXPECT_GT(applied, 5);
  // The book built from snapshot + stream equals a fresh snapshot.
  const std::string end =
      call(request("2", "depth", {{"symbol", "BTCUSDT"}, {"limit", "1000", false}}), "2");
  Json e(end);
  EXPECT_EQ(num(e["result"]["lastUpdateId"]), prev_u);
  std::map<double, std::string> bids2, asks2;
  load(e["result"]["bids"], bids2);
  load(e["result"]["asks"], asks2);
  EXPECT_EQ(bids, bids2);
  EXPECT_EQ(asks, asks2);
}

TEST_F(VenueWsServerTest, LiveSubscribeAndUnsubscribe) {
  WsClient md(server_->port(), "/ws");
  ASSERT_TRUE(md.ok()) << md.error();
  md.send(R"({"method":"SUBSCRIBE","params":["btcusdt@bookTicker"],"id":1})");
  EXPECT_EQ(md.read().value_or(""), R"({"result":null,"id":1})");
  step();
  auto t =
      md.read_until([](const std::string& m) { return m.find("bookTicker") != std::string::npos; });
  ASSERT_TRUE(t.has_value());
  md.send(R"({"method":"LIST_SUBSCRIPTIONS","id":2})");
  EXPECT_TRUE(md.read_until([](const std::string& m) {
                  return m == R"({"result":["btcusdt@bookTicker"],"id":2})";
                }).has_value());
  md.send(R"({"method":"UNSUBSCRIBE","params":["btcusdt@bookTicker"],"id":3})");
  EXPECT_TRUE(md.read_until([](const std::string& m) {
                  return m == R"({"result":null,"id":3})";
                }).has_value());
  md.send(R"({"method":"SUBSCRIBE","params":["ethusdt@bookTicker"],"id":4})");
  auto err =
      md.read_until([](const std::string& m) { return m.find("\"id\":4") != std::string::npos; });
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("\"error\""), std::string::npos) << *err;
  for (int n = 0; n < 5; ++n) step();
  EXPECT_FALSE(md.read(std::chrono::milliseconds(200)).has_value());  // unsubscribed: silence
}

TEST_F(VenueWsServerTest, UnknownPathsAndStreamsAreRefusedAtTheHandshake) {
  EXPECT_FALSE(WsClient(server_->port(), "/nope").ok());
  EXPECT_FALSE(WsClient(server_->port(), "/stream?streams=ethusdt@bookTicker").ok());
  EXPECT_FALSE(WsClient(server_->port(), "/ws/btcusdt@trade").ok());
  EXPECT_FALSE(WsClient(server_->port(), "/ws/notalistenkey").ok());
  EXPECT_GE(server_->counters().refused_handshakes, 4u);
}

TEST_F(VenueWsServerTest, SignedIocInsideTheSpreadFillsWithNewAndTradeOnTheUserStream) {
  step();
  const std::string key = listen_key();
  ASSERT_EQ(key.size(), 64u);
  WsClient user(server_->port(), "/ws/" + key);
  ASSERT_TRUE(user.ok()) << user.error();
  const auto [bid, ask] = best();
  const std::string r = place("10", {{"symbol", "BTCUSDT"},
                                     {"side", "BUY"},
                                     {"type", "LIMIT"},
                                     {"timeInForce", "IOC"},
                                     {"quantity", "0.010"},
                                     {"price", ask},
                                     {"newClientOrderId", "hedge-1"},
                                     {"newOrderRespType", "RESULT"}});
  Json j(r);
  ASSERT_EQ(num(j["status"]), 200) << r;
  const auto o = j["result"];
  EXPECT_EQ(str(o["symbol"]), "BTCUSDT");
  EXPECT_EQ(str(o["status"]), "FILLED") << r;
  EXPECT_EQ(str(o["clientOrderId"]), "hedge-1");
  EXPECT_EQ(str(o["origQty"]), "0.010");
  EXPECT_EQ(str(o["executedQty"]), "0.010");
  EXPECT_EQ(str(o["price"]), ask);
  EXPECT_EQ(str(o["timeInForce"]), "IOC");
  EXPECT_EQ(str(o["side"]), "BUY");
  EXPECT_GT(num(o["orderId"]), 0);
  EXPECT_EQ(num(j["rateLimits"].at(1)["count"]), 1);

  auto next = [&] { return Json(user.read().value_or("{}")); };
  Json n1 = next();
  EXPECT_EQ(str(n1["e"]), "ORDER_TRADE_UPDATE");
  EXPECT_EQ(str(n1["o"]["x"]), "NEW");
  EXPECT_EQ(str(n1["o"]["X"]), "NEW");
  EXPECT_EQ(str(n1["o"]["c"]), "hedge-1");
  EXPECT_EQ(str(n1["o"]["s"]), "BTCUSDT");
  EXPECT_EQ(str(n1["o"]["f"]), "IOC");
  Json n2 = next();
  EXPECT_EQ(str(n2["o"]["x"]), "TRADE");
  EXPECT_EQ(str(n2["o"]["X"]), "FILLED");
  EXPECT_EQ(str(n2["o"]["l"]), "0.010");
  EXPECT_EQ(str(n2["o"]["z"]), "0.010");
  EXPECT_EQ(str(n2["o"]["L"]), ask);
  EXPECT_EQ(str(n2["o"]["N"]), "USDT");
  EXPECT_GT(std::stod(str(n2["o"]["n"])), 0.0);  // taker fee
  EXPECT_GT(num(n2["o"]["t"]), 0);
  EXPECT_EQ(n2["o"]["m"].get_bool().value(), false);
  EXPECT_EQ(num(n2["o"]["i"]), num(o["orderId"]));

  // The same account's position, as the venue sees it: 10 contracts of 0.001 BTC.
  const auto clients = server_->clients();
  ASSERT_EQ(clients.size(), 1u);
  ASSERT_EQ(clients[0].positions.size(), 1u);
  EXPECT_EQ(clients[0].positions[0].symbol, "BTCUSDT-PERP");
  EXPECT_DOUBLE_EQ(clients[0].positions[0].contracts, 10.0);

  // An IOC priced away from the book: NEW then EXPIRED (Binance's IOC remainder).
  const std::string r2 = place("11", {{"symbol", "BTCUSDT"},
                                      {"side", "BUY"},
                                      {"type", "LIMIT"},
                                      {"timeInForce", "IOC"},
                                      {"quantity", "0.005"},
                                      {"price", "1000.0"}});
  EXPECT_EQ(str(Json(r2)["result"]["status"]), "NEW") << r2;  // ACK: as accepted
  EXPECT_EQ(str(next()["o"]["x"]), "NEW");
  Json e = next();
  EXPECT_EQ(str(e["o"]["x"]), "EXPIRED");
  EXPECT_EQ(str(e["o"]["X"]), "EXPIRED");
  EXPECT_EQ(server_->counters().orders, 2u);
}

TEST_F(VenueWsServerTest, RejectsBadSignatureWithBinanceError) {
  step();
  const std::string r = place(
      "20", {{"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "MARKET"}, {"quantity", "0.001"}},
      "not-the-secret");
  expect_error(r, 401, -1022);
  EXPECT_NE(r.find("Signature for this request is not valid."), std::string::npos);
  EXPECT_EQ(server_->counters().rejects_by_code.at(-1022), 1u);
}

TEST_F(VenueWsServerTest, RejectsStaleOrFutureTimestampWith1021) {
  step();
  std::vector<P> order = {
      {"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "MARKET"}, {"quantity", "0.001"}};
  expect_error(place("21", order, kSecret, testing::now_ms() - 6'000), 400, -1021);
  expect_error(place("22", order, kSecret, testing::now_ms() + 5'000), 400, -1021);
  // Inside a wider recvWindow it passes; above the server's maximum it is refused.
  std::vector<P> wide = order;
  wide.push_back({"recvWindow", "4000", false});
  EXPECT_EQ(num(Json(place("23", wide, kSecret, testing::now_ms() - 3'000))["status"]), 200);
  wide.back().text = "60000";
  expect_error(place("24", wide), 400, -1131);
}

TEST_F(VenueWsServerTest, RejectsUnknownApiKeyWith2015) {
  step();
  expect_error(
      place("30",
            {{"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "MARKET"}, {"quantity", "0.001"}},
            kSecret, 0, "someone-else"),
      401, -2015);
  expect_error(call(request("31", "userDataStream.start", {}, "someone-else"), "31"), 401, -2015);
}

TEST_F(VenueWsServerTest, RejectsOffTickPriceAndOffStepQuantityNeverRounds) {
  step();
  std::vector<P> base = {
      {"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "LIMIT"}, {"timeInForce", "GTC"}};
  auto with = [&](std::string qty, std::string px) {
    std::vector<P> p = base;
    p.push_back({"quantity", std::move(qty)});
    p.push_back({"price", std::move(px)});
    return p;
  };
  expect_error(place("40", with("0.001", "40000.05")), 400, -1111);
  expect_error(place("41", with("0.0015", "40000.0")), 400, -1111);
  expect_error(place("42", with("0", "40000.0")), 400, -4003);
  expect_error(place("43", with("1e-3", "40000.0")), 400, -1100);
  expect_error(
      place("44",
            {{"symbol", "BTCUSDT"}, {"side", "BUY"}, {"type", "LIMIT"}, {"quantity", "0.001"}}),
      400, -1102);  // no timeInForce / price
  expect_error(
      place("45",
            {{"symbol", "ETHUSDT"}, {"side", "BUY"}, {"type", "MARKET"}, {"quantity", "0.001"}}),
      400, -1121);
  expect_error(place("46", with("1000", "40000.0")), 400, -2019);  // 40M notional, 1M cash
  expect_error(place("47", with("0.001", "400.0")), 400, -4164);   // 0.4 USDT < min notional 5
  const VenueWsCounters c = server_->counters();
  EXPECT_EQ(c.rejects_by_code.at(-1111), 2u);
  EXPECT_EQ(c.rejects, 8u);
  EXPECT_TRUE(server_->clients().empty() || server_->clients()[0].positions.empty());
}

TEST_F(VenueWsServerTest, CancelModifyAndStatusOfARestingOrder) {
  step();
  const std::string key = listen_key();
  WsClient user(server_->port(), "/ws/" + key);
  ASSERT_TRUE(user.ok());
  const std::string r = place("50", {{"symbol", "BTCUSDT"},
                                     {"side", "BUY"},
                                     {"type", "LIMIT"},
                                     {"timeInForce", "GTC"},
                                     {"quantity", "0.002"},
                                     {"price", "40000.0"},
                                     {"newClientOrderId", "rest-1"}});
  const std::int64_t id = num(Json(r)["result"]["orderId"]);
  ASSERT_GT(id, 0) << r;
  EXPECT_EQ(str(Json(user.read().value_or("{}"))["o"]["x"]), "NEW");

  Json st(call(request("51", "order.status",
                       {{"symbol", "BTCUSDT"}, {"origClientOrderId", "rest-1"}}, kKey, kSecret),
               "51"));
  EXPECT_EQ(str(st["result"]["status"]), "NEW");
  EXPECT_EQ(num(st["result"]["orderId"]), id);
  EXPECT_EQ(str(st["result"]["price"]), "40000.0");

  Json m(call(request("52", "order.modify",
                      {{"symbol", "BTCUSDT"},
                       {"orderId", std::to_string(id), false},
                       {"side", "BUY"},
                       {"quantity", "0.003"},
                       {"price", "40100.5"}},
                      kKey, kSecret),
              "52"));
  EXPECT_EQ(num(m["status"]), 200);
  EXPECT_EQ(str(m["result"]["price"]), "40100.5");
  EXPECT_EQ(str(m["result"]["origQty"]), "0.003");
  Json a(user.read().value_or("{}"));
  EXPECT_EQ(str(a["o"]["x"]), "AMENDMENT");
  EXPECT_EQ(str(a["o"]["p"]), "40100.5");

  Json c(
      call(request("53", "order.cancel",
                   {{"symbol", "BTCUSDT"}, {"orderId", std::to_string(id), false}}, kKey, kSecret),
           "53"));
  EXPECT_EQ(str(c["result"]["status"]), "CANCELED");
  Json cu(user.read().value_or("{}"));
  EXPECT_EQ(str(cu["o"]["x"]), "CANCELED");
  EXPECT_EQ(str(cu["o"]["X"]), "CANCELED");
  Json st2(
      call(request("54", "order.status",
                   {{"symbol", "BTCUSDT"}, {"orderId", std::to_string(id), false}}, kKey, kSecret),
           "54"));
  EXPECT_EQ(str(st2["result"]["status"]), "CANCELED");

  expect_error(
      call(request("55", "order.cancel",
                   {{"symbol", "BTCUSDT"}, {"orderId", std::to_string(id), false}}, kKey, kSecret),
           "55"),
      400, -2011);
  expect_error(call(request("56", "order.status",
                            {{"symbol", "BTCUSDT"}, {"origClientOrderId", "nope"}}, kKey, kSecret),
                    "56"),
               400, -2013);
  const VenueWsCounters k = server_->counters();
  EXPECT_EQ(k.cancels, 2u);
  EXPECT_EQ(k.modifies, 1u);
  EXPECT_EQ(k.status_requests, 3u);
}

TEST_F(VenueWsServerTest, DropFaultResetsEveryConnectionAndClientsReconnect) {
  step();
  WsClient md(server_->port(), "/ws/btcusdt@bookTicker");
  ASSERT_TRUE(md.ok());
  ASSERT_TRUE(api().ok());
  ASSERT_EQ(num(Json(call(request("60", "depth", {{"symbol", "BTCUSDT"}}), "60"))["status"]), 200);
  ASSERT_TRUE(testing::wait_for([&] { return server_->counters().open_connections == 2; },
                                std::chrono::seconds(5), std::chrono::milliseconds(5)));
  EXPECT_EQ(server_->drop_all(), 2u);
  // No close frame: the reads fail with a transport error, not websocket::error::closed.
  EXPECT_FALSE(md.read_until([](const std::string&) { return false; }, std::chrono::seconds(3)));
  EXPECT_NE(md.last_error(), testing::websocket::error::closed);
  EXPECT_NE(md.last_error(), boost::asio::error::timed_out);
  EXPECT_FALSE(api().read(std::chrono::seconds(3)));
  EXPECT_NE(api().last_error(), testing::websocket::error::closed);
  EXPECT_TRUE(testing::wait_for([&] { return server_->counters().drops == 2u; },
                                std::chrono::seconds(5), std::chrono::milliseconds(5)));
  // Reconnect: served again.
  api_.reset();
  EXPECT_EQ(num(Json(call(request("61", "depth", {{"symbol", "BTCUSDT"}}), "61"))["status"]), 200);
}

// A self-signed P-256 certificate for 127.0.0.1 (SAN IP and CA:TRUE, so the client can
// trust it as its own root), written as PEM.
void write_self_signed(const fs::path& cert, const fs::path& key) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  ASSERT_NE(pkey, nullptr);
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(x, pkey, EVP_sha256()), 0);
  FILE* f = std::fopen(cert.c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen(key.c_str(), "w");
  PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(pkey);
}

TEST_F(VenueWsServerTest, ServesTheSameProtocolOverTls) {
  const fs::path dir = testing::fresh_temp_dir("ballast-venue-ws-tls");
  write_self_signed(dir / "cert.pem", dir / "key.pem");
  VenueWsServerOptions o;
  o.tls_cert_file = (dir / "cert.pem").string();
  o.tls_key_file = (dir / "key.pem").string();
  start(o);
  ASSERT_TRUE(server_->tls());
  step();
  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
  ctx.load_verify_file((dir / "cert.pem").string());
  ctx.set_verify_mode(boost::asio::ssl::verify_peer);
  ctx.set_verify_callback(boost::asio::ssl::host_name_verification("127.0.0.1"));
  WsClient api(server_->port(), "/ws-fapi/v1", &ctx);
  ASSERT_TRUE(api.ok()) << api.error();
  WsClient md(server_->port(), "/stream?streams=btcusdt@bookTicker", &ctx);
  ASSERT_TRUE(md.ok()) << md.error();
  api.send(request("70", "order.place",
                   {{"symbol", "BTCUSDT"},
                    {"side", "SELL"},
                    {"type", "MARKET"},
                    {"quantity", "0.003"},
                    {"newOrderRespType", "RESULT"}},
                   kKey, kSecret));
  Json r(api.read().value_or("{}"));
  EXPECT_EQ(num(r["status"]), 200);
  EXPECT_EQ(str(r["result"]["status"]), "FILLED");
  EXPECT_EQ(str(r["result"]["type"]), "MARKET");
  step();
  auto t = md.read_until(
      [](const std::string& m) { return m.find("\"bookTicker\"") != std::string::npos; });
  EXPECT_TRUE(t.has_value());
  // A plain client cannot talk to the TLS port.
  EXPECT_FALSE(WsClient(server_->port(), "/ws-fapi/v1").ok());
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(VenueWsProtocolTest, CredentialsFileMustBePrivate) {
  const fs::path dir = testing::fresh_temp_dir("ballast-venue-ws-cred");
  const fs::path f = dir / "cred.toml";
  std::ofstream(f) << "api_key = \"k1\"\napi_secret = \"s1\"\naccount = \"DESK\"\n";
  ::chmod(f.c_str(), 0644);
  EXPECT_THROW((void)ws::load_credentials(f.string()), std::invalid_argument);
  ::chmod(f.c_str(), 0600);
  const auto c = ws::load_credentials(f.string());
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->api_key, "k1");
  EXPECT_EQ(c->api_secret, "s1");
  EXPECT_EQ(c->account, "DESK");
  std::ofstream(f) << "api_key = \"k1\"\n";
  EXPECT_THROW((void)ws::load_credentials(f.string()), std::invalid_argument);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace ballast::venue

#ifdef BALLAST_VENUE_BIN
// ---- VenueRunner and the ballast-venue process with [venue] ws_port --------------------
#include "../common/child_process.hpp"
#include "ballast/core/config.hpp"
#include "ballast/venue/venue_runner.hpp"

namespace ballast::venue {
namespace {

// The demo's domain tables and its [venue], as ballast-venue reads them.
ConfigLoadResult load_with_venue(const std::string& path, VenueSimConfig& venue) {
  ConfigSchema schema;
  add_venue_table(schema, venue);
  schema.tolerate_other_tables();
  return load_config_file(path, ConfigParseOptions{}, schema);
}

const std::string kDemo = std::string(BALLAST_SOURCE_DIR) + "/config/demo.toml";

// The credentials the runner and the process read from the environment (no file given).
void set_env_credentials() {
  ::setenv("BALLAST_API_KEY", kKey.c_str(), 1);
  ::setenv("BALLAST_API_SECRET", kSecret.c_str(), 1);
}

// A signed marketable IOC buy of 0.010 BTC on BTCUSDT priced through the best ask of a
// fresh depth snapshot; returns the order.place reply.
std::string buy_at_ask(WsClient& api) {
  api.send(request("1", "depth", {{"symbol", "BTCUSDT"}, {"limit", "5", false}}));
  Json d(
      api.read_until([](const std::string& m) { return m.find("\"id\":1,") != std::string::npos; })
          .value_or("{}"));
  simdjson::dom::array asks;
  if (d["result"]["asks"].get(asks) != simdjson::SUCCESS || asks.size() == 0) return "<no book>";
  // 0.5% through the published ask: the live book may have been re-quoted since the last
  // publish (a slow sanitizer build), and a marketable limit still fills at the makers'
  // prices.
  char limit[32];
  std::snprintf(limit, sizeof limit, "%.1f", std::stod(str(asks.at(0).at(0))) * 1.005);
  const std::string ask = limit;
  api.send(request("2", "order.place",
                   {{"symbol", "BTCUSDT"},
                    {"side", "BUY"},
                    {"type", "LIMIT"},
                    {"timeInForce", "IOC"},
                    {"quantity", "0.010"},
                    {"price", ask},
                    {"newOrderRespType", "RESULT"}},
                   kKey, kSecret));
  return api
      .read_until([](const std::string& m) { return m.find("\"id\":2,") != std::string::npos; })
      .value_or("<no reply>");
}

TEST(VenueWsRunnerTest, RunnerServesWebSocketNextToFixOnOneBook) {
  set_env_credentials();
  VenueSimConfig demo_venue;
  const ConfigLoadResult loaded = load_with_venue(kDemo, demo_venue);
  ASSERT_TRUE(loaded.ok());
  const fs::path dir = testing::fresh_temp_dir("ballast-venue-ws-runner");
  VenueSimConfig vc = demo_venue;
  vc.port = testing::free_port();
  vc.ws_port = testing::free_port();
  vc.store_dir = (dir / "store").string();
  vc.speed = 1.0;
  VenueRunner runner(*loaded.config, vc);
  runner.start();
  ASSERT_EQ(runner.ws_port(), vc.ws_port);
  WsClient api(runner.ws_port(), "/ws-fapi/v1");
  ASSERT_TRUE(api.ok()) << api.error();
  WsClient md(runner.ws_port(), "/ws/btcusdt@bookTicker");
  ASSERT_TRUE(md.ok()) << md.error();
  EXPECT_TRUE(md.read(std::chrono::seconds(5)).has_value());  // fed by the stepping thread
  const std::string r = buy_at_ask(api);
  Json j(r);
  ASSERT_EQ(num(j["status"]), 200) << r;
  EXPECT_EQ(str(j["result"]["status"]), "FILLED") << r;
  // The fault command resets the WebSocket connections too.
  EXPECT_EQ(runner.command("drop"), "ballast-venue: fault drop");
  EXPECT_FALSE(md.read_until([](const std::string&) { return false; }, std::chrono::seconds(3)));
  runner.stop();
  const VenueRunSummary s = runner.summary();
  EXPECT_TRUE(s.ws_enabled);
  EXPECT_EQ(s.ws.orders, 1u);
  EXPECT_GE(s.ws.drops, 1u);
  bool found = false;
  for (const VenueClientSummary& c : s.clients)
    if (c.session == "ws:BALLAST") {
      found = true;
      ASSERT_EQ(c.positions.size(), 1u);
      EXPECT_EQ(c.positions[0].symbol, "BTCUSDT-PERP");
      EXPECT_DOUBLE_EQ(c.positions[0].contracts, 10.0);  // 0.010 BTC in 0.001 contracts
    }
  EXPECT_TRUE(found);
  EXPECT_NE(format_summary(s).find("ws_orders=1"), std::string::npos) << format_summary(s);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(VenueWsRunnerTest, ValidationNamesWebSocketProblems) {
  VenueSimConfig demo_venue;
  const ConfigLoadResult loaded = load_with_venue(kDemo, demo_venue);
  ASSERT_TRUE(loaded.ok());
  VenueSimConfig vc = demo_venue;
  vc.ws_port = vc.port;
  vc.ws_cert_file = "/nonexistent/cert.pem";
  vc.ws_credentials_file = "/nonexistent/cred.toml";
  std::string all;
  for (const std::string& e : validate_venue_config(*loaded.config, vc)) all += e + "\n";
  EXPECT_NE(all.find("venue.ws_port"), std::string::npos) << all;
  EXPECT_NE(all.find("TLS needs both"), std::string::npos) << all;
  EXPECT_NE(all.find("venue.ws_credentials_file"), std::string::npos) << all;
}

TEST(VenueWsCliTest, BallastVenueProcessServesSignedOrdersOverWebSocket) {
  set_env_credentials();
  const fs::path dir = testing::fresh_temp_dir("ballast-venue-ws-cli");
  const int port = testing::free_port();
  const int ws_port = testing::free_port();
  testing::ChildProcess venue(
      {BALLAST_VENUE_BIN, "--config", kDemo, "--port", std::to_string(port), "--ws-port",
       std::to_string(ws_port), "--store", (dir / "store").string(), "--speed", "1"},
      (dir / "venue").string());
  ASSERT_TRUE(venue.started());
  ASSERT_TRUE(venue.wait_for_output("ws://127.0.0.1:" + std::to_string(ws_port)))
      << venue.out() << venue.err();
  WsClient api(ws_port, "/ws-fapi/v1");
  ASSERT_TRUE(api.ok()) << api.error();
  api.send(request("9", "userDataStream.start", {}, kKey));
  const std::string key = str(Json(api.read().value_or("{}"))["result"]["listenKey"]);
  WsClient user(ws_port, "/ws/" + key);
  ASSERT_TRUE(user.ok()) << user.error();
  const std::string r = buy_at_ask(api);
  EXPECT_EQ(str(Json(r)["result"]["status"]), "FILLED") << r;
  EXPECT_EQ(str(Json(user.read().value_or("{}"))["o"]["x"]), "NEW");
  Json t(user.read().value_or("{}"));
  EXPECT_EQ(str(t["o"]["x"]), "TRADE");
  EXPECT_EQ(str(t["o"]["X"]), "FILLED");
  venue.signal(SIGTERM);
  EXPECT_EQ(venue.wait(), 0) << venue.err();
  EXPECT_NE(venue.out().find("ws_orders=1"), std::string::npos) << venue.out();
  EXPECT_NE(venue.out().find("ws:BALLAST: cash="), std::string::npos) << venue.out();
  EXPECT_NE(venue.out().find("BTCUSDT-PERP=10"), std::string::npos) << venue.out();
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace ballast::venue
#endif  // BALLAST_VENUE_BIN
