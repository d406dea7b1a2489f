// The whole `ballast` file's loader, as the config tests beside each module's table use
// it: `parse` reads every table (core's, the gateways', control's, the simulator's).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ballast/ballast_config.hpp"
#include "config_test_support.hpp"

namespace ballast::config_test {

using BallastLoad = LoadResult<tools::BallastFileConfig>;

inline BallastLoad parse(std::string_view text, const std::string& file = kFile) {
  return tools::parse_ballast_config(text, file);
}
inline BallastLoad parse_on(std::string_view text, std::vector<int> cpus) {
  return tools::parse_ballast_config(text, kFile, ConfigParseOptions{std::move(cpus)});
}

}  // namespace ballast::config_test
