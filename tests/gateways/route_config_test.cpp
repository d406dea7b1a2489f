// The gateways' tables, [feed], [orders] and [websocket]: values load as written, every
// bad key is reported with its line, secrets and plain text off this machine are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "../common/ballast_config_parse.hpp"

namespace ballast::route_config_test {
namespace {

using namespace config_test;
using tools::BallastFileConfig;

std::string with_feed(std::string_view lines) {
  return std::string(kMinimal) + "\n[feed]\n" + std::string(lines) + "\n";
}

TEST(RouteConfigTest, OrdersPerMinuteBelowPerSecondRejected) {
  const std::string text =
      std::string(kMinimal) + "[risk]\nmax_orders_per_second = 20\nmax_orders_per_minute = 15\n";
  const BallastLoad r = parse(text);
  EXPECT_TRUE(HasOnlyError(r, "risk.max_orders_per_minute", line_of(text, "max_orders_per_minute"),
                           "must be >= max_orders_per_second (20)"));
  EXPECT_EQ(r.errors[0].problem, "must be >= max_orders_per_second (20)");
}

TEST(RouteConfigTest, OrdersPerMinuteMustBePositive) {
  const std::string text = std::string(kMinimal) + "[risk]\nmax_orders_per_minute = 0\n";
  // The bad value is reported once, not also compared with max_orders_per_second.
  EXPECT_TRUE(HasOnlyError(parse(text), "risk.max_orders_per_minute",
                           line_of(text, "max_orders_per_minute"),
                           "max_orders_per_minute must be in (0, 600000], got 0"));
}

TEST(RouteConfigTest, FeedAbsentMeansNone) {
  const BallastLoad r = parse(kMinimal);
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.config->feed.kind, FeedKind::none);
  EXPECT_EQ(r.config->feed.file, "");
  EXPECT_EQ(r.config->orders.kind, OrderRouteKind::loopback);
}

TEST(RouteConfigTest, FeedReplayDefaults) {
  const BallastLoad r = parse(with_feed("kind = \"replay\"\nfile = \"ticks.csv\""));
  ASSERT_TRUE(r.ok()) << dump(r);
  const FeedConfig& f = r.config->feed;
  EXPECT_EQ(f.kind, FeedKind::replay);
  EXPECT_EQ(f.file, "ticks.csv");  // test.toml has no directory
  EXPECT_EQ(f.pace, ReplayPaceKind::recorded);
  EXPECT_EQ(f.rate_per_s, 0.0);
  EXPECT_FALSE(f.loop);
}

TEST(RouteConfigTest, FeedReplayLoadsAsWritten) {
  const std::string text = with_feed(
      "kind = \"replay\"\nfile = \"data/btc.csv\"\npace = \"fixed_rate\"\nrate = 250.5\n"
      "loop = true");
  const BallastLoad r = tools::parse_ballast_config(text, "conf/live/test.toml");
  ASSERT_TRUE(r.ok()) << dump(r);
  const FeedConfig& f = r.config->feed;
  EXPECT_EQ(f.kind, FeedKind::replay);
  EXPECT_EQ(f.file, "conf/live/data/btc.csv");  // relative to the config's directory
  EXPECT_EQ(f.pace, ReplayPaceKind::fixed_rate);
  EXPECT_DOUBLE_EQ(f.rate_per_s, 250.5);
  EXPECT_TRUE(f.loop);
}

TEST(RouteConfigTest, FeedAbsoluteFileKeptAndNotCheckedForExistence) {
  const BallastLoad r = tools::parse_ballast_config(
      with_feed("kind = \"replay\"\nfile = \"/nonexistent/ticks.csv\""), "/etc/ballast/prod.toml");
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.config->feed.file, "/nonexistent/ticks.csv");
}

TEST(RouteConfigTest, FeedFastPace) {
  const BallastLoad r = parse(with_feed("kind = \"replay\"\nfile = \"t.csv\"\npace = \"fast\""));
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.config->feed.pace, ReplayPaceKind::as_fast_as_possible);
}

