#include "ballast/binance/credentials.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ballast::binance {

ApiSecret::ApiSecret(std::string_view secret) {
  if (secret.empty()) return;
  data_ = new char[secret.size()];
  std::memcpy(data_, secret.data(), secret.size());
  size_ = secret.size();
}

ApiSecret::~ApiSecret() {
  wipe();
}

void ApiSecret::wipe() noexcept {
  if (data_ != nullptr) {
    OPENSSL_cleanse(data_, size_);
    delete[] data_;
  }
  data_ = nullptr;
  size_ = 0;
}

ApiSecret::ApiSecret(ApiSecret&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

ApiSecret& ApiSecret::operator=(ApiSecret&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

std::string ApiSecret::redacted() const {
  return "<secret, " + std::to_string(size_) + " chars>";
}

namespace {

// Keys and secrets go into JSON strings and the signed query unescaped: only the
// characters Binance uses are accepted (letters and digits; '-' and '_' to be lenient).
bool plain_token(std::string_view s) noexcept {
  if (s.empty() || s.size() > 256) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

CredentialsLoadResult failure(std::string message) {
  CredentialsLoadResult r;
  r.error = std::move(message);
  return r;
}

CredentialsLoadResult success(std::string_view key, std::string_view secret) {
  CredentialsLoadResult r;
  r.credentials.emplace();
  r.credentials->api_key = std::string(key);
  r.credentials->api_secret = ApiSecret(secret);
  return r;
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

void make_process_undumpable() noexcept {
  // No core file, and /proc/<pid>/{mem,environ} and ptrace closed to other processes of
  // the same user: the secret in memory stays in memory.
  (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const rlimit none{0, 0};
  (void)::setrlimit(RLIMIT_CORE, &none);
}

void scrub_environment_variable(const std::string& name) noexcept {
  // getenv points into the block the process was started with (what /proc/<pid>/environ
  // shows) or into setenv's copy; unsetenv alone would leave the bytes in either.
  if (char* value = std::getenv(name.c_str())) OPENSSL_cleanse(value, std::strlen(value));
  ::unsetenv(name.c_str());
}

CredentialsLoadResult load_api_credentials_from_env(const CredentialEnvironment& names) {
  const char* key = std::getenv(names.key_variable.c_str());
  const char* secret = std::getenv(names.secret_variable.c_str());
  if (key == nullptr || *key == '\0')
    return failure("environment variable " + names.key_variable + " is not set");
  if (secret == nullptr || *secret == '\0')
    return failure("environment variable " + names.secret_variable + " is not set");
  if (!plain_token(key))
    return failure("environment variable " + names.key_variable +
                   ": the API key must be letters, digits, '-' or '_'");
  if (!plain_token(secret))
    return failure("environment variable " + names.secret_variable +
                   ": the API secret must be letters, digits, '-' or '_' (value not shown)");
  CredentialsLoadResult r = success(key, secret);
  scrub_environment_variable(names.secret_variable);
  make_process_undumpable();
  return r;
}

CredentialsLoadResult load_api_credentials_from_file(const std::string& path) {
  return load_credentials_file(path, CredentialFileKeys{});
}

CredentialsLoadResult load_credentials_file(const std::string& path,
                                            const CredentialFileKeys& names) {
  const std::string key_name = names.key, secret_name = names.secret;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP)
      return failure(path + ": is a symbolic link; the credentials file must be a regular file");
    return failure(path + ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return failure(path + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return failure(path + ": not a regular file");
  }
  if (st.st_uid != ::geteuid()) {
    ::close(fd);
    return failure(path + ": owned by uid " + std::to_string(st.st_uid) +
                   ", not by the current user (uid " + std::to_string(::geteuid()) + ")");
  }
  const mode_t perms = st.st_mode & 07777;
  if (perms != 0600 && perms != 0400) {
    ::close(fd);
    return failure(path + ": mode " + mode_text(st.st_mode) +
                   " lets others read it; the credentials file must be 0600 or 0400 (chmod 600 " +
                   path + ")");
  }
  // Reserved once: a growing string would free copies of the secret unwiped.
  constexpr std::size_t kMaxCredentialsBytes = 64 * 1024;
  std::string content;
  content.reserve(kMaxCredentialsBytes + 4096);
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      OPENSSL_cleanse(content.data(), content.size());
      return failure(path + ": cannot read: " + std::strerror(err));
    }
    if (n == 0) break;
    content.append(chunk, static_cast<std::size_t>(n));
    if (content.size() > kMaxCredentialsBytes) break;
  }
  OPENSSL_cleanse(chunk, sizeof chunk);
  ::close(fd);

  CredentialsLoadResult result;
  try {
    toml::table table = toml::parse(content, path);
    std::string problem;
    for (const auto& [k, v] : table) {
      if (k.str() != key_name && k.str() != secret_name) {
        problem = path + ":" + std::to_string(k.source().begin.line) + ": unknown key " +
                  std::string(k.str()) + " (expected " + key_name + " and " + secret_name + ")";
        break;
      }
    }
    const auto key = table[key_name].value<std::string_view>();
    const auto secret = table[secret_name].value<std::string_view>();
    if (!problem.empty()) {
      result = failure(problem);
    } else if (!key) {
      result = failure(path + ": " + key_name + " is missing or not a string");
    } else if (!secret) {
      result = failure(path + ": " + secret_name + " is missing or not a string");
    } else if (!plain_token(*key)) {
      result = failure(path + ": " + key_name + " must be letters, digits, '-' or '_'");
    } else if (!plain_token(*secret)) {
      result = failure(path + ": " + secret_name +
                       " must be letters, digits, '-' or '_' (value not shown)");
    } else {
      result = success(*key, *secret);
    }
    // The parsed table holds its own copy of the secret: wipe it before it is freed.
    if (toml::value<std::string>* v = table[secret_name].as_string())
      OPENSSL_cleanse(v->get().data(), v->get().size());
  } catch (const toml::parse_error& e) {
    // The parser's description can quote the text around the error, which may be the
    // secret: only the position is reported.
    result = failure(path + ":" + std::to_string(e.source().begin.line) + ":" +
                     std::to_string(e.source().begin.column) + ": not valid TOML");
  }
  OPENSSL_cleanse(content.data(), content.size());
  if (result.credentials) make_process_undumpable();
  return result;
}

CredentialsLoadResult load_api_credentials(const std::string& file_path,
                                           const CredentialEnvironment& names) {
  return file_path.empty() ? load_api_credentials_from_env(names)
                           : load_api_credentials_from_file(file_path);
}

}  // namespace ballast::binance
