#include "ballast/venue/order_book.hpp"

#include <algorithm>

namespace ballast::venue {

namespace {

// Does a level at `level_price` satisfy a taker on `side` limited at `limit`?
bool crosses(Side side, std::int64_t limit, std::int64_t level_price) noexcept {
  return side == Side::buy ? level_price <= limit : level_price >= limit;
}

}  // namespace

OrderBook::OrderBook(InstrumentId instrument) : OrderBook(instrument, Options{}) {}

OrderBook::OrderBook(InstrumentId instrument, const Options& options)
    : instrument_(instrument), options_(options) {
  nodes_.reserve(options_.reserve_orders);
  free_.reserve(options_.reserve_orders);
  bids_.reserve(options_.reserve_levels);
  asks_.reserve(options_.reserve_levels);
}

std::uint32_t OrderBook::allocate() {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(nodes_.size());
    nodes_.emplace_back();  // allocates only past the high-water mark
  }
  Node& n = nodes_[slot];
  n.allocated = true;
  n.resting = false;
  n.prev = n.next = kNil;
  n.order = BookOrder{};
  n.order.id = (static_cast<OrderId>(n.generation) << 32) | slot;
  return slot;
}

void OrderBook::release(std::uint32_t slot) noexcept {
  Node& n = nodes_[slot];
  n.allocated = false;
  n.resting = false;
  if (++n.generation == 0) n.generation = 1;  // ids are never 0
  free_.push_back(slot);  // capacity covers every slot ever allocated once warmed
}

std::uint32_t OrderBook::slot_of(OrderId id) const noexcept {
  const auto slot = static_cast<std::uint32_t>(id & 0xFFFFFFFFu);
  const auto gen = static_cast<std::uint32_t>(id >> 32);
  if (slot >= nodes_.size()) return kNil;
  const Node& n = nodes_[slot];
  return n.allocated && n.generation == gen ? slot : kNil;
}

const BookOrder* OrderBook::find(OrderId id) const noexcept {
  const std::uint32_t slot = slot_of(id);
  return slot != kNil && nodes_[slot].resting ? &nodes_[slot].order : nullptr;
}

std::size_t OrderBook::level_index(const Ladder& side, Side s, std::int64_t price) const noexcept {
  // Bids ascend and asks descend, so the best price is at the back of either.
  const auto it =
      s == Side::buy
          ? std::lower_bound(side.begin(), side.end(), price,
                             [](const Level& l, std::int64_t p) { return l.price_ticks < p; })
          : std::lower_bound(side.begin(), side.end(), price,
                             [](const Level& l, std::int64_t p) { return l.price_ticks > p; });
  return static_cast<std::size_t>(it - side.begin());
}

bool OrderBook::would_cross(Side side, std::int64_t price) const noexcept {
  return side == Side::buy ? has_ask() && price >= best_ask() : has_bid() && price <= best_bid();
}

std::int64_t OrderBook::lots_at(Side side, std::int64_t price_ticks) const noexcept {
  const Ladder& levels = side_of(side);
  const std::size_t i = level_index(levels, side, price_ticks);
  return i < levels.size() && levels[i].price_ticks == price_ticks ? levels[i].lots : 0;
}

void OrderBook::link_back(std::uint32_t slot) {
  Node& n = nodes_[slot];
  Ladder& levels = side_of(n.order.side);
  const std::size_t i = level_index(levels, n.order.side, n.order.price_ticks);
  if (i == levels.size() || levels[i].price_ticks != n.order.price_ticks) {
    Level fresh;
    fresh.price_ticks = n.order.price_ticks;
    levels.insert(levels.begin() + static_cast<std::ptrdiff_t>(i), fresh);
  }
  Level& level = levels[i];
  n.prev = level.tail;
  n.next = kNil;
  if (level.tail != kNil) {
    nodes_[level.tail].next = slot;
  } else {
    level.head = slot;
  }
  level.tail = slot;
  level.lots += n.order.leaves_lots();
  ++level.count;
  n.resting = true;
  ++live_orders_;
}

void OrderBook::unlink(std::uint32_t slot) noexcept {
  Node& n = nodes_[slot];
  Ladder& levels = side_of(n.order.side);
  const std::size_t i = level_index(levels, n.order.side, n.order.price_ticks);
  Level& level = levels[i];
  if (n.prev != kNil) {
    nodes_[n.prev].next = n.next;
  } else {
    level.head = n.next;
  }
  if (n.next != kNil) {
    nodes_[n.next].prev = n.prev;
  } else {
    level.tail = n.prev;
  }
  level.lots -= n.order.leaves_lots();
  --level.count;
  if (level.count == 0) levels.erase(levels.begin() + static_cast<std::ptrdiff_t>(i));
  n.prev = n.next = kNil;
  n.resting = false;
  --live_orders_;
}

