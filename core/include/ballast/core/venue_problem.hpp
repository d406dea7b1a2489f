// Why a venue's session is down, in words an operator can act on ("api: tls_failed:
// certificate verify failed: ...", "connect_failed: Connection refused", "logon
// rejected: ..."). The gateway's own thread writes it when a connection fails; the status
// line and the run summary read it from another thread. Fixed size and lock-free (a
// SeqLock over a char array): a failing venue can never stall its reader, and the write
// happens on a failure, never between a tick and its order.
#pragma once

#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

#include "ballast/core/seqlock.hpp"

namespace ballast {

class VenueProblem {
 public:
  static constexpr std::size_t kMaxText = 191;

  // The parts are joined with ": " and cut at kMaxText bytes.
  void set(std::initializer_list<std::string_view> parts) noexcept {
    Text t{};
    std::size_t n = 0;
    for (std::string_view p : parts) {
      if (p.empty()) continue;
      if (n != 0) append(t, n, ": ");
      append(t, n, p);
    }
    t.size = static_cast<unsigned char>(n);
    text_.store(t);
  }
  // "" when the venue never failed.
  [[nodiscard]] std::string get() const {
    Text t{};
    if (!text_.load(t)) return {};
    return std::string(t.bytes, t.size);
  }

 private:
  struct Text {
    char bytes[kMaxText] = {};
    unsigned char size = 0;
  };
  static void append(Text& t, std::size_t& n, std::string_view s) noexcept {
    const std::size_t k = s.size() < kMaxText - n ? s.size() : kMaxText - n;
    std::memcpy(t.bytes + n, s.data(), k);
    n += k;
  }
  SeqLock<Text> text_;
};

}  // namespace ballast
