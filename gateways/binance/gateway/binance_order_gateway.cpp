#include "ballast/gateways/binance_order_gateway.hpp"

#include <time.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

#include "ballast/core/clock.hpp"
#include "ballast/core/planner.hpp"

namespace ballast::gateways {

namespace {

// Binance checks `timestamp` against its own clock (recvWindow): Unix ms. A vDSO read,
// no syscall.
std::int64_t unix_ms() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace

BinanceOrderGateway::BinanceOrderGateway(const Universe& universe,
                                         BinanceOrderGatewayOptions options)
    : universe_(universe),
      options_(std::move(options)),
      symbols_(universe, options_.venue),
      encoder_(
          symbols_, options_.credentials,
          binance::BinanceOrderEncoderOptions{options_.recv_window_ms, options_.time_in_force}),
      parser_(symbols_) {
  if (symbols_.size() == 0)
    throw std::runtime_error("websocket orders: no perpetual or dated future on venue \"" +
                             universe.venues.at(options_.venue) + "\"");
  // The encoder keyed its signer; the gateway keeps no copy of the secret.
  options_.credentials.api_secret = binance::ApiSecret();
  scratch_cap_ = binance::BinanceResponseParser::kMaxMessageBytes;
  scratch_ = std::make_unique<char[]>(scratch_cap_ + binance::BinanceResponseParser::kPadding);
  net::IoRingOptions ro;
  ro.idle = options_.connection.idle;
  loop_ = std::make_unique<net::IoRingLoop>(ro);
  api_ = std::make_unique<net::WsClient>(
      *loop_, static_cast<net::WsHandler&>(*this),
      ws_client_options(options_.connection, options_.connection.api_path));
}

BinanceOrderGateway::~BinanceOrderGateway() {
  shutdown();
}

void BinanceOrderGateway::shutdown(std::int64_t timeout_ns) noexcept {
  if (!loop_) return;
  if (started_) {
    if (api_) api_->close();
    if (user_) user_->close();
    loop_->disarm(keepalive_);
    const std::int64_t until = monotonic_ns() + timeout_ns;
    auto down = [&] {
      return (!api_ || api_->state() == net::WsClientState::disconnected) &&
             (!user_ || user_->state() == net::WsClientState::disconnected) &&
             !keepalive_.in_kernel();
    };
    while (!down() && monotonic_ns() < until) loop_->run_once(1'000'000);
  }
  up_.store(false, std::memory_order_release);
  user_.reset();
  api_.reset();
  started_ = false;
}

void BinanceOrderGateway::drive() noexcept {
  if (!started_) {
    if (!start_requested_.load(std::memory_order_acquire) || !api_) return;
    started_ = true;
    api_->start();
  }
  if (key_changed_) {
    // Outside the loop's dispatch: the old socket's destructor runs the loop itself.
    key_changed_ = false;
    std::unique_ptr<net::WsClient> old = std::move(user_);
    old.reset();
    open_user_stream();
  }
  // Never sleeps here, whatever the idle mode: an order from the engine arrives on an SPSC
  // ring, not on this loop, and must not wait for a socket to wake the thread. The order
  // agent's idle strategy decides how this thread rests.
  loop_->poll();
  update_session();
}

void BinanceOrderGateway::update_session() noexcept {
  const bool up = api_ && api_->is_open() && key_confirmed_ && user_ && user_->is_open();
  if (up == was_up_) return;
  was_up_ = up;
  up_.store(up, std::memory_order_release);
  ExecReport r;
  r.kind = up ? ExecKind::session_up : ExecKind::session_down;
  r.venue = options_.venue;
  r.recv_tsc = TscClock::now();
  ++(up ? counters_.session_ups : counters_.session_downs);
  push(r);
}

std::size_t BinanceOrderGateway::poll_reports(ExecReport* out, std::size_t max) noexcept {
  drive();
  std::size_t n = 0;
  while (n < max && tail_ != head_) {
    out[n++] = ring_[tail_ & (kRing - 1)];
    ++tail_;
  }
  return n;
}

void BinanceOrderGateway::push(const ExecReport& r) noexcept {
  if (head_ - tail_ >= kRing) {
    ++counters_.reports_dropped;
    return;
  }
  ring_[head_ & (kRing - 1)] = r;
  ++head_;
  ++counters_.reports;
}

bool BinanceOrderGateway::send(OrderRequest& order) noexcept {
  const bool status_query = order.kind == RequestKind::status;
  const bool positions = order.kind == RequestKind::positions;
  // A cancel goes by the order's own id (origClientOrderId); Binance needs no id for the
  // request itself. Like a query it is not a new order: the order-rate limit lets it by.
  const bool cancel = order.kind == RequestKind::cancel;
  if (!was_up_) {
    ++counters_.not_connected;
    return false;
  }
  const std::int64_t now_ms = unix_ms();
  if (!status_query && !cancel && !positions &&
      parser_.rate_limits().would_exceed(binance::RateLimitType::orders, now_ms)) {
    ++counters_.rate_limited;
    return false;
  }
  std::uint8_t* out = api_->begin_message(binance::BinanceOrderEncoder::kMaxRequestBytes);
  if (out == nullptr) {
    ++counters_.send_failures;
    return false;
  }
  char* text = reinterpret_cast<char*>(out);
  constexpr std::size_t cap = binance::BinanceOrderEncoder::kMaxRequestBytes;
  const std::size_t n =
      positions ? encoder_.encode_positions(order.client_order_id, now_ms, text, cap)
      : status_query
          ? encoder_.encode_status(order.client_order_id, order.instrument, now_ms, text, cap)
      : cancel ? encoder_.encode_cancel(order.client_order_id, order.instrument, now_ms, text, cap)
               : encoder_.encode_place(order, now_ms, text, cap);
  order.stamps.encoded = TscClock::now();
  if (n == 0 || !api_->commit_text(n)) {
    // An unencodable order leaves the reservation uncommitted: nothing is written.
    ++counters_.send_failures;
    order.stamps.sent = TscClock::now();
    return false;
  }
  loop_->flush();  // the write reaches the kernel now, not at the next poll
  order.stamps.sent = TscClock::now();
  if (positions) {
    ++counters_.positions_requests_sent;
  } else if (status_query) {
    ++counters_.status_queries_sent;
  } else if (cancel) {
    ++counters_.cancels_sent;
  } else {
    ++counters_.orders_sent;
    parser_.rate_limits().on_sent(binance::RateLimitType::orders, now_ms);
  }
  return true;
}

void BinanceOrderGateway::warm() noexcept {
  OrderRequest dummy;
  for (InstrumentId id = 0; id < universe_.instrument_count(); ++id) {
    if (!symbols_.contains(id)) continue;
    dummy.instrument = id;
    break;
  }
  dummy.client_order_id = 1;
  dummy.lots = 1;
  dummy.limit_ticks = 1;
  (void)encoder_.encode_place(dummy, unix_ms(), warm_buf_.data(), warm_buf_.size());
  // Between orders the loop must still run: pongs, reconnects, fills.
  drive();
}

void BinanceOrderGateway::open_user_stream() noexcept {
  if (listen_key_.empty()) return;
  try {
    user_ = std::make_unique<net::WsClient>(
        *loop_, static_cast<net::WsHandler&>(*this),
        ws_client_options(options_.connection,
                          options_.connection.user_stream_prefix + listen_key_));
    user_->start();
  } catch (...) {
    ++counters_.errors;
    user_.reset();
  }
}

void BinanceOrderGateway::on_keepalive(void* self) noexcept {
  auto& g = *static_cast<BinanceOrderGateway*>(self);
  if (g.api_ && g.api_->is_open()) {
    char buf[256];
    const std::size_t n = g.encoder_.encode_user_data_stream_ping(buf, sizeof buf);
    if (n != 0 && g.api_->send_text(buf, n)) ++g.counters_.listen_key_pings;
  }
  g.loop_->arm(g.keepalive_, g.options_.listen_key_keepalive_ns);
}

void BinanceOrderGateway::on_open(net::WsClient& client) {
  if (&client == api_.get()) {
    ++counters_.api_connects;
    key_confirmed_ = false;
    char buf[256];
    const std::size_t n = encoder_.encode_user_data_stream_start(buf, sizeof buf);
    if (n == 0 || !api_->send_text(buf, n)) ++counters_.errors;
  } else {
    ++counters_.user_connects;
  }
  update_session();
}

void BinanceOrderGateway::on_close(net::WsClient& client, std::uint16_t, std::string_view) {
  if (&client == api_.get()) key_confirmed_ = false;
  update_session();
}

void BinanceOrderGateway::on_error(net::WsClient& client, net::WsClientError error,
                                   std::string_view detail) {
  ++counters_.errors;
  problem_.set({&client == api_.get() ? "api" : "user stream", net::to_string(error), detail});
}

void BinanceOrderGateway::on_message(net::WsClient& client, const std::uint8_t* data,
                                     std::size_t len, bool is_text, std::uint64_t recv_tsc) {
  if (!is_text || len > scratch_cap_) {
    ++counters_.malformed;
    return;
  }
  // simdjson reads up to kPadding bytes past the end (see the market-data feed).
  std::memcpy(scratch_.get(), data, len);
  if (&client == api_.get())
    on_api_message(reinterpret_cast<const std::uint8_t*>(scratch_.get()), len, recv_tsc);
  else
    on_user_message(reinterpret_cast<const std::uint8_t*>(scratch_.get()), len, recv_tsc);
}

void BinanceOrderGateway::on_api_message(const std::uint8_t* data, std::size_t len,
                                         std::uint64_t recv_tsc) noexcept {
  ++counters_.replies;
  ExecReport reports[binance::BinanceResponseParser::kMaxReportsPerMessage];
  std::size_t count = 0;
  const binance::ResponseResult r =
      parser_.parse_response(reinterpret_cast<const char*>(data), len, unix_ms(), reports, count);
  const binance::BinanceRequestId req = parser_.last_request();
  if (r == binance::ResponseResult::malformed) {
    ++counters_.malformed;
    return;
  }
  if (req.kind == binance::BinanceRequestKind::user_data_stream_start &&
      parser_.last_error_code() == 0 && !parser_.listen_key().empty()) {
    const std::string_view key = parser_.listen_key();
    key_confirmed_ = true;
    if (!keepalive_.armed()) loop_->arm(keepalive_, options_.listen_key_keepalive_ns);
    if (!user_) {
      listen_key_.assign(key.data(), key.size());  // setup: once per session
      open_user_stream();
    } else if (key != listen_key_) {
      listen_key_.assign(key.data(), key.size());
      key_changed_ = true;
    }
    update_session();
    return;
  }
  if (req.kind == binance::BinanceRequestKind::user_data_stream_start &&
      parser_.last_error_code() != 0) {
    // The venue refused the key: no user stream, so the session never comes up.
    char code[24];
    const auto end = std::to_chars(code, code + sizeof code, parser_.last_error_code()).ptr;
    problem_.set({"API key refused", std::string_view(code, static_cast<std::size_t>(end - code)),
                  "check BALLAST_API_KEY / the credentials file"});
  }
  if (r == binance::ResponseResult::positions) {
    // The whole answer at once, so the engine sees it complete or not at all: without
    // room for all of it, none of it (the engine asks again after its timeout).
    if (kRing - (head_ - tail_) < parser_.position_report_count()) {
      counters_.reports_dropped += parser_.position_report_count();
      return;
    }
    for (std::size_t k = 0; k < parser_.position_report_count(); ++k) {
      ExecReport e = parser_.position_reports()[k];
      e.venue = options_.venue;
      e.recv_tsc = recv_tsc;
      push(e);
    }
    return;
  }
  if (r != binance::ResponseResult::reports) return;
  if (parser_.last_error_code() != 0) ++counters_.rejects;
  for (std::size_t k = 0; k < count; ++k) {
    ExecReport& e = reports[k];
    // The stream reports every change of a live order; a reply adds only refusals and
    // status answers (see the header).
    const bool refusal = e.reject_code != 0;
    if (e.kind != ExecKind::status && !refusal) {
      ++counters_.replies_superseded;
      continue;
    }
    e.recv_tsc = recv_tsc;
    push(e);
  }
}

void BinanceOrderGateway::on_user_message(const std::uint8_t* data, std::size_t len,
                                          std::uint64_t recv_tsc) noexcept {
  ++counters_.user_events;
  ExecReport reports[binance::BinanceResponseParser::kMaxReportsPerMessage];
  std::size_t count = 0;
  const binance::ResponseResult r =
      parser_.parse_user_data(reinterpret_cast<const char*>(data), len, reports, count);
  if (r == binance::ResponseResult::malformed) {
    ++counters_.malformed;
    return;
  }
  if (r != binance::ResponseResult::reports) return;
  for (std::size_t k = 0; k < count; ++k) {
    reports[k].recv_tsc = recv_tsc;
    push(reports[k]);
  }
}

}  // namespace ballast::gateways
