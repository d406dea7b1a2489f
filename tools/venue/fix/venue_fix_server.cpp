// VenueFixServer: FIX order entry in front of the VenueSimulation (see the header).
#include "venue_fix_server.hpp"

#include <cstdio>
#include <stdexcept>
#include <utility>

#include "ballast/core/decimal.hpp"
#include "ballast/venue/order_checks.hpp"

namespace ballast::venue {
namespace {

using venue_fix::InboundOrder;
using venue_fix::InboundVerdict;

InboundVerdict verdict(InboundVerdict::Kind kind, int tag) {
  InboundVerdict v;
  v.kind = kind;
  v.tag = tag;
  return v;
}

// steps x step as exact decimal text ("0.250" for 250 lots of 0.001 is "0.25").
std::string steps_text(std::int64_t steps, const Decimal& step) {
  std::int64_t units = 0;
  if (__builtin_mul_overflow(steps, step.units, &units)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.8f", static_cast<double>(steps) * step.to_double());
    return buf;
  }
  return Decimal{units, step.scale}.normalized().to_string();
}

// A double as plain FIX float text (no exponent), trailing zeros trimmed.
std::string float_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.8f", v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

char fix_side(OrderSide s) { return s == OrderSide::buy ? '1' : '2'; }
char fix_tif(TimeInForce t) {
  switch (t) {
    case TimeInForce::ioc:
      return '3';
    case TimeInForce::fok:
      return '4';
    default:
      return '1';
  }
}

// OrdStatus of an order still live with `cum` filled.
char live_status(std::int64_t cum) { return cum > 0 ? '1' : '0'; }

}  // namespace

int fix_ord_rej_reason(RejectReason r) noexcept {
  switch (r) {
    case RejectReason::unknown_instrument:
      return 1;  // Unknown symbol
    case RejectReason::instrument_expired:
      return 2;  // Exchange closed
    case RejectReason::insufficient_margin:
      return 3;  // Order exceeds limit
    case RejectReason::unknown_order:
      return 5;
    case RejectReason::duplicate_client_order_id:
      return 6;
    case RejectReason::unsupported:
      return 11;  // Unsupported order characteristic
    case RejectReason::bad_quantity:
    case RejectReason::below_min_qty:
    case RejectReason::above_max_qty:
      return 13;  // Incorrect quantity
    case RejectReason::injected_fault:
      return 0;  // Broker / exchange option
    default:
      return 99;  // Other (Text says which)
  }
}

int fix_cxl_rej_reason(RejectReason r) noexcept {
  switch (r) {
    case RejectReason::unknown_order:
      return 1;
    case RejectReason::duplicate_client_order_id:
      return 6;
    case RejectReason::injected_fault:
      return 2;  // Broker / exchange option
    default:
      return 99;
  }
}

std::uint64_t VenueFixServer::Client::intern(const std::string& t) {
  auto [it, fresh] = ids.try_emplace(t, texts.size() + 1);
  if (fresh) texts.push_back(t);
  return it->second;
}

std::string VenueFixServer::Client::text(std::uint64_t id) const {
  if (id == 0 || id > texts.size()) return {};
  return texts[id - 1];
}

VenueFixServer::VenueFixServer(VenueSimulation& sim, const VenueFixServerOptions& options)
    : sim_(sim), options_(options) {
  acceptor_ = std::make_unique<venue_fix::FixAcceptor>(
      options_.fix, static_cast<venue_fix::AcceptorEvents&>(*this));
}

VenueFixServer::~VenueFixServer() {
  stop();
}

void VenueFixServer::start() {
  if (started_) return;
  {
    std::lock_guard lock(out_mu_);
    stopping_ = false;
  }
  sender_ = std::thread([this] { sender_loop(); });
  try {
    acceptor_->start();
  } catch (...) {
    {
      std::lock_guard lock(out_mu_);
      stopping_ = true;
    }
    out_cv_.notify_all();
    sender_.join();
    throw;
  }
  started_ = true;
}

void VenueFixServer::stop() {
  if (!started_) return;
  started_ = false;
  acceptor_->stop();  // no more callbacks after this returns
  {
    std::lock_guard lock(out_mu_);
    stopping_ = true;
  }
  out_cv_.notify_all();
  if (sender_.joinable()) sender_.join();
}

void VenueFixServer::step_to(std::int64_t sim_ns) {
  std::lock_guard lock(mu_);
  sim_.step_to(sim_ns);
  drain_locked('1');
}

std::optional<AccountId> VenueFixServer::account_of(const std::string& session) const {
  std::lock_guard lock(mu_);
  auto it = clients_.find(session);
  if (it == clients_.end()) return std::nullopt;
  return it->second->account;
}

std::size_t VenueFixServer::logged_on_sessions() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& kv : clients_) n += kv.second->logged_on ? 1 : 0;
  return n;
}

