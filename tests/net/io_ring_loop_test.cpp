// IoRingLoop timers and TcpConnection against real loopback sockets, in both idle modes.
#include "ballast/net/io_ring_loop.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../common/loopback.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/net/tcp_connection.hpp"

namespace ballast::net::io_ring_loop_test {
namespace {

using ballast::monotonic_ns;

constexpr std::int64_t kMs = 1'000'000;

// Runs the loop until `done` or the deadline.
template <typename F>
bool run_until(IoRingLoop& loop, F done, std::int64_t timeout_ns = 1500 * kMs) {
  const std::int64_t deadline = monotonic_ns() + timeout_ns;
  while (!done()) {
    if (monotonic_ns() > deadline) return false;
    loop.run_once(5 * kMs);
  }
  return true;
}

// A blocking echo server on 127.0.0.1 serving one connection at a time.
class EchoServer {
 public:
  EchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("echo server bind");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  std::atomic<int> accepted{0};

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++accepted;
      char buf[4096];
      while (!stop_) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 20) <= 0) continue;
        const ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        if (::write(c, buf, static_cast<std::size_t>(n)) != n) break;
      }
      ::close(c);
    }
  }
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct Recorder : TcpEvents {
  bool connected = false;
  int connect_error = -1;
  int closed_error = -1;
  std::string received;
  void on_tcp_connected(TcpConnection&) noexcept override { connected = true; }
  void on_tcp_connect_failed(TcpConnection&, int err) noexcept override { connect_error = err; }
  void on_tcp_data(TcpConnection& c, std::uint64_t) noexcept override {
    received.append(reinterpret_cast<const char*>(c.read_data()), c.read_size());
    c.consume(c.read_size());
  }
  void on_tcp_closed(TcpConnection&, int err) noexcept override { closed_error = err; }
};

TcpAddress loopback(std::uint16_t port) {
  TcpAddress a;
  std::string err;
  EXPECT_TRUE(resolve_tcp_address("127.0.0.1", port, a, err)) << err;
  return a;
}

void send(TcpConnection& c, const std::string& s) {
  std::uint8_t* p = c.write_reserve(s.size());
  ASSERT_NE(p, nullptr);
  std::memcpy(p, s.data(), s.size());
  c.write_commit(p, s.size());
}

class IoRingModeTest : public ::testing::TestWithParam<IdleMode> {};

TEST_P(IoRingModeTest, TimerFiresAfterItsDelay) {
  IoRingLoop loop(IoRingOptions{64, GetParam(), 2, 4096});
  int fired = 0;
  IoTimer t([](void* ctx) noexcept { ++*static_cast<int*>(ctx); }, &fired);
  const std::int64_t start = monotonic_ns();
  ASSERT_TRUE(loop.arm(t, 20 * kMs));
  ASSERT_TRUE(run_until(loop, [&] { return fired == 1; }));
  EXPECT_GE(monotonic_ns() - start, 19 * kMs);
  EXPECT_FALSE(t.armed());
}

TEST_P(IoRingModeTest, RearmingMovesTheDeadlineAndDisarmSilences) {
  IoRingLoop loop(IoRingOptions{64, GetParam(), 2, 4096});
  int fired = 0;
  IoTimer t([](void* ctx) noexcept { ++*static_cast<int*>(ctx); }, &fired);
  const std::int64_t start = monotonic_ns();
  ASSERT_TRUE(loop.arm(t, 10 * kMs));
  loop.poll();
  ASSERT_TRUE(loop.arm(t, 60 * kMs));  // later: the first deadline must not fire
  ASSERT_TRUE(run_until(loop, [&] { return fired == 1; }));
  EXPECT_GE(monotonic_ns() - start, 59 * kMs);

  IoTimer quiet([](void* ctx) noexcept { ++*static_cast<int*>(ctx); }, &fired);
  ASSERT_TRUE(loop.arm(quiet, 5 * kMs));
  loop.poll();
  loop.disarm(quiet);
  const std::int64_t until = monotonic_ns() + 40 * kMs;
  while (monotonic_ns() < until) loop.run_once(5 * kMs);
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(run_until(loop, [&] { return loop.in_flight() == 0; }));
}

