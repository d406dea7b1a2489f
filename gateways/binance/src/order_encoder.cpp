#include "ballast/binance/order_encoder.hpp"

#include <charconv>
#include <cstring>

namespace ballast::binance {

std::size_t write_request_id(BinanceRequestId id, char* out, std::size_t cap) noexcept {
  if (cap < 2) return 0;
  out[0] = static_cast<char>(id.kind);
  const auto [end, ec] = std::to_chars(out + 1, out + cap, id.value);
  if (ec != std::errc()) return 0;
  return static_cast<std::size_t>(end - out);
}

std::optional<BinanceRequestId> parse_request_id(std::string_view text) noexcept {
  if (text.size() < 2 || text.size() > kMaxRequestIdLength) return std::nullopt;
  BinanceRequestId id;
  switch (text[0]) {
    case 'p':
      id.kind = BinanceRequestKind::place;
      break;
    case 'c':
      id.kind = BinanceRequestKind::cancel;
      break;
    case 'm':
      id.kind = BinanceRequestKind::modify;
      break;
    case 's':
      id.kind = BinanceRequestKind::status;
      break;
    case 'd':
      id.kind = BinanceRequestKind::depth;
      break;
    case 'u':
      id.kind = BinanceRequestKind::user_data_stream_start;
      break;
    case 'a':
      id.kind = BinanceRequestKind::positions;
      break;
    default:
      return std::nullopt;
  }
  if (text[1] < '0' || text[1] > '9') return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), id.value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return id;
}

namespace {

// Appends to a bounded buffer; remembers when something did not fit.
struct Writer {
  char* out;
  std::size_t cap;
  std::size_t len = 0;
  bool overflow = false;
  void put(std::string_view s) noexcept {
    if (overflow || s.size() > cap - len) {
      overflow = true;
      return;
    }
    std::memcpy(out + len, s.data(), s.size());
    len += s.size();
  }
  void put(char c) noexcept { put(std::string_view(&c, 1)); }
};

std::string_view side_text(Side side) noexcept {
  return side == Side::buy ? "BUY" : "SELL";
}

}  // namespace

BinanceOrderEncoder::BinanceOrderEncoder(const BinanceSymbolMap& symbols,
                                         const ApiCredentials& credentials,
                                         BinanceOrderEncoderOptions options)
    : symbols_(symbols),
      api_key_(credentials.api_key),
      signer_(credentials.api_secret.reveal()),
      options_(options) {}

void BinanceOrderEncoder::begin() noexcept {
  param_count_ = 0;
  values_used_ = 0;
  overflow_ = false;
}

void BinanceOrderEncoder::add(std::string_view key, std::string_view value, bool quoted) noexcept {
  if (param_count_ == kMaxParams || value.empty()) {
    overflow_ = true;
    return;
  }
  params_[param_count_++] = Param{key, value, quoted};
}

std::string_view BinanceOrderEncoder::add_int(std::string_view key, std::int64_t value) noexcept {
  char* begin = values_.data() + values_used_;
  const auto [end, ec] = std::to_chars(begin, values_.data() + values_.size(), value);
  if (ec != std::errc()) {
    overflow_ = true;
    return {};
  }
  values_used_ += static_cast<std::size_t>(end - begin);
  const std::string_view text(begin, static_cast<std::size_t>(end - begin));
  add(key, text, false);
  return text;
}

std::string_view BinanceOrderEncoder::add_uint_string(std::string_view key,
                                                      std::uint64_t value) noexcept {
  char* begin = values_.data() + values_used_;
  const auto [end, ec] = std::to_chars(begin, values_.data() + values_.size(), value);
  if (ec != std::errc()) {
    overflow_ = true;
    return {};
  }
  values_used_ += static_cast<std::size_t>(end - begin);
  const std::string_view text(begin, static_cast<std::size_t>(end - begin));
  add(key, text, true);
  return text;
}

bool BinanceOrderEncoder::add_decimal(std::string_view key, std::int64_t steps,
                                      const Decimal& step) noexcept {
  if (steps <= 0) {
    overflow_ = true;
    return false;
  }
  char* begin = values_.data() + values_used_;
  const std::size_t n = write_steps_decimal(steps, step, begin, values_.size() - values_used_);
  if (n == 0) {
    overflow_ = true;
    return false;
  }
  values_used_ += n;
  add(key, std::string_view(begin, n), true);
  return true;
}

