// The gateways' tables of the config file: [feed] (where market data comes from), [orders]
// (the order route: loopback, FIX, WebSocket) and [websocket] (the Binance-dialect
// connection). Plain data read by add_route_tables(); the runtime turns it into gateways.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/config_section.hpp"
#include "ballast/core/replay_source.hpp"

namespace ballast {

// Where market data comes from in `ballast run` ([feed]).
// fix: MarketDataRequest on the FIX session of [orders] (route = "fix"), see
// docs/fix-dialect.md. websocket: the [websocket] market streams (venues routed over
// WebSocket always take their market data from there, whatever kind says).
enum class FeedKind : std::uint8_t { none, replay, fix, websocket };
struct FeedConfig {
  FeedKind kind = FeedKind::none;
  std::string file;  // replay CSV, resolved relative to the config file's directory
  ReplayPaceKind pace = ReplayPaceKind::recorded;
  double rate_per_s = 0.0;  // fixed_rate only
  bool loop = false;        // start over at the end (timestamps keep increasing)
};

// Where orders go in `ballast run` ([orders]). websocket: the Binance USDⓈ-M WebSocket API
// of [websocket] for every venue; with route = "fix" and [websocket] venues = [...], the
// listed venues go over WebSocket and the rest over FIX (docs/binance-dialect.md).
enum class OrderRouteKind : std::uint8_t { loopback, fix, websocket };
struct OrderRouteConfig {
  OrderRouteKind kind = OrderRouteKind::loopback;
  // fix: a QuickFIX settings file with one FIX.4.4 initiator session (resolved against the
  // config file's directory); host/port/store override what the file says.
  std::string fix_settings;
  std::string fix_host;
  // Username (553) / Password (554) for the Logon: a TOML file (username, password) of
  // mode 0600/0400, like [websocket] credentials_file. Empty: no credentials on Logon.
  std::string fix_credentials_file;
  // FIX is plain TCP here: a host off this machine needs allow_plaintext = true (and a TLS
  // tunnel such as stunnel on loopback is the documented way, docs/fix-dialect.md).
  bool allow_plaintext = false;
  int fix_port = 0;
  std::string fix_store;
  bool time_in_force_gtc = false;  // default IOC: a hedge is marketable or nothing
  // fix_store_kind: where QuickFIX keeps sequence numbers and sent messages. async-file
  // (default): FileStore's files, sequence numbers written before each send returns and
  // messages by a background thread every fix_store_flush_ms; file: QuickFIX's FileStore
  // (every write on the sending thread); memory / null: nothing survives a restart.
  enum class Store : std::uint8_t { async_file, file, memory, null };
  Store fix_store_kind = Store::async_file;
  int fix_store_flush_ms = 10;
};

// [websocket]: the Binance USDⓈ-M dialect over WebSocket (gateways/net + gateways/binance).
// Market data for its venues always comes from its streams (the engine trades on live
// prices only); orders go over the WebSocket API, fills come from the user-data stream.
enum class WsIdleKind : std::uint8_t { busy_poll, blocking };
struct WebSocketRouteConfig {
  bool present = false;            // a [websocket] table was given
  int line = 0;                    // of the table, for checks across tables
  std::string host = "127.0.0.1";  // resolved once at start, never on the hot path
  int port = 0;                    // not given, with an embedded venue: [venue] ws_port
  bool tls = false;                // wss: certificate and host name verified, TLS 1.2+
  // A host off this machine without TLS would carry the API key and signed orders in the
  // clear: refused unless this names the risk (a tunnel does the encryption, say).
  bool allow_plaintext = false;
  std::string ca_file;                   // PEM bundle; "" = the system's trust store
  std::string server_name;               // SNI and the name verified; "" = host
  std::string market_path = "/stream";   // combined market streams
  std::string api_path = "/ws-fapi/v1";  // WebSocket API (orders, depth, user data)
  // API key and secret: a TOML file (api_key, api_secret) of mode 0600/0400, else the
  // environment (BALLAST_API_KEY, BALLAST_API_SECRET). Never in this config.
  std::string credentials_file;
  std::int64_t recv_window_ms = 5000;
  std::vector<std::string> venues;  // venues routed here; empty with route = "websocket": all
  WsIdleKind idle = WsIdleKind::busy_poll;
  int connect_timeout_ms = 3000;
  int reconnect_min_ms = 100;  // back-off: capped exponential with jitter
  int reconnect_max_ms = 5000;
  std::int64_t max_message_bytes = 1 << 20;  // a bigger message closes the connection (1009)
};

// The three tables together, as one load reads them.
struct RouteTables {
  FeedConfig& feed;
  OrderRouteConfig& orders;
  WebSocketRouteConfig& websocket;
};

// Registers [feed], [orders] and [websocket] with their readers and the checks between
// them (market data over FIX needs the FIX route, ...). A [websocket] without a port is
// for whoever knows the venue's (an embedded simulator) to check.
void add_route_tables(ConfigSchema& schema, RouteTables tables);

// A QuickFIX settings file's `Key=Value` lines ([SESSION] headers and # comments
// skipped), read the way QuickFIX reads them: what the loader checks before QuickFIX
// reads the file itself.
struct QuickFixSettingsText {
  // The value of the first `key` line, blanks trimmed; "" when absent.
  [[nodiscard]] static std::string value(std::string_view settings, std::string_view key);
  // The SSL keys (SSLProtocol, CertificateAuthoritiesFile, ...) it names, each once:
  // Ballast's FIX session is plain TCP, so these would be silently ignored and are
  // refused instead (docs/fix-dialect.md, Transport).
  [[nodiscard]] static std::vector<std::string> ssl_keys(std::string_view settings);
};

}  // namespace ballast
