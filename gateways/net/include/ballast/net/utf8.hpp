// UTF-8 validation for WebSocket text messages and close reasons (RFC 6455 8.1, RFC 3629).
// Incremental, so a code point split across fragments validates without buffering; strict,
// so overlong forms, UTF-16 surrogates and anything above U+10FFFF are rejected.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ballast::net {

// Bjoern Hoehrmann's DFA: one table lookup per byte, no branches on the byte class, and
// the whole state is one byte, so the validator lives inside the message assembler.
class Utf8Validator {
 public:
  // False once the bytes seen so far cannot be the start of valid UTF-8; it stays false
  // until reset(), so a caller may feed every fragment and look at the last answer only.
  bool feed(const std::uint8_t* p, std::size_t n) noexcept;
  // True at a code-point boundary: a message may only end here.
  [[nodiscard]] bool complete() const noexcept { return state_ == kAccept; }
  [[nodiscard]] bool failed() const noexcept { return state_ == kReject; }
  void reset() noexcept { state_ = kAccept; }

 private:
  static constexpr std::uint8_t kAccept = 0;
  static constexpr std::uint8_t kReject = 12;
  std::uint8_t state_ = kAccept;
};

// Whole-buffer check: valid and not ending inside a code point.
bool is_valid_utf8(const std::uint8_t* p, std::size_t n) noexcept;

}  // namespace ballast::net
