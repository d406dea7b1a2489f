// The venue simulator's WebSocket server: the same VenueSimulation as the FIX acceptor,
// served in Binance's USDⓈ-M futures dialect (market streams, the WebSocket API at
// /ws-fapi/v1, user-data streams), plain or TLS, on its own Boost.Beast io_context thread.
//
// Threads: one io thread owns every connection. Everything that touches the simulation
// runs under the lock that guards it (options.run_locked: VenueFixServer::with_simulation
// inside VenueRunner, else the server's own mutex), and what it produces (responses,
// ORDER_TRADE_UPDATEs, market data) is posted to the io thread *while that lock is held*,
// so messages leave in the order the venue produced them. Protocol: sim/ws/README.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ballast/venue/account.hpp"
#include "ballast/venue/simulation.hpp"
#include "ballast/venue/venue_summary.hpp"
#include "ws_protocol.hpp"

namespace ballast::venue {

struct VenueWsServerOptions {
  int port = 0;  // 0: an ephemeral port (see port())
  std::string bind_address = "127.0.0.1";
  std::string tls_cert_file;                // PEM chain; with tls_key_file: wss only
  std::string tls_key_file;                 // PEM private key
  std::vector<ws::Credential> credentials;  // API keys accepted, each trading one account
  std::int64_t recv_window_ms = 5000;       // the largest recvWindow accepted
  // The account each credential's `account` gets (name replaced), created on first use.
  // Margin is checked (-2019), as on Binance.
  AccountConfig client_account{"", 1e9, false, true};
  // Market streams: publish at most this often (wall clock); 0 = every step_to.
  double md_interval_ms = 100.0;
  // Runs a function under the lock that guards the simulation. Empty: the server's own
  // mutex, and the server clears the venue's events after reading them (nobody else
  // does). Set by VenueRunner to VenueFixServer::with_simulation, whose drain clears them.
  std::function<void(const std::function<void(VenueSimulation&)>&)> run_locked;
};

class VenueWsServer {
 public:
  // `sim` must outlive the server and, once started, only be touched under the lock of
  // options.run_locked. Throws std::invalid_argument for unreadable TLS files.
  VenueWsServer(VenueSimulation& sim, VenueWsServerOptions options);
  ~VenueWsServer();  // stops
  VenueWsServer(const VenueWsServer&) = delete;
  VenueWsServer& operator=(const VenueWsServer&) = delete;

  void start();  // binds and starts the io thread; std::runtime_error when the port is taken
  void stop();   // idempotent: every connection is closed, the thread joined
  [[nodiscard]] int port() const noexcept;  // the bound port once started
  [[nodiscard]] bool tls() const noexcept;

  // Steps the simulation to `sim_ns` (ignored when not ahead of its clock), reports what
  // it did to the WebSocket accounts and publishes the market streams that are due.
  void step_to(std::int64_t sim_ns);
  // Publishes the market streams now (what step_to does after stepping), due or not.
  void publish_now();

  // Resets every WebSocket connection (TCP RST, no close frame): the `drop` fault.
  // Returns at once; the connections go down on the io thread. Returns how many were open.
  std::size_t drop_all();

  [[nodiscard]] VenueWsCounters counters() const;
  // The WebSocket accounts (session "ws:<account>").
  [[nodiscard]] std::vector<VenueClientSummary> clients() const;
  // The venue account of a credential's account name, once it has traded or been queried.
  [[nodiscard]] std::optional<AccountId> account_of(const std::string& account) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace ballast::venue
