// [venue]: the simulator's settings load as written; faults are checked with the
// simulator's grammar; every bad key is reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "../common/ballast_config_parse.hpp"

namespace ballast::venue_config_test {
namespace {

using namespace config_test;
using tools::BallastFileConfig;

TEST(VenueConfigTest, VenueWebSocketServerKeys) {
  const BallastLoad r = parse(std::string(kMinimal) +
                                  "\n[venue]\nws_port = 9879\nws_cert_file = \"cert.pem\"\n"
                                  "ws_key_file = \"key.pem\"\nws_credentials_file = \"k.toml\"\n"
                                  "ws_recv_window_ms = 10000\n",
                              "/srv/venue.toml");
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.config->venue.ws_port, 9879);
  EXPECT_EQ(r.config->venue.ws_cert_file, "/srv/cert.pem");
  EXPECT_EQ(r.config->venue.ws_key_file, "/srv/key.pem");
  EXPECT_EQ(r.config->venue.ws_credentials_file, "/srv/k.toml");
  EXPECT_EQ(r.config->venue.ws_recv_window_ms, 10000);
  const std::string half = std::string(kMinimal) + "\n[venue]\nws_cert_file = \"cert.pem\"\n";
  EXPECT_TRUE(HasOnlyError(parse(half), "venue.ws_cert_file", line_of(half, "ws_cert_file"),
                           "TLS needs both ws_cert_file and ws_key_file"));
}

TEST(VenueConfigTest, VenueLoadsAsWritten) {
  const BallastLoad r =
      parse(std::string(kMinimal) +
            "\n[orders]\nroute = \"fix\"\nfix_settings = \"f.cfg\"\n[venue]\nembedded = true\n"
            "port = 9900\nseed = 7\nvolatility = 0.8\ncorrelation = 0.6\njumps_per_day = 2\n"
            "jump_size = 0.02\nspeed = 960\nfunding_interval_s = 10\ncash = 50000\n"
            "tick_interval_ms = 50\ndepth_notional = 2500\nfaults = [\"5 drop\", \"10 reject 2\", "
            "\"12.5 freeze BTCUSDT-PERP\"]\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  const VenueSimConfig& v = r.config->venue;
  EXPECT_TRUE(v.present);
  EXPECT_TRUE(v.embedded);
  EXPECT_EQ(v.port, 9900);
  EXPECT_EQ(v.seed, 7u);
  EXPECT_DOUBLE_EQ(v.volatility, 0.8);
  EXPECT_DOUBLE_EQ(v.correlation, 0.6);
  EXPECT_DOUBLE_EQ(v.jump_per_day, 2.0);
  EXPECT_DOUBLE_EQ(v.jump_size, 0.02);
  EXPECT_DOUBLE_EQ(v.speed, 960.0);
  EXPECT_EQ(v.funding_interval_s, 10);
  EXPECT_DOUBLE_EQ(v.cash, 50000.0);
  EXPECT_DOUBLE_EQ(v.tick_interval_ms, 50.0);
  EXPECT_DOUBLE_EQ(v.depth_notional, 2500.0);
  ASSERT_EQ(v.faults.size(), 3u);
  EXPECT_EQ(v.faults[1], "10 reject 2");
}

TEST(VenueConfigTest, VenueEveryBadKeyReported) {
  const std::string text = std::string(kMinimal) +
                           "\n[venue]\nembedded = true\nspeed = 0\ncorrelation = 1.0\n"
                           "faults = [\"soon drop\", \"3 explode\", \"4 reject -1\"]\n";
  const BallastLoad r = parse(text);
  ASSERT_FALSE(r.ok());
  const std::string all = dump(r);
  EXPECT_NE(all.find("venue.speed"), std::string::npos) << all;
  EXPECT_NE(all.find("venue.correlation"), std::string::npos) << all;
  EXPECT_NE(all.find("venue.faults[0]: \"soon drop\": expected \"SECONDS COMMAND\""),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("venue.faults[1]: \"3 explode\": unknown command 'explode'"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("venue.faults[2]: \"4 reject -1\": reject N"), std::string::npos) << all;
  EXPECT_NE(all.find("venue.embedded"), std::string::npos) << all;  // needs the fix route
  EXPECT_EQ(r.errors.size(), 6u) << all;
}

}  // namespace
}  // namespace ballast::venue_config_test
