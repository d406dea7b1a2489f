// FixOrderGateway's issue-5 dialect against a real QuickFIX acceptor on loopback: market
// data (V on every logon; W and X into full MarketTicks through the TickSource), garbage
// market data dropped and counted, session_down / session_up around a reconnect, status
// queries (H) and their ExecType=I replies, PossDup resends applied once, funding (UF).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fix_gateway_fixture.hpp"

namespace ballast::gateways::fix_market_data_test {
namespace {

using fix_testing::FixGatewayTest;
using fix_testing::kBtc;
using fix_testing::kEth;
using fix_testing::order;
using testing::ExecExtra;
using testing::ExecSpec;
using testing::MdEntryFields;
using testing::wait_for;

// Polls the feed until `n` ticks arrived (or the timeout).
std::vector<MarketTick> ticks(FixMarketDataFeed& feed, std::size_t n) {
  std::vector<MarketTick> got;
  wait_for([&] {
    MarketTick t;
    while (feed.poll(0, t)) got.push_back(t);
    return got.size() >= n;
  });
  return got;
}

MdEntryFields snap(const char* type, const char* px, const char* size) {
  return {{269, type}, {270, px}, {271, size}};
}
MdEntryFields incr(const char* action, const char* type, const char* symbol, const char* px,
                   const char* size) {
  return {{279, action}, {269, type}, {55, symbol}, {270, px}, {271, size}};
}

// 2024-01-01T00:00:00Z in Unix ns.
constexpr std::int64_t kJan2024 = 1'704'067'200'000'000'000;

class FixMarketDataTest : public FixGatewayTest {
 protected:
  // The gateway, logged on, with its subscription received by the acceptor.
  FixOrderGateway& subscribed() {
    FixOrderGateway& g = start_gateway();
    EXPECT_TRUE(wait_for([&] { return acceptor_->md_requests().size() == 1; }))
        << "V sent " << g.counters().md_requests_sent << ", failed "
        << g.counters().md_request_failures << ", rejected " << g.counters().md_rejects
        << " session rejects " << g.counters().session_rejects << " acceptor logged on "
        << acceptor_->logged_on();
    return g;
  }

