// What the WebSocket codec's fuzz target (ws_frame_fuzz.cpp) reached, read by its gtest
// driver (ws_frame_fuzz_test.cpp) to show the fuzzing was not vacuous.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace ballast::net {

// 0..15: decoder/assembler errors by WsError value; the named slots after that.
enum WsFuzzCounter : int {
  kFuzzErrorBase = 0,
  kFuzzFrames = 16,
  kFuzzNeedMore = 17,
  kFuzzMessages = 18,
  kFuzzFragmentsBuffered = 19,
  kFuzzControls = 20,
  kFuzzCounterCount = 21
};
std::uint64_t ws_fuzz_counter(int index);

}  // namespace ballast::net
