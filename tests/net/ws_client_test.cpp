// WsClient against a Boost.Beast server (plain and TLS) on loopback: echo, pings, fragments,
// limits, close codes, reconnects, connect failures. Echo runs in both idle modes; the rest
// block in the kernel, so a spinning client never starves the server thread on 2 cores.
#include "ballast/net/ws_client.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <utility>
#include <vector>

#include "../common/loopback.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/net/io_ring_loop.hpp"
#include "beast_test_server.hpp"
#include "test_certs.hpp"

namespace ballast::net::ws_client_test {
namespace {

using ballast::monotonic_ns;
using ballast::testing::BeastServerOptions;
using ballast::testing::BeastTestServer;
using ballast::testing::test_certs;

constexpr std::int64_t kMs = 1'000'000;

const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

struct Recorder : WsHandler {
  int opens = 0;
  std::vector<std::pair<std::string, bool>> messages;
  std::vector<std::pair<std::uint16_t, std::string>> closes;
  std::vector<std::pair<WsClientError, std::string>> errors;
  std::string on_open_send;  // sent from every on_open (a resubscription)
  void on_open(WsClient& c) override {
    ++opens;
    if (!on_open_send.empty()) c.send_text(on_open_send);
  }
  void on_message(WsClient&, const std::uint8_t* d, std::size_t n, bool text,
                  std::uint64_t) override {
    messages.emplace_back(std::string(reinterpret_cast<const char*>(d), n), text);
  }
  void on_close(WsClient&, std::uint16_t code, std::string_view reason) override {
    closes.emplace_back(code, std::string(reason));
  }
  void on_error(WsClient&, WsClientError e, std::string_view detail) override {
    errors.emplace_back(e, std::string(detail));
  }
  bool has_error(WsClientError e) const {
    for (const auto& [err, d] : errors)
      if (err == e) return true;
    return false;
  }
};

template <typename F>
bool run_until(IoRingLoop& loop, F done, std::int64_t timeout_ns = 1500 * kMs) {
  const std::int64_t deadline = monotonic_ns() + timeout_ns;
  while (!done()) {
    if (monotonic_ns() > deadline) return false;
    loop.run_once(2 * kMs);
  }
  return true;
}

WsClientOptions options_for(std::uint16_t port, bool tls = false) {
  WsClientOptions o;
  o.endpoint = WsEndpoint{"127.0.0.1", port, "/ws", tls, {}};
  if (tls) {
    o.endpoint.host = "localhost";
    o.ca_file = test_certs().ca_cert;
  }
  o.backoff = BackoffOptions{10 * kMs, 100 * kMs, 10'000 * kMs, BackoffJitter::full, 42};
  o.connect_timeout_ns = 500 * kMs;
  o.handshake_timeout_ns = 1000 * kMs;
  o.close_timeout_ns = 300 * kMs;
  return o;
}

BeastServerOptions tls_server() {
  BeastServerOptions s;
  s.tls = true;
  s.cert_file = test_certs().server.cert;
  s.key_file = test_certs().server.key;
  return s;
}

// Closes the client and drains the loop so nothing is in flight at destruction.
void shut(IoRingLoop& loop, WsClient& c) {
  c.close();
  run_until(loop,
            [&] { return c.state() == WsClientState::disconnected && loop.in_flight() == 0; });
}

void expect_echo(IoRingLoop& loop, WsClient& client, Recorder& rec, int count) {
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); })) << to_string(client.state());
  for (int i = 0; i < count; ++i) {
    const std::string msg = "{\"id\":" + std::to_string(i) + "}";
    ASSERT_TRUE(client.send_text(msg));
  }
  ASSERT_TRUE(
      run_until(loop, [&] { return rec.messages.size() >= static_cast<std::size_t>(count); }));
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(rec.messages[static_cast<std::size_t>(i)].first,
              "{\"id\":" + std::to_string(i) + "}");
    EXPECT_TRUE(rec.messages[static_cast<std::size_t>(i)].second);
  }
}

class WsClientModeTest : public ::testing::TestWithParam<IdleMode> {};

TEST_P(WsClientModeTest, PlainEcho) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, GetParam(), 4, 256 * 1024});
  Recorder rec;
  WsClient client(loop, rec, options_for(server.port()));
  ASSERT_TRUE(client.start());
  expect_echo(loop, client, rec, 200);
  EXPECT_EQ(rec.opens, 1);
  EXPECT_EQ(client.counters().messages_out, 200u);
  EXPECT_EQ(client.counters().messages_in, 200u);
  shut(loop, client);
}

