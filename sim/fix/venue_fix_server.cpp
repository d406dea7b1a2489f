// VenueFixServer: FIX order entry in front of the VenueSimulation (see the header).
#include "venue_fix_server.hpp"

#include "venue_fix_text.hpp"

namespace ballast::venue {

using namespace fix_text;

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
      return 99;  // Other, "injected fault" (docs/fix-dialect.md)
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
  publish_md_locked();
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
  snapshot_all_locked(*slot);  // subscriptions survive reconnects; a snapshot follows
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
      case 'H':
        ++counters_.status_requests;
        v = status_request(*it->second, order);
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
      w.side = Side::buy;
      break;
    case '2':
    case '5':
    case '6':
      w.side = Side::sell;
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
  ++counters_.rejects;
  if (why == RejectReason::duplicate_client_order_id) ++counters_.duplicate_ids;
  Outbound out;
  out.session = c.session;
  auto& e = out.exec;
  e.exec_id = next_unique_id('E');
  e.cl_ord_id = o.cl_ord_id;
  e.exec_type = '8';
  e.ord_status = '8';
  e.symbol = o.symbol;
  e.side = o.side;
  e.order_qty = o.qty;
  e.ord_rej_reason = fix_ord_rej_reason(why);
  e.text = to_string(why);
  remember(c, c.intern(o.cl_ord_id), e);
  enqueue(std::move(out));
}

void VenueFixServer::reject_cancel(Client& c, const InboundOrder& o, char response_to,
                                   RejectReason why) {
  Outbound out;
  out.session = c.session;
  out.kind = OutKind::cancel_reject;
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
      out.kind = OutKind::cancel_reject;
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
    e.exec_id = next_unique_id('E');
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
        ++counters_.rejects;
        if (x.reason == RejectReason::duplicate_client_order_id) ++counters_.duplicate_ids;
        e.exec_type = '8';
        e.ord_status = '8';
        e.leaves_qty = "0";
        e.ord_rej_reason = fix_ord_rej_reason(x.reason);
        e.text = x.reason == RejectReason::injected_fault ? "injected fault" : to_string(x.reason);
        break;
      case ExecType::expired:
        e.exec_type = 'C';
        e.ord_status = 'C';
        e.leaves_qty = "0";
        break;
      case ExecType::cancel_rejected:
        break;  // handled above
    }
    remember(c, x.client_order_id, e);
    if (x.orig_client_order_id != 0 && x.orig_client_order_id != x.client_order_id)
      remember(c, x.orig_client_order_id, e);
    enqueue(std::move(out));
  }
  // Funding payments go out as FundingPayment (35=UF). Expiry settlements have no message
  // in the dialect: they show in the account (summary) and in the expired orders' reports.
  for (const CashEvent& ev : v.cash_events()) {
    auto it = by_account_.find(ev.account);
    if (it == by_account_.end() || ev.instrument >= u.instruments.size()) continue;
    Client& c = *it->second;
    if (ev.kind != CashEventKind::funding) {
      ++counters_.settlements;
      continue;
    }
    const InstrumentSpec& spec = u.instruments[ev.instrument];
    if (ev.amount >= 0.0)
      c.funding_received += ev.amount;
    else
      c.funding_paid -= ev.amount;
    ++c.funding_payments;
    ++counters_.funding_messages;
    Outbound out;
    out.session = c.session;
    out.kind = OutKind::funding;
    auto& f = out.funding;
    f.symbol = spec.symbol;
    f.funding_id = next_unique_id('F');
    f.amount = float_text(ev.amount);
    f.rate = rate_text(ev.rate);
    f.mark = float_text(ev.price);
    f.position = steps_text(ev.lots, spec.lot_size);
    f.transact_time = utc_text(ev.sim_ns);
    enqueue(std::move(out));
  }
  v.clear_events();
}