TEST(RouteConfigTest, FeedKindRequired) {
  const std::string text = with_feed("file = \"t.csv\"");
  EXPECT_TRUE(
      HasOnlyError(parse(text), "feed.kind", line_of(text, "[feed]"), "missing required key"));
}

TEST(RouteConfigTest, FeedKindUnknown) {
  const std::string text = with_feed("kind = \"multicast\"\nfile = \"t.csv\"");
  EXPECT_TRUE(
      HasOnlyError(parse(text), "feed.kind", line_of(text, "multicast"),
                   "expected one of \"replay\", \"fix\", \"websocket\", got \"multicast\""));
}

TEST(RouteConfigTest, FeedWebSocketNeedsWebSocketTable) {
  const std::string text = with_feed("kind = \"websocket\"");
  EXPECT_TRUE(HasOnlyError(parse(text), "feed.kind", line_of(text, "[feed]"),
                           "\"websocket\" needs a [websocket] table"));
}

TEST(RouteConfigTest, FeedReplayNeedsFile) {
  const std::string text = with_feed("kind = \"replay\"");
  EXPECT_TRUE(
      HasOnlyError(parse(text), "feed.file", line_of(text, "[feed]"), "missing required key"));
}

TEST(RouteConfigTest, FeedFileMustNotBeEmpty) {
  const std::string text = with_feed("kind = \"replay\"\nfile = \"\"");
  EXPECT_TRUE(
      HasOnlyError(parse(text), "feed.file", line_of(text, "file = "), "must not be empty"));
}

TEST(RouteConfigTest, FeedPaceUnknown) {
  const std::string text = with_feed("kind = \"replay\"\nfile = \"t.csv\"\npace = \"slow\"");
  EXPECT_TRUE(HasOnlyError(parse(text), "feed.pace", line_of(text, "pace"),
                           "expected one of \"recorded\", \"fixed_rate\", \"fast\", got \"slow\""));
}

TEST(RouteConfigTest, FeedFixedRateNeedsRate) {
  const std::string text = with_feed("kind = \"replay\"\nfile = \"t.csv\"\npace = \"fixed_rate\"");
  EXPECT_TRUE(
      HasOnlyError(parse(text), "feed.rate", line_of(text, "[feed]"), "missing required key"));
}

TEST(RouteConfigTest, FeedRateMustBePositive) {
  const std::string text =
      with_feed("kind = \"replay\"\nfile = \"t.csv\"\npace = \"fixed_rate\"\nrate = 0");
  EXPECT_TRUE(
      HasOnlyError(parse(text), "feed.rate", line_of(text, "rate = 0"), "rate must be > 0, got 0"));
}

TEST(RouteConfigTest, FeedRateOnlyWithFixedRate) {
  const std::string text =
      with_feed("kind = \"replay\"\nfile = \"t.csv\"\npace = \"fast\"\nrate = 100");
  EXPECT_TRUE(HasOnlyError(parse(text), "feed.rate", line_of(text, "rate = 100"),
                           "only with pace = \"fixed_rate\""));
  // Also with the default pace.
  const std::string recorded = with_feed("kind = \"replay\"\nfile = \"t.csv\"\nrate = 100");
  EXPECT_TRUE(HasOnlyError(parse(recorded), "feed.rate", line_of(recorded, "rate = 100"),
                           "only with pace = \"fixed_rate\""));
}

TEST(RouteConfigTest, FeedLoopMustBeBoolean) {
  const std::string text = with_feed("kind = \"replay\"\nfile = \"t.csv\"\nloop = 1");
  EXPECT_TRUE(HasOnlyError(parse(text), "feed.loop", line_of(text, "loop = 1"),
                           "expected a boolean, got integer"));
}

TEST(RouteConfigTest, UnknownKeyInFeed) {
  const std::string text = with_feed("kind = \"replay\"\nfile = \"t.csv\"\nspeed = 2");
  EXPECT_TRUE(HasOnlyError(parse(text), "feed.speed", line_of(text, "speed"), "unknown key"));
}

