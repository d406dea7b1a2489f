// WsMessageAssembler: fragmentation (RFC 6455 5.4), interleaved control frames, UTF-8
// checks that fail on the first bad fragment, close payloads, the sticky error, and
// the proof that decode + assemble allocates nothing.
#include "ballast/net/ws_message_assembler.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "../core/allocation_counter.hpp"
#include "ballast/net/ws_close.hpp"
#include "ballast/net/ws_frame.hpp"

namespace ballast::net::ws_message_assembler_test {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A wire buffer that owns frames and hands out decoded views over itself.
struct Wire {
  Bytes bytes;
  WsRole role = WsRole::client;

  Wire& add(WsOpcode op, bool fin, std::string_view payload, std::uint32_t key = 0x9A3C55E1) {
    const bool masked = role == WsRole::server;
    const std::size_t at = bytes.size();
    bytes.resize(at + kWsMaxClientHeader + payload.size());
    const std::size_t n = encode_ws_frame(bytes.data() + at, bytes.size() - at, op, fin,
                                          reinterpret_cast<const std::uint8_t*>(payload.data()),
                                          payload.size(), masked ? &key : nullptr);
    bytes.resize(at + n);
    return *this;
  }

  std::vector<WsFrameView> frames() {
    std::vector<WsFrameView> out;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      const auto r = decode_ws_frame(bytes.data() + pos, bytes.size() - pos, role, 1 << 20);
      EXPECT_EQ(r.status, WsDecodeStatus::frame);
      if (r.status != WsDecodeStatus::frame) break;
      out.push_back(r.frame);
      pos += r.frame.frame_len;
    }
    return out;
  }
};

std::string_view text_of(const WsAssemblerEvent& e) {
  return {reinterpret_cast<const char*>(e.data), e.len};
}

std::vector<WsAssemblerEvent> feed_all(WsMessageAssembler& a, Wire& wire) {
  std::vector<WsAssemblerEvent> events;
  for (const auto& f : wire.frames()) events.push_back(a.feed(f));
  return events;
}

TEST(WsMessageAssemblerTest, UnfragmentedTextIsAViewIntoTheFrame) {
  Wire wire;
  wire.add(WsOpcode::text, true, "Hello");
  WsMessageAssembler a(1024, WsRole::client);
  const auto frames = wire.frames();
  const auto e = a.feed(frames[0]);
  EXPECT_EQ(e.kind, WsEventKind::text);
  EXPECT_EQ(text_of(e), "Hello");
  EXPECT_EQ(e.data, frames[0].payload);  // no copy
}

TEST(WsMessageAssemblerTest, ReassemblesRfcFragmentedHello) {
  Wire wire;
  wire.add(WsOpcode::text, false, "Hel").add(WsOpcode::continuation, true, "lo");
  WsMessageAssembler a(1024, WsRole::client);
  const auto events = feed_all(a, wire);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, WsEventKind::none);
  EXPECT_TRUE(events[1].kind == WsEventKind::text);
  EXPECT_EQ(text_of(events[1]), "Hello");
  EXPECT_FALSE(a.in_fragmented_message());
}

TEST(WsMessageAssemblerTest, ControlFramesInterleavedBetweenFragments) {
  Wire wire;
  wire.add(WsOpcode::binary, false, "ab")
      .add(WsOpcode::ping, true, "p1")
      .add(WsOpcode::continuation, false, "cd")
      .add(WsOpcode::pong, true, "")
      .add(WsOpcode::continuation, true, "ef");
  WsMessageAssembler a(1024, WsRole::client);
  const auto events = feed_all(a, wire);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].kind, WsEventKind::none);
  EXPECT_EQ(events[1].kind, WsEventKind::ping);
  EXPECT_EQ(text_of(events[1]), "p1");
  EXPECT_EQ(events[2].kind, WsEventKind::none);
  EXPECT_EQ(events[3].kind, WsEventKind::pong);
  EXPECT_EQ(events[3].len, 0u);
  EXPECT_EQ(events[4].kind, WsEventKind::binary);
  EXPECT_EQ(text_of(events[4]), "abcdef");
}

TEST(WsMessageAssemblerTest, ServerUnmasksUnfragmentedFrameInPlace) {
  Bytes wire = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
  const auto r = decode_ws_frame(wire.data(), wire.size(), WsRole::server, 1024);
  ASSERT_EQ(r.status, WsDecodeStatus::frame);
  WsMessageAssembler a(1024, WsRole::server);
  const auto e = a.feed(r.frame);
  EXPECT_EQ(e.kind, WsEventKind::text);
  EXPECT_EQ(text_of(e), "Hello");
  EXPECT_EQ(e.data, wire.data() + 6);
}

