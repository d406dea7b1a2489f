#include "ballast/net/io_ring_loop.hpp"

#include <sys/mman.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "ballast/core/clock.hpp"

namespace ballast::net {

namespace {
constexpr unsigned kMaxBuffers = 64;  // free_mask_ is one word
constexpr unsigned kCqeBatch = 64;

__kernel_timespec to_kts(std::int64_t ns) noexcept {
  if (ns < 0) ns = 0;
  __kernel_timespec ts{};
  ts.tv_sec = ns / 1'000'000'000;
  ts.tv_nsec = ns % 1'000'000'000;
  return ts;
}
}  // namespace

IoTimer::IoTimer(Fn fn, void* ctx) noexcept : fn_(fn), ctx_(ctx) {
  op_.fn = &IoTimer::on_complete;
  op_.ctx = this;
}

void IoTimer::on_complete(void* ctx, IoOp&, int res, std::uint32_t) noexcept {
  auto* t = static_cast<IoTimer*>(ctx);
  // Whatever the result, no remove can still be waiting for this op: a queued remove
  // sits ahead of any re-submission in the SQ, and the SQ is consumed in order.
  t->cancelling_ = false;
  if (!t->armed_) return;
  // A deadline update can lose the race against the old deadline's completion (the
  // update then fails with -ENOENT), and a re-arm can follow a queued remove: the stored
  // absolute deadline decides, and an early completion re-submits for the rest.
  const std::int64_t left = t->deadline_ns_ - monotonic_ns();
  if (left > 50'000 || res == -ECANCELED) {
    t->loop_->submit_timer(*t, left);
    return;
  }
  t->armed_ = false;
  t->fn_(t->ctx_);
}

IoRingLoop::IoRingLoop(const IoRingOptions& options) : idle_(options.idle) {
  if (options.buffer_count > kMaxBuffers)
    throw std::system_error(EINVAL, std::generic_category(), "IoRingLoop: buffer_count > 64");
  io_uring_params params{};
  // Completions run as task work when this thread next enters the kernel instead of
  // interrupting it (COOP_TASKRUN, 5.19+); fall back without the flags on older kernels.
  params.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL;
  int rc = io_uring_queue_init_params(options.entries, &ring_, &params);
  if (rc == -EINVAL) {
    params = io_uring_params{};
    rc = io_uring_queue_init_params(options.entries, &ring_, &params);
  }
  if (rc < 0) throw std::system_error(-rc, std::generic_category(), "io_uring_queue_init");

  buffer_count_ = options.buffer_count;
  buffer_size_ = options.buffer_size;
  if (buffer_count_ > 0 && buffer_size_ > 0) {
    const std::size_t total = buffer_size_ * buffer_count_;
    void* mem = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
      io_uring_queue_exit(&ring_);
      throw std::system_error(errno, std::generic_category(), "mmap fixed buffers");
    }
    buffers_ = static_cast<std::uint8_t*>(mem);
    std::vector<iovec> iov(buffer_count_);
    for (unsigned i = 0; i < buffer_count_; ++i) {
      iov[i].iov_base = buffers_ + i * buffer_size_;
      iov[i].iov_len = buffer_size_;
    }
    rc = io_uring_register_buffers(&ring_, iov.data(), buffer_count_);
    if (rc < 0) {
      ::munmap(buffers_, total);
      io_uring_queue_exit(&ring_);
      throw std::system_error(-rc, std::generic_category(), "io_uring_register_buffers");
    }
    free_mask_ = buffer_count_ == 64 ? ~0ULL : ((1ULL << buffer_count_) - 1);
  }
}

IoRingLoop::~IoRingLoop() {
  io_uring_queue_exit(&ring_);  // also unregisters the buffers
  if (buffers_ != nullptr) ::munmap(buffers_, buffer_size_ * buffer_count_);
}

io_uring_sqe* IoRingLoop::sqe_untracked() noexcept {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  if (sqe != nullptr) io_uring_sqe_set_data64(sqe, 0);
  return sqe;
}

