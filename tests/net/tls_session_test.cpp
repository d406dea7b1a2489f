// TlsSession over a real TcpConnection against a real OpenSSL server on loopback: a good
// certificate connects and echoes; every bad one is refused with a clear reason.
#include "ballast/net/tls_session.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>

#include "ballast/core/clock.hpp"
#include "ballast/net/io_ring_loop.hpp"
#include "ballast/net/tcp_connection.hpp"
#include "test_certs.hpp"

namespace ballast::net::tls_session_test {
namespace {

using ballast::monotonic_ns;
using ballast::testing::test_certs;

constexpr std::int64_t kMs = 1'000'000;

// The test server writes with plain write(): a client that hung up must not kill the run.
const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

// A blocking OpenSSL echo server for one connection (the independent peer).
class TlsEchoServer {
 public:
  TlsEchoServer(const std::string& cert, const std::string& key, int max_version = 0) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (max_version != 0) {
      // An old server: TLS 1.1 needs security level 0 in OpenSSL 3 (SHA-1 signatures).
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, max_version);
    }
    if (SSL_CTX_use_certificate_file(ctx_, cert.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1)
      throw std::runtime_error("server cert");
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 4) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("bind");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TlsEchoServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  void run() {
    int c = -1;
    while (!stop_ && c < 0) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) c = ::accept(fd_, nullptr, nullptr);
    }
    if (c < 0) return;
    timeval tv{0, 20'000};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, c);
    int rc = 0;
    while (!stop_) {
      rc = SSL_accept(ssl);
      if (rc == 1) break;
      const int e = SSL_get_error(ssl, rc);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) break;
    }
    if (rc == 1) {
      char buf[4096];
      while (!stop_) {
        const int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) {
          const int e = SSL_get_error(ssl, n);
          if (e == SSL_ERROR_WANT_READ) continue;
          break;
        }
        if (SSL_write(ssl, buf, n) != n) break;
      }
    }
    ERR_clear_error();
    SSL_free(ssl);
    ::close(c);
  }
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The client side: TcpConnection + TlsSession pumped by the loop.
class TlsClient : public TcpEvents {
 public:
  TlsClient(IoRingLoop& loop, TlsContext& ctx, std::string host)
      : tls_(ctx), conn_(loop, *this), host_(std::move(host)) {}

  void on_tcp_connected(TcpConnection&) noexcept override {
    if (!tls_.start(host_)) {
      failed_ = true;
      return;
    }
    step();
  }
  void on_tcp_connect_failed(TcpConnection&, int) noexcept override { failed_ = true; }
  void on_tcp_data(TcpConnection& c, std::uint64_t) noexcept override {
    c.consume(tls_.feed(c.read_data(), c.read_size()));
    step();
  }
  void on_tcp_closed(TcpConnection&, int) noexcept override { closed_ = true; }

  void step() {
    if (!tls_.established()) {
      const TlsResult r = tls_.handshake();
      if (r == TlsResult::error) {
        error_ = std::string(tls_.error());
        failed_ = true;
      }
      flush();
      if (r != TlsResult::ok) return;
    }
    std::uint8_t buf[4096];
    for (;;) {
      std::size_t n = 0;
      const TlsResult r = tls_.read_plaintext(buf, sizeof buf, n);
      if (r != TlsResult::ok || n == 0) break;
      received_.append(reinterpret_cast<const char*>(buf), n);
    }
    flush();
  }
  void flush() {
    while (const std::size_t n = tls_.pending_output()) {
      std::uint8_t* p = conn_.write_reserve(n);
      if (p == nullptr) return;
      const std::size_t got = tls_.take_output(p, n);
      conn_.write_commit(p, got);
    }
  }
  bool send(const std::string& s) {
    if (tls_.write_plaintext(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) !=
        TlsResult::ok)
      return false;
    flush();
    return true;
  }

  TlsSession tls_;
  TcpConnection conn_;
  std::string host_;
  std::string received_;
  std::string error_;
  bool failed_ = false;
  bool closed_ = false;
};

template <typename F>
bool run_until(IoRingLoop& loop, F done, std::int64_t timeout_ns = 1500 * kMs) {
  const std::int64_t deadline = monotonic_ns() + timeout_ns;
  while (!done()) {
    if (monotonic_ns() > deadline) return false;
    loop.run_once(5 * kMs);
  }
  return true;
}

TcpAddress loopback(std::uint16_t port) {
  TcpAddress a;
  std::string err;
  EXPECT_TRUE(resolve_tcp_address("127.0.0.1", port, a, err)) << err;
  return a;
}

