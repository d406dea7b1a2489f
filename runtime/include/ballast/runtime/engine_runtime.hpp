// EngineRuntime: one engine, built from a config and run, the same for a live venue, the
// simulator and a replay. It owns the feed, the control socket, the order routes, the
// risk gate, the engine core and the pinned-thread pipeline, starts them in the order
// that lets nothing trade half-wired, and stops them in the order that lets both sides
// end with the same account. `ballast run` is build -> start -> run_until -> shutdown.
#pragma once

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ballast/runtime/embedded_venue.hpp"
#include "ballast/runtime/run_config.hpp"
#include "ballast/runtime/run_summary.hpp"

namespace ballast::runtime {

// What the runtime takes from outside rather than making: the embedded simulator (the
// executable adapts one; the runtime never links it) and where progress lines go.
struct RuntimeParts {
  std::unique_ptr<EmbeddedVenue> venue;  // required when [venue] embedded = true
  std::FILE* log = stderr;               // start-up, status and error lines
  // How the executable read the config, so a `reload` reads it again with the same tables.
  std::function<ConfigLoadResult(const std::string& path)> load_config;
  // `ballast reconcile`: the journal is read, never written; no control socket; the engine
  // starts paused (nothing is traded) and only asks the venues what they hold.
  bool reconcile_only = false;
};

struct StopWhen {
  std::optional<double> duration_s;          // wall seconds since start()
  const std::atomic<int>* signal = nullptr;  // non-zero: SIGINT or SIGTERM arrived
  // Stop once every venue behind a session has answered a positions request and none is
  // being asked (`ballast reconcile`).
  bool once_reconciled = false;
};

class EngineRuntime {
 public:
  struct Built {
    std::unique_ptr<EngineRuntime> runtime;  // null on failure
    int exit_code = 0;                       // 2 bad input, 1 runtime failure
  };
  // Loads the feed, binds the control socket (a second engine stops here, before any
  // venue or thread), starts the embedded venue, builds the routes and the engine.
  // Failures are written to parts.log, one line each.
  [[nodiscard]] static Built build(const RunConfig& config, RuntimeParts parts);

  ~EngineRuntime();
  EngineRuntime(const EngineRuntime&) = delete;
  EngineRuntime& operator=(const EngineRuntime&) = delete;

  // Starts the pipeline's threads, then the sessions. 0, or 1 if a session cannot start
  // (the pipeline is stopped again).
  [[nodiscard]] int start();
  // A status line on parts.log every second until the feed ends, the duration passes or
  // a signal arrives.
  void run_until(const StopWhen& stop);
  // Drains, stops every part in order and says what the run did.
  [[nodiscard]] RunSummary shutdown();

 private:
  struct Parts;
  explicit EngineRuntime(std::unique_ptr<Parts> parts);
  [[nodiscard]] static int build_feed(Parts& p);
  [[nodiscard]] static int build_control(Parts& p);
  [[nodiscard]] static int build_journal(Parts& p);
  [[nodiscard]] static int build_venue(Parts& p);
  [[nodiscard]] static int build_engine(Parts& p);
  void print_status() const;
  void wait_for_sessions_to_close() const;
  [[nodiscard]] RunSummary summarize(double elapsed_s, bool drained) const;
  [[nodiscard]] bool reconciled() const;
  void wait_for(const StopWhen& stop);

  std::unique_ptr<Parts> p_;
};

}  // namespace ballast::runtime
