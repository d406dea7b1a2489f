// PositionReconciler: squares the engine's futures positions with what each venue says it
// holds. After every logon (and every [recovery] check_s while running) a venue is asked
// for its positions; until its whole answer is in, that venue is not in sync and the
// engine does not trade. The venue is authoritative: a line that differs is adopted and
// recorded. Allocation-free; owned and driven by EngineCore on the engine thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "ballast/core/client_order_id.hpp"
#include "ballast/core/config.hpp"
#include "ballast/core/control.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/model.hpp"

namespace ballast {

// One instrument on which the engine and its venue disagreed.
struct ReconcileRecord {
  std::int64_t wall_ns = 0;
  std::int64_t engine_lots = 0;  // what the engine held (journal, [portfolio], fills)
  std::int64_t venue_lots = 0;   // what the venue says it holds: now the engine's too
  InstrumentId instrument = kNoInstrument;
  VenueId venue = 0;
  bool halted = false;  // [recovery] on_mismatch = "halt" stopped trading over it
};

inline constexpr std::size_t kMaxReconcileRecords = 32;

class PositionReconciler {
 public:
  PositionReconciler(const Universe& universe, const RecoveryConfig& config) noexcept;

  // Asks `venue` now: fills `out` with the positions request (its client_order_id is
  // `request_id`, which every line and the end of the answer carry back) and marks the
  // venue asking. False when no instrument trades there (nothing to ask about).
  bool ask(VenueId venue, std::int64_t now_ns, OrderRequest& out,
           std::uint64_t request_id) noexcept;
  // A replay's ask: the journalled request, so an answer meets the state it met live.
  void asked_as(VenueId venue, std::uint64_t request_id) noexcept;
  // A report of one of our orders at `venue` while it is being asked: the answer may
  // predate it, so it is not compared (asked again).
  void note_activity(VenueId venue) noexcept {
    if (venue < activity_.size()) activity_[venue] = true;
  }
  // The venue went away mid-answer: the lines so far are dropped, the next logon asks
  // again (and the venue stays out of sync until then).
  void on_session_down(VenueId venue) noexcept;
  // One line of an answer. False when it makes no sense (not asked, another request's,
  // wrong venue, an instrument of another venue): counted by the caller, never applied.
  bool on_line(const ExecReport& line) noexcept;
  // The answer is complete (its line count says how many lines it had; fewer arrived, or
  // an order of ours there moved meanwhile: asked again). When `compare` (no order of
  // the venue's in flight), every
  // derivative of the venue is compared with `portfolio` and a difference is adopted
  // into it and recorded; returns how many differed. Otherwise nothing is applied and
  // the venue is asked again on the next poll. `now_ns` monotonic, `wall_ns` realtime.
  std::size_t on_end(const ExecReport& end, PortfolioState& portfolio, bool compare, bool halting,
                     std::int64_t now_ns, std::int64_t wall_ns) noexcept;

  // Due work at `now_ns`: a venue whose answer is late becomes unanswered (returned
  // through `late`, once) and is asked again; an in-sync venue whose check is due (and
  // whose `idle` flag is set) is asked. Writes requests into `out`; returns how many.
  std::size_t poll(std::int64_t now_ns, const std::array<bool, kMaxVenues>& idle,
                   const std::array<bool, kMaxVenues>& up, ClientOrderIdGenerator& ids,
                   OrderRequest* out, std::size_t max, VenueId* late,
                   std::size_t* late_count) noexcept;
  // When poll next has something to do (a cheap test on every tick).
  [[nodiscard]] std::int64_t next_due_ns() const noexcept { return next_due_ns_; }

  [[nodiscard]] VenueSync state(VenueId venue) const noexcept {
    return venue < state_.size() ? state_[venue] : VenueSync::in_sync;
  }
  [[nodiscard]] bool all_in_sync() const noexcept;
  // The id of the request `venue` is (or was last) asked with.
  [[nodiscard]] std::uint64_t request(VenueId venue) const noexcept {
    return venue < request_.size() ? request_[venue] : 0;
  }
  // `venue` has answered at least once (since this engine started).
  [[nodiscard]] bool answered(VenueId venue) const noexcept {
    return venue < checked_.size() && checked_[venue];
  }
  [[nodiscard]] std::uint64_t asked() const noexcept { return asked_; }
  [[nodiscard]] std::uint64_t answers() const noexcept { return answers_; }
  [[nodiscard]] std::uint64_t mismatches() const noexcept { return mismatch_total_; }
  // The most recent differences, oldest first (at most kMaxReconcileRecords).
  [[nodiscard]] std::size_t record_count() const noexcept;
  [[nodiscard]] const ReconcileRecord& record(std::size_t k) const noexcept;

 private:
  void recompute_due() noexcept;
  void forget_lines(VenueId venue) noexcept;

  const Universe& universe_;
  std::int64_t check_ns_;
  std::int64_t timeout_ns_;
  std::array<VenueSync, kMaxVenues> state_{};
  std::array<bool, kMaxVenues> checked_{};
  std::array<bool, kMaxVenues> again_{};     // answered while our orders were in flight there
  std::array<bool, kMaxVenues> activity_{};  // our orders there moved since the ask
  std::array<std::uint64_t, kMaxVenues> request_{};  // the request being answered
  std::array<std::int64_t, kMaxVenues>
      received_{};  // its lines so far  //
                    // answered at least once: periodic checks apply
  std::array<std::int64_t, kMaxVenues> asked_ns_{};
  std::array<std::int64_t, kMaxVenues> answered_ns_{};
  std::array<FuturesPosition, kMaxInstruments> lines_{};
  std::array<bool, kMaxInstruments> named_{};
  std::array<ReconcileRecord, kMaxReconcileRecords> records_{};
  std::uint64_t mismatch_total_ = 0;
  std::uint64_t asked_ = 0;
  std::uint64_t answers_ = 0;
  std::int64_t next_due_ns_ = INT64_MAX;
};

}  // namespace ballast
