// The whole `ballast` file: the repo's configs load, the demo reaches its embedded venue,
// and errors of every module's table come out together, in file order.
#include "ballast/ballast_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "../common/ballast_config_parse.hpp"

namespace ballast::ballast_config_test {
namespace {

using namespace config_test;
using tools::BallastFileConfig;

TEST(BallastConfigTest, DemoConfigRunsAgainstTheEmbeddedVenueOverFixAndWebSocket) {
  const std::string path = std::string(BALLAST_SOURCE_DIR) + "/config/demo.toml";
  const BallastLoad r = tools::load_ballast_config(path, ConfigParseOptions{{0, 1}});
  ASSERT_TRUE(r.ok()) << dump(r);
  const BallastFileConfig& c = *r.config;
  EXPECT_EQ(c.feed.kind, FeedKind::fix);
  EXPECT_EQ(c.orders.kind, OrderRouteKind::fix);
  EXPECT_TRUE(std::filesystem::exists(c.orders.fix_settings)) << c.orders.fix_settings;
  EXPECT_TRUE(c.venue.embedded);
  // Mixed routing: ETHUSDT-PERP on venue "binance-ws" over WebSocket (the embedded
  // venue's ws_port), spot and the BTC futures on "default" over FIX.
  const Universe& u = c.universe;
  ASSERT_EQ(u.venues, (std::vector<std::string>{"default", "binance-ws"}));
  for (const char* symbol : {"BTCUSDT", "ETHUSDT", "BTCUSDT-PERP", "BTCUSDT-261225"}) {
    const InstrumentId id = u.find_instrument(symbol);
    ASSERT_NE(id, kNoInstrument) << symbol;
    EXPECT_EQ(u.venues[u.instruments[id].venue], "default") << symbol;
  }
  const InstrumentId eth = u.find_instrument("ETHUSDT-PERP");
  ASSERT_NE(eth, kNoInstrument);
  EXPECT_EQ(u.venues[u.instruments[eth].venue], "binance-ws");
  EXPECT_TRUE(c.websocket.present);
  EXPECT_EQ(c.websocket.venues, (std::vector<std::string>{"binance-ws"}));
  EXPECT_EQ(c.websocket.port, 0);  // the embedded venue's ws_port
  EXPECT_FALSE(c.websocket.tls);
  EXPECT_EQ(c.websocket.credentials_file, "");  // environment, or a one-off pair
  EXPECT_EQ(c.venue.ws_port, 9879);
  EXPECT_EQ(c.venue.port, 9878);
  EXPECT_EQ(c.venue.ws_cert_file, "");
  EXPECT_GT(c.venue.speed, 1.0);
  ASSERT_EQ(c.threads.size(), 2u);
  for (const ThreadSpec& t : c.threads) EXPECT_EQ(t.idle, IdleKind::backoff) << t.name;
  EXPECT_TRUE(EachAgentOnce(c.threads));
  EXPECT_NE(c.state_dir.find("build/demo/state"), std::string::npos) << c.state_dir;
}

TEST(BallastConfigTest, RepoConfigsLoadWithRuntimeDefaults) {
  std::vector<std::string> paths;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(BALLAST_SOURCE_DIR) + "/config/examples"))
    if (entry.path().extension() == ".toml") paths.push_back(entry.path().string());
  ASSERT_GT(paths.size(), 1u);
  for (const std::string& path : paths) {
    const BallastLoad r = tools::load_ballast_config(path, ConfigParseOptions{{0, 1}});
    ASSERT_TRUE(r.ok()) << path << "\n" << dump(r);
    const BallastFileConfig& c = *r.config;
    EXPECT_EQ(c.state_dir, "") << path;
    // Only the replay example names a feed; its file resolves next to the config.
    if (path.find("replay") == std::string::npos) {
      EXPECT_EQ(c.feed.kind, FeedKind::none) << path;
    } else {
      EXPECT_EQ(c.feed.kind, FeedKind::replay) << path;
      EXPECT_TRUE(std::filesystem::exists(c.feed.file)) << c.feed.file;
    }
    EXPECT_EQ(c.orders.kind, OrderRouteKind::loopback) << path;
    ASSERT_EQ(c.threads.size(), 2u) << path;
    EXPECT_EQ(c.threads[0].name, "hot") << path;
    EXPECT_TRUE(EachAgentOnce(c.threads)) << path;
    EXPECT_TRUE(tools::load_ballast_config(path).ok()) << path;  // and with this machine's CPUs
  }
}

TEST(BallastConfigTest, RuntimeErrorsReportedWithTheRestInFileOrder) {
  std::string text = with_engine("state_dir = \"\"");                                          // 1
  text = replaced(text, "band = 0.05", "band = 0");                                            // 2
  text += "\n[[thread]]\nname = \"t\"\nagents = [\"md\", \"engine\", \"orders\"]\ncpu = 4\n";  // 3
  text += "\n[feed]\nkind = \"replay\"\n";                                                     // 4
  const BallastLoad r = parse_on(text, {0, 1});
  ASSERT_EQ(r.errors.size(), 4u) << dump(r);
  EXPECT_TRUE(HasError(r, "engine.state_dir", line_of(text, "state_dir"), "must not be empty"));
  EXPECT_TRUE(HasError(r, "target[0].band", line_of(text, "band = 0\n"), "band must be in"));
  EXPECT_TRUE(HasError(r, "thread[0].cpu", line_of(text, "cpu = 4"), "cpu 4 is not available"));
  EXPECT_TRUE(HasError(r, "feed.file", line_of(text, "[feed]"), "missing required key"));
  EXPECT_TRUE(
      std::is_sorted(r.errors.begin(), r.errors.end(),
                     [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; }));
}

}  // namespace
}  // namespace ballast::ballast_config_test
