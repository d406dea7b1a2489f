// The FIX leg's cost per NewOrderSingle, step by step (issue 5). Run:
//   build/release/bench/ballast_bench_fix --benchmark_repetitions=5
//
//   BM_FixMessage_Build/{reused,fresh}   the message text only (fill, header, BodyLength,
//                                        CheckSum): MessageTextBuilder, no session
//   BM_FixStore_Persist/<store>          what Session::persist does per message: set() +
//                                        incrNextSenderMsgSeqNum(), on the calling thread
//   BM_FixSession_Send/<store>/<reuse>   FixSession::send end to end: build, store, socket
//                                        write, against a real QuickFIX acceptor on loopback
//   BM_FixGateway_Send/<store>           FixOrderGateway::send (the order agent's call:
//                                        decimal encoding + the above)
//
// The send benchmarks keep one order in flight: each iteration times the send alone
// (manual time, steady_clock) and then waits, untimed, until the acceptor has received
// the message, so the socket never backs up (the hot path sends one order per tick, not
// a flood). Stores live under the system temp directory (the same ext4 as the build
// here). <store>: async_file (the default), file (QuickFIX FileStore, the old default),
// memory, null_store.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "../tests/common/loopback.hpp"
#include "../tests/common/loopback_gateway.hpp"
#include "../tests/common/perp_universe.hpp"
#include "../tests/common/temp_dir.hpp"
#include "ballast/core/guarded_main.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"
#include "fix_bench_acceptor.hpp"
#include "fix_bench_store.hpp"
#include "fix_session.hpp"