TEST_P(IoRingModeTest, TcpConnectionEchoesOverLoopback) {
  EchoServer server;
  IoRingLoop loop(IoRingOptions{64, GetParam(), 2, 64 * 1024});
  Recorder rec;
  TcpConnection conn(loop, rec);
  ASSERT_TRUE(conn.connect(loopback(server.port())));
  ASSERT_TRUE(run_until(loop, [&] { return rec.connected; }));
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    const std::string msg = "message " + std::to_string(i) + ";";
    send(conn, msg);
    expected += msg;
  }
  ASSERT_TRUE(run_until(loop, [&] { return rec.received.size() == expected.size(); }));
  EXPECT_EQ(rec.received, expected);
  EXPECT_EQ(conn.bytes_out(), expected.size());
  conn.close();
  ASSERT_TRUE(run_until(loop, [&] { return rec.closed_error >= 0; }));
  EXPECT_EQ(rec.closed_error, ECANCELED);
  EXPECT_EQ(loop.in_flight(), 0u);
}

INSTANTIATE_TEST_SUITE_P(BothModes, IoRingModeTest,
                         ::testing::Values(IdleMode::busy_poll, IdleMode::blocking),
                         [](const auto& param_info) {
                           return std::string(to_string(param_info.param));
                         });

TEST(IoRingLoopTest, ConnectToClosedPortIsRefused) {
  IoRingLoop loop(IoRingOptions{64, IdleMode::blocking, 2, 4096});
  Recorder rec;
  TcpConnection conn(loop, rec);
  ASSERT_TRUE(conn.connect(loopback(static_cast<std::uint16_t>(ballast::testing::free_port()))));
  ASSERT_TRUE(run_until(loop, [&] { return rec.connect_error >= 0; }));
  EXPECT_EQ(rec.connect_error, ECONNREFUSED);
  EXPECT_EQ(conn.state(), TcpState::closed);
  EXPECT_EQ(loop.in_flight(), 0u);
}

TEST(IoRingLoopTest, ConnectTimesOutWhenTheListenerNeverAccepts) {
  // A listener with backlog 0 whose accept queue is already full drops further SYNs:
  // the connect hangs in SYN_SENT until the linked timeout cancels it.
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
  // Let the fillers' handshakes land in the accept queue.
  pollfd p{fillers[0], POLLOUT, 0};
  ::poll(&p, 1, 500);

  IoRingLoop loop(IoRingOptions{64, IdleMode::busy_poll, 2, 4096});
  Recorder rec;
  TcpOptions opts;
  opts.connect_timeout_ns = 150 * kMs;
  TcpConnection conn(loop, rec, opts);
  const std::int64_t start = monotonic_ns();
  ASSERT_TRUE(conn.connect(loopback(ntohs(a.sin_port))));
  ASSERT_TRUE(run_until(loop, [&] { return rec.connect_error >= 0; }));
  EXPECT_EQ(rec.connect_error, ETIMEDOUT) << std::strerror(rec.connect_error);
  EXPECT_GE(monotonic_ns() - start, 140 * kMs);
  EXPECT_EQ(loop.in_flight(), 0u);
  for (const int f : fillers) ::close(f);
  ::close(lfd);
}

TEST(IoRingLoopTest, PeerCloseIsReportedAsEof) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  ASSERT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  IoRingLoop loop(IoRingOptions{64, IdleMode::blocking, 2, 4096});
  Recorder rec;
  TcpConnection conn(loop, rec);
  ASSERT_TRUE(conn.connect(loopback(ntohs(a.sin_port))));
  ASSERT_TRUE(run_until(loop, [&] { return rec.connected; }));
  const int peer = ::accept(lfd, nullptr, nullptr);
  ASSERT_GE(peer, 0);
  ASSERT_EQ(::write(peer, "bye", 3), 3);
  ::close(peer);
  ASSERT_TRUE(run_until(loop, [&] { return rec.closed_error >= 0; }));
  EXPECT_EQ(rec.received, "bye");
  EXPECT_EQ(rec.closed_error, 0);
  EXPECT_EQ(conn.state(), TcpState::closed);
  ::close(lfd);
}

TEST(IoRingLoopTest, FixedBuffersAreClaimedAndReleased) {
  IoRingLoop loop(IoRingOptions{64, IdleMode::busy_poll, 3, 4096});
  Recorder rec;
  {
    TcpConnection a(loop, rec);
    EXPECT_THROW(TcpConnection b(loop, rec), std::runtime_error);  // one buffer left
  }
  TcpConnection again(loop, rec);  // both returned
  SUCCEED();
}

}  // namespace
}  // namespace ballast::net::io_ring_loop_test
