// `ballast run`: the engine. Wires the replay feed, the engine core, the pre-trade risk
// gate and the order route into the pinned-thread pipeline, runs until the feed ends,
// --duration elapses or SIGINT/SIGTERM arrives, drains, and prints a summary.
#pragma once

#include <optional>
#include <string>

#include "ballast/core/config.hpp"

namespace ballast::tools {

struct RunOptions {
  std::optional<double> duration_s;
  bool json = false;
};

// Returns the process exit code (0 ok, 1 runtime failure, 2 bad input).
int run_engine(const BallastConfig& config, const RunOptions& options);

}  // namespace ballast::tools
