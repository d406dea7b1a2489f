// The UTF-8 DFA of utf8.hpp. The table is built at compile time from the RFC 3629
// grammar (rather than pasted in as numbers) so each transition can be read and checked.
#include "ballast/net/utf8.hpp"

#include <array>
#include <cstring>

namespace ballast::net {
namespace {

// Byte classes: the ranges of the RFC 3629 grammar that lead to different transitions.
enum ByteClass : std::uint8_t {
  kAscii,       // 00-7F
  kCont80to8F,  // continuation bytes, split where E0/ED/F0/F4 restrict the second byte
  kCont90to9F,
  kContA0toBF,
  kNeverValid,  // C0, C1 (overlong 2-byte leads), F5-FF (beyond U+10FFFF)
  kLead2,       // C2-DF
  kLeadE0,      // E0: second byte A0-BF, else overlong
  kLead3,       // E1-EC, EE-EF
  kLeadED,      // ED: second byte 80-9F, else a UTF-16 surrogate
  kLeadF0,      // F0: second byte 90-BF, else overlong
  kLead4,       // F1-F3
  kLeadF4,      // F4: second byte 80-8F, else above U+10FFFF
  kClassCount
};

// States are premultiplied by the class count so a transition is one add and one load.
// kAccept and kReject must match Utf8Validator's constants (0 and 12).
enum State : std::uint8_t {
  kAccept = 0 * kClassCount,
  kReject = 1 * kClassCount,
  kNeed1 = 2 * kClassCount,
  kNeed2 = 3 * kClassCount,
  kNeed3 = 4 * kClassCount,
  kAfterE0 = 5 * kClassCount,
  kAfterED = 6 * kClassCount,
  kAfterF0 = 7 * kClassCount,
  kAfterF4 = 8 * kClassCount,
  kStateEnd = 9 * kClassCount
};

constexpr ByteClass class_of(unsigned b) {
  if (b <= 0x7F) return kAscii;
  if (b <= 0x8F) return kCont80to8F;
  if (b <= 0x9F) return kCont90to9F;
  if (b <= 0xBF) return kContA0toBF;
  if (b <= 0xC1) return kNeverValid;
  if (b <= 0xDF) return kLead2;
  if (b == 0xE0) return kLeadE0;
  if (b == 0xED) return kLeadED;
  if (b <= 0xEF) return kLead3;
  if (b == 0xF0) return kLeadF0;
  if (b <= 0xF3) return kLead4;
  if (b == 0xF4) return kLeadF4;
  return kNeverValid;
}

constexpr State next_state(State state, ByteClass cls) {
  const bool any_cont = cls == kCont80to8F || cls == kCont90to9F || cls == kContA0toBF;
  switch (state) {
    case kAccept:
      switch (cls) {
        case kAscii:
          return kAccept;
        case kLead2:
          return kNeed1;
        case kLeadE0:
          return kAfterE0;
        case kLead3:
          return kNeed2;
        case kLeadED:
          return kAfterED;
        case kLeadF0:
          return kAfterF0;
        case kLead4:
          return kNeed3;
        case kLeadF4:
          return kAfterF4;
        default:
          return kReject;
      }
    case kNeed1:
      return any_cont ? kAccept : kReject;
    case kNeed2:
      return any_cont ? kNeed1 : kReject;
    case kNeed3:
      return any_cont ? kNeed2 : kReject;
    case kAfterE0:
      return cls == kContA0toBF ? kNeed1 : kReject;
    case kAfterED:
      return (cls == kCont80to8F || cls == kCont90to9F) ? kNeed1 : kReject;
    case kAfterF0:
      return (cls == kCont90to9F || cls == kContA0toBF) ? kNeed2 : kReject;
    case kAfterF4:
      return cls == kCont80to8F ? kNeed2 : kReject;
    default:
      return kReject;
  }
}

struct Tables {
  std::array<std::uint8_t, 256> byte_class{};
  std::array<std::uint8_t, kStateEnd> transition{};
};

constexpr Tables build_tables() {
  Tables t;
  for (unsigned b = 0; b < 256; ++b) t.byte_class[b] = class_of(b);
  for (unsigned s = 0; s < kStateEnd; s += kClassCount) {
    for (unsigned c = 0; c < kClassCount; ++c) {
      t.transition[s + c] = next_state(static_cast<State>(s), static_cast<ByteClass>(c));
    }
  }
  return t;
}

constexpr Tables kTables = build_tables();
static_assert(kAccept == 0 && kReject == 12, "must match Utf8Validator::kAccept/kReject");

constexpr std::uint64_t kHighBits = 0x8080808080808080ull;

}  // namespace

bool Utf8Validator::feed(const std::uint8_t* p, std::size_t n) noexcept {
  std::uint8_t state = state_;
  std::size_t i = 0;
  while (i < n) {
    if (state == kAccept) {
      // Exchange messages are almost all ASCII: skip it a word at a time.
      while (i + 8 <= n) {
        std::uint64_t word;
        std::memcpy(&word, p + i, sizeof word);
        if ((word & kHighBits) != 0) break;
        i += 8;
      }
      if (i == n) break;
    }
    state = kTables.transition[state + kTables.byte_class[p[i]]];
    if (state == kReject) break;
    ++i;
  }
  state_ = state;
  return state != kReject;
}

bool is_valid_utf8(const std::uint8_t* p, std::size_t n) noexcept {
  Utf8Validator validator;
  return validator.feed(p, n) && validator.complete();
}

}  // namespace ballast::net
