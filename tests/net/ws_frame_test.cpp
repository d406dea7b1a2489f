// decode_ws_frame / write_ws_header / encode_ws_frame / ws_mask_in_place: the RFC 6455
// section 5.7 examples byte for byte both ways, every decoder error, every split point,
// and a seeded round-trip property over random frames.
#include "ballast/net/ws_frame.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace ballast::net::ws_frame_test {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t kNoLimit = std::size_t{1} << 40;

Bytes bytes(std::initializer_list<int> list) {
  Bytes out;
  for (int b : list) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

Bytes hello() {
  return bytes({'H', 'e', 'l', 'l', 'o'});
}

// The RFC's example key 37 fa 21 3d, in the wire-order-memcpy representation.
std::uint32_t rfc_mask_key() {
  const std::uint8_t wire[4] = {0x37, 0xfa, 0x21, 0x3d};
  std::uint32_t key;
  std::memcpy(&key, wire, 4);
  return key;
}

WsDecodeResult decode(const Bytes& b, WsRole role, std::size_t max_payload = kNoLimit) {
  return decode_ws_frame(b.data(), b.size(), role, max_payload);
}

Bytes payload_of(const WsFrameView& f) {
  Bytes out(f.payload, f.payload + f.payload_len);
  if (f.masked) ws_mask_in_place(out.data(), out.size(), f.mask_key);
  return out;
}

Bytes encode(WsOpcode op, bool fin, const Bytes& payload, const std::uint32_t* key) {
  Bytes out(payload.size() + kWsMaxClientHeader);
  const std::size_t n =
      encode_ws_frame(out.data(), out.size(), op, fin, payload.data(), payload.size(), key);
  out.resize(n);
  return out;
}

// --- RFC 6455 5.7 ---------------------------------------------------------------------

TEST(WsFrameDecoderTest, DecodesRfcUnmaskedHello) {
  const Bytes wire = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  const auto r = decode(wire, WsRole::client);
  ASSERT_EQ(r.status, WsDecodeStatus::frame);
  EXPECT_EQ(r.frame.opcode, WsOpcode::text);
  EXPECT_TRUE(r.frame.fin);
  EXPECT_FALSE(r.frame.masked);
  EXPECT_EQ(r.frame.frame_len, 7u);
  EXPECT_EQ(r.needed, 7u);
  EXPECT_EQ(r.frame.payload, wire.data() + 2);  // a view, not a copy
  EXPECT_EQ(payload_of(r.frame), hello());
}

TEST(WsFrameDecoderTest, DecodesRfcMaskedHello) {
  const Bytes wire = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  const auto r = decode(wire, WsRole::server);
  ASSERT_EQ(r.status, WsDecodeStatus::frame);
  EXPECT_EQ(r.frame.opcode, WsOpcode::text);
  EXPECT_TRUE(r.frame.masked);
  EXPECT_EQ(r.frame.mask_key, rfc_mask_key());
  EXPECT_EQ(r.frame.frame_len, 11u);
  EXPECT_EQ(payload_of(r.frame), hello());
}

TEST(WsFrameDecoderTest, DecodesRfcFragmentedHello) {
  const Bytes first = bytes({0x01, 0x03, 0x48, 0x65, 0x6c});
  const Bytes second = bytes({0x80, 0x02, 0x6c, 0x6f});
  const auto a = decode(first, WsRole::client);
  ASSERT_EQ(a.status, WsDecodeStatus::frame);
  EXPECT_EQ(a.frame.opcode, WsOpcode::text);
  EXPECT_FALSE(a.frame.fin);
  EXPECT_EQ(payload_of(a.frame), bytes({'H', 'e', 'l'}));
  const auto b = decode(second, WsRole::client);
  ASSERT_EQ(b.status, WsDecodeStatus::frame);
  EXPECT_EQ(b.frame.opcode, WsOpcode::continuation);
  EXPECT_TRUE(b.frame.fin);
  EXPECT_EQ(payload_of(b.frame), bytes({'l', 'o'}));
}

TEST(WsFrameDecoderTest, DecodesRfcUnmaskedPingAndMaskedPong) {
  const Bytes ping = bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  const auto p = decode(ping, WsRole::client);
  ASSERT_EQ(p.status, WsDecodeStatus::frame);
  EXPECT_EQ(p.frame.opcode, WsOpcode::ping);
  EXPECT_EQ(payload_of(p.frame), hello());
  const Bytes pong = bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  const auto q = decode(pong, WsRole::server);
  ASSERT_EQ(q.status, WsDecodeStatus::frame);
  EXPECT_EQ(q.frame.opcode, WsOpcode::pong);
  EXPECT_EQ(payload_of(q.frame), hello());
}

TEST(WsFrameDecoderTest, DecodesRfc256ByteBinaryWith16BitLength) {
  Bytes wire = bytes({0x82, 0x7E, 0x01, 0x00});
  Bytes payload(256);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i);
  wire.insert(wire.end(), payload.begin(), payload.end());
  const auto r = decode(wire, WsRole::client);
  ASSERT_EQ(r.status, WsDecodeStatus::frame);
  EXPECT_EQ(r.frame.opcode, WsOpcode::binary);
  EXPECT_EQ(r.frame.payload_len, 256u);
  EXPECT_EQ(r.frame.frame_len, 260u);
  EXPECT_EQ(payload_of(r.frame), payload);
}

