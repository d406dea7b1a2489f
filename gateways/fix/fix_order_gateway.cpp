// The engine half of the FIX gateway (C++20): exact decimal text for outbound orders,
// inbound report mapping onto ExecReport, the SPSC ring to the order thread, counters.
// QuickFIX itself is behind fix_session.hpp (C++14, see there).
#include "ballast/gateways/fix_order_gateway.hpp"

#include <charconv>
#include <chrono>
#include <cstring>
#include <limits>
#include <thread>
#include <utility>

#include "ballast/core/clock.hpp"
#include "fix_session.hpp"

namespace ballast::gateways {
namespace {

__extension__ using i128 = __int128;

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
  const auto d = parse_fix_decimal(s);
  if (!d || d->units < 0) return false;
  const auto steps = steps_exact(*d, lot);
  if (!steps || !steps->exact) return false;
  out = steps->steps;
  return true;
}

// A price in ticks, rounded to the nearest tick when the venue reports one off the grid
// (`off_tick` set): a real fill is never dropped over its last digit.
bool to_ticks(std::string_view s, const Decimal& tick, std::int64_t& out, bool& off_tick) noexcept {
  const auto d = parse_fix_decimal(s);
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

  void on_logon() override {
    g_.counters_.logons.fetch_add(1, std::memory_order_relaxed);
    g_.logged_on_.store(true, std::memory_order_release);
  }
  // QuickFIX also calls onLogout when a logon attempt fails (it had sent Logon): only the
  // end of a live session counts as a disconnect.
  void on_logout() override {
    if (g_.logged_on_.exchange(false, std::memory_order_acq_rel))
      g_.counters_.disconnects.fetch_add(1, std::memory_order_relaxed);
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
    if (v.kind == fix::InboundVerdict::accepted)
      g_.push_report(r);
    else if (v.kind == fix::InboundVerdict::ignored)
      g_.counters_.ignored.fetch_add(1, std::memory_order_relaxed);
    else
      g_.counters_.malformed.fetch_add(1, std::memory_order_relaxed);
    return v;
  }

 private:
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
      case '6':  // Pending Cancel
      case 'A':  // Pending New
      case 'E':  // Pending Replace
      case 'I':  // Order Status (answers OrderStatusRequest: reconciliation, later)
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
      r.side = OrderSide::buy;
    else if (side == '2' || side == '5' || side == '6')  // sell, sell short (exempt)
      r.side = OrderSide::sell;
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
        const auto fee = parse_fix_decimal(c);
        if (!fee) return bad(12);
        r.fee = fee->to_double();
      }
    }
    if (r.kind == ExecKind::rejected)
      r.reject_code = kRejectCodeOrder | reason_code(view(in.ord_rej_reason));
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
};

FixOrderGateway::FixOrderGateway(const Universe& universe, FixGatewayOptions options)
    : universe_(universe), options_(std::move(options)), events_(std::make_unique<Events>(*this)) {
  fix::SessionOptions so;
  so.settings_path = options_.settings_path;
  so.host_override = options_.host_override;
  so.port_override = options_.port_override;
  so.store_path_override = options_.store_path_override;
  session_ = std::make_unique<fix::FixSession>(so, *events_);
}

FixOrderGateway::~FixOrderGateway() {
  stop();
}

void FixOrderGateway::start() {
  session_->start();
}

void FixOrderGateway::stop() noexcept {
  try {
    if (session_) session_->stop(options_.logout_wait_ms);
  } catch (...) {
  }
  logged_on_.store(false, std::memory_order_release);
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
  o.side = order.side == OrderSide::buy ? '1' : '2';
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
  // stored it in the FileStore and written it to the socket.
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

std::optional<Decimal> parse_fix_decimal(std::string_view s) noexcept {
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && s[i] == '-') {
    negative = true;
    ++i;
  }
  std::int64_t units = 0;
  std::int32_t scale = 0;
  int digits = 0;
  bool fraction = false;
  bool any = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (fraction) return std::nullopt;
      fraction = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any = true;
    if (units != 0 || c != '0') ++digits;  // leading zeros are free
    if (digits > 18) return std::nullopt;
    units = units * 10 + (c - '0');
    if (fraction) ++scale;
  }
  if (!any || scale > Decimal::kMaxScale) return std::nullopt;
  return Decimal{negative ? -units : units, scale};
}

bool fix_resend_suppressed(std::string_view raw_message) {
  try {
    return fix::suppress_resend(std::string(raw_message));
  } catch (...) {
    return false;
  }
}

}  // namespace ballast::gateways
