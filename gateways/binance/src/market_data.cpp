#include "ballast/binance/market_data.hpp"

#include <cmath>
#include <new>
#include <string_view>

#include "ballast/binance/wire_numbers.hpp"

namespace ballast::binance {

namespace od = simdjson::ondemand;

namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
// Far enough for any venue timestamp, small enough that ms -> ns cannot overflow.
constexpr std::int64_t kMaxTimestampMs = 9'000'000'000'000;

bool get_int(od::object& obj, std::string_view key, std::int64_t& out) noexcept {
  od::value v;
  if (obj.find_field_unordered(key).get(v)) return false;
  return !v.get_int64().get(out);
}

bool get_str(od::object& obj, std::string_view key, std::string_view& out) noexcept {
  od::value v;
  if (obj.find_field_unordered(key).get(v)) return false;
  return !v.get_string().get(out);
}

// A price or size string: finite and not negative.
bool get_non_negative(od::object& obj, std::string_view key, double& out) noexcept {
  std::string_view s;
  if (!get_str(obj, key, s)) return false;
  const auto v = parse_wire_double(s);
  if (!v || *v < 0.0) return false;
  out = *v;
  return true;
}

bool valid_timestamp(std::int64_t ms) noexcept { return ms >= 0 && ms <= kMaxTimestampMs; }

// [["price","qty"], ...]: keeps the first kDepthLevelsPerSide, validates every one.
bool parse_levels(od::value side, std::array<PriceLevel, kDepthLevelsPerSide>& out,
                  std::uint16_t& count, bool& truncated) noexcept {
  od::array levels;
  if (side.get_array().get(levels)) return false;
  count = 0;
  for (auto element : levels) {
    od::array pair;
    if (element.get_array().get(pair)) return false;
    std::string_view texts[2];
    std::size_t n = 0;
    for (auto item : pair) {
      std::string_view s;
      if (item.get_string().get(s)) return false;
      if (n < 2) texts[n] = s;
      ++n;
    }
    if (n != 2) return false;
    const auto price = parse_wire_double(texts[0]);
    const auto qty = parse_wire_double(texts[1]);
    if (!price || !qty || *price <= 0.0 || *qty < 0.0) return false;
    if (count < kDepthLevelsPerSide) {
      out[count++] = PriceLevel{*price, *qty};
    } else {
      truncated = true;
    }
  }
  return true;
}

}  // namespace

BinanceMarketDataParser::BinanceMarketDataParser(const BinanceSymbolMap& symbols)
    : symbols_(symbols), parser_(kMaxMessageBytes), depth_(std::make_unique<DepthUpdate>()) {
  // Allocated once here; iterate() on a message within kMaxMessageBytes reuses it.
  if (parser_.allocate(kMaxMessageBytes) != simdjson::SUCCESS) throw std::bad_alloc();
}

MarketDataResult BinanceMarketDataParser::count(MarketDataResult r) noexcept {
  switch (r) {
    case MarketDataResult::tick: ++counters_.ticks; break;
    case MarketDataResult::no_tick: ++counters_.control; break;
    case MarketDataResult::depth_update: ++counters_.depth_updates; break;
    case MarketDataResult::malformed: ++counters_.malformed; break;
    case MarketDataResult::unknown_symbol: ++counters_.unknown_symbol; break;
    case MarketDataResult::unsupported: ++counters_.unsupported; break;
  }
  return r;
}

MarketDataResult BinanceMarketDataParser::parse(const char* data, std::size_t length,
                                                MarketTick& tick) noexcept {
  ++counters_.messages;
  if (length > kMaxMessageBytes) {
    ++counters_.too_large;
    return count(MarketDataResult::malformed);
  }
  od::document doc;
  if (parser_.iterate(data, length, length + kPadding).get(doc))
    return count(MarketDataResult::malformed);
  od::object top;
  if (doc.get_object().get(top)) return count(MarketDataResult::malformed);

  od::value wrapped;
  auto error = top.find_field_unordered("data").get(wrapped);
  if (!error) {
    od::object event;
    if (wrapped.get_object().get(event)) return count(MarketDataResult::unsupported);
    return count(parse_event(event, tick));
  }
  if (error != simdjson::NO_SUCH_FIELD) return count(MarketDataResult::malformed);

  od::value event_type;
  error = top.find_field_unordered("e").get(event_type);
  if (!error) {
    // The lookup consumed "e"; parse_event looks it up again (unordered search wraps).
    return count(parse_event(top, tick));
  }
  if (error != simdjson::NO_SUCH_FIELD) return count(MarketDataResult::malformed);
  od::value id;
  error = top.find_field_unordered("id").get(id);
  if (!error) return count(MarketDataResult::no_tick);
  if (error != simdjson::NO_SUCH_FIELD) return count(MarketDataResult::malformed);
  return count(MarketDataResult::unsupported);
}

