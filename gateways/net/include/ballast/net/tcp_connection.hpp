// A client TCP connection driven by IoRingLoop: connect with a linked timeout, one read
// always outstanding into a registered buffer (read_fixed), sends (MSG_NOSIGNAL) from a
// second loop-owned buffer. Bytes stay where the kernel put them until consumed.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "ballast/net/io_ring_loop.hpp"

namespace ballast::net {

class TcpConnection;

// Callbacks, all on the loop thread. `err` values are positive errno codes.
class TcpEvents {
 public:
  virtual ~TcpEvents() = default;
  virtual void on_tcp_connected(TcpConnection& c) noexcept = 0;
  // ETIMEDOUT when the connect timeout fired, else the connect's errno (ECONNREFUSED...).
  virtual void on_tcp_connect_failed(TcpConnection& c, int err) noexcept = 0;
  // New bytes are at the end of read_data(); consume() what was used, keep the rest.
  virtual void on_tcp_data(TcpConnection& c, std::uint64_t recv_tsc) noexcept = 0;
  // The connection is gone and its socket closed: 0 = orderly EOF from the peer, else an
  // errno (ECONNRESET, EPIPE), or ECANCELED after close() we asked for.
  virtual void on_tcp_closed(TcpConnection& c, int err) noexcept = 0;
  // A send completed and room was freed (for owners that queue output elsewhere, e.g. TLS).
  virtual void on_tcp_sent(TcpConnection&) noexcept {}
};

struct TcpOptions {
  std::int64_t connect_timeout_ns = 2'000'000'000;
  // SO_BUSY_POLL (microseconds; 0 = off): the kernel spins on the NIC queue for a read
  // that would block. Needs CAP_NET_ADMIN above net.core.busy_read; failure is ignored.
  int busy_poll_us = 0;
  int rcvbuf = 0;  // SO_RCVBUF / SO_SNDBUF when > 0
  int sndbuf = 0;
};

// A resolved peer address (getaddrinfo at setup, never on the hot path).
struct TcpAddress {
  sockaddr_storage addr{};
  socklen_t len = 0;
};
// Resolves host:port (numeric or by name). Setup only: getaddrinfo blocks and allocates.
// Returns false and fills `error` on failure.
bool resolve_tcp_address(const std::string& host, std::uint16_t port, TcpAddress& out,
                         std::string& error);

enum class TcpState : std::uint8_t { closed, connecting, open, closing };

class TcpConnection {
 public:
  // Claims two fixed buffers from the loop (throws std::runtime_error if none are free).
  TcpConnection(IoRingLoop& loop, TcpEvents& events, const TcpOptions& options = {});
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Starts a connect (socket() and setsockopt are syscalls: connection setup, not the hot
  // path). False when the socket cannot be created (the errno is in last_error()).
  bool connect(const TcpAddress& peer) noexcept;
  // Cancels everything in flight and closes; on_tcp_closed(ECANCELED) follows once the
  // kernel has returned every operation (the fixed buffers are reused only then).
  void close() noexcept;

  // --- receive side: the unconsumed bytes, in the registered receive buffer
  [[nodiscard]] std::uint8_t* read_data() noexcept { return rbuf_.data + rhead_; }
  [[nodiscard]] std::size_t read_size() const noexcept { return rtail_ - rhead_; }
  void consume(std::size_t n) noexcept { rhead_ += n; }
  [[nodiscard]] std::size_t read_capacity() const noexcept { return rbuf_.size; }

  // --- send side: reserve room at the tail of the send buffer, fill it, commit.
  // nullptr when `n` bytes do not fit (back-pressure: never blocks, never grows).
  [[nodiscard]] std::uint8_t* write_reserve(std::size_t n) noexcept;
  // Commits [begin, begin+len) inside the last reservation. The start may lie after the
  // reservation's start (a WebSocket header shorter than its slot): when nothing else is
  // queued the write simply starts there; behind queued bytes the frame is moved down.
  void write_commit(const std::uint8_t* begin, std::size_t len) noexcept;
  [[nodiscard]] std::size_t write_queued() const noexcept { return wtail_ - whead_; }
  [[nodiscard]] std::size_t write_capacity() const noexcept { return wbuf_.size; }
  // The largest reservation that could succeed right now.
  [[nodiscard]] std::size_t write_room() const noexcept {
    return wbuf_.size - (write_op_.pending ? wtail_ : wtail_ - whead_);
  }

  [[nodiscard]] TcpState state() const noexcept { return state_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] int last_error() const noexcept { return last_error_; }
  [[nodiscard]] std::uint64_t bytes_in() const noexcept { return bytes_in_; }
  [[nodiscard]] std::uint64_t bytes_out() const noexcept { return bytes_out_; }
  [[nodiscard]] IoRingLoop& loop() noexcept { return loop_; }

 private:
  static void on_connect(void* ctx, IoOp& op, int res, std::uint32_t flags) noexcept;
  static void on_connect_timeout(void* ctx, IoOp& op, int res, std::uint32_t flags) noexcept;
  static void on_read(void* ctx, IoOp& op, int res, std::uint32_t flags) noexcept;
  static void on_write(void* ctx, IoOp& op, int res, std::uint32_t flags) noexcept;
  static void on_close_nop(void* ctx, IoOp& op, int res, std::uint32_t flags) noexcept;
  void submit_read() noexcept;
  void submit_write() noexcept;
  void fail(int err) noexcept;
  void begin_close() noexcept;
  void maybe_finish_close() noexcept;
  [[nodiscard]] bool ops_pending() const noexcept {
    return connect_op_.pending || timeout_op_.pending || read_op_.pending || write_op_.pending ||
           close_op_.pending;
  }

  IoRingLoop& loop_;
  TcpEvents& events_;
  TcpOptions options_;
  FixedBuffer rbuf_;
  FixedBuffer wbuf_;
  IoOp connect_op_;
  IoOp timeout_op_;
  IoOp read_op_;
  IoOp write_op_;
  IoOp close_op_;
  __kernel_timespec connect_ts_{};
  TcpAddress peer_{};
  int fd_ = -1;
  TcpState state_ = TcpState::closed;
  int connect_result_ = 0;
  bool connect_timed_out_ = false;
  int close_reason_ = 0;
  std::size_t rhead_ = 0;
  std::size_t rtail_ = 0;
  std::size_t whead_ = 0;    // first byte not yet acknowledged by a write completion
  std::size_t wflight_ = 0;  // end of the bytes in the write in flight
  std::size_t wtail_ = 0;    // end of queued bytes
  std::size_t reserve_at_ = 0;
  int last_error_ = 0;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
};

}  // namespace ballast::net