TEST(WsFrameDecoderTest, DecodesRfc64KiBBinaryWith64BitLength) {
  Bytes wire = bytes({0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00});
  Bytes payload(65536);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7);
  wire.insert(wire.end(), payload.begin(), payload.end());
  const auto r = decode(wire, WsRole::client);
  ASSERT_EQ(r.status, WsDecodeStatus::frame);
  EXPECT_EQ(r.frame.payload_len, 65536u);
  EXPECT_EQ(r.frame.frame_len, 65546u);
  EXPECT_EQ(payload_of(r.frame), payload);
}

TEST(WsFrameEncoderTest, EncodesEveryRfcExampleByteForByte) {
  const std::uint32_t key = rfc_mask_key();
  EXPECT_EQ(encode(WsOpcode::text, true, hello(), nullptr),
            bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  EXPECT_EQ(encode(WsOpcode::text, true, hello(), &key),
            bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  EXPECT_EQ(encode(WsOpcode::text, false, bytes({'H', 'e', 'l'}), nullptr),
            bytes({0x01, 0x03, 0x48, 0x65, 0x6c}));
  EXPECT_EQ(encode(WsOpcode::continuation, true, bytes({'l', 'o'}), nullptr),
            bytes({0x80, 0x02, 0x6c, 0x6f}));
  EXPECT_EQ(encode(WsOpcode::ping, true, hello(), nullptr),
            bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  EXPECT_EQ(encode(WsOpcode::pong, true, hello(), &key),
            bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));

  const Bytes b256(256, 0xAB);
  const Bytes f256 = encode(WsOpcode::binary, true, b256, nullptr);
  ASSERT_EQ(f256.size(), 260u);
  EXPECT_EQ(Bytes(f256.begin(), f256.begin() + 4), bytes({0x82, 0x7E, 0x01, 0x00}));
  EXPECT_EQ(Bytes(f256.begin() + 4, f256.end()), b256);

  const Bytes b64k(65536, 0xCD);
  const Bytes f64k = encode(WsOpcode::binary, true, b64k, nullptr);
  ASSERT_EQ(f64k.size(), 65546u);
  EXPECT_EQ(Bytes(f64k.begin(), f64k.begin() + 10),
            bytes({0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}));
  EXPECT_EQ(Bytes(f64k.begin() + 10, f64k.end()), b64k);
}

// --- errors ---------------------------------------------------------------------------

WsError error_of(const Bytes& wire, WsRole role, std::size_t max_payload = kNoLimit) {
  const auto r = decode(wire, role, max_payload);
  return r.status == WsDecodeStatus::error ? r.error : WsError::none;
}

TEST(WsFrameDecoderTest, RejectsReservedBits) {
  for (int rsv : {0x40, 0x20, 0x10, 0x70}) {
    EXPECT_EQ(error_of(bytes({0x81 | rsv, 0x00}), WsRole::client), WsError::reserved_bits) << rsv;
    // Judged on the first byte alone.
    EXPECT_EQ(error_of(bytes({0x81 | rsv}), WsRole::client), WsError::reserved_bits) << rsv;
  }
}

TEST(WsFrameDecoderTest, RejectsUnknownOpcodes) {
  for (int op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
    EXPECT_EQ(error_of(bytes({0x80 | op, 0x00}), WsRole::client), WsError::bad_opcode) << op;
  }
  for (int op : {0, 1, 2, 8, 9, 10}) {
    EXPECT_EQ(error_of(bytes({0x80 | op, 0x00}), WsRole::client), WsError::none) << op;
  }
}

TEST(WsFrameDecoderTest, RejectsFragmentedControlFrames) {
  for (int op : {8, 9, 10}) {
    EXPECT_EQ(error_of(bytes({op, 0x00}), WsRole::client), WsError::control_fragmented) << op;
  }
}

TEST(WsFrameDecoderTest, RejectsControlFramesLongerThan125) {
  EXPECT_EQ(error_of(bytes({0x89, 126, 0x00, 0x7E}), WsRole::client), WsError::control_too_long);
  EXPECT_EQ(error_of(bytes({0x88, 127}), WsRole::client), WsError::control_too_long);
  Bytes ok = bytes({0x89, 125});
  ok.resize(127, 'x');
  EXPECT_EQ(error_of(ok, WsRole::client), WsError::none);
}

TEST(WsFrameDecoderTest, RejectsNonMinimalLengths) {
  EXPECT_EQ(error_of(bytes({0x82, 126, 0x00, 125}), WsRole::client), WsError::non_minimal_length);
  EXPECT_EQ(error_of(bytes({0x82, 126, 0x00, 0x00}), WsRole::client), WsError::non_minimal_length);
  EXPECT_EQ(error_of(bytes({0x82, 127, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}), WsRole::client),
            WsError::non_minimal_length);
  EXPECT_EQ(error_of(bytes({0x82, 127, 0, 0, 0, 0, 0, 0, 0, 5}), WsRole::client),
            WsError::non_minimal_length);
  // The smallest minimal encodings are fine (need_more: no payload yet).
  EXPECT_EQ(decode(bytes({0x82, 126, 0x00, 126}), WsRole::client).status,
            WsDecodeStatus::need_more);
  EXPECT_EQ(decode(bytes({0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}), WsRole::client).status,
            WsDecodeStatus::need_more);
}

TEST(WsFrameDecoderTest, RejectsLengthWithMostSignificantBitSet) {
  EXPECT_EQ(error_of(bytes({0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}), WsRole::client),
            WsError::length_msb_set);
  EXPECT_EQ(
      error_of(bytes({0x82, 127, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}), WsRole::client),
      WsError::length_msb_set);
}

TEST(WsFrameDecoderTest, RejectsMaskedFrameToClient) {
  EXPECT_EQ(error_of(bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}),
                     WsRole::client),
            WsError::unexpected_mask);
}

