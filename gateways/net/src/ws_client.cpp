#include "ballast/net/ws_client.hpp"

#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "ballast/core/clock.hpp"
#include "ballast/net/ws_close.hpp"

namespace ballast::net {

namespace {
constexpr std::size_t kHeaderSlot = kWsMaxClientHeader;  // 14
constexpr std::size_t kUpgradeRoom = 4096;
// Ciphertext per plaintext byte is 1 + 22/16384 (TLS 1.3 record header, type byte and
// AEAD tag per 16 KiB record): room for one record's overhead per 16 KiB plus one.
std::size_t tls_overhead(std::size_t n) noexcept {
  return (n / 16384 + 1) * 64;
}
}  // namespace

const char* to_string(WsClientState s) noexcept {
  switch (s) {
    case WsClientState::disconnected:
      return "disconnected";
    case WsClientState::connecting:
      return "connecting";
    case WsClientState::tls_handshake:
      return "tls_handshake";
    case WsClientState::ws_handshake:
      return "ws_handshake";
    case WsClientState::open:
      return "open";
    case WsClientState::closing:
      return "closing";
    case WsClientState::backoff:
      return "backoff";
  }
  return "?";
}

const char* to_string(WsClientError e) noexcept {
  switch (e) {
    case WsClientError::resolve_failed:
      return "resolve_failed";
    case WsClientError::connect_failed:
      return "connect_failed";
    case WsClientError::connect_timeout:
      return "connect_timeout";
    case WsClientError::tls_failed:
      return "tls_failed";
    case WsClientError::handshake_failed:
      return "handshake_failed";
    case WsClientError::handshake_timeout:
      return "handshake_timeout";
    case WsClientError::protocol_error:
      return "protocol_error";
    case WsClientError::invalid_utf8:
      return "invalid_utf8";
    case WsClientError::message_too_big:
      return "message_too_big";
    case WsClientError::connection_lost:
      return "connection_lost";
    case WsClientError::close_timeout:
      return "close_timeout";
    case WsClientError::pong_timeout:
      return "pong_timeout";
  }
  return "?";
}

WsClient::WsClient(IoRingLoop& loop, WsHandler& handler, WsClientOptions options)
    : loop_(loop),
      handler_(handler),
      options_(std::move(options)),
      tcp_(loop, *this, TcpOptions{options_.connect_timeout_ns, options_.busy_poll_us, 0, 0}),
      assembler_(options_.max_message_bytes, WsRole::client),
      backoff_(options_.backoff),
      state_timer_(&WsClient::on_state_timer, this),
      keepalive_timer_(&WsClient::on_keepalive_timer, this) {
  const WsEndpoint& ep = options_.endpoint;
  const bool default_port = ep.port == (ep.tls ? 443 : 80);
  const std::string& name = ep.tls_name();
  const bool v6 = name.find(':') != std::string::npos;
  host_header_ = v6 ? "[" + name + "]" : name;
  if (!default_port) host_header_ += ":" + std::to_string(ep.port);
  std::size_t frame_cap = tcp_.read_capacity();
  if (ep.tls) {
    tls_ctx_ = std::make_unique<TlsContext>(TlsContextOptions{options_.ca_file});
    tls_ = std::make_unique<TlsSession>(*tls_ctx_, 64 * 1024);
    plain_cap_ = tcp_.read_capacity();
    plain_in_ = std::make_unique<std::uint8_t[]>(plain_cap_);
    plain_out_cap_ = tcp_.write_capacity();
    plain_out_ = std::make_unique<std::uint8_t[]>(plain_out_cap_);
  }
  max_frame_payload_ = frame_cap - kHeaderSlot;
  if (options_.max_message_bytes < max_frame_payload_)
    max_frame_payload_ = options_.max_message_bytes;
  // The mask PRNG is seeded from the CSPRNG once; see next_mask().
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&mask_state_), sizeof mask_state_) != 1)
    mask_state_ = static_cast<std::uint64_t>(monotonic_ns());
  if (mask_state_ == 0) mask_state_ = 0x9E3779B97F4A7C15ULL;
}

