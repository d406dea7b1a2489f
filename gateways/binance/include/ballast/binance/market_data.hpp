// Binance USDⓈ-M market-data streams (<symbol>@bookTicker, <symbol>@markPrice@1s,
// <symbol>@depth@100ms, raw or in the combined {"stream":..,"data":..} wrapper) turned
// into MarketTicks and depth updates, with the same validation as the FIX gateway.
//
// Buffers: simdjson reads up to SIMDJSON_PADDING bytes past the end of a message, so every
// buffer handed to parse() must have kPadding readable bytes after `length` (their content
// does not matter). A message longer than kMaxMessageBytes is refused (malformed) rather
// than letting the parser grow: parse() never allocates.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ballast/binance/symbol_map.hpp"
#include "ballast/core/events.hpp"

namespace ballast::binance {

enum class MarketDataResult : std::uint8_t {
  tick,            // `tick` holds the instrument's full state after this message
  no_tick,         // a subscription reply ({"result":null,"id":1}) or an error reply to one
  depth_update,    // last_depth() holds the parsed diff-depth event
  malformed,       // dropped: unparseable, missing fields, bad numbers, a crossed book
  unknown_symbol,  // well-formed, for a symbol outside the map
  unsupported,     // well-formed event of a type we do not handle
};

struct PriceLevel {
  double price = 0.0;
  double qty = 0.0;  // 0 in a diff update deletes the level
};

// Levels kept per side of a parsed depth message and of the synced book.
inline constexpr std::size_t kDepthLevelsPerSide = 64;

// One diff-depth event (e = depthUpdate). Sides are in the venue's order; more than
// kDepthLevelsPerSide levels on a side keeps the first ones and sets `truncated`.
struct DepthUpdate {
  std::int64_t first_update_id = 0;      // U
  std::int64_t final_update_id = 0;      // u
  std::int64_t previous_final_id = 0;    // pu: the u of the previous event of this stream
  std::int64_t event_time_ms = 0;        // E
  std::int64_t transaction_time_ms = 0;  // T
  InstrumentId instrument = kNoInstrument;
  std::uint16_t bid_count = 0;
  std::uint16_t ask_count = 0;
  bool truncated = false;
  std::array<PriceLevel, kDepthLevelsPerSide> bids{};
  std::array<PriceLevel, kDepthLevelsPerSide> asks{};
};

// The WebSocket API `depth` result (or REST /fapi/v1/depth): the book at lastUpdateId.
struct DepthSnapshot {
  std::int64_t last_update_id = 0;
  std::int64_t event_time_ms = 0;
  std::int64_t transaction_time_ms = 0;
  InstrumentId instrument = kNoInstrument;
  std::uint16_t bid_count = 0;
  std::uint16_t ask_count = 0;
  bool truncated = false;
  std::array<PriceLevel, kDepthLevelsPerSide> bids{};  // best first
  std::array<PriceLevel, kDepthLevelsPerSide> asks{};
};

struct MarketDataCounters {
  std::uint64_t messages = 0;
  std::uint64_t ticks = 0;
  std::uint64_t book_tickers = 0;
  std::uint64_t mark_prices = 0;
  std::uint64_t depth_updates = 0;
  std::uint64_t depth_truncated = 0;  // depth messages with more than kDepthLevelsPerSide a side
  std::uint64_t control = 0;          // subscription replies
  std::uint64_t malformed = 0;
  std::uint64_t too_large = 0;  // part of malformed: longer than kMaxMessageBytes
  std::uint64_t crossed = 0;    // part of malformed: bid >= ask
  std::uint64_t unknown_symbol = 0;
  std::uint64_t unsupported = 0;
};

// Per instrument what the streams said last: a bookTicker and a markPriceUpdate each
// patch their part, and every tick carries all of it (like the FIX gateway's W/X state).
struct InstrumentMarketState {
  double bid = 0.0, bid_qty = 0.0, ask = 0.0, ask_qty = 0.0;
  double mark = 0.0, index = 0.0, funding_rate = 0.0;
  std::int64_t next_funding_time_ms = 0;  // markPriceUpdate T (0 for delivery contracts)
  std::int64_t book_update_id = 0;        // bookTicker u
};

class BinanceMarketDataParser {
 public:
  static constexpr std::size_t kPadding = simdjson::SIMDJSON_PADDING;
  // Market-data messages are a few hundred bytes; a depth event with a thousand levels
  // a side is ~60 KiB. Larger is refused, so the parser never has to grow.
  static constexpr std::size_t kMaxMessageBytes = 256 * 1024;

  // `symbols` must outlive the parser. Allocates the simdjson buffers for kMaxMessageBytes
  // (throws std::bad_alloc when it cannot).
  explicit BinanceMarketDataParser(const BinanceSymbolMap& symbols);

  // One WebSocket text message. `data` must have kPadding readable bytes past `length`.
  // On tick: `tick` is filled (recv_tsc and pushed_tsc are left 0 for the caller to stamp).
  MarketDataResult parse(const char* data, std::size_t length, MarketTick& tick) noexcept;
  // The WebSocket API `depth` response ({"id","status":200,"result":{lastUpdateId,..}}) or
  // a bare REST depth body. The response does not name the symbol: the caller knows it
  // from the request id. Returns tick (meaning: snapshot filled), malformed or no_tick
  // (a non-200 status).
  MarketDataResult parse_depth_snapshot(const char* data, std::size_t length,
                                        InstrumentId instrument, DepthSnapshot& out) noexcept;

