// Close payloads: the received-code table (RFC 6455 7.4 and the IANA registry), payload
// parsing errors and the writer's code-point-safe truncation of the reason.
#include "ballast/net/ws_close.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ballast/net/utf8.hpp"

namespace ballast::net::ws_close_test {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes close_payload(std::uint16_t code, std::string_view reason = {}) {
  Bytes out(2 + reason.size());
  out[0] = static_cast<std::uint8_t>(code >> 8);
  out[1] = static_cast<std::uint8_t>(code);
  for (std::size_t i = 0; i < reason.size(); ++i) out[2 + i] = static_cast<std::uint8_t>(reason[i]);
  return out;
}

TEST(WsCloseCodeTest, ReceivedCodeTable) {
  for (std::uint32_t code = 0; code <= 0xFFFF; ++code) {
    const bool expected = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                          (code >= 3000 && code <= 4999);
    ASSERT_EQ(is_valid_received_close_code(static_cast<std::uint16_t>(code)), expected) << code;
  }
}

TEST(WsCloseCodeTest, NamedCodes) {
  EXPECT_TRUE(is_valid_received_close_code(ws_close::normal));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::going_away));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::protocol_error));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::unsupported_data));
  EXPECT_FALSE(is_valid_received_close_code(1004));  // reserved
  EXPECT_FALSE(is_valid_received_close_code(ws_close::no_status));
  EXPECT_FALSE(is_valid_received_close_code(ws_close::abnormal));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::invalid_payload));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::policy_violation));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::message_too_big));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::mandatory_extension));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::internal_error));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::service_restart));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::try_again_later));
  EXPECT_TRUE(is_valid_received_close_code(ws_close::bad_gateway));
  EXPECT_FALSE(is_valid_received_close_code(1015));  // TLS handshake failure: local only
  EXPECT_FALSE(is_valid_received_close_code(999));
  EXPECT_FALSE(is_valid_received_close_code(2999));
  EXPECT_TRUE(is_valid_received_close_code(3000));
  EXPECT_TRUE(is_valid_received_close_code(4999));
  EXPECT_FALSE(is_valid_received_close_code(5000));
}

TEST(WsClosePayloadTest, EmptyPayloadMeansNoStatus) {
  WsClosePayload out;
  out.code = 1;
  EXPECT_EQ(parse_close_payload(nullptr, 0, out), WsError::none);
  EXPECT_EQ(out.code, ws_close::no_status);
  EXPECT_EQ(out.reason_len, 0u);
}

TEST(WsClosePayloadTest, ParsesCodeAndReason) {
  const Bytes p = close_payload(1001, "server restart");
  WsClosePayload out;
  ASSERT_EQ(parse_close_payload(p.data(), p.size(), out), WsError::none);
  EXPECT_EQ(out.code, 1001);
  EXPECT_EQ(std::string_view(out.reason, out.reason_len), "server restart");
  EXPECT_EQ(out.reason, reinterpret_cast<const char*>(p.data() + 2));  // a view
}

TEST(WsClosePayloadTest, RejectsOneBytePayload) {
  const Bytes p = {0x03};
  WsClosePayload out;
  EXPECT_EQ(parse_close_payload(p.data(), p.size(), out), WsError::bad_close_payload);
}

TEST(WsClosePayloadTest, RejectsPayloadOverControlLimit) {
  const Bytes p = close_payload(1000, std::string(124, 'r'));  // 126 bytes
  WsClosePayload out;
  EXPECT_EQ(parse_close_payload(p.data(), p.size(), out), WsError::bad_close_payload);
}

TEST(WsClosePayloadTest, RejectsCodesNotAllowedOnTheWire) {
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
    const Bytes p = close_payload(static_cast<std::uint16_t>(code));
    WsClosePayload out;
    EXPECT_EQ(parse_close_payload(p.data(), p.size(), out), WsError::bad_close_code) << code;
  }
}

TEST(WsClosePayloadTest, RejectsInvalidUtf8Reason) {
  Bytes p = close_payload(1000);
  p.push_back(0xED);  // U+D800, a surrogate
  p.push_back(0xA0);
  p.push_back(0x80);
  WsClosePayload out;
  EXPECT_EQ(parse_close_payload(p.data(), p.size(), out), WsError::invalid_utf8);
  p.resize(3);  // a truncated sequence
  EXPECT_EQ(parse_close_payload(p.data(), p.size(), out), WsError::invalid_utf8);
}

TEST(WsClosePayloadTest, WriterRoundTrips) {
  std::uint8_t buf[kWsMaxControlPayload];
  const std::size_t n = write_close_payload(buf, ws_close::going_away, "bye");
  ASSERT_EQ(n, 5u);
  EXPECT_EQ(buf[0], 0x03);
  EXPECT_EQ(buf[1], 0xE9);
  WsClosePayload out;
  ASSERT_EQ(parse_close_payload(buf, n, out), WsError::none);
  EXPECT_EQ(out.code, 1001);
  EXPECT_EQ(std::string_view(out.reason, out.reason_len), "bye");
}

TEST(WsClosePayloadTest, WriterWritesNothingForNoStatus) {
  std::uint8_t buf[kWsMaxControlPayload];
  EXPECT_EQ(write_close_payload(buf, ws_close::no_status, "ignored"), 0u);
}

TEST(WsClosePayloadTest, WriterTruncatesReasonTo123Bytes) {
  std::uint8_t buf[kWsMaxControlPayload];
  const std::string reason(200, 'z');
  EXPECT_EQ(write_close_payload(buf, 1000, reason), kWsMaxControlPayload);
}

TEST(WsClosePayloadTest, WriterTruncatesOnACodePointBoundary) {
  // 122 ASCII bytes then "€" (3 bytes): the cut at 123 would split it, so it backs off
  // to 122; likewise for a 4-byte emoji straddling the limit at every offset.
  std::uint8_t buf[kWsMaxControlPayload];
  const std::string euro = "\xE2\x82\xAC";
  const std::string emoji = "\xF0\x9F\x98\x80";
  for (std::size_t prefix = 118; prefix <= 123; ++prefix) {
    for (const std::string& tail : {euro, emoji}) {
      const std::string reason = std::string(prefix, 'a') + tail + "zzzz";
      const std::size_t n = write_close_payload(buf, 1000, reason);
      ASSERT_LE(n, kWsMaxControlPayload);
      EXPECT_TRUE(is_valid_utf8(buf + 2, n - 2)) << prefix;
      // A tail that fits whole is kept (and ASCII after it up to the limit); one that
      // straddles the limit is dropped whole.
      const std::size_t expected_reason = prefix + tail.size() <= kWsMaxCloseReason
                                              ? std::min(reason.size(), kWsMaxCloseReason)
                                              : prefix;
      EXPECT_EQ(n - 2, expected_reason) << prefix << ' ' << tail.size();
    }
  }
}

}  // namespace
}  // namespace ballast::net::ws_close_test