TEST_P(WsClientModeTest, TlsEcho) {
  BeastTestServer server(tls_server());
  IoRingLoop loop(IoRingOptions{256, GetParam(), 4, 256 * 1024});
  Recorder rec;
  WsClient client(loop, rec, options_for(server.port(), true));
  ASSERT_TRUE(client.start());
  expect_echo(loop, client, rec, 200);
  EXPECT_EQ(client.tls_protocol(), "TLSv1.3");
  shut(loop, client);
}

INSTANTIATE_TEST_SUITE_P(BothModes, WsClientModeTest,
                         ::testing::Values(IdleMode::busy_poll, IdleMode::blocking),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param));
                         });

TEST(WsClientTest, AnswersServerPingWithTheSamePayload) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClient client(loop, rec, options_for(server.port()));
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
  ASSERT_TRUE(client.send_text("ping:are-you-there-123"));
  ASSERT_TRUE(run_until(loop, [&] { return server.pongs.load() == 1; }));
  EXPECT_EQ(server.last_pong(), "are-you-there-123");
  EXPECT_EQ(client.counters().pings_answered, 1u);
  shut(loop, client);
}

TEST(WsClientTest, AnswersServerPingOverTls) {
  BeastTestServer server(tls_server());
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClient client(loop, rec, options_for(server.port(), true));
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
  ASSERT_TRUE(client.send_text("ping:tls-ping"));
  ASSERT_TRUE(run_until(loop, [&] { return server.pongs.load() == 1; }));
  EXPECT_EQ(server.last_pong(), "tls-ping");
  shut(loop, client);
}

TEST(WsClientTest, ReassemblesAFragmentedMessage) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClient client(loop, rec, options_for(server.port()));
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
  const std::string text = "fragmented message \xE2\x82\xAC across five frames, UTF-8 split too";
  ASSERT_TRUE(client.send_text("frag:5:" + text));
  ASSERT_TRUE(run_until(loop, [&] { return !rec.messages.empty(); }));
  EXPECT_EQ(rec.messages[0].first, text);
  EXPECT_TRUE(rec.messages[0].second);
  shut(loop, client);
}

TEST(WsClientTest, ReceivesALargeMessage) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 256 * 1024});
  Recorder rec;
  WsClient client(loop, rec, options_for(server.port()));
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
  ASSERT_TRUE(client.send_text("big:200000"));
  ASSERT_TRUE(run_until(loop, [&] { return !rec.messages.empty(); }));
  EXPECT_EQ(rec.messages[0].first, std::string(200000, 'x'));
  EXPECT_FALSE(rec.messages[0].second);
  shut(loop, client);
}

