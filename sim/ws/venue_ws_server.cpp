// VenueWsServer: Binance USDⓈ-M over WebSocket in front of the VenueSimulation (see the
// header; the protocol as served: sim/ws/README.md).
#include "venue_ws_server.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "ballast/core/decimal.hpp"
#include "ballast/venue/order_checks.hpp"

namespace ballast::venue {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using ws::ApiError;
using ws::json_quote;
using ws::Param;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// steps x step as exact decimal text, the step's decimal places kept ("0.250", "70000.1").
std::string steps_text(std::int64_t steps, const Decimal& step) {
  char buf[64];
  const std::size_t n = write_steps_decimal(steps, step, buf, sizeof buf);
  if (n == 0) {
    std::snprintf(buf, sizeof buf, "%.8f", static_cast<double>(steps) * step.to_double());
    return buf;
  }
  return std::string(buf, n);
}

// A computed amount (fee, average price, balance): up to `decimals` places, trailing
// zeros trimmed but at least one decimal kept, never an exponent.
std::string amount_text(double v, int decimals = 8) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (s.back() == '.') s += '0';
  }
  if (s == "-0.0") s = "0.0";
  return s;
}

// "1.5" / "0.001" / "70000": digits with at most one dot. What Binance accepts for
// quantity and price (no sign, no exponent).
bool plain_decimal(std::string_view s) {
  if (s.empty()) return false;
  bool dot = false, digit = false;
  for (const char c : s) {
    if (c == '.') {
      if (dot) return false;
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return false;
    }
  }
  return digit;
}

// Binance's newClientOrderId rule: ^[.A-Z:/a-z0-9_-]{1,36}$.
bool valid_client_id(std::string_view s) {
  if (s.empty() || s.size() > 36) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == ':' || c == '/' || c == '_' || c == '-'))
      return false;
  return true;
}

// The venue's reasons as Binance errors (order.place / order.modify).
ApiError reject_error(RejectReason r, const InstrumentSpec& spec) {
  switch (r) {
    case RejectReason::unknown_instrument:
      return {400, -1121, "Invalid symbol."};
    case RejectReason::bad_quantity:
    case RejectReason::below_min_qty:
      return {400, -4003, "Quantity less than or equal to zero."};
    case RejectReason::above_max_qty:
      return {400, -4005, "Quantity greater than max quantity."};
    case RejectReason::bad_price:
      return {400, -4001, "Price less than 0."};
    case RejectReason::off_tick:
      return ws::err_precision();
    case RejectReason::below_min_notional: {
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "Order's notional must be no smaller than %g (unless you choose reduce only).",
                    spec.min_notional);
      return {400, -4164, buf};
    }
    case RejectReason::post_only_would_cross:
      return {400, -5022,
              "Due to the order could not be executed as maker, the Post Only order will be "
              "rejected. The order will not be recorded in the order history"};
    case RejectReason::reduce_only_would_increase:
      return {400, -2022, "ReduceOnly Order is rejected."};
    case RejectReason::unknown_order:
      return {400, -2011, "Unknown order sent."};
    case RejectReason::duplicate_client_order_id:
      return {400, -4116, "ClientOrderId is duplicated."};
    case RejectReason::insufficient_margin:
      return {400, -2019, "Margin is insufficient."};
    case RejectReason::instrument_expired:
      return {400, -4108, "Symbol is on delivery or delivered."};
    case RejectReason::injected_fault:
      return {400, -2010, "New order rejected: injected fault."};
    default:
      return {400, -2010, std::string("New order rejected: ") + to_string(r) + "."};
  }
}

const char* side_text(Side s) {
  return s == Side::buy ? "BUY" : "SELL";
}
const char* type_text(OrderType t) {
  return t == OrderType::market ? "MARKET" : "LIMIT";
}
const char* tif_text(TimeInForce t) {
  switch (t) {
    case TimeInForce::ioc:
      return "IOC";
    case TimeInForce::fok:
      return "FOK";
    case TimeInForce::post_only:
      return "GTX";
    default:
      return "GTC";
  }
}

// Per instrument: its Binance listing.
struct Listing {
  bool listed = false;
  std::string symbol;  // "BTCUSDT"
  std::string lower;   // "btcusdt"
  Decimal qty_step;    // base units per lot: contract_size x lot_size
  Decimal tick;
  std::string quote;  // commission asset
};

using OrderKey = std::pair<InstrumentId, OrderId>;

// What the API and the user stream say about one order.
struct OrderInfo {
  OrderId id = kNoOrder;
  InstrumentId instrument = kNoInstrument;
  std::string client_id;
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;
  bool reduce_only = false;
  std::int64_t price_ticks = 0;
  std::int64_t orig_lots = 0;
  std::int64_t cum_lots = 0;
  double avg_ticks = 0.0;
  double cum_quote = 0.0;
  std::string status = "NEW";
  std::int64_t time_ms = 0;
  std::int64_t update_ms = 0;
};

struct WsAccount {
  std::string name;
  AccountId id = kNoAccount;
  std::string listen_key;
  std::unordered_map<std::string, std::uint64_t> ids;  // clientOrderId -> venue client id
  std::vector<std::string> texts;
  // A book's OrderId is unique within its instrument only (as Binance's orderId is per
  // symbol): orders are keyed by both, or two symbols' orders collide.
  std::map<OrderKey, OrderInfo> orders;
  std::unordered_map<std::uint64_t, OrderKey> by_client;  // venue client id -> order
  // Refusals seen while draining, by the venue client id of the order or request.
  std::unordered_map<std::uint64_t, RejectReason> refused;
  std::set<OrderKey> cancel_requested;  // a requested cancel is CANCELED, not EXPIRED
  double funding_received = 0.0;
  double funding_paid = 0.0;
  std::uint64_t funding_payments = 0;
  std::uint64_t next_generated = 0;

  std::uint64_t intern(const std::string& t) {
    auto [it, fresh] = ids.try_emplace(t, texts.size() + 1);
    if (fresh) texts.push_back(t);
    return it->second;
  }
  [[nodiscard]] std::string text(std::uint64_t cl) const {
    return cl == 0 || cl > texts.size() ? std::string{} : texts[cl - 1];
  }
};

// The market-data state of one instrument as last published.
struct MdState {
  std::vector<std::pair<std::int64_t, std::int64_t>> bids, asks;  // ticks, lots; best first
  std::uint64_t last_u = 0;
  std::int64_t best[4] = {0, 0, 0, 0};  // bid, bid lots, ask, ask lots of the last bookTicker
  bool ticker_sent = false;
};

struct Outgoing {
  std::string stream;  // market data: the stream name; user data: empty
  AccountId account = kNoAccount;
  std::shared_ptr<const std::string> raw;
  std::shared_ptr<const std::string> combined;  // market data: {"stream":..,"data":..}
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Connections

class Session : public std::enable_shared_from_this<Session> {
 public:
  enum class Kind : std::uint8_t { pending, market, api, user };
  virtual ~Session() = default;
  virtual void send(std::shared_ptr<const std::string> text) = 0;
  virtual void reset() = 0;  // TCP RST, no close frame
  virtual void start() = 0;

