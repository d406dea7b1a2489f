// Binance USDⓈ-M helpers without sockets (see ws_protocol.hpp).
#include "ws_protocol.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace ballast::venue::ws {

std::string binance_symbol(const InstrumentSpec& spec) {
  if (spec.kind == InstrumentKind::spot || spec.settlement != Settlement::linear) return {};
  std::string s = spec.symbol;
  constexpr std::string_view perp = "-PERP";
  if (s.size() > perp.size() && s.compare(s.size() - perp.size(), perp.size(), perp) == 0)
    s.resize(s.size() - perp.size());
  std::replace(s.begin(), s.end(), '-', '_');
  return to_upper(s);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string signature_payload(std::vector<Param> params) {
  std::erase_if(params, [](const Param& p) { return p.name == "signature"; });
  std::stable_sort(params.begin(), params.end(),
                   [](const Param& a, const Param& b) { return a.name < b.name; });
  std::string out;
  for (const Param& p : params) {
    if (!out.empty()) out += '&';
    out += p.name;
    out += '=';
    out += p.text;
  }
  return out;
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view payload) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // One-shot HMAC: the server checks a few requests a second, not the engine's hot path.
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac,
           &len) == nullptr)
    return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 0xF];
  }
  return out;
}

bool signature_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    };
    diff |= static_cast<unsigned>(lower(a[i]) ^ lower(b[i]));
  }
  return diff == 0;
}

std::optional<Credential> load_credentials(const std::string& path) {
  Credential c;
  if (path.empty()) {
    const char* key = std::getenv("BALLAST_API_KEY");
    const char* secret = std::getenv("BALLAST_API_SECRET");
    if (key == nullptr || secret == nullptr || *key == '\0' || *secret == '\0') return std::nullopt;
    c.api_key = key;
    c.api_secret = secret;
    return c;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw std::invalid_argument(path + ": cannot read the credentials file");
  if ((st.st_mode & 0177) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw std::invalid_argument(path + ": credentials file has mode " + mode +
                                "; it must be 0600 or 0400 (chmod 600)");
  }
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw std::invalid_argument(path + ": " + std::string(e.description()));
  }
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (key != "api_key" && key != "api_secret" && key != "account")
      throw std::invalid_argument(path + ": " + key + ": unknown key");
    if (!v.is_string()) throw std::invalid_argument(path + ": " + key + ": must be a string");
  }
  c.api_key = t["api_key"].value_or(std::string{});
  c.api_secret = t["api_secret"].value_or(std::string{});
  c.account = t["account"].value_or(std::string{"BALLAST"});
  if (c.api_key.empty()) throw std::invalid_argument(path + ": api_key: missing or empty");
  if (c.api_secret.empty()) throw std::invalid_argument(path + ": api_secret: missing or empty");
  if (c.account.empty()) throw std::invalid_argument(path + ": account: empty");
  return c;
}

ApiError err_signature() {
  return {401, -1022, "Signature for this request is not valid."};
}
ApiError err_api_key() {
  return {401, -2015, "Invalid API-key, IP, or permissions for action."};
}
ApiError err_timestamp() {
  return {400, -1021, "Timestamp for this request is outside of the recvWindow."};
}
ApiError err_mandatory(std::string_view p) {
  return {
      400, -1102,
      "Mandatory parameter '" + std::string(p) + "' was not sent, was empty/null, or malformed."};
}
ApiError err_illegal(std::string_view p) {
  return {400, -1100, "Illegal characters found in parameter '" + std::string(p) + "'."};
}
ApiError err_precision() {
  return {400, -1111, "Precision is over the maximum defined for this asset."};
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace ballast::venue::ws
