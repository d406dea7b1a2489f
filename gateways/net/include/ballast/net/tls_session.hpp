// TLS client over OpenSSL with no socket of its own: ciphertext read by the io_uring loop
// is fed in, plaintext comes out into the caller's buffer, and plaintext written becomes
// ciphertext for the registered send buffer. Peer verification is always on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using SSL_CTX = struct ssl_ctx_st;
using SSL = struct ssl_st;
using BIO = struct bio_st;

namespace ballast::net {

struct TlsContextOptions {
  // PEM bundle of trusted CAs; empty = the system's default paths (/etc/ssl/certs).
  std::string ca_file;
  // There is deliberately no option to skip verification: tests trust a test CA.
};

// The SSL_CTX: certificates, protocol floor (TLS 1.2), verification. One per process or
// per venue; sessions made from it are used on one loop thread each.
class TlsContext {
 public:
  // Throws std::runtime_error (with OpenSSL's reason) when the CA file cannot be loaded.
  explicit TlsContext(const TlsContextOptions& options = {});
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  [[nodiscard]] SSL_CTX* native() noexcept { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

enum class TlsResult : std::uint8_t {
  ok,         // done (handshake complete / bytes moved)
  want_more,  // needs more ciphertext from the peer (and maybe has some to send)
  closed,     // the peer sent close_notify
  error,      // fatal: error() says why
};

class TlsSession {
 public:
  // `bio_bytes` sizes the BIO pair's two fixed rings (ciphertext in and out).
  explicit TlsSession(TlsContext& ctx, std::size_t bio_bytes = 64 * 1024);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Setup, once per connection attempt (allocates the SSL object): SNI and the name the
  // certificate must carry (a DNS name, or an IPv4/IPv6 literal checked against IP SANs).
  bool start(std::string_view host) noexcept;

  // Drives the handshake: ok when established; want_more until then.
  TlsResult handshake() noexcept;
  [[nodiscard]] bool established() const noexcept { return established_; }

  // Ciphertext from the socket. Returns the bytes taken (less than len when the input
  // ring is full: feed the rest after read_plaintext has drained some).
  std::size_t feed(const std::uint8_t* data, std::size_t len) noexcept;
  // Decrypts into out[0, cap); `n` is set to the bytes produced.
  TlsResult read_plaintext(std::uint8_t* out, std::size_t cap, std::size_t& n) noexcept;
  // Encrypts all of data (error if the output ring cannot take it: drain first).
  TlsResult write_plaintext(const std::uint8_t* data, std::size_t len) noexcept;
  // Ciphertext waiting to go to the socket, and taking it out.
  [[nodiscard]] std::size_t pending_output() const noexcept;
  std::size_t take_output(std::uint8_t* out, std::size_t cap) noexcept;
  // Queues a close_notify alert (the output then needs draining).
  void shutdown() noexcept;
  // Frees the SSL object (after a connection ends; start() makes a new one).
  void reset() noexcept;

  // Why the last error happened, e.g. "certificate verify failed: certificate has
  // expired" or "certificate verify failed: hostname mismatch".
  [[nodiscard]] std::string_view error() const noexcept { return error_; }
  [[nodiscard]] std::string_view protocol() const noexcept;  // "TLSv1.3"
  [[nodiscard]] std::string_view cipher() const noexcept;

 private:
  TlsResult fail(int ssl_rc) noexcept;
  void set_error(const char* what) noexcept;
  TlsContext& ctx_;
  std::size_t bio_bytes_;
  SSL* ssl_ = nullptr;
  BIO* net_bio_ = nullptr;  // our end of the pair; SSL owns the other
  bool established_ = false;
  char error_[256] = {};
};

}  // namespace ballast::net
