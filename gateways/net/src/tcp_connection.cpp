#include "ballast/net/tcp_connection.hpp"

#include <netdb.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "ballast/core/clock.hpp"

namespace ballast::net {

bool resolve_tcp_address(const std::string& host, std::uint16_t port, TcpAddress& out,
                         std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return false;
  }
  // The first answer (getaddrinfo orders by RFC 6724 preference).
  std::memcpy(&out.addr, res->ai_addr, res->ai_addrlen);
  out.len = res->ai_addrlen;
  ::freeaddrinfo(res);
  return true;
}

TcpConnection::TcpConnection(IoRingLoop& loop, TcpEvents& events, const TcpOptions& options)
    : loop_(loop), events_(events), options_(options) {
  rbuf_ = loop_.claim_buffer();
  wbuf_ = loop_.claim_buffer();
  if (rbuf_.index < 0 || wbuf_.index < 0) {
    loop_.release_buffer(rbuf_);
    loop_.release_buffer(wbuf_);
    throw std::runtime_error("TcpConnection: no free fixed buffer on the loop");
  }
  connect_op_ = IoOp{&TcpConnection::on_connect, this, false};
  timeout_op_ = IoOp{&TcpConnection::on_connect_timeout, this, false};
  read_op_ = IoOp{&TcpConnection::on_read, this, false};
  write_op_ = IoOp{&TcpConnection::on_write, this, false};
  close_op_ = IoOp{&TcpConnection::on_close_nop, this, false};
}

TcpConnection::~TcpConnection() {
  // The owner drains the loop after close(); a socket still open here is closed without
  // waiting (its operations are cancelled when the ring exits).
  if (fd_ >= 0) ::close(fd_);
  loop_.release_buffer(rbuf_);
  loop_.release_buffer(wbuf_);
}

bool TcpConnection::connect(const TcpAddress& peer) noexcept {
  if (state_ != TcpState::closed) {
    last_error_ = EALREADY;
    return false;
  }
  peer_ = peer;
  fd_ = ::socket(peer.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    last_error_ = errno;
    return false;
  }
  // Small orders must not wait for Nagle's coalescing (up to an RTT of added latency).
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (options_.busy_poll_us > 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_BUSY_POLL, &options_.busy_poll_us, sizeof(int));
  if (options_.rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &options_.rcvbuf, sizeof(int));
  if (options_.sndbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &options_.sndbuf, sizeof(int));

  rhead_ = rtail_ = 0;
  whead_ = wflight_ = wtail_ = reserve_at_ = 0;
  connect_result_ = 0;
  connect_timed_out_ = false;
  close_reason_ = 0;
  last_error_ = 0;

  io_uring_sqe* c = loop_.sqe_for(connect_op_);
  if (c == nullptr) {
    ::close(fd_);
    fd_ = -1;
    last_error_ = EBUSY;
    return false;
  }
  io_uring_prep_connect(c, fd_, reinterpret_cast<const sockaddr*>(&peer_.addr), peer_.len);
  // The linked timeout cancels the connect in the kernel: no timer of our own to race.
  io_uring_sqe_set_flags(c, IOSQE_IO_LINK);
  const std::int64_t t =
      options_.connect_timeout_ns > 0 ? options_.connect_timeout_ns : 2'000'000'000;
  connect_ts_.tv_sec = t / 1'000'000'000;
  connect_ts_.tv_nsec = t % 1'000'000'000;
  io_uring_sqe* lt = loop_.sqe_for(timeout_op_);
  if (lt != nullptr) io_uring_prep_link_timeout(lt, &connect_ts_, 0);
  state_ = TcpState::connecting;
  return true;
}

void TcpConnection::on_connect(void* ctx, IoOp&, int res, std::uint32_t) noexcept {
  auto* self = static_cast<TcpConnection*>(ctx);
  if (self->state_ == TcpState::closing) {
    self->maybe_finish_close();
    return;
  }
  if (res == 0) {
    self->state_ = TcpState::open;
    self->submit_read();
    self->events_.on_tcp_connected(*self);
    return;
  }
  self->connect_result_ = res;
  if (!self->timeout_op_.pending) self->fail(0);
}

void TcpConnection::on_connect_timeout(void* ctx, IoOp&, int res, std::uint32_t) noexcept {
  auto* self = static_cast<TcpConnection*>(ctx);
  if (res == -ETIME) self->connect_timed_out_ = true;
  if (self->state_ == TcpState::closing) {
    self->maybe_finish_close();
    return;
  }
  if (self->state_ == TcpState::connecting && !self->connect_op_.pending) self->fail(0);
}

void TcpConnection::submit_read() noexcept {
  if (rhead_ == rtail_) {
    rhead_ = rtail_ = 0;
  } else if (rhead_ > 0 && (rtail_ == rbuf_.size || rhead_ > rbuf_.size / 2)) {
    // Only the tail of a partial message moves; frames are parsed where they landed.
    std::memmove(rbuf_.data, rbuf_.data + rhead_, rtail_ - rhead_);
    rtail_ -= rhead_;
    rhead_ = 0;
  }
  if (rtail_ == rbuf_.size) {  // a frame larger than the buffer: the owner must give up
    fail(ENOBUFS);
    return;
  }
  io_uring_sqe* sqe = loop_.sqe_for(read_op_);
  if (sqe == nullptr) {
    fail(EBUSY);
    return;
  }
  io_uring_prep_read_fixed(sqe, fd_, rbuf_.data + rtail_,
                           static_cast<unsigned>(rbuf_.size - rtail_), 0, rbuf_.index);
}

