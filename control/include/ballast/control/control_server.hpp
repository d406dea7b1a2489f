// ControlServer: the operator's side of the engine. Its own thread runs a poll() loop over
// the control socket and up to 16 clients; queries are answered from the engine's latest
// snapshot, commands go to the engine thread over the ControlPort and their replies come
// back the same way. Nothing here can block the engine: it never waits on this thread.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ballast/control/control_config.hpp"
#include "ballast/control/snapshot_json.hpp"
#include "ballast/core/config.hpp"
#include "ballast/core/control.hpp"

namespace ballast::control {

struct ControlServerOptions {
  std::string socket_path;     // [control] socket
  std::string audit_log_path;  // [control] audit_log
  // Reads the config file again for `reload`, with every table the engine was started
  // with (the runtime passes its own loader); empty: core's tables and [control] only.
  std::function<ConfigLoadResult(const std::string& path)> load_config;
  uid_t allowed_uid = ::geteuid();
  // Tick-to-order numbers for `latency` (the pipeline's telemetry); empty = zeros.
  std::function<LatencyNumbers()> latency;
  // Why each venue last went down, for `status` and the console; empty = not said.
  VenueProblemLookup venue_problem;
  std::chrono::milliseconds reply_timeout{2000};  // then "engine did not answer"
  std::size_t max_clients = 16;
  std::size_t max_output_backlog = 1 << 20;  // a client further behind is dropped
};

class ControlServer {
 public:
  ControlServer(ControlPort& port, BallastConfig config, ControlServerOptions options);
  // The options of a [control] table: its socket and audit log.
  [[nodiscard]] static ControlServerOptions options_for(const ControlConfig& control);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Takes the socket, opens the audit log and starts the thread. On refusal returns the
  // one-line reason (another engine holds the socket, a foreign owner, ...).
  [[nodiscard]] std::optional<std::string> start();
  // Joins the thread, closes every client and unlinks the socket. Idempotent.
  void stop();

  // What the server believes is live (the start config plus successful set-target and
  // reload changes); the next reload is diffed against it.
  [[nodiscard]] BallastConfig live_config() const;
  [[nodiscard]] std::size_t clients() const noexcept { return clients_.load(); }
  [[nodiscard]] std::uint64_t clients_dropped() const noexcept { return dropped_.load(); }
  // Audit lines that could not be written (disk full, I/O error): each is also told to
  // stderr and to every subscriber as an "audit_write_failed" alert.
  [[nodiscard]] std::uint64_t audit_failures() const noexcept { return audit_failures_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<std::size_t> clients_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> audit_failures_{0};
};

}  // namespace ballast::control
