// The engine half of the FIX gateway (C++20): exact decimal text for outbound orders,
// inbound report mapping onto ExecReport, the SPSC ring to the order thread, counters.
// QuickFIX itself is behind fix_session.hpp (C++14, see there).
#include "ballast/gateways/fix_order_gateway.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <limits>
#include <string>
#include <thread>
#include <utility>

#include "ballast/core/clock.hpp"
#include "ballast/core/planner.hpp"
#include "fix_gateway_parts.hpp"

namespace ballast::gateways {

using namespace fix_fields;

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

// Not an order: asked after each logon and every [recovery] check_s, so the strings it
// builds are off the tick-to-order path.
bool FixOrderGateway::send_positions_request(OrderRequest& order) noexcept {
  order.stamps.encoded = order.stamps.sent = TscClock::now();
  if (!logged_on()) {
    counters_.not_logged_on.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  fix::SendResult result = fix::SendResult::failed;
  try {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char date[16];
    std::strftime(date, sizeof date, "%Y%m%d", &utc);
    // The engine's request id: every line and the end of the answer carry it back.
    positions_req_seq_.store(order.client_order_id, std::memory_order_release);
    result = session_->send_positions_request(
        "BALLAST-POS-" + std::to_string(order.client_order_id), date);
  } catch (...) {
    result = fix::SendResult::failed;
  }
  if (result == fix::SendResult::sent) {
    counters_.positions_requests_sent.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  (result == fix::SendResult::not_logged_on ? counters_.not_logged_on : counters_.send_failures)
      .fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool FixOrderGateway::send(OrderRequest& order) noexcept {
  if (order.kind == RequestKind::status) return send_status_request(order);
  if (order.kind == RequestKind::positions) return send_positions_request(order);
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
  c.positions_requests_sent = counters_.positions_requests_sent.load(o);
  c.position_reports = counters_.position_reports.load(o);
  c.positions_refused = counters_.positions_refused.load(o);
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