void VenueFixServer::remember(Client& c, std::uint64_t id, const venue_fix::OutboundExecution& e) {
  if (id == 0) return;
  venue_fix::OutboundExecution& slot = c.last_exec[id];
  slot = e;
  slot.last_qty.clear();
  slot.last_px.clear();
  slot.commission.clear();
}

InboundVerdict VenueFixServer::status_request(Client& c, const InboundOrder& o) {
  Outbound out;
  out.session = c.session;
  auto& e = out.exec;
  const auto id = c.ids.find(o.cl_ord_id);
  const auto known = id == c.ids.end() ? c.last_exec.end() : c.last_exec.find(id->second);
  if (known != c.last_exec.end()) {
    e = known->second;
    e.text.clear();
    e.ord_rej_reason = -1;
    if (e.ord_status == '8') e.ord_rej_reason = known->second.ord_rej_reason;
  } else {
    // Never reached the venue: 39=8 with 103=5 (unknown order).
    e.order_id = "NONE";
    e.cl_ord_id = o.cl_ord_id;
    e.ord_status = '8';
    e.symbol = o.symbol;
    e.side = o.side;
    e.ord_rej_reason = 5;
    e.text = "unknown order";
  }
  e.exec_type = 'I';
  e.exec_id = next_unique_id('E');
  e.status_req_id = o.status_req_id;
  enqueue(std::move(out));
  return {};
}

InboundVerdict VenueFixServer::on_positions_request(const std::string& session,
                                                    const venue_fix::InboundPositionRequest& r) {
  try {
    std::lock_guard lock(mu_);
    auto it = clients_.find(session);
    if (it == clients_.end()) return verdict(InboundVerdict::unsupported, 35);
    ++counters_.positions_requests;
    if (mute_positions_.load()) return {};  // the fault: no answer at all
    Outbound ack;
    ack.session = session;
    ack.kind = OutKind::positions_ack;
    ack.positions_ack.pos_req_id = r.pos_req_id;
    ack.positions_ack.pos_maint_rpt_id = next_unique_id('P');
    if (r.pos_req_type != "0") {
      ack.positions_ack.result = 4;  // request for positions type not supported
      ack.positions_ack.text = "only PosReqType=0 (positions) is served";
      enqueue(std::move(ack));
      return {};
    }
    const Universe& u = sim_.venue().universe();
    std::vector<Outbound> lines;
    for (std::size_t k = 0; k < u.instruments.size() && k < kMaxInstruments; ++k) {
      const auto i = static_cast<InstrumentId>(k);
      const InstrumentSpec& spec = u.instruments[i];
      const FuturesPosition& p = sim_.venue().position(it->second->account, i);
      if (!spec.is_derivative() || p.lots == 0) continue;
      Outbound line;
      line.session = session;
      line.kind = OutKind::position;
      venue_fix::OutboundPosition& o = line.position;
      o.pos_req_id = r.pos_req_id;
      o.pos_maint_rpt_id = ack.positions_ack.pos_maint_rpt_id;
      o.symbol = spec.symbol;
      const std::int64_t lots = p.lots < 0 ? -p.lots : p.lots;
      (p.lots > 0 ? o.long_qty : o.short_qty) = steps_text(lots, spec.lot_size);
      (p.lots > 0 ? o.short_qty : o.long_qty) = "0";
      o.avg_px = float_text(p.entry_price);
      lines.push_back(std::move(line));
    }
    ack.positions_ack.total_reports = static_cast<int>(lines.size());
    ack.positions_ack.result = lines.empty() ? 2 : 0;  // 2: no positions found
    enqueue(std::move(ack));
    for (Outbound& line : lines) {
      line.position.total_reports = static_cast<int>(lines.size());
      enqueue(std::move(line));
    }
    return {};
  } catch (const std::exception&) {
    return verdict(InboundVerdict::unsupported, 35);
  }
}