  bool btc_snapshot() {
    return acceptor_->send_market_data(
        "W",
        {{262, "BALLAST-MD-1"}, {55, "BTCUSDT"}, {60, "20240101-00:00:01.500"}, {5701, "0.0001"}},
        {snap("0", "70000.5", "1.25"), snap("1", "70001.0", "2.5"), snap("6", "70000.7", "0"),
         snap("3", "69990.1", "0")});
  }
};

TEST_F(FixMarketDataTest, LogonSubscribesEveryInstrumentThenReportsSessionUp) {
  FixOrderGateway& g = subscribed();
  ASSERT_EQ(acceptor_->md_requests().size(), 1u);
  const auto req = acceptor_->md_requests().front();
  EXPECT_EQ(req.md_req_id, "BALLAST-MD-1");
  EXPECT_EQ(req.subscription_type, "1");
  EXPECT_EQ(req.market_depth, "1");
  EXPECT_EQ(req.update_type, "1");
  EXPECT_EQ(req.no_entry_types, "4");
  EXPECT_EQ(req.entry_types, (std::vector<std::string>{"0", "1", "6", "3"}));
  EXPECT_EQ(req.no_related_sym, "2");
  EXPECT_EQ(req.symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  const auto r = reports(1, true);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::session_up);
  EXPECT_EQ(r[0].venue, 0);
  EXPECT_EQ(g.counters().md_requests_sent, 1u);
  EXPECT_EQ(g.counters().session_events, 1u);
  EXPECT_FALSE(g.market_data().exhausted());
}

TEST_F(FixMarketDataTest, SnapshotThenIncrementalsGiveFullTicks) {
  FixOrderGateway& g = subscribed();
  ASSERT_TRUE(btc_snapshot());
  auto t = ticks(g.market_data(), 1);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].instrument, kBtc);
  EXPECT_DOUBLE_EQ(t[0].bid, 70000.5);
  EXPECT_DOUBLE_EQ(t[0].bid_qty, 1.25);
  EXPECT_DOUBLE_EQ(t[0].ask, 70001.0);
  EXPECT_DOUBLE_EQ(t[0].ask_qty, 2.5);
  EXPECT_DOUBLE_EQ(t[0].mark, 70000.7);
  EXPECT_DOUBLE_EQ(t[0].index, 69990.1);
  EXPECT_DOUBLE_EQ(t[0].funding_rate, 0.0001);
  EXPECT_EQ(t[0].exchange_ts_ns, kJan2024 + 1'500'000'000);
  EXPECT_NE(t[0].recv_tsc, 0u);

  // An incremental that moves only the ask: everything else is carried over. No
  // TransactTime: the timestamp is SendingTime (now-ish).
  ASSERT_TRUE(acceptor_->send_market_data("X", {{262, "BALLAST-MD-1"}},
                                          {incr("1", "1", "BTCUSDT", "70002.0", "0.5")}));
  t = ticks(g.market_data(), 1);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].instrument, kBtc);
  EXPECT_DOUBLE_EQ(t[0].bid, 70000.5);
  EXPECT_DOUBLE_EQ(t[0].bid_qty, 1.25);
  EXPECT_DOUBLE_EQ(t[0].ask, 70002.0);
  EXPECT_DOUBLE_EQ(t[0].ask_qty, 0.5);
  EXPECT_DOUBLE_EQ(t[0].mark, 70000.7);
  EXPECT_DOUBLE_EQ(t[0].index, 69990.1);
  EXPECT_DOUBLE_EQ(t[0].funding_rate, 0.0001) << "no 5701: the last rate stays";
  EXPECT_GT(t[0].exchange_ts_ns, kJan2024 + 365LL * 86'400'000'000'000);

  // Four entries of two instruments in one X (more than 16 fields: the entries must come
  // from real groups, not tag-sorted flat fields): one tick each. ETH had no snapshot.
  ASSERT_TRUE(acceptor_->send_market_data(
      "X", {{262, "BALLAST-MD-1"}, {60, "20240101-00:00:02"}, {5701, "-0.0002"}},
      {incr("1", "6", "BTCUSDT", "70001.1", "0"), incr("0", "0", "ETHUSDT", "3500.25", "10"),
       incr("0", "1", "ETHUSDT", "3500.75", "12"), incr("2", "3", "BTCUSDT", "", "")}));
  t = ticks(g.market_data(), 2);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].instrument, kBtc);
  EXPECT_DOUBLE_EQ(t[0].mark, 70001.1);
  EXPECT_DOUBLE_EQ(t[0].index, 0.0) << "deleted";
  EXPECT_DOUBLE_EQ(t[0].bid, 70000.5);
  EXPECT_DOUBLE_EQ(t[0].ask, 70002.0);
  EXPECT_DOUBLE_EQ(t[0].funding_rate, -0.0002);
  EXPECT_EQ(t[0].exchange_ts_ns, kJan2024 + 2'000'000'000);
  EXPECT_EQ(t[1].instrument, kEth);
  EXPECT_DOUBLE_EQ(t[1].bid, 3500.25);
  EXPECT_DOUBLE_EQ(t[1].bid_qty, 10.0);
  EXPECT_DOUBLE_EQ(t[1].ask, 3500.75);
  EXPECT_DOUBLE_EQ(t[1].ask_qty, 12.0);
  EXPECT_DOUBLE_EQ(t[1].mark, 0.0) << "never given";

  // An empty side is 270=0 / 271=0, a mark of 0 is "not given": cleared, not garbage.
  ASSERT_TRUE(acceptor_->send_market_data(
      "X", {{262, "BALLAST-MD-1"}},
      {incr("1", "0", "ETHUSDT", "0", "0"), incr("1", "6", "ETHUSDT", "0", "0")}));
  t = ticks(g.market_data(), 1);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].instrument, kEth);
  EXPECT_DOUBLE_EQ(t[0].bid, 0.0);
  EXPECT_DOUBLE_EQ(t[0].bid_qty, 0.0);
  EXPECT_DOUBLE_EQ(t[0].ask, 3500.75);
  EXPECT_DOUBLE_EQ(t[0].mark, 0.0);

  const FixGatewayCounters c = g.counters();
  EXPECT_EQ(c.md_snapshots, 1u);
  EXPECT_EQ(c.md_incrementals, 3u);
  EXPECT_EQ(c.md_ticks, 5u);
  EXPECT_EQ(c.md_malformed, 0u);
  EXPECT_EQ(c.md_conflated, 0u);
}

