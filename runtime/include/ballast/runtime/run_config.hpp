// What `EngineRuntime` is built from: the domain config (core) plus the tables of the
// modules the runtime joins: the gateways' [feed], [orders], [websocket], control's
// [control] and the journal's [journal]. An executable that embeds a simulator says where it
// listens.
#pragma once

#include <string>
#include <utility>

#include "ballast/control/control_config.hpp"
#include "ballast/core/config.hpp"
#include "ballast/gateways/route_config.hpp"
#include "ballast/journal/journal_config.hpp"

namespace ballast::runtime {

// Where an in-process simulator listens ([venue] embedded = true). The executable that
// embeds it fills this from the simulator's table; the runtime points its routes there.
struct EmbeddedVenueEndpoints {
  bool present = false;
  int fix_port = 0;
  int ws_port = 0;                    // 0: no WebSocket server
  bool has_credentials_file = false;  // the simulator reads its own API key file
};

// The domain config by inheritance, so every function of core, risk and control takes it
// as the BallastConfig it is; the module tables beside it are the runtime's to read.
struct RunConfig : BallastConfig {
  FeedConfig feed;                 // [feed]
  OrderRouteConfig orders;         // [orders]
  WebSocketRouteConfig websocket;  // [websocket]
  ControlConfig control;           // [control]
  journal::JournalConfig journal;  // [journal]
  EmbeddedVenueEndpoints embedded_venue;
};

// Registers [feed], [orders], [websocket], [control] and [journal] to be read into `config`, which
// must outlive the load.
void add_run_tables(ConfigSchema& schema, RunConfig& config);

// The result of a load over a schema whose tables filled `config`: the domain part comes
// from `loaded`, the rest is already in `config`.
template <class Config>
[[nodiscard]] LoadResult<Config> joined(ConfigLoadResult loaded, Config config) {
  LoadResult<Config> out;
  out.errors = std::move(loaded.errors);
  if (loaded.config) {
    static_cast<BallastConfig&>(config) = std::move(*loaded.config);
    out.config = std::move(config);
  }
  return out;
}

// Reads a file with the runtime's tables only (tests and tools that embed no simulator).
[[nodiscard]] LoadResult<RunConfig> load_run_config(const std::string& path,
                                                    const ConfigParseOptions& options = {});
[[nodiscard]] LoadResult<RunConfig> parse_run_config(std::string_view text,
                                                     const std::string& file_name,
                                                     const ConfigParseOptions& options = {});

}  // namespace ballast::runtime
