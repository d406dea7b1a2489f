// The runtime's tables (run_config.hpp).
#include "ballast/runtime/run_config.hpp"

namespace ballast::runtime {

void add_run_tables(ConfigSchema& schema, RunConfig& config) {
  add_route_tables(schema, RouteTables{config.feed, config.orders, config.websocket});
  add_control_table(schema, config.control);
  journal::add_journal_table(schema, config.journal);
}

LoadResult<RunConfig> load_run_config(const std::string& path, const ConfigParseOptions& options) {
  RunConfig config;
  ConfigSchema schema;
  add_run_tables(schema, config);
  ConfigLoadResult loaded = load_config_file(path, options, schema);
  return joined(std::move(loaded), std::move(config));
}

LoadResult<RunConfig> parse_run_config(std::string_view text, const std::string& file_name,
                                       const ConfigParseOptions& options) {
  RunConfig config;
  ConfigSchema schema;
  add_run_tables(schema, config);
  ConfigLoadResult loaded = parse_config(text, file_name, options, schema);
  return joined(std::move(loaded), std::move(config));
}

}  // namespace ballast::runtime