TEST_F(FixMarketDataTest, UnknownSymbolsAndGarbagePricesAreDroppedAndCounted) {
  FixOrderGateway& g = subscribed();
  ASSERT_TRUE(btc_snapshot());
  ASSERT_EQ(ticks(g.market_data(), 1).size(), 1u);

  // Unknown symbol (X and W), then garbage that must never become a tick.
  ASSERT_TRUE(acceptor_->send_market_data("X", {{262, "BALLAST-MD-1"}},
                                          {incr("1", "0", "DOGEUSDT", "0.1", "5")}));
  ASSERT_TRUE(acceptor_->send_market_data("W", {{262, "BALLAST-MD-1"}, {55, "DOGEUSDT"}},
                                          {snap("0", "0.1", "5")}));
  const std::vector<std::vector<MdEntryFields>> garbage = {
      {incr("1", "0", "BTCUSDT", "abc", "1")},            // not a number
      {incr("1", "0", "BTCUSDT", "1e5", "1")},            // not a FIX float
      {incr("1", "0", "BTCUSDT", "-70000", "1")},         // negative
      {incr("1", "0", "BTCUSDT", "70001.0", "1")},        // locked: bid == ask
      {incr("1", "1", "BTCUSDT", "69000", "1")},          // crossed: ask below bid
      {incr("1", "0", "BTCUSDT", "70000.6", "-1")},       // negative size
      {incr("1", "6", "BTCUSDT", "nan", "0")},            // not finite
      {incr("7", "0", "BTCUSDT", "70000.6", "1")},        // unknown update action
      {{{279, "1"}, {55, "BTCUSDT"}, {270, "70000.6"}}},  // no entry type
  };
  for (const auto& entries : garbage)
    ASSERT_TRUE(acceptor_->send_market_data("X", {{262, "BALLAST-MD-1"}}, entries));
  // A whole message is refused when one entry is bad: the good first entry is not applied.
  ASSERT_TRUE(acceptor_->send_market_data(
      "X", {{262, "BALLAST-MD-1"}},
      {incr("1", "0", "BTCUSDT", "70000.6", "1"), incr("1", "1", "BTCUSDT", "-1", "1")}));
  // 268 says 3, two entries follow.
  ASSERT_TRUE(acceptor_->send_raw("X", {{262, "BALLAST-MD-1"},
                                        {268, "3"},
                                        {279, "1"},
                                        {269, "0"},
                                        {55, "BTCUSDT"},
                                        {270, "70000.6"}}));
  // A good one still gets through, on top of the last good state.
  ASSERT_TRUE(acceptor_->send_market_data("X", {{262, "BALLAST-MD-1"}},
                                          {incr("1", "0", "BTCUSDT", "70000.6", "3")}));
  ASSERT_TRUE(wait_for([&] { return g.counters().md_incrementals == 13; }))
      << g.counters().md_incrementals << " X, " << g.counters().md_malformed << " malformed, "
      << acceptor_->session_rejects_received() << " rejects";
  const auto t = ticks(g.market_data(), 1);
  ASSERT_EQ(t.size(), 1u) << "only the good incremental made a tick";
  EXPECT_EQ(t[0].instrument, kBtc);
  EXPECT_DOUBLE_EQ(t[0].bid, 70000.6);
  EXPECT_DOUBLE_EQ(t[0].bid_qty, 3.0);
  EXPECT_DOUBLE_EQ(t[0].ask, 70001.0);
  EXPECT_DOUBLE_EQ(t[0].mark, 70000.7);
  const FixGatewayCounters c = g.counters();
  EXPECT_EQ(c.md_unknown_symbol, 2u);
  EXPECT_EQ(c.md_malformed, 11u);
  EXPECT_EQ(c.md_ticks, 2u);
  EXPECT_TRUE(g.logged_on());
}

