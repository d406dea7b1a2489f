// The venue simulator's FIX 4.4 order entry: a QuickFIX acceptor (behind the C++14 seam
// fix_acceptor.hpp) in front of a VenueSimulation. One venue account per FIX session
// (created at its first logon, kept across reconnects); NewOrderSingle /
// OrderCancelRequest / OrderCancelReplaceRequest go to the SimulatedVenue as WireOrders,
// cancels and replaces; every Execution the venue reports for a FIX account goes back as
// an ExecutionReport (or OrderCancelReject) on that account's session.
//
// Threads: QuickFIX calls back on its socket thread; step_to is called by the owner's
// loop. Both take one mutex around the simulation (this is the simulator, not the hot
// path) and drain the venue's events under it into an outbound queue, in order. A sender
// thread owned by the server hands that queue to QuickFIX holding none of our locks, so
// no lock of ours is ever held while calling into QuickFIX.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ballast/venue/account.hpp"
#include "ballast/venue/simulation.hpp"
#include "ballast/venue/venue_fault.hpp"
#include "ballast/venue/venue_summary.hpp"
#include "fix_acceptor.hpp"

namespace ballast::venue {

struct VenueFixServerOptions {
  venue_fix::AcceptorOptions fix;  // port, FileStore path, comp ids
  // The account each FIX session gets (name: the session id).
  AccountConfig client_account{"", 1e9, false, false};
  // Market data: an incremental refresh per subscribed symbol at most this often (wall
  // clock), and only when its top of book, mark, index or funding rate changed.
  double md_interval_ms = 100.0;
};

// FIX text for the venue's reasons (exposed for tests).
[[nodiscard]] int fix_ord_rej_reason(RejectReason r) noexcept;
[[nodiscard]] int fix_cxl_rej_reason(RejectReason r) noexcept;

class VenueFixServer final : private venue_fix::AcceptorEvents {
 public:
  // `sim` must outlive the server and, once start() is called, only be touched through
  // step_to / with_simulation. Throws std::runtime_error on bad acceptor settings.
  VenueFixServer(VenueSimulation& sim, const VenueFixServerOptions& options);
  ~VenueFixServer();
  VenueFixServer(const VenueFixServer&) = delete;
  VenueFixServer& operator=(const VenueFixServer&) = delete;

  void start();  // listens; throws std::runtime_error when the acceptor cannot start
  void stop();   // idempotent; the destructor calls it

  // Advances the simulation (prices, quotes, funding, expiry) and reports what it did.
  void step_to(std::int64_t sim_ns);

  // Runs `f(VenueSimulation&)` under the server's lock; events it causes are reported.
  template <class F>
  decltype(auto) with_simulation(F&& f) {
    std::lock_guard lock(mu_);
    struct Drain {
      VenueFixServer& s;
      ~Drain() { s.drain_locked('1'); }
    } drain{*this};
    return f(sim_);
  }

  [[nodiscard]] std::optional<AccountId> account_of(const std::string& session) const;
  [[nodiscard]] std::size_t logged_on_sessions() const;
  [[nodiscard]] VenueFixCounters counters() const;
  [[nodiscard]] std::vector<std::string> session_ids() const { return acceptor_->session_ids(); }
  [[nodiscard]] std::vector<VenueClientSummary> clients() const;

  // Carries out one fault command (ballast/venue/venue_fault.hpp); "" when done, else why not (an
  // unknown symbol). Thread-safe; `drop` returns before the sessions are down.
  [[nodiscard]] std::string apply_fault(const FaultCommand& command);
  [[nodiscard]] std::int64_t delay_ms() const noexcept { return delay_ms_.load(); }