// Connects to a server presenting `cert` and returns the client error ("" = handshake ok).
std::string handshake_error(const ballast::testing::CertKey& cert, const std::string& host,
                            const std::string& ca_file, int server_max_version = 0) {
  TlsEchoServer server(cert.cert, cert.key, server_max_version);
  IoRingLoop loop(IoRingOptions{64, IdleMode::blocking, 2, 64 * 1024});
  TlsContext ctx(TlsContextOptions{ca_file});
  TlsClient client(loop, ctx, host);
  EXPECT_TRUE(client.conn_.connect(loopback(server.port())));
  EXPECT_TRUE(run_until(loop, [&] { return client.tls_.established() || client.failed_; }));
  std::string err = client.tls_.established() ? "" : client.error_;
  client.conn_.close();
  run_until(loop, [&] { return client.closed_; });
  return err;
}

TEST(TlsSessionTest, ConnectsWithTheTestCaAndEchoes) {
  const auto& certs = test_certs();
  TlsEchoServer server(certs.server.cert, certs.server.key);
  IoRingLoop loop(IoRingOptions{64, IdleMode::busy_poll, 2, 64 * 1024});
  TlsContext ctx(TlsContextOptions{certs.ca_cert});
  TlsClient client(loop, ctx, "localhost");
  ASSERT_TRUE(client.conn_.connect(loopback(server.port())));
  ASSERT_TRUE(run_until(loop, [&] { return client.tls_.established() || client.failed_; }))
      << client.error_;
  ASSERT_TRUE(client.tls_.established()) << client.error_;
  EXPECT_EQ(client.tls_.protocol(), "TLSv1.3");
  std::string expected;
  for (int i = 0; i < 50; ++i) {
    const std::string msg = "order " + std::to_string(i) + "|";
    ASSERT_TRUE(client.send(msg));
    expected += msg;
  }
  ASSERT_TRUE(run_until(loop, [&] { return client.received_.size() >= expected.size(); }));
  EXPECT_EQ(client.received_, expected);
  client.conn_.close();
  ASSERT_TRUE(run_until(loop, [&] { return client.closed_; }));
}

TEST(TlsSessionTest, VerifiesAnIpAddressAgainstTheIpSan) {
  const auto& certs = test_certs();
  EXPECT_EQ(handshake_error(certs.server, "127.0.0.1", certs.ca_cert), "");
}

TEST(TlsSessionTest, RefusesWrongHost) {
  const auto& certs = test_certs();
  EXPECT_EQ(handshake_error(certs.wrong_host, "localhost", certs.ca_cert),
            "certificate verify failed: hostname mismatch");
}

TEST(TlsSessionTest, RefusesWrongIpAddress) {
  const auto& certs = test_certs();
  EXPECT_EQ(handshake_error(certs.wrong_host, "127.0.0.1", certs.ca_cert),
            "certificate verify failed: IP address mismatch");
}

TEST(TlsSessionTest, RefusesExpiredCertificate) {
  const auto& certs = test_certs();
  EXPECT_EQ(handshake_error(certs.expired, "localhost", certs.ca_cert),
            "certificate verify failed: certificate has expired");
}

TEST(TlsSessionTest, RefusesCertificateFromUnknownCa) {
  const auto& certs = test_certs();
  EXPECT_EQ(handshake_error(certs.unknown_ca, "localhost", certs.ca_cert),
            "certificate verify failed: unable to get local issuer certificate");
}

TEST(TlsSessionTest, SystemTrustStoreDoesNotTrustTheTestCa) {
  const auto& certs = test_certs();
  EXPECT_EQ(handshake_error(certs.server, "localhost", ""),
            "certificate verify failed: unable to get local issuer certificate");
}

TEST(TlsSessionTest, RefusesTls11OnlyServer) {
  const auto& certs = test_certs();
  const std::string err = handshake_error(certs.server, "localhost", certs.ca_cert, TLS1_1_VERSION);
  EXPECT_NE(err, "");
  EXPECT_TRUE(err.find("protocol version") != std::string::npos ||
              err.find("unsupported protocol") != std::string::npos)
      << err;
}

TEST(TlsSessionTest, MissingCaFileIsASetupError) {
  EXPECT_THROW(TlsContext(TlsContextOptions{"/nonexistent/ca.pem"}), std::runtime_error);
}

}  // namespace
}  // namespace ballast::net::tls_session_test
