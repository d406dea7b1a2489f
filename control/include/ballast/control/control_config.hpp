// The control module's table of the config file, [control]: where the operator's Unix
// socket and the audit log are, and how often the engine publishes its snapshot.
#pragma once

#include <string>

#include "ballast/core/config_section.hpp"

namespace ballast {

// [control]: the operator's Unix socket (docs/control-protocol.md). Absent: no socket, the
// engine runs unattended as before.
struct ControlConfig {
  bool present = false;   // a [control] table was given
  std::string socket;     // resolved against the config file's directory; fits sun_path
  std::string audit_log;  // default: control-audit.log in the socket's directory
  int snapshot_ms = 100;  // how often the idle engine publishes a snapshot, 20..1000
};

// Registers [control] (optional) with its reader.
void add_control_table(ConfigSchema& schema, ControlConfig& control);

}  // namespace ballast
