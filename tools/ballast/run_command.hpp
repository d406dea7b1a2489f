// `ballast run`: builds the engine runtime from the config (with the simulator embedded
// when [venue] embedded = true), runs it until the feed ends, --duration elapses or
// SIGINT/SIGTERM arrives, and prints the run summary (text, or one JSON object).
#pragma once

#include <optional>

#include "ballast/ballast_config.hpp"

namespace ballast::tools {

struct RunOptions {
  std::optional<double> duration_s;
  bool json = false;
};

// `ballast reconcile`: the same runtime, journal read-only and paused, until every venue
// has said what it holds (or `timeout_s`); prints journal vs venue per instrument.
// Exit 0 when they agree, 1 when any differs or a venue did not answer, 2 bad input.
int reconcile_command(const BallastFileConfig& config, double timeout_s, bool json);

// Returns the process exit code (0 ok, 1 runtime failure, 2 bad input).
int run_command(const BallastFileConfig& config, const RunOptions& options);

}  // namespace ballast::tools
