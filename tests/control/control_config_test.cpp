// [control]: the socket path resolves next to the config and fits sun_path; bad keys are
// reported with their lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "../common/ballast_config_parse.hpp"

namespace ballast::control_config_test {
namespace {

using namespace config_test;
using tools::BallastFileConfig;

TEST(ControlConfigTest, ControlAbsentMeansNoSocket) {
  const BallastLoad r = parse(kMinimal);
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_FALSE(r.config->control.present);
  EXPECT_TRUE(r.config->control.socket.empty());
}

TEST(ControlConfigTest, ControlResolvesAgainstTheConfigDirectoryWithDefaults) {
  const BallastLoad r =
      parse(std::string(kMinimal) + "\n[control]\nsocket = \"run/ballast.sock\"\n",
            "/etc/ballast/prod.toml");
  ASSERT_TRUE(r.ok()) << dump(r);
  const ControlConfig& c = r.config->control;
  EXPECT_TRUE(c.present);
  EXPECT_EQ(c.socket, "/etc/ballast/run/ballast.sock");
  EXPECT_EQ(c.audit_log, "/etc/ballast/run/control-audit.log");
  EXPECT_EQ(c.snapshot_ms, 100);
}

TEST(ControlConfigTest, ControlLoadsAsWritten) {
  const BallastLoad r =
      parse(std::string(kMinimal) +
                "\n[control]\nsocket = \"/tmp/b.sock\"\naudit_log = \"logs/audit.jsonl\"\n"
                "snapshot_ms = 250\n",
            "/srv/cfg/a.toml");
  ASSERT_TRUE(r.ok()) << dump(r);
  const ControlConfig& c = r.config->control;
  EXPECT_EQ(c.socket, "/tmp/b.sock");
  EXPECT_EQ(c.audit_log, "/srv/cfg/logs/audit.jsonl");
  EXPECT_EQ(c.snapshot_ms, 250);
}

TEST(ControlConfigTest, ControlSocketPathMustFitSunPath) {
  const std::string fits = "/" + std::string(106, 'a');  // 107 bytes
  const BallastLoad ok = parse(std::string(kMinimal) + "\n[control]\nsocket = \"" + fits + "\"\n");
  EXPECT_TRUE(ok.ok()) << dump(ok);
  const std::string text = std::string(kMinimal) + "\n[control]\nsocket = \"" + fits + "b\"\n";
  EXPECT_TRUE(HasOnlyError(parse(text), "control.socket", line_of(text, "socket = "),
                           "is 108 bytes; a Unix socket path holds at most 107"));
}

TEST(ControlConfigTest, ControlEveryBadKeyReported) {
  const std::string text =
      std::string(kMinimal) + "\n[control]\nsnapshot_ms = 5\naudit_log = 3\nsockett = \"x\"\n";
  const BallastLoad r = parse(text);
  ASSERT_FALSE(r.ok());
  const std::string all = dump(r);
  EXPECT_NE(all.find("control.socket: missing required key"), std::string::npos) << all;
  EXPECT_NE(all.find("control.snapshot_ms: snapshot_ms must be in [20, 1000], got 5"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("control.audit_log: expected a string"), std::string::npos) << all;
  EXPECT_NE(all.find("control.sockett: unknown key"), std::string::npos) << all;
  EXPECT_EQ(r.errors.size(), 4u) << all;
}

TEST(ControlConfigTest, ControlSnapshotMsMustBeAnInteger) {
  const std::string text =
      std::string(kMinimal) + "\n[control]\nsocket = \"s.sock\"\nsnapshot_ms = 100.5\n";
  EXPECT_TRUE(HasOnlyError(parse(text), "control.snapshot_ms", line_of(text, "snapshot_ms"),
                           "expected an integer"));
}

}  // namespace
}  // namespace ballast::control_config_test
