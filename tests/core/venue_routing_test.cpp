// VenueRoutedSink and MergedTickSource: orders reach the sink of their instrument's venue,
// reports of every sink come back, feeds are polled fairly, nothing allocates.
#include "ballast/core/venue_routing.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "allocation_counter.hpp"

namespace ballast::venue_routing_test {
namespace {

Universe two_venue_universe() {
  Universe u;
  u.venues = {"fix-venue", "ws-venue"};
  for (int i = 0; i < 3; ++i) {
    InstrumentSpec in;
    in.symbol = "I" + std::to_string(i);
    in.venue = i == 1 ? VenueId{1} : VenueId{0};
    u.instruments.push_back(in);
  }
  return u;
}

// A sink that records what it was sent and hands back queued reports.
class RecordingSink final : public OrderSink {
 public:
  bool send(OrderRequest& order) noexcept override {
    sent.push_back(order.client_order_id);
    return accept;
  }
  std::size_t poll_reports(ExecReport* out, std::size_t max) noexcept override {
    std::size_t n = 0;
    while (n < max && !queued.empty()) {
      out[n++] = queued.front();
      queued.pop_front();
    }
    return n;
  }
  void warm() noexcept override { ++warmed; }
  std::vector<std::uint64_t> sent;
  std::deque<ExecReport> queued;
  bool accept = true;
  int warmed = 0;
};

OrderRequest order_for(InstrumentId instrument, std::uint64_t id) {
  OrderRequest o;
  o.instrument = instrument;
  o.client_order_id = id;
  o.lots = 1;
  return o;
}

TEST(VenueRoutedSinkTest, SendsEachOrderToItsInstrumentsVenue) {
  const Universe u = two_venue_universe();
  RecordingSink fix, ws;
  VenueRoutedSink router(u);
  router.route(0, fix);
  router.route(1, ws);
  for (InstrumentId i = 0; i < 3; ++i) {
    OrderRequest o = order_for(i, 100 + i);
    EXPECT_TRUE(router.send(o));
  }
  EXPECT_EQ(fix.sent, (std::vector<std::uint64_t>{100, 102}));
  EXPECT_EQ(ws.sent, (std::vector<std::uint64_t>{101}));
  ws.accept = false;
  OrderRequest refused = order_for(1, 7);
  EXPECT_FALSE(router.send(refused)) << "the venue's own refusal is passed on";
}

TEST(VenueRoutedSinkTest, RefusesOrdersOfAVenueWithoutASink) {
  const Universe u = two_venue_universe();
  RecordingSink fix;
  VenueRoutedSink router(u);
  router.route(0, fix);
  OrderRequest o = order_for(1, 5);
  EXPECT_FALSE(router.send(o));
  EXPECT_EQ(router.unrouted(), 1u);
  OrderRequest bad = order_for(kNoInstrument, 6);
  EXPECT_FALSE(router.send(bad));
  EXPECT_EQ(router.unrouted(), 2u);
  EXPECT_TRUE(fix.sent.empty());
}

TEST(VenueRoutedSinkTest, MergesReportsOfEverySinkWithoutStarvingOne) {
  const Universe u = two_venue_universe();
  RecordingSink fix, ws;
  VenueRoutedSink router(u);
  router.route(0, fix);
  router.route(1, ws);
  for (std::uint64_t k = 0; k < 10; ++k) {
    ExecReport r;
    r.client_order_id = k;
    fix.queued.push_back(r);
  }
  ExecReport w;
  w.client_order_id = 99;
  ws.queued.push_back(w);
  ExecReport out[4];
  // First poll starts at the FIX sink and fills the batch from it; the next starts at the
  // WebSocket sink, so its report is not stuck behind the FIX backlog.
  EXPECT_EQ(router.poll_reports(out, 4), 4u);
  EXPECT_EQ(out[0].client_order_id, 0u);
  ASSERT_EQ(router.poll_reports(out, 4), 4u);
  EXPECT_EQ(out[0].client_order_id, 99u);
  EXPECT_EQ(out[1].client_order_id, 4u);
  std::size_t rest = 0;
  while (std::size_t n = router.poll_reports(out, 4)) rest += n;
  EXPECT_EQ(rest, 3u);
}

TEST(VenueRoutedSinkTest, OneSinkServingTwoVenuesIsPolledAndWarmedOnce) {
  const Universe u = two_venue_universe();
  RecordingSink both;
  VenueRoutedSink router(u);
  router.route(0, both);
  router.route(1, both);
  router.warm();
  EXPECT_EQ(both.warmed, 1);
}

TEST(VenueRoutedSinkTest, SendAndPollDoNotAllocate) {
  const Universe u = two_venue_universe();
  RecordingSink fix, ws;
  fix.sent.reserve(16);
  ws.sent.reserve(16);
  VenueRoutedSink router(u);
  router.route(0, fix);
  router.route(1, ws);
  ExecReport out[8];
  const long before = testing::allocation_count();
  for (InstrumentId i = 0; i < 3; ++i) {
    OrderRequest o = order_for(i, i);
    router.send(o);
  }
  router.poll_reports(out, 8);
  EXPECT_EQ(testing::allocation_count(), before);
}

// A feed that yields `n` ticks of one instrument, then is exhausted.
class CountingFeed final : public TickSource {
 public:
  CountingFeed(InstrumentId instrument, int n) : instrument_(instrument), left_(n) {}
  bool poll(std::int64_t, MarketTick& out) noexcept override {
    if (left_ == 0) return false;
    --left_;
    out = MarketTick{};
    out.instrument = instrument_;
    return true;
  }
  [[nodiscard]] bool exhausted() const noexcept override { return left_ == 0; }

 private:
  InstrumentId instrument_;
  int left_;
};

TEST(MergedTickSourceTest, AlternatesBetweenFeedsAndEndsWhenAllEnd) {
  CountingFeed a(0, 3), b(1, 1);
  MergedTickSource merged;
  ASSERT_TRUE(merged.add(a));
  ASSERT_TRUE(merged.add(b));
  std::vector<InstrumentId> seen;
  MarketTick t;
  EXPECT_FALSE(merged.exhausted());
  while (merged.poll(0, t)) seen.push_back(t.instrument);
  EXPECT_EQ(seen, (std::vector<InstrumentId>{0, 1, 0, 0}));
  EXPECT_TRUE(merged.exhausted());
}

TEST(MergedTickSourceTest, RefusesMoreThanItsCapacity) {
  CountingFeed feed(0, 0);
  MergedTickSource merged;
  for (std::size_t k = 0; k < MergedTickSource::kMaxSources; ++k) EXPECT_TRUE(merged.add(feed));
  EXPECT_FALSE(merged.add(feed));
  EXPECT_TRUE(merged.exhausted());
}

}  // namespace
}  // namespace ballast::venue_routing_test
