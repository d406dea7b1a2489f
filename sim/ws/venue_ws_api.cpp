// VenueWsServer's WebSocket API (the Binance USDⓈ-M ws-fapi methods the simulator serves).
#include "venue_ws_impl.hpp"

namespace ballast::venue {
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

// One request being answered: the session it came on, the request, the key's credential
// once authenticated, and the two ways out. Replies are posted like every other message,
// so they leave in the order they were made.
struct ApiCall {
  VenueWsServer::Impl& server;
  const std::shared_ptr<Session>& session;
  const Request& request;
  const ws::Credential* credential = nullptr;

  [[nodiscard]] std::string text(std::string_view name) const {
    const Param* p = request.find(name);
    return p ? p->text : std::string{};
  }
  [[nodiscard]] const Param* find(std::string_view name) const { return request.find(name); }

  // {"id":..,"status":200,"result":<result>,"rateLimits":[..]}
  void reply(std::string_view result_json) const {
    JsonWriter j;
    j.begin_object().key("id").raw_value(request.id_json);
    j.field("status", 200LL).key("result").raw_value(result_json);
    write_rate_limits(j);
    server.send_locked(session, j.end_object().str());
  }
  // {"id":..,"status":4xx,"error":{"code":..,"msg":..},"rateLimits":[..]}
  void fail(const ApiError& e) const {
    server.count([&](VenueWsCounters& c) {
      ++c.rejects;
      ++c.rejects_by_code[e.code];
    });
    JsonWriter j;
    j.begin_object().key("id").raw_value(request.id_json);
    j.field("status", static_cast<long long>(e.status)).key("error").begin_object();
    j.field("code", static_cast<long long>(e.code)).field("msg", e.msg).end_object();
    write_rate_limits(j);
    server.send_locked(session, j.end_object().str());
  }

  // The request's symbol (every market and order method has one); false after replying.
  bool symbol(InstrumentId& out) const {
    const std::string sym = text("symbol");
    if (sym.empty()) return fail(ws::err_mandatory("symbol")), false;
    const auto it = server.by_symbol.find(sym);
    if (it == server.by_symbol.end() || server.listings[it->second].symbol != sym)
      return fail({400, -1121, "Invalid symbol."}), false;
    out = it->second;
    return true;
  }

  // Binance's per-connection order count: 300 per ten seconds; false after replying.
  bool take_order_slot() const {
    if (++session->orders <= 300) return true;
    fail({429, -1015, "Too many new orders; current limit is 300 orders per TEN_SECONDS."});
    return false;
  }