 private:
  struct Client {
    std::string session;
    AccountId account = kNoAccount;
    bool logged_on = false;
    std::unordered_map<std::string, std::uint64_t> ids;  // ClOrdID text -> venue id
    std::vector<std::string> texts;                      // venue id - 1 -> ClOrdID text
    // The last report per ClOrdID (venue id), for OrderStatusRequest.
    std::unordered_map<std::uint64_t, venue_fix::OutboundExecution> last_exec;
    // Market data subscriptions (kept across reconnects: a snapshot follows each logon).
    struct MdState {
      std::int64_t bid = 0, bid_lots = 0, ask = 0, ask_lots = 0;
      double mark = 0.0, index = 0.0, funding = 0.0;
      bool operator==(const MdState&) const = default;
    };
    struct MdSub {
      bool active = false;
      std::string req_id;
      MdState last;
      std::chrono::steady_clock::time_point sent{};
    };
    std::array<MdSub, kMaxInstruments> md{};
    double funding_received = 0.0;
    double funding_paid = 0.0;
    std::uint64_t funding_payments = 0;
    std::uint64_t intern(const std::string& text);
    [[nodiscard]] std::string text(std::uint64_t id) const;
  };
  enum class OutKind : std::uint8_t {
    exec,
    cancel_reject,
    market_data,
    md_reject,
    funding,
    positions_ack,
    position
  };
  struct Outbound {
    std::string session;
    OutKind kind = OutKind::exec;
    venue_fix::OutboundExecution exec;
    venue_fix::OutboundCancelReject reject;
    venue_fix::OutboundMarketData md;
    venue_fix::OutboundMdReject md_reject;
    venue_fix::OutboundFunding funding;
    venue_fix::OutboundPositionAck positions_ack;
    venue_fix::OutboundPosition position;
    std::chrono::steady_clock::time_point queued{};
  };

  void on_logon(const std::string& session) override;
  void on_logout(const std::string& session) override;
  venue_fix::InboundVerdict on_order(const std::string& session,
                                     const venue_fix::InboundOrder& order) override;
  venue_fix::InboundVerdict on_market_data_request(
      const std::string& session, const venue_fix::InboundMarketDataRequest& request) override;
  // AO then one AP per non-zero derivative position of the session's account, queued
  // behind every report already queued (so an answer never overtakes a fill).
  venue_fix::InboundVerdict on_positions_request(
      const std::string& session, const venue_fix::InboundPositionRequest& request) override;

  venue_fix::InboundVerdict status_request(Client& c, const venue_fix::InboundOrder& o);
  // Market data, all under mu_.
  [[nodiscard]] Client::MdState md_state(InstrumentId i) const;
  void send_md_locked(Client& c, InstrumentId i, bool incremental);
  void snapshot_all_locked(Client& c);
  void snapshot_symbol_locked(InstrumentId i);  // every subscriber (after unfreeze)
  void publish_md_locked();
  void remember(Client& c, std::uint64_t id, const venue_fix::OutboundExecution& e);

  venue_fix::InboundVerdict new_order(Client& c, const venue_fix::InboundOrder& o);
  venue_fix::InboundVerdict cancel_order(Client& c, const venue_fix::InboundOrder& o);
  venue_fix::InboundVerdict replace_order(Client& c, const venue_fix::InboundOrder& o);
  void reject_new(Client& c, const venue_fix::InboundOrder& o, RejectReason why);
  void reject_cancel(Client& c, const venue_fix::InboundOrder& o, char response_to,
                     RejectReason why);

  // Turns the venue's executions into outbound messages and clears them. Needs mu_.
  void drain_locked(char response_to);
  void enqueue(Outbound&& out);
  void sender_loop();

  VenueSimulation& sim_;
  VenueFixServerOptions options_;

  mutable std::mutex mu_;  // the simulation, the clients, the counters
  std::unordered_map<std::string, std::unique_ptr<Client>> clients_;  // by session id
  std::unordered_map<AccountId, Client*> by_account_;
  VenueFixCounters counters_;

  std::mutex out_mu_;
  std::condition_variable out_cv_;
  std::deque<Outbound> out_;
  bool stopping_ = false;
  std::thread sender_;
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> send_failures_{0};
  std::atomic<std::int64_t> delay_ms_{0};    // the `delay` fault
  std::atomic<bool> mute_positions_{false};  // the `mute-positions` fault

  std::unique_ptr<venue_fix::FixAcceptor> acceptor_;
  bool started_ = false;
};

}  // namespace ballast::venue