TEST_F(FixMarketDataTest, MarketDataRejectIsCounted) {
  FixOrderGateway& g = subscribed();
  ASSERT_TRUE(
      acceptor_->send_raw("Y", {{262, "BALLAST-MD-1"}, {281, "0"}, {58, "unknown symbol"}}));
  ASSERT_TRUE(wait_for([&] { return g.counters().md_rejects == 1; }));
  EXPECT_EQ(g.counters().unsupported, 0u);
}

TEST_F(FixMarketDataTest, LogoutReportsSessionDownAndRelogonResubscribes) {
  FixGatewayOptions o = options();
  o.venue = 3;
  FixOrderGateway& g = start_gateway(o);
  ASSERT_TRUE(wait_for([&] { return acceptor_->md_requests().size() == 1; }));
  acceptor_->logout();
  ASSERT_TRUE(wait_for([&] { return !g.logged_on(); }));
  acceptor_->allow_logon();
  ASSERT_TRUE(wait_for([&] { return g.logged_on() && acceptor_->md_requests().size() == 2; }))
      << g.logged_on() << " " << acceptor_->md_requests().size() << " V sent "
      << g.counters().md_requests_sent << " session rejects " << g.counters().session_rejects;
  const auto r = reports(3, true);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].kind, ExecKind::session_up);
  EXPECT_EQ(r[1].kind, ExecKind::session_down);
  EXPECT_EQ(r[2].kind, ExecKind::session_up);
  for (const ExecReport& e : r) EXPECT_EQ(e.venue, 3);
  EXPECT_EQ(acceptor_->md_requests().back().md_req_id, "BALLAST-MD-2") << "a fresh request";
  EXPECT_EQ(acceptor_->md_requests().back().symbols,
            (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  const FixGatewayCounters c = g.counters();
  EXPECT_EQ(c.md_requests_sent, 2u);
  EXPECT_EQ(c.session_events, 3u);
  EXPECT_EQ(c.disconnects, 1u);
}

TEST_F(FixMarketDataTest, StoppedFeedIsExhaustedOnceDrained) {
  FixOrderGateway& g = subscribed();
  ASSERT_TRUE(btc_snapshot());
  ASSERT_TRUE(wait_for([&] { return g.market_data().available() == 1; }));
  g.stop();
  EXPECT_FALSE(g.market_data().exhausted()) << "a tick is still waiting";
  MarketTick t;
  EXPECT_TRUE(g.market_data().poll(0, t));
  EXPECT_TRUE(g.market_data().exhausted());
  EXPECT_FALSE(g.market_data().poll(0, t));
}

TEST_F(FixMarketDataTest, SubscriptionCanBeTurnedOff) {
  FixGatewayOptions o = options();
  o.subscribe_market_data = false;
  FixOrderGateway& g = start_gateway(o);
  const auto r = reports(1, true);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::session_up);
  EXPECT_EQ(acceptor_->md_requests().size(), 0u);
  EXPECT_EQ(g.counters().md_requests_sent, 0u);
}

// ---------------------------------------------------------------- status queries

TEST_F(FixMarketDataTest, StatusQuerySendsOrderStatusRequest) {
  FixOrderGateway& g = start_gateway();
  OrderRequest q = order(4242, kEth, Side::sell, 0, 0);
  q.kind = RequestKind::status;
  ASSERT_TRUE(g.send(q));
  EXPECT_NE(q.stamps.sent, 0u);
  ASSERT_TRUE(wait_for([&] { return order_count() == 1; }));
  const auto h = acceptor_->orders().front();
  EXPECT_EQ(h.msg_type, "H");
  EXPECT_EQ(h.cl_ord_id, "4242");
  EXPECT_EQ(h.symbol, "ETHUSDT");
  EXPECT_EQ(h.side, "2");
  EXPECT_FALSE(h.status_req_id.empty());
  EXPECT_TRUE(h.qty.empty());
  EXPECT_TRUE(h.price.empty());
  EXPECT_EQ(g.counters().status_queries_sent, 1u);
  EXPECT_EQ(g.counters().orders_sent, 0u);

  OrderRequest bad = order(1, 99, Side::buy, 0, 0);
  bad.kind = RequestKind::status;
  EXPECT_FALSE(g.send(bad));
  EXPECT_EQ(g.counters().send_failures, 1u);
}

