// End to end over WebSocket (issue 6), real processes on loopback: `ballast run` (the
// engine) routes venue "binance-ws" over the Binance USDⓈ-M WebSocket dialect (market
// streams, signed order.place on the WebSocket API, fills from the user-data stream) and
// the rest over FIX, against `ballast-venue` (its own process, FIX acceptor and WebSocket
// server on the same books) or the simulator embedded in `ballast run`. Every test starts
// from config/demo.toml (the Seed 000 book, 65/35 against 50/50) with ports, stores and
// state moved to a temporary directory, and checks the engine's JSON summary against the
// venue's own account of the WebSocket client ("ws:BALLAST").
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "../common/child_process.hpp"
#include "../common/loopback.hpp"
#include "test_certs.hpp"

namespace ws_end_to_end_test {

using ballast::testing::ChildProcess;
using ballast::testing::free_port;
using ballast::testing::read_file;

std::string source(const std::string& rel) {
  return std::string(BALLAST_SOURCE_DIR) + "/" + rel;
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "config/demo.toml no longer has: " << from;
  text.replace(at, from.size(), to);
}

// A test key pair (hex, as Binance's); never a real one.
const std::string kApiKey = "b4ll4stT3stK3yWsEndToEnd0000000000000000000000000000000000000001";
const std::string kApiSecret = "b4ll4stT3stS3cr3tWsEndToEnd000000000000000000000000000000000002";

// What a test changes in the demo config.
struct Scenario {
  bool embedded = false;
  // Every futures instrument on venue "binance-ws" (spot stays on FIX: market data only),
  // so all orders go over WebSocket. false: the demo's routing (ETHUSDT-PERP only).
  bool all_futures_over_ws = true;
  bool tls = false;
  std::string credentials_file;  // both sides; "" = the environment
  std::string venue_extra;       // more [venue] keys
  double volatility = 0.3;       // calmer than the demo's 0.8 (see end_to_end_test.cpp)
};

// The engine's `ballast run --json` summary, the parts these tests read.
struct EngineSummary {
  std::int64_t ticks = 0, orders = 0, fills = 0, rejects = 0;
  double drift_before = 0, drift_after = 1;
  std::map<std::string, std::int64_t> positions;
  std::int64_t session_downs = 0, session_ups = 0, unknown_at_exit = -1, orders_lost = 0;
  std::int64_t fix_logons = 0;
  // "websocket": {"binance-ws": {...}}
  bool has_ws = false;
  std::int64_t ws_orders_sent = 0, ws_session_ups = 0, ws_session_downs = 0;
  std::int64_t ws_api_connects = 0, ws_user_connects = 0, ws_rejects = 0, ws_malformed = 0;
  std::int64_t ws_reports_dropped = 0, ws_md_ticks = 0, ws_md_malformed = 0;
  // "venue" (embedded only)
  bool has_venue = false;
  std::int64_t venue_fix_orders = 0, venue_ws_orders = -1, venue_ws_rejects = -1;
  std::map<std::string, std::int64_t> venue_ws_rejects_by_code;
  std::map<std::string, std::map<std::string, double>> venue_clients;  // session -> positions
};

// The venue process's last stdout line: "stopped: ... ws_orders=N ... | BALLAST: cash=...
// BTCUSDT-PERP=-3 | ws:BALLAST: cash=... ETHUSDT-PERP=42".
struct VenueLine {
  bool found = false;
  std::map<std::string, double> counters;                         // orders, ws_orders...
  std::map<std::string, std::map<std::string, double>> accounts;  // name -> key -> value
};

VenueLine parse_venue_line(const std::string& out) {
  VenueLine v;
  const auto stop = out.rfind("stopped:");
  if (stop == std::string::npos) return v;
  v.found = true;
  const std::string line = out.substr(stop, out.find('\n', stop) - stop);
  std::string account;  // "" while in the counters
  std::string token;
  auto take = [&] {
    if (token.empty() || token == "|") return;
    if (token.back() == ':' && token.find('=') == std::string::npos) {
      if (token != "stopped:") account = token.substr(0, token.size() - 1);
      return;
    }
    const auto eq = token.find('=');
    if (eq == std::string::npos) return;
    const double value = std::strtod(token.c_str() + eq + 1, nullptr);
    if (account.empty())
      v.counters[token.substr(0, eq)] = value;
    else
      v.accounts[account][token.substr(0, eq)] = value;
  };
  for (char c : line + " ") {
    if (c == ' ') {
      take();
      token.clear();
    } else {
      token += c;
    }
  }
  return v;
}

bool is_futures_symbol(const std::string& key) {
  return key.find("-PERP") != std::string::npos || key.find("-2") != std::string::npos;
}

class WsEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        ::testing::TempDir() + "ballast_ws_e2e_" + std::to_string(::getpid()) + "_" + info->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    port_ = free_port();
    ws_port_ = free_port();
    while (ws_port_ == port_) ws_port_ = free_port();
    ::unsetenv("BALLAST_API_KEY");
    ::unsetenv("BALLAST_API_SECRET");
  }
  void TearDown() override {
    ::unsetenv("BALLAST_API_KEY");
    ::unsetenv("BALLAST_API_SECRET");
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  // The children inherit the test's environment.
  static void use_env_credentials() {
    ::setenv("BALLAST_API_KEY", kApiKey.c_str(), 1);
    ::setenv("BALLAST_API_SECRET", kApiSecret.c_str(), 1);
  }

  // A 0600 credentials file both sides read (the engine's [websocket] credentials_file and
  // the venue's [venue] ws_credentials_file).
  std::string write_credentials_file() {
    const std::string path = dir_ + "/credentials.toml";
    std::ofstream(path) << "api_key = \"" << kApiKey << "\"\napi_secret = \"" << kApiSecret
                        << "\"\n";
    ::chmod(path.c_str(), 0600);
    return path;
  }

  std::string write_config(const Scenario& s) {
    std::string text = read_file(source("config/demo.toml"));
    replace_once(text, "state_dir = \"../build/demo/state\"", "state_dir = \"" + dir_ + "/state\"");
    replace_once(text, "fix_settings = \"fix/ballast-initiator.cfg\"",
                 "fix_settings = \"" + source("config/fix/ballast-initiator.cfg") + "\"\n" +
                     "fix_host = \"127.0.0.1\"\nfix_port = " + std::to_string(port_));
    replace_once(text, "fix_store = \"../build/demo/fix-store\"",
                 "fix_store = \"" + dir_ + "/fix\"");
    replace_once(text, "store_dir = \"../build/demo/venue-store\"",
                 "store_dir = \"" + dir_ + "/venue\"\n" + s.venue_extra);
    replace_once(text, "\nport = 9878", "\nport = " + std::to_string(port_));
    replace_once(text, "ws_port = 9879", "ws_port = " + std::to_string(ws_port_));
    replace_once(text, "volatility = 0.8", "volatility = " + std::to_string(s.volatility));
    // [websocket]: the venue process's port (no port: the embedded venue's ws_port).
    std::string ws = "venues = [\"binance-ws\"]\n";
    if (!s.embedded) ws += "port = " + std::to_string(ws_port_) + "\n";
    if (s.tls) {
      const auto& certs = ballast::testing::test_certs();
      ws += "tls = true\nca_file = \"" + certs.ca_cert + "\"\nserver_name = \"localhost\"\n";
      replace_once(text, "ws_port = " + std::to_string(ws_port_),
                   "ws_port = " + std::to_string(ws_port_) + "\nws_cert_file = \"" +
                       certs.server.cert + "\"\nws_key_file = \"" + certs.server.key + "\"");
    }
    if (!s.credentials_file.empty()) {
      ws += "credentials_file = \"" + s.credentials_file + "\"\n";
      replace_once(text, "ws_port = " + std::to_string(ws_port_),
                   "ws_port = " + std::to_string(ws_port_) + "\nws_credentials_file = \"" +
                       s.credentials_file + "\"");
    }
    replace_once(text, "venues = [\"binance-ws\"]\n", ws);
    if (s.all_futures_over_ws) {
      for (const char* symbol : {"BTCUSDT-PERP", "BTCUSDT-261225"}) {
        const std::string head = std::string("symbol = \"") + symbol + "\"\n";
        replace_once(text, head, head + "venue = \"binance-ws\"\n");
      }
    }
    if (!s.embedded) replace_once(text, "embedded = true", "embedded = false");
    // No control socket: config/demo.toml's lives in build/demo, shared by every run
    // (tests/integration/control_end_to_end_test.cpp gives each engine its own).
    replace_once(text,
                 "[control]\nsocket = \"../build/demo/ballast.sock\"\n"
                 "audit_log = \"../build/demo/control-audit.log\"\n",
                 "");
    const std::string path = dir_ + "/ballast.toml";
    std::ofstream(path) << text;
    return path;
  }

  std::unique_ptr<ChildProcess> start_venue(const std::string& config, bool tls = false) {
    auto venue = std::make_unique<ChildProcess>(
        std::vector<std::string>{BALLAST_VENUE_BIN, "--config", config},
        dir_ + "/venue" + std::to_string(++runs_));
    EXPECT_TRUE(venue->wait_for_output(std::string(tls ? "wss" : "ws") +
                                       "://127.0.0.1:" + std::to_string(ws_port_)))
        << venue->out() << venue->err();
    EXPECT_TRUE(venue->wait_for_output("FIX 4.4 on port")) << venue->out() << venue->err();
    return venue;
  }

  std::unique_ptr<ChildProcess> start_engine(const std::string& config, double seconds) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{BALLAST_BIN, "run", "--config", config, "--duration",
                                 std::to_string(seconds), "--json"},
        dir_ + "/engine" + std::to_string(++runs_));
  }

  // The latest "orders N" of the engine's once-a-second status line.
  static std::int64_t status_orders(const std::string& err) {
    const auto at = err.rfind(" orders ");
    if (at == std::string::npos) return -1;
    return std::strtoll(err.c_str() + at + 8, nullptr, 10);
  }

  EngineSummary finish_engine(ChildProcess& engine) {
    EngineSummary s;
    const int code = engine.wait(std::chrono::milliseconds(30000));
    last_engine_ = engine.out() + "\n" + engine.err();
    EXPECT_EQ(code, 0) << last_engine_;
    parse_engine(engine.out(), s);
    return s;
  }

  static void parse_engine(const std::string& out, EngineSummary& s) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
    auto i = [&](simdjson::dom::element from, const char* key, std::int64_t& into) {
      ASSERT_EQ(from.at_pointer(key).get(into), simdjson::SUCCESS) << key << "\n" << out;
    };
    i(doc, "/ticks", s.ticks);
    i(doc, "/orders", s.orders);
    i(doc, "/fills", s.fills);
    i(doc, "/rejects", s.rejects);
    ASSERT_EQ(doc.at_pointer("/max_abs_drift_before").get(s.drift_before), simdjson::SUCCESS);
    ASSERT_EQ(doc.at_pointer("/max_abs_drift_after").get(s.drift_after), simdjson::SUCCESS);
    i(doc, "/sessions/downs", s.session_downs);
    i(doc, "/sessions/ups", s.session_ups);
    i(doc, "/sessions/unknown_orders_at_exit", s.unknown_at_exit);
    i(doc, "/sessions/orders_lost", s.orders_lost);
    simdjson::dom::object positions;
    ASSERT_EQ(doc["positions"].get(positions), simdjson::SUCCESS) << out;
    for (auto field : positions) {
      std::int64_t lots = 0;
      ASSERT_EQ(field.value.get(lots), simdjson::SUCCESS);
      s.positions[std::string(field.key)] = lots;
    }
    simdjson::dom::element ws;
    if (doc["websocket"]["binance-ws"].get(ws) == simdjson::SUCCESS) {
      s.has_ws = true;
      i(ws, "/orders_sent", s.ws_orders_sent);
      i(ws, "/session_ups", s.ws_session_ups);
      i(ws, "/session_downs", s.ws_session_downs);
      i(ws, "/api_connects", s.ws_api_connects);
      i(ws, "/user_connects", s.ws_user_connects);
      i(ws, "/rejects", s.ws_rejects);
      i(ws, "/malformed", s.ws_malformed);
      i(ws, "/reports_dropped", s.ws_reports_dropped);
      i(ws, "/market_data/ticks", s.ws_md_ticks);
      i(ws, "/market_data/malformed", s.ws_md_malformed);
    }
    simdjson::dom::element venue;
    if (doc["venue"].get(venue) == simdjson::SUCCESS) {
      s.has_venue = true;
      i(venue, "/orders", s.venue_fix_orders);
      simdjson::dom::element vws;
      if (venue["ws"].get(vws) == simdjson::SUCCESS) {
        i(vws, "/orders", s.venue_ws_orders);
        i(vws, "/rejects", s.venue_ws_rejects);
        simdjson::dom::object by_code;
        if (vws["rejects_by_code"].get(by_code) == simdjson::SUCCESS)
          for (auto field : by_code) {
            std::int64_t count = 0;
            ASSERT_EQ(field.value.get(count), simdjson::SUCCESS);
            s.venue_ws_rejects_by_code[std::string(field.key)] = count;
          }
      }
      simdjson::dom::array clients;
      ASSERT_EQ(venue["clients"].get(clients), simdjson::SUCCESS) << out;
      for (auto client : clients) {
        std::string_view session;
        ASSERT_EQ(client["session"].get(session), simdjson::SUCCESS);
        auto& into = s.venue_clients[std::string(session)];
        simdjson::dom::object pos;
        ASSERT_EQ(client["positions"].get(pos), simdjson::SUCCESS);
        for (auto field : pos) {
          double c = 0;
          ASSERT_EQ(field.value.get(c), simdjson::SUCCESS);
          into[std::string(field.key)] += c;
        }
      }
    }
  }

  // The venue's positions of the WebSocket account (its name starts with "ws:").
  static std::map<std::string, double> ws_account(
      const std::map<std::string, std::map<std::string, double>>& accounts) {
    std::map<std::string, double> out;
    for (const auto& [name, values] : accounts)
      if (name.rfind("ws:", 0) == 0)
        for (const auto& [key, value] : values)
          if (is_futures_symbol(key)) out[key] += value;
    return out;
  }
  // Every other account's (the FIX client's) positions.
  static std::map<std::string, double> fix_accounts(
      const std::map<std::string, std::map<std::string, double>>& accounts) {
    std::map<std::string, double> out;
    for (const auto& [name, values] : accounts)
      if (name.find("ws:") == std::string::npos)
        for (const auto& [key, value] : values)
          if (is_futures_symbol(key)) out[key] += value;
    return out;
  }

  // Every futures position the engine holds is the venue's, and the venue holds no other.
  static void expect_positions_agree(const std::map<std::string, std::int64_t>& engine,
                                     const std::map<std::string, double>& venue,
                                     const std::string& what) {
    for (const auto& [symbol, lots] : engine) {
      const auto it = venue.find(symbol);
      EXPECT_DOUBLE_EQ(static_cast<double>(lots), it == venue.end() ? 0.0 : it->second)
          << what << " " << symbol;
    }
    for (const auto& [symbol, contracts] : venue) {
      const auto it = engine.find(symbol);
      EXPECT_DOUBLE_EQ(contracts, it == engine.end() ? 0.0 : static_cast<double>(it->second))
          << what << " " << symbol << " (venue only)";
    }
  }

  // Engine and venue process after a run with every futures instrument over WebSocket:
  // the orders went over WebSocket, once each, filled, and both sides hold the same book.
  void expect_ws_run_consistent(const EngineSummary& e, const VenueLine& v,
                                bool connections_dropped = false) {
    ASSERT_TRUE(e.has_ws) << last_engine_;
    ASSERT_TRUE(v.found);
    EXPECT_GT(e.drift_before, kBand);
    EXPECT_GE(e.orders, 2) << last_engine_;  // short BTC, long ETH
    EXPECT_GE(e.fills, 2) << last_engine_;
    EXPECT_GT(e.ws_md_ticks, 0);
    EXPECT_EQ(e.ws_md_malformed, 0);
    EXPECT_EQ(e.ws_malformed, 0);
    EXPECT_EQ(e.ws_reports_dropped, 0);
    EXPECT_EQ(e.unknown_at_exit, 0);
    // Every order the engine sent over WebSocket reached the venue at most once: the venue
    // counts every order.place it read, so a re-sent order would make it count more. An
    // order lost with a reset connection (never read) is one the status query found
    // missing (orders_lost, which also counts an order refused while its reply was lost).
    const auto venue_orders = static_cast<std::int64_t>(v.counters.at("ws_orders"));
    if (connections_dropped) {
      EXPECT_LE(venue_orders, e.ws_orders_sent) << last_engine_;
      EXPECT_GE(venue_orders, e.ws_orders_sent - e.orders_lost) << last_engine_;
    } else {
      EXPECT_EQ(venue_orders, e.ws_orders_sent) << last_engine_;
      EXPECT_EQ(v.counters.at("ws_rejects"), 0.0);  // so no -4116 (duplicate clientOrderId)
      EXPECT_EQ(e.ws_rejects, 0);
    }
    EXPECT_EQ(v.counters.at("orders"), 0.0);  // nothing over FIX: spot is market data only
    const auto venue_ws = ws_account(v.accounts);
    expect_positions_agree(e.positions, venue_ws, "ws account");
    // Hedged: short BTC, long ETH perpetuals.
    EXPECT_LT(e.positions.at("BTCUSDT-PERP") + e.positions.at("BTCUSDT-261225"), 0);
    EXPECT_GT(e.positions.at("ETHUSDT-PERP"), 0);
  }

  static constexpr double kBand = 0.05;  // config/demo.toml: both targets 50% +- 5%
  std::string dir_;
  int port_ = 0;
  int ws_port_ = 0;
  int runs_ = 0;
  std::string last_engine_;
};

