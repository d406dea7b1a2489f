// The simulator's table of the config file, [venue]: how the simulated market moves, where
// it listens, its faults. Read by add_venue_table(); `ballast-venue` and an embedded venue
// (`ballast run`, embedded = true) turn it into a simulation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ballast/core/config_section.hpp"

namespace ballast {

// [venue]: the venue simulator, run inside `ballast run` (embedded = true) or read by
// `ballast-venue` (its command-line flags override these). Plain data: sim turns it
// into a simulation.
struct VenueSimConfig {
  bool present = false;   // a [venue] table was given
  int line = 0;           // of the table, for checks across tables
  bool embedded = false;  // `ballast run` starts the simulator in-process
  int port = 9878;        // FIX acceptor port
  std::string store_dir;  // QuickFIX FileStore of the acceptor ("" = state_dir/venue or a temp)
  std::uint64_t seed = 1;
  double volatility = 0.5;              // annualised, every asset
  double correlation = 0.0;             // pairwise between asset walks, in [-1, 1)
  double jump_per_day = 0.0;            // expected jumps per simulated day
  double jump_size = 0.0;               // jump size, as a fraction (sign random)
  double speed = 1.0;                   // simulated seconds per wall second
  std::int64_t funding_interval_s = 0;  // > 0 overrides every perpetual's interval
  double cash = 0.0;      // the FIX client's starting cash; 0 = [portfolio] margin_balance
  std::string feed_file;  // replay CSV for the venue's marks instead of random walks
  double tick_interval_ms = 100.0;  // market data publication period
  // Quote size per level of the market maker, in quote currency (0: its default of 10
  // lots, thin for a hedge of tens of thousands); five levels a side.
  double depth_notional = 0.0;
  // Faults at wall-clock seconds since the venue started, "SECONDS COMMAND"
  // (commands: docs/fix-dialect.md).
  std::vector<std::string> faults;
  // The WebSocket server (sim/ws): 0 = none. TLS when both PEM files are given.
  int ws_port = 0;
  std::string ws_cert_file;
  std::string ws_key_file;
  // The API key it accepts and the secret it checks signatures with (TOML: api_key,
  // api_secret, optional account), mode 0600/0400; "" = BALLAST_API_KEY/BALLAST_API_SECRET.
  std::string ws_credentials_file;
  std::int64_t ws_recv_window_ms = 5000;  // the largest recvWindow accepted
};

namespace venue {
// Registers [venue] (optional) with its reader; faults are checked with the simulator's
// own grammar (venue_fault.hpp).
void add_venue_table(ConfigSchema& schema, VenueSimConfig& venue);
}  // namespace venue

}  // namespace ballast