  Kind kind = Kind::pending;
  bool accepted = false;  // the WebSocket handshake completed
  bool combined = false;
  std::set<std::string> streams;
  AccountId account = kNoAccount;
  // WebSocket API rate limits, per connection: request weight per minute, orders per 10 s.
  std::int64_t weight_window = 0;
  std::int64_t weight = 0;
  std::int64_t orders_window = 0;
  std::int64_t orders = 0;
};

struct VenueWsServer::Impl : std::enable_shared_from_this<VenueWsServer::Impl> {
  VenueSimulation& sim;
  VenueWsServerOptions options;
  std::vector<Listing> listings;
  std::unordered_map<std::string, InstrumentId> by_symbol;  // "BTCUSDT" and "btcusdt"

  net::io_context ioc{1};
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  bool started = false;
  int bound_port = 0;
  std::unordered_set<std::shared_ptr<Session>> sessions;  // io thread only
  simdjson::ondemand::parser parser;                      // io thread only

  std::mutex own_mu;  // the simulation's lock when options.run_locked is empty

  // Under the simulation's lock.
  std::map<std::string, std::unique_ptr<WsAccount>> accounts;  // by account name
  std::unordered_map<AccountId, WsAccount*> by_account;
  std::vector<MdState> md;
  std::chrono::steady_clock::time_point last_publish{};
  std::uint64_t trade_ids = 0;

  mutable std::mutex keys_mu;  // listen keys, read by the io thread at handshake
  std::unordered_map<std::string, std::string> listen_keys;  // key -> account name

  mutable std::mutex counters_mu;
  VenueWsCounters counters;

  Impl(VenueSimulation& s, VenueWsServerOptions o) : sim(s), options(std::move(o)) {}

  template <class F>
  void locked(F&& f) {
    if (options.run_locked) {
      options.run_locked([&](VenueSimulation& s) { f(s); });
    } else {
      std::lock_guard lock(own_mu);
      f(sim);
    }
  }
  template <class F>
  void count(F&& f) {
    std::lock_guard lock(counters_mu);
    f(counters);
  }

  void accept();
  void on_handshake(const std::shared_ptr<Session>& s, const std::string& target,
                    std::string* refuse);
  void on_closed(const std::shared_ptr<Session>& s);
  void on_message(const std::shared_ptr<Session>& s, std::string text);
  void on_market_message(const std::shared_ptr<Session>& s, const std::string& text);
  void on_api_message(const std::shared_ptr<Session>& s, const std::string& text);

  // Under the lock.
  WsAccount& account_locked(VenueSimulation& v, const std::string& name);
  void drain_locked(VenueSimulation& v);
  void publish_locked(VenueSimulation& v, bool force);
  void deliver_locked(std::vector<Outgoing> out);  // posts to the io thread
  void send_locked(const std::shared_ptr<Session>& s, std::string text);
  std::string order_json(const WsAccount& a, const OrderInfo& o, bool ack) const;
  std::string trade_event(const WsAccount& a, const OrderInfo& o, const Execution& x,
                          const char* exec, std::int64_t trade_id) const;

  [[nodiscard]] bool resolve_stream(const std::string& name) const;
};

namespace {

template <class Stream>
class WsSession final : public Session {
 public:
  // `server` outlives every session: it owns the io_context that holds them.
  WsSession(VenueWsServer::Impl* server, Stream&& stream)
      : server_(server), ws_(std::move(stream)) {}

