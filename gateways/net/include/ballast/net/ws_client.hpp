// An RFC 6455 WebSocket client on IoRingLoop: plain or TLS, opening handshake, frames
// through the codec, automatic pongs, close handshake, keepalive pings and automatic
// reconnection with back-off. Once open, our receive and send paths never touch the heap
// (under TLS, OpenSSL 3.0's record writer still mallocs 40-byte WPACKET bookkeeping).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ballast/net/io_ring_loop.hpp"
#include "ballast/net/reconnect_backoff.hpp"
#include "ballast/net/tcp_connection.hpp"
#include "ballast/net/tls_session.hpp"
#include "ballast/net/ws_frame.hpp"
#include "ballast/net/ws_handshake.hpp"
#include "ballast/net/ws_message_assembler.hpp"

namespace ballast::net {

enum class WsClientState : std::uint8_t {
  disconnected,  // not started, or stopped by close()
  connecting,    // TCP connect in flight
  tls_handshake,
  ws_handshake,  // upgrade request sent, waiting for the 101
  open,
  closing,  // close frame sent or received, waiting for the peer / the TCP end
  backoff,  // waiting to reconnect
};
[[nodiscard]] const char* to_string(WsClientState s) noexcept;

enum class WsClientError : std::uint8_t {
  resolve_failed,
  connect_failed,  // refused, unreachable (detail: strerror)
  connect_timeout,
  tls_failed,         // detail: e.g. "certificate verify failed: certificate has expired"
  handshake_failed,   // HTTP upgrade refused or malformed
  handshake_timeout,  // TLS + upgrade not done within handshake_timeout_ns
  protocol_error,     // the peer broke RFC 6455: we close with 1002
  invalid_utf8,       // text that is not UTF-8: we close with 1007
  message_too_big,    // over max_message_bytes: we close with 1009
  connection_lost,    // TCP reset / EOF without a close frame
  close_timeout,      // the peer did not finish the close handshake in time
  pong_timeout,       // keepalive: nothing received for pong_timeout_ns
};
[[nodiscard]] const char* to_string(WsClientError e) noexcept;

class WsClient;

// Callbacks, on the loop thread. Data pointers are valid only during the call.
class WsHandler {
 public:
  virtual ~WsHandler() = default;
  // After every (re)connect, once the upgrade is accepted: (re)subscribe here.
  virtual void on_open(WsClient& client) = 0;
  // recv_tsc: TscClock::now() when the completion carrying the last byte was dispatched.
  virtual void on_message(WsClient& client, const std::uint8_t* data, std::size_t len, bool is_text,
                          std::uint64_t recv_tsc) = 0;
  // An open connection ended: the peer's close code (1005 when it sent none); the code we
  // sent when we closed first (close(), or 1002/1007/1009 after on_error); 1006 when the
  // connection was lost without a close frame.
  virtual void on_close(WsClient& client, std::uint16_t code, std::string_view reason) = 0;
  virtual void on_error(WsClient& client, WsClientError error, std::string_view detail) = 0;
};

struct WsEndpoint {
  std::string host;  // DNS name or IP literal; also the TLS name checked (SNI + SAN)
  std::uint16_t port = 0;
  std::string path = "/";  // path and query, e.g. "/stream?streams=btcusdt@bookTicker"
  bool tls = false;
  // The name sent in SNI and the Host header and verified against the certificate, when
  // it differs from `host` (e.g. connect to 10.0.0.5, verify "fstream.example.com").
  std::string server_name;
  [[nodiscard]] const std::string& tls_name() const noexcept {
    return server_name.empty() ? host : server_name;
  }
};

struct WsClientOptions {
  WsEndpoint endpoint;
  std::string ca_file;        // TLS trust anchors; empty = system default paths
  std::string extra_headers;  // verbatim "Name: value\r\n" lines for the upgrade request
  std::size_t max_message_bytes = 1 << 20;  // larger: close 1009 (a single frame is
                                            // also bounded by the loop's buffer size)
  std::int64_t connect_timeout_ns = 2'000'000'000;
  std::int64_t handshake_timeout_ns = 5'000'000'000;  // TLS + HTTP upgrade
  std::int64_t close_timeout_ns = 1'000'000'000;
  std::int64_t keepalive_interval_ns = 0;         // client pings every interval; 0 = off
  std::int64_t pong_timeout_ns = 30'000'000'000;  // keepalive: silence this long = dead
  bool auto_reconnect = true;
  BackoffOptions backoff{};
  int busy_poll_us = 0;  // SO_BUSY_POLL on the socket (0 = off)
};

struct WsClientCounters {
  std::uint64_t connect_attempts = 0;
  std::uint64_t connects = 0;     // upgrades accepted (on_open calls)
  std::uint64_t disconnects = 0;  // open connections that ended
  std::uint64_t reconnects = 0;   // connects after the first
  std::uint64_t bytes_in = 0;     // bytes on the wire (ciphertext under TLS)
  std::uint64_t bytes_out = 0;
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t pings_answered = 0;
  std::uint64_t pings_sent = 0;
  std::uint64_t pongs_received = 0;
  std::uint64_t protocol_errors = 0;   // includes invalid UTF-8 and too-big messages
  std::uint64_t send_buffer_full = 0;  // begin_message refused for lack of room
};

class WsClient final : private TcpEvents {
 public:
  // Setup: builds the TLS context (loads the CA file; throws std::runtime_error if it
  // cannot), claims the connection's fixed buffers, allocates the reassembly buffer.
  WsClient(IoRingLoop& loop, WsHandler& handler, WsClientOptions options);
  // Cancels what is in flight and runs the loop until the kernel returned it (up to 2 s);
  // call on the loop's thread. The handler is not called from the destructor.
  ~WsClient() override;
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Resolves the endpoint (getaddrinfo: blocking, setup only) and starts connecting.
  // False (and on_error(resolve_failed)) when the name does not resolve.
  bool start();
  // Close handshake with `code`, then stays disconnected (no reconnect). From any state.
  void close(std::uint16_t code = 1000, std::string_view reason = {}) noexcept;