TEST(WsFrameDecoderTest, RejectsUnmaskedFrameToServer) {
  EXPECT_EQ(error_of(bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), WsRole::server),
            WsError::missing_mask);
}

TEST(WsFrameDecoderTest, RejectsTooBigFromTheHeaderAlone) {
  // Only the 10 header bytes of a 2^62-byte frame: rejected before any payload exists.
  EXPECT_EQ(error_of(bytes({0x82, 127, 0x40, 0, 0, 0, 0, 0, 0, 0}), WsRole::client, 1 << 20),
            WsError::too_big);
  EXPECT_EQ(error_of(bytes({0x82, 126, 0x01, 0x01}), WsRole::client, 256), WsError::too_big);
  EXPECT_EQ(decode(bytes({0x82, 126, 0x01, 0x00}), WsRole::client, 256).status,
            WsDecodeStatus::need_more);
  EXPECT_EQ(error_of(bytes({0x81, 6}), WsRole::client, 5), WsError::too_big);
}

TEST(WsFrameDecoderTest, AcceptsEmptyPayloads) {
  const Bytes close = bytes({0x88, 0x00});
  const auto r = decode(close, WsRole::client);
  ASSERT_EQ(r.status, WsDecodeStatus::frame);
  EXPECT_EQ(r.frame.payload_len, 0u);
  EXPECT_EQ(r.frame.frame_len, 2u);
}

