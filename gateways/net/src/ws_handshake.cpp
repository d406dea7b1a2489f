// The client opening handshake (ws_handshake.hpp). SHA-1 comes from OpenSSL's EVP layer
// (the non-deprecated API); base64 is a few lines here, as only encoding is needed.
#include "ballast/net/ws_handshake.hpp"

#include <openssl/evp.h>

#include <cstring>

namespace ballast::net {
namespace {

constexpr std::string_view kWsGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Writes 4 * ceil(n / 3) characters (with '=' padding) and returns that count.
std::size_t base64_encode(const std::uint8_t* in, std::size_t n, char* out) noexcept {
  std::size_t o = 0;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out[o++] = kBase64Alphabet[(v >> 18) & 0x3F];
    out[o++] = kBase64Alphabet[(v >> 12) & 0x3F];
    out[o++] = kBase64Alphabet[(v >> 6) & 0x3F];
    out[o++] = kBase64Alphabet[v & 0x3F];
  }
  const std::size_t rest = n - i;
  if (rest != 0) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
    out[o++] = kBase64Alphabet[(v >> 18) & 0x3F];
    out[o++] = kBase64Alphabet[(v >> 12) & 0x3F];
    out[o++] = rest == 2 ? kBase64Alphabet[(v >> 6) & 0x3F] : '=';
    out[o++] = '=';
  }
  return o;
}

char lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  }
  return true;
}

bool is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// True if the comma-separated list holds `token` (case-insensitive), as Connection does.
bool has_token(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trim_ows(list.substr(0, comma));
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// Bounded appends: one overflow flag instead of a check after every piece.
struct Writer {
  char* out;
  std::size_t cap;
  std::size_t pos = 0;
  bool overflow = false;
  void put(std::string_view s) noexcept {
    if (overflow || s.size() > cap - pos) {
      overflow = true;
      return;
    }
    if (!s.empty()) std::memcpy(out + pos, s.data(), s.size());
    pos += s.size();
  }
};

WsHandshakeResult handshake_failed(WsHandshakeError error, int http_status,
                                   std::size_t header_len) noexcept {
  WsHandshakeResult r;
  r.status = WsDecodeStatus::error;
  r.error = error;
  r.http_status = http_status;
  r.header_len = header_len;
  return r;
}

}  // namespace

void make_ws_key(const std::uint8_t nonce[16], char out[kWsKeyLength]) noexcept {
  base64_encode(nonce, 16, out);
}

void compute_ws_accept(std::string_view key, char out[kWsAcceptLength]) noexcept {
  std::uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, key.data(), key.size()) == 1 &&
                  EVP_DigestUpdate(ctx, kWsGuid.data(), kWsGuid.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest, &digest_len) == 1 && digest_len == 20;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    // Cannot match any base64 accept value, so the handshake fails as bad_accept.
    std::memset(out, '!', kWsAcceptLength);
    return;
  }
  base64_encode(digest, 20, out);
}

