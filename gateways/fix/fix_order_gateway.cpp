// The engine half of the FIX gateway (C++20): exact decimal text for outbound orders,
// inbound report mapping onto ExecReport, the SPSC ring to the order thread, counters.
// QuickFIX itself is behind fix_session.hpp (C++14, see there).
#include "ballast/gateways/fix_order_gateway.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>
#include <utility>

#include "ballast/core/clock.hpp"
#include "ballast/core/planner.hpp"
#include "fix_session.hpp"

namespace ballast::gateways {
namespace {

std::string_view view(const fix::FixText& t) noexcept {
  return t.present() ? std::string_view(t.data, t.size) : std::string_view();
}

fix::FixText text(const char* p, std::size_t n) noexcept {
  fix::FixText t;
  t.data = p;
  t.size = n;
  return t;
}

// ClOrdID: the decimal text of a client_order_id, nothing else.
bool parse_id(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::size_t write_id(std::uint64_t id, char* out, std::size_t cap) noexcept {
  auto [p, ec] = std::to_chars(out, out + cap, id);
  return ec == std::errc() ? static_cast<std::size_t>(p - out) : 0;
}

// A single FIX char field ("1", "F").
bool one_char(std::string_view s, char& out) noexcept {
  if (s.size() != 1) return false;
  out = s[0];
  return true;
}

// A quantity as whole lots: exact, non-negative.
bool to_lots(std::string_view s, const Decimal& lot, std::int64_t& out) noexcept {
  const auto d = Decimal::parse_wire(s);
  if (!d || d->units < 0) return false;
  const auto steps = steps_exact(*d, lot);
  if (!steps || !steps->exact) return false;
  out = steps->steps;
  return true;
}

// A price in ticks, rounded to the nearest tick when the venue reports one off the grid
// (`off_tick` set): a real fill is never dropped over its last digit.
bool to_ticks(std::string_view s, const Decimal& tick, std::int64_t& out, bool& off_tick) noexcept {
  const auto d = Decimal::parse_wire(s);
  if (!d || !tick.is_positive()) return false;
  const auto steps = steps_exact(*d, tick);
  if (!steps) return false;
  out = steps->steps;
  off_tick = !steps->exact;
  if (off_tick) {
    const double step = tick.to_double();
    const double r = steps->residual;
    if (2.0 * (r < 0 ? -r : r) >= step) out += r < 0 ? -1 : 1;
  }
  return true;
}

// The venue's reason code in the low byte of reject_code (0xFF: none given).
std::uint16_t reason_code(std::string_view s) noexcept {
  int v = 0;
  if (s.empty()) return 0xFF;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0 || v > 0xFE) return 0xFF;
  return static_cast<std::uint16_t>(v);
}

// A FIX price or size as a double: the strict FIX float grammar (parse_fix_decimal), then
// the correctly rounded double of that text. False for anything else.
bool parse_fix_double(std::string_view s, double& out) noexcept {
  if (!Decimal::parse_wire(s)) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out, std::chars_format::fixed);
  return ec == std::errc() && p == end && std::isfinite(out);
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) noexcept {
  if (at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// FIX UTCTimestamp (YYYYMMDD-HH:MM:SS with optional .sss, .ssssss or .sssssssss) as Unix
// nanoseconds.
bool parse_fix_time(std::string_view s, std::int64_t& out_ns) noexcept {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 17 || s[8] != '-' || s[11] != ':' || s[14] != ':') return false;
  if (!digits(s, 0, 4, y) || !digits(s, 4, 2, mo) || !digits(s, 6, 2, d) || !digits(s, 9, 2, h) ||
      !digits(s, 12, 2, mi) || !digits(s, 15, 2, se))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  std::int64_t frac_ns = 0;
  if (s.size() > 17) {
    const std::size_t n = s.size() - 18;
    if (s[17] != '.' || (n != 3 && n != 6 && n != 9)) return false;
    int part = 0;
    for (std::size_t i = 18; i < s.size(); i += 3) {
      if (!digits(s, i, 3, part)) return false;
      frac_ns = frac_ns * 1000 + part;
    }
    for (std::size_t k = n; k < 9; k += 3) frac_ns *= 1000;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                        std::chrono::day(d)};
  if (!ymd.ok()) return false;
  const std::int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  out_ns = ((days * 24 + h) * 60 + mi) * 60'000'000'000LL + se * 1'000'000'000LL + frac_ns;
  return true;
}

// The ids of recently applied messages (ExecID, FundingID), to drop resends. Two
// generations of an open-addressed table: inserting the Gen-th id of a generation starts
// the other one afresh, so at least the last Gen and at most 2*Gen ids are remembered.
// Fixed size, no allocation. An id is stored as its 64-bit hash, length and first 20
// bytes (longer ids that agree on all three are taken as equal: a 2^-64 chance).
template <std::size_t Gen>
class RecentIds {
  static_assert((Gen & (Gen - 1)) == 0, "a power of two");
  static constexpr std::size_t kSlots = 2 * Gen;  // load factor at most 1/2

  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t len = 0;  // 0: empty
    std::array<char, 20> head{};
  };
  using Table = std::array<Slot, kSlots>;

 public:
  [[nodiscard]] bool contains(std::string_view id) const noexcept {
    const std::uint64_t h = hash(id);
    return find(tables_[0], id, h) || find(tables_[1], id, h);
  }
  void insert(std::string_view id) noexcept {
    if (id.empty() || contains(id)) return;
    if (count_ == Gen) {
      current_ ^= 1;
      tables_[current_].fill(Slot{});
      count_ = 0;
    }
    const std::uint64_t h = hash(id);
    Table& t = tables_[current_];
    std::size_t i = h & (kSlots - 1);
    while (t[i].len != 0) i = (i + 1) & (kSlots - 1);
    t[i].hash = h;
    t[i].len = static_cast<std::uint32_t>(id.size());
    std::memcpy(t[i].head.data(), id.data(), std::min(id.size(), t[i].head.size()));
    ++count_;
  }

 private:
  static std::uint64_t hash(std::string_view id) noexcept {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (unsigned char c : id) h = (h ^ c) * 1099511628211ULL;
    return h;
  }
  static bool find(const Table& t, std::string_view id, std::uint64_t h) noexcept {
    std::size_t i = h & (kSlots - 1);
    while (t[i].len != 0) {
      if (t[i].hash == h && t[i].len == id.size() &&
          std::memcmp(t[i].head.data(), id.data(), std::min(id.size(), t[i].head.size())) == 0)
        return true;
      i = (i + 1) & (kSlots - 1);
    }
    return false;
  }

  std::array<Table, 2> tables_{};
  std::size_t current_ = 0;
  std::size_t count_ = 0;
};

fix::InboundVerdict refuse(fix::InboundVerdict::Kind kind, int tag) noexcept {
  fix::InboundVerdict v;
  v.kind = kind;
  v.tag = tag;
  return v;
}
fix::InboundVerdict missing(int tag) noexcept {
  return refuse(fix::InboundVerdict::missing_field, tag);
}
fix::InboundVerdict bad(int tag) noexcept {
  return refuse(fix::InboundVerdict::bad_value, tag);
}

}  // namespace