WsClient::~WsClient() {
  // Operations in flight point into this object: cancel them and run the loop until the
  // kernel has returned each one (teardown, not the hot path). The handler may already
  // be gone, so it hears nothing more.
  destroying_ = true;
  stop_requested_ = true;
  loop_.disarm(state_timer_);
  loop_.disarm(keepalive_timer_);
  tcp_.close();
  const std::int64_t deadline = monotonic_ns() + 2'000'000'000;
  while ((tcp_.state() != TcpState::closed || state_timer_.in_kernel() ||
          keepalive_timer_.in_kernel()) &&
         monotonic_ns() < deadline)
    loop_.run_once(1'000'000);
}

const WsClientCounters& WsClient::counters() const noexcept {
  counters_.bytes_in = tcp_.bytes_in();  // the connection keeps totals across reconnects
  counters_.bytes_out = tcp_.bytes_out();
  return counters_;
}

std::string_view WsClient::tls_protocol() const noexcept {
  return tls_ && tls_->established() ? tls_->protocol() : std::string_view{};
}

// xorshift64*: masking exists so a browser's script cannot make a proxy misread its
// bytes as HTTP (cache poisoning, RFC 6455 10.3), not for secrecy; a fast PRNG seeded
// from RAND_bytes is unpredictable enough for that and costs ~1 ns instead of a
// CSPRNG call per frame.
std::uint32_t WsClient::next_mask() noexcept {
  mask_state_ ^= mask_state_ >> 12;
  mask_state_ ^= mask_state_ << 25;
  mask_state_ ^= mask_state_ >> 27;
  return static_cast<std::uint32_t>((mask_state_ * 0x2545F4914F6CDD1DULL) >> 32);
}

void WsClient::report_error(WsClientError e, std::string_view detail) noexcept {
  if (!destroying_) handler_.on_error(*this, e, detail);
}

bool WsClient::start() {
  stop_requested_ = false;
  std::string err;
  if (!resolve_tcp_address(options_.endpoint.host, options_.endpoint.port, peer_, err)) {
    report_error(WsClientError::resolve_failed, err);
    return false;
  }
  connect_now();
  return true;
}

void WsClient::connect_now() noexcept {
  ++counters_.connect_attempts;
  opened_this_connection_ = false;
  close_sent_ = close_received_ = discard_input_ = false;
  close_code_ = ws_close::abnormal;
  close_reason_len_ = 0;
  pending_payload_ = nullptr;
  plain_head_ = plain_tail_ = 0;
  assembler_.reset();
  if (!tcp_.connect(peer_)) {
    report_error(WsClientError::connect_failed, std::strerror(tcp_.last_error()));
    schedule_reconnect();
    return;
  }
  state_ = WsClientState::connecting;
}

void WsClient::schedule_reconnect() noexcept {
  loop_.disarm(keepalive_timer_);
  if (stop_requested_ || !options_.auto_reconnect) {
    loop_.disarm(state_timer_);
    state_ = WsClientState::disconnected;
    return;
  }
  state_ = WsClientState::backoff;
  loop_.arm(state_timer_, backoff_.next_delay_ns());
}

void WsClient::on_state_timer(void* ctx) noexcept {
  auto* self = static_cast<WsClient*>(ctx);
  switch (self->state_) {
    case WsClientState::backoff:
      self->connect_now();
      return;
    case WsClientState::tls_handshake:
    case WsClientState::ws_handshake:
      self->report_error(WsClientError::handshake_timeout, "opening handshake took too long");
      self->abort_connection();
      return;
    case WsClientState::closing:
      self->report_error(WsClientError::close_timeout, "peer did not finish the close handshake");
      self->abort_connection();
      return;
    default:
      return;
  }
}