TEST_F(FixMarketDataTest, StatusRepliesMapEveryOrderStatus) {
  FixOrderGateway& g = start_gateway();
  struct Case {
    const char* ord_status;
    const char* rej_reason;
    OrderStatus want;
  };
  const Case cases[] = {
      {"0", "", OrderStatus::open},     {"1", "", OrderStatus::open},
      {"A", "", OrderStatus::open},     {"E", "", OrderStatus::open},
      {"2", "", OrderStatus::filled},   {"4", "", OrderStatus::canceled},
      {"8", "", OrderStatus::rejected}, {"8", "5", OrderStatus::unknown},
      {"C", "", OrderStatus::expired},
  };
  std::uint64_t id = 100;
  for (const Case& c : cases) {
    ExecSpec s{std::to_string(id++),
               "",
               "I",
               c.ord_status,
               "BTCUSDT",
               "1",
               "",
               "",
               "0.150",
               "0.100",
               "",
               "",
               c.rej_reason};
    // Status replies may repeat an ExecID: they are never de-duplicated.
    ASSERT_TRUE(acceptor_->send_execution(s, ExecExtra{"STATUS", "70000.04", "7"}));
  }
  // The venue's answer for an order it never saw: no quantities, no side.
  ASSERT_TRUE(
      acceptor_->send_execution({"999", "", "I", "8", "BTCUSDT", "", "", "", "", "", "", "", "5"},
                                ExecExtra{"STATUS", "", ""}));
  const std::size_t n = std::size(cases) + 1;
  const auto r = reports(n);
  ASSERT_EQ(r.size(), n);
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(r[i].kind, ExecKind::status);
    EXPECT_EQ(r[i].status, cases[i].want);
    EXPECT_EQ(r[i].client_order_id, 100 + i);
    EXPECT_EQ(r[i].instrument, kBtc);
    EXPECT_EQ(r[i].side, Side::buy);
    const bool unknown = cases[i].want == OrderStatus::unknown;  // nothing to count
    EXPECT_EQ(r[i].cum_lots, unknown ? 0 : 150);
    EXPECT_EQ(r[i].leaves_lots, unknown ? 0 : 100);
    EXPECT_EQ(r[i].last_price_ticks, unknown ? 0 : 700000) << "AvgPx to the nearest tick";
    EXPECT_EQ(r[i].last_lots, 0);
  }
  EXPECT_EQ(r[n - 1].kind, ExecKind::status);
  EXPECT_EQ(r[n - 1].status, OrderStatus::unknown);
  EXPECT_EQ(r[n - 1].client_order_id, 999u);
  EXPECT_EQ(r[n - 1].cum_lots, 0);
  EXPECT_EQ(g.counters().status_reports, n);
  EXPECT_EQ(g.counters().duplicates, 0u);
  EXPECT_EQ(g.counters().malformed, 0u);
}

// ---------------------------------------------------------------- resends and funding

