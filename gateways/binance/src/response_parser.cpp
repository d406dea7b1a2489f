#include "ballast/binance/response_parser.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>
#include <new>

#include "ballast/binance/wire_numbers.hpp"
#include "ballast/core/recent_fill_ids.hpp"
#include "response_fields.hpp"

namespace ballast::binance {

namespace od = simdjson::ondemand;

std::uint16_t binance_reject_code(std::uint16_t flag, std::int64_t code) noexcept {
  const std::int64_t magnitude = code < 0 ? -code : code;
  if (magnitude == 0 || magnitude >= kBinanceErrorCodeMask)
    return static_cast<std::uint16_t>(flag | kBinanceErrorCodeMask);
  return static_cast<std::uint16_t>(flag | static_cast<std::uint16_t>(magnitude));
}

int binance_error_code(std::uint16_t reject_code) noexcept {
  const int magnitude = reject_code & kBinanceErrorCodeMask;
  return magnitude == kBinanceErrorCodeMask ? 0 : -magnitude;
}

// ---- BinanceResponseParser --------------------------------------------------------------

namespace {

enum class VenueOrderStatus : std::uint8_t {
  new_order,
  partially_filled,
  filled,
  canceled,
  expired,
  rejected,
  other
};

VenueOrderStatus order_status(std::string_view s) noexcept {
  if (s == "NEW") return VenueOrderStatus::new_order;
  if (s == "PARTIALLY_FILLED") return VenueOrderStatus::partially_filled;
  if (s == "FILLED") return VenueOrderStatus::filled;
  if (s == "CANCELED") return VenueOrderStatus::canceled;
  if (s == "EXPIRED" || s == "EXPIRED_IN_MATCH") return VenueOrderStatus::expired;
  if (s == "REJECTED") return VenueOrderStatus::rejected;
  return VenueOrderStatus::other;
}

OrderStatus to_order_status(VenueOrderStatus s) noexcept {
  switch (s) {
    case VenueOrderStatus::new_order:
    case VenueOrderStatus::partially_filled:
      return OrderStatus::open;
    case VenueOrderStatus::filled:
      return OrderStatus::filled;
    case VenueOrderStatus::canceled:
      return OrderStatus::canceled;
    case VenueOrderStatus::expired:
      return OrderStatus::expired;
    case VenueOrderStatus::rejected:
      return OrderStatus::rejected;
    case VenueOrderStatus::other:
      break;
  }
  return OrderStatus::unknown;
}

bool parse_client_order_id(std::string_view text, std::uint64_t& out) noexcept {
  if (text.empty() || text.size() > 20) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool parse_side(std::string_view s, Side& out) noexcept {
  if (s == "BUY")
    out = Side::buy;
  else if (s == "SELL")
    out = Side::sell;
  else
    return false;
  return true;
}

}  // namespace

BinanceResponseParser::BinanceResponseParser(const BinanceSymbolMap& symbols,
                                             ResponseParserOptions options)
    : symbols_(symbols), options_(options), parser_(kMaxMessageBytes) {
  if (parser_.allocate(kMaxMessageBytes) != simdjson::SUCCESS) throw std::bad_alloc();
}

ResponseResult BinanceResponseParser::finish(ResponseResult r) noexcept {
  switch (r) {
    case ResponseResult::malformed:
      ++counters_.malformed;
      break;
    case ResponseResult::unknown_request:
      ++counters_.unknown_request;
      break;
    case ResponseResult::unsupported:
      ++counters_.unsupported;
      break;
    default:
      break;
  }
  return r;
}

ResponseResult BinanceResponseParser::parse_response(const char* data, std::size_t length,
                                                     std::int64_t now_ms, ExecReport* out,
                                                     std::size_t& count) noexcept {
  count = 0;
  ++counters_.responses;
  last_error_code_ = 0;
  if (length > kMaxMessageBytes) return finish(ResponseResult::malformed);
  od::document doc;
  if (parser_.iterate(data, length, length + kPadding).get(doc))
    return finish(ResponseResult::malformed);
  od::object top;
  if (doc.get_object().get(top)) return finish(ResponseResult::malformed);
  ResponseFields f;
  f.position_lines = position_lines_.data();
  f.symbols = &symbols_;
  f.position_capacity = position_lines_.size();
  if (!collect_response(top, f) || !f.has_status || !f.has_id)
    return finish(ResponseResult::malformed);

  // The venue's counters apply whatever the response says about the request.
  for (std::size_t i = 0; i < f.limit_count; ++i)
    apply_rate_limit(f.limits[i].type, f.limits[i].interval, f.limits[i].interval_num,
                     f.limits[i].limit, f.limits[i].count, now_ms);
  const auto request = f.id_is_string ? parse_request_id(f.id) : std::nullopt;
  ResponseResult result = ResponseResult::no_report;
  if (f.status == 200) {
    if (!f.has_result) return finish(ResponseResult::malformed);
    if (!request) return finish(ResponseResult::unknown_request);
    last_request_ = *request;
    switch (request->kind) {
      case BinanceRequestKind::place:
      case BinanceRequestKind::cancel:
      case BinanceRequestKind::modify:
      case BinanceRequestKind::status:
        if (!f.result.is_object) return finish(ResponseResult::malformed);
        result = order_result(f.result, out, count);
        break;
      case BinanceRequestKind::user_data_stream_start:
        // It goes into the user stream's request path: letters and digits only (Binance's
        // are 64), never a '/', '?', '%', space or control byte a hostile peer slipped in.
        if (f.result.listen_key.empty() || f.result.listen_key.size() > listen_key_.size() ||
            !std::all_of(f.result.listen_key.begin(), f.result.listen_key.end(), [](char c) {
              return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            }))
          return finish(ResponseResult::malformed);
        std::memcpy(listen_key_.data(), f.result.listen_key.data(), f.result.listen_key.size());
        listen_key_length_ = f.result.listen_key.size();
        break;
      case BinanceRequestKind::depth:
        break;  // BinanceMarketDataParser::parse_depth_snapshot reads it
      case BinanceRequestKind::positions:
        if (!f.result_is_array || f.positions_overflow) return finish(ResponseResult::malformed);
        result = positions_result(f, request->value);
        break;
    }
  } else {
    ++counters_.errors;
    if (!f.has_error || !f.has_code) return finish(ResponseResult::malformed);
    result = error_result(f.code, f.status, f.retry_after_ms, request, now_ms, out, count);
  }
  counters_.reports += count;
  return finish(count > 0 ? ResponseResult::reports : result);
}

void BinanceResponseParser::apply_rate_limit(std::string_view type_text,
                                             std::string_view interval_text,
                                             std::int64_t interval_num, std::int64_t limit,
                                             std::int64_t used, std::int64_t now_ms) noexcept {
  RateLimitType type;
  if (type_text == "REQUEST_WEIGHT")
    type = RateLimitType::request_weight;
  else if (type_text == "ORDERS")
    type = RateLimitType::orders;
  else if (type_text == "RAW_REQUESTS")
    type = RateLimitType::raw_requests;
  else
    return;
  std::int64_t unit_ms = 0;
  if (interval_text == "SECOND")
    unit_ms = 1000;
  else if (interval_text == "MINUTE")
    unit_ms = 60'000;
  else if (interval_text == "HOUR")
    unit_ms = 3'600'000;
  else if (interval_text == "DAY")
    unit_ms = 86'400'000;
  else
    return;
  if (interval_num <= 0 || interval_num > 1000) return;
  rate_limits_.update(type, unit_ms * interval_num, limit, used, now_ms);
}

ResponseResult BinanceResponseParser::order_result(const BinanceOrderFields& o, ExecReport* out,
                                                   std::size_t& count) noexcept {
  if (o.symbol.empty() || o.status.empty() || o.avg_price.empty() || o.orig_qty.empty() ||
      o.executed_qty.empty() || o.side.empty())
    return ResponseResult::malformed;
  const InstrumentId instrument = symbols_.find(o.symbol);
  if (instrument == kNoInstrument) return ResponseResult::malformed;
  const Decimal& lot = symbols_.lot_size(instrument);
  const auto orig_lots = wire_decimal_to_steps_exact(o.orig_qty, lot);
  const auto cum_lots = wire_decimal_to_steps_exact(o.executed_qty, lot);
  if (!orig_lots || !cum_lots || *cum_lots < 0 || *cum_lots > *orig_lots) {
    ++counters_.not_whole_lots;
    return ResponseResult::malformed;
  }
  std::int64_t avg_ticks = 0;
  if (*cum_lots > 0) {
    const auto nearest = wire_decimal_to_steps_nearest(o.avg_price, symbols_.tick_size(instrument));
    if (!nearest || nearest->steps <= 0) return ResponseResult::malformed;
    if (!nearest->exact) ++counters_.off_tick_prices;
    avg_ticks = nearest->steps;
  }
  ExecReport base;
  base.client_order_id = last_request_.value;
  base.instrument = instrument;
  if (!parse_side(o.side, base.side)) return ResponseResult::malformed;
  base.cum_lots = *cum_lots;
  base.leaves_lots = *orig_lots - *cum_lots;
  const VenueOrderStatus status = order_status(o.status);
  if (status == VenueOrderStatus::other) return ResponseResult::unsupported;

  switch (last_request_.kind) {
    case BinanceRequestKind::status: {
      ExecReport& r = out[count++];
      r = base;
      r.kind = ExecKind::status;
      r.status = to_order_status(status);
      r.last_price_ticks = avg_ticks;
      if (status != VenueOrderStatus::new_order && status != VenueOrderStatus::partially_filled)
        r.leaves_lots = 0;
      return ResponseResult::reports;
    }
    case BinanceRequestKind::modify: {
      // Fills a modify causes arrive on the user-data stream.
      ExecReport& r = out[count++];
      r = base;
      r.kind = ExecKind::ack;
      return ResponseResult::reports;
    }
    case BinanceRequestKind::cancel: {
      ExecReport& r = out[count++];
      r = base;
      r.kind = status == VenueOrderStatus::canceled ? ExecKind::canceled : ExecKind::ack;
      if (r.kind == ExecKind::canceled) r.leaves_lots = 0;
      return ResponseResult::reports;
    }
    default:
      break;
  }
  // order.place with RESULT: what the order did in the match, in one reply.
  const bool done =
      status != VenueOrderStatus::new_order && status != VenueOrderStatus::partially_filled;
  if (*cum_lots > 0) {
    ExecReport& fill = out[count++];
    fill = base;
    fill.last_lots = *cum_lots;
    fill.last_price_ticks = avg_ticks;
    fill.kind = status == VenueOrderStatus::filled ? ExecKind::fill : ExecKind::partial_fill;
    if (done && status == VenueOrderStatus::filled) fill.leaves_lots = 0;
  }
  if (status == VenueOrderStatus::new_order) {
    ExecReport& r = out[count++];
    r = base;
    r.kind = ExecKind::ack;
  } else if (status == VenueOrderStatus::canceled || status == VenueOrderStatus::expired ||
             status == VenueOrderStatus::rejected) {
    ExecReport& r = out[count++];
    r = base;
    r.leaves_lots = 0;
    r.kind = status == VenueOrderStatus::canceled  ? ExecKind::canceled
             : status == VenueOrderStatus::expired ? ExecKind::expired
                                                   : ExecKind::rejected;
    if (r.kind == ExecKind::rejected) r.reject_code = binance_reject_code(kBinanceRejectOrder, 0);
  }
  return ResponseResult::reports;
}

ResponseResult BinanceResponseParser::error_result(std::int64_t code, std::int64_t status,
                                                   std::int64_t retry_after_ms,
                                                   std::optional<BinanceRequestId> request,
                                                   std::int64_t now_ms, ExecReport* out,
                                                   std::size_t& count) noexcept {
  last_error_code_ = static_cast<int>(code < INT_MIN ? INT_MIN : (code > INT_MAX ? INT_MAX : code));
  const bool rate_limited = status == 429 || status == 418 ||
                            code == kBinanceErrorTooManyRequests ||
                            code == kBinanceErrorTooManyOrders;
  if (rate_limited) {
    ++counters_.rate_limited;
    rate_limits_.back_off_until(retry_after_ms > now_ms ? retry_after_ms
                                                        : now_ms + options_.default_backoff_ms);
  }
  if (!request) return ResponseResult::unknown_request;
  last_request_ = *request;
  ExecReport r;
  r.client_order_id = request->value;
  switch (request->kind) {
    case BinanceRequestKind::place:
      r.kind = ExecKind::rejected;
      r.reject_code = binance_reject_code(kBinanceRejectOrder, code);
      break;
    case BinanceRequestKind::cancel:
    case BinanceRequestKind::modify:
      r.kind = ExecKind::ack;
      r.reject_code = binance_reject_code(kBinanceRejectCancel, code);
      break;
    case BinanceRequestKind::status:
      // Only "no such order" says where the order stands: it never reached the venue.
      if (code != kBinanceErrorNoSuchOrder) return ResponseResult::no_report;
      r.kind = ExecKind::status;
      r.status = OrderStatus::unknown;
      break;
    default:
      return ResponseResult::no_report;
  }
  out[count++] = r;
  return ResponseResult::reports;
}

// account.position: a line per position in the universe (signed lots, entry price), then
// the end. A quantity off the lot grid refuses the whole answer: half an answer would be
// taken as "flat" for what it left out. The gateway stamps the venue.
ResponseResult BinanceResponseParser::positions_result(const ResponseFields& f,
                                                       std::uint64_t request_id) noexcept {
  counters_.foreign_positions += f.foreign_positions;
  ExecReport* out = position_reports_.data();
  std::size_t n = 0;
  for (std::size_t k = 0; k < f.position_count; ++k) {
    const BinancePositionLine& line = f.position_lines[k];
    const InstrumentId i = symbols_.find(line.symbol);
    if (i == kNoInstrument) {
      ++counters_.foreign_positions;
      continue;
    }
    const auto lots = wire_decimal_to_steps_exact(line.amount, symbols_.lot_size(i));
    if (!lots) {
      ++counters_.not_whole_lots;
      return ResponseResult::malformed;
    }
    ExecReport& r = out[n++];
    r = ExecReport{};
    r.kind = ExecKind::position;
    r.client_order_id = request_id;
    r.instrument = i;
    r.cum_lots = *lots;
    if (const auto entry = parse_wire_double(line.entry)) r.entry_price = *entry;
  }
  ExecReport& end = out[n++];
  end = ExecReport{};
  end.kind = ExecKind::positions_end;
  end.client_order_id = request_id;
  end.cum_lots = static_cast<std::int64_t>(n - 1);
  position_report_count_ = n;
  ++counters_.position_answers;
  return ResponseResult::positions;
}

// ACCOUNT_UPDATE with reason FUNDING_FEE: the balance change of a quote asset we trade
// becomes ExecKind::funding (fee = amount paid, negative = received). Binance names the
// position only for an isolated one (P); a cross position's funding comes with the balance
// alone, so the report's instrument is then kNoInstrument (the engine books funding to the
// account's cash either way). Other reasons (deposits, transfers, the balance side of a
// trade) say nothing the order and fill reports did not.
ResponseResult BinanceResponseParser::funding_result(const ResponseFields& f, ExecReport* out,
                                                     std::size_t& count) noexcept {
  if (!f.has_account) return finish(ResponseResult::malformed);
  if (f.reason != "FUNDING_FEE") return finish(ResponseResult::no_report);
  InstrumentId instrument = kNoInstrument;
  if (!f.position_symbol.empty()) {
    instrument = symbols_.find(f.position_symbol);
    if (instrument == kNoInstrument) {
      ++counters_.foreign_orders;
      return finish(ResponseResult::no_report);
    }
  }
  auto ours = [&](std::string_view asset) {
    if (instrument != kNoInstrument) return asset == symbols_.quote_asset(instrument);
    for (InstrumentId id : symbols_.instruments())
      if (asset == symbols_.quote_asset(id)) return true;
    return false;
  };
  for (std::size_t i = 0; i < f.balance_count; ++i) {
    if (!ours(f.balances[i].asset)) continue;
    const auto amount = parse_wire_double(f.balances[i].change);
    if (!amount) return finish(ResponseResult::malformed);
    ExecReport r;
    r.kind = ExecKind::funding;
    r.instrument = instrument;
    r.fee = -*amount;
    out[count++] = r;
    ++counters_.reports;
    ++counters_.funding_events;
    return ResponseResult::reports;
  }
  ++counters_.fee_other_asset;
  return finish(ResponseResult::no_report);
}

ResponseResult BinanceResponseParser::parse_user_data(const char* data, std::size_t length,
                                                      ExecReport* out,
                                                      std::size_t& count) noexcept {
  count = 0;
  ++counters_.user_data_events;
  if (length > kMaxMessageBytes) return finish(ResponseResult::malformed);
  od::document doc;
  if (parser_.iterate(data, length, length + kPadding).get(doc))
    return finish(ResponseResult::malformed);
  od::object top;
  if (doc.get_object().get(top)) return finish(ResponseResult::malformed);
  ResponseFields f;
  if (!collect_user_data(top, f) || f.event.empty()) return finish(ResponseResult::malformed);
  if (f.event == "ACCOUNT_UPDATE") return funding_result(f, out, count);
  if (f.event != "ORDER_TRADE_UPDATE") return finish(ResponseResult::unsupported);
  const BinanceOrderFields& o = f.result;
  if (!f.has_order || !o.is_object || o.symbol.empty() || o.client_order_id.empty() ||
      o.side.empty() || o.orig_qty.empty() || o.exec_type.empty() || o.status.empty() ||
      o.last_qty.empty() || o.executed_qty.empty() || o.last_price.empty())
    return finish(ResponseResult::malformed);

  ExecReport r;
  if (!parse_client_order_id(o.client_order_id, r.client_order_id)) {
    ++counters_.foreign_orders;
    return finish(ResponseResult::no_report);
  }
  r.instrument = symbols_.find(o.symbol);
  if (r.instrument == kNoInstrument) {
    ++counters_.foreign_orders;
    return finish(ResponseResult::no_report);
  }
  if (!parse_side(o.side, r.side)) return finish(ResponseResult::malformed);
  const Decimal& lot = symbols_.lot_size(r.instrument);
  const auto orig_lots = wire_decimal_to_steps_exact(o.orig_qty, lot);
  const auto last_lots = wire_decimal_to_steps_exact(o.last_qty, lot);
  const auto cum_lots = wire_decimal_to_steps_exact(o.executed_qty, lot);
  if (!orig_lots || !last_lots || !cum_lots || *last_lots < 0 || *cum_lots < *last_lots ||
      *cum_lots > *orig_lots) {
    ++counters_.not_whole_lots;
    return finish(ResponseResult::malformed);
  }
  r.cum_lots = *cum_lots;
  r.leaves_lots = *orig_lots - *cum_lots;
  const VenueOrderStatus status = order_status(o.status);

  if (o.exec_type == "NEW" || o.exec_type == "AMENDMENT") {
    r.kind = ExecKind::ack;
  } else if (o.exec_type == "TRADE") {
    if (*last_lots <= 0) return finish(ResponseResult::malformed);
    const auto nearest =
        wire_decimal_to_steps_nearest(o.last_price, symbols_.tick_size(r.instrument));
    if (!nearest || nearest->steps <= 0) return finish(ResponseResult::malformed);
    if (!nearest->exact) ++counters_.off_tick_prices;
    r.last_lots = *last_lots;
    r.last_price_ticks = nearest->steps;
    r.kind = status == VenueOrderStatus::filled ? ExecKind::fill : ExecKind::partial_fill;
    if (o.has_trade_id) {  // trade ids are per symbol: the symbol is part of the id
      const std::uint64_t sym = exec_id_of(o.symbol.data(), o.symbol.size());
      const std::uint64_t id =
          sym ^ (static_cast<std::uint64_t>(o.trade_id) * 0x9E3779B97F4A7C15ULL);
      r.exec_id = id == 0 ? 1 : id;
    }
    if (!o.fee.empty() && !o.fee_asset.empty()) {
      if (o.fee_asset == symbols_.quote_asset(r.instrument)) {
        const auto amount = parse_wire_double(o.fee);
        if (!amount) return finish(ResponseResult::malformed);
        r.fee = *amount;
      } else {
        ++counters_.fee_other_asset;
      }
    }
  } else if (o.exec_type == "CANCELED") {
    r.kind = ExecKind::canceled;
    r.leaves_lots = 0;
  } else if (o.exec_type == "EXPIRED") {
    r.kind = ExecKind::expired;
    r.leaves_lots = 0;
  } else {
    return finish(ResponseResult::unsupported);  // CALCULATED (liquidation) and the like
  }
  out[count++] = r;
  ++counters_.reports;
  return ResponseResult::reports;
}

}  // namespace ballast::binance
