// The client opening handshake: RFC 6455 section 1.3's key/accept example, the request
// text, and every way a 101 response can be refused.
#include "ballast/net/ws_handshake.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace ballast::net::ws_handshake_test {
namespace {

constexpr std::string_view kRfcKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kRfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

std::string accept_of(std::string_view key) {
  char out[kWsAcceptLength];
  compute_ws_accept(key, out);
  return {out, kWsAcceptLength};
}

WsHandshakeResult parse(const std::string& response, std::string_view accept = kRfcAccept) {
  return parse_ws_upgrade_response(response.data(), response.size(), accept);
}

const std::string kGood =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "\r\n";

TEST(WsHandshakeTest, ComputesRfcAcceptExample) {
  EXPECT_EQ(accept_of(kRfcKey), kRfcAccept);
}

TEST(WsHandshakeTest, MakesKeyFromRfcNonce) {
  // The RFC's key is the base64 of the 16 bytes "the sample nonce".
  const char* nonce = "the sample nonce";
  std::uint8_t bytes[16];
  std::memcpy(bytes, nonce, 16);
  char key[kWsKeyLength];
  make_ws_key(bytes, key);
  EXPECT_EQ(std::string_view(key, kWsKeyLength), kRfcKey);
}

TEST(WsHandshakeTest, KeyOfAllBytesValues) {
  std::uint8_t zeros[16] = {};
  std::uint8_t ones[16];
  std::memset(ones, 0xFF, 16);
  char key[kWsKeyLength];
  make_ws_key(zeros, key);
  EXPECT_EQ(std::string_view(key, kWsKeyLength), "AAAAAAAAAAAAAAAAAAAAAA==");
  make_ws_key(ones, key);
  EXPECT_EQ(std::string_view(key, kWsKeyLength), "/////////////////////w==");
}

TEST(WsHandshakeTest, WritesUpgradeRequest) {
  char out[512];
  const std::size_t n = write_ws_upgrade_request(out, sizeof out, "fstream.binance.com",
                                                 "/stream?streams=btcusdt@bookTicker", kRfcKey);
  EXPECT_EQ(std::string_view(out, n),
            "GET /stream?streams=btcusdt@bookTicker HTTP/1.1\r\n"
            "Host: fstream.binance.com\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "\r\n");
}

TEST(WsHandshakeTest, WritesExtraHeadersAndDefaultPath) {
  char out[512];
  const std::size_t n = write_ws_upgrade_request(out, sizeof out, "127.0.0.1:9443", "", kRfcKey,
                                                 "User-Agent: ballast\r\n");
  const std::string_view request(out, n);
  EXPECT_EQ(request.substr(0, 16), "GET / HTTP/1.1\r\n");
  EXPECT_NE(request.find("Host: 127.0.0.1:9443\r\n"), std::string_view::npos);
  EXPECT_EQ(request.substr(request.size() - 50),
            "Sec-WebSocket-Version: 13\r\nUser-Agent: ballast\r\n\r\n");
}

TEST(WsHandshakeTest, RequestReportsZeroWhenItDoesNotFit) {
  char out[512];
  const std::size_t n = write_ws_upgrade_request(out, sizeof out, "h", "/", kRfcKey);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(write_ws_upgrade_request(out, n, "h", "/", kRfcKey), n);
  EXPECT_EQ(write_ws_upgrade_request(out, n - 1, "h", "/", kRfcKey), 0u);
}

TEST(WsHandshakeTest, AcceptsRfcResponse) {
  const auto r = parse(kGood);
  EXPECT_EQ(r.status, WsDecodeStatus::frame);
  EXPECT_EQ(r.error, WsHandshakeError::none);
  EXPECT_EQ(r.http_status, 101);
  EXPECT_EQ(r.header_len, kGood.size());
}

TEST(WsHandshakeTest, ReportsHeaderLengthWhenFramesFollow) {
  const std::string with_frame = kGood + std::string("\x81\x02hi", 4);
  const auto r = parse(with_frame);
  EXPECT_EQ(r.status, WsDecodeStatus::frame);
  EXPECT_EQ(r.header_len, kGood.size());
}

TEST(WsHandshakeTest, NeedMoreUntilTheBlankLine) {
  for (std::size_t k = 0; k < kGood.size(); ++k) {
    const auto r = parse_ws_upgrade_response(kGood.data(), k, kRfcAccept);
    ASSERT_EQ(r.status, WsDecodeStatus::need_more) << k;
  }
}

TEST(WsHandshakeTest, HeaderNamesAndValuesAreCaseInsensitiveWhereTheRfcSaysSo) {
  const std::string response =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "upgrade: WebSocket\r\n"
      "CONNECTION: keep-alive, Upgrade\r\n"
      "sec-websocket-accept:s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  \r\n"
      "Server: test\r\n"
      "\r\n";
  EXPECT_EQ(parse(response).error, WsHandshakeError::none);
}

TEST(WsHandshakeTest, AcceptsStatusLineWithoutReason) {
  std::string response = kGood;
  response.replace(0, 32, "HTTP/1.1 101");
  EXPECT_EQ(parse(response).error, WsHandshakeError::none);
}

TEST(WsHandshakeTest, RejectsBadStatusLine) {
  for (const char* line : {"HTTP/1.0 101 Switching Protocols", "HTTP/1.1 1x1 Nope", "ICY 101 OK",
                           "HTTP/1.1 1011 Too long", "HTTP/1.1 10"}) {
    std::string response = kGood;
    response.replace(0, 32, line);
    const auto r = parse(response);
    EXPECT_EQ(r.status, WsDecodeStatus::error) << line;
    EXPECT_EQ(r.error, WsHandshakeError::bad_status_line) << line;
  }
}

TEST(WsHandshakeTest, RejectsOtherStatusWithTheStatusReported) {
  const std::string response = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
  const auto r = parse(response);
  EXPECT_EQ(r.error, WsHandshakeError::not_101);
  EXPECT_EQ(r.http_status, 403);
  EXPECT_EQ(r.header_len, response.size());
}

std::string without_line(const std::string& response, std::string_view line_start) {
  std::string out = response;
  const std::size_t at = out.find(line_start);
  const std::size_t end = out.find("\r\n", at);
  out.erase(at, end + 2 - at);
  return out;
}

std::string replace_line(const std::string& response, std::string_view line_start,
                         std::string_view replacement) {
  std::string out = response;
  const std::size_t at = out.find(line_start);
  const std::size_t end = out.find("\r\n", at);
  out.replace(at, end - at, replacement);
  return out;
}

TEST(WsHandshakeTest, RejectsMissingOrWrongUpgrade) {
  EXPECT_EQ(parse(without_line(kGood, "Upgrade:")).error, WsHandshakeError::missing_upgrade);
  EXPECT_EQ(parse(replace_line(kGood, "Upgrade:", "Upgrade: h2c")).error,
            WsHandshakeError::missing_upgrade);
}

TEST(WsHandshakeTest, RejectsMissingConnectionUpgradeToken) {
  EXPECT_EQ(parse(without_line(kGood, "Connection:")).error, WsHandshakeError::missing_connection);
  EXPECT_EQ(parse(replace_line(kGood, "Connection:", "Connection: keep-alive")).error,
            WsHandshakeError::missing_connection);
  EXPECT_EQ(parse(replace_line(kGood, "Connection:", "Connection: upgraded")).error,
            WsHandshakeError::missing_connection);
}

TEST(WsHandshakeTest, RejectsMissingOrWrongAccept) {
  EXPECT_EQ(parse(without_line(kGood, "Sec-WebSocket-Accept:")).error,
            WsHandshakeError::bad_accept);
  EXPECT_EQ(parse(kGood, accept_of("another key")).error, WsHandshakeError::bad_accept);
  // base64 is case-sensitive.
  EXPECT_EQ(parse(replace_line(kGood, "Sec-WebSocket-Accept:",
                               "Sec-WebSocket-Accept: S3PPLMBITXAQ9KYGZZHZRBK+XOO="))
                .error,
            WsHandshakeError::bad_accept);
}

TEST(WsHandshakeTest, RejectsUnrequestedExtensionAndProtocol) {
  std::string with_ext = kGood;
  with_ext.insert(with_ext.size() - 2, "Sec-WebSocket-Extensions: permessage-deflate\r\n");
  EXPECT_EQ(parse(with_ext).error, WsHandshakeError::unrequested_extension);
  std::string with_protocol = kGood;
  with_protocol.insert(with_protocol.size() - 2, "Sec-WebSocket-Protocol: chat\r\n");
  EXPECT_EQ(parse(with_protocol).error, WsHandshakeError::unrequested_protocol);
}

TEST(WsHandshakeTest, RejectsMalformedHeaderLines) {
  for (const char* bad : {"NoColonHere\r\n", ": empty-name\r\n", "Name : space-before-colon\r\n",
                          " folded continuation\r\n"}) {
    std::string response = kGood;
    response.insert(response.size() - 2, bad);
    EXPECT_EQ(parse(response).error, WsHandshakeError::bad_header) << bad;
  }
}

TEST(WsHandshakeTest, RejectsHeadersLongerThanTheLimit) {
  std::string endless = "HTTP/1.1 101 Switching Protocols\r\nX-Pad: ";
  endless += std::string(200, 'p');
  const auto r = parse_ws_upgrade_response(endless.data(), endless.size(), kRfcAccept, 128);
  EXPECT_EQ(r.status, WsDecodeStatus::error);
  EXPECT_EQ(r.error, WsHandshakeError::too_long);
  // Under the limit it is still just incomplete.
  EXPECT_EQ(parse_ws_upgrade_response(endless.data(), endless.size(), kRfcAccept, 4096).status,
            WsDecodeStatus::need_more);
}

TEST(WsHandshakeTest, ErrorNames) {
  for (int e = 0; e <= static_cast<int>(WsHandshakeError::bad_header); ++e) {
    EXPECT_STRNE(to_string(static_cast<WsHandshakeError>(e)), "unknown") << e;
  }
  EXPECT_STREQ(to_string(WsHandshakeError::bad_accept), "bad_accept");
}

}  // namespace
}  // namespace ballast::net::ws_handshake_test
