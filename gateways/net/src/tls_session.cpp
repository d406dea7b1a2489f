#include "ballast/net/tls_session.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ballast::net {

namespace {
std::string openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

bool is_ip_literal(std::string_view host) {
  char tmp[64];
  if (host.size() >= sizeof tmp) return false;
  std::memcpy(tmp, host.data(), host.size());
  tmp[host.size()] = '\0';
  unsigned char addr[16];
  return ::inet_pton(AF_INET, tmp, addr) == 1 || ::inet_pton(AF_INET6, tmp, addr) == 1;
}
}  // namespace

TlsContext::TlsContext(const TlsContextOptions& options) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) throw std::runtime_error("SSL_CTX_new: " + openssl_errors());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  // Keep the record buffers for the session's life: releasing them when idle would
  // reallocate 16 KiB+ on the next message. No renegotiation (TLS 1.2) and no
  // compression either: both would reopen the session mid-stream.
  SSL_CTX_clear_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  const int ok = options.ca_file.empty()
                     ? SSL_CTX_set_default_verify_paths(ctx_)
                     : SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr);
  if (ok != 1) {
    const std::string why = openssl_errors();
    SSL_CTX_free(ctx_);
    throw std::runtime_error(
        "cannot load CA " +
        (options.ca_file.empty() ? std::string("default paths") : options.ca_file) + ": " + why);
  }
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

TlsSession::TlsSession(TlsContext& ctx, std::size_t bio_bytes) : ctx_(ctx), bio_bytes_(bio_bytes) {}

TlsSession::~TlsSession() {
  reset();
}

void TlsSession::reset() noexcept {
  if (ssl_ != nullptr) SSL_free(ssl_);  // frees the SSL's end of the pair
  if (net_bio_ != nullptr) BIO_free(net_bio_);
  ssl_ = nullptr;
  net_bio_ = nullptr;
  established_ = false;
}

void TlsSession::set_error(const char* what) noexcept {
  std::snprintf(error_, sizeof error_, "%s", what);
}

bool TlsSession::start(std::string_view host) noexcept {
  reset();
  error_[0] = '\0';
  ERR_clear_error();
  ssl_ = SSL_new(ctx_.native());
  if (ssl_ == nullptr) {
    set_error("SSL_new failed");
    return false;
  }
  // A BIO pair has two fixed rings allocated here, once; a memory BIO (BIO_s_mem)
  // would grow and shrink its buffer with every record.
  BIO* internal = nullptr;
  if (BIO_new_bio_pair(&internal, bio_bytes_, &net_bio_, bio_bytes_) != 1) {
    set_error("BIO_new_bio_pair failed");
    reset();
    return false;
  }
  SSL_set_bio(ssl_, internal, internal);
  SSL_set_connect_state(ssl_);
  std::string name(host);
  if (is_ip_literal(host)) {
    // RFC 6066 forbids IP literals in SNI; the certificate must carry it as an IP SAN.
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), name.c_str()) != 1) {
      set_error("bad IP address for verification");
      reset();
      return false;
    }
  } else {
    if (SSL_set_tlsext_host_name(ssl_, name.c_str()) != 1 ||
        SSL_set1_host(ssl_, name.c_str()) != 1) {
      set_error("cannot set the TLS host name");
      reset();
      return false;
    }
    // Wildcards only in the left-most label, never partial ("*.example.com" only).
    SSL_set_hostflags(ssl_, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  }
  return true;
}

TlsResult TlsSession::fail(int ssl_rc) noexcept {
  const int err = SSL_get_error(ssl_, ssl_rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return TlsResult::want_more;
  if (err == SSL_ERROR_ZERO_RETURN) {
    set_error("peer closed the TLS session");
    return TlsResult::closed;
  }
  const long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) {
    std::snprintf(error_, sizeof error_, "certificate verify failed: %s",
                  X509_verify_cert_error_string(verify));
  } else {
    const unsigned long e = ERR_peek_last_error();
    if (e != 0) {
      // reason strings such as "unsupported protocol", "tlsv1 alert protocol version"
      const char* reason = ERR_reason_error_string(e);
      std::snprintf(error_, sizeof error_, "TLS error: %s", reason != nullptr ? reason : "unknown");
    } else if (err == SSL_ERROR_SYSCALL) {
      set_error("TLS error: unexpected end of stream");
    } else {
      std::snprintf(error_, sizeof error_, "TLS error: SSL_get_error %d", err);
    }
  }
  ERR_clear_error();
  return TlsResult::error;
}

TlsResult TlsSession::handshake() noexcept {
  if (ssl_ == nullptr) return TlsResult::error;
  if (established_) return TlsResult::ok;
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    established_ = true;
    return TlsResult::ok;
  }
  return fail(rc);
}

std::size_t TlsSession::feed(const std::uint8_t* data, std::size_t len) noexcept {
  if (net_bio_ == nullptr || len == 0) return 0;
  const std::size_t room = BIO_ctrl_get_write_guarantee(net_bio_);
  const std::size_t n = len < room ? len : room;
  if (n == 0) return 0;
  const int w = BIO_write(net_bio_, data, static_cast<int>(n));
  return w > 0 ? static_cast<std::size_t>(w) : 0;
}

TlsResult TlsSession::read_plaintext(std::uint8_t* out, std::size_t cap, std::size_t& n) noexcept {
  n = 0;
  if (ssl_ == nullptr) return TlsResult::error;
  if (cap == 0) return TlsResult::ok;
  std::size_t got = 0;
  const int rc = SSL_read_ex(ssl_, out, cap, &got);
  if (rc == 1) {
    n = got;
    return TlsResult::ok;
  }
  return fail(0);
}

TlsResult TlsSession::write_plaintext(const std::uint8_t* data, std::size_t len) noexcept {
  if (ssl_ == nullptr || !established_) return TlsResult::error;
  std::size_t done = 0;
  while (done < len) {
    std::size_t w = 0;
    if (SSL_write_ex(ssl_, data + done, len - done, &w) != 1) {
      const TlsResult r = fail(0);
      if (r == TlsResult::want_more) set_error("TLS output ring full");
      return TlsResult::error;
    }
    done += w;
  }
  return TlsResult::ok;
}

std::size_t TlsSession::pending_output() const noexcept {
  return net_bio_ == nullptr ? 0 : BIO_ctrl_pending(net_bio_);
}

std::size_t TlsSession::take_output(std::uint8_t* out, std::size_t cap) noexcept {
  if (net_bio_ == nullptr || cap == 0) return 0;
  const int r = BIO_read(net_bio_, out, static_cast<int>(cap));
  return r > 0 ? static_cast<std::size_t>(r) : 0;
}

void TlsSession::shutdown() noexcept {
  if (ssl_ != nullptr && established_) SSL_shutdown(ssl_);
}

std::string_view TlsSession::protocol() const noexcept {
  return ssl_ == nullptr ? std::string_view{} : std::string_view(SSL_get_version(ssl_));
}

std::string_view TlsSession::cipher() const noexcept {
  return ssl_ == nullptr ? std::string_view{} : std::string_view(SSL_get_cipher_name(ssl_));
}

}  // namespace ballast::net