void TcpConnection::on_read(void* ctx, IoOp&, int res, std::uint32_t) noexcept {
  auto* self = static_cast<TcpConnection*>(ctx);
  if (self->state_ != TcpState::open) {
    self->maybe_finish_close();
    return;
  }
  if (res <= 0) {
    self->fail(res == 0 ? 0 : -res);
    return;
  }
  // Stamped at completion dispatch: the earliest user-space moment the bytes exist.
  const std::uint64_t tsc = TscClock::now();
  self->rtail_ += static_cast<std::size_t>(res);
  self->bytes_in_ += static_cast<std::uint64_t>(res);
  self->events_.on_tcp_data(*self, tsc);
  if (self->state_ == TcpState::open && !self->read_op_.pending) self->submit_read();
}

std::uint8_t* TcpConnection::write_reserve(std::size_t n) noexcept {
  if (state_ != TcpState::open) return nullptr;
  if (wtail_ + n > wbuf_.size && !write_op_.pending && whead_ > 0) {
    std::memmove(wbuf_.data, wbuf_.data + whead_, wtail_ - whead_);
    wtail_ -= whead_;
    wflight_ = whead_ = 0;
  }
  if (wtail_ + n > wbuf_.size) return nullptr;
  reserve_at_ = wtail_;
  return wbuf_.data + wtail_;
}

void TcpConnection::write_commit(const std::uint8_t* begin, std::size_t len) noexcept {
  if (state_ != TcpState::open) return;
  const auto off = static_cast<std::size_t>(begin - wbuf_.data);
  if (whead_ == wtail_ && !write_op_.pending) {
    whead_ = wflight_ = off;  // nothing queued: the write starts at the frame itself
    wtail_ = off + len;
  } else {
    if (off != wtail_) std::memmove(wbuf_.data + wtail_, begin, len);
    wtail_ += len;
  }
  if (!write_op_.pending) submit_write();
}

void TcpConnection::submit_write() noexcept {
  io_uring_sqe* sqe = loop_.sqe_for(write_op_);
  if (sqe == nullptr) {
    fail(EBUSY);
    return;
  }
  wflight_ = wtail_;
  // send with MSG_NOSIGNAL, not write_fixed: a write to a socket the peer has reset
  // raises SIGPIPE, which a library must not do to its process. (The fixed-buffer gain on
  // a send is one page pin of a few hundred bytes; SEND_ZC's notification CQE costs more
  // than it saves below ~10 KiB, and order traffic is far smaller.)
  io_uring_prep_send(sqe, fd_, wbuf_.data + whead_, wflight_ - whead_, MSG_NOSIGNAL);
}

void TcpConnection::on_write(void* ctx, IoOp&, int res, std::uint32_t) noexcept {
  auto* self = static_cast<TcpConnection*>(ctx);
  if (self->state_ != TcpState::open) {
    self->maybe_finish_close();
    return;
  }
  if (res < 0) {
    self->fail(-res);
    return;
  }
  self->whead_ += static_cast<std::size_t>(res);
  self->bytes_out_ += static_cast<std::uint64_t>(res);
  if (self->whead_ == self->wtail_) {
    self->whead_ = self->wflight_ = self->wtail_ = 0;
  } else {
    if (self->whead_ > self->wbuf_.size / 2) {
      // Under a sustained burst the buffer never empties: move the unsent rest to the
      // front (nothing is in flight now) so reservations keep finding room.
      std::memmove(self->wbuf_.data, self->wbuf_.data + self->whead_, self->wtail_ - self->whead_);
      self->wtail_ -= self->whead_;
      self->whead_ = 0;
    }
    self->submit_write();  // a short write, or frames queued while this one was in flight
  }
  if (self->state_ == TcpState::open) self->events_.on_tcp_sent(*self);
}

void TcpConnection::fail(int err) noexcept {
  if (state_ == TcpState::connecting) {
    // Both halves of the linked pair have completed (the callers wait for that).
    const int e = connect_timed_out_ ? ETIMEDOUT : -connect_result_;
    ::close(fd_);
    fd_ = -1;
    state_ = TcpState::closed;
    last_error_ = e;
    events_.on_tcp_connect_failed(*this, e);
    return;
  }
  close_reason_ = err;
  last_error_ = err;
  begin_close();
}

void TcpConnection::close() noexcept {
  if (state_ == TcpState::closed || state_ == TcpState::closing) return;
  close_reason_ = ECANCELED;
  begin_close();
}

void TcpConnection::begin_close() noexcept {
  if (state_ == TcpState::closed || state_ == TcpState::closing) return;
  state_ = TcpState::closing;
  IoOp* ops[] = {&connect_op_, &timeout_op_, &read_op_, &write_op_};
  for (IoOp* op : ops) {
    if (!op->pending) continue;
    if (io_uring_sqe* sqe = loop_.sqe_untracked()) io_uring_prep_cancel(sqe, op, 0);
  }
  // A read the kernel has already started is not cancellable; shutdown wakes it.
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  // The close is reported from a completion, never from inside close(): callers may be
  // in the middle of their own callback.
  if (io_uring_sqe* sqe = loop_.sqe_for(close_op_)) io_uring_prep_nop(sqe);
}

void TcpConnection::on_close_nop(void* ctx, IoOp&, int, std::uint32_t) noexcept {
  static_cast<TcpConnection*>(ctx)->maybe_finish_close();
}

void TcpConnection::maybe_finish_close() noexcept {
  if (state_ != TcpState::closing || ops_pending()) return;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  state_ = TcpState::closed;
  rhead_ = rtail_ = 0;
  whead_ = wflight_ = wtail_ = 0;
  events_.on_tcp_closed(*this, close_reason_);
}

}  // namespace ballast::net