TEST(WsClientTest, MessageOverTheMaximumClosesWith1009) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClientOptions o = options_for(server.port());
  o.max_message_bytes = 4096;
  o.auto_reconnect = false;
  WsClient client(loop, rec, o);
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
  ASSERT_TRUE(client.send_text("big:5000"));
  ASSERT_TRUE(run_until(loop, [&] { return server.client_close_code.load() >= 0; }));
  EXPECT_EQ(server.client_close_code.load(), 1009);
  EXPECT_TRUE(rec.has_error(WsClientError::message_too_big));
  EXPECT_TRUE(rec.messages.empty());
  ASSERT_TRUE(run_until(loop, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ(rec.closes[0].first, 1009);
  EXPECT_EQ(client.counters().protocol_errors, 1u);
  shut(loop, client);
}

TEST(WsClientTest, DeliversTheServerCloseCode) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClientOptions o = options_for(server.port());
  o.auto_reconnect = false;
  WsClient client(loop, rec, o);
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
  ASSERT_TRUE(client.send_text("close:4001:maintenance"));
  ASSERT_TRUE(run_until(loop, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ(rec.closes[0].first, 4001);
  EXPECT_EQ(rec.closes[0].second, "maintenance");
  EXPECT_EQ(server.client_close_code.load(), -1);  // echoed inside Beast's close()
  EXPECT_TRUE(rec.errors.empty()) << to_string(rec.errors[0].first) << rec.errors[0].second;
  ASSERT_TRUE(run_until(loop, [&] { return client.state() == WsClientState::disconnected; }));
}

TEST(WsClientTest, ClientCloseHandshakeSendsTheCodeAndStaysDown) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClient client(loop, rec, options_for(server.port()));
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
  client.close(1000, "bye");
  ASSERT_TRUE(run_until(loop, [&] { return !rec.closes.empty(); }));
  EXPECT_EQ(rec.closes[0].first, 1000);
  ASSERT_TRUE(run_until(loop, [&] { return server.client_close_code.load() >= 0; }));
  EXPECT_EQ(server.client_close_code.load(), 1000);
  ASSERT_TRUE(run_until(loop, [&] { return loop.in_flight() == 0; }));
  EXPECT_EQ(client.state(), WsClientState::disconnected);
  EXPECT_EQ(server.connections.load(), 1);
  EXPECT_TRUE(rec.errors.empty());
}

TEST(WsClientTest, ReconnectsAfterDropsAndResubscribes) {
  BeastServerOptions so;
  so.drop_after_messages = 2;  // the resubscription + one message, then RST
  so.drop_connections = 3;
  BeastTestServer server(so);
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  rec.on_open_send = "subscribe";
  WsClient client(loop, rec, options_for(server.port()));
  ASSERT_TRUE(client.start());
  int sent_on_connection = 0;
  int last_opens = 0;
  ASSERT_TRUE(run_until(
      loop,
      [&] {
        if (rec.opens != last_opens) {
          last_opens = rec.opens;
          sent_on_connection = 0;
        }
        if (client.is_open() && sent_on_connection == 0) {
          sent_on_connection = client.send_text("order") ? 1 : 0;
        }
        return rec.opens == 4 && rec.messages.size() >= 8;
      },
      3000 * kMs));
  // Every connection: "subscribe" then "order" echoed; three were dropped by the server.
  EXPECT_EQ(client.counters().connects, 4u);
  EXPECT_EQ(client.counters().reconnects, 3u);
  EXPECT_EQ(client.counters().disconnects, 3u);
  EXPECT_EQ(server.connections.load(), 4);
  EXPECT_GE(rec.closes.size(), 3u);
  for (const auto& [code, reason] : rec.closes) EXPECT_EQ(code, 1006);
  EXPECT_TRUE(rec.has_error(WsClientError::connection_lost));
  EXPECT_EQ(rec.messages[0].first, "subscribe");
  EXPECT_EQ(client.state(), WsClientState::open);  // the fourth connection stays up
  shut(loop, client);
}

TEST(WsClientTest, RefusedConnectBacksOffAndRetries) {
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClient client(loop, rec,
                  options_for(static_cast<std::uint16_t>(ballast::testing::free_port())));
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.counters().connect_attempts >= 3; }));
  EXPECT_TRUE(rec.has_error(WsClientError::connect_failed));
  EXPECT_EQ(rec.errors[0].second, "Connection refused");
  EXPECT_EQ(rec.opens, 0);
  shut(loop, client);
  EXPECT_EQ(client.state(), WsClientState::disconnected);
}

TEST(WsClientTest, ConnectTimeoutWhenTheListenerNeverAccepts) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 0), 0);
  ASSERT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  std::vector<int> fillers;
  for (int i = 0; i < 2; ++i) {
    const int f = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(f, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(f);
  }
  pollfd p{fillers[0], POLLOUT, 0};
  ::poll(&p, 1, 500);
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClientOptions o = options_for(ntohs(a.sin_port));
  o.connect_timeout_ns = 100 * kMs;
  o.auto_reconnect = false;
  WsClient client(loop, rec, o);
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return !rec.errors.empty(); }));
  EXPECT_EQ(rec.errors[0].first, WsClientError::connect_timeout);
  EXPECT_EQ(client.state(), WsClientState::disconnected);
  shut(loop, client);
  for (const int f : fillers) ::close(f);
  ::close(lfd);
}

TEST(WsClientTest, TlsRefusesAnExpiredCertificateWithAClearError) {
  BeastServerOptions so = tls_server();
  so.cert_file = test_certs().expired.cert;
  so.key_file = test_certs().expired.key;
  BeastTestServer server(so);
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClientOptions o = options_for(server.port(), true);
  o.auto_reconnect = false;
  WsClient client(loop, rec, o);
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return !rec.errors.empty(); }));
  EXPECT_EQ(rec.errors[0].first, WsClientError::tls_failed);
  EXPECT_EQ(rec.errors[0].second, "certificate verify failed: certificate has expired");
  EXPECT_EQ(rec.opens, 0);
  shut(loop, client);
}

TEST(WsClientTest, KeepalivePingsAreAnswered) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClientOptions o = options_for(server.port());
  o.keepalive_interval_ns = 20 * kMs;
  o.pong_timeout_ns = 1000 * kMs;
  WsClient client(loop, rec, o);
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.counters().pongs_received >= 3; }));
  EXPECT_GE(client.counters().pings_sent, 3u);
  EXPECT_TRUE(rec.errors.empty());
  shut(loop, client);
}