// (a) A separate venue process over plain ws://, credentials from the environment.
TEST_F(WsEndToEndTest, OrdersAndFillsOverPlainWebSocketMatchTheVenue) {
  use_env_credentials();
  const std::string config = write_config({});
  auto venue = start_venue(config);
  auto engine = start_engine(config, 8);
  const EngineSummary e = finish_engine(*engine);
  venue->signal(SIGTERM);
  ASSERT_EQ(venue->wait(), 0) << venue->err();
  const VenueLine v = parse_venue_line(venue->out());
  ASSERT_TRUE(v.found) << venue->out();
  expect_ws_run_consistent(e, v);
  EXPECT_EQ(e.ws_session_ups, 1);
  EXPECT_LE(e.ws_session_downs, 1);       // the one at shutdown
  EXPECT_EQ(e.ws_orders_sent, e.orders);  // every order went over WebSocket
  EXPECT_LT(e.drift_after, kBand) << last_engine_;
  EXPECT_NE(e.ws_orders_sent, 0);
}

// (b) The same over TLS (wss://, a test CA generated at start-up, host name verified),
// credentials from a 0600 file on both sides.
TEST_F(WsEndToEndTest, OrdersAndFillsOverTlsMatchTheVenue) {
  Scenario s;
  s.tls = true;
  s.credentials_file = write_credentials_file();
  const std::string config = write_config(s);
  auto venue = start_venue(config, true);
  auto engine = start_engine(config, 8);
  const EngineSummary e = finish_engine(*engine);
  venue->signal(SIGTERM);
  ASSERT_EQ(venue->wait(), 0) << venue->err();
  const VenueLine v = parse_venue_line(venue->out());
  ASSERT_TRUE(v.found) << venue->out();
  expect_ws_run_consistent(e, v);
  EXPECT_EQ(e.ws_session_ups, 1);
  EXPECT_LE(e.ws_session_downs, 1);
  EXPECT_EQ(e.ws_orders_sent, e.orders);
  EXPECT_LT(e.drift_after, kBand) << last_engine_;
}

