// A Boost.Beast WebSocket server for client tests: the independent implementation our
// client is tested against. Plain or TLS, run on its own thread on 127.0.0.1; echoes,
// and acts on text commands ("ping:", "frag:", "big:", "close:", "drop") so a test can
// script server pings, fragmented and large messages, closes and abrupt drops.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ballast::testing {

struct BeastServerOptions {
  bool tls = false;
  std::string cert_file;  // PEM (TLS only)
  std::string key_file;
  // Abrupt TCP drop (no close frame) after this many echoed messages, on each of the
  // first `drop_connections` connections; -1 = never.
  int drop_after_messages = -1;
  int drop_connections = 0;
};

// Commands (text messages), anything else is echoed with its own opcode:
//   "ping:<payload>"            server sends a ping with <payload>
//   "frag:<n>:<text>"           server sends <text> as a text message in <n> frames
//   "big:<n>"                   server sends a binary message of <n> bytes 'x'
//   "close:<code>:<reason>"     server starts the close handshake with <code>
//   "drop"                      server closes the TCP connection without a close frame
//   "badutf8"                   server sends a text message that is not UTF-8 (C0 AF)
class BeastTestServer {
 public:
  explicit BeastTestServer(BeastServerOptions options = {})
      : options_(std::move(options)),
        ssl_ctx_(boost::asio::ssl::context::tls_server),
        acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    if (options_.tls) {
      ssl_ctx_.use_certificate_chain_file(options_.cert_file);
      ssl_ctx_.use_private_key_file(options_.key_file, boost::asio::ssl::context::pem);
    }
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
  }
  ~BeastTestServer() {
    stop_ = true;
    const int fd = session_fd_.load();
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);  // wakes a blocked read
    // Wakes the blocking accept with a throw-away connection.
    const int w = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port_);
    ::connect(w, reinterpret_cast<sockaddr*>(&a), sizeof a);
    thread_.join();
    ::close(w);
  }
  BeastTestServer(const BeastTestServer&) = delete;
  BeastTestServer& operator=(const BeastTestServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  std::atomic<int> connections{0};  // WebSocket upgrades accepted
  std::atomic<int> messages{0};     // data messages received
  std::atomic<int> pongs{0};
  std::atomic<int> client_close_code{-1};  // code of the client's close frame
  std::string last_pong() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_pong_;
  }

 private:
  void run() {
    while (!stop_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket sock(ioc_);
      acceptor_.accept(sock, ec);
      if (ec || stop_) break;
      sock.set_option(boost::asio::ip::tcp::no_delay(true), ec);
      session_fd_ = sock.native_handle();
      const int n = accepted_++;
      const bool drops = options_.drop_after_messages >= 0 && n < options_.drop_connections;
      try {
        if (options_.tls) {
          boost::beast::websocket::stream<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>>
              ws(std::move(sock), ssl_ctx_);
          ws.next_layer().handshake(boost::asio::ssl::stream_base::server);
          serve(ws, drops);
        } else {
          boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws(std::move(sock));
          serve(ws, drops);
        }
      } catch (const std::exception&) {
        // The client went away, refused our certificate, or a drop: next connection.
      }
      session_fd_ = -1;
    }
  }

  template <typename Ws>
  void serve(Ws& ws, bool drops) {
    namespace websocket = boost::beast::websocket;
    ws.read_message_max(64 * 1024 * 1024);
    ws.control_callback([this](websocket::frame_type kind, boost::beast::string_view payload) {
      if (kind != websocket::frame_type::pong) return;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        last_pong_.assign(payload.data(), payload.size());
      }
      ++pongs;
    });
    ws.accept();
    ++connections;
    boost::beast::flat_buffer buf;
    int echoed = 0;
    for (;;) {
      buf.clear();
      boost::system::error_code ec;
      ws.read(buf, ec);
      if (ec == websocket::error::closed) {
        client_close_code = static_cast<int>(ws.reason().code);
        return;
      }
      if (ec) return;
      ++messages;
      // A view, not a string: echoing must not allocate (the allocation test runs this).
      const auto data = buf.data();
      const std::string_view msg(static_cast<const char*>(data.data()), data.size());
      if (ws.got_text() && is_command(msg) && command(ws, std::string(msg))) {
        if (dropped_) {
          dropped_ = false;
          return;
        }
        continue;
      }
      ws.text(ws.got_text());
      ws.write(buf.data());
      ++echoed;
      if (drops && echoed >= options_.drop_after_messages) {
        abrupt_close(ws);
        return;
      }
    }
  }

  template <typename Ws>
  void abrupt_close(Ws& ws) {
    auto& sock = boost::beast::get_lowest_layer(ws);
    // RST, not FIN: the client must treat it as a lost connection.
    linger l{1, 0};
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    boost::system::error_code ec;
    sock.close(ec);
  }

  static bool is_command(std::string_view m) {
    return m.rfind("ping:", 0) == 0 || m.rfind("frag:", 0) == 0 || m.rfind("big:", 0) == 0 ||
           m.rfind("close:", 0) == 0 || m == "drop" || m == "badutf8";
  }

  template <typename Ws>
  bool command(Ws& ws, const std::string& msg) {
    namespace websocket = boost::beast::websocket;
    if (msg.rfind("ping:", 0) == 0) {
      ws.ping(websocket::ping_data(msg.substr(5).c_str()));
      return true;
    }
    if (msg.rfind("frag:", 0) == 0) {
      const std::size_t colon = msg.find(':', 5);
      const int parts = std::stoi(msg.substr(5, colon - 5));
      const std::string text = msg.substr(colon + 1);
      const std::size_t step =
          (text.size() + static_cast<std::size_t>(parts) - 1) / static_cast<std::size_t>(parts);
      ws.text(true);
      for (std::size_t off = 0; off < text.size(); off += step) {
        const std::size_t n = std::min(step, text.size() - off);
        ws.write_some(off + n >= text.size(), boost::asio::buffer(text.data() + off, n));
      }
      return true;
    }
    if (msg.rfind("big:", 0) == 0) {
      const std::string big(std::stoul(msg.substr(4)), 'x');
      ws.binary(true);
      ws.write(boost::asio::buffer(big));
      return true;
    }
    if (msg.rfind("close:", 0) == 0) {
      const std::size_t colon = msg.find(':', 6);
      const auto code = static_cast<std::uint16_t>(std::stoi(msg.substr(6, colon - 6)));
      const std::string reason = colon == std::string::npos ? "" : msg.substr(colon + 1);
      websocket::close_reason cr(code);
      cr.reason = reason;
      boost::system::error_code ec;
      ws.close(cr, ec);  // sends, waits for the client's close, tears down
      dropped_ = true;
      return true;
    }
    if (msg == "badutf8") {
      const char bad[] = "ok \xC0\xAF";  // overlong '/': Beast does not police what it sends
      ws.text(true);
      ws.write(boost::asio::buffer(bad, sizeof bad - 1));
      return true;
    }
    if (msg == "drop") {
      abrupt_close(ws);
      dropped_ = true;
      return true;
    }
    return false;
  }

  BeastServerOptions options_;
  boost::asio::io_context ioc_;
  boost::asio::ssl::context ssl_ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> session_fd_{-1};
  int accepted_ = 0;
  bool dropped_ = false;
  std::mutex mutex_;
  std::string last_pong_;
  std::thread thread_;
};

}  // namespace ballast::testing
