// The seam through which an executable joins a venue simulator to the engine in one
// process ([venue] embedded = true). The runtime starts it before any route connects,
// freezes its clock at shutdown and stops it before the gateways close, and carries its
// report into the summary; it never links the simulator (sim -> core only).
#pragma once

#include <string>

namespace ballast::runtime {

// The simulator's own account of the run, rendered by the simulator: `json` is one JSON
// object (the summary's "venue" value), `text` one line for the text summary.
struct EmbeddedVenueReport {
  std::string json;
  std::string text;
};

class EmbeddedVenue {
 public:
  virtual ~EmbeddedVenue() = default;
  // Listening when it returns. Throws std::invalid_argument for a [venue] the simulator
  // refuses (exit 2), std::runtime_error otherwise (a port taken, a store refused).
  virtual void start() = 0;
  // Freezes the simulated clock: no fills or funding the engine would not see.
  virtual void pause() noexcept = 0;
  // Logs its sessions out and stops; idempotent.
  virtual void stop() = 0;
  [[nodiscard]] virtual EmbeddedVenueReport report() const = 0;
  // "listening on FIX port 9876, WebSocket port 9443 (TLS)", for the start-up line.
  [[nodiscard]] virtual std::string describe() const = 0;
};

}  // namespace ballast::runtime
