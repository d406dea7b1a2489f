// OrderBook: price-time priority, partial fills, time in force, market orders, cancel and
// replace priority rules, self-trade prevention, depth, and no allocation once warm.
#include "ballast/venue/order_book.hpp"

#include <gtest/gtest.h>

#include "../core/allocation_counter.hpp"
#include "venue_fixtures.hpp"

namespace ballast::venue::order_book_test {
namespace {

using testing::limit;
using testing::market;
using testing::RecordingListener;

constexpr AccountId kA = 0;
constexpr AccountId kB = 1;
constexpr AccountId kC = 2;
constexpr AccountId kTaker = 9;

TEST(OrderBookTest, BetterPriceFirstThenTimePriority) {
  OrderBook book(0);
  RecordingListener l;
  const OrderId a = book.add(limit(kA, Side::buy, 5, 100), l).id;
  const OrderId b = book.add(limit(kB, Side::buy, 5, 100), l).id;
  const OrderId c = book.add(limit(kC, Side::buy, 5, 101), l).id;
  ASSERT_EQ(book.best_bid(), 101);
  EXPECT_EQ(book.lots_at(Side::buy, 100), 10);

  const AddResult r = book.add(market(kTaker, Side::sell, 12), l);
  EXPECT_EQ(r.filled_lots, 12);
  ASSERT_EQ(l.fills.size(), 3u);
  EXPECT_EQ(l.fills[0].maker, c);  // best price first
  EXPECT_EQ(l.fills[0].price_ticks, 101);
  EXPECT_EQ(l.fills[1].maker, a);  // then the earlier order at 100
  EXPECT_EQ(l.fills[1].lots, 5);
  EXPECT_EQ(l.fills[2].maker, b);
  EXPECT_EQ(l.fills[2].lots, 2);
  ASSERT_NE(book.find(b), nullptr);
  EXPECT_EQ(book.find(b)->leaves_lots(), 3);
  EXPECT_EQ(book.find(b)->filled_lots, 2);
  EXPECT_EQ(book.find(a), nullptr);
  EXPECT_EQ(book.order_count(), 1u);
}

TEST(OrderBookTest, PartialFillRestsRemainderAtLimit) {
  OrderBook book(0);
  RecordingListener l;
  book.add(limit(kA, Side::sell, 4, 100), l);
  const AddResult r = book.add(limit(kB, Side::buy, 10, 102), l);
  ASSERT_TRUE(r.accepted());
  EXPECT_EQ(r.filled_lots, 4);
  EXPECT_EQ(r.resting_lots, 6);
  EXPECT_EQ(r.canceled_lots, 0);
  ASSERT_EQ(l.fills.size(), 1u);
  EXPECT_EQ(l.fills[0].price_ticks, 100);  // the maker's price, not the taker's limit
  EXPECT_FALSE(book.has_ask());
  EXPECT_EQ(book.best_bid(), 102);
  const BookOrder* rest = book.find(r.id);
  ASSERT_NE(rest, nullptr);
  EXPECT_EQ(rest->order_lots, 10);
  EXPECT_EQ(rest->filled_lots, 4);
  EXPECT_EQ(rest->leaves_lots(), 6);
}

TEST(OrderBookTest, IocRemainderIsCanceled) {
  OrderBook book(0);
  RecordingListener l;
  book.add(limit(kA, Side::sell, 4, 100), l);
  book.add(limit(kA, Side::sell, 4, 105), l);  // beyond the IOC's limit
  const AddResult r = book.add(limit(kB, Side::buy, 10, 101, TimeInForce::ioc), l);
  EXPECT_EQ(r.filled_lots, 4);
  EXPECT_EQ(r.resting_lots, 0);
  EXPECT_EQ(r.canceled_lots, 6);
  EXPECT_FALSE(book.has_bid());
  EXPECT_EQ(book.find(r.id), nullptr);
  EXPECT_EQ(book.best_ask(), 105);
}

TEST(OrderBookTest, FillOrKillIsAllOrNothing) {
  OrderBook book(0);
  RecordingListener l;
  book.add(limit(kA, Side::sell, 4, 100), l);
  book.add(limit(kA, Side::sell, 3, 101), l);
  AddResult r = book.add(limit(kB, Side::buy, 8, 101, TimeInForce::fok), l);
  EXPECT_EQ(r.filled_lots, 0);
  EXPECT_EQ(r.canceled_lots, 8);
  EXPECT_TRUE(l.fills.empty());
  EXPECT_EQ(book.lots_at(Side::sell, 100), 4);
  r = book.add(limit(kB, Side::buy, 7, 101, TimeInForce::fok), l);
  EXPECT_EQ(r.filled_lots, 7);
  EXPECT_EQ(r.canceled_lots, 0);
  EXPECT_FALSE(book.has_ask());
}

TEST(OrderBookTest, PostOnlyRejectedWhenItWouldCross) {
  OrderBook book(0);
  RecordingListener l;
  book.add(limit(kA, Side::sell, 4, 100), l);
  AddResult r = book.add(limit(kB, Side::buy, 1, 100, TimeInForce::post_only), l);
  EXPECT_EQ(r.reject, RejectReason::post_only_would_cross);
  EXPECT_EQ(r.id, kNoOrder);
  EXPECT_TRUE(l.fills.empty());
  EXPECT_EQ(book.lots_at(Side::sell, 100), 4);
  r = book.add(limit(kB, Side::buy, 1, 99, TimeInForce::post_only), l);
  EXPECT_TRUE(r.accepted());
  EXPECT_EQ(r.resting_lots, 1);
  EXPECT_EQ(book.best_bid(), 99);
}

TEST(OrderBookTest, MarketOrderWalksLevelsAtTheRightAveragePrice) {
  OrderBook book(0);
  RecordingListener l;
  book.add(limit(kA, Side::sell, 2, 100), l);
  book.add(limit(kB, Side::sell, 3, 101), l);
  book.add(limit(kC, Side::sell, 5, 103), l);
  const AddResult r = book.add(market(kTaker, Side::buy, 7), l);
  EXPECT_EQ(r.filled_lots, 7);
  ASSERT_EQ(l.fills.size(), 3u);
  EXPECT_EQ(l.fills[0].price_ticks, 100);
  EXPECT_EQ(l.fills[1].price_ticks, 101);
  EXPECT_EQ(l.fills[2].price_ticks, 103);
  EXPECT_EQ(l.fills[2].lots, 2);
  // (2*100 + 3*101 + 2*103) / 7 = 709 / 7
  EXPECT_DOUBLE_EQ(r.filled_value_ticks, 709.0);
  EXPECT_DOUBLE_EQ(r.filled_value_ticks / static_cast<double>(r.filled_lots), 709.0 / 7.0);
  EXPECT_EQ(book.best_ask(), 103);
  EXPECT_EQ(book.lots_at(Side::sell, 103), 3);
}

TEST(OrderBookTest, MarketOrderIntoThinBookCancelsTheRest) {
  OrderBook book(0);
  RecordingListener l;
  AddResult r = book.add(market(kTaker, Side::buy, 3), l);
  EXPECT_TRUE(r.accepted());
  EXPECT_EQ(r.filled_lots, 0);
  EXPECT_EQ(r.canceled_lots, 3);
  book.add(limit(kA, Side::sell, 2, 100), l);
  r = book.add(market(kTaker, Side::buy, 3), l);
  EXPECT_EQ(r.filled_lots, 2);
  EXPECT_EQ(r.canceled_lots, 1);
  EXPECT_EQ(book.order_count(), 0u);
}

TEST(OrderBookTest, RejectsNonPositiveSizeAndPrice) {
  OrderBook book(0);
  RecordingListener l;
  EXPECT_EQ(book.add(limit(kA, Side::buy, 0, 100), l).reject, RejectReason::bad_quantity);
  EXPECT_EQ(book.add(limit(kA, Side::buy, -1, 100), l).reject, RejectReason::bad_quantity);
  EXPECT_EQ(book.add(limit(kA, Side::buy, 1, 0), l).reject, RejectReason::bad_price);
  EXPECT_EQ(book.order_count(), 0u);
}

TEST(OrderBookTest, CancelRemovesAndStaleIdsNeverMatchNewOrders) {
  OrderBook book(0);
  RecordingListener l;
  const OrderId a = book.add(limit(kA, Side::buy, 5, 100), l).id;
  BookOrder out;
  ASSERT_TRUE(book.cancel(a, &out));
  EXPECT_EQ(out.leaves_lots(), 5);
  EXPECT_FALSE(book.has_bid());
  EXPECT_FALSE(book.cancel(a));
  // The slot is reused with a new generation: the old id does not find the new order.
  const OrderId b = book.add(limit(kA, Side::buy, 5, 100), l).id;
  EXPECT_NE(a, b);
  EXPECT_EQ(book.find(a), nullptr);
  EXPECT_FALSE(book.cancel(a));
  EXPECT_NE(book.find(b), nullptr);
  EXPECT_FALSE(book.cancel(kNoOrder));
}

TEST(OrderBookTest, ReplaceDownAtSamePriceKeepsPriority) {
  OrderBook book(0);
  RecordingListener l;
  const OrderId a = book.add(limit(kA, Side::buy, 5, 100, TimeInForce::gtc, 1), l).id;
  const OrderId b = book.add(limit(kB, Side::buy, 5, 100), l).id;
  const ReplaceResult r = book.replace(a, 3, 100, 11, l);
  ASSERT_TRUE(r.accepted());
  EXPECT_TRUE(r.priority_kept);
  EXPECT_EQ(book.lots_at(Side::buy, 100), 8);
  EXPECT_EQ(book.find(a)->client_order_id, 11u);
  book.add(market(kTaker, Side::sell, 1), l);
  ASSERT_EQ(l.fills.size(), 1u);
  EXPECT_EQ(l.fills[0].maker, a);
  (void)b;
}

TEST(OrderBookTest, ReplaceUpInSizeLosesPriority) {
  OrderBook book(0);
  RecordingListener l;
  const OrderId a = book.add(limit(kA, Side::buy, 5, 100), l).id;
  const OrderId b = book.add(limit(kB, Side::buy, 5, 100), l).id;
  const ReplaceResult r = book.replace(a, 6, 100, 0, l);
  ASSERT_TRUE(r.accepted());
  EXPECT_FALSE(r.priority_kept);
  EXPECT_EQ(book.lots_at(Side::buy, 100), 11);
  book.add(market(kTaker, Side::sell, 1), l);
  ASSERT_EQ(l.fills.size(), 1u);
  EXPECT_EQ(l.fills[0].maker, b);    // a went to the back of the queue
  EXPECT_NE(book.find(a), nullptr);  // and kept its id
}

TEST(OrderBookTest, ReplacePriceChangeLosesPriorityEvenWhenMovedBack) {
  OrderBook book(0);
  RecordingListener l;
  const OrderId a = book.add(limit(kA, Side::buy, 5, 100), l).id;
  const OrderId b = book.add(limit(kB, Side::buy, 5, 100), l).id;
  ASSERT_TRUE(book.replace(a, 5, 99, 0, l).accepted());
  EXPECT_EQ(book.lots_at(Side::buy, 99), 5);
  ASSERT_TRUE(book.replace(a, 5, 100, 0, l).accepted());
  book.add(market(kTaker, Side::sell, 1), l);
  ASSERT_EQ(l.fills.size(), 1u);
  EXPECT_EQ(l.fills[0].maker, b);
  EXPECT_FALSE(book.crossed());
}

TEST(OrderBookTest, ReplaceThatCrossesMatchesThenRests) {
  OrderBook book(0);
  RecordingListener l;
  book.add(limit(kA, Side::sell, 3, 101), l);
  const OrderId b = book.add(limit(kB, Side::buy, 5, 99), l).id;
  const ReplaceResult r = book.replace(b, 5, 101, 0, l);
  ASSERT_TRUE(r.accepted());
  EXPECT_EQ(r.filled_lots, 3);
  EXPECT_EQ(r.leaves_lots, 2);
  ASSERT_EQ(l.fills.size(), 1u);
  EXPECT_EQ(l.fills[0].taker, b);
  EXPECT_EQ(book.best_bid(), 101);
  EXPECT_FALSE(book.has_ask());
  EXPECT_EQ(book.find(b)->filled_lots, 3);
}

TEST(OrderBookTest, ReplaceRejectionsLeaveTheOrderUntouched) {
  OrderBook book(0);
  RecordingListener l;
  book.add(limit(kA, Side::sell, 3, 101), l);
  const OrderId b = book.add(limit(kB, Side::buy, 5, 99, TimeInForce::post_only, 7), l).id;
  EXPECT_EQ(book.replace(b, 5, 101, 8, l).reject, RejectReason::post_only_would_cross);
  book.add(market(kTaker, Side::buy, 1), l);  // nothing of b's; fills kA's ask
  const OrderId c = book.add(limit(kC, Side::buy, 4, 98), l).id;
  book.add(market(kTaker, Side::sell, 6), l);  // b filled 5, c filled 1
  EXPECT_EQ(book.replace(c, 1, 98, 0, l).reject, RejectReason::bad_quantity);  // <= filled
  EXPECT_EQ(book.replace(c, 4, 0, 0, l).reject, RejectReason::bad_price);
  EXPECT_EQ(book.replace(b, 9, 99, 0, l).reject, RejectReason::unknown_order);  // done
  const BookOrder* co = book.find(c);
  ASSERT_NE(co, nullptr);
  EXPECT_EQ(co->price_ticks, 98);
  EXPECT_EQ(co->leaves_lots(), 3);
}

TEST(OrderBookTest, SelfTradePreventionCancelsTheRestingOrder) {
  OrderBook book(0);
  RecordingListener l;
  const OrderId own = book.add(limit(kA, Side::sell, 2, 100), l).id;
  const OrderId other = book.add(limit(kB, Side::sell, 3, 100), l).id;
  const AddResult r = book.add(limit(kA, Side::buy, 4, 100), l);
  ASSERT_EQ(l.cancels.size(), 1u);
  EXPECT_EQ(l.cancels[0].id, own);
  EXPECT_EQ(l.cancels[0].why, RejectReason::self_trade);
  ASSERT_EQ(l.fills.size(), 1u);
  EXPECT_EQ(l.fills[0].maker, other);
  EXPECT_EQ(r.filled_lots, 3);
  EXPECT_EQ(r.resting_lots, 1);
  EXPECT_FALSE(book.crossed());
}

TEST(OrderBookTest, DepthAggregatesTopLevelsBestFirst) {
  OrderBook book(0);
  RecordingListener l;
  for (std::int64_t p = 90; p < 100; ++p) book.add(limit(kA, Side::buy, p - 89, p), l);
  book.add(limit(kB, Side::buy, 7, 99), l);
  for (std::int64_t p = 101; p < 104; ++p) book.add(limit(kA, Side::sell, 2, p), l);
  Depth d;
  book.depth(d, 3);
  ASSERT_EQ(d.bid_count, 3u);
  ASSERT_EQ(d.ask_count, 3u);
  EXPECT_EQ(d.bids[0].price_ticks, 99);
  EXPECT_EQ(d.bids[0].lots, 10 + 7);
  EXPECT_EQ(d.bids[0].orders, 2u);
  EXPECT_EQ(d.bids[1].price_ticks, 98);
  EXPECT_EQ(d.bids[2].price_ticks, 97);
  EXPECT_EQ(d.asks[0].price_ticks, 101);
  EXPECT_EQ(d.asks[2].price_ticks, 103);
  book.depth(d);
  EXPECT_EQ(d.bid_count, 10u);
  EXPECT_EQ(book.level_count(Side::buy), 10u);
}

TEST(OrderBookTest, MatchingDoesNotAllocateOnceWarm) {
  OrderBook::Options options;
  options.reserve_orders = 256;
  options.reserve_levels = 64;
  OrderBook book(0, options);
  RecordingListener l;
  l.fills.reserve(1024);
  l.cancels.reserve(1024);
  const auto round = [&] {
    for (std::int64_t k = 0; k < 20; ++k) {
      book.add(limit(kA, Side::sell, 2, 100 + k), l);
      book.add(limit(kB, Side::buy, 2, 99 - k), l);
    }
    book.add(market(kTaker, Side::buy, 25), l);
    const OrderId id = book.add(limit(kC, Side::buy, 3, 98), l).id;
    book.replace(id, 5, 97, 0, l);
    book.cancel(id);
    book.add(market(kTaker, Side::sell, 200), l);
    book.add(market(kTaker, Side::buy, 200), l);
    l.clear();
  };
  round();  // warm-up
  const long before = ballast::testing::allocation_count();
  for (int i = 0; i < 10; ++i) round();
  EXPECT_EQ(ballast::testing::allocation_count(), before);
  EXPECT_EQ(book.order_count(), 0u);
}

}  // namespace
}  // namespace ballast::venue::order_book_test
