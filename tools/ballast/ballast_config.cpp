// Reads the whole `ballast` config (ballast_config.hpp).
#include "ballast/ballast_config.hpp"

#include <utility>

namespace ballast::tools {
namespace {

// The tables and the checks between the runtime's routes and the simulator.
void add_ballast_tables(ConfigSchema& schema, BallastFileConfig& c) {
  runtime::add_run_tables(schema, c);
  venue::add_venue_table(schema, c.venue);
  schema.add_check([&c](ConfigChecks& checks) {
    if (c.venue.embedded && c.orders.kind == OrderRouteKind::loopback)
      checks.error(c.venue.line, "venue.embedded",
                   "an embedded venue is reached over FIX or WebSocket: set [orders] route = "
                   "\"fix\" or \"websocket\"");
    if (c.websocket.present && c.websocket.port == 0 && !(c.venue.embedded && c.venue.ws_port != 0))
      checks.error(c.websocket.line, "websocket.port",
                   "is required (or an embedded [venue] with ws_port)");
  });
}

// The runtime points its routes at an embedded simulator through this.
void set_embedded_venue(BallastFileConfig& c) {
  c.embedded_venue.present = c.venue.embedded;
  c.embedded_venue.fix_port = c.venue.port;
  c.embedded_venue.ws_port = c.venue.ws_port;
  c.embedded_venue.has_credentials_file = !c.venue.ws_credentials_file.empty();
}

template <class Load>
LoadResult<BallastFileConfig> load_with(Load&& load) {
  BallastFileConfig config;
  ConfigSchema schema;
  add_ballast_tables(schema, config);
  // Loaded first: the schema's readers write into `config`, which is moved only after.
  ConfigLoadResult loaded = load(schema);
  LoadResult<BallastFileConfig> out = runtime::joined(std::move(loaded), std::move(config));
  if (out.config) set_embedded_venue(*out.config);
  return out;
}

}  // namespace

LoadResult<BallastFileConfig> load_ballast_config(const std::string& path,
                                                  const ConfigParseOptions& options) {
  return load_with(
      [&](const ConfigSchema& schema) { return load_config_file(path, options, schema); });
}

LoadResult<BallastFileConfig> parse_ballast_config(std::string_view text,
                                                   const std::string& file_name,
                                                   const ConfigParseOptions& options) {
  return load_with(
      [&](const ConfigSchema& schema) { return parse_config(text, file_name, options, schema); });
}

ConfigLoadResult reload_ballast_config(const std::string& path) {
  LoadResult<BallastFileConfig> loaded = load_ballast_config(path);
  ConfigLoadResult out;
  out.errors = std::move(loaded.errors);
  if (loaded.config) out.config = static_cast<BallastConfig&&>(std::move(*loaded.config));
  return out;
}

}  // namespace ballast::tools
