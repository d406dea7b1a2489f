// Reads [control] (control_config.hpp).
#include "ballast/control/control_config.hpp"

#include <filesystem>
#include <string>

namespace ballast {
namespace {

// [control]: the operator socket. sun_path holds 108 bytes with the terminating NUL, so
// a longer path could only be bound truncated (another file than the one configured).
void read_control(ConfigSection& s, ControlConfig& c) {
  c.present = true;
  static constexpr std::size_t kMaxSocketPath = 107;
  if (const auto path = s.name("socket", Need::required)) {
    c.socket = s.resolve_path(*path);
    if (c.socket.size() > kMaxSocketPath)
      s.error("socket", "path \"" + c.socket + "\" is " + std::to_string(c.socket.size()) +
                            " bytes; a Unix socket path holds at most " +
                            std::to_string(kMaxSocketPath));
  }
  if (const auto log = s.name("audit_log", Need::optional)) {
    c.audit_log = s.resolve_path(*log);
  } else if (!c.socket.empty()) {
    const std::filesystem::path dir = std::filesystem::path(c.socket).parent_path();
    c.audit_log =
        dir.empty() ? std::string("control-audit.log") : (dir / "control-audit.log").string();
  }
  if (const auto ms = s.integer("snapshot_ms", Need::optional, Range{20.0, 1000.0, false, false}))
    c.snapshot_ms = static_cast<int>(*ms);
}

}  // namespace

void add_control_table(ConfigSchema& schema, ControlConfig& control) {
  schema.add_table("control", Need::optional,
                   [&control](ConfigSection& s) { read_control(s, control); });
}

}  // namespace ballast