VenueFixCounters VenueFixServer::counters() const {
  std::lock_guard lock(mu_);
  VenueFixCounters c = counters_;
  c.reports_sent = sent_.load();
  c.send_failures = send_failures_.load();
  return c;
}

void VenueFixServer::on_logon(const std::string& session) {
  std::lock_guard lock(mu_);
  ++counters_.logons;
  auto& slot = clients_[session];
  if (!slot) {
    slot = std::make_unique<Client>();
    slot->session = session;
    AccountConfig cfg = options_.client_account;
    cfg.name = session;
    slot->account = sim_.add_client(cfg);
    by_account_[slot->account] = slot.get();
  }
  slot->logged_on = true;
}

void VenueFixServer::on_logout(const std::string& session) {
  std::lock_guard lock(mu_);
  ++counters_.logouts;
  auto it = clients_.find(session);
  if (it != clients_.end()) it->second->logged_on = false;
}

InboundVerdict VenueFixServer::on_order(const std::string& session, const InboundOrder& order) {
  try {
    std::lock_guard lock(mu_);
    auto it = clients_.find(session);
    if (it == clients_.end()) {
      ++counters_.malformed;
      return verdict(InboundVerdict::unsupported, 35);
    }
    InboundVerdict v;
    switch (order.msg_type) {
      case 'D':
        ++counters_.orders;
        v = new_order(*it->second, order);
        break;
      case 'F':
        ++counters_.cancels;
        v = cancel_order(*it->second, order);
        break;
      case 'G':
        ++counters_.replaces;
        v = replace_order(*it->second, order);
        break;
      default:
        v = verdict(InboundVerdict::unsupported, 35);
        break;
    }
    if (v.kind != InboundVerdict::accepted) ++counters_.malformed;
    return v;
  } catch (const std::exception&) {
    return verdict(InboundVerdict::unsupported, 35);  // out of memory; never crash QuickFIX
  }
}

InboundVerdict VenueFixServer::new_order(Client& c, const InboundOrder& o) {
  WireOrder w;
  w.account = c.account;
  switch (o.side) {
    case '1':
      w.side = OrderSide::buy;
      break;
    case '2':
    case '5':
    case '6':
      w.side = OrderSide::sell;
      break;
    default:
      return verdict(InboundVerdict::bad_value, 54);
  }
  switch (o.ord_type) {
    case '1':
      w.type = OrderType::market;
      break;
    case '2':
      w.type = OrderType::limit;
      break;
    default:
      return verdict(InboundVerdict::bad_value, 40);
  }
  switch (o.time_in_force) {
    case 0:
    case '0':  // Day: the simulator has no trading day, so good till cancelled
    case '1':
      w.tif = TimeInForce::gtc;
      break;
    case '3':
      w.tif = TimeInForce::ioc;
      break;
    case '4':
      w.tif = TimeInForce::fok;
      break;
    default:
      return verdict(InboundVerdict::bad_value, 59);
  }
  for (char ch : o.exec_inst) {
    if (ch == '6') w.tif = TimeInForce::post_only;  // Participate don't initiate
    if (ch == 'E') w.reduce_only = true;            // Do not increase
  }
  const auto qty = Decimal::parse(o.qty);
  if (!qty) return verdict(InboundVerdict::bad_value, 38);
  w.qty = *qty;
  if (w.type == OrderType::limit) {
    if (o.price.empty()) return verdict(InboundVerdict::missing_field, 44);
    const auto px = Decimal::parse(o.price);
    if (!px) return verdict(InboundVerdict::bad_value, 44);
    w.price = *px;
  }
  w.instrument = sim_.venue().universe().find_instrument(o.symbol);
  if (w.instrument == kNoInstrument) {
    c.intern(o.cl_ord_id);
    reject_new(c, o, RejectReason::unknown_instrument);
    return {};
  }
  w.client_order_id = c.intern(o.cl_ord_id);
  (void)sim_.venue().submit(w);
  drain_locked('1');
  return {};
}