std::int64_t OrderBook::fillable_lots(const BookOrder& taker, std::int64_t want) const noexcept {
  const Ladder& opp = side_of(opposite(taker.side));
  std::int64_t total = 0;
  for (auto it = opp.rbegin(); it != opp.rend() && total < want; ++it) {
    if (taker.type == OrderType::limit && !crosses(taker.side, taker.price_ticks, it->price_ticks))
      break;
    if (!options_.self_trade_prevention) {
      total += it->lots;
      continue;
    }
    for (std::uint32_t n = it->head; n != kNil; n = nodes_[n].next)
      if (nodes_[n].order.account != taker.account) total += nodes_[n].order.leaves_lots();
  }
  return total;
}

void OrderBook::match(std::uint32_t t, BookListener& listener) {
  // The taker's node is in nodes_, which does not grow here (nothing is allocated while
  // matching), so the reference stays valid.
  BookOrder& taker = nodes_[t].order;
  Ladder& opp = side_of(opposite(taker.side));
  // One maker per iteration: each either completes, is removed, or completes the taker,
  // so the loop ends; the level is re-read because removing a maker may erase it.
  while (taker.leaves_lots() > 0 && !opp.empty()) {
    Level& level = opp.back();
    if (taker.type == OrderType::limit &&
        !crosses(taker.side, taker.price_ticks, level.price_ticks))
      break;
    const std::uint32_t m = level.head;
    BookOrder& maker = nodes_[m].order;
    if (options_.self_trade_prevention && maker.account == taker.account) {
      listener.on_maker_canceled(maker, RejectReason::self_trade);
      unlink(m);
      release(m);
      continue;
    }
    std::int64_t lots = std::min(taker.leaves_lots(), maker.leaves_lots());
    bool capped = false;
    if (maker.reduce_only) {
      const std::int64_t cap = listener.maker_fill_cap(maker);
      if (cap <= 0) {
        listener.on_maker_canceled(maker, RejectReason::reduce_only_would_increase);
        unlink(m);
        release(m);
        continue;
      }
      if (cap < lots) {
        lots = cap;
        capped = true;
      }
    }
    const std::int64_t price = level.price_ticks;
    const double value = static_cast<double>(price) * static_cast<double>(lots);
    maker.filled_lots += lots;
    maker.filled_value_ticks += value;
    taker.filled_lots += lots;
    taker.filled_value_ticks += value;
    level.lots -= lots;
    listener.on_fill(Fill{maker, taker, price, lots});
    if (maker.leaves_lots() == 0) {
      unlink(m);
      release(m);
    } else if (capped) {  // its position is now flat: the rest could only increase it
      listener.on_maker_canceled(maker, RejectReason::reduce_only_would_increase);
      unlink(m);
      release(m);
    }
  }
}

AddResult OrderBook::add(const OrderEntry& entry, BookListener& listener) {
  AddResult result;
  if (entry.lots <= 0) {
    result.reject = RejectReason::bad_quantity;
    return result;
  }
  if (entry.type == OrderType::limit && entry.price_ticks <= 0) {
    result.reject = RejectReason::bad_price;
    return result;
  }
  if (entry.type == OrderType::market && entry.tif == TimeInForce::post_only) {
    result.reject = RejectReason::unsupported;
    return result;
  }
  if (entry.tif == TimeInForce::post_only && would_cross(entry.side, entry.price_ticks)) {
    result.reject = RejectReason::post_only_would_cross;
    return result;
  }

  const std::uint32_t slot = allocate();
  BookOrder& order = nodes_[slot].order;
  order.account = entry.account;
  order.client_order_id = entry.client_order_id;
  order.side = entry.side;
  order.type = entry.type;
  order.tif = entry.tif;
  order.reduce_only = entry.reduce_only;
  order.price_ticks = entry.type == OrderType::limit ? entry.price_ticks : 0;
  order.order_lots = entry.lots;
  result.id = order.id;

  // Fill-or-kill: all or nothing, decided before touching the book. (A reduce-only maker
  // capped mid-sweep can still leave a remainder; that remainder is cancelled below.)
  if (entry.tif == TimeInForce::fok && fillable_lots(order, entry.lots) < entry.lots) {
    result.canceled_lots = entry.lots;
    release(slot);
    return result;
  }

  match(slot, listener);
  const BookOrder& after = nodes_[slot].order;
  result.filled_lots = after.filled_lots;
  result.filled_value_ticks = after.filled_value_ticks;
  const std::int64_t leaves = after.leaves_lots();
  const bool rests = entry.type == OrderType::limit &&
                     (entry.tif == TimeInForce::gtc || entry.tif == TimeInForce::post_only);
  if (leaves > 0 && rests) {
    link_back(slot);
    result.resting_lots = leaves;
  } else {
    result.canceled_lots = leaves;
    release(slot);
  }
  return result;
}

