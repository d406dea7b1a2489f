// WebSocket close frames (RFC 6455 5.5.1, 7.4): the status codes, which of them may
// appear on the wire, and the payload layout (2-byte big-endian code + UTF-8 reason).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ballast/net/ws_frame.hpp"

namespace ballast::net {

namespace ws_close {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
// 1005 and 1006 are for reporting locally only: they must never be sent.
inline constexpr std::uint16_t no_status = 1005;
inline constexpr std::uint16_t abnormal = 1006;
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t mandatory_extension = 1010;
inline constexpr std::uint16_t internal_error = 1011;
// Registered with IANA after RFC 6455; peers (proxies, exchanges) do send them.
inline constexpr std::uint16_t service_restart = 1012;
inline constexpr std::uint16_t try_again_later = 1013;
inline constexpr std::uint16_t bad_gateway = 1014;
}  // namespace ws_close

inline constexpr std::size_t kWsMaxCloseReason = kWsMaxControlPayload - 2;  // 123

// 1000-1003, 1007-1014 and 3000-4999. 1004 is reserved, 1005/1006/1015 are local-only,
// the rest of 1000-2999 is reserved for the protocol and < 1000 is unused.
bool is_valid_received_close_code(std::uint16_t code) noexcept;

struct WsClosePayload {
  std::uint16_t code = ws_close::no_status;
  const char* reason = nullptr;  // points into the payload; not NUL-terminated
  std::size_t reason_len = 0;
};

// Empty payload = no_status (1005). One byte = bad_close_payload; a code not valid on the
// wire = bad_close_code; a reason that is not UTF-8 = invalid_utf8. `len` above 125 is
// the frame decoder's job (control_too_long); here it is only reported as bad_close_payload.
WsError parse_close_payload(const std::uint8_t* payload, std::size_t len,
                            WsClosePayload& out) noexcept;

// Writes code + reason into out (room for kWsMaxControlPayload bytes) and returns the
// length. The reason is cut to 123 bytes at a code-point boundary, so a truncated reason
// is still valid UTF-8. no_status writes nothing (an empty close payload means exactly that).
std::size_t write_close_payload(std::uint8_t* out, std::uint16_t code,
                                std::string_view reason) noexcept;

}  // namespace ballast::net
