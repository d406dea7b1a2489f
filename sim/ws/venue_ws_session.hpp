// WsSession<Stream>: one WebSocket connection of the simulator over Beast (TLS handshake
// when the stream is TLS, the HTTP upgrade, reads, a write queue). Included only by the
// two files that instantiate it (venue_ws_sessions.hpp says why). The streams are Asio's
// own socket and ssl::stream, not Beast's tcp_stream: its rate policies and timers roughly
// doubled the compile time of each file, and one steady_timer covers the only deadline
// Beast's WebSocket timeouts do not (the TLS handshake and the HTTP request before it).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "venue_ws_impl.hpp"

namespace ballast::venue::session_detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

template <class Stream>
class WsSession final : public Session {
 public:
  // `server` outlives every session: it owns the io_context that holds them.
  WsSession(VenueWsServer::Impl* server, Stream&& stream)
      : server_(server), ws_(std::move(stream)), upgrade_deadline_(ws_.get_executor()) {}

  void start() override {
    // Until the upgrade is accepted nothing of Beast's watches the clock: a peer that
    // connects and says nothing is cut after 10 s.
    upgrade_deadline_.expires_after(std::chrono::seconds(10));
    upgrade_deadline_.async_wait([self = shared()](beast::error_code ec) {
      // `upgrading_`, not `accepted`: a handler already queued when route() cancelled the
      // timer must not cut a peer that made it in time.
      if (!ec && !self->upgrading_) self->reset();
    });
    if constexpr (std::is_same_v<Stream, ssl::stream<tcp::socket>>) {
      ws_.next_layer().async_handshake(
          ssl::stream_base::server, [self = shared()](beast::error_code ec) {
            if (ec) {  // not TLS, or a bad certificate on the client side
              self->server_->count([](VenueWsCounters& c) { ++c.refused_handshakes; });
              self->reset();
              self->server_->on_closed(self);
              return;
            }
            self->read_request();
          });
    } else {
      read_request();
    }
  }

  void send(std::shared_ptr<const std::string> text) override {
    if (closed_) return;
    out_.push_back(std::move(text));
    if (!writing_) write_next();
  }

  void reset() override {
    closed_ = true;
    beast::error_code ec;
    upgrade_deadline_.cancel();
    auto& sock = beast::get_lowest_layer(ws_);
    sock.set_option(net::socket_base::linger(true, 0), ec);  // RST instead of FIN
    sock.close(ec);
  }

 private:
  std::shared_ptr<WsSession> shared() {
    return std::static_pointer_cast<WsSession>(shared_from_this());
  }

  void read_request() {
    http::async_read(ws_.next_layer(), buf_, req_,
                     [self = shared()](beast::error_code ec, std::size_t) {
                       if (ec) {
                         self->reset();
                         self->server_->on_closed(self);
                         return;
                       }
                       self->route();
                     });
  }

  void route() {
    std::string refuse;
    if (!websocket::is_upgrade(req_)) refuse = "not a WebSocket upgrade";
    if (refuse.empty()) server_->on_handshake(shared(), std::string(req_.target()), &refuse);
    if (!refuse.empty()) {
      server_->count([](VenueWsCounters& c) { ++c.refused_handshakes; });
      auto res = std::make_shared<http::response<http::string_body>>(http::status::bad_request,
                                                                     req_.version());
      res->set(http::field::content_type, "application/json");
      res->body() = "{\"code\":-1,\"msg\":" + json_quote(refuse) + "}";
      res->keep_alive(false);
      res->prepare_payload();
      http::async_write(ws_.next_layer(), *res,
                        [self = shared(), res](beast::error_code, std::size_t) {
                          self->reset();
                          self->server_->on_closed(self);
                        });
      return;
    }
    upgrading_ = true;
    upgrade_deadline_.cancel();  // from here Beast's own timeouts watch the connection
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = std::chrono::minutes(10);  // Binance: no pong for 10 minutes = gone
    t.keep_alive_pings = true;                  // a ping every 5 minutes when idle
    ws_.set_option(t);
    ws_.read_message_max(1 << 20);
    ws_.text(true);
    ws_.async_accept(req_, [self = shared()](beast::error_code ec) {
      if (ec) {
        self->server_->on_closed(self);
        return;
      }
      self->server_->count([](VenueWsCounters& c) {
        ++c.connections;
        ++c.open_connections;
      });
      self->accepted = true;
      self->read_next();
    });
  }

  void read_next() {
    ws_.async_read(buf_, [self = shared()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->closed_ = true;
        self->server_->on_closed(self);
        return;
      }
      std::string text = beast::buffers_to_string(self->buf_.data());
      self->buf_.consume(self->buf_.size());
      self->server_->on_message(self, std::move(text));
      if (!self->closed_) self->read_next();
    });
  }

  void write_next() {
    if (out_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    ws_.async_write(net::buffer(*out_.front()),
                    [self = shared()](beast::error_code ec, std::size_t) {
                      self->out_.pop_front();
                      if (ec) {
                        self->writing_ = false;
                        self->closed_ = true;
                        return;  // the read side reports the close
                      }
                      self->write_next();
                    });
  }

 private:
  VenueWsServer::Impl* server_;
  websocket::stream<Stream> ws_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  std::deque<std::shared_ptr<const std::string>> out_;
  net::steady_timer upgrade_deadline_;
  bool upgrading_ = false;  // the request was read in time: the deadline no longer applies
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace ballast::venue::session_detail
