// libFuzzer target for the WebSocket codec: arbitrary bytes through decode_ws_frame and
// WsMessageAssembler in both roles (and through the handshake parser and the UTF-8
// validator), checking invariants that must hold for any input. Out-of-bounds reads are
// left to ASan. Built standalone with clang -fsanitize=fuzzer, or driven by
// ws_frame_fuzz_test.cpp under gtest.
#include "ws_frame_fuzz.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ballast/net/utf8.hpp"
#include "ballast/net/ws_close.hpp"
#include "ballast/net/ws_frame.hpp"
#include "ballast/net/ws_handshake.hpp"
#include "ballast/net/ws_message_assembler.hpp"

// abort(), not an exception: libFuzzer and gtest death both report it with the input.
#define WS_FUZZ_CHECK(cond)                                                                  \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "ws_frame_fuzz: invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
                   __LINE__);                                                                \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace ballast::net {

namespace {

constexpr std::size_t kMaxMessage = 1 << 16;
std::uint64_t g_counters[kFuzzCounterCount];

void check_frame(const std::uint8_t* at, std::size_t remaining, const WsDecodeResult& r) {
  const WsFrameView& f = r.frame;
  WS_FUZZ_CHECK(f.frame_len <= remaining);
  WS_FUZZ_CHECK(f.frame_len >= 2);
  WS_FUZZ_CHECK(r.needed == f.frame_len);
  WS_FUZZ_CHECK(f.payload >= at && f.payload + f.payload_len == at + f.frame_len);
  WS_FUZZ_CHECK(f.frame_len - f.payload_len == ws_header_size(f.payload_len, f.masked));
  WS_FUZZ_CHECK(f.payload_len <= kMaxMessage);
  if (is_control(f.opcode)) WS_FUZZ_CHECK(f.fin && f.payload_len <= kWsMaxControlPayload);

  // Lengths are minimal, so a valid frame has exactly one encoding: re-encoding the
  // unmasked payload with the same key must give back the input bytes.
  std::vector<std::uint8_t> plain(f.payload, f.payload + f.payload_len);
  if (f.masked) ws_mask_in_place(plain.data(), plain.size(), f.mask_key);
  std::vector<std::uint8_t> again(f.frame_len);
  const std::size_t n = encode_ws_frame(again.data(), again.size(), f.opcode, f.fin, plain.data(),
                                        plain.size(), f.masked ? &f.mask_key : nullptr);
  WS_FUZZ_CHECK(n == f.frame_len);
  WS_FUZZ_CHECK(std::memcmp(again.data(), at, n) == 0);
}

void check_event(const WsAssemblerEvent& e, const std::uint8_t* buf, std::size_t size) {
  switch (e.kind) {
    case WsEventKind::none:
      ++g_counters[kFuzzFragmentsBuffered];
      break;
    case WsEventKind::error:
      WS_FUZZ_CHECK(e.error != WsError::none);
      ++g_counters[kFuzzErrorBase + static_cast<int>(e.error)];
      break;
    case WsEventKind::text:
      WS_FUZZ_CHECK(is_valid_utf8(e.data, e.len));
      [[fallthrough]];
    case WsEventKind::binary:
      WS_FUZZ_CHECK(e.len <= kMaxMessage);
      ++g_counters[kFuzzMessages];
      break;
    case WsEventKind::close:
      WS_FUZZ_CHECK(e.close_code == ws_close::no_status ||
                    is_valid_received_close_code(e.close_code));
      WS_FUZZ_CHECK(e.len <= kWsMaxCloseReason && is_valid_utf8(e.data, e.len));
      [[fallthrough]];
    case WsEventKind::ping:
    case WsEventKind::pong:
      WS_FUZZ_CHECK(e.len <= kWsMaxControlPayload);
      // Control payloads are always views into the receive buffer.
      WS_FUZZ_CHECK(e.len == 0 || (e.data >= buf && e.data + e.len <= buf + size));
      ++g_counters[kFuzzControls];
      break;
  }
  // Touch every delivered byte so ASan sees any view that points somewhere wrong.
  unsigned sum = 0;
  for (std::size_t i = 0; i < e.len; ++i) sum += e.data[i];
  static_cast<void>(sum);
}

void run_role(const std::uint8_t* data, std::size_t size, WsRole role) {
  // An exact-size heap copy: ASan flags a read one past the end. Mutable, because the
  // assembler unmasks in place.
  std::vector<std::uint8_t> buf(data, data + size);
  // One assembler per role for the whole run, reset per input as for a new connection:
  // that is the path reset() must make safe, and it spares a 64 KiB allocation per input.
  static WsMessageAssembler client_assembler(kMaxMessage, WsRole::client);
  static WsMessageAssembler server_assembler(kMaxMessage, WsRole::server);
  WsMessageAssembler& assembler = role == WsRole::client ? client_assembler : server_assembler;
  assembler.reset();
  std::size_t pos = 0;
  while (pos < size) {
    const std::uint8_t* at = buf.data() + pos;
    const std::size_t remaining = size - pos;
    const WsDecodeResult r = decode_ws_frame(at, remaining, role, kMaxMessage);
    if (r.status == WsDecodeStatus::need_more) {
      WS_FUZZ_CHECK(r.needed > remaining);
      WS_FUZZ_CHECK(r.error == WsError::none);
      ++g_counters[kFuzzNeedMore];
      return;
    }
    if (r.status == WsDecodeStatus::error) {
      WS_FUZZ_CHECK(r.error != WsError::none);
      ++g_counters[kFuzzErrorBase + static_cast<int>(r.error)];
      return;
    }
    ++g_counters[kFuzzFrames];
    check_frame(at, remaining, r);
    const WsAssemblerEvent e = assembler.feed(r.frame);
    check_event(e, buf.data(), size);
    if (e.kind == WsEventKind::error) return;
    pos += r.frame.frame_len;
  }
}

}  // namespace

std::uint64_t ws_fuzz_counter(int index) {
  return g_counters[index];
}

}  // namespace ballast::net

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ballast::net;
  run_role(data, size, WsRole::client);
  run_role(data, size, WsRole::server);

  // The incremental validator must agree with itself however the input is split.
  Utf8Validator split;
  const std::size_t half = size / 2;
  const bool split_ok = split.feed(data, half) && split.feed(data + half, size - half);
  WS_FUZZ_CHECK((split_ok && split.complete()) == is_valid_utf8(data, size));

  const std::vector<char> text(data, data + size);
  const WsHandshakeResult h =
      parse_ws_upgrade_response(text.data(), text.size(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 512);
  WS_FUZZ_CHECK(h.header_len <= size);
  WS_FUZZ_CHECK((h.status == WsDecodeStatus::error) == (h.error != WsHandshakeError::none));
  return 0;
}