InboundVerdict VenueFixServer::cancel_order(Client& c, const InboundOrder& o) {
  if (o.side != '1' && o.side != '2' && o.side != '5' && o.side != '6')
    return verdict(InboundVerdict::bad_value, 54);
  const InstrumentId i = sim_.venue().universe().find_instrument(o.symbol);
  if (i == kNoInstrument) {
    reject_cancel(c, o, '1', RejectReason::unknown_instrument);
    return {};
  }
  const std::uint64_t orig = c.intern(o.orig_cl_ord_id);
  const std::uint64_t request = c.intern(o.cl_ord_id);
  (void)sim_.venue().cancel(c.account, i, orig, request);
  drain_locked('1');
  return {};
}

InboundVerdict VenueFixServer::replace_order(Client& c, const InboundOrder& o) {
  if (o.side != '1' && o.side != '2' && o.side != '5' && o.side != '6')
    return verdict(InboundVerdict::bad_value, 54);
  if (o.ord_type != '2') return verdict(InboundVerdict::bad_value, 40);  // limit only
  const auto qty = Decimal::parse(o.qty);
  if (!qty) return verdict(InboundVerdict::bad_value, 38);
  if (o.price.empty()) return verdict(InboundVerdict::missing_field, 44);
  const auto px = Decimal::parse(o.price);
  if (!px) return verdict(InboundVerdict::bad_value, 44);
  const InstrumentId i = sim_.venue().universe().find_instrument(o.symbol);
  if (i == kNoInstrument) {
    reject_cancel(c, o, '2', RejectReason::unknown_instrument);
    return {};
  }
  const InstrumentSpec& spec = sim_.venue().universe().instruments[i];
  const StepsOrReject lots = quantity_to_lots(spec, *qty);
  if (!lots.ok()) {
    reject_cancel(c, o, '2', lots.reason);
    return {};
  }
  const StepsOrReject ticks = price_to_ticks(spec, *px);
  if (!ticks.ok()) {
    reject_cancel(c, o, '2', ticks.reason);
    return {};
  }
  const std::uint64_t orig = c.intern(o.orig_cl_ord_id);
  const std::uint64_t fresh = c.intern(o.cl_ord_id);
  (void)sim_.venue().replace(c.account, i, orig, fresh, lots.value, ticks.value);
  drain_locked('2');
  return {};
}

void VenueFixServer::reject_new(Client& c, const InboundOrder& o, RejectReason why) {
  Outbound out;
  out.session = c.session;
  auto& e = out.exec;
  e.exec_id = "E" + std::to_string(next_exec_id_++);
  e.cl_ord_id = o.cl_ord_id;
  e.exec_type = '8';
  e.ord_status = '8';
  e.symbol = o.symbol;
  e.side = o.side;
  e.order_qty = o.qty;
  e.ord_rej_reason = fix_ord_rej_reason(why);
  e.text = to_string(why);
  enqueue(std::move(out));
}

void VenueFixServer::reject_cancel(Client& c, const InboundOrder& o, char response_to,
                                   RejectReason why) {
  Outbound out;
  out.session = c.session;
  out.cancel_reject = true;
  auto& r = out.reject;
  r.cl_ord_id = o.cl_ord_id;
  r.orig_cl_ord_id = o.orig_cl_ord_id;
  r.ord_status = '8';
  r.response_to = response_to;
  r.cxl_rej_reason = fix_cxl_rej_reason(why);
  r.symbol = o.symbol;
  r.text = to_string(why);
  enqueue(std::move(out));
}