std::size_t write_ws_upgrade_request(char* out, std::size_t cap, std::string_view host,
                                     std::string_view path_and_query, std::string_view key,
                                     std::string_view extra_headers) noexcept {
  Writer w{out, cap};
  w.put("GET ");
  w.put(path_and_query.empty() ? std::string_view{"/"} : path_and_query);
  w.put(" HTTP/1.1\r\nHost: ");
  w.put(host);
  w.put("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
  w.put(key);
  w.put("\r\nSec-WebSocket-Version: 13\r\n");
  w.put(extra_headers);
  w.put("\r\n");
  return w.overflow ? 0 : w.pos;
}

const char* to_string(WsHandshakeError error) noexcept {
  switch (error) {
    case WsHandshakeError::none:
      return "none";
    case WsHandshakeError::too_long:
      return "too_long";
    case WsHandshakeError::bad_status_line:
      return "bad_status_line";
    case WsHandshakeError::not_101:
      return "not_101";
    case WsHandshakeError::missing_upgrade:
      return "missing_upgrade";
    case WsHandshakeError::missing_connection:
      return "missing_connection";
    case WsHandshakeError::bad_accept:
      return "bad_accept";
    case WsHandshakeError::unrequested_extension:
      return "unrequested_extension";
    case WsHandshakeError::unrequested_protocol:
      return "unrequested_protocol";
    case WsHandshakeError::bad_header:
      return "bad_header";
  }
  return "unknown";
}

WsHandshakeResult parse_ws_upgrade_response(const char* data, std::size_t len,
                                            std::string_view expected_accept,
                                            std::size_t max_header) noexcept {
  const std::string_view all(data, len < max_header ? len : max_header);
  const std::size_t end = all.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (len >= max_header) return handshake_failed(WsHandshakeError::too_long, 0, 0);
    WsHandshakeResult r;
    r.status = WsDecodeStatus::need_more;
    return r;
  }
  const std::size_t header_len = end + 4;
  std::string_view rest = all.substr(0, end + 2);  // every line keeps its \r\n

  // Status line: HTTP/1.1 SP 3DIGIT [SP reason]
  const std::size_t status_end = rest.find("\r\n");
  const std::string_view status_line = rest.substr(0, status_end);
  rest.remove_prefix(status_end + 2);
  constexpr std::string_view kVersion = "HTTP/1.1 ";
  if (status_line.size() < kVersion.size() + 3 ||
      status_line.substr(0, kVersion.size()) != kVersion ||
      (status_line.size() > kVersion.size() + 3 && status_line[kVersion.size() + 3] != ' ')) {
    return handshake_failed(WsHandshakeError::bad_status_line, 0, header_len);
  }
  int http_status = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const char c = status_line[kVersion.size() + i];
    if (c < '0' || c > '9')
      return handshake_failed(WsHandshakeError::bad_status_line, 0, header_len);
    http_status = http_status * 10 + (c - '0');
  }
  if (http_status != 101)
    return handshake_failed(WsHandshakeError::not_101, http_status, header_len);

  bool upgrade_ok = false;
  bool connection_ok = false;
  bool accept_seen = false;
  bool accept_ok = true;
  bool extensions = false;
  bool protocol = false;
  while (!rest.empty()) {
    const std::size_t line_end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, line_end);
    rest.remove_prefix(line_end + 2);
    const std::size_t colon = line.find(':');
    // No colon, an empty name or whitespace before the colon (RFC 9112 5.1), or an
    // obsolete folded continuation line: refuse rather than guess.
    if (colon == std::string_view::npos || colon == 0 || is_ows(line[0]) ||
        is_ows(line[colon - 1])) {
      return handshake_failed(WsHandshakeError::bad_header, http_status, header_len);
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (iequals(name, "upgrade")) {
      upgrade_ok = upgrade_ok || iequals(value, "websocket");
    } else if (iequals(name, "connection")) {
      connection_ok = connection_ok || has_token(value, "upgrade");
    } else if (iequals(name, "sec-websocket-accept")) {
      accept_seen = true;
      accept_ok = accept_ok && value == expected_accept;
    } else if (iequals(name, "sec-websocket-extensions")) {
      extensions = extensions || !value.empty();
    } else if (iequals(name, "sec-websocket-protocol")) {
      protocol = protocol || !value.empty();
    }
  }
  if (!upgrade_ok)
    return handshake_failed(WsHandshakeError::missing_upgrade, http_status, header_len);
  if (!connection_ok) {
    return handshake_failed(WsHandshakeError::missing_connection, http_status, header_len);
  }
  if (!accept_seen || !accept_ok) {
    return handshake_failed(WsHandshakeError::bad_accept, http_status, header_len);
  }
  if (extensions) {
    return handshake_failed(WsHandshakeError::unrequested_extension, http_status, header_len);
  }
  if (protocol)
    return handshake_failed(WsHandshakeError::unrequested_protocol, http_status, header_len);

  WsHandshakeResult r;
  r.status = WsDecodeStatus::frame;
  r.http_status = http_status;
  r.header_len = header_len;
  return r;
}

}  // namespace ballast::net
