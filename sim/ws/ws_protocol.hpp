// The Binance USDⓈ-M pieces of the simulator's WebSocket server that need no sockets:
// symbol and stream names, the HMAC-SHA256 request signature, the credentials file and the
// error codes. Separate from the Beast TU so tests can check them directly and so they
// compile in seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ballast/core/instrument.hpp"

namespace ballast::venue::ws {

// Binance's name for an instrument, "" when the USDⓈ-M venue does not list it (spot pairs
// and inverse contracts are not USDⓈ-M products): "BTCUSDT-PERP" -> "BTCUSDT",
// "BTCUSDT-261225" -> "BTCUSDT_261225"; any other '-' becomes '_'.
[[nodiscard]] std::string binance_symbol(const InstrumentSpec& spec);

// Lower-case ASCII (stream names are lower case, symbols in requests upper case).
[[nodiscard]] std::string to_lower(std::string_view s);
[[nodiscard]] std::string to_upper(std::string_view s);

// One request parameter as sent: `text` is the string without quotes, or the JSON text of
// a number / boolean, which is what the signature covers.
struct Param {
  std::string name;
  std::string text;
  bool is_string = false;
};

// "key=value&key=value" over every parameter except `signature`, sorted by name (the
// WebSocket API's signature payload).
[[nodiscard]] std::string signature_payload(std::vector<Param> params);
// Lower-case hex HMAC-SHA256 of `payload` keyed with `secret`.
[[nodiscard]] std::string hmac_sha256_hex(std::string_view secret, std::string_view payload);
// Constant-time, case-insensitive comparison of two hex signatures (Binance: HMAC
// signatures are not case sensitive).
[[nodiscard]] bool signature_equal(std::string_view a, std::string_view b) noexcept;

struct Credential {
  std::string api_key;
  std::string api_secret;
  std::string account = "BALLAST";  // the venue account the key trades
};

// Reads a credentials TOML (api_key, api_secret, optional account). The file must not be
// readable or writable by group or others (mode 0600 / 0400): a secret in a world-readable
// file is refused, not used. Empty `path`: BALLAST_API_KEY / BALLAST_API_SECRET from the
// environment, nullopt when they are not set. Errors: std::invalid_argument naming the
// file and the problem.
[[nodiscard]] std::optional<Credential> load_credentials(const std::string& path);

// A Binance error: code and message as the API documents them.
struct ApiError {
  int status = 400;  // HTTP-like status of the WebSocket API response
  int code = 0;
  std::string msg;
};

[[nodiscard]] ApiError err_signature();                        // 401 -1022
[[nodiscard]] ApiError err_api_key();                          // 401 -2015
[[nodiscard]] ApiError err_timestamp();                        // 400 -1021
[[nodiscard]] ApiError err_mandatory(std::string_view param);  // 400 -1102
[[nodiscard]] ApiError err_illegal(std::string_view param);    // 400 -1100
[[nodiscard]] ApiError err_precision();                        // 400 -1111

// JSON string literal (quotes included) for any text.
[[nodiscard]] std::string json_quote(std::string_view s);

}  // namespace ballast::venue::ws