// Receives QuickFIX's callbacks (its socket thread) and maps them for the engine.
class FixOrderGateway::Events final : public fix::SessionEvents {
 public:
  explicit Events(FixOrderGateway& g) noexcept : g_(g) {}

  // The subscription first (every logon: the venue forgets it with the session), then
  // logged_on() and session_up, so every order and status query follows the V on the wire.
  void on_logon() override {
    g_.counters_.logons.fetch_add(1, std::memory_order_relaxed);
    books_.fill(Book{});  // the venue sends fresh snapshots
    held_.fill(false);
    held_count_ = 0;
    if (g_.options_.subscribe_market_data && g_.session_) {
      char id[32];
      const std::uint64_t n = ++md_requests_;
      std::string req_id = "BALLAST-MD-";
      req_id.append(id, write_id(n, id, sizeof id));
      fix::SendResult sent = fix::SendResult::failed;
      try {
        sent = g_.session_->send_market_data_request(req_id);
      } catch (...) {
        sent = fix::SendResult::failed;
      }
      if (sent == fix::SendResult::sent)
        g_.counters_.md_requests_sent.fetch_add(1, std::memory_order_relaxed);
      else
        g_.counters_.md_request_failures.fetch_add(1, std::memory_order_relaxed);
    }
    g_.logged_on_.store(true, std::memory_order_release);
    push_session_event(ExecKind::session_up);
  }
  // QuickFIX also calls onLogout when a logon attempt fails (it had sent Logon): only the
  // end of a live session counts as a disconnect (and is reported as session_down).
  void on_logout() override {
    if (g_.logged_on_.exchange(false, std::memory_order_acq_rel)) {
      g_.counters_.disconnects.fetch_add(1, std::memory_order_relaxed);
      push_session_event(ExecKind::session_down);
    }
  }