// (c) The venue resets every connection (`drop`, TCP RST) three times while the engine
// is hedging: the engine reconnects each time, never sends an order twice, and ends with
// the venue's positions.
TEST_F(WsEndToEndTest, DroppedConnectionsReconnectWithoutDuplicateOrders) {
  use_env_credentials();
  const std::string config = write_config({});
  auto venue = start_venue(config);
  auto engine = start_engine(config, 14);
  ASSERT_TRUE(ballast::testing::wait_for([&] { return status_orders(engine->err()) >= 1; },
                                         std::chrono::milliseconds(15000),
                                         std::chrono::milliseconds(10)))
      << engine->err();
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(venue->send_line("drop"));
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  }
  const EngineSummary e = finish_engine(*engine);
  venue->signal(SIGTERM);
  ASSERT_EQ(venue->wait(), 0) << venue->err();
  const VenueLine v = parse_venue_line(venue->out());
  ASSERT_TRUE(v.found) << venue->out();
  EXPECT_GE(v.counters.at("ws_drops"), 3.0) << venue->out();  // connections reset
  EXPECT_GE(e.ws_session_downs, 1) << last_engine_;
  EXPECT_GE(e.ws_session_ups, 2) << last_engine_;
  EXPECT_GE(e.ws_api_connects, 2);
  EXPECT_GE(e.ws_user_connects, 2);
  EXPECT_LE(v.counters.at("ws_rejects"), static_cast<double>(e.ws_rejects));
  expect_ws_run_consistent(e, v, true);
  EXPECT_LT(e.drift_after, kBand) << last_engine_;
}