TEST(RouteConfigTest, OrdersRouteLoopback) {
  const BallastLoad r = parse(std::string(kMinimal) + "\n[orders]\nroute = \"loopback\"\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.config->orders.kind, OrderRouteKind::loopback);
  const BallastLoad empty = parse(std::string(kMinimal) + "\n[orders]\n");
  ASSERT_TRUE(empty.ok()) << dump(empty);
  EXPECT_EQ(empty.config->orders.kind, OrderRouteKind::loopback);
}

TEST(RouteConfigTest, OrdersRouteUnknown) {
  const std::string text = std::string(kMinimal) + "\n[orders]\nroute = \"ws\"\n";
  EXPECT_TRUE(HasOnlyError(parse(text), "orders.route", line_of(text, "route"),
                           "expected one of \"loopback\", \"fix\", \"websocket\", got \"ws\""));
}

TEST(RouteConfigTest, WebSocketRouteLoadsAsWritten) {
  const BallastLoad r = parse(
      std::string(kMinimal) +
          "\n[feed]\nkind = \"websocket\"\n[orders]\nroute = \"websocket\"\n"
          "[websocket]\nhost = \"127.0.0.1\"\nport = 9443\ntls = true\nca_file = \"ca.pem\"\n"
          "server_name = \"localhost\"\nmarket_path = \"/stream\"\napi_path = \"/ws-fapi/v1\"\n"
          "credentials_file = \"keys.toml\"\nrecv_window_ms = 3000\nvenues = [\"default\"]\n"
          "idle = \"blocking\"\nconnect_timeout_ms = 500\nreconnect_min_ms = 50\n"
          "reconnect_max_ms = 2000\nmax_message_bytes = 65536\n",
      "/etc/ballast/prod.toml");
  ASSERT_TRUE(r.ok()) << dump(r);
  const WebSocketRouteConfig& w = r.config->websocket;
  EXPECT_TRUE(w.present);
  EXPECT_EQ(r.config->orders.kind, OrderRouteKind::websocket);
  EXPECT_EQ(r.config->feed.kind, FeedKind::websocket);
  EXPECT_EQ(w.port, 9443);
  EXPECT_TRUE(w.tls);
  EXPECT_EQ(w.ca_file, "/etc/ballast/ca.pem");
  EXPECT_EQ(w.server_name, "localhost");
  EXPECT_EQ(w.credentials_file, "/etc/ballast/keys.toml");
  EXPECT_EQ(w.recv_window_ms, 3000);
  ASSERT_EQ(w.venues.size(), 1u);
  EXPECT_EQ(w.venues[0], "default");
  EXPECT_EQ(w.idle, WsIdleKind::blocking);
  EXPECT_EQ(w.connect_timeout_ms, 500);
  EXPECT_EQ(w.reconnect_min_ms, 50);
  EXPECT_EQ(w.reconnect_max_ms, 2000);
  EXPECT_EQ(w.max_message_bytes, 65536);
}

// Issue 14, item 8: a remote WebSocket host without TLS, or a remote FIX host, would carry
// the API key, signed orders and listenKey in the clear; check-config accepted both.
TEST(RouteConfigTest, PlaintextToAHostOffThisMachineIsRefusedUnlessTheRiskIsNamed) {
  const std::string ws = std::string(kMinimal) +
                         "\n[orders]\nroute = \"websocket\"\n[websocket]\nhost = \"203.0.113.10\"\n"
                         "port = 9443\n";
  BallastLoad r = parse(ws);
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_EQ(r.errors[0].key, "websocket.host");
  EXPECT_NE(r.errors[0].problem.find("\"203.0.113.10\" is not on this machine and tls = false"),
            std::string::npos);
  EXPECT_TRUE(parse(ws + "tls = true\n").ok());
  EXPECT_TRUE(parse(ws + "allow_plaintext = true\n").ok());
  const std::string fix = std::string(kMinimal) +
                          "\n[orders]\nroute = \"fix\"\nfix_settings = \"fix.cfg\"\n"
                          "fix_host = \"fix.example.com\"\nfix_port = 9876\n";
  r = parse(fix);
  ASSERT_EQ(r.errors.size(), 1u) << dump(r);
  EXPECT_EQ(r.errors[0].key, "orders.fix_host");
  EXPECT_NE(r.errors[0].problem.find("stunnel"), std::string::npos);
  const BallastLoad named =
      parse(fix + "allow_plaintext = true\nfix_credentials_file = \"fix-creds.toml\"\n",
            "/etc/ballast/prod.toml");
  ASSERT_TRUE(named.ok()) << dump(named);
  EXPECT_EQ(named.config->orders.fix_credentials_file, "/etc/ballast/fix-creds.toml");
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "::1"})
    EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const char* host : {"128.0.0.1", "127.0.0.1.evil.com", "localhost.evil.com", "10.0.0.1", ""})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