io_uring_sqe* IoRingLoop::sqe_for(IoOp& op) noexcept {
  io_uring_sqe* sqe = sqe_untracked();
  if (sqe == nullptr) return nullptr;
  io_uring_sqe_set_data(sqe, &op);
  op.pending = true;
  ++in_flight_;
  return sqe;
}

bool IoRingLoop::submit_timer(IoTimer& t, std::int64_t delay_ns) noexcept {
  t.ts_ = to_kts(delay_ns);
  io_uring_sqe* sqe = sqe_for(t.op_);
  if (sqe == nullptr) return false;
  io_uring_prep_timeout(sqe, &t.ts_, 0, 0);
  return true;
}

bool IoRingLoop::arm(IoTimer& t, std::int64_t delay_ns) noexcept {
  t.loop_ = this;
  t.deadline_ns_ = monotonic_ns() + delay_ns;
  t.armed_ = true;
  if (!t.op_.pending) return submit_timer(t, delay_ns);
  if (t.cancelling_) return true;  // re-submitted when the -ECANCELED completion arrives
  t.ts_ = to_kts(delay_ns);
  io_uring_sqe* sqe = sqe_untracked();
  if (sqe == nullptr) return false;
  io_uring_prep_timeout_update(sqe, &t.ts_, reinterpret_cast<std::uint64_t>(&t.op_), 0);
  return true;
}

void IoRingLoop::disarm(IoTimer& t) noexcept {
  t.armed_ = false;
  if (!t.op_.pending || t.cancelling_) return;
  io_uring_sqe* sqe = sqe_untracked();
  if (sqe == nullptr) return;  // it fires later and is ignored (armed_ is false)
  io_uring_prep_timeout_remove(sqe, reinterpret_cast<std::uint64_t>(&t.op_), 0);
  t.cancelling_ = true;
}

FixedBuffer IoRingLoop::claim_buffer() noexcept {
  if (free_mask_ == 0) return {};
  const int i = __builtin_ctzll(free_mask_);
  free_mask_ &= ~(1ULL << i);
  return FixedBuffer{buffers_ + static_cast<std::size_t>(i) * buffer_size_, buffer_size_, i};
}

void IoRingLoop::release_buffer(const FixedBuffer& b) noexcept {
  if (b.index >= 0) free_mask_ |= 1ULL << b.index;
}

int IoRingLoop::dispatch() noexcept {
  int handled = 0;
  io_uring_cqe* cqes[kCqeBatch];
  for (;;) {
    const unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, kCqeBatch);
    if (n == 0) break;
    for (unsigned i = 0; i < n; ++i) {
      auto* op = static_cast<IoOp*>(io_uring_cqe_get_data(cqes[i]));
      if (op == nullptr) continue;
      const int res = cqes[i]->res;
      const std::uint32_t flags = cqes[i]->flags;
      // Cleared before the callback so it can resubmit the same op.
      op->pending = false;
      --in_flight_;
      op->fn(op->ctx, *op, res, flags);
      ++handled;
    }
    // Advancing after the batch is safe: the callbacks only add SQEs, never read CQEs.
    io_uring_cq_advance(&ring_, n);
    if (n < kCqeBatch) break;
  }
  completions_ += static_cast<std::uint64_t>(handled);
  return handled;
}

int IoRingLoop::poll() noexcept {
  // One io_uring_enter only when there is something to submit; an idle busy-poll round
  // is a pure user-space read of the CQ tail.
  if (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
  return dispatch();
}

void IoRingLoop::flush() noexcept {
  if (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
}

int IoRingLoop::run_once(std::int64_t timeout_ns) noexcept {
  if (idle_ == IdleMode::busy_poll || timeout_ns <= 0) return poll();
  const int ready = dispatch();
  if (ready > 0) {
    if (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
    return ready;
  }
  __kernel_timespec ts = to_kts(timeout_ns);
  io_uring_cqe* cqe = nullptr;
  // Submits and sleeps in one syscall (EXT_ARG carries the timeout: no timeout SQE).
  io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  return dispatch();
}

}  // namespace ballast::net
