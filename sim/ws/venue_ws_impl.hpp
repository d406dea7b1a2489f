// The VenueWsServer's insides, shared by its three files: venue_ws_server.cpp (accepting,
// sessions, the public API), venue_ws_streams.cpp (market and user-data streams, order
// JSON) and venue_ws_api.cpp (the WebSocket API's method table). Private to sim/ws.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <atomic>
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
#include "ballast/core/json_writer.hpp"
#include "ballast/venue/order_checks.hpp"
#include "venue_ws_server.hpp"

namespace ballast::venue {

using ws::ApiError;
using ws::json_quote;
using ws::Param;

inline std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// steps x step as exact decimal text, the step's decimal places kept ("0.250", "70000.1").
inline std::string steps_text(std::int64_t steps, const Decimal& step) {
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
inline std::string amount_text(double v, int decimals = 8) {
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
inline bool plain_decimal(std::string_view s) {
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
inline bool valid_client_id(std::string_view s) {
  if (s.empty() || s.size() > 36) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == ':' || c == '/' || c == '_' || c == '-'))
      return false;
  return true;
}

// The venue's reasons as Binance errors (order.place / order.modify).
inline ApiError reject_error(RejectReason r, const InstrumentSpec& spec) {
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

inline const char* side_text(Side s) {
  return s == Side::buy ? "BUY" : "SELL";
}
inline const char* type_text(OrderType t) {
  return t == OrderType::market ? "MARKET" : "LIMIT";
}
inline const char* tif_text(TimeInForce t) {
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

  // The network side (Asio's io_context, TLS context, acceptor), defined with Beast in
  // venue_ws_server.cpp only: the API and stream files compile without it.
  struct Io;
  std::unique_ptr<Io> io;
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

  Impl(VenueSimulation& s, VenueWsServerOptions o);
  ~Impl();

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

}  // namespace ballast::venue