  // The event of the last depth_update result (valid until the next parse).
  [[nodiscard]] const DepthUpdate& last_depth() const noexcept { return *depth_; }
  [[nodiscard]] const InstrumentMarketState& state(InstrumentId id) const noexcept {
    return state_[id < kMaxInstruments ? id : 0];
  }
  [[nodiscard]] const MarketDataCounters& counters() const noexcept { return counters_; }

 private:
  struct EventFields;
  bool collect(simdjson::ondemand::object object, EventFields& fields, bool top) noexcept;
  MarketDataResult book_ticker(const EventFields& f, MarketTick& tick) noexcept;
  MarketDataResult mark_price(const EventFields& f, MarketTick& tick) noexcept;
  MarketDataResult depth(const EventFields& f) noexcept;
  MarketDataResult count(MarketDataResult r) noexcept;
  void fill_tick(InstrumentId id, std::int64_t ts_ms, MarketTick& tick) const noexcept;

  const BinanceSymbolMap& symbols_;
  simdjson::ondemand::parser parser_;
  std::unique_ptr<DepthUpdate> depth_;
  std::array<InstrumentMarketState, kMaxInstruments> state_{};
  MarketDataCounters counters_{};
};

enum class DepthSyncState : std::uint8_t {
  awaiting_snapshot,  // buffering events until on_snapshot
  synced,             // the book is the venue's
  needs_resync,       // a gap (pu != previous u, or no event straddles the snapshot):
                      // request a new snapshot and call on_snapshot again
};

enum class DepthApplyResult : std::uint8_t {
  buffered,  // waiting for a snapshot (awaiting_snapshot and needs_resync buffer)
  applied,
  dropped_stale,  // u < lastUpdateId, or older than the last applied event
  gap,            // state became needs_resync (the event is kept for the next snapshot)
};

struct DepthSyncCounters {
  std::uint64_t applied = 0;
  std::uint64_t buffered = 0;
  std::uint64_t buffer_overflows = 0;  // oldest buffered event dropped to make room
  std::uint64_t stale = 0;
  std::uint64_t gaps = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t levels_dropped = 0;  // a level beyond kDepthLevelsPerSide was not kept
};

// Binance's order-book rules for USDⓈ-M diff depth, for one instrument:
//  1. buffer events until a snapshot (lastUpdateId L) arrives;
//  2. drop events with u < L;
//  3. the first applied event must have U <= L <= u;
//  4. each later event's pu must equal the previous event's u, else the book is lost.
// The book keeps the best kDepthLevelsPerSide levels a side, sorted; qty 0 deletes.
// Fixed capacity: nothing allocates after construction.
class DepthBookSync {
 public:
  static constexpr std::size_t kBufferedEvents = 16;

  DepthBookSync();
  // Back to awaiting_snapshot with an empty book and buffer (e.g. on reconnect).
  void reset() noexcept;
  DepthApplyResult on_update(const DepthUpdate& update) noexcept;
  // Installs the snapshot, then applies the buffered events by the rules above.
  // Returns the resulting state.
  DepthSyncState on_snapshot(const DepthSnapshot& snapshot) noexcept;

  [[nodiscard]] DepthSyncState state() const noexcept { return state_; }
  [[nodiscard]] std::int64_t last_update_id() const noexcept { return last_u_; }
  // Best level a side; qty 0 when the side is empty.
  [[nodiscard]] PriceLevel best_bid() const noexcept {
    return bid_count_ ? bids_[0] : PriceLevel{};
  }
  [[nodiscard]] PriceLevel best_ask() const noexcept {
    return ask_count_ ? asks_[0] : PriceLevel{};
  }
  [[nodiscard]] std::size_t bid_count() const noexcept { return bid_count_; }
  [[nodiscard]] std::size_t ask_count() const noexcept { return ask_count_; }
  [[nodiscard]] const PriceLevel& bid(std::size_t i) const noexcept { return bids_[i]; }
  [[nodiscard]] const PriceLevel& ask(std::size_t i) const noexcept { return asks_[i]; }
  [[nodiscard]] const DepthSyncCounters& counters() const noexcept { return counters_; }

 private:
  DepthApplyResult apply_synced(const DepthUpdate& update) noexcept;
  void apply_levels(const DepthUpdate& update) noexcept;
  void set_level(bool bid_side, PriceLevel level) noexcept;

  DepthSyncState state_ = DepthSyncState::awaiting_snapshot;
  bool first_pending_ = false;  // synced, no event applied since the snapshot yet
  std::int64_t snapshot_id_ = 0;
  std::int64_t last_u_ = 0;
  std::array<PriceLevel, kDepthLevelsPerSide> bids_{};  // descending price
  std::array<PriceLevel, kDepthLevelsPerSide> asks_{};  // ascending price
  std::size_t bid_count_ = 0;
  std::size_t ask_count_ = 0;
  std::unique_ptr<std::array<DepthUpdate, kBufferedEvents>> buffer_;
  std::size_t buffer_start_ = 0;
  std::size_t buffer_size_ = 0;
  DepthSyncCounters counters_{};
};

}  // namespace ballast::binance
