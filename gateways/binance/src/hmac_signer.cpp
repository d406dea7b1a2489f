// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but they are
// the only OpenSSL SHA-256 whose state is a plain struct that can be copied without
// touching the heap, which is what a per-order signature needs.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "ballast/binance/hmac_signer.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace ballast::binance {

struct HmacSha256Signer::KeyedStates {
  SHA256_CTX inner;  // after absorbing key ^ ipad
  SHA256_CTX outer;  // after absorbing key ^ opad
};

HmacSha256Signer::HmacSha256Signer(std::string_view key)
    : states_(std::make_unique<KeyedStates>()) {
  constexpr std::size_t kBlock = SHA256_CBLOCK;
  unsigned char block[kBlock] = {};
  if (key.size() > kBlock) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
  } else if (!key.empty()) {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<unsigned char>(block[i] ^ 0x36);
  SHA256_Init(&states_->inner);
  SHA256_Update(&states_->inner, pad, kBlock);
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<unsigned char>(block[i] ^ 0x5c);
  SHA256_Init(&states_->outer);
  SHA256_Update(&states_->outer, pad, kBlock);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
}

HmacSha256Signer::~HmacSha256Signer() {
  if (states_) OPENSSL_cleanse(states_.get(), sizeof(KeyedStates));
}

void HmacSha256Signer::sign(std::string_view payload,
                            std::array<unsigned char, kDigestBytes>& digest) const noexcept {
  SHA256_CTX ctx = states_->inner;
  SHA256_Update(&ctx, payload.data(), payload.size());
  unsigned char inner_hash[SHA256_DIGEST_LENGTH];
  SHA256_Final(inner_hash, &ctx);
  ctx = states_->outer;
  SHA256_Update(&ctx, inner_hash, sizeof inner_hash);
  SHA256_Final(digest.data(), &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
}

void HmacSha256Signer::sign_hex(std::string_view payload, char* out) const noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<unsigned char, kDigestBytes> digest{};
  sign(payload, digest);
  for (std::size_t i = 0; i < kDigestBytes; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0x0F];
  }
}

}  // namespace ballast::binance
