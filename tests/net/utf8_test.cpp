// Utf8Validator against RFC 3629 and Markus Kuhn's UTF-8 decoder stress test, plus an
// independent reference decoder for exhaustive comparisons over short sequences.
#include "ballast/net/utf8.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace ballast::net::utf8_test {
namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> list) {
  std::vector<std::uint8_t> out;
  for (int b : list) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

bool valid(const std::vector<std::uint8_t>& b) {
  return is_valid_utf8(b.data(), b.size());
}

std::vector<std::uint8_t> encode(std::uint32_t cp) {
  if (cp < 0x80) return {static_cast<std::uint8_t>(cp)};
  if (cp < 0x800) {
    return {static_cast<std::uint8_t>(0xC0 | (cp >> 6)),
            static_cast<std::uint8_t>(0x80 | (cp & 0x3F))};
  }
  if (cp < 0x10000) {
    return {static_cast<std::uint8_t>(0xE0 | (cp >> 12)),
            static_cast<std::uint8_t>(0x80 | ((cp >> 6) & 0x3F)),
            static_cast<std::uint8_t>(0x80 | (cp & 0x3F))};
  }
  return {static_cast<std::uint8_t>(0xF0 | (cp >> 18)),
          static_cast<std::uint8_t>(0x80 | ((cp >> 12) & 0x3F)),
          static_cast<std::uint8_t>(0x80 | ((cp >> 6) & 0x3F)),
          static_cast<std::uint8_t>(0x80 | (cp & 0x3F))};
}

// Reference: decode code points the slow, obvious way and check the ranges afterwards.
bool reference_valid(const std::uint8_t* p, std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t lead = p[i];
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (lead < 0x80) {
      cp = lead;
      extra = 0;
    } else if ((lead & 0xE0) == 0xC0) {
      cp = lead & 0x1Fu;
      extra = 1;
    } else if ((lead & 0xF0) == 0xE0) {
      cp = lead & 0x0Fu;
      extra = 2;
    } else if ((lead & 0xF8) == 0xF0) {
      cp = lead & 0x07u;
      extra = 3;
    } else
      return false;
    if (i + extra >= n) return false;  // truncated
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3Fu);
    }
    static constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra]) return false;     // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogate
    if (cp > 0x10FFFF) return false;
    i += extra + 1;
  }
  return true;
}

