// FixMarketDataFeed::poll (the md agent's TickSource) allocates nothing, with ticks
// waiting and with none. Its own executable: allocation_counter.hpp replaces the global
// operator new of the whole binary.
#include <gtest/gtest.h>

#include "../core/allocation_counter.hpp"
#include "fix_gateway_fixture.hpp"

namespace ballast::gateways::fix_market_data_alloc_test {
namespace {

using fix_testing::FixGatewayTest;
using testing::MdEntryFields;
using testing::wait_for;

TEST_F(FixGatewayTest, MarketDataPollDoesNotAllocate) {
  FixOrderGateway& g = start_gateway();
  ASSERT_TRUE(wait_for([&] { return acceptor_->md_requests().size() == 1; }));
  TickSource& feed = g.market_data();
  constexpr int kTicks = 200;
  // QuickFIX's thread allocates while it delivers; the count is taken once every tick is
  // on the ring. Its idle loop may still allocate now and then (timers), so the least of
  // three measurements must be zero: poll itself allocates on every call or never.
  long least = -1;
  for (int attempt = 0; attempt < 3 && least != 0; ++attempt) {
    for (int i = 0; i < kTicks; ++i) {
      const std::string px = std::to_string(70000 + i) + ".5";
      ASSERT_TRUE(acceptor_->send_market_data(
          "X", {{262, "BALLAST-MD-1"}},
          {MdEntryFields{{279, "1"}, {269, "0"}, {55, "BTCUSDT"}, {270, px}, {271, "1"}}}));
    }
    ASSERT_TRUE(wait_for([&] { return g.market_data().available() == kTicks; }));
    MarketTick t;
    int got = 0;
    const long before = ballast::testing::allocation_count();
    while (feed.poll(0, t)) ++got;
    for (int i = 0; i < 1000; ++i) (void)feed.poll(0, t);  // empty ring
    (void)feed.exhausted();
    const long allocations = ballast::testing::allocation_count() - before;
    ASSERT_EQ(got, kTicks);
    least = least < 0 ? allocations : std::min(least, allocations);
  }
  EXPECT_EQ(least, 0);
}

}  // namespace
}  // namespace ballast::gateways::fix_market_data_alloc_test