void WsClient::on_keepalive_timer(void* ctx) noexcept {
  auto* self = static_cast<WsClient*>(ctx);
  if (self->state_ != WsClientState::open) return;
  if (monotonic_ns() - self->last_rx_ns_ > self->options_.pong_timeout_ns) {
    self->report_error(WsClientError::pong_timeout, "nothing received within pong_timeout");
    self->abort_connection();
    return;
  }
  std::uint8_t stamp[8];
  const std::int64_t now = monotonic_ns();
  std::memcpy(stamp, &now, sizeof stamp);
  if (self->send_control(WsOpcode::ping, stamp, sizeof stamp)) ++self->counters_.pings_sent;
  self->loop_.arm(self->keepalive_timer_, self->options_.keepalive_interval_ns);
}

void WsClient::abort_connection() noexcept {
  loop_.disarm(state_timer_);
  tcp_.close();  // on_tcp_closed follows from a completion
}

// ---- connection events -------------------------------------------------------------

void WsClient::on_tcp_connected(TcpConnection&) noexcept {
  loop_.arm(state_timer_, options_.handshake_timeout_ns);
  if (tls_) {
    state_ = WsClientState::tls_handshake;
    if (!tls_->start(options_.endpoint.tls_name())) {
      report_error(WsClientError::tls_failed, tls_->error());
      abort_connection();
      return;
    }
    tls_pump(0);
    return;
  }
  send_upgrade();
}

void WsClient::on_tcp_connect_failed(TcpConnection&, int err) noexcept {
  report_error(err == ETIMEDOUT ? WsClientError::connect_timeout : WsClientError::connect_failed,
               std::strerror(err));
  schedule_reconnect();
}

void WsClient::send_upgrade() noexcept {
  std::uint8_t nonce[16];
  RAND_bytes(nonce, sizeof nonce);
  char key[kWsKeyLength];
  make_ws_key(nonce, key);
  compute_ws_accept(std::string_view(key, sizeof key), expected_accept_);
  state_ = WsClientState::ws_handshake;
  if (tls_) {
    const std::size_t n = write_ws_upgrade_request(
        reinterpret_cast<char*>(plain_out_.get()), plain_out_cap_, host_header_,
        options_.endpoint.path, std::string_view(key, sizeof key), options_.extra_headers);
    if (n == 0 || tls_->write_plaintext(plain_out_.get(), n) != TlsResult::ok) {
      report_error(WsClientError::handshake_failed, "upgrade request does not fit");
      abort_connection();
      return;
    }
    flush_tls();
    return;
  }
  std::uint8_t* p = tcp_.write_reserve(kUpgradeRoom);
  const std::size_t n =
      p == nullptr
          ? 0
          : write_ws_upgrade_request(reinterpret_cast<char*>(p), kUpgradeRoom, host_header_,
                                     options_.endpoint.path, std::string_view(key, sizeof key),
                                     options_.extra_headers);
  if (n == 0) {
    report_error(WsClientError::handshake_failed, "upgrade request does not fit");
    abort_connection();
    return;
  }
  tcp_.write_commit(p, n);
}

void WsClient::on_tcp_data(TcpConnection& c, std::uint64_t recv_tsc) noexcept {
  last_rx_ns_ = monotonic_ns();
  if (tls_) {
    tls_pump(recv_tsc);
    return;
  }
  c.consume(process(c.read_data(), c.read_size(), recv_tsc));
}

