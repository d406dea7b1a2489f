// The FixOrderGateway test fixture: a two-instrument universe, a real QuickFIX acceptor
// on a loopback port with a temporary store, and a gateway started against it. Shared by
// the gateway's test executables.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../common/loopback.hpp"
#include "../common/loopback_gateway.hpp"
#include "../common/temp_dir.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"
#include "fix_test_acceptor.hpp"

namespace ballast::gateways::fix_testing {

using ballast::testing::ExecSpec;
using ballast::testing::FixTestAcceptor;
using ballast::testing::free_port;
using ballast::testing::fresh_temp_dir;
using ballast::testing::wait_for;
namespace fs = std::filesystem;

inline Universe test_universe() {
  Universe u;
  u.base_currency = u.intern_asset("USDT");
  auto add = [&](const char* symbol, const char* base, Decimal lot, Decimal tick) {
    InstrumentSpec s;
    s.symbol = symbol;
    s.kind = InstrumentKind::perpetual;
    s.base = u.intern_asset(base);
    s.quote = u.base_currency;
    s.lot_size = lot;
    s.tick_size = tick;
    s.derive();
    u.instruments.push_back(s);
  };
  add("BTCUSDT", "BTC", Decimal{1, 3}, Decimal{1, 1});  // 0.001 lots, 0.1 ticks
  add("ETHUSDT", "ETH", Decimal{1, 2}, Decimal{1, 2});  // 0.01 lots, 0.01 ticks
  return u;
}

inline constexpr InstrumentId kBtc = 0;
inline constexpr InstrumentId kEth = 1;

using ballast::testing::order;

class FixGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("ballast-fix-test");
    port_ = free_port();
    acceptor_ = std::make_unique<FixTestAcceptor>(port_, (dir_ / "venue").string());
    acceptor_->start();
  }

  void TearDown() override {
    gateway_.reset();  // logs out first, so the acceptor sees a clean Logout
    acceptor_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  FixGatewayOptions options() const {
    return ballast::testing::loopback_gateway_options(port_, dir_ / "ballast");
  }

  FixOrderGateway& start_gateway(FixGatewayOptions o) {
    gateway_ = std::make_unique<FixOrderGateway>(universe_, std::move(o));
    gateway_->start();
    EXPECT_TRUE(wait_for([&] { return gateway_->logged_on() && acceptor_->logged_on(); }))
        << "no logon";
    return *gateway_;
  }
  FixOrderGateway& start_gateway() { return start_gateway(options()); }

  // Polls until `n` reports have arrived (or the timeout). Session events (session_up,
  // session_down) are set aside in session_events_ unless `with_session_events`.
  std::vector<ExecReport> reports(std::size_t n, bool with_session_events = false) {
    std::vector<ExecReport> got;
    wait_for([&] {
      ExecReport buf[16];
      const std::size_t k = gateway_->poll_reports(buf, 16);
      for (std::size_t i = 0; i < k; ++i) {
        const bool session =
            buf[i].kind == ExecKind::session_up || buf[i].kind == ExecKind::session_down;
        if (session) session_events_.push_back(buf[i]);
        if (!session || with_session_events) got.push_back(buf[i]);
      }
      return got.size() >= n;
    });
    return got;
  }

  std::size_t order_count() const { return acceptor_->orders().size(); }

  Universe universe_ = test_universe();
  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<FixTestAcceptor> acceptor_;
  std::unique_ptr<FixOrderGateway> gateway_;
  std::vector<ExecReport> session_events_;
};

}  // namespace ballast::gateways::fix_testing
