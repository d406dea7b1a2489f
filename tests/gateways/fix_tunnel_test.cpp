// The documented way to reach a remote FIX gateway (docs/fix-dialect.md, "Transport"):
// plain FIX to stunnel on loopback, TLS from there. Two real stunnel processes stand in
// for the desk's tunnel and the venue's TLS front end, all on 127.0.0.1; the gateway logs
// on through them, and a tunnel that does not trust the venue's certificate carries
// nothing. (Issue 14, item 8.)
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "../common/child_process.hpp"
#include "../common/loopback.hpp"
#include "../common/loopback_gateway.hpp"
#include "../common/perp_universe.hpp"
#include "../common/temp_dir.hpp"
#include "../net/test_certs.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"
#include "fix_test_acceptor.hpp"

namespace ballast::gateways::fix_tunnel_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ballast::testing::ChildProcess;

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  return ballast::testing::wait_for(done, timeout, 20ms);
}

// Something listens on 127.0.0.1:port.
bool port_open(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string write(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

class FixTunnelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ballast::testing::fresh_temp_dir("fix-tunnel");
    venue_port_ = ballast::testing::free_port();
    tls_port_ = ballast::testing::free_port();
    local_port_ = ballast::testing::free_port();
    acceptor_ = std::make_unique<testing::FixTestAcceptor>(venue_port_, (dir_ / "venue").string());
    acceptor_->start();
    const ballast::testing::TestCerts& certs = ballast::testing::test_certs();
    // The venue's TLS front end: TLS on tls_port_, plain FIX to the acceptor.
    const std::string server = write(
        dir_ / "server.conf",
        "foreground = yes\npid =\n[fix-venue]\naccept = 127.0.0.1:" + std::to_string(tls_port_) +
            "\nconnect = 127.0.0.1:" + std::to_string(venue_port_) +
            "\ncert = " + certs.server.cert + "\nkey = " + certs.server.key + "\n");
    server_ = std::make_unique<ChildProcess>(std::vector<std::string>{BALLAST_STUNNEL_BIN, server},
                                             (dir_ / "stunnel-server").string());
  }
  void TearDown() override {
    gateway_.reset();
    client_.reset();
    server_.reset();
    acceptor_.reset();
    fs::remove_all(dir_);
  }
  // The desk's side, as docs/fix-dialect.md shows it: accept plain on loopback, connect
  // with TLS, verify the chain against `ca` and the host name.
  void start_client_tunnel(const std::string& ca) {
    const std::string conf = write(
        dir_ / "client.conf",
        "foreground = yes\npid =\n[fix]\nclient = yes\naccept = 127.0.0.1:" +
            std::to_string(local_port_) + "\nconnect = 127.0.0.1:" + std::to_string(tls_port_) +
            "\nverifyChain = yes\nCAfile = " + ca + "\ncheckHost = localhost\n");
    client_ = std::make_unique<ChildProcess>(std::vector<std::string>{BALLAST_STUNNEL_BIN, conf},
                                             (dir_ / "stunnel-client").string());
    ASSERT_TRUE(wait_until([&] { return port_open(local_port_); }, 10s))
        << ballast::testing::read_file((dir_ / "stunnel-client.err").string());
    ASSERT_TRUE(wait_until([&] { return port_open(tls_port_); }, 10s))
        << ballast::testing::read_file((dir_ / "stunnel-server.err").string());
  }
  FixOrderGateway& start_gateway() {
    FixGatewayOptions o = ballast::testing::loopback_gateway_options(local_port_, dir_ / "ballast");
    gateway_ = std::make_unique<FixOrderGateway>(universe_, std::move(o));
    gateway_->start();
    return *gateway_;
  }

  fs::path dir_;
  int venue_port_ = 0, tls_port_ = 0, local_port_ = 0;
  Universe universe_ = ballast::testing::btcusdt_universe();
  std::unique_ptr<testing::FixTestAcceptor> acceptor_;
  std::unique_ptr<ChildProcess> server_, client_;
  std::unique_ptr<FixOrderGateway> gateway_;
};

TEST_F(FixTunnelTest, GatewayLogsOnThroughAVerifiedTlsTunnel) {
  start_client_tunnel(ballast::testing::test_certs().ca_cert);
  FixOrderGateway& g = start_gateway();
  EXPECT_TRUE(wait_until([&] { return g.logged_on() && acceptor_->logged_on(); }, 20s))
      << ballast::testing::read_file((dir_ / "stunnel-client.err").string());
}

TEST_F(FixTunnelTest, TunnelThatDoesNotTrustTheVenueCarriesNothing) {
  start_client_tunnel(ballast::testing::test_certs().unknown_ca_cert);
  FixOrderGateway& g = start_gateway();
  std::this_thread::sleep_for(3s);
  EXPECT_FALSE(g.logged_on());
  EXPECT_FALSE(acceptor_->logged_on());
}

}  // namespace
}  // namespace ballast::gateways::fix_tunnel_test
