// The client side of the RFC 6455 opening handshake (section 4): the key, the HTTP/1.1
// upgrade request and the checks on the server's 101 response. Pure: bytes in, bytes out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ballast/net/ws_frame.hpp"

namespace ballast::net {

inline constexpr std::size_t kWsKeyLength = 24;     // base64 of a 16-byte nonce
inline constexpr std::size_t kWsAcceptLength = 28;  // base64 of a 20-byte SHA-1

// Sec-WebSocket-Key from 16 random bytes (the caller chooses the randomness source).
void make_ws_key(const std::uint8_t nonce[16], char out[kWsKeyLength]) noexcept;

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), the value the server must
// send back in Sec-WebSocket-Accept. Not NUL-terminated.
void compute_ws_accept(std::string_view key, char out[kWsAcceptLength]) noexcept;

// GET <path_and_query> HTTP/1.1 with Host, Upgrade, Connection, Sec-WebSocket-Key and
// Sec-WebSocket-Version: 13, then extra_headers verbatim (complete "Name: value\r\n"
// lines), then the blank line. `host` includes ":port" when the port is not the default.
// Returns the length written; 0 when it does not fit in cap. Not NUL-terminated.
std::size_t write_ws_upgrade_request(char* out, std::size_t cap, std::string_view host,
                                     std::string_view path_and_query, std::string_view key,
                                     std::string_view extra_headers = {}) noexcept;

enum class WsHandshakeError : std::uint8_t {
  none,
  too_long,  // no end of headers within max_header bytes
  bad_status_line,
  not_101,                // a well-formed response with another status (see http_status)
  missing_upgrade,        // no "Upgrade: websocket"
  missing_connection,     // no "upgrade" token in Connection
  bad_accept,             // Sec-WebSocket-Accept missing or wrong
  unrequested_extension,  // we offer no extensions, so any Sec-WebSocket-Extensions fails
  unrequested_protocol,   // likewise Sec-WebSocket-Protocol
  bad_header,             // a header line that is not "name: value" (or is folded)
};

const char* to_string(WsHandshakeError error) noexcept;

struct WsHandshakeResult {
  WsDecodeStatus status = WsDecodeStatus::need_more;
  WsHandshakeError error = WsHandshakeError::none;
  int http_status = 0;
  // Bytes up to and including the \r\n\r\n: frames may follow in the same buffer.
  std::size_t header_len = 0;
};

// Header names are case-insensitive, Connection may be a token list ("keep-alive,
// Upgrade"), the Upgrade value is matched case-insensitively. need_more until the blank
// line arrives (or max_header bytes pass without one: too_long).
WsHandshakeResult parse_ws_upgrade_response(const char* data, std::size_t len,
                                            std::string_view expected_accept,
                                            std::size_t max_header = 8192) noexcept;

}  // namespace ballast::net