TEST(WsMessageAssemblerTest, ServerUnmasksEachFragmentWithItsOwnKey) {
  Wire wire{{}, WsRole::server};
  wire.add(WsOpcode::text, false, "abc", 0x11223344)
      .add(WsOpcode::ping, true, "hi", 0x55667788)
      .add(WsOpcode::continuation, false, "defg", 0x99AABBCC)
      .add(WsOpcode::continuation, true, "h", 0xDDEEFF00);
  WsMessageAssembler a(1024, WsRole::server);
  const auto events = feed_all(a, wire);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(text_of(events[1]), "hi");
  EXPECT_EQ(events[3].kind, WsEventKind::text);
  EXPECT_EQ(text_of(events[3]), "abcdefgh");
}

TEST(WsMessageAssemblerTest, RejectsContinuationWithoutAStartedMessage) {
  Wire wire;
  wire.add(WsOpcode::continuation, true, "x");
  WsMessageAssembler a(1024, WsRole::client);
  const auto e = a.feed(wire.frames()[0]);
  EXPECT_EQ(e.kind, WsEventKind::error);
  EXPECT_EQ(e.error, WsError::unexpected_continuation);
}

TEST(WsMessageAssemblerTest, RejectsNewDataFrameWhileAFragmentedMessageIsOpen) {
  Wire wire;
  wire.add(WsOpcode::text, false, "a").add(WsOpcode::binary, true, "b");
  WsMessageAssembler a(1024, WsRole::client);
  const auto events = feed_all(a, wire);
  EXPECT_EQ(events[1].kind, WsEventKind::error);
  EXPECT_EQ(events[1].error, WsError::expected_continuation);
}

TEST(WsMessageAssemblerTest, RejectsMessageOverTheLimitAcrossFragments) {
  Wire wire;
  wire.add(WsOpcode::binary, false, std::string(6, 'a'))
      .add(WsOpcode::continuation, false, std::string(4, 'b'))
      .add(WsOpcode::continuation, true, "c");
  WsMessageAssembler a(10, WsRole::client);
  const auto events = feed_all(a, wire);
  EXPECT_EQ(events[1].kind, WsEventKind::none);  // exactly 10 so far
  EXPECT_EQ(events[2].kind, WsEventKind::error);
  EXPECT_EQ(events[2].error, WsError::too_big);
  EXPECT_EQ(close_code_for(events[2].error), ws_close::message_too_big);
}

TEST(WsMessageAssemblerTest, RejectsUnfragmentedMessageOverTheLimit) {
  Wire wire;
  wire.add(WsOpcode::text, true, std::string(11, 'a'));
  WsMessageAssembler a(10, WsRole::client);
  EXPECT_EQ(a.feed(wire.frames()[0]).error, WsError::too_big);
  WsMessageAssembler exact(11, WsRole::client);
  EXPECT_EQ(exact.feed(wire.frames()[0]).kind, WsEventKind::text);
}

TEST(WsMessageAssemblerTest, RejectsInvalidUtf8InUnfragmentedText) {
  Wire wire;
  wire.add(WsOpcode::text, true, "ok\xC0\xAF");
  WsMessageAssembler a(1024, WsRole::client);
  const auto e = a.feed(wire.frames()[0]);
  EXPECT_EQ(e.error, WsError::invalid_utf8);
  EXPECT_EQ(close_code_for(e.error), ws_close::invalid_payload);
}

TEST(WsMessageAssemblerTest, FailsFastOnInvalidUtf8InTheFirstFragment) {
  Wire wire;
  wire.add(WsOpcode::text, false, "\xED\xA0\x80").add(WsOpcode::continuation, true, "fine");
  WsMessageAssembler a(1024, WsRole::client);
  const auto e = a.feed(wire.frames()[0]);
  EXPECT_EQ(e.kind, WsEventKind::error);
  EXPECT_EQ(e.error, WsError::invalid_utf8);
}

TEST(WsMessageAssemblerTest, AcceptsCodePointSplitAcrossFragments) {
  Wire wire;  // "€" = E2 82 AC, split after each byte
  wire.add(WsOpcode::text, false, "\xE2")
      .add(WsOpcode::continuation, false, "\x82")
      .add(WsOpcode::continuation, true, "\xAC!");
  WsMessageAssembler a(1024, WsRole::client);
  const auto events = feed_all(a, wire);
  EXPECT_EQ(events[2].kind, WsEventKind::text);
  EXPECT_EQ(text_of(events[2]), "\xE2\x82\xAC!");
}

