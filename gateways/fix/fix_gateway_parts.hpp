// The inbound side of FixOrderGateway, on QuickFIX's socket thread, in three parts: the
// session (logon, logout, the market-data subscription: Events, fix_gateway_session.cpp),
// the market-data book (W/X into ticks: MarketDataBook, fix_market_data_book.cpp) and the
// report mapping (8/9/j and funding into de-duplicated ExecReports: ReportMapper,
// fix_report_mapper.cpp). Private to gateways/fix; the helpers read FIX text exactly.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "ballast/core/clock.hpp"
#include "ballast/core/recent_fill_ids.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"
#include "fix_session.hpp"

namespace ballast::gateways {
namespace fix_fields {

inline std::string_view view(const fix::FixText& t) noexcept {
  return t.present() ? std::string_view(t.data, t.size) : std::string_view();
}

inline fix::FixText text(const char* p, std::size_t n) noexcept {
  fix::FixText t;
  t.data = p;
  t.size = n;
  return t;
}

// ClOrdID: the decimal text of a client_order_id, nothing else.
inline bool parse_id(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

inline std::size_t write_id(std::uint64_t id, char* out, std::size_t cap) noexcept {
  auto [p, ec] = std::to_chars(out, out + cap, id);
  return ec == std::errc() ? static_cast<std::size_t>(p - out) : 0;
}

// A single FIX char field ("1", "F").
inline bool one_char(std::string_view s, char& out) noexcept {
  if (s.size() != 1) return false;
  out = s[0];
  return true;
}

// A quantity as whole lots: exact, non-negative.
inline bool to_lots(std::string_view s, const Decimal& lot, std::int64_t& out) noexcept {
  const auto d = Decimal::parse_wire(s);
  if (!d || d->units < 0) return false;
  const auto steps = steps_exact(*d, lot);
  if (!steps || !steps->exact) return false;
  out = steps->steps;
  return true;
}

// A price in ticks, rounded to the nearest tick when the venue reports one off the grid
// (`off_tick` set): a real fill is never dropped over its last digit.
inline bool to_ticks(std::string_view s, const Decimal& tick, std::int64_t& out,
                     bool& off_tick) noexcept {
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
inline std::uint16_t reason_code(std::string_view s) noexcept {
  int v = 0;
  if (s.empty()) return 0xFF;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0 || v > 0xFE) return 0xFF;
  return static_cast<std::uint16_t>(v);
}

// A FIX price or size as a double: the strict FIX float grammar (parse_fix_decimal), then
// the correctly rounded double of that text. False for anything else.
inline bool parse_fix_double(std::string_view s, double& out) noexcept {
  if (!Decimal::parse_wire(s)) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out, std::chars_format::fixed);
  return ec == std::errc() && p == end && std::isfinite(out);
}

inline bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) noexcept {
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
inline bool parse_fix_time(std::string_view s, std::int64_t& out_ns) noexcept {
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

inline fix::InboundVerdict refuse(fix::InboundVerdict::Kind kind, int tag) noexcept {
  fix::InboundVerdict v;
  v.kind = kind;
  v.tag = tag;
  return v;
}
inline fix::InboundVerdict missing(int tag) noexcept {
  return refuse(fix::InboundVerdict::missing_field, tag);
}
inline fix::InboundVerdict bad(int tag) noexcept {
  return refuse(fix::InboundVerdict::bad_value, tag);
}

}  // namespace fix_fields

// W and X messages into the instruments' market state, one tick per touched instrument.
class FixOrderGateway::MarketDataBook {
 public:
  explicit MarketDataBook(FixOrderGateway& g) noexcept : g_(g) {}
  // Every logon: the venue sends fresh snapshots.
  void reset() noexcept {
    books_.fill(Book{});
    held_.fill(false);
    held_count_ = 0;
  }
  // Counts the message, applies it whole or refuses it, and emits the touched instruments.
  fix::InboundVerdict on_market_data(const fix::InboundMarketData& md);

 private:
  // The market state one instrument's ticks are built from (0 = not given).
  struct Book {
    double bid = 0.0, bid_qty = 0.0, ask = 0.0, ask_qty = 0.0;
    double mark = 0.0, index = 0.0, funding_rate = 0.0;
    std::int64_t exchange_ts_ns = 0;
  };

  MarketTick tick_of(InstrumentId i, std::uint64_t recv) const noexcept;
  void emit(InstrumentId i, std::uint64_t recv) noexcept;
  void flush_held() noexcept;
  static fix::InboundVerdict apply_entry(const fix::MdEntry& e, bool snapshot, Book& b) noexcept;
  static bool sane(const Book& b) noexcept;
  fix::InboundVerdict market_data(const fix::InboundMarketData& md, std::uint64_t recv,
                                  std::size_t& unknown) noexcept;

  FixOrderGateway& g_;
  std::array<Book, kMaxInstruments> books_{};
  std::array<bool, kMaxInstruments> held_{};
  std::array<std::uint64_t, kMaxInstruments> held_recv_{};
  std::size_t held_count_ = 0;
};

// Execution reports, cancel rejects, business rejects and funding into ExecReports for the
// engine; a resent message (same ExecID or FundingID) is dropped as a duplicate.
class FixOrderGateway::ReportMapper {
 public:
  explicit ReportMapper(FixOrderGateway& g) noexcept : g_(g) {}
  fix::InboundVerdict on_funding(const fix::InboundFunding& in);
  fix::InboundVerdict on_report(const fix::InboundReport& in);
  // AO and AP: lines of the venue's positions as ExecKind::position, then positions_end
  // once AO's count of reports is in. A refusal (or silence) is never an end: the
  // engine keeps the venue out of sync.
  fix::InboundVerdict on_position(const fix::InboundPosition& in);
  void reset_positions() noexcept {
    positions_expected_ = -1;
    positions_seen_ = 0;
    positions_passed_ = 0;
  }

 private:
  void end_positions() noexcept;
  fix::InboundVerdict funding(const fix::InboundFunding& in, ExecReport& r) noexcept;
  fix::InboundVerdict execution_report(const fix::InboundReport& in, ExecReport& r) noexcept;
  fix::InboundVerdict status_report(const fix::InboundReport& in, char ord_status,
                                    ExecReport& r) noexcept;
  fix::InboundVerdict cancel_reject(const fix::InboundReport& in, ExecReport& r) noexcept;
  fix::InboundVerdict business_reject(const fix::InboundReport& in, ExecReport& r) noexcept;

  FixOrderGateway& g_;
  fix_fields::RecentIds<kRecentExecIds> exec_ids_;
  fix_fields::RecentIds<kRecentFundingIds> funding_ids_;
  std::int64_t positions_expected_ = -1;  // AO's TotalNumPosReports; -1: no AO yet
  std::int64_t positions_seen_ = 0;       // AP messages of the answer
  std::int64_t positions_passed_ = 0;     // of those, lines the engine got
  std::uint64_t positions_request_ = 0;
};

// Receives QuickFIX's callbacks and hands each to its part.
class FixOrderGateway::Events final : public fix::SessionEvents {
 public:
  explicit Events(FixOrderGateway& g) noexcept : g_(g), book_(g), reports_(g) {}

  // The subscription first (every logon: the venue forgets it with the session), then
  // logged_on() and session_up, so every order and status query follows the V on the wire.
  void on_logon() override;
  // QuickFIX also calls onLogout when a logon attempt fails (it had sent Logon): only the
  // end of a live session counts as a disconnect (and is reported as session_down).
  void on_logout() override;
  void on_peer_logout(const std::string& text) override;
  void on_socket_error(const std::string& where, const std::string& error) override;
  void on_md_reject(const fix::InboundMdReject&) override;
  fix::InboundVerdict on_funding(const fix::InboundFunding& in) override {
    return reports_.on_funding(in);
  }
  fix::InboundVerdict on_market_data(const fix::InboundMarketData& md) override {
    return book_.on_market_data(md);
  }
  void on_unsupported(const std::string&) override;
  void on_resend_suppressed() override;
  void on_session_reject() override;
  fix::InboundVerdict on_report(const fix::InboundReport& in) override {
    return reports_.on_report(in);
  }
  fix::InboundVerdict on_position(const fix::InboundPosition& in) override {
    return reports_.on_position(in);
  }

 private:
  void push_session_event(ExecKind kind) noexcept;

  FixOrderGateway& g_;
  MarketDataBook book_;
  ReportMapper reports_;
  std::uint64_t md_requests_ = 0;  // QuickFIX's socket thread only
};

}  // namespace ballast::gateways
