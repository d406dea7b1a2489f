#include "ballast/binance/market_data.hpp"

#include <cmath>
#include <new>
#include <string_view>
#include <utility>

#include "ballast/binance/wire_numbers.hpp"

namespace ballast::binance {

namespace od = simdjson::ondemand;

namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
// Far enough for any venue timestamp, small enough that ms -> ns cannot overflow.
constexpr std::int64_t kMaxTimestampMs = 9'000'000'000'000;

bool valid_timestamp(std::int64_t ms) noexcept {
  return ms >= 0 && ms <= kMaxTimestampMs;
}

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

// A JSON integer field; false on anything but an integer.
bool read_int(od::value& v, std::int64_t& out, bool& present) noexcept {
  if (v.get_int64().get(out)) return false;
  present = true;
  return true;
}

}  // namespace

// Everything one pass over a stream message can hold. simdjson's on-demand objects are
// read strictly forward, field by field: no lookup ever rewinds over bytes it has not
// validated (the unordered lookups do, and assume what they cannot know on hostile
// input), and the strings stay valid in the parser's buffer until the next message.
struct BinanceMarketDataParser::EventFields {
  std::string_view e, s, b, B, a, A, p, i, r;
  std::int64_t E = 0, T = 0, u = 0, U = 0, pu = 0;
  bool has_E = false, has_T = false, has_u = false, has_U = false, has_pu = false;
  bool has_b = false, has_B = false, has_a = false, has_A = false, has_p = false, has_i = false,
       has_r = false;
  bool bid_levels = false, ask_levels = false;  // "b"/"a" were arrays (depth) and parsed
  bool has_id = false;                          // a reply to our subscribe
  bool wrapped_not_object = false;              // {"stream":..,"data":[...]}
};