TEST(WsMessageAssemblerTest, RejectsTextEndingInsideACodePoint) {
  Wire wire;
  wire.add(WsOpcode::text, false, "a").add(WsOpcode::continuation, true, "\xE2\x82");
  WsMessageAssembler a(1024, WsRole::client);
  const auto events = feed_all(a, wire);
  EXPECT_EQ(events[1].error, WsError::invalid_utf8);
}

TEST(WsMessageAssemblerTest, BinaryIsNotCheckedAsUtf8) {
  Wire wire;
  wire.add(WsOpcode::binary, false, "\xFF").add(WsOpcode::continuation, true, "\xC0");
  WsMessageAssembler a(1024, WsRole::client);
  const auto events = feed_all(a, wire);
  EXPECT_EQ(events[1].kind, WsEventKind::binary);
  EXPECT_EQ(events[1].len, 2u);
}

TEST(WsMessageAssemblerTest, ParsesCloseCodeAndReason) {
  std::uint8_t payload[kWsMaxControlPayload];
  const std::size_t n = write_close_payload(payload, ws_close::going_away, "maintenance");
  Wire wire;
  wire.add(WsOpcode::close, true, {reinterpret_cast<const char*>(payload), n});
  WsMessageAssembler a(1024, WsRole::client);
  const auto e = a.feed(wire.frames()[0]);
  EXPECT_EQ(e.kind, WsEventKind::close);
  EXPECT_EQ(e.close_code, ws_close::going_away);
  EXPECT_EQ(text_of(e), "maintenance");
}

TEST(WsMessageAssemblerTest, EmptyCloseReportsNoStatus) {
  Wire wire;
  wire.add(WsOpcode::close, true, "");
  WsMessageAssembler a(1024, WsRole::client);
  const auto e = a.feed(wire.frames()[0]);
  EXPECT_EQ(e.kind, WsEventKind::close);
  EXPECT_EQ(e.close_code, ws_close::no_status);
}

TEST(WsMessageAssemblerTest, RejectsBadClosePayloads) {
  struct Case {
    std::string payload;
    WsError error;
  };
  const Case cases[] = {
      {std::string("\x03", 1), WsError::bad_close_payload},
      {std::string("\x03\xED", 2), WsError::bad_close_code},  // 1005 on the wire
      {std::string("\x03\xEE", 2), WsError::bad_close_code},  // 1006
      {std::string("\x03\xE8\xC0\x80", 4), WsError::invalid_utf8},
  };
  for (const auto& c : cases) {
    Wire wire;
    wire.add(WsOpcode::close, true, c.payload);
    WsMessageAssembler a(1024, WsRole::client);
    const auto e = a.feed(wire.frames()[0]);
    EXPECT_EQ(e.kind, WsEventKind::error);
    EXPECT_EQ(e.error, c.error) << to_string(e.error);
  }
}

TEST(WsMessageAssemblerTest, ServerParsesMaskedClose) {
  std::uint8_t payload[kWsMaxControlPayload];
  const std::size_t n = write_close_payload(payload, ws_close::normal, "done");
  Wire wire{{}, WsRole::server};
  wire.add(WsOpcode::close, true, {reinterpret_cast<const char*>(payload), n});
  WsMessageAssembler a(1024, WsRole::server);
  const auto e = a.feed(wire.frames()[0]);
  EXPECT_EQ(e.kind, WsEventKind::close);
  EXPECT_EQ(e.close_code, ws_close::normal);
  EXPECT_EQ(text_of(e), "done");
}

TEST(WsMessageAssemblerTest, RejectsFrameMaskedTheWrongWayForItsRole) {
  Wire to_server{{}, WsRole::server};
  to_server.add(WsOpcode::text, true, "x");
  WsMessageAssembler client(64, WsRole::client);
  EXPECT_EQ(client.feed(to_server.frames()[0]).error, WsError::unexpected_mask);
  Wire to_client;
  to_client.add(WsOpcode::text, true, "x");
  WsMessageAssembler server(64, WsRole::server);
  EXPECT_EQ(server.feed(to_client.frames()[0]).error, WsError::missing_mask);
}

TEST(WsMessageAssemblerTest, RejectsHandBuiltControlFrameViolations) {
  const Bytes payload(126, 'x');
  WsFrameView view;
  view.opcode = WsOpcode::ping;
  view.fin = false;
  view.payload = payload.data();
  view.payload_len = 1;
  WsMessageAssembler a(1024, WsRole::client);
  EXPECT_EQ(a.feed(view).error, WsError::control_fragmented);
  a.reset();
  view.fin = true;
  view.payload_len = payload.size();
  EXPECT_EQ(a.feed(view).error, WsError::control_too_long);
}

