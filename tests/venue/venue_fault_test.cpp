// The venue fault grammar (docs/fix-dialect.md, "Faults"), shared by the config loader's
// check of [venue] faults and the simulator that carries the commands out.
#include "ballast/venue/venue_fault.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ballast::venue::venue_fault_test {
namespace {

TEST(VenueFaultTest, ParsesTheDialectsCommandsAndRefusesTheRest) {
  std::string why;
  EXPECT_EQ(parse_fault_command("drop")->kind, FaultCommand::Kind::drop);
  EXPECT_EQ(parse_fault_command("  delay 250 ")->delay_ms, 250);
  EXPECT_EQ(parse_fault_command("reject 3")->count, 3u);
  EXPECT_EQ(parse_fault_command("freeze BTCUSDT")->symbol, "BTCUSDT");
  EXPECT_EQ(parse_fault_command("unfreeze")->symbol, "");
  EXPECT_DOUBLE_EQ(parse_fault_command("widen 2.5")->factor, 2.5);
  EXPECT_EQ(parse_fault_command("widen 2.5")->to_string(), "widen 2.5");
  EXPECT_EQ(parse_fault_command("clear")->kind, FaultCommand::Kind::clear);
  for (const char* bad : {"", "explode", "delay", "delay -1", "delay 1x", "reject 1.5",
                          "widen 0.5x", "reject", "reject -2", "widen 0.5", "widen nan", "drop now",
                          "freeze A B", "clear 1", "delay 1.0", "reject 1e3", "halt"}) {
    EXPECT_FALSE(parse_fault_command(bad, &why).has_value()) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
  const auto s = parse_scheduled_fault("2.5 delay 300");
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->at_s, 2.5);
  EXPECT_EQ(s->command.delay_ms, 300);
  EXPECT_FALSE(parse_scheduled_fault("drop").has_value());
  EXPECT_FALSE(parse_scheduled_fault("-1 drop").has_value());
  EXPECT_FALSE(parse_scheduled_fault("1 explode").has_value());
}

}  // namespace
}  // namespace ballast::venue::venue_fault_test