MarketDataResult BinanceMarketDataParser::parse_event(od::object event, MarketTick& tick) noexcept {
  std::string_view type;
  if (!get_str(event, "e", type)) return MarketDataResult::malformed;
  if (type == "bookTicker") return parse_book_ticker(event, tick);
  if (type == "markPriceUpdate") return parse_mark_price(event, tick);
  if (type == "depthUpdate") return parse_depth(event);
  return MarketDataResult::unsupported;
}

void BinanceMarketDataParser::fill_tick(InstrumentId id, std::int64_t ts_ms,
                                        MarketTick& tick) const noexcept {
  const InstrumentMarketState& s = state_[id];
  tick.exchange_ts_ns = ts_ms * kNsPerMs;
  tick.pushed_tsc = 0;
  tick.bid = s.bid;
  tick.bid_qty = s.bid_qty;
  tick.ask = s.ask;
  tick.ask_qty = s.ask_qty;
  tick.mark = s.mark;
  tick.index = s.index;
  tick.funding_rate = s.funding_rate;
  tick.instrument = id;
  tick.flags = 0;
}

MarketDataResult BinanceMarketDataParser::parse_book_ticker(od::object event,
                                                            MarketTick& tick) noexcept {
  ++counters_.book_tickers;
  // Fields in the venue's order (e,u,s,b,B,a,A,T,E): each unordered lookup starts where
  // the last one ended, so the common case is one pass.
  std::int64_t update_id = 0;
  std::string_view symbol;
  double bid = 0, bid_qty = 0, ask = 0, ask_qty = 0;
  if (!get_int(event, "u", update_id) || !get_str(event, "s", symbol) ||
      !get_non_negative(event, "b", bid) || !get_non_negative(event, "B", bid_qty) ||
      !get_non_negative(event, "a", ask) || !get_non_negative(event, "A", ask_qty))
    return MarketDataResult::malformed;
  std::int64_t ts_ms = 0;
  // T (transaction time) is when the book changed; E is when the event was sent.
  if (!get_int(event, "T", ts_ms) && !get_int(event, "E", ts_ms)) return MarketDataResult::malformed;
  if (!valid_timestamp(ts_ms)) return MarketDataResult::malformed;
  if (bid > 0.0 && ask > 0.0 && bid >= ask) {
    ++counters_.crossed;
    return MarketDataResult::malformed;
  }
  const InstrumentId id = symbols_.find(symbol);
  if (id == kNoInstrument) return MarketDataResult::unknown_symbol;
  InstrumentMarketState& s = state_[id];
  s.bid = bid;
  s.bid_qty = bid_qty;
  s.ask = ask;
  s.ask_qty = ask_qty;
  s.book_update_id = update_id;
  fill_tick(id, ts_ms, tick);
  return MarketDataResult::tick;
}

MarketDataResult BinanceMarketDataParser::parse_mark_price(od::object event,
                                                           MarketTick& tick) noexcept {
  ++counters_.mark_prices;
  std::int64_t event_ms = 0;
  std::string_view symbol;
  double mark = 0.0;
  if (!get_int(event, "E", event_ms) || !valid_timestamp(event_ms) ||
      !get_str(event, "s", symbol) || !get_non_negative(event, "p", mark))
    return MarketDataResult::malformed;
  double index = 0.0;
  std::string_view text;
  if (get_str(event, "i", text)) {
    const auto v = parse_wire_double(text);
    if (!v || *v < 0.0) return MarketDataResult::malformed;
    index = *v;
  }
  // Delivery contracts have no funding: "r" and "T" come as "" and 0.
  double funding = 0.0;
  if (get_str(event, "r", text) && !text.empty()) {
    const auto v = parse_wire_double(text);
    if (!v) return MarketDataResult::malformed;
    funding = *v;
  }
  std::int64_t next_funding_ms = 0;
  (void)get_int(event, "T", next_funding_ms);
  const InstrumentId id = symbols_.find(symbol);
  if (id == kNoInstrument) return MarketDataResult::unknown_symbol;
  InstrumentMarketState& s = state_[id];
  s.mark = mark;
  s.index = index;
  s.funding_rate = funding;
  s.next_funding_time_ms = next_funding_ms;
  fill_tick(id, event_ms, tick);
  return MarketDataResult::tick;
}

