// FixOrderGateway::ReportMapper: execution reports, cancel and business rejects and
// funding messages into ExecReports for the engine, exactly (lots and ticks), de-duplicated.
#include "fix_gateway_parts.hpp"

namespace ballast::gateways {

using namespace fix_fields;

fix::InboundVerdict FixOrderGateway::ReportMapper::on_funding(const fix::InboundFunding& in) {
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

void FixOrderGateway::ReportMapper::end_positions() noexcept {
  ExecReport end;
  end.recv_tsc = TscClock::now();
  end.kind = ExecKind::positions_end;
  end.venue = g_.options_.venue;
  end.client_order_id = positions_request_;
  end.cum_lots = positions_passed_;  // the lines the engine got: it checks the count
  g_.push_report(end);
  reset_positions();
}

fix::InboundVerdict FixOrderGateway::ReportMapper::on_position(const fix::InboundPosition& in) {
  std::uint64_t req = 0;
  if (!in.pos_req_id.present()) return missing(710);
  const std::string_view id = view(in.pos_req_id);
  constexpr std::string_view kPrefix = "BALLAST-POS-";
  if (id.substr(0, kPrefix.size()) != kPrefix || !parse_id(id.substr(kPrefix.size()), req))
    return bad(710);
  if (req != g_.positions_req_seq_.load(std::memory_order_acquire)) {
    g_.counters_.ignored.fetch_add(1, std::memory_order_relaxed);  // an older request's
    return refuse(fix::InboundVerdict::ignored, 710);
  }
  if (in.msg_type == 'O') {
    const std::string_view result = view(in.result);
    if (result != "0" && result != "2") {
      g_.counters_.positions_refused.fetch_add(1, std::memory_order_relaxed);
      g_.problem_.set({"positions request refused", "PosReqResult", result,
                       in.text.present() ? view(in.text) : "no text"});
      reset_positions();
      return {};
    }
    std::uint64_t total = 0;
    if (result == "0" && (!in.total_reports.present() || !parse_id(view(in.total_reports), total)))
      return in.total_reports.present() ? bad(727) : missing(727);
    positions_expected_ = static_cast<std::int64_t>(total);
    positions_seen_ = 0;
    positions_passed_ = 0;
    positions_request_ = req;
    if (total == 0) end_positions();
    return {};
  }
  if (positions_expected_ < 0) return refuse(fix::InboundVerdict::ignored, 710);  // no AO
  if (!in.symbol.present()) return missing(55);
  ExecReport r;
  r.recv_tsc = TscClock::now();
  r.kind = ExecKind::position;
  r.venue = g_.options_.venue;
  r.client_order_id = req;
  r.instrument = g_.universe_.find_instrument(view(in.symbol));
  std::int64_t long_lots = 0, short_lots = 0;
  if (r.instrument != kNoInstrument) {
    const Decimal& lot = g_.universe_.instruments[r.instrument].lot_size;
    if (in.long_qty.present() && !to_lots(view(in.long_qty), lot, long_lots)) return bad(704);
    if (in.short_qty.present() && !to_lots(view(in.short_qty), lot, short_lots)) return bad(705);
    if (in.avg_px.present() && !parse_fix_double(view(in.avg_px), r.entry_price)) return bad(5707);
    r.cum_lots = long_lots - short_lots;
    g_.counters_.position_reports.fetch_add(1, std::memory_order_relaxed);
    g_.push_report(r);
    ++positions_passed_;
  } else {
    // Held there, unknown here: the engine cannot hedge with it; said, not applied.
    g_.problem_.set({"venue holds a position in", view(in.symbol), "not in the universe"});
    g_.counters_.md_unknown_symbol.fetch_add(1, std::memory_order_relaxed);
  }
  if (++positions_seen_ >= positions_expected_) end_positions();
  return {};
}

fix::InboundVerdict FixOrderGateway::ReportMapper::on_report(const fix::InboundReport& in) {
  if (in.msg_type == 'j' && view(in.ref_msg_type) == "AN") {
    // The venue does not answer RequestForPositions: the engine keeps it out of sync.
    g_.counters_.positions_refused.fetch_add(1, std::memory_order_relaxed);
    g_.problem_.set(
        {"positions request refused", "BusinessMessageReject", view(in.business_reject_reason)});
    return refuse(fix::InboundVerdict::ignored, 372);
  }
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
    // ExecID with the order's id: a venue that reuses ExecIDs across days or sessions
    // cannot make a new fill look like an old one.
    if (in.msg_type == '8' && (r.kind == ExecKind::fill || r.kind == ExecKind::partial_fill) &&
        in.exec_id.present() && in.exec_id.size > 0) {
      const std::uint64_t id = exec_id_of(in.exec_id.data, in.exec_id.size) ^
                               (r.client_order_id * 0x9E3779B97F4A7C15ULL);
      r.exec_id = id == 0 ? 1 : id;
    }
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

fix::InboundVerdict FixOrderGateway::ReportMapper::funding(const fix::InboundFunding& in,
                                                           ExecReport& r) noexcept {
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

fix::InboundVerdict FixOrderGateway::ReportMapper::execution_report(const fix::InboundReport& in,
                                                                    ExecReport& r) noexcept {
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
    if (!to_lots(view(in.last_qty), spec.lot_size, r.last_lots) || r.last_lots <= 0) return bad(32);
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

// The order a cancel or replace referred to is unchanged: an ack carrying the flag.
fix::InboundVerdict FixOrderGateway::ReportMapper::cancel_reject(const fix::InboundReport& in,
                                                                 ExecReport& r) noexcept {
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
fix::InboundVerdict FixOrderGateway::ReportMapper::business_reject(const fix::InboundReport& in,
                                                                   ExecReport& r) noexcept {
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

// ExecType=I: where the order stands. The venue's answer for an order it does not know
// (39=8, 103=5) may leave out what it cannot know (symbol, side, quantities).
fix::InboundVerdict FixOrderGateway::ReportMapper::status_report(const fix::InboundReport& in,
                                                                 char ord_status,
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

}  // namespace ballast::gateways
