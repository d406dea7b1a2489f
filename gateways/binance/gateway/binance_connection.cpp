#include "ballast/gateways/binance_connection.hpp"

namespace ballast::gateways {

net::WsClientOptions ws_client_options(const BinanceConnectionOptions& c, const std::string& path) {
  net::WsClientOptions o;
  o.endpoint.host = c.host;
  o.endpoint.port = c.port;
  o.endpoint.path = path;
  o.endpoint.tls = c.tls;
  o.endpoint.server_name = c.server_name;
  o.ca_file = c.ca_file;
  o.max_message_bytes = c.max_message_bytes;
  o.connect_timeout_ns = c.connect_timeout_ns;
  o.auto_reconnect = true;
  o.backoff.initial_ns = c.reconnect_min_ns;
  o.backoff.max_ns = c.reconnect_max_ns;
  return o;
}

}  // namespace ballast::gateways