MarketDataResult BinanceMarketDataParser::parse_depth(od::object event) noexcept {
  DepthUpdate& d = *depth_;
  d.truncated = false;
  d.bid_count = d.ask_count = 0;
  std::string_view symbol;
  if (!get_int(event, "E", d.event_time_ms) || !get_int(event, "T", d.transaction_time_ms) ||
      !get_str(event, "s", symbol) || !get_int(event, "U", d.first_update_id) ||
      !get_int(event, "u", d.final_update_id) || !get_int(event, "pu", d.previous_final_id))
    return MarketDataResult::malformed;
  if (!valid_timestamp(d.event_time_ms) || d.first_update_id > d.final_update_id)
    return MarketDataResult::malformed;
  od::value side;
  if (event.find_field_unordered("b").get(side) ||
      !parse_levels(side, d.bids, d.bid_count, d.truncated))
    return MarketDataResult::malformed;
  if (event.find_field_unordered("a").get(side) ||
      !parse_levels(side, d.asks, d.ask_count, d.truncated))
    return MarketDataResult::malformed;
  d.instrument = symbols_.find(symbol);
  if (d.instrument == kNoInstrument) return MarketDataResult::unknown_symbol;
  if (d.truncated) ++counters_.depth_truncated;
  return MarketDataResult::depth_update;
}

MarketDataResult BinanceMarketDataParser::parse_depth_snapshot(const char* data, std::size_t length,
                                                               InstrumentId instrument,
                                                               DepthSnapshot& out) noexcept {
  if (length > kMaxMessageBytes) return MarketDataResult::malformed;
  od::document doc;
  if (parser_.iterate(data, length, length + kPadding).get(doc)) return MarketDataResult::malformed;
  od::object top;
  if (doc.get_object().get(top)) return MarketDataResult::malformed;
  std::int64_t status = 200;
  od::value v;
  auto error = top.find_field_unordered("status").get(v);
  if (!error) {
    if (v.get_int64().get(status)) return MarketDataResult::malformed;
    if (status != 200) return MarketDataResult::no_tick;
  } else if (error != simdjson::NO_SUCH_FIELD) {
    return MarketDataResult::malformed;
  }
  od::object body = top;
  error = top.find_field_unordered("result").get(v);
  if (!error) {
    if (v.get_object().get(body)) return MarketDataResult::malformed;
  } else if (error != simdjson::NO_SUCH_FIELD) {
    return MarketDataResult::malformed;
  }
  out.instrument = instrument;
  out.truncated = false;
  out.bid_count = out.ask_count = 0;
  out.event_time_ms = out.transaction_time_ms = 0;
  if (!get_int(body, "lastUpdateId", out.last_update_id)) return MarketDataResult::malformed;
  (void)get_int(body, "E", out.event_time_ms);
  (void)get_int(body, "T", out.transaction_time_ms);
  if (body.find_field_unordered("bids").get(v) || !parse_levels(v, out.bids, out.bid_count, out.truncated))
    return MarketDataResult::malformed;
  if (body.find_field_unordered("asks").get(v) || !parse_levels(v, out.asks, out.ask_count, out.truncated))
    return MarketDataResult::malformed;
  return MarketDataResult::tick;
}

// ---- DepthBookSync ------------------------------------------------------------------

DepthBookSync::DepthBookSync() : buffer_(std::make_unique<std::array<DepthUpdate, kBufferedEvents>>()) {}

void DepthBookSync::reset() noexcept {
  state_ = DepthSyncState::awaiting_snapshot;
  first_pending_ = false;
  snapshot_id_ = last_u_ = 0;
  bid_count_ = ask_count_ = 0;
  buffer_start_ = buffer_size_ = 0;
}