InboundVerdict VenueFixServer::on_market_data_request(
    const std::string& session, const venue_fix::InboundMarketDataRequest& r) {
  try {
    std::lock_guard lock(mu_);
    auto it = clients_.find(session);
    if (it == clients_.end()) return verdict(InboundVerdict::unsupported, 35);
    Client& c = *it->second;
    ++counters_.md_requests;
    if (r.subscription_type != '0' && r.subscription_type != '1' && r.subscription_type != '2') {
      ++counters_.malformed;
      return verdict(InboundVerdict::bad_value, 263);
    }
    const Universe& u = sim_.venue().universe();
    std::vector<InstrumentId> ids;
    for (const std::string& sym : r.symbols) {
      const InstrumentId i = u.find_instrument(sym);
      if (i == kNoInstrument || i >= kMaxInstruments) {
        // The whole request is refused: nothing subscribed, one reject naming the symbol.
        ++counters_.md_rejects;
        Outbound out;
        out.session = c.session;
        out.kind = OutKind::md_reject;
        out.md_reject.md_req_id = r.md_req_id;
        out.md_reject.reason = '0';
        out.md_reject.text = "unknown symbol " + sym;
        enqueue(std::move(out));
        return {};
      }
      ids.push_back(i);
    }
    for (const InstrumentId i : ids) {
      Client::MdSub& sub = c.md[i];
      if (r.subscription_type == '2') {
        sub = Client::MdSub{};
        continue;
      }
      if (r.subscription_type == '1') {
        sub.active = true;
        sub.req_id = r.md_req_id;
      }
      if (!sim_.faults().feed_frozen(i)) {
        // A snapshot per symbol; for '0' (snapshot only) just that.
        if (r.subscription_type == '0') {
          Client::MdSub saved = sub;
          sub.req_id = r.md_req_id;
          send_md_locked(c, i, false);
          if (saved.active) {
            saved.last = sub.last;
            saved.sent = sub.sent;
          }
          sub = saved;
        } else {
          send_md_locked(c, i, false);
        }
      }
    }
    return {};
  } catch (const std::exception&) {
    return verdict(InboundVerdict::unsupported, 35);
  }
}