  void on_peer_logout(const std::string& text) override {
    g_.problem_.set({"venue logged out", text.empty() ? "no reason given" : text});
  }

  void on_md_reject(const fix::InboundMdReject&) override {
    g_.counters_.md_rejects.fetch_add(1, std::memory_order_relaxed);
  }

  fix::InboundVerdict on_funding(const fix::InboundFunding& in) override {
    ExecReport r;
    r.recv_tsc = TscClock::now();
    r.kind = ExecKind::funding;
    fix::InboundVerdict v = funding(in, r);
    if (v.kind == fix::InboundVerdict::accepted) {
      funding_ids_.insert(view(in.funding_id));
      g_.counters_.funding_reports.fetch_add(1, std::memory_order_relaxed);
      g_.push_report(r);
    } else if (v.kind == fix::InboundVerdict::duplicate) {
      g_.counters_.duplicates.fetch_add(1, std::memory_order_relaxed);
    } else {
      g_.counters_.malformed.fetch_add(1, std::memory_order_relaxed);
    }
    return v;
  }

  fix::InboundVerdict on_market_data(const fix::InboundMarketData& md) override {
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
  void on_unsupported(const std::string&) override {
    g_.counters_.unsupported.fetch_add(1, std::memory_order_relaxed);
  }
  void on_resend_suppressed() override {
    g_.counters_.resends_suppressed.fetch_add(1, std::memory_order_relaxed);
  }
  void on_session_reject() override {
    g_.counters_.session_rejects.fetch_add(1, std::memory_order_relaxed);
  }

  fix::InboundVerdict on_report(const fix::InboundReport& in) override {
    if (in.msg_type == 'j' && view(in.ref_msg_type) == "V") {
      // The venue does not do market data (or refused this request).
      g_.counters_.md_rejects.fetch_add(1, std::memory_order_relaxed);
      return refuse(fix::InboundVerdict::ignored, 372);
    }
    ExecReport r;
    r.recv_tsc = TscClock::now();
    fix::InboundVerdict v;
    switch (in.msg_type) {
      case '8':
        v = execution_report(in, r);
        break;
      case '9':
        v = cancel_reject(in, r);
        break;
      default:
        v = business_reject(in, r);
        break;
    }
    if (v.kind == fix::InboundVerdict::accepted) {
      // Remembered only once applied: a resend of a refused report is refused again.
      if (in.msg_type == '8' && r.kind != ExecKind::status) exec_ids_.insert(view(in.exec_id));
      if (r.kind == ExecKind::status)
        g_.counters_.status_reports.fetch_add(1, std::memory_order_relaxed);
      g_.push_report(r);
    } else if (v.kind == fix::InboundVerdict::duplicate) {
      g_.counters_.duplicates.fetch_add(1, std::memory_order_relaxed);
    } else if (v.kind == fix::InboundVerdict::ignored) {
      g_.counters_.ignored.fetch_add(1, std::memory_order_relaxed);
    } else {
      g_.counters_.malformed.fetch_add(1, std::memory_order_relaxed);
    }
    return v;
  }

 private:
  // The market state one instrument's ticks are built from (0 = not given).
  struct Book {
    double bid = 0.0, bid_qty = 0.0, ask = 0.0, ask_qty = 0.0;
    double mark = 0.0, index = 0.0, funding_rate = 0.0;
    std::int64_t exchange_ts_ns = 0;
  };

  void push_session_event(ExecKind kind) noexcept {
    ExecReport r;
    r.recv_tsc = TscClock::now();
    r.kind = kind;
    r.venue = g_.options_.venue;
    g_.counters_.session_events.fetch_add(1, std::memory_order_relaxed);
    g_.push_report(r);
  }

  // Instrument `i`'s tick: its book as it stands, received at `recv`.
  MarketTick tick_of(InstrumentId i, std::uint64_t recv) const noexcept {
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
  void emit(InstrumentId i, std::uint64_t recv) noexcept {
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

  void flush_held() noexcept {
    for (std::size_t i = 0; i < held_.size() && held_count_ > 0; ++i) {
      if (!held_[i]) continue;
      if (!g_.md_feed_.ring_.try_push(tick_of(static_cast<InstrumentId>(i), held_recv_[i]))) return;
      g_.counters_.md_ticks.fetch_add(1, std::memory_order_relaxed);
      held_[i] = false;
      --held_count_;
    }
  }

  // Applies one entry to `b`; refuses anything that would leave garbage in it.
  static fix::InboundVerdict apply_entry(const fix::MdEntry& e, bool snapshot, Book& b) noexcept {
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

  static bool sane(const Book& b) noexcept {
    return !(b.bid > 0.0 && b.ask > 0.0 && !(b.bid < b.ask));
  }

  fix::InboundVerdict market_data(const fix::InboundMarketData& md, std::uint64_t recv,
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

  fix::InboundVerdict funding(const fix::InboundFunding& in, ExecReport& r) noexcept {
    if (!in.symbol.present()) return missing(55);
    r.instrument = g_.universe_.find_instrument(view(in.symbol));
    if (r.instrument == kNoInstrument) return bad(55);
    if (!in.funding_id.present()) return missing(5706);
    if (in.funding_id.size == 0) return bad(5706);
    if (funding_ids_.contains(view(in.funding_id)))
      return refuse(fix::InboundVerdict::duplicate, 5706);
    if (!in.amount.present()) return missing(5703);
    double amount = 0.0;
    if (!parse_fix_double(view(in.amount), amount)) return bad(5703);
    r.fee = -amount;  // fee is what the account paid; 5703 is what it was credited
    return {};
  }
  fix::InboundVerdict execution_report(const fix::InboundReport& in, ExecReport& r) noexcept {
    char exec_type = 0;
    char ord_status = 0;
    if (!in.exec_type.present()) return missing(150);
    if (!one_char(view(in.exec_type), exec_type)) return bad(150);
    if (!in.ord_status.present()) return missing(39);
    if (!one_char(view(in.ord_status), ord_status)) return bad(39);
    switch (exec_type) {
      case '0':  // New
      case '5':  // Replaced (reported on the new ClOrdID)
        r.kind = ExecKind::ack;
        break;
      case 'F':  // Trade
        r.kind = ord_status == '2' ? ExecKind::fill : ExecKind::partial_fill;
        break;
      case '4':  // Canceled
        r.kind = ExecKind::canceled;
        break;
      case '8':  // Rejected
        r.kind = ExecKind::rejected;
        break;
      case 'C':  // Expired
      case '3':  // Done for day
        r.kind = ExecKind::expired;
        break;
      case 'I':  // Order Status: the answer to an OrderStatusRequest
        r.kind = ExecKind::status;
        break;
      case '6':  // Pending Cancel
      case 'A':  // Pending New
      case 'E':  // Pending Replace
      case 'D':  // Restated
      case '7':  // Stopped
      case '9':  // Suspended
      case 'B':  // Calculated
      case 'L':  // Triggered
      case 'H':  // Trade Cancel (busted trade: needs position correction, later)
      case 'G':  // Trade Correct
        return refuse(fix::InboundVerdict::ignored, 150);
      default:
        return bad(150);
    }

    if (r.kind == ExecKind::status) return status_report(in, ord_status, r);
    // A resend of a report already applied: dropped (ExecID is unique per venue).
    if (!in.exec_id.present()) return missing(17);
    if (in.exec_id.size == 0) return bad(17);
    if (exec_ids_.contains(view(in.exec_id))) return refuse(fix::InboundVerdict::duplicate, 17);

    if (!in.cl_ord_id.present()) return missing(11);
    if (!parse_id(view(in.cl_ord_id), r.client_order_id)) return bad(11);
    // A cancel is reported on the cancel request's ClOrdID; the engine knows the order by
    // its own id, which the venue returns in OrigClOrdID.
    if (r.kind == ExecKind::canceled && in.orig_cl_ord_id.present() &&
        !parse_id(view(in.orig_cl_ord_id), r.client_order_id))
      return bad(41);

    if (!in.symbol.present()) return missing(55);
    r.instrument = g_.universe_.find_instrument(view(in.symbol));
    if (r.instrument == kNoInstrument) return bad(55);
    const InstrumentSpec& spec = g_.universe_.instruments[r.instrument];

    char side = 0;
    if (!in.side.present()) return missing(54);
    if (!one_char(view(in.side), side)) return bad(54);
    if (side == '1')
      r.side = Side::buy;
    else if (side == '2' || side == '5' || side == '6')  // sell, sell short (exempt)
      r.side = Side::sell;
    else
      return bad(54);

    if (!in.cum_qty.present()) return missing(14);
    if (!to_lots(view(in.cum_qty), spec.lot_size, r.cum_lots)) return bad(14);
    if (!in.leaves_qty.present()) return missing(151);
    if (!to_lots(view(in.leaves_qty), spec.lot_size, r.leaves_lots)) return bad(151);

    if (exec_type == 'F') {
      if (!in.last_qty.present()) return missing(32);
      if (!to_lots(view(in.last_qty), spec.lot_size, r.last_lots) || r.last_lots <= 0)
        return bad(32);
      if (!in.last_px.present()) return missing(31);
      bool off_tick = false;
      if (!to_ticks(view(in.last_px), spec.tick_size, r.last_price_ticks, off_tick) ||
          r.last_price_ticks <= 0)
        return bad(31);
      if (off_tick) g_.counters_.off_tick_prices.fetch_add(1, std::memory_order_relaxed);
      // Commission as an absolute amount (CommType 3, or none given). Per-unit and
      // percentage commissions are not mapped yet (fee stays 0).
      const std::string_view ct = view(in.comm_type);
      if (in.commission.present() && (ct.empty() || ct == "3")) {
        const std::string_view c = view(in.commission);
        const auto fee = Decimal::parse_wire(c);
        if (!fee) return bad(12);
        r.fee = fee->to_double();
      }
    }
    if (r.kind == ExecKind::rejected)
      r.reject_code = kRejectCodeOrder | reason_code(view(in.ord_rej_reason));
    return {};
  }

  // ExecType=I: where the order stands. The venue's answer for an order it does not know
  // (39=8, 103=5) may leave out what it cannot know (symbol, side, quantities).
  fix::InboundVerdict status_report(const fix::InboundReport& in, char ord_status,
                                    ExecReport& r) noexcept {
    switch (ord_status) {
      case '0':  // New
      case '1':  // Partially filled
      case 'A':  // Pending New
      case 'E':  // Pending Replace
      case '5':  // Replaced
      case '6':  // Pending Cancel: still live until the venue says otherwise
      case '9':  // Suspended
        r.status = OrderStatus::open;
        break;
      case '2':
        r.status = OrderStatus::filled;
        break;
      case '4':
        r.status = OrderStatus::canceled;
        break;
      case '3':  // Done for day
      case 'C':
        r.status = OrderStatus::expired;
        break;
      case '8':
        r.status = view(in.ord_rej_reason) == "5" ? OrderStatus::unknown : OrderStatus::rejected;
        break;
      default:
        return bad(39);
    }
    if (!in.cl_ord_id.present()) return missing(11);
    if (!parse_id(view(in.cl_ord_id), r.client_order_id)) return bad(11);
    const bool unknown = r.status == OrderStatus::unknown;
    if (!in.symbol.present()) {
      if (!unknown) return missing(55);
    } else {
      r.instrument = g_.universe_.find_instrument(view(in.symbol));
      if (r.instrument == kNoInstrument && !unknown) return bad(55);
    }
    char side = 0;
    if (in.side.present() && one_char(view(in.side), side)) {
      if (side == '1')
        r.side = Side::buy;
      else if (side == '2' || side == '5' || side == '6')
        r.side = Side::sell;
      else if (!unknown)
        return bad(54);
    } else if (!unknown) {
      return in.side.present() ? bad(54) : missing(54);
    }
    if (unknown || r.instrument == kNoInstrument) return {};
    const InstrumentSpec& spec = g_.universe_.instruments[r.instrument];
    if (!in.cum_qty.present()) return missing(14);
    if (!to_lots(view(in.cum_qty), spec.lot_size, r.cum_lots)) return bad(14);
    if (!in.leaves_qty.present()) return missing(151);
    if (!to_lots(view(in.leaves_qty), spec.lot_size, r.leaves_lots)) return bad(151);
    if (r.cum_lots > 0) {
      // An average is off the tick grid in general: the nearest tick, not counted.
      bool off_tick = false;
      if (!in.avg_px.present()) return missing(6);
      if (!to_ticks(view(in.avg_px), spec.tick_size, r.last_price_ticks, off_tick) ||
          r.last_price_ticks <= 0)
        return bad(6);
    }
    return {};
  }

  // The order a cancel or replace referred to is unchanged: an ack carrying the flag.
  fix::InboundVerdict cancel_reject(const fix::InboundReport& in, ExecReport& r) noexcept {
    const fix::FixText& id = in.orig_cl_ord_id.present() ? in.orig_cl_ord_id : in.cl_ord_id;
    if (!id.present()) return missing(41);
    if (!parse_id(view(id), r.client_order_id)) return bad(in.orig_cl_ord_id.present() ? 41 : 11);
    if (in.symbol.present()) r.instrument = g_.universe_.find_instrument(view(in.symbol));
    r.kind = ExecKind::ack;
    r.reject_code = kRejectCodeCancel | reason_code(view(in.cxl_rej_reason));
    return {};
  }

  // A BusinessMessageReject of one of our order-entry messages: the order never reached
  // the book (NewOrderSingle) or is unchanged (cancel, replace).
  fix::InboundVerdict business_reject(const fix::InboundReport& in, ExecReport& r) noexcept {
    const std::string_view ref = view(in.ref_msg_type);
    if (!in.cl_ord_id.present() || !parse_id(view(in.cl_ord_id), r.client_order_id))
      return refuse(fix::InboundVerdict::ignored, 379);
    const std::uint16_t reason = reason_code(view(in.business_reject_reason));
    if (ref == "D") {
      r.kind = ExecKind::rejected;
      r.reject_code = kRejectCodeBusiness | reason;
    } else if (ref == "F" || ref == "G") {
      r.kind = ExecKind::ack;
      r.reject_code = kRejectCodeCancel | reason;
    } else {
      return refuse(fix::InboundVerdict::ignored, 372);
    }
    return {};
  }

  FixOrderGateway& g_;
  // QuickFIX's socket thread only.
  std::array<Book, kMaxInstruments> books_{};
  std::array<bool, kMaxInstruments> held_{};
  std::array<std::uint64_t, kMaxInstruments> held_recv_{};
  std::size_t held_count_ = 0;
  std::uint64_t md_requests_ = 0;
  RecentIds<kRecentExecIds> exec_ids_;
  RecentIds<kRecentFundingIds> funding_ids_;
};

FixOrderGateway::FixOrderGateway(const Universe& universe, FixGatewayOptions options)
    : universe_(universe), options_(std::move(options)), events_(std::make_unique<Events>(*this)) {
  fix::SessionOptions so;
  so.settings_path = options_.settings_path;
  so.host_override = options_.host_override;
  so.port_override = options_.port_override;
  so.store_path_override = options_.store_path_override;
  so.logon_username = options_.logon_username;
  so.logon_password = options_.logon_password;
  switch (options_.store) {
    case FixStoreKind::async_file:
      so.store = fix::StoreKind::async_file;
      break;
    case FixStoreKind::file:
      so.store = fix::StoreKind::file;
      break;
    case FixStoreKind::memory:
      so.store = fix::StoreKind::memory;
      break;
    case FixStoreKind::null_store:
      so.store = fix::StoreKind::null_store;
      break;
  }
  so.store_flush_interval_ms = options_.store_flush_interval_ms;
  so.md_symbols.reserve(universe_.instruments.size());
  for (const InstrumentSpec& spec : universe_.instruments) so.md_symbols.push_back(spec.symbol);
  session_ = std::make_unique<fix::FixSession>(so, *events_);
}

FixOrderGateway::~FixOrderGateway() {
  stop();
}

void FixOrderGateway::start() {
  md_feed_.closed_.store(false, std::memory_order_release);
  session_->start();
}

void FixOrderGateway::stop() noexcept {
  try {
    if (session_) session_->stop(options_.logout_wait_ms);
  } catch (...) {
  }
  logged_on_.store(false, std::memory_order_release);
  md_feed_.closed_.store(true, std::memory_order_release);
}

bool FixMarketDataFeed::poll(std::int64_t, MarketTick& out) noexcept {
  return ring_.try_pop(out);
}

bool FixMarketDataFeed::exhausted() const noexcept {
  return closed_.load(std::memory_order_acquire) && ring_.empty();
}

bool FixOrderGateway::send_status_request(OrderRequest& order) noexcept {
  if (!logged_on()) {
    counters_.not_logged_on.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (order.instrument >= universe_.instruments.size()) {
    counters_.send_failures.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const InstrumentSpec& spec = universe_.instruments[order.instrument];
  char id[24], req[24];
  fix::OutboundOrder o;
  o.msg_type = 'H';
  o.cl_ord_id = text(id, write_id(order.client_order_id, id, sizeof id));
  o.symbol = text(spec.symbol.data(), spec.symbol.size());
  o.side = order.side == Side::buy ? '1' : '2';
  o.status_req_id = text(req, write_id(++status_req_seq_, req, sizeof req));
  order.stamps.encoded = TscClock::now();
  fix::SendResult result = fix::SendResult::failed;
  try {
    result = session_->send(o);
  } catch (...) {
    result = fix::SendResult::failed;
  }
  order.stamps.sent = TscClock::now();
  if (result == fix::SendResult::sent) {
    counters_.status_queries_sent.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  (result == fix::SendResult::not_logged_on ? counters_.not_logged_on : counters_.send_failures)
      .fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool FixOrderGateway::send_message(char msg_type, std::uint64_t cl_ord_id,
                                   std::uint64_t orig_cl_ord_id, const OrderRequest& order,
                                   std::int64_t lots, std::int64_t ticks,
                                   StageStamps* stamps) noexcept {
  if (!logged_on()) {
    counters_.not_logged_on.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (order.instrument >= universe_.instruments.size() || lots <= 0 ||
      (msg_type != 'F' && ticks <= 0)) {
    counters_.send_failures.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const InstrumentSpec& spec = universe_.instruments[order.instrument];
  char id[24], orig[24], qty[48], px[48];
  fix::OutboundOrder o;
  o.msg_type = msg_type;
  o.cl_ord_id = text(id, write_id(cl_ord_id, id, sizeof id));
  if (msg_type != 'D') o.orig_cl_ord_id = text(orig, write_id(orig_cl_ord_id, orig, sizeof orig));
  o.symbol = text(spec.symbol.data(), spec.symbol.size());
  o.side = order.side == Side::buy ? '1' : '2';
  o.qty = text(qty, write_steps_decimal(lots, spec.lot_size, qty, sizeof qty));
  if (msg_type != 'F') {
    o.price = text(px, write_steps_decimal(ticks, spec.tick_size, px, sizeof px));
    o.time_in_force = options_.time_in_force == FixTimeInForce::gtc ? '1' : '3';
    o.ord_type = '2';  // limit
  }
  if (o.qty.size == 0 || (msg_type != 'F' && o.price.size == 0)) {
    counters_.send_failures.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  // `encoded`: every value is exact FIX text; `sent`: QuickFIX has built the message,
  // stored it (FixStoreKind) and written it to the socket.
  if (stamps != nullptr) stamps->encoded = TscClock::now();
  fix::SendResult result = fix::SendResult::failed;
  try {
    result = session_->send(o);
  } catch (...) {
    result = fix::SendResult::failed;
  }
  if (stamps != nullptr) stamps->sent = TscClock::now();
  switch (result) {
    case fix::SendResult::sent:
      return true;
    case fix::SendResult::not_logged_on:
      counters_.not_logged_on.fetch_add(1, std::memory_order_relaxed);
      return false;
    case fix::SendResult::failed:
      break;
  }
  counters_.send_failures.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool FixOrderGateway::send(OrderRequest& order) noexcept {
  if (order.kind == RequestKind::status) return send_status_request(order);
  if (order.kind == RequestKind::cancel) {
    const bool sent = cancel(order.request_id, order);
    order.stamps.encoded = order.stamps.sent = TscClock::now();
    return sent;
  }
  const bool ok = send_message('D', order.client_order_id, 0, order, order.lots, order.limit_ticks,
                               &order.stamps);
  // Refused before reaching the session: stamp the refusal, so the latency of a
  // rejected send is not measured from zero.
  if (!ok && order.stamps.sent == 0) order.stamps.encoded = order.stamps.sent = TscClock::now();
  if (ok) counters_.orders_sent.fetch_add(1, std::memory_order_relaxed);
  return ok;
}

bool FixOrderGateway::cancel(std::uint64_t cancel_id, const OrderRequest& original) noexcept {
  const bool ok = send_message('F', cancel_id, original.client_order_id, original, original.lots,
                               original.limit_ticks, nullptr);
  if (ok) counters_.cancels_sent.fetch_add(1, std::memory_order_relaxed);
  return ok;
}

bool FixOrderGateway::replace(std::uint64_t new_id, const OrderRequest& original,
                              std::int64_t new_lots, std::int64_t new_limit_ticks) noexcept {
  const bool ok = send_message('G', new_id, original.client_order_id, original, new_lots,
                               new_limit_ticks, nullptr);
  if (ok) counters_.replaces_sent.fetch_add(1, std::memory_order_relaxed);
  return ok;
}

void FixOrderGateway::push_report(const ExecReport& r) noexcept {
  if (!reports_.try_push(r)) {
    // Full: wait for the poller (this is QuickFIX's thread, not the engine's), unless it
    // already let a report time out and has not polled since.
    bool pushed = false;
    if (!consumer_stalled_.load(std::memory_order_acquire)) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      while (!pushed && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        pushed = reports_.try_push(r);
      }
      if (!pushed) consumer_stalled_.store(true, std::memory_order_release);
    }
    if (!pushed) {
      counters_.reports_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  counters_.reports_queued.fetch_add(1, std::memory_order_relaxed);
}

std::size_t FixOrderGateway::poll_reports(ExecReport* out, std::size_t max) noexcept {
  std::size_t n = 0;
  while (n < max && reports_.try_pop(out[n])) ++n;
  if (n > 0 && consumer_stalled_.load(std::memory_order_relaxed))
    consumer_stalled_.store(false, std::memory_order_release);
  return n;
}

void FixOrderGateway::warm() noexcept {
  if (universe_.instruments.empty()) return;
  const InstrumentSpec& spec = universe_.instruments.front();
  std::size_t n = write_steps_decimal(1, spec.lot_size, scratch_.data(), scratch_.size());
  n += write_steps_decimal(1, spec.tick_size, scratch_.data(), scratch_.size());
  asm volatile("" : : "r"(n) : "memory");
}

FixGatewayCounters FixOrderGateway::counters() const noexcept {
  constexpr auto o = std::memory_order_relaxed;
  FixGatewayCounters c;
  c.orders_sent = counters_.orders_sent.load(o);
  c.cancels_sent = counters_.cancels_sent.load(o);
  c.replaces_sent = counters_.replaces_sent.load(o);
  c.not_logged_on = counters_.not_logged_on.load(o);
  c.send_failures = counters_.send_failures.load(o);
  c.reports_queued = counters_.reports_queued.load(o);
  c.reports_dropped = counters_.reports_dropped.load(o);
  c.malformed = counters_.malformed.load(o);
  c.unsupported = counters_.unsupported.load(o);
  c.ignored = counters_.ignored.load(o);
  c.off_tick_prices = counters_.off_tick_prices.load(o);
  c.resends_suppressed = counters_.resends_suppressed.load(o);
  c.session_rejects = counters_.session_rejects.load(o);
  c.logons = counters_.logons.load(o);
  c.disconnects = counters_.disconnects.load(o);
  c.status_queries_sent = counters_.status_queries_sent.load(o);
  c.status_reports = counters_.status_reports.load(o);
  c.funding_reports = counters_.funding_reports.load(o);
  c.duplicates = counters_.duplicates.load(o);
  c.session_events = counters_.session_events.load(o);
  c.md_requests_sent = counters_.md_requests_sent.load(o);
  c.md_request_failures = counters_.md_request_failures.load(o);
  c.md_rejects = counters_.md_rejects.load(o);
  c.md_snapshots = counters_.md_snapshots.load(o);
  c.md_incrementals = counters_.md_incrementals.load(o);
  c.md_ticks = counters_.md_ticks.load(o);
  c.md_conflated = counters_.md_conflated.load(o);
  c.md_malformed = counters_.md_malformed.load(o);
  c.md_unknown_symbol = counters_.md_unknown_symbol.load(o);
  return c;
}

std::string FixOrderGateway::session_id() const {
  return session_->session_id();
}
std::string FixOrderGateway::store_path() const {
  return session_->store_path();
}
int FixOrderGateway::next_sender_seq_num() const noexcept {
  try {
    return session_->next_sender_seq_num();
  } catch (...) {
    return 0;
  }
}

bool fix_resend_suppressed(std::string_view raw_message) {
  try {
    return fix::suppress_resend(std::string(raw_message));
  } catch (...) {
    return false;
  }
}

}  // namespace ballast::gateways