  void start() override {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
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
    auto& sock = beast::get_lowest_layer(ws_).socket();
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
    beast::get_lowest_layer(ws_).expires_never();
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
  bool writing_ = false;
  bool closed_ = false;
};

// Splits "a/b/c".
std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t end = s.find(sep, start);
    const std::size_t stop = end == std::string_view::npos ? s.size() : end;
    if (stop > start) out.emplace_back(s.substr(start, stop - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string rate_limits_json(const Session& s) {
  return "[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,"
         "\"limit\":2400,\"count\":" +
         std::to_string(s.weight) +
         "},{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,"
         "\"limit\":300,\"count\":" +
         std::to_string(s.orders) + "}]";
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Accepting and routing

void VenueWsServer::Impl::accept() {
  // Handlers hold the raw Impl: it owns the io_context, so it outlives them (a shared_ptr
  // here would be a cycle Impl -> io_context -> handler -> Impl).
  acceptor.async_accept([self = this](beast::error_code ec, tcp::socket sock) {
    if (ec) {
      if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
      self->accept();
      return;
    }
    sock.set_option(tcp::no_delay(true), ec);
    std::shared_ptr<Session> s;
    if (self->tls) {
      s = std::make_shared<WsSession<beast::ssl_stream<beast::tcp_stream>>>(
          self,
          beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(sock)), *self->tls));
    } else {
      s = std::make_shared<WsSession<beast::tcp_stream>>(self, beast::tcp_stream(std::move(sock)));
    }
    self->sessions.insert(s);
    s->start();
    self->accept();
  });
}

bool VenueWsServer::Impl::resolve_stream(const std::string& name) const {
  // <symbol>@bookTicker | <symbol>@markPrice | <symbol>@markPrice@1s | <symbol>@depth@100ms
  const auto at = name.find('@');
  if (at == std::string::npos) return false;
  const auto it = by_symbol.find(name.substr(0, at));
  if (it == by_symbol.end() || name.substr(0, at) != listings[it->second].lower) return false;
  const std::string rest = name.substr(at + 1);
  return rest == "bookTicker" || rest == "markPrice" || rest == "markPrice@1s" ||
         rest == "depth@100ms" || rest == "depth";
}

void VenueWsServer::Impl::on_handshake(const std::shared_ptr<Session>& s, const std::string& target,
                                       std::string* refuse) {
  std::string path = target;
  std::string query;
  if (const auto q = target.find('?'); q != std::string::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  if (path == "/ws-fapi/v1") {
    s->kind = Session::Kind::api;
    return;
  }
  std::vector<std::string> streams;
  if (path == "/stream") {
    s->combined = true;
    for (const std::string& kv : split(query, '&'))
      if (kv.rfind("streams=", 0) == 0) streams = split(kv.substr(8), '/');
  } else if (path == "/ws" || path.rfind("/ws/", 0) == 0) {
    streams = split(path.size() > 4 ? path.substr(4) : std::string{}, '/');
    if (streams.size() == 1) {
      std::lock_guard lock(keys_mu);
      if (auto it = listen_keys.find(streams[0]); it != listen_keys.end()) {
        // A user-data stream: the account of that listenKey.
        std::optional<AccountId> id;
        const std::string name = it->second;
        locked([&](VenueSimulation& v) { id = account_locked(v, name).id; });
        s->kind = Session::Kind::user;
        s->account = *id;
        return;
      }
    }
  } else {
    *refuse = "unknown path " + path;
    return;
  }
  for (const std::string& st : streams)
    if (!resolve_stream(st)) {
      *refuse = "unknown stream or listenKey " + st;
      return;
    }
  s->kind = Session::Kind::market;
  for (const std::string& st : streams) s->streams.insert(st);
  count([&](VenueWsCounters& c) { c.subscriptions += streams.size(); });
}

void VenueWsServer::Impl::on_closed(const std::shared_ptr<Session>& s) {
  if (sessions.erase(s) == 0 || !s->accepted) return;
  count([](VenueWsCounters& c) {
    if (c.open_connections > 0) --c.open_connections;
  });
}

void VenueWsServer::Impl::on_message(const std::shared_ptr<Session>& s, std::string text) {
  if (s->kind == Session::Kind::api)
    on_api_message(s, text);
  else if (s->kind == Session::Kind::market)
    on_market_message(s, text);
  // User-data streams ignore what the client sends (Binance does the same).
}

// Live SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS on a market connection.
void VenueWsServer::Impl::on_market_message(const std::shared_ptr<Session>& s,
                                            const std::string& text) {
  simdjson::padded_string padded(text);
  std::string id_json = "null";
  auto reply_error = [&](int code, const std::string& msg) {
    s->send(std::make_shared<const std::string>("{\"error\":{\"code\":" + std::to_string(code) +
                                                ",\"msg\":" + json_quote(msg) +
                                                "},\"id\":" + id_json + "}"));
  };
  std::string method;
  std::vector<std::string> params;
  try {
    simdjson::ondemand::document doc = parser.iterate(padded);
    simdjson::ondemand::object obj = doc.get_object();
    for (auto field : obj) {
      const std::string key(std::string_view(field.unescaped_key()));
      simdjson::ondemand::value v = field.value();
      if (key == "method") {
        method = std::string(std::string_view(v.get_string()));
      } else if (key == "id") {
        if (v.type() != simdjson::ondemand::json_type::number) {
          reply_error(2, "Invalid request: request ID must be an unsigned integer");
          return;
        }
        id_json = std::to_string(std::uint64_t(v.get_uint64()));
      } else if (key == "params") {
        for (auto p : v.get_array()) params.emplace_back(std::string_view(p.get_string()));
      } else {
        reply_error(0, "Unknown property");
        return;
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    reply_error(3, std::string("Invalid JSON: ") + e.what());
    return;
  }
  if (method == "SUBSCRIBE" || method == "UNSUBSCRIBE") {
    for (const std::string& st : params)
      if (!resolve_stream(st)) {
        reply_error(2, "Invalid request: unknown stream " + st);
        return;
      }
    for (const std::string& st : params) {
      if (method == "SUBSCRIBE")
        s->streams.insert(st);
      else
        s->streams.erase(st);
    }
    if (method == "SUBSCRIBE") count([&](VenueWsCounters& c) { c.subscriptions += params.size(); });
    s->send(std::make_shared<const std::string>("{\"result\":null,\"id\":" + id_json + "}"));
    return;
  }
  if (method == "LIST_SUBSCRIPTIONS") {
    std::string r = "{\"result\":[";
    bool first = true;
    for (const std::string& st : s->streams) {
      r += (first ? "" : ",") + json_quote(st);
      first = false;
    }
    s->send(std::make_shared<const std::string>(r + "],\"id\":" + id_json + "}"));
    return;
  }
  reply_error(2, "Invalid request: unknown method " + method);
}

// ---------------------------------------------------------------------------------------
// The WebSocket API

namespace {

struct Request {
  std::string id_json = "null";
  std::string method;
  std::vector<Param> params;
  [[nodiscard]] const Param* find(std::string_view name) const {
    for (const Param& p : params)
      if (p.name == name) return &p;
    return nullptr;
  }
};

// Parses {"id":..,"method":..,"params":{..}}; values of params kept as sent (strings
// unescaped, numbers and booleans as their JSON text). False: malformed.
bool parse_request(simdjson::ondemand::parser& parser, const std::string& text, Request& r,
                   std::string* why) {
  simdjson::padded_string padded(text);
  try {
    simdjson::ondemand::document doc = parser.iterate(padded);
    simdjson::ondemand::object obj = doc.get_object();
    for (auto field : obj) {
      const std::string key(std::string_view(field.unescaped_key()));
      simdjson::ondemand::value v = field.value();
      if (key == "id") {
        std::string raw(std::string_view(v.raw_json_token()));
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\t' ||
                                raw.back() == '\r'))
          raw.pop_back();
        r.id_json = raw;
      } else if (key == "method") {
        r.method = std::string(std::string_view(v.get_string()));
      } else if (key == "params") {
        for (auto pf : v.get_object()) {
          Param p;
          p.name = std::string(std::string_view(pf.unescaped_key()));
          simdjson::ondemand::value pv = pf.value();
          const auto type = pv.type().value();
          if (type == simdjson::ondemand::json_type::string) {
            p.text = std::string(std::string_view(pv.get_string()));
            p.is_string = true;
          } else if (type == simdjson::ondemand::json_type::number ||
                     type == simdjson::ondemand::json_type::boolean) {
            std::string raw(std::string_view(pv.raw_json_token()));
            while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\t' ||
                                    raw.back() == '\r'))
              raw.pop_back();
            p.text = raw;
            if (type == simdjson::ondemand::json_type::boolean) (void)pv.get_bool().value();
          } else {
            *why = p.name;  // objects, arrays and null are not parameters
            return false;
          }
          r.params.push_back(std::move(p));
        }
      }
    }
  } catch (const simdjson::simdjson_error&) {
    *why = "";
    return false;
  }
  return true;
}

bool parse_int(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// Exact decimal -> steps; -1111 when it has more decimals than the step, -4014/-4023 when
// it has as many but is not a multiple (a tick of 0.5, a lot of 5).
std::optional<ApiError> to_steps(const std::string& text, const Decimal& step, bool price,
                                 std::int64_t& out) {
  const auto d = Decimal::parse(text);
  if (!d) return ws::err_illegal(price ? "price" : "quantity");
  const Decimal v = d->normalized();
  if (!v.is_positive())
    return price ? ApiError{400, -4001, "Price less than 0."}
                 : ApiError{400, -4003, "Quantity less than or equal to zero."};
  if (v.scale > step.normalized().scale) return ws::err_precision();
  const auto steps = steps_exact(v, step);
  if (!steps) return ws::err_precision();
  if (!steps->exact)
    return price ? ApiError{400, -4014, "Price not increased by tick size."}
                 : ApiError{400, -4023, "Quantity not increased by step size."};
  out = steps->steps;
  return std::nullopt;
}

}  // namespace

WsAccount& VenueWsServer::Impl::account_locked(VenueSimulation& v, const std::string& name) {
  auto& slot = accounts[name];
  if (!slot) {
    slot = std::make_unique<WsAccount>();
    slot->name = name;
    AccountConfig cfg = options.client_account;
    cfg.name = "ws:" + name;
    slot->id = v.add_client(cfg);
    by_account[slot->id] = slot.get();
  }
  return *slot;
}

std::string VenueWsServer::Impl::order_json(const WsAccount& a, const OrderInfo& o,
                                            bool ack) const {
  const Listing& l = listings[o.instrument];
  const InstrumentSpec& spec = sim.venue().universe().instruments[o.instrument];
  const std::int64_t cum = ack ? 0 : o.cum_lots;
  const std::string status = ack ? std::string("NEW") : o.status;
  std::string j =
      "{\"orderId\":" + std::to_string(o.id) + ",\"symbol\":" + json_quote(l.symbol) +
      ",\"status\":" + json_quote(status) + ",\"clientOrderId\":" + json_quote(o.client_id) +
      ",\"price\":\"" +
      (o.type == OrderType::limit ? steps_text(o.price_ticks, l.tick) : steps_text(0, l.tick)) +
      "\",\"avgPrice\":\"" + amount_text(cum > 0 ? o.avg_ticks * spec.tick_size_d : 0.0) +
      "\",\"origQty\":\"" + steps_text(o.orig_lots, l.qty_step) + "\",\"executedQty\":\"" +
      steps_text(cum, l.qty_step) + "\",\"cumQty\":\"" + steps_text(cum, l.qty_step) +
      "\",\"cumQuote\":\"" + amount_text(ack ? 0.0 : o.cum_quote) + "\",\"timeInForce\":\"" +
      tif_text(o.tif) + "\",\"type\":\"" + type_text(o.type) +
      "\",\"reduceOnly\":" + (o.reduce_only ? "true" : "false") +
      ",\"closePosition\":false,\"side\":\"" + side_text(o.side) +
      "\",\"positionSide\":\"BOTH\",\"stopPrice\":\"" + steps_text(0, l.tick) +
      "\",\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false,\"origType\":\"" +
      type_text(o.type) +
      "\",\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":\"NONE\","
      "\"goodTillDate\":0,\"updateTime\":" +
      std::to_string(o.update_ms) + "}";
  (void)a;
  return j;
}

std::string VenueWsServer::Impl::trade_event(const WsAccount& a, const OrderInfo& o,
                                             const Execution& x, const char* exec,
                                             std::int64_t trade_id) const {
  const Listing& l = listings[o.instrument];
  const InstrumentSpec& spec = sim.venue().universe().instruments[o.instrument];
  const bool fill = trade_id > 0;
  const std::int64_t now = wall_ms();
  (void)a;
  return "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":" + std::to_string(now) +
         ",\"T\":" + std::to_string(now) + ",\"o\":{\"s\":" + json_quote(l.symbol) +
         ",\"c\":" + json_quote(o.client_id) + ",\"S\":\"" + side_text(o.side) + "\",\"o\":\"" +
         type_text(o.type) + "\",\"f\":\"" + tif_text(o.tif) + "\",\"q\":\"" +
         steps_text(o.orig_lots, l.qty_step) + "\",\"p\":\"" +
         (o.type == OrderType::limit ? steps_text(o.price_ticks, l.tick) : steps_text(0, l.tick)) +
         "\",\"ap\":\"" + amount_text(o.cum_lots > 0 ? o.avg_ticks * spec.tick_size_d : 0.0) +
         "\",\"sp\":\"" + steps_text(0, l.tick) + "\",\"x\":\"" + exec + "\",\"X\":\"" + o.status +
         "\",\"i\":" + std::to_string(o.id) + ",\"l\":\"" +
         steps_text(fill ? x.last_lots : 0, l.qty_step) + "\",\"z\":\"" +
         steps_text(o.cum_lots, l.qty_step) + "\",\"L\":\"" +
         steps_text(fill ? x.last_price_ticks : 0, l.tick) + "\",\"N\":" + json_quote(l.quote) +
         ",\"n\":\"" + amount_text(fill ? x.fee : 0.0) + "\",\"T\":" + std::to_string(now) +
         ",\"t\":" + std::to_string(fill ? trade_id : 0) +
         ",\"b\":\"0\",\"a\":\"0\",\"m\":" + (fill && x.maker ? "true" : "false") +
         ",\"R\":" + (o.reduce_only ? "true" : "false") + ",\"wt\":\"CONTRACT_PRICE\",\"ot\":\"" +
         type_text(o.type) +
         "\",\"ps\":\"BOTH\",\"cp\":false,\"rp\":\"0\",\"pP\":false,\"si\":0,\"ss\":0,"
         "\"V\":\"NONE\",\"pm\":\"NONE\",\"gtd\":0}}";
}

// Turns the venue's executions and cash events of WebSocket accounts into user-data
// events and order state. Needs the lock; clears the events only when the server owns the
// lock (in VenueRunner, VenueFixServer's drain clears them right after).
void VenueWsServer::Impl::drain_locked(VenueSimulation& v) {
  SimulatedVenue& venue = v.venue();
  const Universe& u = venue.universe();
  std::vector<Outgoing> out;
  for (const Execution& x : venue.executions()) {
    auto it = by_account.find(x.account);
    if (it == by_account.end() || x.instrument >= listings.size()) continue;
    WsAccount& a = *it->second;
    if (x.exec_type == ExecType::rejected || x.exec_type == ExecType::cancel_rejected) {
      a.refused[x.client_order_id] = x.reason;
      continue;
    }
    OrderInfo* o = nullptr;
    if (auto f = a.orders.find({x.instrument, x.order_id}); f != a.orders.end()) o = &f->second;
    const std::int64_t now = wall_ms();
    if (o == nullptr) {
      if (x.exec_type != ExecType::new_order) continue;  // not one of ours (seeded, restarted)
      OrderInfo info;
      info.id = x.order_id;
      info.instrument = x.instrument;
      info.client_id = a.text(x.client_order_id);
      info.side = x.side;
      info.type = x.type;
      info.tif = x.tif;
      info.reduce_only = x.reduce_only;
      info.price_ticks = x.price_ticks;
      info.orig_lots = x.order_lots;
      info.time_ms = now;
      o = &a.orders.emplace(OrderKey{x.instrument, x.order_id}, info).first->second;
      a.by_client[x.client_order_id] = {x.instrument, x.order_id};
    }
    o->update_ms = now;
    const char* exec = "NEW";
    std::int64_t trade_id = 0;
    switch (x.exec_type) {
      case ExecType::new_order:
        o->status = "NEW";
        break;
      case ExecType::partial_fill:
      case ExecType::fill: {
        exec = "TRADE";
        trade_id = static_cast<std::int64_t>(++trade_ids);
        const InstrumentSpec& spec = u.instruments[x.instrument];
        o->cum_lots = x.cum_lots;
        o->avg_ticks = x.avg_price_ticks;
        o->cum_quote += lots_notional(spec, x.last_lots, ticks_to_price(spec, x.last_price_ticks));
        o->status = x.leaves_lots > 0 ? "PARTIALLY_FILLED" : "FILLED";
        break;
      }
      case ExecType::canceled: {
        const bool requested = a.cancel_requested.erase({x.instrument, x.order_id}) > 0;
        // What did not fill of an IOC, FOK or market order, and self-trade prevention,
        // are EXPIRED on Binance; a requested or reduce-only cancel is CANCELED.
        const bool expired =
            !requested && (x.reason == RejectReason::self_trade ||
                           (x.reason == RejectReason::none &&
                            (x.tif == TimeInForce::ioc || x.tif == TimeInForce::fok ||
                             x.type == OrderType::market)));
        exec = expired ? "EXPIRED" : "CANCELED";
        o->status = exec;
        break;
      }
      case ExecType::replaced:
      case ExecType::restated:
        exec = "AMENDMENT";
        if (x.exec_type == ExecType::replaced) {
          o->price_ticks = x.price_ticks;
          // The client id may change on a replace; Binance's modify keeps it.
          if (x.client_order_id != 0) a.by_client[x.client_order_id] = {x.instrument, x.order_id};
        }
        o->orig_lots = x.order_lots;
        o->status = x.cum_lots > 0 ? "PARTIALLY_FILLED" : "NEW";
        break;
      case ExecType::expired:
        exec = "EXPIRED";
        o->status = "EXPIRED";
        break;
      default:
        break;
    }
    Outgoing g;
    g.account = a.id;
    g.raw = std::make_shared<const std::string>(trade_event(a, *o, x, exec, trade_id));
    out.push_back(std::move(g));
  }
  for (const CashEvent& ev : venue.cash_events()) {
    auto it = by_account.find(ev.account);
    if (it == by_account.end() || ev.kind != CashEventKind::funding) continue;
    WsAccount& a = *it->second;
    if (ev.amount >= 0.0)
      a.funding_received += ev.amount;
    else
      a.funding_paid -= ev.amount;
    ++a.funding_payments;
    const std::string quote =
        ev.instrument < listings.size() ? listings[ev.instrument].quote : std::string("USDT");
    const double cash = venue.account(a.id).portfolio.cash;
    const std::int64_t now = wall_ms();
    Outgoing g;
    g.account = a.id;
    g.raw = std::make_shared<const std::string>(
        "{\"e\":\"ACCOUNT_UPDATE\",\"E\":" + std::to_string(now) + ",\"T\":" + std::to_string(now) +
        ",\"a\":{\"m\":\"FUNDING_FEE\",\"B\":[{\"a\":" + json_quote(quote) + ",\"wb\":\"" +
        amount_text(cash) + "\",\"cw\":\"" + amount_text(cash) + "\",\"bc\":\"" +
        amount_text(ev.amount) + "\"}],\"P\":[]}}");
    out.push_back(std::move(g));
  }
  if (!options.run_locked) venue.clear_events();
  if (!out.empty()) deliver_locked(std::move(out));
}

void VenueWsServer::Impl::deliver_locked(std::vector<Outgoing> out) {
  net::post(ioc, [self = this, out = std::move(out)] {
    std::uint64_t md_n = 0, user = 0;
    for (const Outgoing& g : out) {
      for (const auto& s : self->sessions) {
        if (!s->accepted) continue;
        if (g.stream.empty()) {
          if (s->kind == Session::Kind::user && s->account == g.account) {
            s->send(g.raw);
            ++user;
          }
        } else if (s->kind == Session::Kind::market && s->streams.contains(g.stream)) {
          s->send(s->combined ? g.combined : g.raw);
          ++md_n;
        }
      }
    }
    if (md_n + user > 0)
      self->count([&](VenueWsCounters& c) {
        c.md_messages += md_n;
        c.user_messages += user;
      });
  });
}

void VenueWsServer::Impl::send_locked(const std::shared_ptr<Session>& s, std::string text) {
  net::post(ioc, [s, t = std::make_shared<const std::string>(std::move(text))] { s->send(t); });
}

void VenueWsServer::Impl::publish_locked(VenueSimulation& v, bool force) {
  const auto now_tp = std::chrono::steady_clock::now();
  if (!force && options.md_interval_ms > 0.0 &&
      now_tp - last_publish < std::chrono::duration<double, std::milli>(options.md_interval_ms))
    return;
  last_publish = now_tp;
  const SimulatedVenue& venue = v.venue();
  const Universe& u = venue.universe();
  const std::int64_t now = wall_ms();
  std::vector<Outgoing> out;
  auto emit = [&](const std::string& stream, std::string raw) {
    Outgoing g;
    g.stream = stream;
    g.combined = std::make_shared<const std::string>("{\"stream\":" + json_quote(stream) +
                                                     ",\"data\":" + raw + "}");
    g.raw = std::make_shared<const std::string>(std::move(raw));
    out.push_back(std::move(g));
  };
  Depth depth;
  for (std::size_t k = 0; k < listings.size(); ++k) {
    const Listing& l = listings[k];
    const auto i = static_cast<InstrumentId>(k);
    if (!l.listed || v.faults().feed_frozen(i)) continue;
    MdState& st = md[k];
    venue.book(i).depth(depth, kMaxBookLevels);
    std::vector<std::pair<std::int64_t, std::int64_t>> bids, asks;
    for (std::size_t n = 0; n < depth.bid_count; ++n)
      bids.emplace_back(depth.bids[n].price_ticks, depth.bids[n].lots);
    for (std::size_t n = 0; n < depth.ask_count; ++n)
      asks.emplace_back(depth.asks[n].price_ticks, depth.asks[n].lots);
    // Depth diff: every level whose quantity changed, 0 for the levels that went away.
    auto diff = [](const auto& before, const auto& after, bool desc) {
      std::map<std::int64_t, std::int64_t> m;
      for (const auto& [p, q] : before) m[p] = 0;
      for (const auto& [p, q] : after) m[p] = q;
      std::vector<std::pair<std::int64_t, std::int64_t>> changes;
      for (const auto& [p, q] : m) {
        const auto was = std::find_if(before.begin(), before.end(),
                                      [p = p](const auto& lv) { return lv.first == p; });
        const std::int64_t old_q = was == before.end() ? 0 : was->second;
        if (old_q != q) changes.emplace_back(p, q);
      }
      if (desc) std::reverse(changes.begin(), changes.end());
      return changes;
    };
    const auto db = diff(st.bids, bids, true);
    const auto da = diff(st.asks, asks, false);
    if (!db.empty() || !da.empty()) {
      const std::uint64_t pu = st.last_u;
      const std::uint64_t first = pu + 1;
      const std::uint64_t last = pu + db.size() + da.size();
      auto levels = [&](const auto& lv) {
        std::string s = "[";
        for (std::size_t n = 0; n < lv.size(); ++n)
          s += std::string(n ? "," : "") + "[\"" + steps_text(lv[n].first, l.tick) + "\",\"" +
               steps_text(lv[n].second, l.qty_step) + "\"]";
        return s + "]";
      };
      emit(l.lower + "@depth@100ms",
           "{\"e\":\"depthUpdate\",\"E\":" + std::to_string(now) + ",\"T\":" + std::to_string(now) +
               ",\"s\":" + json_quote(l.symbol) + ",\"U\":" + std::to_string(first) +
               ",\"u\":" + std::to_string(last) + ",\"pu\":" + std::to_string(pu) +
               ",\"b\":" + levels(db) + ",\"a\":" + levels(da) + "}");
      st.bids = std::move(bids);
      st.asks = std::move(asks);
      st.last_u = last;
    }
    const std::int64_t best[4] = {
        st.bids.empty() ? 0 : st.bids[0].first, st.bids.empty() ? 0 : st.bids[0].second,
        st.asks.empty() ? 0 : st.asks[0].first, st.asks.empty() ? 0 : st.asks[0].second};
    if (!st.ticker_sent || !std::equal(best, best + 4, st.best)) {
      std::copy(best, best + 4, st.best);
      st.ticker_sent = true;
      emit(l.lower + "@bookTicker",
           "{\"e\":\"bookTicker\",\"u\":" + std::to_string(st.last_u) +
               ",\"E\":" + std::to_string(now) + ",\"T\":" + std::to_string(now) + ",\"s\":" +
               json_quote(l.symbol) + ",\"b\":\"" + steps_text(best[0], l.tick) + "\",\"B\":\"" +
               steps_text(best[1], l.qty_step) + "\",\"a\":\"" + steps_text(best[2], l.tick) +
               "\",\"A\":\"" + steps_text(best[3], l.qty_step) + "\"}");
    }
    // Mark price once per publish (the simulated clock runs at `speed`, so "every
    // second" of Binance's stream is every publish here).
    const InstrumentSpec& spec = u.instruments[k];
    auto price = [&](double p) {
      return steps_text(static_cast<std::int64_t>(std::llround(p / spec.tick_size_d)), l.tick);
    };
    const std::int64_t next_funding = venue.next_funding_ns(i) / 1'000'000;
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.8f", venue.funding_rate(i));
    const std::string mark_json =
        "{\"e\":\"markPriceUpdate\",\"E\":" + std::to_string(now) +
        ",\"s\":" + json_quote(l.symbol) + ",\"p\":\"" + price(venue.mark(i)) + "\",\"i\":\"" +
        price(venue.index(i)) + "\",\"P\":\"" + price(venue.index(i)) + "\",\"r\":\"" +
        (spec.kind == InstrumentKind::perpetual ? std::string(rate) : std::string()) +
        "\",\"T\":" + std::to_string(spec.kind == InstrumentKind::perpetual ? next_funding : 0) +
        "}";
    emit(l.lower + "@markPrice@1s", mark_json);
    emit(l.lower + "@markPrice", mark_json);
  }
  if (!out.empty()) deliver_locked(std::move(out));
}

void VenueWsServer::Impl::on_api_message(const std::shared_ptr<Session>& s,
                                         const std::string& text) {
  count([](VenueWsCounters& c) { ++c.requests; });
  Request r;
  std::string bad;
  const std::int64_t now_ms = wall_ms();
  // Rate-limit windows (fixed windows per connection).
  if (now_ms / 60'000 != s->weight_window) {
    s->weight_window = now_ms / 60'000;
    s->weight = 0;
  }
  if (now_ms / 10'000 != s->orders_window) {
    s->orders_window = now_ms / 10'000;
    s->orders = 0;
  }
  auto respond_error = [&](const ApiError& e) {
    count([&](VenueWsCounters& c) {
      ++c.rejects;
      ++c.rejects_by_code[e.code];
    });
    // Posted like every other reply, so replies leave in the order they were made.
    send_locked(s, "{\"id\":" + r.id_json + ",\"status\":" + std::to_string(e.status) +
                       ",\"error\":{\"code\":" + std::to_string(e.code) + ",\"msg\":" +
                       json_quote(e.msg) + "},\"rateLimits\":" + rate_limits_json(*s) + "}");
  };
  const bool parsed = parse_request(parser, text, r, &bad);
  s->weight += 1;
  if (!parsed) {
    respond_error(bad.empty() ? ApiError{400, -1102, "Malformed request: not a JSON object."}
                              : ws::err_illegal(bad));
    return;
  }
  if (r.method.empty()) {
    respond_error(ws::err_mandatory("method"));
    return;
  }
  if (s->weight > 2400) {
    respond_error({429, -1003,
                   "Too many requests; current limit is 2400 requests per minute. Please use "
                   "the websocket for live updates to avoid polling the API."});
    return;
  }
  auto str = [&](std::string_view name) -> std::string {
    const Param* p = r.find(name);
    return p ? p->text : std::string{};
  };
  const auto respond = [&](const std::string& result) {
    send_locked(s, "{\"id\":" + r.id_json + ",\"status\":200,\"result\":" + result +
                       ",\"rateLimits\":" + rate_limits_json(*s) + "}");
  };
  const bool is_order = r.method.rfind("order.", 0) == 0;
  const bool is_stream = r.method.rfind("userDataStream.", 0) == 0;

  // Authentication: the API key first.
  const ws::Credential* cred = nullptr;
  if (is_order || is_stream) {
    const std::string key = str("apiKey");
    if (key.empty()) {
      respond_error(ws::err_mandatory("apiKey"));
      return;
    }
    for (const ws::Credential& c : options.credentials)
      if (c.api_key == key) cred = &c;
    if (cred == nullptr) {
      respond_error(ws::err_api_key());
      return;
    }
  }
  // SIGNED methods: the signature first (so a request with a bad signature never learns
  // anything else), then timestamp and recvWindow.
  if (is_order) {
    const Param* sig = r.find("signature");
    if (sig == nullptr || sig->text.empty()) {
      respond_error(ws::err_mandatory("signature"));
      return;
    }
    const std::string expect =
        ws::hmac_sha256_hex(cred->api_secret, ws::signature_payload(r.params));
    if (!ws::signature_equal(expect, sig->text)) {
      respond_error(ws::err_signature());
      return;
    }
    std::int64_t ts = 0, window = 5000;
    if (!parse_int(str("timestamp"), ts)) {
      respond_error(ws::err_mandatory("timestamp"));
      return;
    }
    if (const Param* w = r.find("recvWindow")) {
      if (!parse_int(w->text, window) || window <= 0) {
        respond_error(ws::err_illegal("recvWindow"));
        return;
      }
      if (window > options.recv_window_ms) {
        respond_error(
            {400, -1131,
             "recvWindow must be less than " + std::to_string(options.recv_window_ms) + "."});
        return;
      }
    }
    // Binance: accepted when timestamp < serverTime + 1000 and serverTime - timestamp <=
    // recvWindow.
    if (!(ts < now_ms + 1000 && now_ms - ts <= window)) {
      respond_error(ws::err_timestamp());
      return;
    }
  }

  if (is_stream) {
    std::string key;
    if (r.method == "userDataStream.start" || r.method == "userDataStream.ping") {
      std::lock_guard lock(keys_mu);
      for (const auto& [k, name] : listen_keys)
        if (name == cred->account) key = k;
      if (key.empty() && r.method == "userDataStream.start") {
        static constexpr char alphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        std::random_device rd;
        std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
        for (int n = 0; n < 64; ++n) key += alphabet[rng() % (sizeof alphabet - 1)];
        listen_keys[key] = cred->account;
      }
    }
    if (r.method == "userDataStream.start" || r.method == "userDataStream.ping") {
      if (key.empty()) {
        respond_error({400, -1125, "This listenKey does not exist."});
        return;
      }
      respond("{\"listenKey\":" + json_quote(key) + "}");
      return;
    }
    if (r.method == "userDataStream.stop") {
      std::lock_guard lock(keys_mu);
      std::erase_if(listen_keys, [&](const auto& kv) { return kv.second == cred->account; });
      respond("{}");
      return;
    }
    respond_error(ws::err_illegal("method"));
    return;
  }

  // Symbol (every remaining method has one).
  const auto symbol_of = [&](InstrumentId& out) -> bool {
    const std::string sym = str("symbol");
    if (sym.empty()) {
      respond_error(ws::err_mandatory("symbol"));
      return false;
    }
    const auto it = by_symbol.find(sym);
    if (it == by_symbol.end() || listings[it->second].symbol != sym) {
      respond_error({400, -1121, "Invalid symbol."});
      return false;
    }
    out = it->second;
    return true;
  };

  if (r.method == "depth") {
    count([](VenueWsCounters& c) { ++c.depth_requests; });
    InstrumentId i = kNoInstrument;
    if (!symbol_of(i)) return;
    std::int64_t limit = 500;
    if (const Param* p = r.find("limit")) {
      if (!parse_int(p->text, limit) || (limit != 5 && limit != 10 && limit != 20 && limit != 50 &&
                                         limit != 100 && limit != 500 && limit != 1000)) {
        respond_error(ws::err_illegal("limit"));
        return;
      }
    }
    s->weight += limit <= 50 ? 1 : limit <= 100 ? 4 : limit <= 500 ? 9 : 19;
    // The snapshot is the book as last published on <symbol>@depth@100ms, so that
    // lastUpdateId lines up with the stream's u (a client buffers the stream, takes this,
    // drops events with u < lastUpdateId and applies from U <= lastUpdateId <= u).
    locked([&](VenueSimulation&) {
      const MdState& st = md[i];
      const Listing& l = listings[i];
      auto levels = [&](const auto& lv) {
        std::string out = "[";
        const std::size_t n = std::min<std::size_t>(lv.size(), static_cast<std::size_t>(limit));
        for (std::size_t k = 0; k < n; ++k)
          out += std::string(k ? "," : "") + "[\"" + steps_text(lv[k].first, l.tick) + "\",\"" +
                 steps_text(lv[k].second, l.qty_step) + "\"]";
        return out + "]";
      };
      const std::int64_t now = wall_ms();
      respond("{\"lastUpdateId\":" + std::to_string(st.last_u) + ",\"E\":" + std::to_string(now) +
              ",\"T\":" + std::to_string(now) + ",\"bids\":" + levels(st.bids) +
              ",\"asks\":" + levels(st.asks) + "}");
    });
    return;
  }

  if (!is_order) {
    respond_error(ws::err_illegal("method"));
    return;
  }
  InstrumentId inst = kNoInstrument;
  if (!symbol_of(inst)) return;
  const Listing& l = listings[inst];

  if (r.method == "order.place") {
    count([](VenueWsCounters& c) { ++c.orders; });
    if (++s->orders > 300) {
      respond_error(
          {429, -1015, "Too many new orders; current limit is 300 orders per TEN_SECONDS."});
      return;
    }
    NewOrder no;
    const std::string side = str("side"), type = str("type"), tif = str("timeInForce");
    if (side.empty()) return respond_error(ws::err_mandatory("side"));
    if (side != "BUY" && side != "SELL") return respond_error({400, -1117, "Invalid side."});
    no.side = side == "BUY" ? Side::buy : Side::sell;
    if (type.empty()) return respond_error(ws::err_mandatory("type"));
    if (type != "LIMIT" && type != "MARKET")
      return respond_error({400, -1116, "Invalid orderType."});
    no.type = type == "LIMIT" ? OrderType::limit : OrderType::market;
    if (no.type == OrderType::limit) {
      if (tif.empty()) return respond_error(ws::err_mandatory("timeInForce"));
      if (tif == "GTC")
        no.tif = TimeInForce::gtc;
      else if (tif == "IOC")
        no.tif = TimeInForce::ioc;
      else if (tif == "FOK")
        no.tif = TimeInForce::fok;
      else if (tif == "GTX")
        no.tif = TimeInForce::post_only;
      else
        return respond_error({400, -1115, "Invalid timeInForce."});
    } else {
      no.tif = TimeInForce::ioc;
      if (r.find("price"))
        return respond_error({400, -1106, "Parameter 'price' sent when not required."});
    }
    if (const Param* ps = r.find("positionSide"); ps && ps->text != "BOTH")
      return respond_error({400, -4061, "Order's position side does not match user's setting."});
    const std::string ro = str("reduceOnly");
    if (!ro.empty() && ro != "true" && ro != "false")
      return respond_error(ws::err_illegal("reduceOnly"));
    no.reduce_only = ro == "true";
    const std::string resp_type = str("newOrderRespType");
    if (!resp_type.empty() && resp_type != "ACK" && resp_type != "RESULT")
      return respond_error(ws::err_illegal("newOrderRespType"));
    const std::string qty = str("quantity");
    if (qty.empty()) return respond_error(ws::err_mandatory("quantity"));
    if (!plain_decimal(qty)) {
      if (qty[0] == '-') return respond_error({400, -4003, "Quantity less than or equal to zero."});
      return respond_error(ws::err_illegal("quantity"));
    }
    if (auto e = to_steps(qty, l.qty_step, false, no.lots)) return respond_error(*e);
    if (no.type == OrderType::limit) {
      const std::string px = str("price");
      if (px.empty()) return respond_error(ws::err_mandatory("price"));
      if (!plain_decimal(px)) {
        if (px[0] == '-') return respond_error({400, -4001, "Price less than 0."});
        return respond_error(ws::err_illegal("price"));
      }
      if (auto e = to_steps(px, l.tick, true, no.price_ticks)) return respond_error(*e);
    }
    std::string cid = str("newClientOrderId");
    if (const Param* p = r.find("newClientOrderId"); p && !valid_client_id(p->text))
      return respond_error(ws::err_illegal("newClientOrderId"));
    std::optional<ApiError> error;
    locked([&](VenueSimulation& v) {
      WsAccount& a = account_locked(v, cred->account);
      if (cid.empty()) cid = "ballast-ws-" + std::to_string(++a.next_generated);
      const std::uint64_t cl = a.intern(cid);
      no.account = a.id;
      no.client_order_id = cl;
      no.instrument = inst;
      const OrderId id = v.venue().submit(no);
      drain_locked(v);
      if (id == kNoOrder) {
        const auto why = a.refused.find(cl);
        error = reject_error(why == a.refused.end() ? RejectReason::unsupported : why->second,
                             v.venue().universe().instruments[inst]);
        a.refused.erase(cl);
        return;
      }
      const auto o = a.orders.find({inst, id});
      if (o == a.orders.end()) {
        error = ApiError{400, -1000, "An unknown error occured while processing the request."};
        return;
      }
      respond(order_json(a, o->second, resp_type != "RESULT"));
    });
    if (error) respond_error(*error);
    return;
  }

  // cancel / modify / status: the order by orderId or origClientOrderId.
  std::int64_t order_id = 0;
  const Param* oid = r.find("orderId");
  const Param* ocid = r.find("origClientOrderId");
  if (oid == nullptr && ocid == nullptr)
    return respond_error(ws::err_mandatory("orderId"));  // Binance: either is mandatory
  if (oid && !parse_int(oid->text, order_id)) return respond_error(ws::err_illegal("orderId"));
  const bool is_cancel = r.method == "order.cancel";
  const bool is_modify = r.method == "order.modify";
  const bool is_status = r.method == "order.status";
  if (!is_cancel && !is_modify && !is_status) return respond_error(ws::err_illegal("method"));
  count([&](VenueWsCounters& c) {
    ++(is_cancel ? c.cancels : is_modify ? c.modifies : c.status_requests);
  });
  std::int64_t new_lots = 0, new_ticks = 0;
  if (is_modify) {
    if (++s->orders > 300)
      return respond_error(
          {429, -1015, "Too many new orders; current limit is 300 orders per TEN_SECONDS."});
    const std::string side = str("side"), qty = str("quantity"), px = str("price");
    if (side.empty()) return respond_error(ws::err_mandatory("side"));
    if (side != "BUY" && side != "SELL") return respond_error({400, -1117, "Invalid side."});
    if (qty.empty()) return respond_error(ws::err_mandatory("quantity"));
    if (px.empty()) return respond_error(ws::err_mandatory("price"));
    if (!plain_decimal(qty)) return respond_error(ws::err_illegal("quantity"));
    if (!plain_decimal(px)) return respond_error(ws::err_illegal("price"));
    if (auto e = to_steps(qty, l.qty_step, false, new_lots)) return respond_error(*e);
    if (auto e = to_steps(px, l.tick, true, new_ticks)) return respond_error(*e);
  }
  std::optional<ApiError> error;
  locked([&](VenueSimulation& v) {
    WsAccount& a = account_locked(v, cred->account);
    OrderInfo* o = nullptr;
    if (oid) {
      if (auto it = a.orders.find({inst, static_cast<OrderId>(order_id)}); it != a.orders.end())
        o = &it->second;
    } else if (auto c = a.ids.find(ocid->text); c != a.ids.end()) {
      if (auto b = a.by_client.find(c->second); b != a.by_client.end())
        if (auto it = a.orders.find(b->second); it != a.orders.end()) o = &it->second;
    }
    if (o == nullptr || o->instrument != inst) {
      error = is_cancel ? ApiError{400, -2011, "Unknown order sent."}
                        : ApiError{400, -2013, "Order does not exist."};
      return;
    }
    const OrderId id = o->id;
    if (is_status) {
      std::string j = order_json(a, *o, false);
      j.pop_back();
      respond(j + ",\"time\":" + std::to_string(o->time_ms) + "}");
      return;
    }
    const std::uint64_t cl = a.intern(o->client_id);
    if (is_cancel) {
      a.cancel_requested.insert({inst, id});
      const bool ok = v.venue().cancel_order(a.id, inst, id);
      drain_locked(v);
      if (!ok) {
        a.cancel_requested.erase({inst, id});
        a.refused.erase(cl);
        error = ApiError{400, -2011, "Unknown order sent."};
        return;
      }
      respond(order_json(a, a.orders.at({inst, id}), false));
      return;
    }
    // modify: Binance amends price and quantity of a resting LIMIT order, same side.
    if (o->type != OrderType::limit || (str("side") == "BUY") != (o->side == Side::buy)) {
      error = ApiError{400, -4028, "Side or order type does not match the order."};
      return;
    }
    const bool ok = v.venue().replace(a.id, inst, cl, cl, new_lots, new_ticks);
    drain_locked(v);
    if (!ok) {
      const auto why = a.refused.find(cl);
      const RejectReason reason =
          why == a.refused.end() ? RejectReason::unknown_order : why->second;
      a.refused.erase(cl);
      error = reason == RejectReason::unknown_order
                  ? ApiError{400, -2013, "Order does not exist."}
                  : reject_error(reason, v.venue().universe().instruments[inst]);
      return;
    }
    respond(order_json(a, a.orders.at({inst, id}), false));
  });
  if (error) respond_error(*error);
}

// ---------------------------------------------------------------------------------------
// VenueWsServer

VenueWsServer::VenueWsServer(VenueSimulation& sim, VenueWsServerOptions options)
    : impl_(std::make_shared<Impl>(sim, std::move(options))) {
  Impl& s = *impl_;
  const Universe& u = sim.venue().universe();
  s.listings.resize(u.instruments.size());
  s.md.resize(u.instruments.size());
  for (std::size_t k = 0; k < u.instruments.size() && k < kMaxInstruments; ++k) {
    const InstrumentSpec& spec = u.instruments[k];
    Listing& l = s.listings[k];
    l.symbol = ws::binance_symbol(spec);
    if (l.symbol.empty()) continue;
    const auto q = multiply_steps(spec.contract_size.units, spec.lot_size);
    if (!q) continue;
    l.qty_step = Decimal{q->units, q->scale + spec.contract_size.scale}.normalized();
    l.tick = spec.tick_size.normalized();
    l.lower = ws::to_lower(l.symbol);
    l.quote = spec.quote < u.assets.size() ? u.assets[spec.quote].name : std::string("USDT");
    l.listed = true;
    s.by_symbol[l.symbol] = static_cast<InstrumentId>(k);
    s.by_symbol[l.lower] = static_cast<InstrumentId>(k);
  }
  const bool cert = !s.options.tls_cert_file.empty(), key = !s.options.tls_key_file.empty();
  if (cert != key)
    throw std::invalid_argument("venue ws: TLS needs both a certificate and a key file");
  if (cert) {
    s.tls.emplace(ssl::context::tls_server);
    s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    try {
      s.tls->use_certificate_chain_file(s.options.tls_cert_file);
      s.tls->use_private_key_file(s.options.tls_key_file, ssl::context::pem);
    } catch (const std::exception& e) {
      throw std::invalid_argument("venue ws: TLS certificate/key (" + s.options.tls_cert_file +
                                  ", " + s.options.tls_key_file + "): " + e.what());
    }
  }
}

VenueWsServer::~VenueWsServer() {
  stop();
}

void VenueWsServer::start() {
  Impl& s = *impl_;
  if (s.started) return;
  beast::error_code ec;
  const auto addr = net::ip::make_address(s.options.bind_address, ec);
  if (ec) throw std::runtime_error("venue ws: bad bind address " + s.options.bind_address);
  const tcp::endpoint ep(addr, static_cast<unsigned short>(s.options.port));
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    s.acceptor.close(ec);
    throw std::runtime_error("venue ws: cannot listen on " + s.options.bind_address + ":" +
                             std::to_string(s.options.port) + ": " + ec.message());
  }
  s.bound_port = s.acceptor.local_endpoint().port();
  // The first publish is the full book as one depthUpdate from pu = 0 (a client that
  // subscribes later gets the snapshot from `depth`).
  s.locked([&](VenueSimulation& v) { s.publish_locked(v, true); });
  s.accept();
  s.started = true;
  s.thread = std::thread([&s] { s.ioc.run(); });
}

void VenueWsServer::stop() {
  Impl& s = *impl_;
  if (!s.started) return;
  s.started = false;
  net::post(s.ioc, [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
    for (const auto& session : s.sessions) session->reset();
    s.sessions.clear();
    s.ioc.stop();
  });
  if (s.thread.joinable()) s.thread.join();
  s.count([](VenueWsCounters& c) { c.open_connections = 0; });
}

int VenueWsServer::port() const noexcept {
  return impl_->bound_port;
}

bool VenueWsServer::tls() const noexcept {
  return impl_->tls.has_value();
}

void VenueWsServer::step_to(std::int64_t sim_ns) {
  Impl& s = *impl_;
  s.locked([&](VenueSimulation& v) {
    v.step_to(sim_ns);
    s.drain_locked(v);
    s.publish_locked(v, false);
  });
}

void VenueWsServer::publish_now() {
  Impl& s = *impl_;
  s.locked([&](VenueSimulation& v) {
    s.drain_locked(v);
    s.publish_locked(v, true);
  });
}

std::size_t VenueWsServer::drop_all() {
  Impl& s = *impl_;
  std::size_t open = 0;
  s.count([&](VenueWsCounters& c) { open = c.open_connections; });
  net::post(s.ioc, [self = impl_.get()] {
    std::uint64_t n = 0;
    for (const auto& session : self->sessions) {
      if (session->kind == Session::Kind::pending) continue;
      session->reset();
      ++n;
    }
    self->count([&](VenueWsCounters& c) { c.drops += n; });
  });
  return open;
}

VenueWsCounters VenueWsServer::counters() const {
  std::lock_guard lock(impl_->counters_mu);
  return impl_->counters;
}

std::vector<VenueClientSummary> VenueWsServer::clients() const {
  std::vector<VenueClientSummary> out;
  Impl& s = *impl_;
  s.locked([&](VenueSimulation& v) {
    const Universe& u = v.venue().universe();
    for (const auto& [name, a] : s.accounts) {
      const Account& acct = v.venue().account(a->id);
      VenueClientSummary c;
      c.session = "ws:" + name;
      c.account = a->id;
      c.cash = acct.portfolio.cash;
      c.fees_paid = acct.fees_paid;
      c.funding_received = a->funding_received;
      c.funding_paid = a->funding_paid;
      c.funding_payments = a->funding_payments;
      c.settled_pnl = acct.settled_pnl;
      for (std::size_t i = 0; i < u.instruments.size() && i < kMaxInstruments; ++i) {
        const std::int64_t lots = acct.portfolio.positions[i].lots;
        if (lots != 0)
          c.positions.push_back(
              {u.instruments[i].symbol, lots_to_contracts(u.instruments[i], lots)});
      }
      out.push_back(std::move(c));
    }
  });
  return out;
}

std::optional<AccountId> VenueWsServer::account_of(const std::string& account) const {
  std::optional<AccountId> id;
  Impl& s = *impl_;
  s.locked([&](VenueSimulation&) {
    if (auto it = s.accounts.find(account); it != s.accounts.end()) id = it->second->id;
  });
  return id;
}

}  // namespace ballast::venue
