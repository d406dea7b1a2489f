#include "ballast/core/loopback_venue.hpp"

#include <charconv>
#include <cstring>

#include "ballast/core/clock.hpp"

namespace ballast {
namespace {

constexpr char kSoh = '\x01';

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
  void tag(int t) noexcept {
    char tmp[12];
    auto [p, ec] = std::to_chars(tmp, tmp + sizeof tmp, t);
    raw(tmp, static_cast<std::size_t>(p - tmp));
    raw("=", 1);
  }
  void field(int t, const char* s) noexcept {
    tag(t);
    raw(s, std::strlen(s));
    raw(&kSoh, 1);
  }
  void field(int t, std::uint64_t v) noexcept {
    tag(t);
    char tmp[24];
    auto [p, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
    raw(tmp, static_cast<std::size_t>(p - tmp));
    raw(&kSoh, 1);
  }
  // An exact decimal: steps * step written without floating point.
  void decimal_field(int t, std::int64_t steps, const Decimal& step) noexcept {
    tag(t);
    const auto d = multiply_steps(steps, step);
    char tmp[40];
    std::size_t n = 0;
    if (d) {
      // Integer part and fraction from the scaled mantissa, no std::string.
      const std::int64_t units = d->units < 0 ? -d->units : d->units;
      std::int64_t pow = 1;
      for (std::int32_t k = 0; k < d->scale; ++k) pow *= 10;
      if (d->units < 0) tmp[n++] = '-';
      auto [p, ec] = std::to_chars(tmp + n, tmp + sizeof tmp, units / pow);
      n = static_cast<std::size_t>(p - tmp);
      if (d->scale > 0) {
        tmp[n++] = '.';
        std::int64_t frac = units % pow;
        for (std::int32_t k = d->scale - 1; k >= 0; --k) {
          tmp[n + static_cast<std::size_t>(k)] = static_cast<char>('0' + frac % 10);
          frac /= 10;
        }
        n += static_cast<std::size_t>(d->scale);
      }
    }
    raw(tmp, n);
    raw(&kSoh, 1);
  }
  [[nodiscard]] std::size_t size() const noexcept { return len_; }
  [[nodiscard]] bool overflow() const noexcept { return overflow_; }
  [[nodiscard]] char* data() noexcept { return buf_; }

 private:
  char* buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
  bool overflow_ = false;
};

}  // namespace

std::size_t encode_new_order_single(const OrderRequest& order, const InstrumentSpec& spec,
                                    std::uint32_t seq_num, char* buf, std::size_t cap) noexcept {
  // Body first (after a reserved header), then the header with BodyLength, then checksum.
  char body_buf[192];
  FixWriter body(body_buf, sizeof body_buf);
  body.field(35, "D");
  body.field(34, seq_num);
  body.field(49, "BALLAST");
  body.field(56, "VENUE");
  body.field(11, order.client_order_id);
  body.field(55, spec.symbol.c_str());
  body.field(54, order.side == OrderSide::buy ? "1" : "2");
  body.decimal_field(38, order.lots, spec.lot_size);
  body.field(40, "2");  // limit
  body.decimal_field(44, order.limit_ticks, spec.tick_size);
  body.field(59, "3");  // IOC: a hedge is marketable or it is nothing
  if (body.overflow()) return 0;
  FixWriter out(buf, cap);
  out.field(8, "FIX.4.4");
  out.field(9, static_cast<std::uint64_t>(body.size()));
  out.raw(body_buf, body.size());
  unsigned sum = 0;
  for (std::size_t k = 0; k < out.size(); ++k) sum += static_cast<unsigned char>(buf[k]);
  const unsigned c = sum % 256;
  char check[4] = {static_cast<char>('0' + c / 100), static_cast<char>('0' + (c / 10) % 10),
                   static_cast<char>('0' + c % 10), 0};
  out.field(10, check);
  return out.overflow() ? 0 : out.size();
}

bool LoopbackVenue::send(OrderRequest& order) noexcept {
  const InstrumentSpec& spec = universe_.instruments[order.instrument];
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
  return true;
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