TEST_F(FixMarketDataTest, PossDupExecutionReportIsAppliedOnce) {
  FixOrderGateway& g = start_gateway();
  const ExecSpec fill{"7",       "",      "F", "2", "BTCUSDT", "1", "0.010",
                      "70000.0", "0.010", "0", "",  "",        ""};
  ASSERT_TRUE(acceptor_->send_execution(fill, ExecExtra{"FILL-1", "70000.0", ""}));
  acceptor_->flag_next_poss_dup();
  ASSERT_TRUE(acceptor_->send_execution(fill, ExecExtra{"FILL-1", "70000.0", ""}));
  // A PossDup report never seen before is applied.
  acceptor_->flag_next_poss_dup();
  const ExecSpec other{"8",       "",      "F", "2", "BTCUSDT", "1", "0.020",
                       "70000.0", "0.020", "0", "",  "",        ""};
  ASSERT_TRUE(acceptor_->send_execution(other, ExecExtra{"FILL-2", "70000.0", ""}));
  ASSERT_TRUE(wait_for([&] { return g.counters().duplicates == 1; }));
  const auto r = reports(2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].client_order_id, 7u);
  EXPECT_EQ(r[0].last_lots, 10);
  EXPECT_EQ(r[1].client_order_id, 8u);
  EXPECT_EQ(r[1].last_lots, 20);
  ExecReport more[4];
  EXPECT_EQ(g.poll_reports(more, 4), 0u) << "the duplicate was not applied";
  EXPECT_EQ(g.counters().malformed, 0u);
  EXPECT_EQ(acceptor_->session_rejects_received(), 0u) << "a duplicate is not refused";
}

TEST_F(FixMarketDataTest, FundingMapsToFeePaidAndIsDeduplicated) {
  FixOrderGateway& g = start_gateway();
  // Paid 12.5 (amount credited -12.5): fee +12.5. Received 3.25: fee -3.25.
  ASSERT_TRUE(acceptor_->send_raw("UF", {{55, "BTCUSDT"},
                                         {5706, "F1"},
                                         {5703, "-12.5"},
                                         {5701, "0.0001"},
                                         {5704, "70000"},
                                         {5705, "1.785"},
                                         {60, "20240101-08:00:00.000"}}));
  ASSERT_TRUE(acceptor_->send_raw("UF", {{55, "ETHUSDT"},
                                         {5706, "F2"},
                                         {5703, "3.25"},
                                         {5701, "0.0001"},
                                         {5704, "3500"},
                                         {5705, "-9.28"}}));
  acceptor_->flag_next_poss_dup();
  ASSERT_TRUE(acceptor_->send_raw("UF", {{55, "BTCUSDT"}, {5706, "F1"}, {5703, "-12.5"}}));
  // Garbage: unknown symbol, no FundingID, amount not a number.
  ASSERT_TRUE(acceptor_->send_raw("UF", {{55, "DOGEUSDT"}, {5706, "F3"}, {5703, "1"}}));
  ASSERT_TRUE(acceptor_->send_raw("UF", {{55, "BTCUSDT"}, {5703, "1"}}));
  ASSERT_TRUE(acceptor_->send_raw("UF", {{55, "BTCUSDT"}, {5706, "F4"}, {5703, "lots"}}));
  ASSERT_TRUE(wait_for([&] { return g.counters().malformed == 3; }));
  const auto r = reports(2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, ExecKind::funding);
  EXPECT_EQ(r[0].instrument, kBtc);
  EXPECT_DOUBLE_EQ(r[0].fee, 12.5);
  EXPECT_EQ(r[1].kind, ExecKind::funding);
  EXPECT_EQ(r[1].instrument, kEth);
  EXPECT_DOUBLE_EQ(r[1].fee, -3.25);
  ExecReport more[4];
  EXPECT_EQ(g.poll_reports(more, 4), 0u);
  const FixGatewayCounters c = g.counters();
  EXPECT_EQ(c.funding_reports, 2u);
  EXPECT_EQ(c.duplicates, 1u);
  EXPECT_EQ(c.unsupported, 0u);
}

TEST_F(FixMarketDataTest, UnknownAppMessagesStayRejected) {
  FixOrderGateway& g = start_gateway();
  ASSERT_TRUE(acceptor_->send_raw("UG", {{58, "not ours"}}));
  ASSERT_TRUE(wait_for([&] { return acceptor_->business_rejects_received() == 1; }));
  EXPECT_EQ(g.counters().unsupported, 1u);
}

}  // namespace
}  // namespace ballast::gateways::fix_market_data_test