std::vector<VenueClientSummary> VenueFixServer::clients() const {
  std::lock_guard lock(mu_);
  std::vector<VenueClientSummary> out;
  const SimulatedVenue& v = sim_.venue();
  const Universe& u = v.universe();
  for (const auto& kv : clients_) {
    const Client& c = *kv.second;
    const Account& a = v.account(c.account);
    VenueClientSummary s;
    s.session = c.session;
    s.account = c.account;
    s.logged_on = c.logged_on;
    s.cash = a.portfolio.cash;
    s.fees_paid = a.fees_paid;
    s.funding_received = c.funding_received;
    s.funding_paid = c.funding_paid;
    s.funding_payments = c.funding_payments;
    s.settled_pnl = a.settled_pnl;
    for (std::size_t i = 0; i < u.instruments.size() && i < kMaxInstruments; ++i) {
      const std::int64_t lots = a.portfolio.positions[i].lots;
      if (lots != 0)
        s.positions.push_back({u.instruments[i].symbol, lots_to_contracts(u.instruments[i], lots)});
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string VenueFixServer::apply_fault(const FaultCommand& cmd) {
  using Kind = FaultCommand::Kind;
  if (cmd.kind == Kind::drop) {
    const int n = acceptor_->drop_all();
    std::lock_guard lock(mu_);
    ++counters_.faults;
    counters_.drops += static_cast<std::uint64_t>(n);
    return {};
  }
  if (cmd.kind == Kind::mute_positions || cmd.kind == Kind::clear)
    mute_positions_.store(cmd.kind == Kind::mute_positions);
  if (cmd.kind == Kind::delay || cmd.kind == Kind::clear) {
    {
      std::lock_guard lock(out_mu_);
      // Capped at 30 days so queued + delay cannot overflow the clock.
      const std::int64_t ms = std::min<std::int64_t>(cmd.delay_ms, 2'592'000'000);
      delay_ms_.store(cmd.kind == Kind::delay ? ms : 0);
    }
    out_cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  const Universe& u = sim_.venue().universe();
  FaultInjector& f = sim_.faults();
  InstrumentId one = kNoInstrument;
  if (!cmd.symbol.empty()) {
    one = u.find_instrument(cmd.symbol);
    if (one == kNoInstrument || one >= kMaxInstruments) return "unknown symbol " + cmd.symbol;
  }
  const std::size_t n = std::min(u.instruments.size(), kMaxInstruments);
  switch (cmd.kind) {
    case Kind::reject:
      f.reject_next(cmd.count);
      break;
    case Kind::widen:
      f.widen_spreads(cmd.factor);
      break;
    case Kind::freeze:
      if (one == kNoInstrument)
        f.freeze_all(true);
      else
        f.freeze_feed(one, true);
      break;
    case Kind::unfreeze:
    case Kind::clear: {
      std::vector<InstrumentId> thawed;
      for (std::size_t k = 0; k < n; ++k) {
        const auto i = static_cast<InstrumentId>(k);
        if (f.feed_frozen(i) && (one == kNoInstrument || one == i)) thawed.push_back(i);
      }
      if (cmd.kind == Kind::clear) {
        f.clear();
      } else {
        for (const InstrumentId i : thawed) f.freeze_feed(i, false);
      }
      for (const InstrumentId i : thawed) snapshot_symbol_locked(i);  // a snapshot first
      break;
    }
    case Kind::delay:
    case Kind::drop:
    case Kind::mute_positions:
      break;
  }
  ++counters_.faults;
  return {};
}

void VenueFixServer::enqueue(Outbound&& out) {
  out.queued = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(out_mu_);
    out_.push_back(std::move(out));
  }
  out_cv_.notify_one();
}

// Hands the queue to QuickFIX in order, holding each message until `delay_ms_` after it
// was queued (the `delay` fault; setting it to 0 releases everything held).
void VenueFixServer::sender_loop() {
  std::deque<Outbound> batch;
  for (;;) {
    {
      std::unique_lock lock(out_mu_);
      out_cv_.wait(lock, [this] { return stopping_ || !out_.empty(); });
      if (out_.empty() && stopping_) return;
      const auto delay = std::chrono::milliseconds(delay_ms_.load());
      const auto now = std::chrono::steady_clock::now();
      if (!stopping_ && delay.count() > 0 && out_.front().queued + delay > now) {
        out_cv_.wait_until(lock, out_.front().queued + delay);
        continue;  // re-evaluate: the delay may have changed
      }
      while (!out_.empty() &&
             (stopping_ || delay.count() <= 0 || out_.front().queued + delay <= now)) {
        batch.push_back(std::move(out_.front()));
        out_.pop_front();
      }
    }
    for (const Outbound& o : batch) {
      bool ok = false;
      switch (o.kind) {
        case OutKind::exec:
          ok = acceptor_->send(o.session, o.exec);
          break;
        case OutKind::cancel_reject:
          ok = acceptor_->send(o.session, o.reject);
          break;
        case OutKind::market_data:
          ok = acceptor_->send(o.session, o.md);
          break;
        case OutKind::md_reject:
          ok = acceptor_->send(o.session, o.md_reject);
          break;
        case OutKind::funding:
          ok = acceptor_->send(o.session, o.funding);
          break;
        case OutKind::positions_ack:
          ok = acceptor_->send(o.session, o.positions_ack);
          break;
        case OutKind::position:
          ok = acceptor_->send(o.session, o.position);
          break;
      }
      (ok ? sent_ : send_failures_).fetch_add(1, std::memory_order_relaxed);
    }
    batch.clear();
  }
}

}  // namespace ballast::venue
