// Drives the ws_frame_fuzz.cpp target under gtest with ~200k seeded inputs (random bytes
// and mutated valid frame streams), so every test run, and the ASan one, fuzzes the
// codec reproducibly. A failing input aborts with the invariant that broke.
#include "ws_frame_fuzz.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "ballast/net/ws_close.hpp"
#include "ballast/net/ws_frame.hpp"

namespace ballast::net::ws_frame_fuzz_test {

namespace {

using Bytes = std::vector<std::uint8_t>;

void append_random_frame(Bytes& out, std::mt19937_64& rng, bool masked) {
  constexpr WsOpcode kOpcodes[] = {WsOpcode::continuation, WsOpcode::text, WsOpcode::binary,
                                   WsOpcode::close,        WsOpcode::ping, WsOpcode::pong};
  const WsOpcode op = kOpcodes[rng() % 6];
  const bool fin = is_control(op) || rng() % 3 != 0;
  std::size_t len = rng() % 40;
  if (!is_control(op)) {
    const auto size_class = rng() % 5000;
    if (size_class == 0)
      len = 65536 + rng() % 2000;
    else if (size_class < 500)
      len = 126 + rng() % 400;
  }
  Bytes payload(len);
  const bool ascii = rng() % 4 != 0;  // mostly valid UTF-8, so messages get delivered
  for (auto& b : payload) b = static_cast<std::uint8_t>(ascii ? 0x20 + rng() % 0x5F : rng());
  if (op == WsOpcode::close && len >= 2 && rng() % 2 == 0) {
    const std::uint16_t code =
        (rng() % 2 == 0) ? ws_close::normal : static_cast<std::uint16_t>(rng());
    payload[0] = static_cast<std::uint8_t>(code >> 8);
    payload[1] = static_cast<std::uint8_t>(code);
  }
  const auto key = static_cast<std::uint32_t>(rng());
  const std::size_t at = out.size();
  out.resize(at + kWsMaxClientHeader + len);
  const std::size_t n = encode_ws_frame(out.data() + at, out.size() - at, op, fin, payload.data(),
                                        len, masked ? &key : nullptr);
  out.resize(at + n);
}

void mutate(Bytes& input, std::mt19937_64& rng) {
  const int mutations = 1 + static_cast<int>(rng() % 3);
  for (int m = 0; m < mutations && !input.empty(); ++m) {
    const std::size_t at = rng() % input.size();
    switch (rng() % 6) {
      case 0:
        input[at] = static_cast<std::uint8_t>(input[at] ^ (1u << (rng() % 8)));
        break;
      case 1:
        input[at] = static_cast<std::uint8_t>(rng());
        break;
      case 2:
        input.resize(at);
        break;  // truncate
      case 3:
        input.insert(input.begin() + static_cast<std::ptrdiff_t>(at),
                     static_cast<std::uint8_t>(rng()));
        break;
      case 4:
        input.erase(input.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      default: {
        // Interesting header bytes: length markers, MSB-set lengths, RSV bits.
        constexpr std::uint8_t kInteresting[] = {0x00, 0x7E, 0x7F, 0x80, 0xFE,
                                                 0xFF, 0x70, 0x88, 0x08};
        input[at] = kInteresting[rng() % sizeof kInteresting];
      }
    }
  }
}

// Counter deltas over one test, since ctest runs each test in its own process anyway.
struct CounterSnapshot {
  std::uint64_t at[kFuzzCounterCount];
  CounterSnapshot() {
    for (int i = 0; i < kFuzzCounterCount; ++i) at[i] = ws_fuzz_counter(i);
  }
  std::uint64_t since(int index) const { return ws_fuzz_counter(index) - at[index]; }
};

std::uint64_t errors_since(const CounterSnapshot& s, WsError e) {
  return s.since(kFuzzErrorBase + static_cast<int>(e));
}

TEST(WsFrameFuzzTest, RandomBytes) {
  const CounterSnapshot before;
  std::mt19937_64 rng(0xB411A57);
  Bytes input;
  for (int i = 0; i < 100000; ++i) {
    input.resize(rng() % 48);
    for (auto& b : input) b = static_cast<std::uint8_t>(rng());
    // Half the inputs start with a plausible first byte, so more reach the length logic.
    if (!input.empty() && rng() % 2 == 0) {
      input[0] = static_cast<std::uint8_t>((rng() % 2 ? 0x80 : 0x00) | (rng() % 11));
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  EXPECT_GT(before.since(kFuzzFrames), 1000u);
  EXPECT_GT(before.since(kFuzzNeedMore), 1000u);
  for (WsError e : {WsError::reserved_bits, WsError::bad_opcode, WsError::control_fragmented,
                    WsError::unexpected_mask, WsError::missing_mask}) {
    EXPECT_GT(errors_since(before, e), 0u) << to_string(e);
  }
}

// Valid streams of 1-4 frames (both roles, all opcodes, all three length encodings),
// three quarters of them mutated: these reach the assembler's rules too, and the test
// checks that every error and every kind of success was actually reached.
TEST(WsFrameFuzzTest, MutatedValidFrameStreams) {
  const CounterSnapshot before;
  std::mt19937_64 rng(6455);
  Bytes input;
  for (int i = 0; i < 100000; ++i) {
    input.clear();
    const bool masked = rng() % 2 == 0;
    const int frames = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < frames; ++f) append_random_frame(input, rng, masked);
    if (rng() % 4 != 0) mutate(input, rng);
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  for (int e = 1; e <= static_cast<int>(WsError::bad_close_code); ++e) {
    EXPECT_GT(errors_since(before, static_cast<WsError>(e)), 0u)
        << to_string(static_cast<WsError>(e));
  }
  EXPECT_GT(before.since(kFuzzFrames), 10000u);
  EXPECT_GT(before.since(kFuzzNeedMore), 1000u);
  EXPECT_GT(before.since(kFuzzMessages), 1000u);
  EXPECT_GT(before.since(kFuzzFragmentsBuffered), 1000u);
  EXPECT_GT(before.since(kFuzzControls), 1000u);
}

}  // namespace
}  // namespace ballast::net::ws_frame_fuzz_test
