// API key and secret for Binance's signed requests, from environment variables or from a
// TOML file only its owner can read. The secret lives in ApiSecret: no stream operator,
// only a redacted() rendering, wiped with OPENSSL_cleanse when destroyed; no error text
// ever contains it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ballast::binance {

class ApiSecret {
 public:
  ApiSecret() = default;
  explicit ApiSecret(std::string_view secret);
  ~ApiSecret();
  ApiSecret(ApiSecret&& other) noexcept;
  ApiSecret& operator=(ApiSecret&& other) noexcept;
  ApiSecret(const ApiSecret&) = delete;
  ApiSecret& operator=(const ApiSecret&) = delete;

  // The bytes, for keying the signer; do not copy them anywhere that outlives it.
  [[nodiscard]] std::string_view reveal() const noexcept { return {data_, size_}; }
  // What logs and reports may show: "<secret, 64 chars>".
  [[nodiscard]] std::string redacted() const;
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  void wipe() noexcept;
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

struct ApiCredentials {
  std::string api_key;  // not secret: Binance echoes it in requests
  ApiSecret api_secret;
};

struct CredentialsLoadResult {
  std::optional<ApiCredentials> credentials;
  std::string error;  // one line naming the source (variable or file); never the secret
  [[nodiscard]] bool ok() const noexcept { return credentials.has_value(); }
};

struct CredentialEnvironment {
  std::string key_variable = "BALLAST_API_KEY";
  std::string secret_variable = "BALLAST_API_SECRET";
};

// Both variables must be set and non-empty.
[[nodiscard]] CredentialsLoadResult load_api_credentials_from_env(
    const CredentialEnvironment& names = {});
// A regular file (not a symlink) owned by the current user with mode 0600 or 0400,
// holding exactly: api_key = "...", api_secret = "...".
[[nodiscard]] CredentialsLoadResult load_api_credentials_from_file(const std::string& path);
// The file when `file_path` is not empty, else the environment.
[[nodiscard]] CredentialsLoadResult load_api_credentials(const std::string& file_path,
                                                         const CredentialEnvironment& names = {});

// The two keys of a credentials file: Binance's api_key / api_secret, or a FIX venue's
// username / password ([orders] fix_credentials_file). Same rules: owner-only file,
// letters, digits, '-' and '_', the secret wiped after parsing.
struct CredentialFileKeys {
  const char* key = "api_key";
  const char* secret = "api_secret";
};
[[nodiscard]] CredentialsLoadResult load_credentials_file(const std::string& path,
                                                          const CredentialFileKeys& names);

// Called by every successful load: no core dumps, no ptrace or /proc/<pid>/mem by other
// processes of the user (PR_SET_DUMPABLE 0, RLIMIT_CORE 0).
void make_process_undumpable() noexcept;
// Overwrites an environment variable's value in place, then removes it. The environment
// loader does this to the secret's variable once it holds its own (wiped-on-free) copy.
void scrub_environment_variable(const std::string& name) noexcept;

}  // namespace ballast::binance
