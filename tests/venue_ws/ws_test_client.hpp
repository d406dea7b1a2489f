// A small, independent Binance-dialect WebSocket client for the venue's tests: Boost.Beast
// over plain TCP or TLS, reads with a deadline (never hangs a test), signing with OpenSSL
// directly (not the server's helpers, so the tests check the server against an
// independent signer), and simdjson DOM for reading replies.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ballast::testing {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Lower-case hex HMAC-SHA256, straight from OpenSSL.
inline std::string hmac_hex(const std::string& secret, const std::string& payload) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &len);
  std::string out;
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 0xF];
  }
  return out;
}

// One request parameter: `json` is how it goes into the request (a quoted string or a
// bare number/boolean); `text` is what the signature covers.
struct P {
  std::string name;
  std::string text;
  bool quoted = true;
};

// {"id":id,"method":method,"params":{...}} with the params as given (in order), plus
// apiKey/timestamp/signature when `secret` is set (signed with the sorted payload).
inline std::string request(const std::string& id, const std::string& method, std::vector<P> params,
                           const std::string& api_key = {}, const std::string& secret = {},
                           std::int64_t timestamp = 0) {
  if (!api_key.empty()) params.push_back({"apiKey", api_key, true});
  if (!secret.empty()) {
    params.push_back({"timestamp", std::to_string(timestamp ? timestamp : now_ms()), false});
    std::vector<P> sorted = params;
    std::sort(sorted.begin(), sorted.end(), [](const P& a, const P& b) { return a.name < b.name; });
    std::string payload;
    for (const P& p : sorted) payload += (payload.empty() ? "" : "&") + p.name + "=" + p.text;
    params.push_back({"signature", hmac_hex(secret, payload), true});
  }
  std::string j = "{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":{";
  for (std::size_t i = 0; i < params.size(); ++i) {
    const P& p = params[i];
    j += (i ? "," : "") + ("\"" + p.name + "\":") + (p.quoted ? "\"" + p.text + "\"" : p.text);
  }
  return j + "}}";
}

class WsClient {
 public:
  // Connects and completes the WebSocket handshake on `target`; ok() tells whether it
  // did, error() why not. `tls`: wss with that client context.
  WsClient(int port, const std::string& target, asio::ssl::context* tls = nullptr) {
    try {
      tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
      if (tls) {
        tls_ = std::make_unique<TlsWs>(ioc_, *tls);
        beast::get_lowest_layer(*tls_).connect(ep);
        tls_->next_layer().handshake(asio::ssl::stream_base::client);
        tls_->handshake("127.0.0.1:" + std::to_string(port), target);
      } else {
        plain_ = std::make_unique<PlainWs>(ioc_);
        beast::get_lowest_layer(*plain_).connect(ep);
        plain_->handshake("127.0.0.1:" + std::to_string(port), target);
      }
      ok_ = true;
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& error() const { return error_; }

  void send(const std::string& text) {
    with([&](auto& ws) {
      ws.text(true);
      beast::error_code ec;
      ws.write(asio::buffer(text), ec);
    });
  }

  // The next message, or nullopt after `timeout` (the read stays pending: a later call
  // picks up the message) or when the connection failed (last_error() says how).
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    if (failed_) return std::nullopt;
    if (!pending_) {
      pending_ = true;
      done_ = false;
      with([&](auto& ws) {
        ws.async_read(buf_, [this](beast::error_code ec, std::size_t) {
          done_ = true;
          result_ = ec;
        });
      });
    }
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done_) {
      last_error_ = beast::error_code(asio::error::timed_out);
      return std::nullopt;
    }
    pending_ = false;
    if (result_) {
      failed_ = true;
      last_error_ = result_;
      return std::nullopt;
    }
    std::string s = beast::buffers_to_string(buf_.data());
    buf_.consume(buf_.size());
    return s;
  }

  // Reads until a message satisfies `pred`; nullopt after `timeout` in total.
  std::optional<std::string> read_until(
      const std::function<bool(const std::string&)>& pred,
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      auto m = read(std::max(left, std::chrono::milliseconds(1)));
      if (!m) {
        if (failed_) return std::nullopt;
        continue;
      }
      if (pred(*m)) return m;
    }
    return std::nullopt;
  }

  [[nodiscard]] beast::error_code last_error() const { return last_error_; }

 private:
  // Asio's own socket and ssl::stream rather than Beast's tcp_stream: the tests need no
  // stream timeouts (reads run under run_for) and the file compiles in half the time.
  using PlainWs = websocket::stream<tcp::socket>;
  using TlsWs = websocket::stream<asio::ssl::stream<tcp::socket>>;
  template <class F>
  void with(F&& f) {
    if (tls_)
      f(*tls_);
    else if (plain_)
      f(*plain_);
  }

  asio::io_context ioc_;
  std::unique_ptr<PlainWs> plain_;
  std::unique_ptr<TlsWs> tls_;
  beast::flat_buffer buf_;
  bool ok_ = false;
  bool failed_ = false;
  bool pending_ = false;
  bool done_ = false;
  beast::error_code result_;
  std::string error_;
  beast::error_code last_error_;
};

// A parsed reply (simdjson DOM); the parser is per object so elements stay valid.
class Json {
 public:
  explicit Json(const std::string& text) : padded_(text) {
    auto r = parser_.parse(padded_);
    ok_ = r.error() == simdjson::SUCCESS;
    if (ok_) root_ = r.value();
  }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] simdjson::dom::element root() const { return root_; }
  [[nodiscard]] simdjson::dom::element operator[](const char* key) const { return root_[key]; }

 private:
  simdjson::padded_string padded_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
  bool ok_ = false;
};

inline std::string str(simdjson::simdjson_result<simdjson::dom::element> e) {
  std::string_view v;
  if (e.get(v) != simdjson::SUCCESS) return "<not a string>";
  return std::string(v);
}
inline std::int64_t num(simdjson::simdjson_result<simdjson::dom::element> e) {
  std::int64_t v = 0;
  if (e.get(v) == simdjson::SUCCESS) return v;
  std::uint64_t u = 0;
  if (e.get(u) == simdjson::SUCCESS) return static_cast<std::int64_t>(u);
  return -999'999;
}

}  // namespace ballast::testing