bool OrderBook::cancel(OrderId id, BookOrder* out) {
  const std::uint32_t slot = slot_of(id);
  if (slot == kNil || !nodes_[slot].resting) return false;
  if (out != nullptr) *out = nodes_[slot].order;
  unlink(slot);
  release(slot);
  return true;
}

bool OrderBook::reduce_leaves(OrderId id, std::int64_t new_leaves) {
  const std::uint32_t slot = slot_of(id);
  if (slot == kNil || !nodes_[slot].resting) return false;
  BookOrder& order = nodes_[slot].order;
  const std::int64_t cut = order.leaves_lots() - new_leaves;
  if (new_leaves <= 0 || cut <= 0) return false;
  Ladder& levels = side_of(order.side);
  levels[level_index(levels, order.side, order.price_ticks)].lots -= cut;
  order.order_lots -= cut;
  return true;
}

ReplaceResult OrderBook::replace(OrderId id, std::int64_t new_order_lots,
                                 std::int64_t new_price_ticks, std::uint64_t new_client_order_id,
                                 BookListener& listener) {
  ReplaceResult result;
  const std::uint32_t slot = slot_of(id);
  if (slot == kNil || !nodes_[slot].resting) {
    result.reject = RejectReason::unknown_order;
    return result;
  }
  BookOrder& order = nodes_[slot].order;
  if (new_order_lots <= order.filled_lots) {
    result.reject = RejectReason::bad_quantity;
    return result;
  }
  if (new_price_ticks <= 0) {
    result.reject = RejectReason::bad_price;
    return result;
  }
  const std::int64_t old_leaves = order.leaves_lots();
  const std::int64_t new_leaves = new_order_lots - order.filled_lots;

  if (new_price_ticks == order.price_ticks && new_leaves <= old_leaves) {
    // Same price, no more size: the queue place is kept (exchanges agree on this rule).
    Ladder& levels = side_of(order.side);
    levels[level_index(levels, order.side, order.price_ticks)].lots -= old_leaves - new_leaves;
    order.order_lots = new_order_lots;
    order.client_order_id = new_client_order_id;
    result.priority_kept = true;
    result.leaves_lots = new_leaves;
    return result;
  }

  // would_cross looks only at the opposite side, so the order's own place is irrelevant.
  if (order.tif == TimeInForce::post_only && would_cross(order.side, new_price_ticks)) {
    result.reject = RejectReason::post_only_would_cross;
    return result;
  }
  unlink(slot);
  order.price_ticks = new_price_ticks;
  order.order_lots = new_order_lots;
  order.client_order_id = new_client_order_id;
  const std::int64_t filled_before = order.filled_lots;
  match(slot, listener);
  const BookOrder& after = nodes_[slot].order;
  result.filled_lots = after.filled_lots - filled_before;
  result.leaves_lots = after.leaves_lots();
  if (result.leaves_lots > 0) {
    link_back(slot);
  } else {
    release(slot);
  }
  return result;
}

void OrderBook::depth(Depth& out, std::size_t max_levels) const noexcept {
  const std::size_t cap = std::min<std::size_t>(max_levels, kMaxBookLevels);
  out.bid_count = 0;
  out.ask_count = 0;
  for (auto it = bids_.rbegin(); it != bids_.rend() && out.bid_count < cap; ++it)
    out.bids[out.bid_count++] = DepthLevel{it->price_ticks, it->lots, it->count};
  for (auto it = asks_.rbegin(); it != asks_.rend() && out.ask_count < cap; ++it)
    out.asks[out.ask_count++] = DepthLevel{it->price_ticks, it->lots, it->count};
}

}  // namespace ballast::venue
