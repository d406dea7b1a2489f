#include "ballast/core/loopback_venue.hpp"

#include <charconv>
#include <cstring>

#include "ballast/core/clock.hpp"

namespace ballast {
namespace {

constexpr char kSoh = '\x01';

// Appends into a caller buffer; every write checks room once, so an overflow is caught
// without exceptions and reported as a zero length.
class FixWriter {
 public:
  FixWriter(char* buf, std::size_t cap) noexcept : buf_(buf), cap_(cap) {}
  void raw(const char* s, std::size_t n) noexcept {
    if (len_ + n > cap_) {
      overflow_ = true;
      return;
    }
    std::memcpy(buf_ + len_, s, n);
    len_ += n;
  }
  // `tag_eq` is the literal "NN=": tags are constants, so no number formatting for them.
  template <std::size_t N>
  void field(const char (&tag_eq)[N], const char* value, std::size_t n) noexcept {
    raw(tag_eq, N - 1);
    raw(value, n);
    raw(&kSoh, 1);
  }
  template <std::size_t N>
  void field(const char (&tag_eq)[N], std::uint64_t v) noexcept {
    char tmp[24];
    auto [p, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
    field(tag_eq, tmp, static_cast<std::size_t>(p - tmp));
  }
  // steps x step written exactly (write_steps_decimal): no floating point.
  template <std::size_t N>
  void decimal_field(const char (&tag_eq)[N], std::int64_t steps, const Decimal& step) noexcept {
    char tmp[48];
    const std::size_t n = write_steps_decimal(steps, step, tmp, sizeof tmp);
    if (n == 0) {
      overflow_ = true;
      return;
    }
    field(tag_eq, tmp, n);
  }
  [[nodiscard]] std::size_t size() const noexcept { return len_; }
  [[nodiscard]] bool overflow() const noexcept { return overflow_; }

 private:
  char* buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
  bool overflow_ = false;
};

// FIX CheckSum: the byte sum mod 256, eight bytes at a time (SWAR): bytes are added in
// 16-bit lanes, which cannot overflow for messages under 64 KiB / 8 * 2 bytes.
unsigned fix_checksum(const char* p, std::size_t n) noexcept {
  constexpr std::uint64_t kEvenBytes = 0x00FF00FF00FF00FFull;
  std::uint64_t lanes = 0;
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    std::uint64_t x;
    std::memcpy(&x, p + k, 8);
    lanes += (x & kEvenBytes) + ((x >> 8) & kEvenBytes);
  }
  unsigned sum = static_cast<unsigned>((lanes * 0x0001000100010001ull) >> 48);
  for (; k < n; ++k) sum += static_cast<unsigned char>(p[k]);
  return sum % 256;
}

}  // namespace

std::size_t encode_new_order_single(const OrderRequest& order, const InstrumentSpec& spec,
                                    std::uint32_t seq_num, char* buf, std::size_t cap) noexcept {
  // The body is built first because BodyLength (9) precedes it; then the header, a copy
  // of the body, and the checksum (10) over everything before it.
  char body_buf[192];
  FixWriter body(body_buf, sizeof body_buf);
  body.raw("35=D\x01", 5);
  body.field("34=", seq_num);
  body.raw(
      "49=BALLAST\x01"
      "56=VENUE\x01",
      20);
  body.field("11=", order.client_order_id);
  body.field("55=", spec.symbol.data(), spec.symbol.size());
  body.raw(order.side == Side::buy ? "54=1\x01" : "54=2\x01", 5);
  body.decimal_field("38=", order.lots, spec.lot_size);
  body.raw("40=2\x01", 5);  // limit
  body.decimal_field("44=", order.limit_ticks, spec.tick_size);
  body.raw("59=3\x01", 5);  // IOC: a hedge is marketable or it is nothing
  if (body.overflow()) return 0;
  FixWriter out(buf, cap);
  out.raw("8=FIX.4.4\x01", 10);
  out.field("9=", static_cast<std::uint64_t>(body.size()));
  out.raw(body_buf, body.size());
  if (out.overflow()) return 0;
  const unsigned c = fix_checksum(buf, out.size());
  const char check[3] = {static_cast<char>('0' + c / 100), static_cast<char>('0' + (c / 10) % 10),
                         static_cast<char>('0' + c % 10)};
  out.field("10=", check, 3);
  return out.overflow() ? 0 : out.size();
}

void LoopbackVenue::warm() noexcept {
  OrderRequest dummy;
  dummy.instrument = last_instrument_;
  dummy.lots = 1;
  dummy.limit_ticks = 1;
  const std::size_t n = encode_new_order_single(dummy, universe_.instruments[last_instrument_], 0,
                                                scratch_.data(), scratch_.size());
  asm volatile("" : : "r"(n) : "memory");  // keep the work: its effect is the warm cache
}

bool LoopbackVenue::send(OrderRequest& order) noexcept {
  // Queries need a venue with a session; the loopback has none (its engine never asks).
  if (order.kind == RequestKind::status || order.kind == RequestKind::positions) return false;
  if (order.kind == RequestKind::cancel) {
    order.stamps.encoded = order.stamps.sent = TscClock::now();
    cancel(order);
    return true;
  }
  const InstrumentSpec& spec = universe_.instruments[order.instrument];
  last_instrument_ = order.instrument;
  wire_size_ = encode_new_order_single(order, spec, ++seq_, wire_.data(), wire_.size() - 1);
  order.stamps.encoded = TscClock::now();
  if (wire_size_ == 0) return false;
  wire_[wire_size_] = '\0';
  bytes_ += wire_size_;  // stands in for the socket write
  order.stamps.sent = TscClock::now();
  ++received_;

  ExecReport r;
  r.client_order_id = order.client_order_id;
  r.instrument = order.instrument;
  r.side = order.side;
  r.recv_tsc = order.stamps.sent;
  r.kind = ExecKind::ack;
  r.leaves_lots = order.lots;
  queue(r);
  if (resting_mode_ && resting_count_ < resting_.size()) {
    resting_[resting_count_++] = order;
    return true;
  }
  queue_fill(order);
  return true;
}

void LoopbackVenue::queue_fill(const OrderRequest& order) noexcept {
  const InstrumentSpec& spec = universe_.instruments[order.instrument];
  ExecReport r;
  r.client_order_id = order.client_order_id;
  r.instrument = order.instrument;
  r.side = order.side;
  r.recv_tsc = TscClock::now();
  r.kind = ExecKind::fill;
  r.last_lots = order.lots;
  r.cum_lots = order.lots;
  r.leaves_lots = 0;
  r.last_price_ticks = order.limit_ticks;
  const double contracts = static_cast<double>(order.lots) * spec.lot_size_d;
  const double price = static_cast<double>(order.limit_ticks) * spec.tick_size_d;
  const double notional = spec.notional(contracts, price);
  r.fee = (notional < 0 ? -notional : notional) * spec.taker_fee_bps / 1e4;
  queue(r);
}

void LoopbackVenue::fill_resting() noexcept {
  for (std::size_t k = 0; k < resting_count_; ++k) queue_fill(resting_[k]);
  resting_count_ = 0;
}

// Reported on the order's own id, as FIX does with OrigClOrdID: the engine knows the
// order, not the cancel request.
void LoopbackVenue::cancel(const OrderRequest& request) noexcept {
  ++cancels_;
  ExecReport r;
  r.client_order_id = request.client_order_id;
  r.instrument = request.instrument;
  r.side = request.side;
  r.recv_tsc = TscClock::now();
  for (std::size_t k = 0; k < resting_count_; ++k) {
    if (resting_[k].client_order_id != request.client_order_id) continue;
    r.kind = ExecKind::canceled;
    r.leaves_lots = 0;
    resting_[k] = resting_[--resting_count_];
    queue(r);
    return;
  }
  // Too late (filled) or unknown: the order is unchanged, which is an ack, not a reject
  // of the order itself.
  ++cancels_refused_;
  r.kind = ExecKind::ack;
  r.reject_code = kRejectCodeCancelRefused;
  queue(r);
}

void LoopbackVenue::queue(const ExecReport& r) noexcept {
  if (head_ - tail_ >= reports_.size()) {  // full: counted, the oldest report is lost
    ++tail_;
    ++overflowed_;
  }
  reports_[head_ % reports_.size()] = r;
  ++head_;
}

std::size_t LoopbackVenue::poll_reports(ExecReport* out, std::size_t max) noexcept {
  std::size_t n = 0;
  while (n < max && tail_ < head_) out[n++] = reports_[tail_++ % reports_.size()];
  return n;
}

}  // namespace ballast
