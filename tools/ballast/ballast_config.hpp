// The whole file `ballast` reads: the runtime's tables plus the simulator's [venue], the
// one place both are known, so the checks between them (an embedded venue needs a route
// that reaches it) live here too.
#pragma once

#include <string>
#include <string_view>

#include "ballast/runtime/run_config.hpp"
#include "ballast/venue/venue_config.hpp"

namespace ballast::tools {

struct BallastFileConfig : runtime::RunConfig {
  VenueSimConfig venue;  // [venue]
};

[[nodiscard]] LoadResult<BallastFileConfig> load_ballast_config(
    const std::string& path, const ConfigParseOptions& options = {});
[[nodiscard]] LoadResult<BallastFileConfig> parse_ballast_config(
    std::string_view text, const std::string& file_name, const ConfigParseOptions& options = {});

// The domain part of load_ballast_config, for a `reload`: the same tables, so a file that
// starts also reloads.
[[nodiscard]] ConfigLoadResult reload_ballast_config(const std::string& path);

}  // namespace ballast::tools