 private:
  void write_rate_limits(JsonWriter& j) const {
    j.key("rateLimits").begin_array();
    j.begin_object().field("rateLimitType", "REQUEST_WEIGHT").field("interval", "MINUTE");
    j.field("intervalNum", 1LL)
        .field("limit", 2400LL)
        .field("count", static_cast<long long>(session->weight));
    j.end_object().begin_object().field("rateLimitType", "ORDERS").field("interval", "SECOND");
    j.field("intervalNum", 10LL)
        .field("limit", 300LL)
        .field("count", static_cast<long long>(session->orders));
    j.end_object().end_array();
  }
};

// What a method needs before its handler runs: nothing (market data), a known API key
// (the user-data stream), or a signed request with a fresh timestamp (orders).
enum class Auth : std::uint8_t { none, api_key, signed_request };

// The API key, then for signed methods the signature first (so a request with a bad
// signature never learns anything else), then timestamp and recvWindow. False after
// replying.
bool authenticate(ApiCall& call, Auth auth, std::int64_t now_ms, std::int64_t max_window_ms) {
  if (auth == Auth::none) return true;
  const std::string key = call.text("apiKey");
  if (key.empty()) return call.fail(ws::err_mandatory("apiKey")), false;
  for (const ws::Credential& c : call.server.options.credentials)
    if (c.api_key == key) call.credential = &c;
  if (call.credential == nullptr) return call.fail(ws::err_api_key()), false;
  if (auth == Auth::api_key) return true;
  const Param* sig = call.find("signature");
  if (sig == nullptr || sig->text.empty()) return call.fail(ws::err_mandatory("signature")), false;
  const std::string expect =
      ws::hmac_sha256_hex(call.credential->api_secret, ws::signature_payload(call.request.params));
  if (!ws::signature_equal(expect, sig->text)) return call.fail(ws::err_signature()), false;
  std::int64_t ts = 0, window = 5000;
  if (!parse_int(call.text("timestamp"), ts))
    return call.fail(ws::err_mandatory("timestamp")), false;
  if (const Param* w = call.find("recvWindow")) {
    if (!parse_int(w->text, window) || window <= 0)
      return call.fail(ws::err_illegal("recvWindow")), false;
    if (window > max_window_ms)
      return call.fail({400, -1131,
                        "recvWindow must be less than " + std::to_string(max_window_ms) + "."}),
             false;
  }
  // Binance: accepted when timestamp < serverTime + 1000 and serverTime - timestamp <=
  // recvWindow.
  if (!(ts < now_ms + 1000 && now_ms - ts <= window)) return call.fail(ws::err_timestamp()), false;
  return true;
}

// ---- userDataStream.*: one listen key per account, made on start, kept on ping.

void user_stream_key(ApiCall& call, bool create) {
  VenueWsServer::Impl& s = call.server;
  std::string key;
  {
    std::lock_guard lock(s.keys_mu);
    for (const auto& [k, name] : s.listen_keys)
      if (name == call.credential->account) key = k;
    if (key.empty() && create) {
      static constexpr char alphabet[] =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
      std::random_device rd;
      std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
      for (int n = 0; n < 64; ++n) key += alphabet[rng() % (sizeof alphabet - 1)];
      s.listen_keys[key] = call.credential->account;
    }
  }
  if (key.empty()) return call.fail({400, -1125, "This listenKey does not exist."});
  JsonWriter j;
  call.reply(j.begin_object().field("listenKey", key).end_object().str());
}

void user_stream_start(ApiCall& call) {
  user_stream_key(call, true);
}

void user_stream_ping(ApiCall& call) {
  user_stream_key(call, false);
}

void user_stream_stop(ApiCall& call) {
  VenueWsServer::Impl& s = call.server;
  {
    std::lock_guard lock(s.keys_mu);
    std::erase_if(s.listen_keys,
                  [&](const auto& kv) { return kv.second == call.credential->account; });
  }
  call.reply("{}");
}

// ---- depth: the book as last published on <symbol>@depth@100ms, so that lastUpdateId
// lines up with the stream's u (a client buffers the stream, takes this, drops events
// with u < lastUpdateId and applies from U <= lastUpdateId <= u).

void depth(ApiCall& call) {
  VenueWsServer::Impl& s = call.server;
  s.count([](VenueWsCounters& c) { ++c.depth_requests; });
  InstrumentId i = kNoInstrument;
  if (!call.symbol(i)) return;
  std::int64_t limit = 500;
  if (const Param* p = call.find("limit")) {
    if (!parse_int(p->text, limit) || (limit != 5 && limit != 10 && limit != 20 && limit != 50 &&
                                       limit != 100 && limit != 500 && limit != 1000))
      return call.fail(ws::err_illegal("limit"));
  }
  call.session->weight += limit <= 50 ? 1 : limit <= 100 ? 4 : limit <= 500 ? 9 : 19;
  s.locked([&](VenueSimulation&) {
    const MdState& st = s.md[i];
    const Listing& l = s.listings[i];
    JsonWriter j;
    auto levels = [&](const char* side, const auto& lv) {
      j.key(side).begin_array();
      const std::size_t n = std::min<std::size_t>(lv.size(), static_cast<std::size_t>(limit));
      for (std::size_t k = 0; k < n; ++k) {
        j.begin_array().value(steps_text(lv[k].first, l.tick));
        j.value(steps_text(lv[k].second, l.qty_step)).end_array();
      }
      j.end_array();
    };
    const std::int64_t now = wall_ms();
    j.begin_object().field("lastUpdateId", static_cast<long long>(st.last_u));
    j.field("E", static_cast<long long>(now)).field("T", static_cast<long long>(now));
    levels("bids", st.bids);
    levels("asks", st.asks);
    call.reply(j.end_object().str());
  });
}

// ---- order.place

// side, type, timeInForce, positionSide, reduceOnly and newOrderRespType as Binance checks
// them; false after replying.
bool read_order_terms(ApiCall& call, NewOrder& no) {
  const std::string side = call.text("side"), type = call.text("type"),
                    tif = call.text("timeInForce");
  if (side.empty()) return call.fail(ws::err_mandatory("side")), false;
  if (side != "BUY" && side != "SELL") return call.fail({400, -1117, "Invalid side."}), false;
  no.side = side == "BUY" ? Side::buy : Side::sell;
  if (type.empty()) return call.fail(ws::err_mandatory("type")), false;
  if (type != "LIMIT" && type != "MARKET")
    return call.fail({400, -1116, "Invalid orderType."}), false;
  no.type = type == "LIMIT" ? OrderType::limit : OrderType::market;
  if (no.type == OrderType::limit) {
    static constexpr std::pair<std::string_view, TimeInForce> kTifs[] = {
        {"GTC", TimeInForce::gtc},
        {"IOC", TimeInForce::ioc},
        {"FOK", TimeInForce::fok},
        {"GTX", TimeInForce::post_only}};
    if (tif.empty()) return call.fail(ws::err_mandatory("timeInForce")), false;
    const auto* it = std::find_if(std::begin(kTifs), std::end(kTifs),
                                  [&](const auto& t) { return t.first == tif; });
    if (it == std::end(kTifs)) return call.fail({400, -1115, "Invalid timeInForce."}), false;
    no.tif = it->second;
  } else {
    no.tif = TimeInForce::ioc;
    if (call.find("price"))
      return call.fail({400, -1106, "Parameter 'price' sent when not required."}), false;
  }
  if (const Param* ps = call.find("positionSide"); ps && ps->text != "BOTH")
    return call.fail({400, -4061, "Order's position side does not match user's setting."}), false;
  const std::string ro = call.text("reduceOnly");
  if (!ro.empty() && ro != "true" && ro != "false")
    return call.fail(ws::err_illegal("reduceOnly")), false;
  no.reduce_only = ro == "true";
  const std::string resp_type = call.text("newOrderRespType");
  if (!resp_type.empty() && resp_type != "ACK" && resp_type != "RESULT")
    return call.fail(ws::err_illegal("newOrderRespType")), false;
  return true;
}

// quantity, and price for a limit order, as whole lots and ticks; false after replying.
bool read_order_size(ApiCall& call, const Listing& l, NewOrder& no) {
  const std::string qty = call.text("quantity");
  if (qty.empty()) return call.fail(ws::err_mandatory("quantity")), false;
  if (!plain_decimal(qty)) {
    if (qty[0] == '-')
      return call.fail({400, -4003, "Quantity less than or equal to zero."}), false;
    return call.fail(ws::err_illegal("quantity")), false;
  }
  if (auto e = to_steps(qty, l.qty_step, false, no.lots)) return call.fail(*e), false;
  if (no.type != OrderType::limit) return true;
  const std::string px = call.text("price");
  if (px.empty()) return call.fail(ws::err_mandatory("price")), false;
  if (!plain_decimal(px)) {
    if (px[0] == '-') return call.fail({400, -4001, "Price less than 0."}), false;
    return call.fail(ws::err_illegal("price")), false;
  }
  if (auto e = to_steps(px, l.tick, true, no.price_ticks)) return call.fail(*e), false;
  return true;
}

void order_place(ApiCall& call) {
  VenueWsServer::Impl& s = call.server;
  InstrumentId inst = kNoInstrument;
  if (!call.symbol(inst)) return;
  s.count([](VenueWsCounters& c) { ++c.orders; });
  if (!call.take_order_slot()) return;
  NewOrder no;
  if (!read_order_terms(call, no) || !read_order_size(call, s.listings[inst], no)) return;
  std::string cid = call.text("newClientOrderId");
  if (const Param* p = call.find("newClientOrderId"); p && !valid_client_id(p->text))
    return call.fail(ws::err_illegal("newClientOrderId"));
  const bool ack = call.text("newOrderRespType") != "RESULT";
  std::optional<ApiError> error;
  s.locked([&](VenueSimulation& v) {
    WsAccount& a = s.account_locked(v, call.credential->account);
    if (cid.empty()) cid = "ballast-ws-" + std::to_string(++a.next_generated);
    const std::uint64_t cl = a.intern(cid);
    no.account = a.id;
    no.client_order_id = cl;
    no.instrument = inst;
    const OrderId id = v.venue().submit(no);
    s.drain_locked(v);
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
    call.reply(s.order_json(a, o->second, ack));
  });
  if (error) call.fail(*error);
}

// ---- order.cancel / order.modify / order.status: the order by orderId or
// origClientOrderId, under the simulation's lock.

enum class OrderOp : std::uint8_t { cancel, modify, status };

// The account's order the request names, or nullptr.
OrderInfo* named_order(const ApiCall& call, WsAccount& a, InstrumentId inst,
                       std::int64_t order_id) {
  OrderInfo* o = nullptr;
  if (call.find("orderId")) {
    if (auto it = a.orders.find({inst, static_cast<OrderId>(order_id)}); it != a.orders.end())
      o = &it->second;
  } else if (auto c = a.ids.find(call.find("origClientOrderId")->text); c != a.ids.end()) {
    if (auto b = a.by_client.find(c->second); b != a.by_client.end())
      if (auto it = a.orders.find(b->second); it != a.orders.end()) o = &it->second;
  }
  return o != nullptr && o->instrument == inst ? o : nullptr;
}

// Under the lock: carries out op on `o`, replying or setting `error`.
void act_on_order(ApiCall& call, VenueSimulation& v, WsAccount& a, OrderInfo& o, OrderOp op,
                  std::int64_t new_lots, std::int64_t new_ticks, std::optional<ApiError>& error) {
  VenueWsServer::Impl& s = call.server;
  const InstrumentId inst = o.instrument;
  const OrderId id = o.id;
  if (op == OrderOp::status) {
    std::string j = s.order_json(a, o, false);
    j.pop_back();
    return call.reply(j + ",\"time\":" + std::to_string(o.time_ms) + "}");
  }
  const std::uint64_t cl = a.intern(o.client_id);
  if (op == OrderOp::cancel) {
    a.cancel_requested.insert({inst, id});
    const bool ok = v.venue().cancel_order(a.id, inst, id);
    s.drain_locked(v);
    if (!ok) {
      a.cancel_requested.erase({inst, id});
      a.refused.erase(cl);
      error = ApiError{400, -2011, "Unknown order sent."};
      return;
    }
    return call.reply(s.order_json(a, a.orders.at({inst, id}), false));
  }
  // modify: Binance amends price and quantity of a resting LIMIT order, same side.
  if (o.type != OrderType::limit || (call.text("side") == "BUY") != (o.side == Side::buy)) {
    error = ApiError{400, -4028, "Side or order type does not match the order."};
    return;
  }
  const bool ok = v.venue().replace(a.id, inst, cl, cl, new_lots, new_ticks);
  s.drain_locked(v);
  if (!ok) {
    const auto why = a.refused.find(cl);
    const RejectReason reason = why == a.refused.end() ? RejectReason::unknown_order : why->second;
    a.refused.erase(cl);
    error = reason == RejectReason::unknown_order
                ? ApiError{400, -2013, "Order does not exist."}
                : reject_error(reason, v.venue().universe().instruments[inst]);
    return;
  }
  call.reply(s.order_json(a, a.orders.at({inst, id}), false));
}

// modify's new side, quantity and price; false after replying.
bool read_amendment(ApiCall& call, const Listing& l, std::int64_t& lots, std::int64_t& ticks) {
  if (!call.take_order_slot()) return false;
  const std::string side = call.text("side"), qty = call.text("quantity"), px = call.text("price");
  if (side.empty()) return call.fail(ws::err_mandatory("side")), false;
  if (side != "BUY" && side != "SELL") return call.fail({400, -1117, "Invalid side."}), false;
  if (qty.empty()) return call.fail(ws::err_mandatory("quantity")), false;
  if (px.empty()) return call.fail(ws::err_mandatory("price")), false;
  if (!plain_decimal(qty)) return call.fail(ws::err_illegal("quantity")), false;
  if (!plain_decimal(px)) return call.fail(ws::err_illegal("price")), false;
  if (auto e = to_steps(qty, l.qty_step, false, lots)) return call.fail(*e), false;
  if (auto e = to_steps(px, l.tick, true, ticks)) return call.fail(*e), false;
  return true;
}

void on_order(ApiCall& call, OrderOp op) {
  VenueWsServer::Impl& s = call.server;
  InstrumentId inst = kNoInstrument;
  if (!call.symbol(inst)) return;
  std::int64_t order_id = 0;
  const Param* oid = call.find("orderId");
  if (oid == nullptr && call.find("origClientOrderId") == nullptr)
    return call.fail(ws::err_mandatory("orderId"));  // Binance: either is mandatory
  if (oid && !parse_int(oid->text, order_id)) return call.fail(ws::err_illegal("orderId"));
  s.count([&](VenueWsCounters& c) {
    ++(op == OrderOp::cancel ? c.cancels : op == OrderOp::modify ? c.modifies : c.status_requests);
  });
  std::int64_t new_lots = 0, new_ticks = 0;
  if (op == OrderOp::modify && !read_amendment(call, s.listings[inst], new_lots, new_ticks)) return;
  std::optional<ApiError> error;
  s.locked([&](VenueSimulation& v) {
    WsAccount& a = s.account_locked(v, call.credential->account);
    OrderInfo* o = named_order(call, a, inst, order_id);
    if (o == nullptr) {
      error = op == OrderOp::cancel ? ApiError{400, -2011, "Unknown order sent."}
                                    : ApiError{400, -2013, "Order does not exist."};
      return;
    }
    act_on_order(call, v, a, *o, op, new_lots, new_ticks, error);
  });
  if (error) call.fail(*error);
}

void order_cancel(ApiCall& call) {
  on_order(call, OrderOp::cancel);
}
void order_modify(ApiCall& call) {
  on_order(call, OrderOp::modify);
}
void order_status(ApiCall& call) {
  on_order(call, OrderOp::status);
}

// account.position: every non-zero position of the key's account (Binance's
// {"symbol","positionAmt","entryPrice","markPrice",...}); `symbol` narrows it to one.
void account_position(ApiCall& call) {
  VenueWsServer::Impl& s = call.server;
  InstrumentId only = kNoInstrument;
  if (call.find("symbol") != nullptr && !call.symbol(only)) return;
  s.count([](VenueWsCounters& c) { ++c.positions_requests; });
  JsonWriter j;
  j.begin_array();
  s.locked([&](VenueSimulation& v) {
    const WsAccount& a = s.account_locked(v, call.credential->account);
    const Universe& u = v.venue().universe();
    for (std::size_t k = 0; k < u.instruments.size() && k < s.listings.size(); ++k) {
      const auto i = static_cast<InstrumentId>(k);
      const FuturesPosition& p = v.venue().position(a.id, i);
      if (!u.instruments[i].is_derivative() || p.lots == 0) continue;
      if (only != kNoInstrument && only != i) continue;
      const Listing& l = s.listings[i];
      const std::int64_t lots = p.lots < 0 ? -p.lots : p.lots;
      j.begin_object().field("symbol", l.symbol).field("positionSide", "BOTH");
      j.field("positionAmt", (p.lots < 0 ? "-" : "") + steps_text(lots, l.qty_step));
      j.field("entryPrice", amount_text(p.entry_price));
      j.field("markPrice", amount_text(v.venue().mark(i)));
      j.end_object();
    }
  });
  j.end_array();
  call.reply(j.str());
}

// ---- The method table

struct Method {
  std::string_view name;
  Auth auth;
  void (*handle)(ApiCall&);
};

constexpr Method kMethods[] = {
    {"depth", Auth::none, &depth},
    {"userDataStream.start", Auth::api_key, &user_stream_start},
    {"userDataStream.ping", Auth::api_key, &user_stream_ping},
    {"userDataStream.stop", Auth::api_key, &user_stream_stop},
    {"order.place", Auth::signed_request, &order_place},
    {"order.cancel", Auth::signed_request, &order_cancel},
    {"order.modify", Auth::signed_request, &order_modify},
    {"order.status", Auth::signed_request, &order_status},
    {"account.position", Auth::signed_request, &account_position},
};

// A method this server does not serve still authenticates as its family would (an
// unsigned "order.*" learns nothing, not even that the method is unknown).
Auth auth_of_unknown(std::string_view method) {
  if (method.starts_with("order.")) return Auth::signed_request;
  if (method.starts_with("userDataStream.")) return Auth::api_key;
  if (method.starts_with("account.")) return Auth::signed_request;
  return Auth::none;
}

}  // namespace

void VenueWsServer::Impl::on_api_message(const std::shared_ptr<Session>& s,
                                         const std::string& text) {
  count([](VenueWsCounters& c) { ++c.requests; });
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
  Request r;
  std::string bad;
  const bool parsed = parse_request(parser, text, r, &bad);
  ApiCall call{*this, s, r};
  s->weight += 1;
  if (!parsed)
    return call.fail(bad.empty() ? ApiError{400, -1102, "Malformed request: not a JSON object."}
                                 : ws::err_illegal(bad));
  if (r.method.empty()) return call.fail(ws::err_mandatory("method"));
  if (s->weight > 2400)
    return call.fail({429, -1003,
                      "Too many requests; current limit is 2400 requests per minute. Please use "
                      "the websocket for live updates to avoid polling the API."});
  const Method* method = nullptr;
  for (const Method& m : kMethods)
    if (m.name == r.method) method = &m;
  const Auth auth = method ? method->auth : auth_of_unknown(r.method);
  if (!authenticate(call, auth, now_ms, options.recv_window_ms)) return;
  if (method == nullptr) return call.fail(ws::err_illegal("method"));
  method->handle(call);
}

}  // namespace ballast::venue