TEST(RouteConfigTest, QuickFixSslKeysAreRefusedBecauseTheSessionIsPlainTcp) {
  EXPECT_EQ(QuickFixSettingsText::ssl_keys("[SESSION]\nSocketConnectHost=127.0.0.1\n"),
            std::vector<std::string>{});
  EXPECT_EQ(QuickFixSettingsText::ssl_keys("[DEFAULT]\n  SSLProtocol = +TLSv1_2\n"
                                           "CertificateAuthoritiesFile=/etc/ssl/ca.pem\r\n"
                                           "[SESSION]\nSSLProtocol=all\n# SSLCipherSuite\n"),
            (std::vector<std::string>{"SSLProtocol", "CertificateAuthoritiesFile"}));

  const std::string settings = testing::TempDir() + "ballast_fix_ssl.cfg";
  {
    std::ofstream out(settings);
    out << "[DEFAULT]\nConnectionType=initiator\nSSLProtocol=+TLSv1_2\n"
           "[SESSION]\nSocketConnectHost=127.0.0.1\nClientCertificateFile=me.pem\n";
  }
  const std::string text = std::string(kMinimal) +
                           "\n[orders]\nroute = \"fix\"\nfix_settings = \"" + settings +
                           "\"\nfix_port = 9876\n";
  const BallastLoad r = parse(text);
  std::remove(settings.c_str());
  ASSERT_EQ(r.errors.size(), 2u) << dump(r);
  for (const ConfigError& e : r.errors) {
    EXPECT_EQ(e.key, "orders.fix_settings");
    EXPECT_NE(e.problem.find("would be ignored: the FIX session is plain TCP"), std::string::npos)
        << e.problem;
  }
  EXPECT_NE(r.errors[0].problem.find("SSLProtocol"), std::string::npos);
  EXPECT_NE(r.errors[1].problem.find("ClientCertificateFile"), std::string::npos);
}

TEST(RouteConfigTest, WebSocketReportsEveryBadKeyAndRefusesSecrets) {
  const std::string text =
      std::string(kMinimal) +
      "\n[orders]\nroute = \"websocket\"\n[websocket]\nport = 9443\napi_secret = \"s3cr3t\"\n"
      "venues = [\"nowhere\"]\nmarket_path = \"stream\"\nidle = \"sleepy\"\n"
      "reconnect_min_ms = 500\nreconnect_max_ms = 100\n";
  const BallastLoad r = parse(text);
  ASSERT_FALSE(r.ok());
  const std::string all = dump(r);
  EXPECT_EQ(r.errors.size(), 5u) << all;
  EXPECT_NE(all.find("websocket.api_secret"), std::string::npos) << all;
  EXPECT_NE(all.find("secrets never go in the main config"), std::string::npos) << all;
  EXPECT_EQ(all.find("s3cr3t"), std::string::npos) << "the secret must not be echoed: " << all;
  EXPECT_NE(all.find("websocket.venues[0]: no instrument trades on venue \"nowhere\""),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("websocket.market_path: must start with '/'"), std::string::npos) << all;
  EXPECT_NE(all.find("websocket.idle"), std::string::npos) << all;
  EXPECT_NE(all.find("websocket.reconnect_max_ms: must be >= reconnect_min_ms (500)"),
            std::string::npos)
      << all;
}

