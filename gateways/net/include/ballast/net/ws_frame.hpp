// RFC 6455 frame codec, pure (no sockets, no allocation): decode a frame as a view over
// the caller's receive buffer, and encode headers in place so a payload serialised into
// the send buffer goes out without a copy.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ballast::net {

enum class WsOpcode : std::uint8_t {
  continuation = 0,
  text = 1,
  binary = 2,
  close = 8,
  ping = 9,
  pong = 10,
};

// The role of the side DECODING: a client must receive unmasked frames (RFC 6455 5.1),
// a server masked ones; either violation fails the connection.
enum class WsRole : std::uint8_t { client, server };

enum class WsError : std::uint8_t {
  none,
  reserved_bits,            // RSV1-3 set, and no extension was negotiated
  bad_opcode,               // 3-7 or 11-15
  control_fragmented,       // control frame with FIN = 0
  control_too_long,         // control frame payload > 125
  non_minimal_length,       // 16-bit length < 126 or 64-bit length <= 0xFFFF
  length_msb_set,           // 64-bit length with the most significant bit set
  unexpected_mask,          // masked frame received by a client
  missing_mask,             // unmasked frame received by a server
  too_big,                  // frame or message larger than the configured maximum
  unexpected_continuation,  // continuation with no fragmented message open
  expected_continuation,    // new data frame while a fragmented message is open
  invalid_utf8,             // text message or close reason is not valid UTF-8
  bad_close_payload,        // close payload of exactly 1 byte
  bad_close_code,           // close code not allowed on the wire
};

const char* to_string(WsError error) noexcept;
// The close code to send when failing the connection for `error`: 1007 for invalid
// UTF-8, 1009 for too big, 1002 (protocol error) for everything else; 1000 for none.
std::uint16_t close_code_for(WsError error) noexcept;

[[nodiscard]] constexpr bool is_control(WsOpcode op) noexcept {
  return (static_cast<std::uint8_t>(op) & 0x8u) != 0;
}

enum class WsDecodeStatus : std::uint8_t { frame, need_more, error };

inline constexpr std::size_t kWsMaxControlPayload = 125;
inline constexpr std::size_t kWsMaxServerHeader = 10;  // 2 + 8-byte length, unmasked
inline constexpr std::size_t kWsMaxClientHeader = 14;  // 2 + 8-byte length + 4-byte mask

struct WsFrameView {
  WsOpcode opcode = WsOpcode::continuation;
  bool fin = false;
  bool masked = false;
  // The 4 key bytes in wire order, memcpy'd into the integer (so its numeric value is
  // host-endian): masking is then a memcpy and an xor, with no byte swapping.
  std::uint32_t mask_key = 0;
  // Points into the decoded buffer; still masked when `masked` (the decoder never writes).
  const std::uint8_t* payload = nullptr;
  std::size_t payload_len = 0;
  std::size_t frame_len = 0;  // header + payload bytes: advance the buffer by this much
};

struct WsDecodeResult {
  WsDecodeStatus status = WsDecodeStatus::need_more;
  WsError error = WsError::none;
  WsFrameView frame{};
  // need_more: the total bytes this frame needs as far as is known (the complete frame
  // once the length field has arrived, else the header size known so far); frame: frame_len.
  std::size_t needed = 0;
};

// Decodes the frame at the start of data[0, len). Never reads beyond len, never copies,
// never throws. Every check that the header alone can decide (including too_big against
// max_payload) is made before the payload has arrived, so a hostile length fails fast.
WsDecodeResult decode_ws_frame(const std::uint8_t* data, std::size_t len, WsRole role,
                               std::size_t max_payload) noexcept;

// XORs p[0, n) with the mask, 8 bytes per step. key_offset is the position of p[0]
// within the payload (only its value mod 4 matters), so a payload may be unmasked in
// pieces as it arrives.
void ws_mask_in_place(std::uint8_t* p, std::size_t n, std::uint32_t key,
                      std::size_t key_offset = 0) noexcept;

[[nodiscard]] constexpr std::size_t ws_header_size(std::size_t payload_len, bool masked) noexcept {
  const std::size_t length_bytes = payload_len < 126 ? 0 : (payload_len <= 0xFFFF ? 2 : 8);
  return 2 + length_bytes + (masked ? 4 : 0);
}

// Writes the header only, ws_header_size(payload_len, mask_key != nullptr) bytes, and
// returns that count. Zero-copy send: serialise the payload at buf + kWsMaxClientHeader,
// write the header at payload - ws_header_size(...), then ws_mask_in_place the payload.
// mask_key == nullptr sends unmasked (server side); the encoder does not police that.
std::size_t write_ws_header(std::uint8_t* out, WsOpcode op, bool fin, std::size_t payload_len,
                            const std::uint32_t* mask_key) noexcept;

// Header + (masked) copy of the payload into out; 0 when it does not fit in cap.
std::size_t encode_ws_frame(std::uint8_t* out, std::size_t cap, WsOpcode op, bool fin,
                            const std::uint8_t* payload, std::size_t len,
                            const std::uint32_t* mask_key) noexcept;

}  // namespace ballast::net
