// RFC 6455 frame decoding and encoding (ws_frame.hpp) and the close payload rules
// (ws_close.hpp), which share the frame layer's error codes.
#include "ballast/net/ws_frame.hpp"

#include <cstring>

#include "ballast/net/utf8.hpp"
#include "ballast/net/ws_close.hpp"

namespace ballast::net {
namespace {

constexpr std::uint8_t kFinBit = 0x80;
constexpr std::uint8_t kReservedBits = 0x70;
constexpr std::uint8_t kOpcodeBits = 0x0F;
constexpr std::uint8_t kMaskBit = 0x80;
constexpr std::uint8_t kLength7Bits = 0x7F;
constexpr std::uint8_t kLength16Marker = 126;
constexpr std::uint8_t kLength64Marker = 127;

constexpr bool is_known_opcode(std::uint8_t op) noexcept {
  return op <= 2 || (op >= 8 && op <= 10);
}

WsDecodeResult need_more(std::size_t needed) noexcept {
  WsDecodeResult r;
  r.status = WsDecodeStatus::need_more;
  r.needed = needed;
  return r;
}

WsDecodeResult failed(WsError error) noexcept {
  WsDecodeResult r;
  r.status = WsDecodeStatus::error;
  r.error = error;
  return r;
}

}  // namespace

const char* to_string(WsError error) noexcept {
  switch (error) {
    case WsError::none:
      return "none";
    case WsError::reserved_bits:
      return "reserved_bits";
    case WsError::bad_opcode:
      return "bad_opcode";
    case WsError::control_fragmented:
      return "control_fragmented";
    case WsError::control_too_long:
      return "control_too_long";
    case WsError::non_minimal_length:
      return "non_minimal_length";
    case WsError::length_msb_set:
      return "length_msb_set";
    case WsError::unexpected_mask:
      return "unexpected_mask";
    case WsError::missing_mask:
      return "missing_mask";
    case WsError::too_big:
      return "too_big";
    case WsError::unexpected_continuation:
      return "unexpected_continuation";
    case WsError::expected_continuation:
      return "expected_continuation";
    case WsError::invalid_utf8:
      return "invalid_utf8";
    case WsError::bad_close_payload:
      return "bad_close_payload";
    case WsError::bad_close_code:
      return "bad_close_code";
  }
  return "unknown";
}

std::uint16_t close_code_for(WsError error) noexcept {
  switch (error) {
    case WsError::none:
      return ws_close::normal;
    case WsError::invalid_utf8:
      return ws_close::invalid_payload;
    case WsError::too_big:
      return ws_close::message_too_big;
    default:
      return ws_close::protocol_error;
  }
}

WsDecodeResult decode_ws_frame(const std::uint8_t* data, std::size_t len, WsRole role,
                               std::size_t max_payload) noexcept {
  if (len == 0) return need_more(2);
  // The first byte is judged alone, so garbage fails on its first byte.
  const std::uint8_t b0 = data[0];
  if ((b0 & kReservedBits) != 0) return failed(WsError::reserved_bits);
  const std::uint8_t op = b0 & kOpcodeBits;
  if (!is_known_opcode(op)) return failed(WsError::bad_opcode);
  const bool fin = (b0 & kFinBit) != 0;
  const auto opcode = static_cast<WsOpcode>(op);
  if (is_control(opcode) && !fin) return failed(WsError::control_fragmented);
  if (len < 2) return need_more(2);

  const std::uint8_t b1 = data[1];
  const bool masked = (b1 & kMaskBit) != 0;
  if (role == WsRole::client && masked) return failed(WsError::unexpected_mask);
  if (role == WsRole::server && !masked) return failed(WsError::missing_mask);
  const std::uint8_t length7 = b1 & kLength7Bits;
  if (is_control(opcode) && length7 > kWsMaxControlPayload) {
    return failed(WsError::control_too_long);
  }

  const std::size_t length_bytes =
      length7 == kLength16Marker ? 2 : (length7 == kLength64Marker ? 8 : 0);
  const std::size_t header_len = 2 + length_bytes + (masked ? 4 : 0);
  if (len < 2 + length_bytes) return need_more(header_len);

  std::uint64_t payload_len = length7;
  if (length7 == kLength16Marker) {
    payload_len = (std::uint64_t{data[2]} << 8) | data[3];
    if (payload_len < kLength16Marker) return failed(WsError::non_minimal_length);
  } else if (length7 == kLength64Marker) {
    payload_len = 0;
    for (std::size_t i = 0; i < 8; ++i) payload_len = (payload_len << 8) | data[2 + i];
    if ((payload_len >> 63) != 0) return failed(WsError::length_msb_set);
    if (payload_len <= 0xFFFF) return failed(WsError::non_minimal_length);
  }
  if (payload_len > max_payload) return failed(WsError::too_big);

  // payload_len < 2^63 and header_len <= 14, so the sum cannot wrap.
  const std::size_t frame_len = header_len + static_cast<std::size_t>(payload_len);
  if (len < frame_len) return need_more(frame_len);

  WsDecodeResult r;
  r.status = WsDecodeStatus::frame;
  r.frame.opcode = opcode;
  r.frame.fin = fin;
  r.frame.masked = masked;
  if (masked) std::memcpy(&r.frame.mask_key, data + 2 + length_bytes, 4);
  r.frame.payload = data + header_len;
  r.frame.payload_len = static_cast<std::size_t>(payload_len);
  r.frame.frame_len = frame_len;
  r.needed = frame_len;
  return r;
}

void ws_mask_in_place(std::uint8_t* p, std::size_t n, std::uint32_t key,
                      std::size_t key_offset) noexcept {
  std::uint8_t key_bytes[4];
  std::memcpy(key_bytes, &key, 4);
  // The key rotated to p[0]'s position and repeated to a word: byte i of p is XORed with
  // pattern[i % 8] from here on, whatever the offset.
  std::uint8_t pattern[8];
  for (std::size_t j = 0; j < 8; ++j) pattern[j] = key_bytes[(key_offset + j) & 3];
  std::uint64_t pattern_word;
  std::memcpy(&pattern_word, pattern, 8);

  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    word ^= pattern_word;
    std::memcpy(p + i, &word, 8);
  }
  for (; i < n; ++i) p[i] = static_cast<std::uint8_t>(p[i] ^ pattern[i & 7]);
}

