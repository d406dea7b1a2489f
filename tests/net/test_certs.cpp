#include "test_certs.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace ballast::testing {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

[[noreturn]] void die(const std::string& what) {
  char buf[256] = "";
  if (const unsigned long e = ERR_get_error()) ERR_error_string_n(e, buf, sizeof buf);
  throw std::runtime_error("test certs: " + what + " " + buf);
}

Pkey ec_key() {
  Pkey k(EVP_EC_gen("P-256"));
  if (!k) die("EVP_EC_gen");
  return k;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) die("extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `subject_key`, signed by issuer (nullptr: self-signed CA).
// Validity: [now + from_days, now + to_days].
Cert make_cert(const char* cn, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key,
               long serial, long from_days, long to_days, const char* san, bool is_ca) {
  Cert c(X509_new());
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), from_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), to_days * 86400);
  X509_set_pubkey(c.get(), subject_key);
  X509_NAME* name = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Ballast tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : c.get();
  X509_set_issuer_name(c.get(), X509_get_subject_name(signer));
  if (is_ca) {
    add_ext(c.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(c.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(c.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(c.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_ext(c.get(), signer, NID_ext_key_usage, "serverAuth");
  }
  add_ext(c.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_ext(c.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (san != nullptr) add_ext(c.get(), signer, NID_subject_alt_name, san);
  if (X509_sign(c.get(), issuer_key, EVP_sha256()) == 0) die("X509_sign");
  return c;
}

void write_cert(const std::string& path, X509* c) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) die("open " + path);
  const int ok = PEM_write_X509(f, c);
  std::fclose(f);
  if (ok != 1) die("PEM_write_X509");
}

void write_key(const std::string& path, EVP_PKEY* k) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) die("open " + path);
  const int ok = PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  if (ok != 1) die("PEM_write_PrivateKey");
}

constexpr const char* kLocalSan = "DNS:localhost,IP:127.0.0.1,IP:::1";

}  // namespace

TestCerts make_test_certs() {
  TestCerts out;
  std::string tmpl = (std::filesystem::temp_directory_path() / "ballast-certs-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) die("mkdtemp");
  out.dir = tmpl;
  const auto file = [&](const char* name) { return out.dir + "/" + name; };

  Pkey ca_key = ec_key();
  Cert ca =
      make_cert("Ballast Test CA", ca_key.get(), nullptr, ca_key.get(), 1, -1, 365, nullptr, true);
  out.ca_cert = file("ca.pem");
  out.ca_key = file("ca.key");
  write_cert(out.ca_cert, ca.get());
  write_key(out.ca_key, ca_key.get());

  const auto leaf = [&](CertKey& dst, const char* stem, const char* cn, const char* san,
                        X509* issuer, EVP_PKEY* issuer_key, long serial, long from, long to) {
    Pkey k = ec_key();
    Cert c = make_cert(cn, k.get(), issuer, issuer_key, serial, from, to, san, false);
    dst.cert = file((std::string(stem) + ".pem").c_str());
    dst.key = file((std::string(stem) + ".key").c_str());
    write_cert(dst.cert, c.get());
    write_key(dst.key, k.get());
  };
  leaf(out.server, "server", "localhost", kLocalSan, ca.get(), ca_key.get(), 2, -1, 365);
  leaf(out.wrong_host, "wrong_host", "wrong.example", "DNS:wrong.example", ca.get(), ca_key.get(),
       3, -1, 365);
  leaf(out.expired, "expired", "localhost", kLocalSan, ca.get(), ca_key.get(), 4, -30, -1);

  Pkey rogue_key = ec_key();
  Cert rogue = make_cert("Unknown Test CA", rogue_key.get(), nullptr, rogue_key.get(), 1, -1, 365,
                         nullptr, true);
  out.unknown_ca_cert = file("unknown_ca.pem");
  write_cert(out.unknown_ca_cert, rogue.get());
  leaf(out.unknown_ca, "unknown_issuer", "localhost", kLocalSan, rogue.get(), rogue_key.get(), 2,
       -1, 365);
  return out;
}

void remove_test_certs(const TestCerts& certs) {
  std::error_code ec;
  if (!certs.dir.empty()) std::filesystem::remove_all(certs.dir, ec);
}

const TestCerts& test_certs() {
  // The files go when the set is destroyed at exit (an atexit handler registered while
  // the static is built would run after its destructor).
  struct Holder {
    TestCerts certs;
    ~Holder() { remove_test_certs(certs); }
  };
  static const Holder holder{make_test_certs()};
  return holder.certs;
}

}  // namespace ballast::testing