void WsClient::tls_pump(std::uint64_t recv_tsc) noexcept {
  for (;;) {
    if (tcp_.state() != TcpState::open) return;
    const std::size_t fed = tls_->feed(tcp_.read_data(), tcp_.read_size());
    tcp_.consume(fed);
    bool progressed = fed > 0;
    if (!tls_->established()) {
      const TlsResult r = tls_->handshake();
      flush_tls();
      if (r == TlsResult::error) {
        report_error(WsClientError::tls_failed, tls_->error());
        abort_connection();
        return;
      }
      if (r != TlsResult::ok) {
        if (!progressed) return;
        continue;
      }
      send_upgrade();
    }
    // Decrypt everything available, parsing frames where they land.
    for (;;) {
      if (plain_head_ == plain_tail_) {
        plain_head_ = plain_tail_ = 0;
      } else if (plain_head_ > 0 && plain_tail_ == plain_cap_) {
        std::memmove(plain_in_.get(), plain_in_.get() + plain_head_, plain_tail_ - plain_head_);
        plain_tail_ -= plain_head_;
        plain_head_ = 0;
      }
      std::size_t n = 0;
      const TlsResult r =
          tls_->read_plaintext(plain_in_.get() + plain_tail_, plain_cap_ - plain_tail_, n);
      if (r == TlsResult::closed) {
        abort_connection();
        return;
      }
      if (r == TlsResult::error) {
        report_error(WsClientError::tls_failed, tls_->error());
        abort_connection();
        return;
      }
      if (n == 0) break;
      progressed = true;
      plain_tail_ += n;
      plain_head_ += process(plain_in_.get() + plain_head_, plain_tail_ - plain_head_, recv_tsc);
      if (tcp_.state() != TcpState::open) return;
    }
    flush_tls();  // TLS 1.3 key updates and alerts produce output on read
    if (!progressed || tcp_.read_size() == 0) return;
  }
}

std::size_t WsClient::process(std::uint8_t* buf, std::size_t len, std::uint64_t recv_tsc) noexcept {
  std::size_t off = 0;
  if (state_ == WsClientState::ws_handshake) {
    const WsHandshakeResult hr =
        parse_ws_upgrade_response(reinterpret_cast<const char*>(buf), len,
                                  std::string_view(expected_accept_, sizeof expected_accept_));
    if (hr.status == WsDecodeStatus::need_more) return 0;
    if (hr.status == WsDecodeStatus::error) {
      char detail[96];
      std::snprintf(detail, sizeof detail, "%s (HTTP %d)", to_string(hr.error), hr.http_status);
      report_error(WsClientError::handshake_failed, detail);
      abort_connection();
      return len;
    }
    off = hr.header_len;
    loop_.disarm(state_timer_);
    state_ = WsClientState::open;
    opened_this_connection_ = true;
    ++counters_.connects;
    if (counters_.connects > 1) ++counters_.reconnects;
    backoff_.on_connected(monotonic_ns());
    last_rx_ns_ = monotonic_ns();
    if (options_.keepalive_interval_ns > 0)
      loop_.arm(keepalive_timer_, options_.keepalive_interval_ns);
    handler_.on_open(*this);
  }
  while (off < len && (state_ == WsClientState::open || state_ == WsClientState::closing)) {
    // Nothing after a close frame counts; after a protocol failure the stream cannot be
    // re-synchronised (we may be inside a frame we refused), so the rest is dropped.
    if (close_received_ || discard_input_) return len;
    const WsDecodeResult dr =
        decode_ws_frame(buf + off, len - off, WsRole::client, max_frame_payload_);
    if (dr.status == WsDecodeStatus::need_more) break;
    if (dr.status == WsDecodeStatus::error) {
      fail_protocol(dr.error);
      return len;
    }
    off += dr.frame.frame_len;
    const WsAssemblerEvent ev = assembler_.feed(dr.frame);
    handle_event(ev, recv_tsc);
  }
  return off;
}

void WsClient::handle_event(const WsAssemblerEvent& ev, std::uint64_t recv_tsc) noexcept {
  switch (ev.kind) {
    case WsEventKind::none:
      return;
    case WsEventKind::text:
    case WsEventKind::binary:
      // After our close: discard (RFC 6455 1.4).
      if (state_ != WsClientState::open || destroying_) return;
      ++counters_.messages_in;
      handler_.on_message(*this, ev.data, ev.len, ev.kind == WsEventKind::text, recv_tsc);
      return;
    case WsEventKind::ping:
      // Answered from the loop at once, ahead of anything the application sends next.
      if (send_control(WsOpcode::pong, ev.data, ev.len)) ++counters_.pings_answered;
      return;
    case WsEventKind::pong:
      ++counters_.pongs_received;
      return;
    case WsEventKind::close: {
      close_received_ = true;
      if (!close_sent_) {
        // Peer-initiated: keep its code and echo it (no code when it sent none).
        close_code_ = ev.close_code;
        close_reason_len_ = ev.len < sizeof close_reason_ ? ev.len : sizeof close_reason_;
        if (close_reason_len_ > 0) std::memcpy(close_reason_, ev.data, close_reason_len_);
        std::uint8_t payload[kWsMaxControlPayload];
        const std::size_t n = write_close_payload(
            payload, ev.close_code, std::string_view(close_reason_, close_reason_len_));
        send_control(WsOpcode::close, payload, n);
        close_sent_ = true;
      } else if (close_code_ == ws_close::abnormal || close_code_ == 0) {
        close_code_ = ev.close_code;
      }
      // The server closes TCP first (RFC 6455 7.1.1); give it close_timeout_ns.
      state_ = WsClientState::closing;
      loop_.disarm(keepalive_timer_);
      loop_.arm(state_timer_, options_.close_timeout_ns);
      return;
    }
    case WsEventKind::error:
      fail_protocol(ev.error);
      return;
  }
}