TEST(WsFrameDecoderTest, DecodesOnlyTheFirstFrameOfABuffer) {
  Bytes wire = bytes({0x81, 0x02, 'h', 'i', 0x89, 0x00});
  const auto a = decode(wire, WsRole::client);
  ASSERT_EQ(a.status, WsDecodeStatus::frame);
  EXPECT_EQ(a.frame.frame_len, 4u);
  const auto b = decode_ws_frame(wire.data() + 4, wire.size() - 4, WsRole::client, kNoLimit);
  ASSERT_EQ(b.status, WsDecodeStatus::frame);
  EXPECT_EQ(b.frame.opcode, WsOpcode::ping);
}

TEST(WsFrameDecoderTest, ErrorNamesAndCloseCodes) {
  for (int e = 0; e <= static_cast<int>(WsError::bad_close_code); ++e) {
    const auto error = static_cast<WsError>(e);
    EXPECT_STRNE(to_string(error), "unknown") << e;
    const std::uint16_t code = close_code_for(error);
    const std::uint16_t expected = error == WsError::none           ? 1000
                                   : error == WsError::invalid_utf8 ? 1007
                                   : error == WsError::too_big      ? 1009
                                                                    : 1002;
    EXPECT_EQ(code, expected) << to_string(error);
  }
  EXPECT_STREQ(to_string(WsError::control_too_long), "control_too_long");
}

// --- need_more ------------------------------------------------------------------------

TEST(WsFrameDecoderTest, NeedMoreAtEverySplitPoint) {
  const std::uint32_t key = rfc_mask_key();
  struct Case {
    Bytes wire;
    WsRole role;
    std::size_t header_len;
  };
  std::vector<Case> cases;
  cases.push_back({encode(WsOpcode::text, true, hello(), nullptr), WsRole::client, 2});
  cases.push_back({encode(WsOpcode::text, true, hello(), &key), WsRole::server, 6});
  cases.push_back({encode(WsOpcode::binary, true, Bytes(300, 1), nullptr), WsRole::client, 4});
  cases.push_back({encode(WsOpcode::binary, true, Bytes(300, 1), &key), WsRole::server, 8});
  cases.push_back({encode(WsOpcode::binary, false, Bytes(70000, 2), nullptr), WsRole::client, 10});
  cases.push_back({encode(WsOpcode::binary, true, Bytes(70000, 2), &key), WsRole::server, 14});
  cases.push_back({encode(WsOpcode::close, true, Bytes{}, nullptr), WsRole::client, 2});
  for (const auto& c : cases) {
    const std::size_t full = c.wire.size();
    for (std::size_t k = 0; k < full; ++k) {
      const auto r = decode_ws_frame(c.wire.data(), k, c.role, kNoLimit);
      ASSERT_EQ(r.status, WsDecodeStatus::need_more) << "split " << k << " of " << full;
      ASSERT_GT(r.needed, k);
      ASSERT_LE(r.needed, full);
      // Once the length field is in, the whole frame size is known.
      const std::size_t length_field_end = c.header_len - (c.role == WsRole::server ? 4 : 0);
      if (k >= length_field_end) {
        ASSERT_EQ(r.needed, full) << k;
      } else if (k >= 2) {
        ASSERT_EQ(r.needed, c.header_len) << k;
      }
    }
    const auto r = decode_ws_frame(c.wire.data(), full, c.role, kNoLimit);
    ASSERT_EQ(r.status, WsDecodeStatus::frame);
    EXPECT_EQ(r.frame.frame_len, full);
  }
}

