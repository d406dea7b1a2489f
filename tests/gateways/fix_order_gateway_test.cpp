// FixOrderGateway against a real QuickFIX acceptor on loopback: logon, NewOrderSingle
// fields as exact text, ExecutionReports mapped to ExecReports, rejects, cancels and
// replaces, garbage from the venue, disconnect and reconnect, sequence numbers across a
// restart, and a resend of a stale order gap-filled instead of replayed.
#include "ballast/gateways/fix_order_gateway.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../common/loopback.hpp"
#include "fix_gateway_fixture.hpp"
#include "fix_test_acceptor.hpp"

namespace ballast::gateways::fix_order_gateway_test {
namespace {

using ballast::testing::free_port;
using ballast::testing::wait_for;

namespace fs = std::filesystem;
using ballast::testing::ExecSpec;
using ballast::testing::FixTestAcceptor;

using fix_testing::FixGatewayTest;
using fix_testing::kBtc;
using fix_testing::kEth;
using fix_testing::order;
using fix_testing::test_universe;

// ---------------------------------------------------------------- pure functions

std::string steps_text(std::int64_t steps, Decimal step) {
  char buf[64];
  const std::size_t n = write_steps_decimal(steps, step, buf, sizeof buf);
  return std::string(buf, n);
}

TEST(FixDecimalText, WritesExactStepsWithTheStepsPlaces) {
  EXPECT_EQ(steps_text(899911, Decimal{1, 1}), "89991.1");
  EXPECT_EQ(steps_text(250, Decimal{1, 3}), "0.250");
  EXPECT_EQ(steps_text(1, Decimal{1, 8}), "0.00000001");
  EXPECT_EQ(steps_text(3, Decimal{5, 1}), "1.5");
  EXPECT_EQ(steps_text(7, Decimal{1, 0}), "7");
  EXPECT_EQ(steps_text(-12, Decimal{25, 2}), "-3.00");
  EXPECT_EQ(steps_text(4, Decimal{1, -1}), "40");
  char tiny[3];
  EXPECT_EQ(write_steps_decimal(899911, Decimal{1, 1}, tiny, sizeof tiny), 0u);
  char buf[64];
  EXPECT_EQ(write_steps_decimal(INT64_MAX, Decimal{INT64_MAX, 0}, buf, sizeof buf), 0u)
      << "beyond 2^64: refused, not wrapped";
}

TEST(FixDecimalText, ParsesOnlyFixFloats) {
  const auto parse_fix_decimal = [](std::string_view t) { return Decimal::parse_wire(t); };
  EXPECT_EQ(parse_fix_decimal("0.250"), (Decimal{250, 3}));
  EXPECT_EQ(parse_fix_decimal("89991.1"), (Decimal{899911, 1}));
  EXPECT_EQ(parse_fix_decimal("-1.5"), (Decimal{-15, 1}));
  EXPECT_EQ(parse_fix_decimal("7"), (Decimal{7, 0}));
  EXPECT_EQ(parse_fix_decimal("00012.50"), (Decimal{1250, 2}));
  for (const char* bad :
       {"", "-", ".", "1e5", "1.2.3", "abc", "1_000", "+1", " 1", "1 ", "1234567890123456789"})
    EXPECT_FALSE(parse_fix_decimal(bad).has_value()) << bad;
}

// A FIX message with correct BodyLength and CheckSum around the given fields.
std::string raw_fix(const std::string& msg_type, const std::string& header_extra,
                    const std::string& body) {
  const char soh = '\x01';
  std::string b = "35=" + msg_type + soh + "34=7" + soh + "49=BALLAST" + soh +
                  "52=20240101-00:00:00.000" + soh + "56=VENUE" + soh + header_extra + body;
  std::string m = std::string("8=FIX.4.4") + soh + "9=" + std::to_string(b.size()) + soh + b;
  unsigned sum = 0;
  for (unsigned char c : m) sum += c;
  char check[8];
  std::snprintf(check, sizeof check, "%03u", sum % 256);
  return m + "10=" + check + soh;
}

TEST(FixResendRule, PossDupOrdersAreSuppressedCancelsAreNot) {
  const std::string dup = std::string("43=Y\x01") + "122=20240101-00:00:00.000\x01";
  const std::string body =
      "11=42\x01"
      "55=BTCUSDT\x01"
      "54=1\x01"
      "38=1\x01";
  EXPECT_TRUE(fix_resend_suppressed(raw_fix("D", dup, body)));
  EXPECT_FALSE(fix_resend_suppressed(raw_fix("D", "", body)));
  EXPECT_FALSE(fix_resend_suppressed(raw_fix("D", "43=N\x01", body)));
  EXPECT_TRUE(fix_resend_suppressed(raw_fix("G", dup, "41=41\x01" + body)));
  EXPECT_FALSE(fix_resend_suppressed(raw_fix("F", dup, "41=41\x01" + body)))
      << "a resent cancel only ever reduces risk";
  EXPECT_FALSE(fix_resend_suppressed(raw_fix("0", dup, "")));
  EXPECT_FALSE(fix_resend_suppressed("this is not FIX"));
  EXPECT_FALSE(fix_resend_suppressed(""));
}

// ---------------------------------------------------------------- settings

TEST(FixGatewaySettings, BadSettingsThrow) {
  const Universe u = test_universe();
  FixGatewayOptions o;
  o.settings_path = "/nonexistent/ballast.cfg";
  EXPECT_THROW(FixOrderGateway(u, o), std::runtime_error);

  const fs::path file =
      fs::temp_directory_path() / ("ballast-fix-bad-" + std::to_string(::getpid()) + ".cfg");
  {
    std::ofstream out(file);
    out << "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=1\nFileStorePath=/tmp/x\n"
           "StartTime=00:00:00\nEndTime=00:00:00\n"
           "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=A\nTargetCompID=B\n";
  }
  o.settings_path = file.string();
  EXPECT_THROW(FixOrderGateway(u, o), std::runtime_error) << "an acceptor is not a gateway";
  {
    std::ofstream out(file);
    out << "[DEFAULT]\nConnectionType=initiator\nFileStorePath=/tmp/x\nHeartBtInt=30\n"
           "SocketConnectHost=127.0.0.1\nSocketConnectPort=1\n"
           "StartTime=00:00:00\nEndTime=00:00:00\n"
           "[SESSION]\nBeginString=FIX.4.2\nSenderCompID=A\nTargetCompID=B\n";
  }
  EXPECT_THROW(FixOrderGateway(u, o), std::runtime_error) << "FIX 4.4 only";
  fs::remove(file);
}

TEST_F(FixGatewayTest, ReadsTheShippedSettingsWithOverrides) {
  FixOrderGateway g(universe_, options());
  EXPECT_EQ(g.session_id(), "FIX.4.4:BALLAST->VENUE");
  EXPECT_EQ(g.store_path(), (dir_ / "ballast").string());
  EXPECT_FALSE(g.logged_on());
  EXPECT_THROW(FixOrderGateway(universe_, options()), std::runtime_error)
      << "a second session with the same CompIDs in one process";
}

// ---------------------------------------------------------------- live session

// Issue 14: the FIX Logon carries Username (553) / Password (554) when the venue wants
// them ([orders] fix_credentials_file); without them it carries neither.
TEST_F(FixGatewayTest, LogonCarriesUsernameAndPasswordWhenGiven) {
  FixGatewayOptions o = options();
  o.logon_username = "desk-7";
  o.logon_password = "s3cr3t-pw";
  start_gateway(std::move(o));
  EXPECT_EQ(acceptor_->last_logon_username(), "desk-7");
  EXPECT_EQ(acceptor_->last_logon_password(), "s3cr3t-pw");
}

// A venue that refuses the Logon says why in its Logout; the operator reads those words
// (status line, summary), not only "[FIX down]".
TEST_F(FixGatewayTest, RefusedLogonIsSaidInTheVenuesWords) {
  acceptor_->refuse_logons("unknown SenderCompID BALLAST");
  FixOrderGateway g(universe_, options());
  g.start();
  for (int k = 0; k < 500 && g.last_problem().empty(); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(g.logged_on());
  EXPECT_EQ(g.last_problem(),
            "venue logged out: Rejected Logon Attempt: unknown SenderCompID BALLAST");
  g.stop();
}

TEST_F(FixGatewayTest, RefusedConnectIsSaidWithTheAddress) {
  acceptor_.reset();  // nobody listening: QuickFIX's connect fails and it retries
  FixOrderGateway g(universe_, options());
  g.start();
  for (int k = 0; k < 500 && g.last_problem().empty(); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(g.logged_on());
  EXPECT_EQ(g.last_problem(), "socket error: 127.0.0.1 on port " + std::to_string(port_) +
                                  ": Connection reset by peer");
  g.stop();
}

TEST_F(FixGatewayTest, LogonWithoutCredentialsCarriesNeither) {
  start_gateway();
  EXPECT_EQ(acceptor_->last_logon_username(), "");
  EXPECT_EQ(acceptor_->last_logon_password(), "");
}

TEST_F(FixGatewayTest, SendBeforeLogonReturnsFalse) {
  acceptor_.reset();  // nobody listening
  FixOrderGateway g(universe_, options());
  OrderRequest o = order(1, kBtc, Side::buy, 1, 1);
  EXPECT_FALSE(g.send(o)) << "not started";
  g.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(g.logged_on());
  EXPECT_FALSE(g.send(o)) << "connecting, no logon";
  EXPECT_FALSE(g.cancel(2, o));
  EXPECT_EQ(g.counters().not_logged_on, 3u);
  EXPECT_EQ(g.counters().orders_sent, 0u);
  ExecReport r[4];
  EXPECT_EQ(g.poll_reports(r, 4), 0u);
}

TEST_F(FixGatewayTest, NewOrderSingleCarriesExactFieldsAndReportsMapBack) {
  FixOrderGateway& g = start_gateway();
  OrderRequest o = order(1001, kBtc, Side::buy, 250, 899911);
  ASSERT_TRUE(g.send(o));
  EXPECT_NE(o.stamps.encoded, 0u);
  EXPECT_GE(o.stamps.sent, o.stamps.encoded);
  ASSERT_TRUE(wait_for([&] { return order_count() == 1; }));
  const auto received = acceptor_->orders().front();
  EXPECT_EQ(received.msg_type, "D");
  EXPECT_EQ(received.cl_ord_id, "1001");
  EXPECT_EQ(received.symbol, "BTCUSDT");
  EXPECT_EQ(received.side, "1");
  EXPECT_EQ(received.qty, "0.250");
  EXPECT_EQ(received.price, "89991.1");
  EXPECT_EQ(received.ord_type, "2");
  EXPECT_EQ(received.time_in_force, "3");
  EXPECT_EQ(received.transact_time.size(), 21u) << received.transact_time;  // YYYYMMDD-HH:MM:SS.sss
  EXPECT_FALSE(received.poss_dup);

  ExecSpec ack{"1001", "", "0", "0", "BTCUSDT", "1", "", "", "0", "0.250", "", "", ""};
  ExecSpec partial{"1001",    "",      "F",     "1",    "BTCUSDT", "1", "0.100",
                   "89991.0", "0.100", "0.150", "0.45", "3",       ""};
  ExecSpec fill{"1001", "", "F", "2", "BTCUSDT", "1", "0.150", "89991.1", "0.250", "0", "", "", ""};
  ASSERT_TRUE(acceptor_->send_execution(ack));
  ASSERT_TRUE(acceptor_->send_execution(partial));
  ASSERT_TRUE(acceptor_->send_execution(fill));
  const auto r = reports(3);
  ASSERT_EQ(r.size(), 3u);
  for (const ExecReport& e : r) {
    EXPECT_EQ(e.client_order_id, 1001u);
    EXPECT_EQ(e.instrument, kBtc);
    EXPECT_EQ(e.side, Side::buy);
    EXPECT_NE(e.recv_tsc, 0u);
    EXPECT_EQ(e.reject_code, 0);
  }
  EXPECT_EQ(r[0].kind, ExecKind::ack);
  EXPECT_EQ(r[0].leaves_lots, 250);
  EXPECT_EQ(r[1].kind, ExecKind::partial_fill);
  EXPECT_EQ(r[1].last_lots, 100);
  EXPECT_EQ(r[1].cum_lots, 100);
  EXPECT_EQ(r[1].leaves_lots, 150);
  EXPECT_EQ(r[1].last_price_ticks, 899910);
  EXPECT_DOUBLE_EQ(r[1].fee, 0.45);
  EXPECT_EQ(r[2].kind, ExecKind::fill);
  EXPECT_EQ(r[2].last_lots, 150);
  EXPECT_EQ(r[2].cum_lots, 250);
  EXPECT_EQ(r[2].leaves_lots, 0);
  EXPECT_EQ(r[2].last_price_ticks, 899911);
  const FixGatewayCounters c = g.counters();
  EXPECT_EQ(c.orders_sent, 1u);
  EXPECT_EQ(c.reports_queued, 4u) << "three reports and session_up";
  EXPECT_EQ(c.malformed, 0u);
  EXPECT_EQ(c.reports_dropped, 0u);
}

TEST_F(FixGatewayTest, GtcSellAndExpiry) {
  FixGatewayOptions opt = options();
  opt.time_in_force = FixTimeInForce::gtc;
  FixOrderGateway& g = start_gateway(opt);
  OrderRequest o = order(77, kEth, Side::sell, 5, 312345);
  ASSERT_TRUE(g.send(o));
  ASSERT_TRUE(wait_for([&] { return order_count() == 1; }));
  const auto received = acceptor_->orders().front();
  EXPECT_EQ(received.symbol, "ETHUSDT");
  EXPECT_EQ(received.side, "2");
  EXPECT_EQ(received.qty, "0.05");
  EXPECT_EQ(received.price, "3123.45");
  EXPECT_EQ(received.time_in_force, "1");
  ASSERT_TRUE(acceptor_->send_execution(
      {"77", "", "C", "C", "ETHUSDT", "2", "", "", "0", "0", "", "", ""}));
  const auto r = reports(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, ExecKind::expired);
  EXPECT_EQ(r[0].side, Side::sell);
  EXPECT_EQ(r[0].instrument, kEth);
}

TEST_F(FixGatewayTest, BadQuantityIsRejectedByTheVenue) {
  acceptor_->set_max_qty(10.0);
  FixOrderGateway& g = start_gateway();
  OrderRequest o = order(5, kBtc, Side::sell, 20000, 900000);  // 20.000 BTC
  ASSERT_TRUE(g.send(o));
  const auto r = reports(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].client_order_id, 5u);
  EXPECT_EQ(r[0].kind, ExecKind::rejected);
  EXPECT_EQ(r[0].reject_code, kRejectCodeOrder | 13);
  EXPECT_EQ(r[0].side, Side::sell);
  EXPECT_EQ(acceptor_->orders().front().qty, "20.000");
}

TEST_F(FixGatewayTest, InvalidOrdersAreRefusedLocally) {
  FixOrderGateway& g = start_gateway();
  OrderRequest zero = order(1, kBtc, Side::buy, 0, 100);
  OrderRequest no_price = order(2, kBtc, Side::buy, 1, 0);
  OrderRequest no_instrument = order(3, 99, Side::buy, 1, 1);
  EXPECT_FALSE(g.send(zero));
  EXPECT_FALSE(g.send(no_price));
  EXPECT_FALSE(g.send(no_instrument));
  EXPECT_EQ(g.counters().send_failures, 3u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(order_count(), 0u);
}

TEST_F(FixGatewayTest, CancelReplaceAndCancelReject) {
  FixOrderGateway& g = start_gateway();
  OrderRequest o = order(1001, kBtc, Side::buy, 250, 899911);
  ASSERT_TRUE(g.send(o));
  ASSERT_TRUE(g.replace(1002, o, 300, 899900));
  ASSERT_TRUE(g.cancel(1003, o));
  ASSERT_TRUE(wait_for([&] { return order_count() == 3; }));
  const auto got = acceptor_->orders();
  EXPECT_EQ(got[1].msg_type, "G");
  EXPECT_EQ(got[1].cl_ord_id, "1002");
  EXPECT_EQ(got[1].orig_cl_ord_id, "1001");
  EXPECT_EQ(got[1].qty, "0.300");
  EXPECT_EQ(got[1].price, "89990.0");
  EXPECT_EQ(got[1].symbol, "BTCUSDT");
  EXPECT_EQ(got[2].msg_type, "F");
  EXPECT_EQ(got[2].cl_ord_id, "1003");
  EXPECT_EQ(got[2].orig_cl_ord_id, "1001");
  EXPECT_EQ(got[2].qty, "0.250");
  EXPECT_EQ(got[2].side, "1");
  EXPECT_TRUE(got[2].price.empty());

  // Cancel rejected (too late), then the venue cancels it after all.
  ASSERT_TRUE(acceptor_->send_cancel_reject("1003", "1001", "0", "0"));
  ASSERT_TRUE(acceptor_->send_execution(
      {"1003", "1001", "4", "4", "BTCUSDT", "1", "", "", "0", "0", "", "", ""}));
  const auto r = reports(2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, ExecKind::ack);
  EXPECT_EQ(r[0].client_order_id, 1001u);
  EXPECT_EQ(r[0].reject_code, kRejectCodeCancel | 0);
  EXPECT_EQ(r[1].kind, ExecKind::canceled);
  EXPECT_EQ(r[1].client_order_id, 1001u) << "reported on the original order";
  EXPECT_EQ(g.counters().cancels_sent, 1u);
  EXPECT_EQ(g.counters().replaces_sent, 1u);
}

TEST_F(FixGatewayTest, GarbageFromTheVenueIsCountedAndRejectedNeverFatal) {
  FixOrderGateway& g = start_gateway();
  // An application message type the gateway does not handle.
  ASSERT_TRUE(acceptor_->send_raw("U7", {{58, "hello"}}));
  // ExecutionReports it cannot map: no ClOrdID, unknown symbol, a quantity that is not a
  // number, a quantity off the lot grid, a non-numeric ClOrdID, an unknown ExecType.
  ASSERT_TRUE(
      acceptor_->send_execution({"", "", "0", "0", "BTCUSDT", "1", "", "", "0", "1", "", "", ""}));
  ASSERT_TRUE(acceptor_->send_execution(
      {"9", "", "0", "0", "DOGEUSDT", "1", "", "", "0", "1", "", "", ""}));
  ASSERT_TRUE(acceptor_->send_execution(
      {"9", "", "0", "0", "BTCUSDT", "1", "", "", "abc", "1", "", "", ""}));
  ASSERT_TRUE(acceptor_->send_execution(
      {"9", "", "F", "1", "BTCUSDT", "1", "0.0005", "1.0", "0.0005", "1", "", "", ""}));
  ASSERT_TRUE(acceptor_->send_execution(
      {"x9", "", "0", "0", "BTCUSDT", "1", "", "", "0", "1", "", "", ""}));
  ASSERT_TRUE(
      acceptor_->send_execution({"9", "", "Z", "0", "BTCUSDT", "1", "", "", "0", "1", "", "", ""}));
  // Well-formed but not for the engine: Pending New.
  ASSERT_TRUE(
      acceptor_->send_execution({"9", "", "A", "A", "BTCUSDT", "1", "", "", "0", "1", "", "", ""}));
  // A good report still gets through afterwards.
  ASSERT_TRUE(
      acceptor_->send_execution({"9", "", "0", "0", "BTCUSDT", "1", "", "", "0", "1", "", "", ""}));
  const auto r = reports(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].client_order_id, 9u);
  EXPECT_EQ(r[0].leaves_lots, 1000);

  const FixGatewayCounters c = g.counters();
  EXPECT_EQ(c.unsupported, 1u);
  EXPECT_EQ(c.malformed, 6u);
  EXPECT_EQ(c.ignored, 1u);
  EXPECT_EQ(c.reports_queued, 2u) << "one report and session_up";
  // Every refusal went back to the venue: BusinessMessageReject for the unsupported type
  // and the missing field, session Reject for the bad values.
  EXPECT_TRUE(wait_for([&] {
    return acceptor_->business_rejects_received() == 2 &&
           acceptor_->session_rejects_received() == 5;
  })) << acceptor_->business_rejects_received()
      << " business, " << acceptor_->session_rejects_received() << " session rejects";
  EXPECT_TRUE(g.logged_on());
  EXPECT_EQ(g.counters().disconnects, 0u);
}

TEST_F(FixGatewayTest, DisconnectMarksNotReadyUntilLoggedOnAgain) {
  FixOrderGateway& g = start_gateway();
  acceptor_->logout();
  ASSERT_TRUE(wait_for([&] { return !g.logged_on(); }));
  EXPECT_EQ(g.counters().disconnects, 1u);
  OrderRequest o = order(11, kBtc, Side::buy, 1, 1);
  EXPECT_FALSE(g.send(o));
  EXPECT_EQ(g.counters().not_logged_on, 1u);

  acceptor_->allow_logon();  // the gateway reconnects every ReconnectInterval (1 s)
  ASSERT_TRUE(wait_for([&] { return g.logged_on(); }));
  EXPECT_EQ(g.counters().logons, 2u);
  EXPECT_TRUE(g.send(o));
  EXPECT_TRUE(wait_for([&] { return order_count() == 1; }));
}

TEST_F(FixGatewayTest, StaleOrderIsGapFilledNotReplayedOnResend) {
  FixOrderGateway& g = start_gateway();
  OrderRequest o = order(501, kBtc, Side::buy, 10, 900000);
  ASSERT_TRUE(g.send(o));
  ASSERT_TRUE(wait_for([&] { return order_count() == 1; }));
  const int order_seq = acceptor_->orders().front().seq_num;
  ASSERT_TRUE(wait_for([&] { return acceptor_->next_target_seq() == order_seq + 1; }));

  // The venue "loses" the order: it expects its sequence number again, so the gateway's
  // next message (the Heartbeat answering a TestRequest) opens a gap and the venue asks
  // for a resend. The order must come back as a gap fill, not as a PossDup order.
  acceptor_->set_next_target_seq(order_seq);
  ASSERT_TRUE(acceptor_->send_test_request("GAP"));
  ASSERT_TRUE(wait_for([&] { return acceptor_->gap_fills_received() >= 1; }));
  EXPECT_EQ(g.counters().resends_suppressed, 1u);
  EXPECT_EQ(order_count(), 1u) << "the stale order was replayed";
  for (const auto& r : acceptor_->orders()) EXPECT_FALSE(r.poss_dup);

  // The session is in sequence again: a new order goes through normally.
  OrderRequest next = order(502, kBtc, Side::buy, 10, 900000);
  ASSERT_TRUE(g.send(next));
  ASSERT_TRUE(wait_for([&] { return order_count() == 2; }));
  EXPECT_EQ(acceptor_->orders().back().cl_ord_id, "502");
  EXPECT_TRUE(g.logged_on());
}

TEST_F(FixGatewayTest, RestartResumesSequenceNumbersFromTheStore) {
  int before = 0;
  {
    FixOrderGateway& g = start_gateway();
    OrderRequest o = order(1, kBtc, Side::buy, 1, 1);
    ASSERT_TRUE(g.send(o));
    ASSERT_TRUE(wait_for([&] { return order_count() == 1; }));
    gateway_.reset();  // logout, store kept on disk
    ASSERT_TRUE(wait_for([&] { return !acceptor_->logged_on(); }));
  }
  {
    FixOrderGateway g(universe_, options());
    before = g.next_sender_seq_num();
  }
  EXPECT_GE(before, 3) << "logon and order (and the logout) were stored";
  FixOrderGateway& g = start_gateway();
  EXPECT_TRUE(g.logged_on()) << "the venue accepted the resumed sequence";
  OrderRequest o = order(2, kBtc, Side::buy, 1, 1);
  ASSERT_TRUE(g.send(o));
  ASSERT_TRUE(wait_for([&] { return order_count() == 2; }));
  EXPECT_EQ(acceptor_->orders().back().seq_num, before + 2)
      << "logon at `before`, the MarketDataRequest, then the order";
}

// The store's files, read as FileStore's formats (the session's prefix is
// FIX.4.4-BALLAST-VENUE).
struct StoreFiles {
  int next_sender = 0;
  int next_target = 0;
  std::string seqnums_text;
  std::vector<int> header_seqs;  // "%d,%ld,%lu " entries
  std::uintmax_t body_size = 0;
};

StoreFiles read_store(const fs::path& dir) {
  StoreFiles f;
  const std::string prefix = (dir / "FIX.4.4-BALLAST-VENUE.").string();
  {
    std::ifstream in(prefix + "seqnums");
    f.seqnums_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::sscanf(f.seqnums_text.c_str(), "%d : %d", &f.next_sender, &f.next_target);
  }
  {
    std::ifstream in(prefix + "header");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream entries(text);
    std::string entry;
    while (entries >> entry) f.header_seqs.push_back(std::atoi(entry.c_str()));
  }
  std::error_code ec;
  f.body_size = fs::file_size(prefix + "body", ec);
  return f;
}

// N orders, a clean stop, a restart on the same store (possibly with the other store
// kind: AsyncFileStore keeps FileStore's layout): the venue accepts the logon and the next
// order comes with a sequence number above everything sent before.
class FixStoreRestartTest
    : public FixGatewayTest,
      public ::testing::WithParamInterface<std::pair<FixStoreKind, FixStoreKind>> {};

TEST_P(FixStoreRestartTest, RestartAfterNOrdersLogsOnAboveN) {
  constexpr int kOrders = 25;
  FixGatewayOptions first = options();
  first.store = GetParam().first;
  {
    FixOrderGateway& g = start_gateway(first);
    for (int i = 1; i <= kOrders; ++i) {
      OrderRequest o = order(static_cast<std::uint64_t>(i), kBtc, Side::buy, 1, 1);
      ASSERT_TRUE(g.send(o));
    }
    ASSERT_TRUE(wait_for([&] { return order_count() == kOrders; }));
    gateway_.reset();
    ASSERT_TRUE(wait_for([&] { return !acceptor_->logged_on(); }));
  }
  const int last_order_seq = acceptor_->orders().back().seq_num;
  EXPECT_GT(last_order_seq, kOrders);
  const StoreFiles files = read_store(dir_ / "ballast");
  EXPECT_EQ(files.seqnums_text.size(), 23u) << files.seqnums_text;
  EXPECT_GT(files.next_sender, last_order_seq) << "the logout was stored too";
  // Everything sent is in .header/.body after a clean stop (logon, V, orders, logout).
  ASSERT_EQ(files.header_seqs.size(), static_cast<std::size_t>(files.next_sender - 1));
  for (std::size_t i = 0; i < files.header_seqs.size(); ++i)
    EXPECT_EQ(files.header_seqs[i], static_cast<int>(i) + 1);
  EXPECT_GT(files.body_size, 0u);

  FixGatewayOptions second = options();
  second.store = GetParam().second;
  FixOrderGateway& g = start_gateway(second);
  EXPECT_TRUE(g.logged_on()) << "the venue accepted the resumed sequence";
  EXPECT_GT(g.next_sender_seq_num(), files.next_sender);
  OrderRequest o = order(kOrders + 1, kBtc, Side::buy, 1, 1);
  ASSERT_TRUE(g.send(o));
  ASSERT_TRUE(wait_for([&] { return order_count() == kOrders + 1; }));
  EXPECT_GT(acceptor_->orders().back().seq_num, last_order_seq);
  EXPECT_EQ(acceptor_->orders().back().seq_num, files.next_sender + 2)
      << "logon at the stored number, the MarketDataRequest, then the order";
  EXPECT_FALSE(acceptor_->orders().back().poss_dup);
  EXPECT_EQ(acceptor_->session_rejects_received(), 0u);
  EXPECT_EQ(g.counters().session_rejects, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Stores, FixStoreRestartTest,
    ::testing::Values(std::make_pair(FixStoreKind::async_file, FixStoreKind::async_file),
                      std::make_pair(FixStoreKind::file, FixStoreKind::file),
                      std::make_pair(FixStoreKind::file, FixStoreKind::async_file),
                      std::make_pair(FixStoreKind::async_file, FixStoreKind::file)),
    [](const ::testing::TestParamInfo<std::pair<FixStoreKind, FixStoreKind>>& param_info) {
      auto name = [](FixStoreKind k) { return k == FixStoreKind::file ? "File" : "AsyncFile"; };
      return std::string(name(param_info.param.first)) + "Then" + name(param_info.param.second);
    });

// The crash window of the async store: a process sends N orders and dies (_exit: no
// destructors, no flush) before its writer thread ever ran (flush interval one minute).
// The sequence numbers were written synchronously, so the restarted gateway logs on above
// everything the venue saw and the venue does not complain; the messages themselves are
// missing from .body (a resend of them would be gap-filled).
TEST_F(FixGatewayTest, AsyncStoreCrashAfterNOrdersResumesAboveN) {
  constexpr int kOrders = 30;
  // No QuickFIX thread may be running in this process when it forks: the acceptor comes
  // back (same store, so the venue remembers the session) right after the fork.
  acceptor_.reset();
  FixGatewayOptions crashing = options();
  crashing.store_flush_interval_ms = 60000;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 0;
    {
      FixOrderGateway g(universe_, crashing);
      g.start();
      if (!wait_for([&] { return g.logged_on(); }, std::chrono::milliseconds(15000))) ::_exit(3);
      for (int i = 1; i <= kOrders; ++i) {
        OrderRequest o = order(static_cast<std::uint64_t>(i), kBtc, Side::buy, 1, 1);
        if (!g.send(o)) code = 4;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // on the wire
      ::_exit(code);  // the crash: the gateway's destructor never runs
    }
  }
  acceptor_ = std::make_unique<FixTestAcceptor>(port_, (dir_ / "venue").string());
  acceptor_->start();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "child: 3 no logon, 4 a send refused";
  ASSERT_TRUE(wait_for([&] { return order_count() == kOrders; }));
  const int last_order_seq = acceptor_->orders().back().seq_num;
  ASSERT_TRUE(wait_for([&] { return !acceptor_->logged_on(); }));

  const StoreFiles files = read_store(dir_ / "ballast");
  EXPECT_EQ(files.next_sender, last_order_seq + 1) << files.seqnums_text;
  EXPECT_TRUE(files.header_seqs.empty()) << "the writer was not expected to have run";

  FixOrderGateway& g = start_gateway();
  EXPECT_TRUE(g.logged_on());
  OrderRequest o = order(kOrders + 1, kBtc, Side::buy, 1, 1);
  ASSERT_TRUE(g.send(o));
  ASSERT_TRUE(wait_for([&] { return order_count() == kOrders + 1; }));
  EXPECT_EQ(acceptor_->orders().back().seq_num, last_order_seq + 3)
      << "logon, the MarketDataRequest, then the order";
  EXPECT_EQ(acceptor_->orders().back().cl_ord_id, std::to_string(kOrders + 1));
  EXPECT_EQ(acceptor_->session_rejects_received(), 0u);
  EXPECT_EQ(g.counters().session_rejects, 0u);
  // Still in sequence a moment later (a complaint would log us out).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(g.logged_on());
  EXPECT_TRUE(acceptor_->logged_on());
}

TEST_F(FixGatewayTest, MemoryAndNullStoresNeedNoStorePath) {
  for (FixStoreKind kind : {FixStoreKind::memory, FixStoreKind::null_store}) {
    FixGatewayOptions o = options();
    o.store = kind;
    FixOrderGateway& g = start_gateway(o);
    EXPECT_TRUE(g.store_path().empty());
    OrderRequest req = order(7, kBtc, Side::buy, 1, 1);
    ASSERT_TRUE(g.send(req));
    ASSERT_TRUE(wait_for([&] { return order_count() >= 1; }));
    gateway_.reset();
    ASSERT_TRUE(wait_for([&] { return !acceptor_->logged_on(); }));
    // The venue remembers the session; a memory store starts at 1 again, so restart the
    // venue's side too for the next kind.
    acceptor_.reset();
    std::error_code ec;
    fs::remove_all(dir_ / "venue", ec);
    acceptor_ = std::make_unique<FixTestAcceptor>(port_, (dir_ / "venue").string());
    acceptor_->start();
  }
}

}  // namespace
}  // namespace ballast::gateways::fix_order_gateway_test