std::size_t write_ws_header(std::uint8_t* out, WsOpcode op, bool fin, std::size_t payload_len,
                            const std::uint32_t* mask_key) noexcept {
  const std::uint8_t mask_bit = mask_key != nullptr ? kMaskBit : 0;
  out[0] = static_cast<std::uint8_t>((fin ? kFinBit : 0) | static_cast<std::uint8_t>(op));
  std::size_t pos = 2;
  if (payload_len < kLength16Marker) {
    out[1] = static_cast<std::uint8_t>(mask_bit | payload_len);
  } else if (payload_len <= 0xFFFF) {
    out[1] = static_cast<std::uint8_t>(mask_bit | kLength16Marker);
    out[2] = static_cast<std::uint8_t>(payload_len >> 8);
    out[3] = static_cast<std::uint8_t>(payload_len);
    pos = 4;
  } else {
    out[1] = static_cast<std::uint8_t>(mask_bit | kLength64Marker);
    const auto wide = static_cast<std::uint64_t>(payload_len);
    for (std::size_t i = 0; i < 8; ++i) {
      out[2 + i] = static_cast<std::uint8_t>(wide >> (56 - 8 * i));
    }
    pos = 10;
  }
  if (mask_key != nullptr) {
    std::memcpy(out + pos, mask_key, 4);
    pos += 4;
  }
  return pos;
}

std::size_t encode_ws_frame(std::uint8_t* out, std::size_t cap, WsOpcode op, bool fin,
                            const std::uint8_t* payload, std::size_t len,
                            const std::uint32_t* mask_key) noexcept {
  const std::size_t header_len = ws_header_size(len, mask_key != nullptr);
  if (len > cap || header_len > cap - len) return 0;
  // Written before the header so a payload already sitting at out + header_len is fine.
  if (len != 0) std::memmove(out + header_len, payload, len);
  write_ws_header(out, op, fin, len, mask_key);
  if (mask_key != nullptr) ws_mask_in_place(out + header_len, len, *mask_key);
  return header_len + len;
}

bool is_valid_received_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

WsError parse_close_payload(const std::uint8_t* payload, std::size_t len,
                            WsClosePayload& out) noexcept {
  out = WsClosePayload{};
  if (len == 0) return WsError::none;  // no_status, the default
  if (len == 1 || len > kWsMaxControlPayload) return WsError::bad_close_payload;
  const auto code = static_cast<std::uint16_t>((payload[0] << 8) | payload[1]);
  if (!is_valid_received_close_code(code)) return WsError::bad_close_code;
  if (!is_valid_utf8(payload + 2, len - 2)) return WsError::invalid_utf8;
  out.code = code;
  out.reason = reinterpret_cast<const char*>(payload + 2);
  out.reason_len = len - 2;
  return WsError::none;
}

std::size_t write_close_payload(std::uint8_t* out, std::uint16_t code,
                                std::string_view reason) noexcept {
  if (code == ws_close::no_status) return 0;
  std::size_t cut = reason.size() < kWsMaxCloseReason ? reason.size() : kWsMaxCloseReason;
  // Back off over continuation bytes so the cut never lands inside a code point.
  while (cut < reason.size() && cut > 0 &&
         (static_cast<std::uint8_t>(reason[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  out[0] = static_cast<std::uint8_t>(code >> 8);
  out[1] = static_cast<std::uint8_t>(code);
  if (cut != 0) std::memcpy(out + 2, reason.data(), cut);
  return 2 + cut;
}

}  // namespace ballast::net