std::size_t BinanceOrderEncoder::finish(std::string_view method, BinanceRequestId id,
                                        bool signed_request, char* out, std::size_t cap) noexcept {
  if (overflow_) return 0;
  // Sorted by name: the signature payload must be, and the JSON may as well be.
  for (std::size_t i = 1; i < param_count_; ++i) {
    const Param p = params_[i];
    std::size_t j = i;
    while (j > 0 && params_[j - 1].key > p.key) {
      params_[j] = params_[j - 1];
      --j;
    }
    params_[j] = p;
  }
  char signature[HmacSha256Signer::kHexLength];
  payload_length_ = 0;
  if (signed_request) {
    Writer payload{payload_.data(), payload_.size()};
    for (std::size_t i = 0; i < param_count_; ++i) {
      if (i) payload.put('&');
      payload.put(params_[i].key);
      payload.put('=');
      payload.put(params_[i].value);
    }
    if (payload.overflow) return 0;
    payload_length_ = payload.len;
    signer_.sign_hex(last_signature_payload(), signature);
  }
  char id_text[kMaxRequestIdLength + 1];
  const std::size_t id_length = write_request_id(id, id_text, sizeof id_text);
  Writer w{out, cap};
  w.put(R"({"id":")");
  w.put(std::string_view(id_text, id_length));
  w.put(R"(","method":")");
  w.put(method);
  w.put(R"(","params":{)");
  for (std::size_t i = 0; i < param_count_; ++i) {
    if (i) w.put(',');
    w.put('"');
    w.put(params_[i].key);
    w.put(R"(":)");
    if (params_[i].quoted) w.put('"');
    w.put(params_[i].value);
    if (params_[i].quoted) w.put('"');
  }
  if (signed_request) {
    w.put(R"(,"signature":")");
    w.put(std::string_view(signature, sizeof signature));
    w.put('"');
  }
  w.put("}}");
  return w.overflow ? 0 : w.len;
}

std::size_t BinanceOrderEncoder::encode_place(const OrderRequest& order, std::int64_t timestamp_ms,
                                              char* out, std::size_t cap,
                                              bool reduce_only) noexcept {
  if (!symbols_.contains(order.instrument)) return 0;
  begin();
  add("apiKey", api_key_);
  add_uint_string("newClientOrderId", order.client_order_id);
  add("newOrderRespType", "RESULT");
  add_decimal("price", order.limit_ticks, symbols_.tick_size(order.instrument));
  add_decimal("quantity", order.lots, symbols_.lot_size(order.instrument));
  add_int("recvWindow", options_.recv_window_ms);
  if (reduce_only) add("reduceOnly", "true");
  add("side", side_text(order.side));
  add("symbol", symbols_.venue_symbol(order.instrument));
  add("timeInForce", options_.time_in_force == BinanceTimeInForce::ioc ? "IOC" : "GTC");
  add_int("timestamp", timestamp_ms);
  add("type", "LIMIT");
  return finish("order.place", {BinanceRequestKind::place, order.client_order_id}, true, out, cap);
}

std::size_t BinanceOrderEncoder::encode_cancel(std::uint64_t client_order_id,
                                               InstrumentId instrument, std::int64_t timestamp_ms,
                                               char* out, std::size_t cap) noexcept {
  if (!symbols_.contains(instrument)) return 0;
  begin();
  add("apiKey", api_key_);
  add_uint_string("origClientOrderId", client_order_id);
  add_int("recvWindow", options_.recv_window_ms);
  add("symbol", symbols_.venue_symbol(instrument));
  add_int("timestamp", timestamp_ms);
  return finish("order.cancel", {BinanceRequestKind::cancel, client_order_id}, true, out, cap);
}

std::size_t BinanceOrderEncoder::encode_modify(const OrderRequest& order, std::int64_t timestamp_ms,
                                               char* out, std::size_t cap) noexcept {
  if (!symbols_.contains(order.instrument)) return 0;
  begin();
  add("apiKey", api_key_);
  add_uint_string("origClientOrderId", order.client_order_id);
  add_decimal("price", order.limit_ticks, symbols_.tick_size(order.instrument));
  add_decimal("quantity", order.lots, symbols_.lot_size(order.instrument));
  add_int("recvWindow", options_.recv_window_ms);
  add("side", side_text(order.side));
  add("symbol", symbols_.venue_symbol(order.instrument));
  add_int("timestamp", timestamp_ms);
  return finish("order.modify", {BinanceRequestKind::modify, order.client_order_id}, true, out,
                cap);
}

std::size_t BinanceOrderEncoder::encode_status(std::uint64_t client_order_id,
                                               InstrumentId instrument, std::int64_t timestamp_ms,
                                               char* out, std::size_t cap) noexcept {
  if (!symbols_.contains(instrument)) return 0;
  begin();
  add("apiKey", api_key_);
  add_uint_string("origClientOrderId", client_order_id);
  add_int("recvWindow", options_.recv_window_ms);
  add("symbol", symbols_.venue_symbol(instrument));
  add_int("timestamp", timestamp_ms);
  return finish("order.status", {BinanceRequestKind::status, client_order_id}, true, out, cap);
}

std::size_t BinanceOrderEncoder::encode_positions(std::uint64_t sequence, std::int64_t timestamp_ms,
                                                  char* out, std::size_t cap) noexcept {
  begin();
  add("apiKey", api_key_);
  add_int("recvWindow", options_.recv_window_ms);
  add_int("timestamp", timestamp_ms);
  return finish("account.position", {BinanceRequestKind::positions, sequence}, true, out, cap);
}

std::size_t BinanceOrderEncoder::encode_depth_request(InstrumentId instrument, int limit, char* out,
                                                      std::size_t cap) noexcept {
  if (!symbols_.contains(instrument)) return 0;
  switch (limit) {
    case 5:
    case 10:
    case 20:
    case 50:
    case 100:
    case 500:
    case 1000:
      break;
    default:
      return 0;
  }
  begin();
  add_int("limit", limit);
  add("symbol", symbols_.venue_symbol(instrument));
  return finish("depth", {BinanceRequestKind::depth, instrument}, false, out, cap);
}

std::size_t BinanceOrderEncoder::encode_user_data_stream_start(char* out,
                                                               std::size_t cap) noexcept {
  begin();
  add("apiKey", api_key_);
  return finish("userDataStream.start", {BinanceRequestKind::user_data_stream_start, 0}, false, out,
                cap);
}

std::size_t BinanceOrderEncoder::encode_user_data_stream_ping(char* out, std::size_t cap) noexcept {
  begin();
  add("apiKey", api_key_);
  return finish("userDataStream.ping", {BinanceRequestKind::user_data_stream_start, 1}, false, out,
                cap);
}

}  // namespace ballast::binance
