// The per-thread network event loop: one io_uring, its registered (fixed) buffers and
// relative timers. One loop per pinned gateway thread; not thread-safe by design (no
// locks: every connection and timer on a loop is touched only by the loop's thread).
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>

#include "ballast/net/idle_mode.hpp"

namespace ballast::net {

// One in-flight operation. The SQE's user_data points at it, so a completion dispatches
// with a pointer chase and no lookup; operations are members of their owner (connection,
// timer), so submitting one never allocates. An op has at most one SQE in flight.
struct IoOp {
  using Fn = void (*)(void* ctx, IoOp& op, int res, std::uint32_t cqe_flags) noexcept;
  Fn fn = nullptr;
  void* ctx = nullptr;
  bool pending = false;
};

struct IoRingOptions {
  unsigned entries = 256;
  IdleMode idle = IdleMode::busy_poll;
  // Fixed buffers registered once with the ring (io_uring_register_buffers): the kernel
  // pins the pages at setup, so read_fixed/write_fixed skip the per-I/O page walk.
  // A TcpConnection takes two (receive and send).
  unsigned buffer_count = 8;
  std::size_t buffer_size = 256 * 1024;
};

// A registered buffer slot handed to one owner for its lifetime.
struct FixedBuffer {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;
  int index = -1;  // buf_index for read_fixed / write_fixed
};

class IoRingLoop;

// A one-shot relative timer (IORING_OP_TIMEOUT). Arming a pending timer moves its
// deadline (IORING_TIMEOUT_UPDATE) instead of queueing a second one.
class IoTimer {
 public:
  using Fn = void (*)(void* ctx) noexcept;
  IoTimer(Fn fn, void* ctx) noexcept;
  IoTimer(const IoTimer&) = delete;
  IoTimer& operator=(const IoTimer&) = delete;
  [[nodiscard]] bool armed() const noexcept { return armed_; }
  [[nodiscard]] bool in_kernel() const noexcept { return op_.pending; }

 private:
  friend class IoRingLoop;
  static void on_complete(void* ctx, IoOp& op, int res, std::uint32_t flags) noexcept;
  IoOp op_;
  __kernel_timespec ts_{};  // read by the kernel at submit time: must outlive the SQE
  Fn fn_;
  void* ctx_;
  IoRingLoop* loop_ = nullptr;
  std::int64_t deadline_ns_ = 0;  // CLOCK_MONOTONIC; the truth when a completion races
  bool armed_ = false;            // the owner wants the callback
  bool cancelling_ = false;       // a remove is queued: a -ECANCELED completion follows
};

class IoRingLoop {
 public:
  // Setup: creates the ring, allocates and registers the fixed buffers. Throws
  // std::system_error when the kernel refuses (no io_uring, memlock limit).
  explicit IoRingLoop(const IoRingOptions& options = {});
  ~IoRingLoop();
  IoRingLoop(const IoRingLoop&) = delete;
  IoRingLoop& operator=(const IoRingLoop&) = delete;

  // Submits queued SQEs and dispatches every ready completion without waiting.
  // Returns the number of completions handled.
  int poll() noexcept;
  // One round in the loop's idle mode: busy_poll = poll(); blocking = sleep in the
  // kernel until at least one completion or `timeout_ns` (<= 0: do not wait).
  int run_once(std::int64_t timeout_ns) noexcept;
  // Hands queued SQEs to the kernel now (one io_uring_enter that never waits): an order
  // written from outside a completion callback goes on the wire without waiting for the
  // next poll.
  void flush() noexcept;

  [[nodiscard]] IdleMode idle_mode() const noexcept { return idle_; }
  void set_idle_mode(IdleMode m) noexcept { idle_ = m; }

  // An SQE bound to `op` (user_data = &op, op.pending = true). When the SQ ring is full
  // it submits what is queued and retries; nullptr only if the kernel still has no room.
  [[nodiscard]] io_uring_sqe* sqe_for(IoOp& op) noexcept;
  // An SQE whose completion is dropped (cancel and timer-update requests).
  [[nodiscard]] io_uring_sqe* sqe_untracked() noexcept;

  // Timers. Relative to now; arming an armed timer moves its deadline.
  bool arm(IoTimer& t, std::int64_t delay_ns) noexcept;
  void disarm(IoTimer& t) noexcept;

  // Fixed buffers: claimed at connection setup, released at its destruction.
  [[nodiscard]] FixedBuffer claim_buffer() noexcept;  // index -1 when none are free
  void release_buffer(const FixedBuffer& b) noexcept;
  [[nodiscard]] std::size_t buffer_size() const noexcept { return buffer_size_; }

  // Operations submitted but not completed (a loop must drain to 0 before destruction).
  [[nodiscard]] unsigned in_flight() const noexcept { return in_flight_; }
  [[nodiscard]] std::uint64_t completions() const noexcept { return completions_; }
  [[nodiscard]] io_uring* ring() noexcept { return &ring_; }

 private:
  friend class IoTimer;
  int dispatch() noexcept;
  bool submit_timer(IoTimer& t, std::int64_t delay_ns) noexcept;
  io_uring ring_{};
  IdleMode idle_;
  std::uint8_t* buffers_ = nullptr;
  std::size_t buffer_size_ = 0;
  unsigned buffer_count_ = 0;
  std::uint64_t free_mask_ = 0;  // bit i set: buffer i is free
  unsigned in_flight_ = 0;
  std::uint64_t completions_ = 0;
};

}  // namespace ballast::net