DepthApplyResult DepthBookSync::on_update(const DepthUpdate& update) noexcept {
  DepthApplyResult result = DepthApplyResult::buffered;
  if (state_ == DepthSyncState::synced) {
    result = apply_synced(update);
    if (result != DepthApplyResult::gap) return result;
    // The event that showed the gap may straddle the next snapshot: keep it.
  }
  if (buffer_size_ == kBufferedEvents) {
    buffer_start_ = (buffer_start_ + 1) % kBufferedEvents;
    --buffer_size_;
    ++counters_.buffer_overflows;
  }
  (*buffer_)[(buffer_start_ + buffer_size_) % kBufferedEvents] = update;
  ++buffer_size_;
  ++counters_.buffered;
  return result;
}

DepthApplyResult DepthBookSync::apply_synced(const DepthUpdate& u) noexcept {
  if (first_pending_) {
    if (u.final_update_id < snapshot_id_) {
      ++counters_.stale;
      return DepthApplyResult::dropped_stale;
    }
    if (u.first_update_id > snapshot_id_) {
      // Events between the snapshot and this one are missing.
      state_ = DepthSyncState::needs_resync;
      ++counters_.gaps;
      return DepthApplyResult::gap;
    }
    first_pending_ = false;
  } else if (u.previous_final_id != last_u_) {
    if (u.final_update_id <= last_u_) {
      ++counters_.stale;
      return DepthApplyResult::dropped_stale;
    }
    state_ = DepthSyncState::needs_resync;
    ++counters_.gaps;
    return DepthApplyResult::gap;
  }
  apply_levels(u);
  last_u_ = u.final_update_id;
  ++counters_.applied;
  return DepthApplyResult::applied;
}

DepthSyncState DepthBookSync::on_snapshot(const DepthSnapshot& snapshot) noexcept {
  ++counters_.snapshots;
  bid_count_ = ask_count_ = 0;
  for (std::size_t i = 0; i < snapshot.bid_count; ++i) set_level(true, snapshot.bids[i]);
  for (std::size_t i = 0; i < snapshot.ask_count; ++i) set_level(false, snapshot.asks[i]);
  snapshot_id_ = last_u_ = snapshot.last_update_id;
  first_pending_ = true;
  state_ = DepthSyncState::synced;
  while (buffer_size_ > 0 && state_ == DepthSyncState::synced) {
    const std::size_t slot = buffer_start_;
    buffer_start_ = (buffer_start_ + 1) % kBufferedEvents;
    --buffer_size_;
    if (apply_synced((*buffer_)[slot]) == DepthApplyResult::gap) {
      // Put it back: it and the later events wait for the next snapshot.
      buffer_start_ = slot;
      ++buffer_size_;
    }
  }
  return state_;
}

void DepthBookSync::apply_levels(const DepthUpdate& u) noexcept {
  for (std::size_t i = 0; i < u.bid_count; ++i) set_level(true, u.bids[i]);
  for (std::size_t i = 0; i < u.ask_count; ++i) set_level(false, u.asks[i]);
}

void DepthBookSync::set_level(bool bid_side, PriceLevel level) noexcept {
  auto& levels = bid_side ? bids_ : asks_;
  std::size_t& count = bid_side ? bid_count_ : ask_count_;
  std::size_t i = 0;
  // Bids best (highest) first, asks best (lowest) first.
  while (i < count && (bid_side ? levels[i].price > level.price : levels[i].price < level.price)) ++i;
  if (i < count && levels[i].price == level.price) {
    if (level.qty == 0.0) {
      for (std::size_t k = i + 1; k < count; ++k) levels[k - 1] = levels[k];
      --count;
    } else {
      levels[i].qty = level.qty;
    }
    return;
  }
  if (level.qty == 0.0) return;  // deleting a level we do not hold
  if (i == kDepthLevelsPerSide) {
    ++counters_.levels_dropped;
    return;
  }
  if (count == kDepthLevelsPerSide) {
    ++counters_.levels_dropped;  // the worst level falls off
    --count;
  }
  for (std::size_t k = count; k > i; --k) levels[k] = levels[k - 1];
  levels[i] = level;
  ++count;
}

}  // namespace ballast::binance