TEST(WsClientTest, FullSendBufferRefusesInsteadOfBlocking) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClient client(loop, rec, options_for(server.port()));
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
  EXPECT_EQ(client.begin_message(1 << 20), nullptr);
  EXPECT_EQ(client.counters().send_buffer_full, 1u);
  std::uint8_t* p = client.begin_message(5);
  ASSERT_NE(p, nullptr);
  std::memcpy(p, "hello", 5);
  ASSERT_TRUE(client.commit_text(5));
  ASSERT_TRUE(run_until(loop, [&] { return !rec.messages.empty(); }));
  EXPECT_EQ(rec.messages[0].first, "hello");
  shut(loop, client);
}

void burst_through_a_small_send_buffer(bool tls) {
  BeastTestServer server(tls ? tls_server() : BeastServerOptions{});
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 16 * 1024});
  Recorder rec;
  WsClient client(loop, rec, options_for(server.port(), tls));
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
  // 1000 x ~300 bytes through a 16 KiB send buffer: refusals are retried after a loop
  // round, and every message still arrives once, in order.
  const std::string pad(280, 'p');
  int next = 0;
  ASSERT_TRUE(run_until(
      loop,
      [&] {
        while (next < 1000) {
          const std::string msg = std::to_string(next) + ":" + pad;
          if (!client.send_text(msg)) break;
          ++next;
        }
        return rec.messages.size() == 1000;
      },
      3000 * kMs));
  EXPECT_GT(client.counters().send_buffer_full, 0u);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(rec.messages[static_cast<std::size_t>(i)].first, std::to_string(i) + ":" + pad);
  shut(loop, client);
}

TEST(WsClientTest, BurstLargerThanTheSendBufferArrivesInOrder) {
  burst_through_a_small_send_buffer(false);
}

TEST(WsClientTest, TlsBurstLargerThanTheSendBufferArrivesInOrder) {
  burst_through_a_small_send_buffer(true);
}

TEST(WsClientTest, InvalidUtf8TextClosesWith1007) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClientOptions o = options_for(server.port());
  o.auto_reconnect = false;
  WsClient client(loop, rec, o);
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
  ASSERT_TRUE(client.send_text("badutf8"));
  ASSERT_TRUE(run_until(loop, [&] { return server.client_close_code.load() >= 0; }));
  EXPECT_EQ(server.client_close_code.load(), 1007);
  EXPECT_TRUE(rec.has_error(WsClientError::invalid_utf8));
  EXPECT_TRUE(rec.messages.empty());
  shut(loop, client);
}

TEST(WsClientTest, HandshakeTimeoutWhenTheServerNeverAnswers) {
  // The kernel completes TCP handshakes into the accept queue; nobody ever reads.
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 8), 0);
  ASSERT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClientOptions o = options_for(ntohs(a.sin_port));
  o.handshake_timeout_ns = 100 * kMs;
  o.auto_reconnect = false;
  WsClient client(loop, rec, o);
  const std::int64_t start = monotonic_ns();
  ASSERT_TRUE(client.start());
  ASSERT_TRUE(run_until(loop, [&] { return !rec.errors.empty(); }));
  EXPECT_EQ(rec.errors[0].first, WsClientError::handshake_timeout);
  EXPECT_GE(monotonic_ns() - start, 95 * kMs);
  shut(loop, client);
  EXPECT_EQ(rec.opens, 0);
  ::close(lfd);
}

TEST(WsClientTest, DestroyingAnOpenClientLeavesNothingInFlight) {
  BeastTestServer server;
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  {
    WsClientOptions o = options_for(server.port());
    o.keepalive_interval_ns = 50 * kMs;  // a timer in the kernel too
    WsClient client(loop, rec, o);
    ASSERT_TRUE(client.start());
    ASSERT_TRUE(run_until(loop, [&] { return client.is_open(); }));
    ASSERT_TRUE(client.send_text("last words"));
  }
  EXPECT_EQ(loop.in_flight(), 0u);
  for (int i = 0; i < 20; ++i) loop.run_once(5 * kMs);  // nothing left to call into
  EXPECT_TRUE(rec.closes.empty());                      // the destructor does not call the handler
}

TEST(WsClientTest, SendIsRefusedWhenNotOpen) {
  IoRingLoop loop(IoRingOptions{256, IdleMode::blocking, 4, 64 * 1024});
  Recorder rec;
  WsClient client(loop, rec, options_for(1));
  EXPECT_EQ(client.begin_message(10), nullptr);
  EXPECT_FALSE(client.send_text("x"));
}

}  // namespace
}  // namespace ballast::net::ws_client_test
