// How a gateway thread waits for network completions: spin on the completion queue
// (lowest latency, burns the core) or sleep in io_uring_enter until work or a deadline.
// Both modes run the same loop code; only IoRingLoop::run_once differs.
#pragma once

#include <cstdint>

namespace ballast::net {

enum class IdleMode : std::uint8_t {
  busy_poll,  // peek the completion ring in user space; never sleeps in the kernel
  blocking,   // io_uring_submit_and_wait_timeout: the thread sleeps until a completion
};

[[nodiscard]] constexpr const char* to_string(IdleMode m) noexcept {
  return m == IdleMode::busy_poll ? "busy_poll" : "blocking";
}

}  // namespace ballast::net