// (c') Drops scheduled in an embedded venue ([venue] faults), every futures instrument
// over WebSocket: the venue's own counters (in the engine's summary) name each refusal
// by code, so this one checks that no order came twice (-4116: clientOrderId of an order
// still open) and that the venue read no more orders than the engine sent.
TEST_F(WsEndToEndTest, ScheduledDropsInAnEmbeddedVenueNeverDuplicateAnOrder) {
  Scenario s;
  s.embedded = true;
  s.venue_extra = "faults = [\"1.5 drop\", \"2.5 drop\", \"4 drop\"]";
  const std::string config = write_config(s);
  auto engine = start_engine(config, 10);
  const EngineSummary e = finish_engine(*engine);
  ASSERT_TRUE(e.has_venue) << last_engine_;
  ASSERT_TRUE(e.has_ws) << last_engine_;
  std::string codes;
  for (const auto& [code, count] : e.venue_ws_rejects_by_code)
    codes += code + "=" + std::to_string(count) + " ";
  EXPECT_EQ(e.venue_ws_rejects_by_code.count("-4116"), 0u) << codes;
  EXPECT_GE(e.ws_session_ups, 2) << last_engine_;
  EXPECT_GE(e.ws_session_downs, 1) << last_engine_;
  EXPECT_LE(e.venue_ws_orders, e.ws_orders_sent) << last_engine_;
  EXPECT_GE(e.venue_ws_orders, e.ws_orders_sent - e.orders_lost) << last_engine_;
  EXPECT_EQ(e.venue_fix_orders, 0);
  EXPECT_EQ(e.unknown_at_exit, 0);
  EXPECT_GE(e.fills, 2) << last_engine_;
  expect_positions_agree(e.positions, ws_account(e.venue_clients), "ws account");
  EXPECT_LT(e.drift_after, kBand) << last_engine_ << "\nrejects by code: " << codes;
}