TEST(Utf8ValidatorTest, AcceptsAsciiAndEmpty) {
  EXPECT_TRUE(is_valid_utf8(nullptr, 0));
  const std::string_view text = R"({"e":"bookTicker","s":"BTCUSDT","b":"70000.10"})";
  EXPECT_TRUE(is_valid_utf8(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

TEST(Utf8ValidatorTest, AcceptsKuhnGreekSample) {
  // "κόσμε", section 1 of the Kuhn test file.
  EXPECT_TRUE(valid(bytes({0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5})));
}

TEST(Utf8ValidatorTest, AcceptsBoundaryCodePoints) {
  // Kuhn 2.1-2.3: first and last of each length, and the other boundaries.
  for (std::uint32_t cp : {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xD7FFu, 0xE000u, 0xFFFDu, 0xFFFFu,
                           0x10000u, 0x10FFFFu}) {
    EXPECT_TRUE(valid(encode(cp))) << std::hex << cp;
  }
}

TEST(Utf8ValidatorTest, RejectsCodePointsAboveU10FFFF) {
  EXPECT_FALSE(valid(bytes({0xF4, 0x90, 0x80, 0x80})));              // U+110000
  EXPECT_FALSE(valid(bytes({0xF7, 0xBF, 0xBF, 0xBF})));              // U+1FFFFF
  EXPECT_FALSE(valid(bytes({0xF8, 0x88, 0x80, 0x80, 0x80})));        // 5-byte form
  EXPECT_FALSE(valid(bytes({0xFC, 0x84, 0x80, 0x80, 0x80, 0x80})));  // 6-byte form
}

TEST(Utf8ValidatorTest, RejectsOverlongSlash) {
  // Kuhn 4.1: '/' (U+002F) in every overlong form.
  EXPECT_FALSE(valid(bytes({0xC0, 0xAF})));
  EXPECT_FALSE(valid(bytes({0xE0, 0x80, 0xAF})));
  EXPECT_FALSE(valid(bytes({0xF0, 0x80, 0x80, 0xAF})));
  // Kuhn 4.2: the largest overlong of each length.
  EXPECT_FALSE(valid(bytes({0xC1, 0xBF})));
  EXPECT_FALSE(valid(bytes({0xE0, 0x9F, 0xBF})));
  EXPECT_FALSE(valid(bytes({0xF0, 0x8F, 0xBF, 0xBF})));
  // Kuhn 4.3: overlong NUL.
  EXPECT_FALSE(valid(bytes({0xC0, 0x80})));
  EXPECT_FALSE(valid(bytes({0xE0, 0x80, 0x80})));
}

TEST(Utf8ValidatorTest, RejectsSurrogates) {
  // Kuhn 5.1/5.2: single and paired UTF-16 surrogates encoded as UTF-8.
  EXPECT_FALSE(valid(bytes({0xED, 0xA0, 0x80})));                    // U+D800
  EXPECT_FALSE(valid(bytes({0xED, 0xAD, 0xBF})));                    // U+DB7F
  EXPECT_FALSE(valid(bytes({0xED, 0xB0, 0x80})));                    // U+DC00
  EXPECT_FALSE(valid(bytes({0xED, 0xBF, 0xBF})));                    // U+DFFF
  EXPECT_FALSE(valid(bytes({0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80})));  // U+D800 U+DC00
  EXPECT_TRUE(valid(bytes({0xED, 0x9F, 0xBF})));                     // U+D7FF, just below
}

TEST(Utf8ValidatorTest, RejectsStrayContinuationsAndImpossibleBytes) {
  // Kuhn 3.1 and 3.5.
  EXPECT_FALSE(valid(bytes({0x80})));
  EXPECT_FALSE(valid(bytes({0xBF})));
  EXPECT_FALSE(valid(bytes({0x41, 0x80, 0xBF})));
  EXPECT_FALSE(valid(bytes({0xFE})));
  EXPECT_FALSE(valid(bytes({0xFF})));
  EXPECT_FALSE(valid(bytes({0xFE, 0xFE, 0xFF, 0xFF})));
}

TEST(Utf8ValidatorTest, RejectsLonelyLeadsAndTruncatedSequences) {
  // Kuhn 3.2: a lead followed by a space; 3.3: sequences missing their last byte.
  EXPECT_FALSE(valid(bytes({0xC2, 0x20})));
  EXPECT_FALSE(valid(bytes({0xE1, 0x20})));
  EXPECT_FALSE(valid(bytes({0xC2})));
  EXPECT_FALSE(valid(bytes({0xE2, 0x82})));
  EXPECT_FALSE(valid(bytes({0xF0, 0x9F, 0x98})));
}

TEST(Utf8ValidatorTest, IncompleteIsNotInvalidUntilTheEnd) {
  Utf8Validator v;
  const auto euro = bytes({0xE2, 0x82, 0xAC});
  EXPECT_TRUE(v.feed(euro.data(), 2));
  EXPECT_FALSE(v.complete());
  EXPECT_TRUE(v.feed(euro.data() + 2, 1));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8ValidatorTest, CodePointSplitAtEveryPositionAcrossFragments) {
  // "a😀b€c", each split point one fragment boundary, including one byte at a time.
  const auto text = bytes({0x61, 0xF0, 0x9F, 0x98, 0x80, 0x62, 0xE2, 0x82, 0xAC, 0x63});
  for (std::size_t split = 0; split <= text.size(); ++split) {
    Utf8Validator v;
    EXPECT_TRUE(v.feed(text.data(), split));
    EXPECT_TRUE(v.feed(text.data() + split, text.size() - split));
    EXPECT_TRUE(v.complete()) << split;
  }
  Utf8Validator one_by_one;
  for (std::uint8_t b : text) EXPECT_TRUE(one_by_one.feed(&b, 1));
  EXPECT_TRUE(one_by_one.complete());
}

TEST(Utf8ValidatorTest, SurrogateSplitAcrossFragmentsFailsOnItsSecondByte) {
  Utf8Validator v;
  const auto surrogate = bytes({0xED, 0xA0, 0x80});
  EXPECT_TRUE(v.feed(surrogate.data(), 1));
  EXPECT_FALSE(v.feed(surrogate.data() + 1, 1));
}

TEST(Utf8ValidatorTest, StaysInvalidUntilReset) {
  Utf8Validator v;
  const auto bad = bytes({0xFF});
  const auto good = bytes({0x41});
  EXPECT_FALSE(v.feed(bad.data(), 1));
  EXPECT_FALSE(v.feed(good.data(), 1));
  EXPECT_TRUE(v.failed());
  v.reset();
  EXPECT_TRUE(v.feed(good.data(), 1));
  EXPECT_TRUE(v.complete());
}

TEST(Utf8ValidatorTest, FastAsciiPathStopsAtTheFirstNonAsciiByte) {
  // Long ASCII runs go through the word-at-a-time path; the error sits after them at
  // every alignment.
  for (std::size_t prefix = 0; prefix < 40; ++prefix) {
    std::vector<std::uint8_t> text(prefix, 'x');
    text.push_back(0xC0);
    text.push_back(0xAF);
    text.insert(text.end(), 20, 'y');
    EXPECT_FALSE(valid(text)) << prefix;
    text[prefix] = 0xC2;  // now U+00AF, valid
    EXPECT_TRUE(valid(text)) << prefix;
  }
}

TEST(Utf8ValidatorTest, EveryCodePointEncodesValidExceptSurrogates) {
  for (std::uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    const auto b = encode(cp);
    const bool is_surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    ASSERT_EQ(valid(b), !is_surrogate) << std::hex << cp;
  }
}

TEST(Utf8ValidatorTest, MatchesReferenceOnEveryOneTwoAndThreeByteSequence) {
  std::uint8_t buf[3];
  for (unsigned a = 0; a < 256; ++a) {
    buf[0] = static_cast<std::uint8_t>(a);
    ASSERT_EQ(is_valid_utf8(buf, 1), reference_valid(buf, 1)) << a;
    for (unsigned b = 0; b < 256; ++b) {
      buf[1] = static_cast<std::uint8_t>(b);
      ASSERT_EQ(is_valid_utf8(buf, 2), reference_valid(buf, 2)) << a << ' ' << b;
      // Three-byte sequences only where the first two bytes do not already decide.
      if (a < 0xE0 || a > 0xF4 || (b & 0xC0) != 0x80) continue;
      for (unsigned c = 0; c < 256; ++c) {
        buf[2] = static_cast<std::uint8_t>(c);
        ASSERT_EQ(is_valid_utf8(buf, 3), reference_valid(buf, 3)) << a << ' ' << b << ' ' << c;
      }
    }
  }
}

TEST(Utf8ValidatorTest, MatchesReferenceOnEveryFourByteLeadAndSecondByte) {
  std::uint8_t buf[4] = {0, 0, 0x80, 0xBF};
  for (unsigned a = 0xF0; a < 0x100; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      buf[0] = static_cast<std::uint8_t>(a);
      buf[1] = static_cast<std::uint8_t>(b);
      ASSERT_EQ(is_valid_utf8(buf, 4), reference_valid(buf, 4)) << a << ' ' << b;
    }
  }
}

}  // namespace
}  // namespace ballast::net::utf8_test