  // --- hot path send: serialise the payload in place, then commit it as one frame.
  // A pointer to room for max_len payload bytes inside the send buffer (a 14-byte header
  // slot precedes it), or nullptr when not open or the buffer is full (counted in
  // send_buffer_full; never blocks). Commit before the loop runs again.
  [[nodiscard]] std::uint8_t* begin_message(std::size_t max_len) noexcept;
  bool commit_text(std::size_t len) noexcept;
  bool commit_binary(std::size_t len) noexcept;
  // Copies data into the send buffer (begin_message + memcpy + commit_text).
  bool send_text(const char* data, std::size_t len) noexcept;
  bool send_text(std::string_view s) noexcept { return send_text(s.data(), s.size()); }
  bool send_ping(const std::uint8_t* data = nullptr, std::size_t len = 0) noexcept;

  [[nodiscard]] WsClientState state() const noexcept { return state_; }
  [[nodiscard]] bool is_open() const noexcept { return state_ == WsClientState::open; }
  [[nodiscard]] const WsClientCounters& counters() const noexcept;
  [[nodiscard]] const WsClientOptions& options() const noexcept { return options_; }
  [[nodiscard]] IoRingLoop& loop() noexcept { return loop_; }
  // Negotiated TLS version ("TLSv1.3") while connected over TLS, else empty.
  [[nodiscard]] std::string_view tls_protocol() const noexcept;

 private:
  // TcpEvents
  void on_tcp_connected(TcpConnection& c) noexcept override;
  void on_tcp_connect_failed(TcpConnection& c, int err) noexcept override;
  void on_tcp_data(TcpConnection& c, std::uint64_t recv_tsc) noexcept override;
  void on_tcp_closed(TcpConnection& c, int err) noexcept override;
  void on_tcp_sent(TcpConnection& c) noexcept override;

  static void on_state_timer(void* ctx) noexcept;
  static void on_keepalive_timer(void* ctx) noexcept;

  void connect_now() noexcept;
  void schedule_reconnect() noexcept;
  void send_upgrade() noexcept;
  void tls_pump(std::uint64_t recv_tsc) noexcept;
  // Parses handshake / frames from buf[0, len); returns bytes consumed.
  std::size_t process(std::uint8_t* buf, std::size_t len, std::uint64_t recv_tsc) noexcept;
  void handle_event(const WsAssemblerEvent& ev, std::uint64_t recv_tsc) noexcept;
  bool send_control(WsOpcode op, const std::uint8_t* payload, std::size_t len) noexcept;
  bool commit(WsOpcode op, std::size_t len) noexcept;
  bool flush_tls() noexcept;
  void fail_protocol(WsError error) noexcept;
  void start_close(std::uint16_t code, std::string_view reason) noexcept;
  void abort_connection() noexcept;
  void report_error(WsClientError e, std::string_view detail) noexcept;
  std::uint32_t next_mask() noexcept;

  IoRingLoop& loop_;
  WsHandler& handler_;
  WsClientOptions options_;
  std::unique_ptr<TlsContext> tls_ctx_;
  std::unique_ptr<TlsSession> tls_;
  TcpConnection tcp_;
  WsMessageAssembler assembler_;
  ReconnectBackoff backoff_;
  IoTimer state_timer_;
  IoTimer keepalive_timer_;
  TcpAddress peer_{};
  std::string host_header_;
  // TLS only: plaintext received (frames are parsed here) and plaintext being built.
  std::unique_ptr<std::uint8_t[]> plain_in_;
  std::size_t plain_cap_ = 0;
  std::size_t plain_head_ = 0;
  std::size_t plain_tail_ = 0;
  std::unique_ptr<std::uint8_t[]> plain_out_;
  std::size_t plain_out_cap_ = 0;
  std::size_t max_frame_payload_ = 0;

  WsClientState state_ = WsClientState::disconnected;
  bool stop_requested_ = false;
  bool destroying_ = false;
  bool opened_this_connection_ = false;
  bool close_sent_ = false;
  bool close_received_ = false;
  bool discard_input_ = false;
  std::uint16_t close_code_ = 1006;
  char close_reason_[kWsMaxControlPayload] = {};
  std::size_t close_reason_len_ = 0;
  char expected_accept_[kWsAcceptLength] = {};
  std::uint8_t* pending_payload_ = nullptr;  // from begin_message until commit
  std::size_t pending_cap_ = 0;
  std::uint64_t mask_state_ = 0;
  std::int64_t last_rx_ns_ = 0;
  mutable WsClientCounters counters_{};
};

}  // namespace ballast::net
