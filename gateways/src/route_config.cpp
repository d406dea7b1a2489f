// Reads [feed], [orders] and [websocket] (route_config.hpp). The checks keep today's
// contract: every bad key reported with its line, secrets refused, plain text off this
// machine refused unless the risk is named.
#include "ballast/gateways/route_config.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

#include "ballast/core/config.hpp"

namespace ballast {
namespace {

constexpr std::array<Option<FeedKind>, 3> kFeedKinds{
    {{"replay", FeedKind::replay}, {"fix", FeedKind::fix}, {"websocket", FeedKind::websocket}}};
constexpr std::array<Option<ReplayPaceKind>, 3> kPaces{
    {{"recorded", ReplayPaceKind::recorded},
     {"fixed_rate", ReplayPaceKind::fixed_rate},
     {"fast", ReplayPaceKind::as_fast_as_possible}}};
constexpr std::array<Option<OrderRouteKind>, 3> kRoutes{{{"loopback", OrderRouteKind::loopback},
                                                         {"fix", OrderRouteKind::fix},
                                                         {"websocket", OrderRouteKind::websocket}}};
constexpr std::array<Option<WsIdleKind>, 2> kWsIdle{
    {{"busy_poll", WsIdleKind::busy_poll}, {"blocking", WsIdleKind::blocking}}};
constexpr std::array<Option<bool>, 2> kTimeInForce{{{"ioc", false}, {"gtc", true}}};  // gtc?
constexpr std::array<Option<OrderRouteConfig::Store>, 4> kFixStores{
    {{"async-file", OrderRouteConfig::Store::async_file},
     {"file", OrderRouteConfig::Store::file},
     {"memory", OrderRouteConfig::Store::memory},
     {"null", OrderRouteConfig::Store::null}}};

// [feed]: where market data comes from.
void read_feed(ConfigSection& s, FeedConfig& f) {
  const auto kind = s.choice("kind", Need::required, kFeedKinds);
  assign(kind, f.kind);
  // With kind missing or bad, file is still read (as optional) so it is checked.
  if (const auto file = s.name("file", need_if(kind == FeedKind::replay))) {
    f.file = s.resolve_path(*file);
    // A device or FIFO would be read forever (/dev/zero grew to 1 GB, then aborted).
    struct stat st {};
    if (::stat(f.file.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      s.error("file", f.file + " is not a regular file; a replay reads a recorded CSV file");
  }
  const auto pace = s.choice("pace", Need::optional, kPaces);
  assign(pace, f.pace);
  const bool fixed = f.pace == ReplayPaceKind::fixed_rate;
  if ((pace || !s.has("pace")) && !fixed)
    s.forbid("rate", "only with pace = \"fixed_rate\"");
  else
    assign(s.number("rate", need_if(fixed), kPositive), f.rate_per_s);
  assign(s.boolean("loop", Need::optional), f.loop);
}

// [orders]: the order route.
void read_orders(ConfigSection& s, OrderRouteConfig& o) {
  const auto route = s.choice("route", Need::optional, kRoutes);
  assign(route, o.kind);
  const bool fix = route == OrderRouteKind::fix;
  if ((route || !s.has("route")) && !fix) {
    for (const char* key : {"fix_settings", "fix_host", "fix_port", "fix_store", "time_in_force",
                            "fix_store_kind", "fix_store_flush_ms", "fix_credentials_file"})
      s.forbid(key, "only with route = \"fix\"");
    return;
  }
  if (const auto file = s.name("fix_settings", need_if(fix)))
    o.fix_settings = s.resolve_path(*file);
  assign(s.name("fix_host", Need::optional), o.fix_host);
  if (const auto file = s.name("fix_credentials_file", Need::optional))
    o.fix_credentials_file = s.resolve_path(*file);
  assign(s.boolean("allow_plaintext", Need::optional), o.allow_plaintext);
  {
    // The host is fix_host, else the settings file's SocketConnectHost.
    std::string host = o.fix_host;
    std::string settings;
    const bool have_settings =
        !o.fix_settings.empty() && !read_config_text(o.fix_settings, settings);
    if (have_settings) {
      // QuickFIX's SSL keys would be read by nothing: the session is plain TCP because
      // QuickFIX's SSL initiator does not check the venue's host name (fix-dialect.md).
      // Refuse them rather than let an operator believe the link is encrypted.
      for (const std::string& key : QuickFixSettingsText::ssl_keys(settings))
        s.error("fix_settings",
                "QuickFIX SSL key " + key + " in " + o.fix_settings +
                    " would be ignored: the FIX session is plain TCP (QuickFIX's SSL "
                    "initiator does not check the venue's host name); reach a remote "
                    "venue through a stunnel tunnel on loopback (docs/fix-dialect.md)");
    }
    if (host.empty() && have_settings)
      host = QuickFixSettingsText::value(settings, "SocketConnectHost");
    if (!host.empty() && !o.allow_plaintext && !is_loopback_host(host))
      s.error(o.fix_host.empty() ? "fix_settings" : "fix_host",
              "FIX host \"" + host +
                  "\" is not on this machine and the session is plain TCP: orders would "
                  "cross the network in the clear (tunnel it through stunnel on loopback, "
                  "or set allow_plaintext = true to take that risk)");
  }
  if (const auto port = s.integer("fix_port", Need::optional, kPort))
    o.fix_port = static_cast<int>(*port);
  if (const auto store = s.name("fix_store", Need::optional)) o.fix_store = s.resolve_path(*store);
  assign(s.choice("time_in_force", Need::optional, kTimeInForce), o.time_in_force_gtc);
  assign(s.choice("fix_store_kind", Need::optional, kFixStores), o.fix_store_kind);
  if (const auto ms =
          s.integer("fix_store_flush_ms", Need::optional, Range{1.0, 10000.0, false, false}))
    o.fix_store_flush_ms = static_cast<int>(*ms);
}

// [websocket]: the Binance-dialect WebSocket route. Secrets are never read from here.
void read_websocket(ConfigSection& s, WebSocketRouteConfig& w) {
  w.present = true;
  w.line = s.line();
  assign(s.name("host", Need::optional), w.host);
  if (const auto port = s.integer("port", Need::optional, kPort)) w.port = static_cast<int>(*port);
  assign(s.boolean("tls", Need::optional), w.tls);
  if (const auto file = s.name("ca_file", Need::optional)) w.ca_file = s.resolve_path(*file);
  assign(s.name("server_name", Need::optional), w.server_name);
  for (const char* key : {"market_path", "api_path"}) {
    const auto path = s.name(key, Need::optional);
    if (!path) continue;
    if (path->empty() || path->front() != '/')
      s.error(key, "must start with '/', got \"" + *path + "\"");
    else
      (std::string_view(key) == "market_path" ? w.market_path : w.api_path) = *path;
  }
  if (const auto file = s.name("credentials_file", Need::optional))
    w.credentials_file = s.resolve_path(*file);
  assign(s.boolean("allow_plaintext", Need::optional), w.allow_plaintext);
  if (!w.tls && !w.allow_plaintext && !is_loopback_host(w.host))
    s.error("host",
            "\"" + w.host +
                "\" is not on this machine and tls = false: the API key and signed orders "
                "would cross the network in the clear (set tls = true, or allow_plaintext = "
                "true to take that risk)");
  for (const char* key : {"api_key", "api_secret", "secret", "key"})
    s.forbid(key,
             "secrets never go in the main config: use credentials_file (mode 0600) or "
             "BALLAST_API_KEY / BALLAST_API_SECRET");
  assign(s.integer("recv_window_ms", Need::optional, Range{1.0, 60000.0, false, false}),
         w.recv_window_ms);
  if (const auto venues = s.names("venues", Need::optional)) {
    const std::vector<std::string>& known = s.domain().universe.venues;
    for (const ConfigSection::Item& venue : *venues) {
      if (std::find(known.begin(), known.end(), venue.value) == known.end())
        s.error_at(venue.line, venue.path, "no instrument trades on venue \"" + venue.value + "\"");
      else
        w.venues.push_back(venue.value);
    }
  }
  assign(s.choice("idle", Need::optional, kWsIdle), w.idle);
  const Range ms{1.0, 600000.0, false, false};
  if (const auto v = s.integer("connect_timeout_ms", Need::optional, ms))
    w.connect_timeout_ms = static_cast<int>(*v);
  if (const auto v = s.integer("reconnect_min_ms", Need::optional, ms))
    w.reconnect_min_ms = static_cast<int>(*v);
  if (const auto v = s.integer("reconnect_max_ms", Need::optional, ms))
    w.reconnect_max_ms = static_cast<int>(*v);
  if (w.reconnect_max_ms < w.reconnect_min_ms)
    s.error("reconnect_max_ms",
            "must be >= reconnect_min_ms (" + std::to_string(w.reconnect_min_ms) + ")");
  assign(s.integer("max_message_bytes", Need::optional,
                   Range{1024.0, 64.0 * 1024 * 1024, false, false}),
         w.max_message_bytes);
}

// Where each table was, for the checks between them.
struct TableLines {
  int feed = 0;
  int orders = 0;
  int websocket = 0;
};

// Market data over FIX rides on the order session; WebSocket routes need their table.
void check_routes(ConfigChecks& c, const TableLines& at, const RouteTables& t) {
  if (t.feed.kind == FeedKind::fix && t.orders.kind != OrderRouteKind::fix)
    c.error(at.orders > 0 ? at.orders : at.feed, "feed.kind",
            "\"fix\" needs [orders] route = \"fix\": market data comes over the order session");
  if (t.feed.kind == FeedKind::websocket && !t.websocket.present)
    c.error(at.feed, "feed.kind", "\"websocket\" needs a [websocket] table");
  if (t.orders.kind == OrderRouteKind::websocket && !t.websocket.present)
    c.error(at.orders, "orders.route", "\"websocket\" needs a [websocket] table");
  if (t.orders.kind == OrderRouteKind::loopback && !t.websocket.venues.empty())
    c.error(at.websocket, "websocket.venues",
            "routes venues over WebSocket next to [orders] route = \"fix\"; the loopback "
            "route has no venues");
}

// One `Key=Value` line of a QuickFIX settings file, blanks around both trimmed.
struct SettingsLine {
  std::string_view key;
  std::string_view value;
};

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

template <class Visit>
void each_setting(std::string_view settings, Visit&& visit) {
  while (!settings.empty()) {
    const std::size_t eol = settings.find('\n');
    const std::string_view line = trimmed(settings.substr(0, eol));
    settings = eol == std::string_view::npos ? std::string_view{} : settings.substr(eol + 1);
    if (line.empty() || line.front() == '#' || line.front() == '[') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    if (!visit(SettingsLine{trimmed(line.substr(0, eq)), trimmed(line.substr(eq + 1))})) return;
  }
}

}  // namespace

void add_route_tables(ConfigSchema& schema, RouteTables tables) {
  auto lines = std::make_shared<TableLines>();
  schema.add_table("feed", Need::optional, [tables, lines](ConfigSection& s) {
    lines->feed = s.line();
    read_feed(s, tables.feed);
  });
  schema.add_table("orders", Need::optional, [tables, lines](ConfigSection& s) {
    lines->orders = s.line();
    read_orders(s, tables.orders);
  });
  schema.add_table("websocket", Need::optional, [tables, lines](ConfigSection& s) {
    lines->websocket = s.line();
    read_websocket(s, tables.websocket);
  });
  schema.add_check([tables, lines](ConfigChecks& c) { check_routes(c, *lines, tables); });
}

std::string QuickFixSettingsText::value(std::string_view settings, std::string_view key) {
  std::string found;
  each_setting(settings, [&](const SettingsLine& line) {
    if (line.key != key) return true;
    found = std::string(line.value);
    return false;
  });
  return found;
}

std::vector<std::string> QuickFixSettingsText::ssl_keys(std::string_view settings) {
  static constexpr std::string_view kSslKeys[] = {"SSLProtocol",
                                                  "SSLCipherSuite",
                                                  "CertificateAuthoritiesFile",
                                                  "CertificateAuthoritiesDirectory",
                                                  "ClientCertificateFile",
                                                  "ClientCertificateKeyFile",
                                                  "ServerCertificateFile",
                                                  "ServerCertificateKeyFile",
                                                  "CertificateVerifyLevel",
                                                  "CertificateRevocationListFile",
                                                  "CertificateRevocationListDirectory"};
  std::vector<std::string> found;
  each_setting(settings, [&](const SettingsLine& line) {
    for (const std::string_view ssl : kSslKeys)
      if (line.key == ssl && std::find(found.begin(), found.end(), ssl) == found.end())
        found.emplace_back(ssl);
    return true;
  });
  return found;
}

}  // namespace ballast
