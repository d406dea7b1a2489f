// HMAC-SHA256 for Binance's SIGNED requests, keyed once: the key's inner and outer
// SHA-256 states are computed at construction, so signing a request is two SHA-256
// continuations from copies of those states, with no allocation (OpenSSL's EVP HMAC
// duplicates provider contexts on the heap per call; see docs/binance-dialect.md).
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string_view>

namespace ballast::binance {

class HmacSha256Signer {
 public:
  static constexpr std::size_t kDigestBytes = 32;
  static constexpr std::size_t kHexLength = 2 * kDigestBytes;

  explicit HmacSha256Signer(std::string_view key);
  ~HmacSha256Signer();
  HmacSha256Signer(const HmacSha256Signer&) = delete;
  HmacSha256Signer& operator=(const HmacSha256Signer&) = delete;

  void sign(std::string_view payload,
            std::array<unsigned char, kDigestBytes>& digest) const noexcept;
  // kHexLength lowercase hex characters into `out` (no terminator).
  void sign_hex(std::string_view payload, char* out) const noexcept;

 private:
  struct KeyedStates;
  std::unique_ptr<KeyedStates> states_;
};

}  // namespace ballast::binance