// --- encoder --------------------------------------------------------------------------

TEST(WsFrameEncoderTest, HeaderSizesAtTheLengthBoundaries) {
  EXPECT_EQ(ws_header_size(0, false), 2u);
  EXPECT_EQ(ws_header_size(125, false), 2u);
  EXPECT_EQ(ws_header_size(126, false), 4u);
  EXPECT_EQ(ws_header_size(65535, false), 4u);
  EXPECT_EQ(ws_header_size(65536, false), 10u);
  EXPECT_EQ(ws_header_size(65536, true), kWsMaxClientHeader);
  EXPECT_EQ(ws_header_size(125, true), 6u);
  static_assert(ws_header_size(70000, false) == kWsMaxServerHeader);
  for (std::size_t len : {0u, 125u, 126u, 65535u, 65536u}) {
    std::uint8_t out[kWsMaxClientHeader];
    const std::uint32_t key = 0x01020304;
    EXPECT_EQ(write_ws_header(out, WsOpcode::binary, true, len, nullptr),
              ws_header_size(len, false));
    EXPECT_EQ(write_ws_header(out, WsOpcode::binary, true, len, &key), ws_header_size(len, true));
  }
}

TEST(WsFrameEncoderTest, ZeroCopySendMatchesEncodeFrame) {
  // The send path: payload serialised at buf + 14, header written right before it.
  const std::string_view json =
      R"({"id":"1","method":"order.place","params":{"symbol":"BTCUSDT"}})";
  const std::uint32_t key = 0xA1B2C3D4;
  std::uint8_t buf[256];
  std::uint8_t* payload = buf + kWsMaxClientHeader;
  std::memcpy(payload, json.data(), json.size());
  const std::size_t header_len = ws_header_size(json.size(), true);
  std::uint8_t* frame = payload - header_len;
  ASSERT_EQ(write_ws_header(frame, WsOpcode::text, true, json.size(), &key), header_len);
  ws_mask_in_place(payload, json.size(), key);

  const Bytes expected = encode(WsOpcode::text, true, Bytes(json.begin(), json.end()), &key);
  EXPECT_EQ(Bytes(frame, payload + json.size()), expected);
}

TEST(WsFrameEncoderTest, EncodeReportsZeroWhenItDoesNotFit) {
  const Bytes payload(200, 'p');
  const std::uint32_t key = 7;
  Bytes out(208);  // 4 + 4 + 200 exactly
  EXPECT_EQ(encode_ws_frame(out.data(), out.size(), WsOpcode::binary, true, payload.data(),
                            payload.size(), &key),
            208u);
  EXPECT_EQ(encode_ws_frame(out.data(), 207, WsOpcode::binary, true, payload.data(), payload.size(),
                            &key),
            0u);
  EXPECT_EQ(encode_ws_frame(out.data(), 1, WsOpcode::binary, true, nullptr, 0, nullptr), 0u);
  EXPECT_EQ(encode_ws_frame(out.data(), 2, WsOpcode::binary, true, nullptr, 0, nullptr), 2u);
}