void WsClient::fail_protocol(WsError error) noexcept {
  discard_input_ = true;
  ++counters_.protocol_errors;
  const std::uint16_t code = close_code_for(error);
  const WsClientError e = code == ws_close::message_too_big   ? WsClientError::message_too_big
                          : code == ws_close::invalid_payload ? WsClientError::invalid_utf8
                                                              : WsClientError::protocol_error;
  report_error(e, to_string(error));
  if (close_sent_) {
    abort_connection();
    return;
  }
  start_close(code, to_string(error));
}

void WsClient::start_close(std::uint16_t code, std::string_view reason) noexcept {
  std::uint8_t payload[kWsMaxControlPayload];
  const std::size_t n = write_close_payload(payload, code, reason);
  close_code_ = code;
  close_reason_len_ = reason.size() < sizeof close_reason_ ? reason.size() : sizeof close_reason_;
  if (close_reason_len_ > 0) std::memcpy(close_reason_, reason.data(), close_reason_len_);
  close_sent_ = true;
  state_ = WsClientState::closing;
  loop_.disarm(keepalive_timer_);
  if (!send_control(WsOpcode::close, payload, n)) {
    abort_connection();
    return;
  }
  loop_.arm(state_timer_, options_.close_timeout_ns);
}

void WsClient::close(std::uint16_t code, std::string_view reason) noexcept {
  stop_requested_ = true;
  switch (state_) {
    case WsClientState::open:
      start_close(code, reason);
      return;
    case WsClientState::connecting:
    case WsClientState::tls_handshake:
    case WsClientState::ws_handshake:
      abort_connection();
      return;
    case WsClientState::backoff:
      loop_.disarm(state_timer_);
      state_ = WsClientState::disconnected;
      return;
    case WsClientState::closing:
    case WsClientState::disconnected:
      return;
  }
}

void WsClient::on_tcp_closed(TcpConnection&, int err) noexcept {
  loop_.disarm(state_timer_);
  loop_.disarm(keepalive_timer_);
  if (tls_) tls_->reset();
  if (opened_this_connection_) {
    ++counters_.disconnects;
    backoff_.on_disconnected(monotonic_ns());
    if (!close_received_ && state_ == WsClientState::open)
      report_error(WsClientError::connection_lost,
                   err == 0 ? "connection closed without a close frame" : std::strerror(err));
    // The peer's code when it sent one; ours when we closed (a protocol failure we
    // reported, or close()); 1006 when the connection just died.
    const bool handshake_done = close_received_ || close_sent_;
    const std::uint16_t code = handshake_done ? close_code_ : ws_close::abnormal;
    const std::string_view reason = handshake_done
                                        ? std::string_view(close_reason_, close_reason_len_)
                                        : std::string_view("connection lost");
    opened_this_connection_ = false;
    state_ = WsClientState::disconnected;
    if (!destroying_) handler_.on_close(*this, code, reason);
  }
  if (state_ == WsClientState::backoff) return;  // the handler's close() keeps this
  schedule_reconnect();
}

