// A throw-away PKI for TLS tests, generated with the OpenSSL API at test start-up: a test
// CA, a good "localhost"/127.0.0.1 server certificate and the broken ones a client must
// refuse (wrong host, expired, unknown issuer). PEM files in a temp dir; any test may link it.
#pragma once

#include <string>

namespace ballast::testing {

struct CertKey {
  std::string cert;  // PEM file path
  std::string key;   // PEM file path (unencrypted PKCS#8)
};

struct TestCerts {
  std::string dir;      // the temp dir holding every file
  std::string ca_cert;  // the trusted test CA (pass as TlsContextOptions::ca_file)
  std::string ca_key;
  CertKey server;               // CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1
  CertKey wrong_host;           // signed by the CA, SAN DNS:wrong.example only
  CertKey expired;              // signed by the CA, localhost + 127.0.0.1, notAfter yesterday
  CertKey unknown_ca;           // localhost + 127.0.0.1, signed by a CA nobody trusts
  std::string unknown_ca_cert;  // that untrusted CA
};

// Generates a fresh set (EC P-256 keys, SHA-256 signatures) into a new temp dir.
// Throws std::runtime_error on failure.
TestCerts make_test_certs();
// One set per process, generated on first use and deleted at exit.
const TestCerts& test_certs();
// Deletes the files and the dir.
void remove_test_certs(const TestCerts& certs);

}  // namespace ballast::testing
