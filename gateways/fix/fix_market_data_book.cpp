// FixOrderGateway::MarketDataBook: W (snapshot) and X (incremental) messages into
// MarketTicks, a message applied whole or not at all, never blocking the socket thread.
#include "fix_gateway_parts.hpp"

namespace ballast::gateways {

using namespace fix_fields;

fix::InboundVerdict FixOrderGateway::MarketDataBook::on_market_data(
    const fix::InboundMarketData& md) {
  const std::uint64_t recv = TscClock::now();
  (md.msg_type == 'W' ? g_.counters_.md_snapshots : g_.counters_.md_incrementals)
      .fetch_add(1, std::memory_order_relaxed);
  flush_held();
  std::size_t unknown = 0;
  const fix::InboundVerdict v = market_data(md, recv, unknown);
  if (unknown > 0) g_.counters_.md_unknown_symbol.fetch_add(unknown, std::memory_order_relaxed);
  if (v.kind == fix::InboundVerdict::missing_field || v.kind == fix::InboundVerdict::bad_value)
    g_.counters_.md_malformed.fetch_add(1, std::memory_order_relaxed);
  return v;
}

// Instrument `i`'s tick: its book as it stands, received at `recv`.
MarketTick FixOrderGateway::MarketDataBook::tick_of(InstrumentId i,
                                                    std::uint64_t recv) const noexcept {
  const Book& b = books_[i];
  MarketTick t;
  t.exchange_ts_ns = b.exchange_ts_ns;
  t.recv_tsc = recv;
  t.bid = b.bid;
  t.bid_qty = b.bid_qty;
  t.ask = b.ask;
  t.ask_qty = b.ask_qty;
  t.mark = b.mark;
  t.index = b.index;
  t.funding_rate = b.funding_rate;
  t.instrument = i;
  return t;
}

// One tick per touched instrument, never blocking: when the ring is full the
// instrument waits (held_) and its newest state goes out with a later message.
void FixOrderGateway::MarketDataBook::emit(InstrumentId i, std::uint64_t recv) noexcept {
  if (held_count_ == 0 && g_.md_feed_.ring_.try_push(tick_of(i, recv))) {
    g_.counters_.md_ticks.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  g_.counters_.md_conflated.fetch_add(1, std::memory_order_relaxed);
  held_recv_[i] = recv;
  if (!held_[i]) {
    held_[i] = true;
    ++held_count_;
  }
  flush_held();
}

void FixOrderGateway::MarketDataBook::flush_held() noexcept {
  for (std::size_t i = 0; i < held_.size() && held_count_ > 0; ++i) {
    if (!held_[i]) continue;
    if (!g_.md_feed_.ring_.try_push(tick_of(static_cast<InstrumentId>(i), held_recv_[i]))) return;
    g_.counters_.md_ticks.fetch_add(1, std::memory_order_relaxed);
    held_[i] = false;
    --held_count_;
  }
}

// Applies one entry to `b`; refuses anything that would leave garbage in it.
fix::InboundVerdict FixOrderGateway::MarketDataBook::apply_entry(const fix::MdEntry& e,
                                                                 bool snapshot, Book& b) noexcept {
  char type = 0;
  if (!e.type.present()) return missing(269);
  if (!one_char(view(e.type), type)) return bad(269);
  char action = '0';
  if (!snapshot && e.action.present() && !one_char(view(e.action), action)) return bad(279);
  if (action != '0' && action != '1' && action != '2') return bad(279);
  double* px = nullptr;
  double* qty = nullptr;
  switch (type) {
    case '0':
      px = &b.bid;
      qty = &b.bid_qty;
      break;
    case '1':
      px = &b.ask;
      qty = &b.ask_qty;
      break;
    case '6':
      px = &b.mark;
      break;
    case '3':
      px = &b.index;
      break;
    default:
      return {};  // an entry type the engine does not use (trades, ...): skipped
  }
  if (action == '2') {  // delete
    *px = 0.0;
    if (qty != nullptr) *qty = 0.0;
    return {};
  }
  double price = 0.0;
  if (!e.price.present()) return missing(270);
  if (!parse_fix_double(view(e.price), price) || price < 0.0) return bad(270);
  double size = 0.0;
  if (e.size.present() && (!parse_fix_double(view(e.size), size) || size < 0.0)) return bad(271);
  // 270=0: an empty side, or a mark / index not given (docs/fix-dialect.md): cleared.
  *px = price;
  if (qty != nullptr) *qty = price > 0.0 ? size : 0.0;
  return {};
}

bool FixOrderGateway::MarketDataBook::sane(const Book& b) noexcept {
  return !(b.bid > 0.0 && b.ask > 0.0 && !(b.bid < b.ask));
}

fix::InboundVerdict FixOrderGateway::MarketDataBook::market_data(const fix::InboundMarketData& md,
                                                                 std::uint64_t recv,
                                                                 std::size_t& unknown) noexcept {
  const bool snapshot = md.msg_type == 'W';
  if (md.too_many_entries || md.ungrouped) return bad(268);
  if (!md.no_entries.present()) return missing(268);
  std::uint64_t declared = 0;
  if (!parse_id(view(md.no_entries), declared) || declared != md.entry_count) return bad(268);

  std::int64_t ts = 0;
  if (md.transact_time.present()) {
    if (!parse_fix_time(view(md.transact_time), ts)) return bad(60);
  } else if (!md.sending_time.present() || !parse_fix_time(view(md.sending_time), ts)) {
    return bad(52);
  }
  double funding = 0.0;
  const bool has_funding = md.funding_rate.present();
  if (has_funding && !parse_fix_double(view(md.funding_rate), funding)) return bad(5701);

  // The touched instruments' new state, applied only if the whole message is good.
  std::array<InstrumentId, fix::kMaxMdEntries> ids{};
  std::array<Book, fix::kMaxMdEntries> next{};
  std::size_t touched = 0;
  const InstrumentId body =
      md.symbol.present() ? g_.universe_.find_instrument(view(md.symbol)) : kNoInstrument;
  if (snapshot) {
    // A full refresh of the body's symbol (or of the entries' one when the body has none).
    InstrumentId i = body;
    if (!md.symbol.present()) {
      if (md.entry_count == 0 || !md.entries[0].symbol.present()) return missing(55);
      i = g_.universe_.find_instrument(view(md.entries[0].symbol));
    }
    if (i == kNoInstrument || i >= books_.size()) {
      ++unknown;
      return refuse(fix::InboundVerdict::ignored, 55);
    }
    ids[0] = i;
    next[0] = Book{};
    touched = 1;
    for (std::size_t k = 0; k < md.entry_count; ++k) {
      const fix::InboundVerdict v = apply_entry(md.entries[k], true, next[0]);
      if (v.kind != fix::InboundVerdict::accepted) return v;
    }
  } else {
    for (std::size_t k = 0; k < md.entry_count; ++k) {
      const fix::MdEntry& e = md.entries[k];
      InstrumentId i = body;
      if (e.symbol.present())
        i = g_.universe_.find_instrument(view(e.symbol));
      else if (!md.symbol.present())
        return missing(55);
      if (i == kNoInstrument || i >= books_.size()) {
        ++unknown;
        continue;
      }
      std::size_t slot = 0;
      while (slot < touched && ids[slot] != i) ++slot;
      if (slot == touched) {
        ids[slot] = i;
        next[slot] = books_[i];
        ++touched;
      }
      const fix::InboundVerdict v = apply_entry(e, false, next[slot]);
      if (v.kind != fix::InboundVerdict::accepted) return v;
    }
    if (touched == 0) return refuse(fix::InboundVerdict::ignored, 55);
  }
  for (std::size_t k = 0; k < touched; ++k) {
    if (!sane(next[k])) return bad(270);  // crossed or locked book
    next[k].exchange_ts_ns = ts;
    if (has_funding || snapshot) next[k].funding_rate = funding;
  }
  for (std::size_t k = 0; k < touched; ++k) {
    books_[ids[k]] = next[k];
    if (held_[ids[k]]) {  // the new state supersedes the held one
      held_[ids[k]] = false;
      --held_count_;
    }
    emit(ids[k], recv);
  }
  return {};
}

}  // namespace ballast::gateways