// (d) The demo as shipped, embedded: BTC futures (and spot market data) over FIX,
// ETHUSDT-PERP over WebSocket, no credentials given (`ballast run` makes a one-off pair
// for itself and its simulator). Both routes trade; each venue account is the engine's.
TEST_F(WsEndToEndTest, EmbeddedDemoTradesOverFixAndWebSocket) {
  Scenario s;
  s.embedded = true;
  s.all_futures_over_ws = false;
  const std::string config = write_config(s);
  auto engine = start_engine(config, 8);
  const EngineSummary e = finish_engine(*engine);
  ASSERT_TRUE(e.has_venue) << last_engine_;
  ASSERT_TRUE(e.has_ws) << last_engine_;
  EXPECT_GT(e.drift_before, kBand);
  EXPECT_LT(e.drift_after, kBand) << last_engine_;
  EXPECT_EQ(e.unknown_at_exit, 0);
  // Both venues traded: BTC short over FIX, ETH long over WebSocket.
  EXPECT_GE(e.venue_fix_orders, 1) << last_engine_;
  EXPECT_GE(e.ws_orders_sent, 1) << last_engine_;
  EXPECT_EQ(e.venue_ws_orders, e.ws_orders_sent);
  EXPECT_EQ(e.venue_fix_orders + e.ws_orders_sent, e.orders - e.orders_lost) << last_engine_;
  EXPECT_EQ(e.venue_ws_rejects_by_code.count("-4116"), 0u);
  EXPECT_EQ(e.ws_session_ups, 1);
  EXPECT_LE(e.ws_session_downs, 1);
  EXPECT_GT(e.ws_md_ticks, 0);
  std::map<std::string, std::int64_t> over_fix, over_ws;
  for (const auto& [symbol, lots] : e.positions)
    (symbol == "ETHUSDT-PERP" ? over_ws : over_fix)[symbol] = lots;
  expect_positions_agree(over_ws, ws_account(e.venue_clients), "ws account");
  expect_positions_agree(over_fix, fix_accounts(e.venue_clients), "fix account");
  EXPECT_LT(over_fix.at("BTCUSDT-PERP") + over_fix.at("BTCUSDT-261225"), 0);
  EXPECT_GT(over_ws.at("ETHUSDT-PERP"), 0);
}

}  // namespace ws_end_to_end_test