void VenueFixServer::drain_locked(char response_to) {
  SimulatedVenue& v = sim_.venue();
  const Universe& u = v.universe();
  for (const Execution& x : v.executions()) {
    auto it = by_account_.find(x.account);
    if (it == by_account_.end()) continue;  // not a FIX client (the market maker, tests)
    Client& c = *it->second;
    if (x.instrument >= u.instruments.size()) continue;
    const InstrumentSpec& spec = u.instruments[x.instrument];
    Outbound out;
    out.session = c.session;
    if (x.exec_type == ExecType::cancel_rejected) {
      out.cancel_reject = true;
      auto& r = out.reject;
      r.cl_ord_id = c.text(x.client_order_id);
      r.orig_cl_ord_id = c.text(x.orig_client_order_id);
      const BookOrder* live = v.find_by_client_id(x.account, x.orig_client_order_id);
      r.ord_status = live ? live_status(live->filled_lots) : '8';
      if (live) r.order_id = std::to_string(live->id);
      r.response_to = response_to;
      r.cxl_rej_reason = fix_cxl_rej_reason(x.reason);
      r.symbol = spec.symbol;
      r.text = to_string(x.reason);
      enqueue(std::move(out));
      continue;
    }
    auto& e = out.exec;
    e.order_id = x.order_id == kNoOrder ? std::string("NONE") : std::to_string(x.order_id);
    e.exec_id = "E" + std::to_string(next_exec_id_++);
    e.cl_ord_id = c.text(x.client_order_id);
    e.orig_cl_ord_id = c.text(x.orig_client_order_id);
    e.symbol = spec.symbol;
    e.side = fix_side(x.side);
    e.ord_type = x.type == OrderType::market ? '1' : '2';
    e.time_in_force = fix_tif(x.tif);
    e.order_qty = steps_text(x.order_lots, spec.lot_size);
    if (x.type == OrderType::limit && x.price_ticks > 0)
      e.price = steps_text(x.price_ticks, spec.tick_size);
    e.cum_qty = steps_text(x.cum_lots, spec.lot_size);
    e.leaves_qty = steps_text(x.leaves_lots, spec.lot_size);
    e.avg_px = x.cum_lots > 0 ? float_text(x.avg_price_ticks * spec.tick_size_d) : "0";
    switch (x.exec_type) {
      case ExecType::new_order:
        e.exec_type = '0';
        e.ord_status = live_status(x.cum_lots);
        break;
      case ExecType::partial_fill:
      case ExecType::fill:
        e.exec_type = 'F';
        e.ord_status = x.leaves_lots > 0 ? '1' : '2';
        e.last_qty = steps_text(x.last_lots, spec.lot_size);
        e.last_px = steps_text(x.last_price_ticks, spec.tick_size);
        e.commission = float_text(x.fee);
        break;
      case ExecType::canceled:
        e.exec_type = '4';
        e.ord_status = '4';
        e.leaves_qty = "0";
        if (x.reason != RejectReason::none) e.text = to_string(x.reason);
        break;
      case ExecType::replaced:
        e.exec_type = '5';
        e.ord_status = live_status(x.cum_lots);
        break;
      case ExecType::restated:
        e.exec_type = 'D';
        e.ord_status = live_status(x.cum_lots);
        if (x.reason != RejectReason::none) e.text = to_string(x.reason);
        break;
      case ExecType::rejected:
        e.exec_type = '8';
        e.ord_status = '8';
        e.leaves_qty = "0";
        e.ord_rej_reason = fix_ord_rej_reason(x.reason);
        e.text = to_string(x.reason);
        break;
      case ExecType::expired:
        e.exec_type = 'C';
        e.ord_status = 'C';
        e.leaves_qty = "0";
        break;
      case ExecType::cancel_rejected:
        break;  // handled above
    }
    enqueue(std::move(out));
  }
  v.clear_events();
}

void VenueFixServer::enqueue(Outbound&& out) {
  {
    std::lock_guard lock(out_mu_);
    out_.push_back(std::move(out));
  }
  out_cv_.notify_one();
}

void VenueFixServer::sender_loop() {
  std::deque<Outbound> batch;
  for (;;) {
    {
      std::unique_lock lock(out_mu_);
      out_cv_.wait(lock, [this] { return stopping_ || !out_.empty(); });
      if (out_.empty() && stopping_) return;
      batch.swap(out_);
    }
    for (const Outbound& o : batch) {
      const bool ok = o.cancel_reject ? acceptor_->send(o.session, o.reject)
                                      : acceptor_->send(o.session, o.exec);
      (ok ? sent_ : send_failures_).fetch_add(1, std::memory_order_relaxed);
    }
    batch.clear();
  }
}

}  // namespace ballast::venue