// Reads the fields of one object (the message, or the "data" of a combined stream) into
// `f`. False on anything that makes the rest unreadable.
bool BinanceMarketDataParser::collect(od::object object, EventFields& f, bool top) noexcept {
  for (auto entry : object) {
    od::field field;
    if (std::move(entry).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    od::value v = field.value();
    od::json_type type;
    if (v.type().get(type)) return false;
    if (top && key == "data") {
      if (type != od::json_type::object) {
        f.wrapped_not_object = true;
        continue;
      }
      od::object inner;
      if (v.get_object().get(inner) || !collect(inner, f, false)) return false;
      continue;
    }
    if (top && key == "id") {
      f.has_id = true;
      continue;
    }
    const bool is_string = type == od::json_type::string;
    const bool is_number = type == od::json_type::number;
    std::string_view* text = nullptr;
    bool* present = nullptr;
    if (key.size() == 1) {
      switch (key[0]) {
        case 'e':
          text = &f.e;
          present = nullptr;
          break;
        case 's':
          text = &f.s;
          break;
        case 'b':
          if (type == od::json_type::array) {
            if (!parse_levels(v, depth_->bids, depth_->bid_count, depth_->truncated)) return false;
            f.bid_levels = true;
            continue;
          }
          text = &f.b;
          present = &f.has_b;
          break;
        case 'B':
          text = &f.B;
          present = &f.has_B;
          break;
        case 'a':
          if (type == od::json_type::array) {
            if (!parse_levels(v, depth_->asks, depth_->ask_count, depth_->truncated)) return false;
            f.ask_levels = true;
            continue;
          }
          text = &f.a;
          present = &f.has_a;
          break;
        case 'A':
          text = &f.A;
          present = &f.has_A;
          break;
        case 'p':
          text = &f.p;
          present = &f.has_p;
          break;
        case 'i':
          text = &f.i;
          present = &f.has_i;
          break;
        case 'r':
          text = &f.r;
          present = &f.has_r;
          break;
        case 'E':
          if (is_number && !read_int(v, f.E, f.has_E)) return false;
          continue;
        case 'T':
          if (is_number && !read_int(v, f.T, f.has_T)) return false;
          continue;
        case 'u':
          if (is_number && !read_int(v, f.u, f.has_u)) return false;
          continue;
        case 'U':
          if (is_number && !read_int(v, f.U, f.has_U)) return false;
          continue;
        default:
          continue;
      }
    } else if (key == "pu") {
      if (is_number && !read_int(v, f.pu, f.has_pu)) return false;
      continue;
    } else {
      continue;  // fields we do not use are skipped by the next step of the loop
    }
    if (!is_string) continue;  // a field of another event type: required ones are checked later
    if (v.get_string().get(*text)) return false;
    if (present != nullptr) *present = true;
  }
  return true;
}

BinanceMarketDataParser::BinanceMarketDataParser(const BinanceSymbolMap& symbols)
    : symbols_(symbols), parser_(kMaxMessageBytes), depth_(std::make_unique<DepthUpdate>()) {
  // Allocated once here; iterate() on a message within kMaxMessageBytes reuses it.
  if (parser_.allocate(kMaxMessageBytes) != simdjson::SUCCESS) throw std::bad_alloc();
}

MarketDataResult BinanceMarketDataParser::count(MarketDataResult r) noexcept {
  switch (r) {
    case MarketDataResult::tick:
      ++counters_.ticks;
      break;
    case MarketDataResult::no_tick:
      ++counters_.control;
      break;
    case MarketDataResult::depth_update:
      ++counters_.depth_updates;
      break;
    case MarketDataResult::malformed:
      ++counters_.malformed;
      break;
    case MarketDataResult::unknown_symbol:
      ++counters_.unknown_symbol;
      break;
    case MarketDataResult::unsupported:
      ++counters_.unsupported;
      break;
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
  EventFields f;
  depth_->bid_count = depth_->ask_count = 0;
  depth_->truncated = false;
  if (!collect(top, f, true)) return count(MarketDataResult::malformed);
  if (f.wrapped_not_object) return count(MarketDataResult::unsupported);
  if (f.e.empty())
    return count(f.has_id ? MarketDataResult::no_tick : MarketDataResult::unsupported);
  if (f.e == "bookTicker") return count(book_ticker(f, tick));
  if (f.e == "markPriceUpdate") return count(mark_price(f, tick));
  if (f.e == "depthUpdate") return count(depth(f));
  return count(MarketDataResult::unsupported);
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

namespace {
bool non_negative(bool present, std::string_view text, double& out) noexcept {
  if (!present) return false;
  const auto v = parse_wire_double(text);
  if (!v || *v < 0.0) return false;
  out = *v;
  return true;
}
}  // namespace

MarketDataResult BinanceMarketDataParser::book_ticker(const EventFields& f,
                                                      MarketTick& tick) noexcept {
  ++counters_.book_tickers;
  double bid = 0, bid_qty = 0, ask = 0, ask_qty = 0;
  if (!f.has_u || f.s.empty() || !non_negative(f.has_b, f.b, bid) ||
      !non_negative(f.has_B, f.B, bid_qty) || !non_negative(f.has_a, f.a, ask) ||
      !non_negative(f.has_A, f.A, ask_qty))
    return MarketDataResult::malformed;
  // T (transaction time) is when the book changed; E is when the event was sent.
  if (!f.has_T && !f.has_E) return MarketDataResult::malformed;
  const std::int64_t ts_ms = f.has_T ? f.T : f.E;
  if (!valid_timestamp(ts_ms)) return MarketDataResult::malformed;
  if (bid > 0.0 && ask > 0.0 && bid >= ask) {
    ++counters_.crossed;
    return MarketDataResult::malformed;
  }
  const InstrumentId id = symbols_.find(f.s);
  if (id == kNoInstrument) return MarketDataResult::unknown_symbol;
  InstrumentMarketState& s = state_[id];
  s.bid = bid;
  s.bid_qty = bid_qty;
  s.ask = ask;
  s.ask_qty = ask_qty;
  s.book_update_id = f.u;
  fill_tick(id, ts_ms, tick);
  return MarketDataResult::tick;
}

MarketDataResult BinanceMarketDataParser::mark_price(const EventFields& f,
                                                     MarketTick& tick) noexcept {
  ++counters_.mark_prices;
  double mark = 0.0;
  if (!f.has_E || !valid_timestamp(f.E) || f.s.empty() || !non_negative(f.has_p, f.p, mark))
    return MarketDataResult::malformed;
  double index = 0.0;
  if (f.has_i && !non_negative(true, f.i, index)) return MarketDataResult::malformed;
  // Delivery contracts have no funding: "r" and "T" come as "" and 0.
  double funding = 0.0;
  if (f.has_r && !f.r.empty()) {
    const auto v = parse_wire_double(f.r);
    if (!v) return MarketDataResult::malformed;
    funding = *v;
  }
  const InstrumentId id = symbols_.find(f.s);
  if (id == kNoInstrument) return MarketDataResult::unknown_symbol;
  InstrumentMarketState& s = state_[id];
  s.mark = mark;
  s.index = index;
  s.funding_rate = funding;
  s.next_funding_time_ms = f.has_T ? f.T : 0;
  fill_tick(id, f.E, tick);
  return MarketDataResult::tick;
}

MarketDataResult BinanceMarketDataParser::depth(const EventFields& f) noexcept {
  DepthUpdate& d = *depth_;
  if (!f.has_E || !f.has_T || f.s.empty() || !f.has_U || !f.has_u || !f.has_pu || !f.bid_levels ||
      !f.ask_levels || !valid_timestamp(f.E) || f.U > f.u)
    return MarketDataResult::malformed;
  d.event_time_ms = f.E;
  d.transaction_time_ms = f.T;
  d.first_update_id = f.U;
  d.final_update_id = f.u;
  d.previous_final_id = f.pu;
  d.instrument = symbols_.find(f.s);
  if (d.instrument == kNoInstrument) return MarketDataResult::unknown_symbol;
  if (d.truncated) ++counters_.depth_truncated;
  return MarketDataResult::depth_update;
}

namespace {

struct SnapshotFields {
  std::int64_t status = 200, last_update_id = 0, E = 0, T = 0;
  bool has_last_update_id = false, has_E = false, has_T = false, bids = false, asks = false;
};

bool collect_snapshot(od::object object, SnapshotFields& f, DepthSnapshot& out, bool top) noexcept {
  for (auto entry : object) {
    od::field field;
    if (std::move(entry).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    od::value v = field.value();
    if (top && key == "status") {
      if (v.get_int64().get(f.status)) return false;
    } else if (top && key == "result") {
      od::object inner;
      if (v.get_object().get(inner) || !collect_snapshot(inner, f, out, false)) return false;
    } else if (key == "lastUpdateId") {
      if (!read_int(v, f.last_update_id, f.has_last_update_id)) return false;
    } else if (key == "E") {
      if (!read_int(v, f.E, f.has_E)) return false;
    } else if (key == "T") {
      if (!read_int(v, f.T, f.has_T)) return false;
    } else if (key == "bids") {
      if (!parse_levels(v, out.bids, out.bid_count, out.truncated)) return false;
      f.bids = true;
    } else if (key == "asks") {
      if (!parse_levels(v, out.asks, out.ask_count, out.truncated)) return false;
      f.asks = true;
    }
  }
  return true;
}

}  // namespace

MarketDataResult BinanceMarketDataParser::parse_depth_snapshot(const char* data, std::size_t length,
                                                               InstrumentId instrument,
                                                               DepthSnapshot& out) noexcept {
  if (length > kMaxMessageBytes) return MarketDataResult::malformed;
  od::document doc;
  if (parser_.iterate(data, length, length + kPadding).get(doc)) return MarketDataResult::malformed;
  od::object top;
  if (doc.get_object().get(top)) return MarketDataResult::malformed;
  out.instrument = instrument;
  out.truncated = false;
  out.bid_count = out.ask_count = 0;
  SnapshotFields f;
  if (!collect_snapshot(top, f, out, true)) return MarketDataResult::malformed;
  if (f.status != 200) return MarketDataResult::no_tick;
  if (!f.has_last_update_id || !f.bids || !f.asks) return MarketDataResult::malformed;
  out.last_update_id = f.last_update_id;
  out.event_time_ms = f.has_E ? f.E : 0;
  out.transaction_time_ms = f.has_T ? f.T : 0;
  return MarketDataResult::tick;
}

// ---- DepthBookSync ------------------------------------------------------------------

DepthBookSync::DepthBookSync()
    : buffer_(std::make_unique<std::array<DepthUpdate, kBufferedEvents>>()) {}

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
  while (i < count && (bid_side ? levels[i].price > level.price : levels[i].price < level.price))
    ++i;
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
