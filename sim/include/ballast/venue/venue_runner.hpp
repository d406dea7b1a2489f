// VenueRunner: the whole venue simulator as one object, as `ballast-venue` runs it and as
// `ballast run` embeds it ([venue] embedded = true). Built from a Ballast config (the
// universe and [market] prices) and a VenueSimConfig ([venue], with command-line
// overrides applied by the caller), it owns the VenueSimulation, the FIX acceptor
// (VenueFixServer: order entry, market data, funding, docs/fix-dialect.md) and a stepping
// thread that moves the simulated clock to start + wall elapsed * speed every ~10 ms,
// publishes market data and runs the scheduled faults. With [venue] ws_port != 0 it also
// owns a VenueWsServer (sim/ws: the same books and accounts in Binance's USDⓈ-M
// dialect over WebSocket), stepped by the same thread.
//
// Library: ballast::venue_fix (link it; QuickFIX stays behind its C++14 seam).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/config.hpp"
#include "ballast/venue/venue_config.hpp"
#include "ballast/venue/venue_summary.hpp"

namespace ballast::venue {

// Every problem with `venue` for this config, one message each ("" never): bad numbers,
// bad fault lines ("faults[2]: ..."), unknown symbols in them, an unreadable or empty
// feed_file, assets without a [market] price. Empty = VenueRunner will accept it. The
// CLI and the config loader print these and exit 2.
[[nodiscard]] std::vector<std::string> validate_venue_config(const BallastConfig& config,
                                                             const VenueSimConfig& venue);

struct VenueRunnerOptions {
  std::vector<std::string> target_comp_ids;  // one FIX session each; empty: {"BALLAST"}
  std::string log_dir;                       // QuickFIX message log; empty: none
  int heartbeat_s = 30;
  std::int64_t start_ns = 0;  // the simulated clock at start (Unix ns); 0: now
  int step_ms = 10;           // wall time between steps
  // Called on the stepping thread with the ack (or "bad command") line of each scheduled
  // fault as it runs. Must not throw.
  std::function<void(const std::string& line)> on_fault;
};

struct VenueRunSummary {
  VenueFixCounters counters;
  bool ws_enabled = false;  // a WebSocket server ran ([venue] ws_port != 0)
  int ws_port = 0;
  VenueWsCounters ws;  // its counters (zero when none)
  std::vector<VenueClientSummary> clients;
  double wall_seconds = 0.0;  // since start()
  double sim_seconds = 0.0;   // simulated time since start()
  std::uint64_t faults_applied = 0;
  std::uint64_t faults_refused = 0;
};

// One line, e.g. "ballast-venue: stopped: logons=1 orders=3 ... | BALLAST: cash=... fees=...
// funding_received=... funding_paid=... BTCUSDT-PERP=0.01".
[[nodiscard]] std::string format_summary(const VenueRunSummary& summary,
                                         std::string_view prefix = "ballast-venue: stopped:");

class VenueRunner {
 public:
  // Throws std::invalid_argument with validate_venue_config's messages (joined by "; ")
  // when they are not empty, std::runtime_error when QuickFIX refuses the settings.
  // The FileStore is venue.store_dir, else config.state_dir + "/venue", else a directory
  // under the system temp dir named for this process.
  VenueRunner(const BallastConfig& config, const VenueSimConfig& venue,
              VenueRunnerOptions options = {});
  ~VenueRunner();  // stops
  VenueRunner(const VenueRunner&) = delete;
  VenueRunner& operator=(const VenueRunner&) = delete;

  // Listens and starts the clock. Throws std::runtime_error (e.g. the port is taken).
  // Once only: a stopped runner does not start again (build a new one on the same store).
  void start();
  // Idempotent: logs the sessions out, stops the thread and the acceptor.
  void stop();
  [[nodiscard]] bool running() const noexcept;
  // Freezes the simulated clock (no prices, funding, expiry, market data or scheduled
  // faults) while the FIX session keeps serving; unpausing continues from the same
  // simulated time. For a clean end: pause, let the client drain, then compare summaries
  // (funding keeps settling while the clock runs, client connected or not).
  void pause(bool paused) noexcept;
  [[nodiscard]] bool paused() const noexcept;

  // Applies one fault command line (docs/fix-dialect.md) and returns the line to print:
  // "ballast-venue: fault <command>" or "ballast-venue: bad command: <line>" (`why`, when
  // given, gets the reason). Thread-safe; works before start() too (faults then apply
  // from the first step).
  std::string command(std::string_view line, std::string* why = nullptr);

  [[nodiscard]] VenueRunSummary summary() const;
  [[nodiscard]] int port() const noexcept;
  // The WebSocket server's port (sim/ws/README.md); 0 when there is none.
  [[nodiscard]] int ws_port() const noexcept;
  [[nodiscard]] bool ws_tls() const noexcept;
  [[nodiscard]] const std::string& store_dir() const noexcept;
  [[nodiscard]] std::int64_t sim_now_ns() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ballast::venue