TEST(RouteConfigTest, WebSocketRouteNeedsTableAndPort) {
  const std::string no_table = std::string(kMinimal) + "\n[orders]\nroute = \"websocket\"\n";
  EXPECT_TRUE(HasOnlyError(parse(no_table), "orders.route", line_of(no_table, "[orders]"),
                           "\"websocket\" needs a [websocket] table"));
  const std::string no_port =
      std::string(kMinimal) + "\n[orders]\nroute = \"websocket\"\n[websocket]\ntls = false\n";
  EXPECT_TRUE(HasOnlyError(parse(no_port), "websocket.port", line_of(no_port, "[websocket]"),
                           "is required (or an embedded [venue] with ws_port)"));
}

TEST(RouteConfigTest, OrdersRouteFixLoadsAsWritten) {
  const BallastLoad r = parse(std::string(kMinimal) +
                                  "\n[orders]\nroute = \"fix\"\nfix_settings = \"fix.cfg\"\n"
                                  "fix_host = \"127.0.0.1\"\nfix_port = 9999\n"
                                  "fix_store = \"store\"\ntime_in_force = \"gtc\"\n"
                                  "fix_store_kind = \"file\"\nfix_store_flush_ms = 5\n",
                              "/etc/ballast/prod.toml");
  ASSERT_TRUE(r.ok()) << dump(r);
  const OrderRouteConfig& o = r.config->orders;
  EXPECT_EQ(o.kind, OrderRouteKind::fix);
  EXPECT_EQ(o.fix_settings, "/etc/ballast/fix.cfg");
  EXPECT_EQ(o.fix_host, "127.0.0.1");
  EXPECT_EQ(o.fix_port, 9999);
  EXPECT_EQ(o.fix_store, "/etc/ballast/store");
  EXPECT_TRUE(o.time_in_force_gtc);
  EXPECT_EQ(o.fix_store_kind, OrderRouteConfig::Store::file);
  EXPECT_EQ(o.fix_store_flush_ms, 5);
}

TEST(RouteConfigTest, OrdersFixStoreKindUnknown) {
  const std::string text = std::string(kMinimal) +
                           "\n[orders]\nroute = \"fix\"\nfix_settings = \"f.cfg\"\n"
                           "fix_store_kind = \"sqlite\"\n";
  EXPECT_TRUE(HasOnlyError(parse(text), "orders.fix_store_kind", line_of(text, "sqlite"),
                           "expected one of \"async-file\", \"file\", \"memory\", \"null\""));
}

TEST(RouteConfigTest, OrdersRouteFixNeedsSettings) {
  const std::string text = std::string(kMinimal) + "\n[orders]\nroute = \"fix\"\n";
  EXPECT_TRUE(HasOnlyError(parse(text), "orders.fix_settings", line_of(text, "[orders]"),
                           "missing required key"));
}

TEST(RouteConfigTest, OrdersFixKeysOnlyWithFixRoute) {
  const std::string text =
      std::string(kMinimal) + "\n[orders]\nroute = \"loopback\"\nfix_port = 9878\n";
  EXPECT_TRUE(HasOnlyError(parse(text), "orders.fix_port", line_of(text, "fix_port"),
                           "only with route = \"fix\""));
}

TEST(RouteConfigTest, OrdersFixPortOutOfRange) {
  const std::string text =
      std::string(kMinimal) +
      "\n[orders]\nroute = \"fix\"\nfix_settings = \"f.cfg\"\nfix_port = 70000\n";
  EXPECT_TRUE(HasOnlyError(parse(text), "orders.fix_port", line_of(text, "fix_port"), "70000"));
}

TEST(RouteConfigTest, FeedFixNeedsTheFixRoute) {
  const std::string text = with_feed("kind = \"fix\"");
  EXPECT_TRUE(HasOnlyError(parse(text), "feed.kind", line_of(text, "[feed]"),
                           "needs [orders] route = \"fix\""));
}

TEST(RouteConfigTest, UnknownKeyInOrders) {
  const std::string text =
      std::string(kMinimal) + "\n[orders]\nroute = \"loopback\"\nvenue = \"x\"\n";
  EXPECT_TRUE(
      HasOnlyError(parse(text), "orders.venue", line_of(text, "venue = \"x\""), "unknown key"));
}

}  // namespace
}  // namespace ballast::route_config_test
