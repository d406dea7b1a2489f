// One instrument's limit order book: price-time priority over integer ticks and lots,
// limit (GTC, IOC, FOK, post-only) and market orders, cancel and replace, self-trade
// prevention and aggregated depth. Orders live in a pooled node array and levels in
// sorted vectors, so after warm-up neither adding nor matching allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ballast/core/ids.hpp"
#include "ballast/venue/order_types.hpp"

namespace ballast::venue {

// What the book needs to place an order. Size and price are already validated (see
// order_checks.hpp); the book still refuses non-positive values rather than corrupt.
struct OrderEntry {
  AccountId account = kNoAccount;
  std::uint64_t client_order_id = 0;
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;
  bool reduce_only = false;  // the book only carries it; the venue enforces it
  std::int64_t lots = 0;
  std::int64_t price_ticks = 0;  // ignored for market orders
};

// An order's state, resting or (during matching) the incoming taker.
struct BookOrder {
  OrderId id = kNoOrder;
  AccountId account = kNoAccount;
  std::uint64_t client_order_id = 0;
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;
  bool reduce_only = false;
  std::int64_t price_ticks = 0;
  std::int64_t order_lots = 0;      // total ordered (a replace may change it)
  std::int64_t filled_lots = 0;     // cumulative
  double filled_value_ticks = 0.0;  // sum of price_ticks * lots, for the average price
  [[nodiscard]] std::int64_t leaves_lots() const noexcept { return order_lots - filled_lots; }
  [[nodiscard]] double avg_price_ticks() const noexcept {
    return filled_lots > 0 ? filled_value_ticks / static_cast<double>(filled_lots) : 0.0;
  }
};

// One match. The references are valid only inside the callback (the maker's node is
// released right after when it is done).
struct Fill {
  const BookOrder& maker;
  const BookOrder& taker;
  std::int64_t price_ticks;  // always the maker's price
  std::int64_t lots;
};

// The book reports matches and the resting orders it removes on its own; the venue
// turns them into execution reports and account changes.
class BookListener {
 public:
  virtual ~BookListener() = default;
  virtual void on_fill(const Fill& fill) = 0;
  // A resting order removed during matching: self-trade prevention or its reduce-only
  // capacity (maker_fill_cap) ran out. `order` still shows its leaves.
  virtual void on_maker_canceled(const BookOrder& order, RejectReason why) = 0;
  // How many lots a reduce-only resting order may still fill given its account's
  // position now (positions move while a sweep runs). 0 cancels it.
  virtual std::int64_t maker_fill_cap(const BookOrder& maker) { return maker.leaves_lots(); }
};

struct AddResult {
  RejectReason reject = RejectReason::none;
  OrderId id = kNoOrder;  // assigned to every accepted order; it rests only if resting_lots > 0
  std::int64_t filled_lots = 0;
  std::int64_t resting_lots = 0;
  std::int64_t canceled_lots = 0;  // IOC/FOK/market remainder
  double filled_value_ticks = 0.0;
  [[nodiscard]] bool accepted() const noexcept { return reject == RejectReason::none; }
};

struct ReplaceResult {
  RejectReason reject = RejectReason::none;  // the original order is untouched when set
  bool priority_kept = false;
  std::int64_t filled_lots = 0;  // filled by the replace itself (it became marketable)
  std::int64_t leaves_lots = 0;  // after the replace; 0 = done
  [[nodiscard]] bool accepted() const noexcept { return reject == RejectReason::none; }
};

struct DepthLevel {
  std::int64_t price_ticks = 0;
  std::int64_t lots = 0;
  std::uint32_t orders = 0;
};

// Aggregated levels, best first on each side.
struct Depth {
  std::array<DepthLevel, kMaxBookLevels> bids{};
  std::array<DepthLevel, kMaxBookLevels> asks{};
  std::size_t bid_count = 0;
  std::size_t ask_count = 0;
};

class OrderBook {
 public:
  struct Options {
    std::size_t reserve_orders = 1024;  // node pool reserved up front
    std::size_t reserve_levels = 128;   // per side
    bool self_trade_prevention = true;  // cancel the resting order instead of self-matching
  };

  explicit OrderBook(InstrumentId instrument);
  OrderBook(InstrumentId instrument, const Options& options);

  // Matches an incoming order and rests the remainder when it is a GTC or post-only limit.
  // Rejects only post-only orders that would cross and non-positive sizes/prices.
  AddResult add(const OrderEntry& entry, BookListener& listener);

  // Removes a resting order; false when `id` is not resting. `out` gets its last state.
  bool cancel(OrderId id, BookOrder* out = nullptr);