namespace {

using namespace ballast;
namespace fs = std::filesystem;
namespace fix = ballast::gateways::fix;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kSendIterations = 20000;

const char* const kStoreNames[] = {"async_file", "file", "memory", "null_store"};

fix::FixText text(const std::string& s) {
  return fix::FixText{s.data(), s.size()};
}

// A typical hedge order's values as the gateway hands them to the session.
struct OrderText {
  char id[24];
  std::string symbol = "BTCUSDT";
  std::string qty = "0.125";
  std::string price = "50123.4";
  fix::OutboundOrder make(std::uint64_t n) {
    const int len = std::snprintf(id, sizeof id, "%llu", static_cast<unsigned long long>(n));
    fix::OutboundOrder o;
    o.msg_type = 'D';
    o.cl_ord_id = fix::FixText{id, static_cast<std::size_t>(len)};
    o.symbol = text(symbol);
    o.side = n % 2 ? '1' : '2';
    o.qty = text(qty);
    o.price = text(price);
    o.ord_type = '2';
    o.time_in_force = '3';
    return o;
  }
};

// Waits (untimed) until the acceptor has `n` application messages.
bool await_messages(const bench::FixBenchAcceptor& acceptor, std::uint64_t n) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (acceptor.app_messages() < n) {
    if (Clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

void BM_FixMessage_Build(benchmark::State& state, bool reuse) {
  fix::MessageTextBuilder builder("BALLAST", "VENUE");
  OrderText t;
  std::string out;
  std::uint64_t n = 0;
  for (auto _ : state) {
    ++n;
    const std::size_t len = builder.build(t.make(n), static_cast<int>(n), reuse, out);
    benchmark::DoNotOptimize(len);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel(std::to_string(out.size()) + " bytes");
}

void BM_FixStore_Persist(benchmark::State& state, int kind) {
  const fs::path dir = testing::fresh_temp_dir("ballast-fix-bench-store");
  {
    bench::StoreProbe probe(kind, dir.string());
    fix::MessageTextBuilder builder("BALLAST", "VENUE");
    OrderText t;
    std::string msg;
    builder.build(t.make(1), 1, true, msg);
    for (auto _ : state) {
      if (!probe.persist(msg)) {
        state.SkipWithError("store refused a message");
        break;
      }
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

class NoEvents final : public fix::SessionEvents {
 public:
  void on_logon() override {}
  void on_logout() override {}
  void on_peer_logout(const std::string&) override {}
  void on_socket_error(const std::string&, const std::string&) override {}
  fix::InboundVerdict on_report(const fix::InboundReport&) override { return {}; }
  fix::InboundVerdict on_market_data(const fix::InboundMarketData&) override { return {}; }
  void on_md_reject(const fix::InboundMdReject&) override {}
  fix::InboundVerdict on_funding(const fix::InboundFunding&) override { return {}; }
  fix::InboundVerdict on_position(const fix::InboundPosition&) override { return {}; }
  void on_unsupported(const std::string&) override {}
  void on_resend_suppressed() override {}
  void on_session_reject() override {}
};

void BM_FixSession_Send(benchmark::State& state, int kind, bool reuse) {
  const fs::path dir = testing::fresh_temp_dir("ballast-fix-bench-session");
  const int port = testing::free_port();
  {
    bench::FixBenchAcceptor acceptor(port);
    NoEvents events;
    fix::SessionOptions so;
    so.settings_path = testing::kInitiatorSettings;
    so.host_override = "127.0.0.1";
    so.port_override = port;
    so.store_path_override = dir.string();
    so.store = static_cast<fix::StoreKind>(kind);
    so.reuse_messages = reuse;
    fix::FixSession session(so, events);
    session.start();
    if (!testing::wait_for([&] {
          return acceptor.logged_on() && session.send(OrderText().make(0)) == fix::SendResult::sent;
        })) {
      state.SkipWithError("no logon");
      return;
    }
    await_messages(acceptor, 1);
    OrderText t;
    std::uint64_t n = 1;
    for (auto _ : state) {
      ++n;
      const fix::OutboundOrder o = t.make(n);
      const auto t0 = Clock::now();
      const fix::SendResult r = session.send(o);
      const auto t1 = Clock::now();
      state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
      if (r != fix::SendResult::sent || !await_messages(acceptor, n)) {
        state.SkipWithError("send failed or the acceptor did not receive it");
        break;
      }
    }
    if (acceptor.rejects_sent() != 0) state.SkipWithError("the acceptor rejected messages");
    session.stop(1000);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void BM_FixGateway_Send(benchmark::State& state, gateways::FixStoreKind kind) {
  const fs::path dir = testing::fresh_temp_dir("ballast-fix-bench-gateway");
  const int port = testing::free_port();
  const Universe universe = testing::btcusdt_universe();
  {
    bench::FixBenchAcceptor acceptor(port);
    gateways::FixGatewayOptions o = testing::loopback_gateway_options(port, dir);
    o.store = kind;
    o.subscribe_market_data = false;
    gateways::FixOrderGateway gateway(universe, o);
    gateway.start();
    if (!testing::wait_for([&] { return gateway.logged_on() && acceptor.logged_on(); })) {
      state.SkipWithError("no logon");
      return;
    }
    OrderRequest order;
    order.instrument = 0;
    order.lots = 125;            // 0.125
    order.limit_ticks = 501234;  // 50123.4
    std::uint64_t n = 0;
    ExecReport reports[8];
    for (auto _ : state) {
      ++n;
      order.client_order_id = n;
      order.side = n % 2 ? Side::buy : Side::sell;
      const auto t0 = Clock::now();
      const bool ok = gateway.send(order);
      const auto t1 = Clock::now();
      state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
      if (!ok || !await_messages(acceptor, n)) {
        state.SkipWithError("send failed or the acceptor did not receive it");
        break;
      }
      gateway.poll_reports(reports, 8);  // session_up; nothing else comes back
    }
    if (acceptor.rejects_sent() != 0) state.SkipWithError("the acceptor rejected messages");
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void register_all() {
  benchmark::RegisterBenchmark("BM_FixMessage_Build/reused", BM_FixMessage_Build, true);
  benchmark::RegisterBenchmark("BM_FixMessage_Build/fresh", BM_FixMessage_Build, false);
  for (int k = 0; k < 4; ++k)
    benchmark::RegisterBenchmark((std::string("BM_FixStore_Persist/") + kStoreNames[k]).c_str(),
                                 BM_FixStore_Persist, k);
  // The before/after grid: FileStore and fresh objects vs the chosen store and reuse.
  const int session_cases[][2] = {{1, 0}, {1, 1}, {0, 0}, {0, 1}, {2, 1}, {3, 1}};
  for (const auto& c : session_cases)
    benchmark::RegisterBenchmark(
        (std::string("BM_FixSession_Send/") + kStoreNames[c[0]] + (c[1] ? "/reused" : "/fresh"))
            .c_str(),
        BM_FixSession_Send, c[0], c[1] != 0)
        ->UseManualTime()
        ->Iterations(kSendIterations);
  for (int k = 0; k < 4; ++k)
    benchmark::RegisterBenchmark((std::string("BM_FixGateway_Send/") + kStoreNames[k]).c_str(),
                                 BM_FixGateway_Send, static_cast<gateways::FixStoreKind>(k))
        ->UseManualTime()
        ->Iterations(kSendIterations);
}

}  // namespace

static int run_main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

int main(int argc, char** argv) {
  return ballast::run_guarded_main("ballast_bench_fix", run_main, argc, argv);
}