void WsClient::on_tcp_sent(TcpConnection&) noexcept {
  if (tls_ && tls_->pending_output() > 0) flush_tls();
}

// ---- send path ---------------------------------------------------------------------

bool WsClient::flush_tls() noexcept {
  while (const std::size_t pending = tls_->pending_output()) {
    std::size_t room = tcp_.write_room();
    if (room == 0) return false;
    const std::size_t want = pending < room ? pending : room;
    std::uint8_t* p = tcp_.write_reserve(want);
    if (p == nullptr) return false;
    const std::size_t got = tls_->take_output(p, want);
    if (got == 0) return false;
    tcp_.write_commit(p, got);
  }
  return true;
}

std::uint8_t* WsClient::begin_message(std::size_t max_len) noexcept {
  if (state_ != WsClientState::open) return nullptr;
  if (tls_) {
    // Plaintext is built in the staging buffer; commit encrypts it into the BIO ring,
    // which must have room for the record (ciphertext not yet taken by the socket).
    if (kHeaderSlot + max_len > plain_out_cap_ ||
        tls_->pending_output() + kHeaderSlot + max_len + tls_overhead(max_len) > 64 * 1024) {
      ++counters_.send_buffer_full;
      return nullptr;
    }
    pending_payload_ = plain_out_.get() + kHeaderSlot;
  } else {
    std::uint8_t* p = tcp_.write_reserve(kHeaderSlot + max_len);
    if (p == nullptr) {
      ++counters_.send_buffer_full;
      return nullptr;
    }
    pending_payload_ = p + kHeaderSlot;
  }
  pending_cap_ = max_len;
  return pending_payload_;
}

bool WsClient::commit(WsOpcode op, std::size_t len) noexcept {
  std::uint8_t* payload = pending_payload_;
  pending_payload_ = nullptr;
  if (payload == nullptr || len > pending_cap_ || state_ != WsClientState::open) return false;
  const std::uint32_t key = next_mask();
  const std::size_t h = ws_header_size(len, true);
  std::uint8_t* frame = payload - h;
  write_ws_header(frame, op, true, len, &key);
  ws_mask_in_place(payload, len, key);
  if (tls_) {
    if (tls_->write_plaintext(frame, h + len) != TlsResult::ok) return false;
    flush_tls();
  } else {
    tcp_.write_commit(frame, h + len);
  }
  ++counters_.messages_out;
  return true;
}

bool WsClient::commit_text(std::size_t len) noexcept {
  return commit(WsOpcode::text, len);
}
bool WsClient::commit_binary(std::size_t len) noexcept {
  return commit(WsOpcode::binary, len);
}

bool WsClient::send_text(const char* data, std::size_t len) noexcept {
  std::uint8_t* p = begin_message(len);
  if (p == nullptr) return false;
  std::memcpy(p, data, len);
  return commit_text(len);
}

bool WsClient::send_ping(const std::uint8_t* data, std::size_t len) noexcept {
  if (state_ != WsClientState::open || len > kWsMaxControlPayload) return false;
  if (!send_control(WsOpcode::ping, data, len)) return false;
  ++counters_.pings_sent;
  return true;
}

bool WsClient::send_control(WsOpcode op, const std::uint8_t* payload, std::size_t len) noexcept {
  if (len > kWsMaxControlPayload) return false;
  const std::uint32_t key = next_mask();
  if (tls_) {
    std::uint8_t frame[kHeaderSlot + kWsMaxControlPayload];
    const std::size_t n = encode_ws_frame(frame, sizeof frame, op, true, payload, len, &key);
    if (n == 0 || tls_->write_plaintext(frame, n) != TlsResult::ok) return false;
    flush_tls();
    return true;
  }
  std::uint8_t* p = tcp_.write_reserve(kHeaderSlot + len);
  if (p == nullptr) {
    ++counters_.send_buffer_full;
    return false;
  }
  const std::size_t n = encode_ws_frame(p, kHeaderSlot + len, op, true, payload, len, &key);
  if (n == 0) return false;
  tcp_.write_commit(p, n);
  return true;
}

}  // namespace ballast::net