  // Amends a resting order to `new_order_lots` in total (must exceed what has filled) at
  // `new_price_ticks`, taking `new_client_order_id`. It keeps its queue place only when
  // the price is unchanged and its leaves do not grow; otherwise it re-enters at the back,
  // matching first if it became marketable (a post-only one is rejected instead).
  ReplaceResult replace(OrderId id, std::int64_t new_order_lots, std::int64_t new_price_ticks,
                        std::uint64_t new_client_order_id, BookListener& listener);

  // Shrinks a resting order's leaves in place (queue place kept); 0 < new_leaves < leaves.
  bool reduce_leaves(OrderId id, std::int64_t new_leaves);

  // The resting order with `id`, or nullptr (done, cancelled, or never existed).
  [[nodiscard]] const BookOrder* find(OrderId id) const noexcept;

  [[nodiscard]] bool has_bid() const noexcept { return !bids_.empty(); }
  [[nodiscard]] bool has_ask() const noexcept { return !asks_.empty(); }
  [[nodiscard]] std::int64_t best_bid() const noexcept {  // 0 when empty
    return bids_.empty() ? 0 : bids_.back().price_ticks;
  }
  [[nodiscard]] std::int64_t best_ask() const noexcept {
    return asks_.empty() ? 0 : asks_.back().price_ticks;
  }
  [[nodiscard]] bool crossed() const noexcept {
    return has_bid() && has_ask() && best_bid() >= best_ask();
  }
  // Lots resting at exactly `price_ticks` on `side`.
  [[nodiscard]] std::int64_t lots_at(Side side, std::int64_t price_ticks) const noexcept;
  [[nodiscard]] std::size_t level_count(Side side) const noexcept {
    return side == Side::buy ? bids_.size() : asks_.size();
  }
  [[nodiscard]] std::size_t order_count() const noexcept { return live_orders_; }
  [[nodiscard]] InstrumentId instrument() const noexcept { return instrument_; }

  // The best `max_levels` (at most kMaxBookLevels) levels of each side.
  void depth(Depth& out, std::size_t max_levels = kMaxBookLevels) const noexcept;

  // Visits every resting order, bids then asks, best level first, in queue order. The
  // callback must not modify the book.
  template <class F>
  void for_each_order(F&& f) const {
    for (auto it = bids_.rbegin(); it != bids_.rend(); ++it) visit_level(*it, f);
    for (auto it = asks_.rbegin(); it != asks_.rend(); ++it) visit_level(*it, f);
  }

 private:
  static constexpr std::uint32_t kNil = 0xFFFFFFFFu;

  struct Node {
    BookOrder order;
    std::uint32_t prev = kNil;
    std::uint32_t next = kNil;
    std::uint32_t generation = 1;
    bool resting = false;
    bool allocated = false;
  };
  struct Level {
    std::int64_t price_ticks = 0;
    std::int64_t lots = 0;
    std::uint32_t head = kNil;
    std::uint32_t tail = kNil;
    std::uint32_t count = 0;
  };
  // Each side is sorted worst price first so the best level is at the back: new orders
  // arrive near the touch, where inserting and erasing moves the fewest levels.
  using Ladder = std::vector<Level>;

  template <class F>
  void visit_level(const Level& level, F& f) const {
    for (std::uint32_t n = level.head; n != kNil; n = nodes_[n].next) f(nodes_[n].order);
  }

  std::uint32_t allocate();
  void release(std::uint32_t slot) noexcept;
  [[nodiscard]] std::uint32_t slot_of(OrderId id) const noexcept;  // kNil when stale
  [[nodiscard]] Ladder& side_of(Side s) noexcept { return s == Side::buy ? bids_ : asks_; }
  [[nodiscard]] const Ladder& side_of(Side s) const noexcept {
    return s == Side::buy ? bids_ : asks_;
  }
  // Index of the level at `price` on `side`, or where it would be inserted.
  [[nodiscard]] std::size_t level_index(const Ladder& side, Side s,
                                        std::int64_t price) const noexcept;
  [[nodiscard]] bool would_cross(Side side, std::int64_t price) const noexcept;
  [[nodiscard]] std::int64_t fillable_lots(const BookOrder& taker,
                                           std::int64_t want) const noexcept;
  void link_back(std::uint32_t slot);  // appends to its level's queue (creating the level)
  void unlink(std::uint32_t slot) noexcept;
  // Matches the node in `slot` against the opposite side; returns lots filled.
  void match(std::uint32_t slot, BookListener& listener);

  InstrumentId instrument_;
  Options options_;
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> free_;
  Ladder bids_;
  Ladder asks_;
  std::size_t live_orders_ = 0;
};

}  // namespace ballast::venue