TEST(WsFrameEncoderTest, EncodeAcceptsAPayloadAlreadyInPlace) {
  const Bytes original(300, 'q');
  Bytes buf(400);
  const std::size_t header_len = ws_header_size(original.size(), false);
  std::memcpy(buf.data() + header_len, original.data(), original.size());
  const std::size_t n = encode_ws_frame(buf.data(), buf.size(), WsOpcode::binary, true,
                                        buf.data() + header_len, original.size(), nullptr);
  ASSERT_EQ(n, header_len + original.size());
  const auto r = decode_ws_frame(buf.data(), n, WsRole::client, kNoLimit);
  ASSERT_EQ(r.status, WsDecodeStatus::frame);
  EXPECT_EQ(payload_of(r.frame), original);
}

TEST(WsMaskTest, MaskingInPiecesWithOffsetsEqualsMaskingWhole) {
  std::mt19937_64 rng(20261130);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = rng() % 100;
    Bytes data(n);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    const auto key = static_cast<std::uint32_t>(rng());
    Bytes whole = data;
    ws_mask_in_place(whole.data(), whole.size(), key);
    Bytes pieces = data;
    std::size_t pos = 0;
    while (pos < n) {
      const std::size_t piece = std::min<std::size_t>(n - pos, 1 + rng() % 13);
      ws_mask_in_place(pieces.data() + pos, piece, key, pos);
      pos += piece;
    }
    ASSERT_EQ(pieces, whole) << trial;
    // And the byte-at-a-time definition of RFC 6455 5.3.
    std::uint8_t key_bytes[4];
    std::memcpy(key_bytes, &key, 4);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(whole[i], static_cast<std::uint8_t>(data[i] ^ key_bytes[i % 4]));
    }
    // Masking is its own inverse.
    ws_mask_in_place(whole.data(), whole.size(), key);
    ASSERT_EQ(whole, data);
  }
}

// --- round trip -----------------------------------------------------------------------

TEST(WsFrameRoundTripTest, RandomFramesEncodeThenDecodeToTheSameFrame) {
  std::mt19937_64 rng(6455);
  constexpr WsOpcode kOpcodes[] = {WsOpcode::continuation, WsOpcode::text, WsOpcode::binary,
                                   WsOpcode::close,        WsOpcode::ping, WsOpcode::pong};
  for (int trial = 0; trial < 2000; ++trial) {
    const WsOpcode op = kOpcodes[rng() % 6];
    const bool control = is_control(op);
    const bool fin = control || (rng() & 1) != 0;
    // Every length encoding, weighted towards small frames to keep the ASan run short.
    const auto size_class = control ? 0 : rng() % 100;
    std::size_t len = 0;
    if (size_class < 50)
      len = rng() % 126;
    else if (size_class < 85)
      len = 126 + rng() % 400;
    else if (size_class < 97)
      len = 126 + rng() % (65536 - 126);
    else
      len = 65536 + rng() % 5000;
    Bytes payload(len);
    std::uint32_t fill = static_cast<std::uint32_t>(rng());
    for (auto& b : payload) {
      fill = fill * 1664525u + 1013904223u;
      b = static_cast<std::uint8_t>(fill >> 24);
    }
    const bool masked = (rng() & 1) != 0;
    const auto key = static_cast<std::uint32_t>(rng());
    const Bytes wire = encode(op, fin, payload, masked ? &key : nullptr);
    ASSERT_EQ(wire.size(), ws_header_size(len, masked) + len);

    const auto r = decode(wire, masked ? WsRole::server : WsRole::client, len);
    ASSERT_EQ(r.status, WsDecodeStatus::frame) << trial << ' ' << to_string(r.error);
    EXPECT_EQ(r.frame.opcode, op);
    EXPECT_EQ(r.frame.fin, fin);
    EXPECT_EQ(r.frame.masked, masked);
    if (masked) {
      EXPECT_EQ(r.frame.mask_key, key);
    }
    EXPECT_EQ(r.frame.frame_len, wire.size());
    ASSERT_EQ(payload_of(r.frame), payload) << trial;
  }
}

}  // namespace
}  // namespace ballast::net::ws_frame_test