TEST(WsMessageAssemblerTest, ErrorIsStickyUntilReset) {
  Wire wire;
  wire.add(WsOpcode::continuation, true, "x").add(WsOpcode::text, true, "fine");
  WsMessageAssembler a(1024, WsRole::client);
  const auto frames = wire.frames();
  EXPECT_EQ(a.feed(frames[0]).error, WsError::unexpected_continuation);
  const auto again = a.feed(frames[1]);
  EXPECT_EQ(again.kind, WsEventKind::error);
  EXPECT_EQ(again.error, WsError::unexpected_continuation);
  a.reset();
  EXPECT_EQ(a.feed(frames[1]).kind, WsEventKind::text);
}

TEST(WsMessageAssemblerTest, ResetDropsAPartialMessage) {
  Wire wire;
  wire.add(WsOpcode::text, false, "old").add(WsOpcode::text, true, "new");
  WsMessageAssembler a(1024, WsRole::client);
  const auto frames = wire.frames();
  EXPECT_EQ(a.feed(frames[0]).kind, WsEventKind::none);
  EXPECT_TRUE(a.in_fragmented_message());
  a.reset();
  EXPECT_FALSE(a.in_fragmented_message());
  const auto e = a.feed(frames[1]);
  EXPECT_EQ(e.kind, WsEventKind::text);
  EXPECT_EQ(text_of(e), "new");
}

TEST(WsMessageAssemblerTest, EventKindNames) {
  EXPECT_STREQ(to_string(WsEventKind::none), "none");
  EXPECT_STREQ(to_string(WsEventKind::text), "text");
  EXPECT_STREQ(to_string(WsEventKind::binary), "binary");
  EXPECT_STREQ(to_string(WsEventKind::ping), "ping");
  EXPECT_STREQ(to_string(WsEventKind::pong), "pong");
  EXPECT_STREQ(to_string(WsEventKind::close), "close");
  EXPECT_STREQ(to_string(WsEventKind::error), "error");
}

void decode_and_assemble_everything(WsRole role) {
  // Every kind of traffic: whole text and binary messages, fragments with control frames
  // between them, UTF-8 split across fragments, ping/pong and close.
  Wire wire{{}, role};
  const std::string book =
      R"({"e":"bookTicker","u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})";
  for (int i = 0; i < 50; ++i) {
    wire.add(WsOpcode::text, true, book)
        .add(WsOpcode::binary, true, std::string(300, 'b'))
        .add(WsOpcode::text, false, "frag \xE2")
        .add(WsOpcode::ping, true, "keepalive")
        .add(WsOpcode::continuation, false, "\x82")
        .add(WsOpcode::continuation, true, "\xAC end")
        .add(WsOpcode::pong, true, "");
  }
  std::uint8_t close[kWsMaxControlPayload];
  const std::size_t close_len = write_close_payload(close, ws_close::normal, "bye");
  wire.add(WsOpcode::close, true, {reinterpret_cast<const char*>(close), close_len});

  WsMessageAssembler assembler(1 << 16, role);  // the one allocation, before counting
  std::size_t messages = 0;
  std::size_t controls = 0;
  std::size_t failures = 0;
  std::size_t message_bytes = 0;

  const long before = testing::allocation_count();
  std::size_t pos = 0;
  while (pos < wire.bytes.size()) {
    const auto r = decode_ws_frame(wire.bytes.data() + pos, wire.bytes.size() - pos, role, 1 << 16);
    if (r.status != WsDecodeStatus::frame) {
      ++failures;
      break;
    }
    const auto e = assembler.feed(r.frame);
    if (e.kind == WsEventKind::text || e.kind == WsEventKind::binary) {
      ++messages;
      message_bytes += e.len;
    } else if (e.kind == WsEventKind::error) {
      ++failures;
    } else if (e.kind != WsEventKind::none) {
      ++controls;
    }
    pos += r.frame.frame_len;
  }
  const long allocations = testing::allocation_count() - before;

  EXPECT_EQ(allocations, 0);
  EXPECT_EQ(failures, 0u);
  EXPECT_EQ(messages, 150u);
  EXPECT_EQ(controls, 101u);
  EXPECT_EQ(message_bytes, 50 * (book.size() + 300 + std::string("frag € end").size()));
}

TEST(WsMessageAssemblerTest, DecodeAndAssembleAllocateNothingAsClient) {
  decode_and_assemble_everything(WsRole::client);
}

TEST(WsMessageAssemblerTest, DecodeAndAssembleAllocateNothingAsServer) {
  decode_and_assemble_everything(WsRole::server);
}

}  // namespace
}  // namespace ballast::net::ws_message_assembler_test
