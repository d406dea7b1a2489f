#include "ballast/runtime/order_routes.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <utility>

#include "ballast/binance/credentials.hpp"

namespace ballast::runtime {
namespace {

std::string problem(const RunConfig& config, const char* key, const std::string& what) {
  return config.source_path + ": " + key + ": " + what;
}

gateways::BinanceConnectionOptions websocket_connection(const RunConfig& config) {
  const WebSocketRouteConfig& w = config.websocket;
  gateways::BinanceConnectionOptions c;
  c.host = w.host;
  c.server_name = w.server_name;
  c.port = static_cast<std::uint16_t>(w.port != 0 ? w.port : config.embedded_venue.ws_port);
  if (config.embedded_venue.present && w.host.empty()) c.host = "127.0.0.1";
  c.tls = w.tls;
  c.ca_file = w.ca_file;
  c.market_path = w.market_path;
  c.api_path = w.api_path;
  c.idle = w.idle == WsIdleKind::busy_poll ? net::IdleMode::busy_poll : net::IdleMode::blocking;
  c.connect_timeout_ns = static_cast<std::int64_t>(w.connect_timeout_ms) * 1'000'000;
  c.reconnect_min_ns = static_cast<std::int64_t>(w.reconnect_min_ms) * 1'000'000;
  c.reconnect_max_ns = static_cast<std::int64_t>(w.reconnect_max_ms) * 1'000'000;
  c.max_message_bytes = static_cast<std::size_t>(w.max_message_bytes);
  return c;
}

// One order gateway and one market-data feed per WebSocket venue, sharing the API key.
bool add_websocket_venues(const RunConfig& config, const std::vector<VenueId>& venues,
                          OrderRoutes& r, std::vector<std::string>& errors) {
  if (venues.empty()) return true;
  binance::CredentialsLoadResult credentials =
      binance::load_api_credentials(config.websocket.credentials_file);
  if (!credentials.credentials) {
    errors.push_back(problem(config, "websocket.credentials_file", credentials.error));
    return false;
  }
  for (VenueId v : venues) {
    WebSocketVenue w;
    w.venue = v;
    gateways::BinanceOrderGatewayOptions o;
    o.connection = websocket_connection(config);
    o.credentials.api_key = credentials.credentials->api_key;
    o.credentials.api_secret = binance::ApiSecret(credentials.credentials->api_secret.reveal());
    o.recv_window_ms = config.websocket.recv_window_ms;
    o.time_in_force = config.orders.time_in_force_gtc ? binance::BinanceTimeInForce::gtc
                                                      : binance::BinanceTimeInForce::ioc;
    o.venue = v;
    gateways::BinanceMarketDataOptions m;
    m.connection = o.connection;
    m.venue = v;
    try {
      w.orders = std::make_unique<gateways::BinanceOrderGateway>(config.universe, std::move(o));
      w.market_data = std::make_unique<gateways::BinanceMarketDataFeed>(config.universe, m);
    } catch (const std::exception& e) {
      errors.push_back(problem(config, "websocket", e.what()));
      return false;
    }
    r.websocket.push_back(std::move(w));
  }
  return true;
}

gateways::FixStoreKind fix_store_kind(OrderRouteConfig::Store store) noexcept {
  switch (store) {
    case OrderRouteConfig::Store::async_file:
      return gateways::FixStoreKind::async_file;
    case OrderRouteConfig::Store::file:
      return gateways::FixStoreKind::file;
    case OrderRouteConfig::Store::memory:
      return gateways::FixStoreKind::memory;
    case OrderRouteConfig::Store::null:
      return gateways::FixStoreKind::null_store;
  }
  return gateways::FixStoreKind::async_file;
}

// The FIX session for whatever is not on WebSocket (one FIX venue per config so far).
bool add_fix_session(const RunConfig& config, VenueId venue, OrderRoutes& r,
                     std::vector<std::string>& errors) {
  const OrderRouteConfig& orders = config.orders;
  gateways::FixGatewayOptions o;
  o.settings_path = orders.fix_settings;
  o.host_override = orders.fix_host;
  o.port_override = orders.fix_port;
  o.store_path_override = orders.fix_store;
  o.time_in_force =
      orders.time_in_force_gtc ? gateways::FixTimeInForce::gtc : gateways::FixTimeInForce::ioc;
  o.subscribe_market_data = config.feed.kind == FeedKind::fix;
  o.store = fix_store_kind(orders.fix_store_kind);
  o.store_flush_interval_ms = orders.fix_store_flush_ms;
  if (!orders.fix_credentials_file.empty()) {
    binance::CredentialsLoadResult c = binance::load_credentials_file(
        orders.fix_credentials_file, binance::CredentialFileKeys{"username", "password"});
    if (!c.credentials) {
      errors.push_back(problem(config, "orders.fix_credentials_file", c.error));
      return false;
    }
    o.logon_username = c.credentials->api_key;
    o.logon_password = std::string(c.credentials->api_secret.reveal());
  }
  o.venue = venue;
  if (config.embedded_venue.present) {  // our own simulator, on this machine
    if (o.host_override.empty()) o.host_override = "127.0.0.1";
    if (o.port_override == 0) o.port_override = config.embedded_venue.fix_port;
  }
  r.fix_venue = venue;
  try {
    r.fix = std::make_unique<gateways::FixOrderGateway>(config.universe, o);
  } catch (const std::exception& e) {
    errors.push_back(problem(config, "orders.fix_settings", e.what()));
  }
  if (!o.logon_password.empty()) OPENSSL_cleanse(o.logon_password.data(), o.logon_password.size());
  return r.fix != nullptr;
}

// One gateway is the sink itself; several go behind a router by venue.
void join(const Universe& u, const std::vector<VenueId>& ws_venues, OrderRoutes& r) {
  if (r.fix && r.websocket.empty()) {
    r.sink = r.fix.get();
  } else if (!r.fix && r.websocket.size() == 1) {
    r.sink = r.websocket[0].orders.get();
  } else {
    r.router = std::make_unique<VenueRoutedSink>(u);
    for (VenueId v = 0; r.fix && v < u.venues.size(); ++v)
      if (std::find(ws_venues.begin(), ws_venues.end(), v) == ws_venues.end())
        r.router->route(v, *r.fix);
    for (WebSocketVenue& w : r.websocket) r.router->route(w.venue, *w.orders);
    r.sink = r.router.get();
  }
}

}  // namespace

bool OrderRoutes::websocket_up() const noexcept {
  for (const WebSocketVenue& w : websocket)
    if (!w.orders->session_up()) return false;
  return !websocket.empty();
}

std::string OrderRoutes::last_problem(VenueId venue) const {
  for (const WebSocketVenue& w : websocket)
    if (w.venue == venue) return w.last_problem();
  return fix ? fix->last_problem() : std::string();
}

std::vector<VenueId> websocket_venues(const RunConfig& config) {
  std::vector<VenueId> out;
  if (!config.websocket.present) return out;
  const Universe& u = config.universe;
  for (VenueId v = 0; v < u.venues.size(); ++v) {
    bool listed =
        config.websocket.venues.empty() ? config.orders.kind == OrderRouteKind::websocket : false;
    for (const std::string& name : config.websocket.venues) listed = listed || name == u.venues[v];
    if (!listed) continue;
    for (const InstrumentSpec& i : u.instruments)
      if (i.venue == v && i.is_derivative()) {
        out.push_back(v);
        break;
      }
  }
  return out;
}

bool ensure_demo_credentials(const RunConfig& config) {
  const WebSocketRouteConfig& w = config.websocket;
  if (!config.embedded_venue.present || websocket_venues(config).empty() ||
      !w.credentials_file.empty() || config.embedded_venue.has_credentials_file ||
      std::getenv("BALLAST_API_KEY") != nullptr || std::getenv("BALLAST_API_SECRET") != nullptr)
    return true;
  unsigned char raw[48];
  if (RAND_bytes(raw, sizeof raw) != 1) return false;
  static const char hex[] = "0123456789abcdef";
  std::string key = "demo-", secret;
  for (int k = 0; k < 16; ++k) key += hex[raw[k] & 15];
  for (int k = 16; k < 48; ++k) {
    secret += hex[raw[k] >> 4];
    secret += hex[raw[k] & 15];
  }
  setenv("BALLAST_API_KEY", key.c_str(), 1);
  setenv("BALLAST_API_SECRET", secret.c_str(), 1);
  OPENSSL_cleanse(secret.data(), secret.size());
  OPENSSL_cleanse(raw, sizeof raw);
  return true;
}

OrderRoutesResult build_order_routes(const RunConfig& config) {
  OrderRoutesResult out;
  OrderRoutes r;
  if (config.orders.kind == OrderRouteKind::loopback) {
    r.loopback = std::make_unique<LoopbackVenue>(config.universe);
    r.sink = r.loopback.get();
    out.routes = std::move(r);
    return out;
  }
  const std::vector<VenueId> ws_venues = websocket_venues(config);
  if (!add_websocket_venues(config, ws_venues, r, out.errors)) return out;
  // FIX for whatever is left: a route = "fix" config whose venues are not all WebSocket.
  if (config.orders.kind == OrderRouteKind::fix) {
    for (const InstrumentSpec& i : config.universe.instruments) {
      if (std::find(ws_venues.begin(), ws_venues.end(), i.venue) != ws_venues.end()) continue;
      if (!add_fix_session(config, i.venue, r, out.errors)) return out;
      break;
    }
  }
  join(config.universe, ws_venues, r);
  out.routes = std::move(r);
  return out;
}

}  // namespace ballast::runtime
