// The engine's logic, free of threads and queues: a tick updates the touched instrument's
// mark, the drift tracker updates that asset's exposure and NAV incrementally, the
// trigger is evaluated, and when it fires the planner's orders go through the pre-trade
// gate and out as OrderRequests. Execution reports update positions. Allocation-free
// after construction; the EngineAgent (pipeline.hpp) moves its inputs and outputs.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ballast/core/client_order_id.hpp"
#include "ballast/core/config.hpp"
#include "ballast/core/control.hpp"
#include "ballast/core/drift_tracker.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/journal_event.hpp"
#include "ballast/core/order_gate.hpp"
#include "ballast/core/planner.hpp"
#include "ballast/core/position_reconciler.hpp"
#include "ballast/core/recent_fill_ids.hpp"

namespace ballast {

struct EngineStats {
  std::uint64_t ticks = 0;
  std::uint64_t triggers = 0;    // ticks on which the trigger fired
  std::uint64_t rebalances = 0;  // plans that sent at least one order
  std::uint64_t orders = 0;
  std::uint64_t risk_rejects = 0;
  std::uint64_t shrunk = 0;
  std::uint64_t fills = 0;
  std::uint64_t rejects = 0;  // venue rejects
  std::uint64_t unknown_reports = 0;
  std::uint64_t orders_ring_full = 0;  // orders held back because the order ring was full
  double fees_paid = 0.0;
  double funding_paid = 0.0;  // negative = received
  std::uint64_t fundings = 0;
  std::uint64_t session_downs = 0;
  std::uint64_t session_ups = 0;
  std::uint64_t orders_marked_unknown = 0;  // in flight when their venue's session dropped
  std::uint64_t status_queries = 0;
  std::uint64_t position_queries = 0;    // positions requests sent (each logon, each check)
  std::uint64_t position_answers = 0;    // complete answers
  std::uint64_t position_lines_bad = 0;  // answer lines not applied (not asked, wrong venue)
  std::uint64_t status_replies = 0;
  std::uint64_t orders_lost = 0;            // the venue never got them (status: unknown order)
  std::uint64_t ticks_venue_down = 0;       // ticks not traded on: a venue down or orders unknown
  std::uint64_t ticks_paused = 0;           // ticks not traded on: paused or halted
  std::uint64_t cancels_sent = 0;           // cancel requests (kill)
  std::uint64_t cancels_refused = 0;        // the venue refused a cancel (the order was done)
  std::uint64_t pairs_held = 0;             // synthetic pairs not sent: risk refused one leg
  std::uint64_t plans_not_worth_cost = 0;   // cut by risk to less than its cost: not sent
  std::uint64_t breaker_halts = 0;          // halted by [risk] max_consecutive_rejects
  std::uint64_t ticks_held = 0;             // ticks held by the price-jump filter
  std::uint64_t price_jumps_confirmed = 0;  // held jumps a second tick confirmed
  std::uint64_t journal_refused = 0;        // events the journal could not take: HALTED
  std::uint64_t duplicate_fills = 0;        // fills whose execution id was applied before
  double max_abs_drift_first = -1.0;        // at the first fully priced valuation
  double max_abs_drift_peak = 0.0;
};

// What the operator's commands left behind: pause, kill (HALTED), reduce-only, flatten,
// the targets set-target changed. A restart keeps it (a kill switch survives a crash).
struct OperatorState {
  bool paused = false;
  bool halted = false;
  bool flattening = false;
  TradingState mode = TradingState::active;
  TargetTable targets{};
};

class EngineCore {
 public:
  // wall_offset_ns: realtime - monotonic at start-up, to evaluate calendar triggers.
  EngineCore(const BallastConfig& config, OrderGate& gate, ClientOrderIdGenerator& ids,
             std::int64_t wall_offset_ns);

  // Applies one tick; writes the orders it leads to into `out` (room for `max`), returns
  // how many. `popped_tsc` is when the engine took the tick off its ring.
  std::size_t on_tick(const MarketTick& tick, std::uint64_t popped_tsc, OrderRequest* out,
                      std::size_t max) noexcept;
  void on_exec(const ExecReport& report) noexcept;
  // Every order sent (new and cancel), every report and every operator command goes to
  // `tap` from then on. A refused event halts trading for good: a journal with a hole
  // cannot be recovered from, so resume() does not clear it.
  void set_journal(JournalTap* tap) noexcept { journal_ = tap; }
  [[nodiscard]] bool journal_lost() const noexcept { return journal_lost_; }

  // Recovery, before the engine runs. A journal is replayed through an EngineCore (the
  // code that applied each event live): restore_portfolio puts the seed in place,
  // restore_sent re-opens an order the journal says went out (a cancel marks its order
  // cancelling), reports go through on_exec. The engine that then runs takes the
  // replay's portfolio and open orders; adopt_open_orders marks each unknown (its state
  // went with the process): the venue is asked about it once its session is up.
  void restore_portfolio(const PortfolioState& portfolio) noexcept;
  void restore_sent(const JournalEvent& sent) noexcept;
  void adopt_open_orders(const OpenOrderSet& orders) noexcept;
  [[nodiscard]] const OpenOrderSet& open_orders() const noexcept { return open_; }
  // The replay's operator state, taken by the engine that runs (restore_operator_state);
  // the replay gets there by applying each journalled command through apply_control.
  [[nodiscard]] OperatorState operator_state() const noexcept;
  void restore_operator_state(const OperatorState& state) noexcept;
  // The execution ids of the fills applied (the replay's, then the run's own).
  [[nodiscard]] const RecentFillIds& fill_ids() const noexcept { return *fill_ids_; }
  void restore_fill_ids(const RecentFillIds& ids) noexcept { *fill_ids_ = ids; }
  // Queries due, in order: a status query per order whose state was lost with its venue's
  // session (once that session is back), then that venue's positions request; and the
  // periodic positions checks. Written into `out`, returns how many. Not trades: the
  // sink asks the venue (RequestKind::status / positions) and the answers come back as
  // ExecKind::status / position + positions_end.
  std::size_t take_status_queries(OrderRequest* out, std::size_t max) noexcept;
  // A venue whose gateway has a session starts down and comes up with its session_up
  // report; until then, and while any order's state is unknown, the engine does not trade.
  void set_venue_up(VenueId venue, bool up) noexcept;
  [[nodiscard]] bool venue_up(VenueId venue) const noexcept {
    return venue < venue_up_.size() && venue_up_[venue];
  }
  [[nodiscard]] std::size_t unknown_orders() const noexcept;
  // Positions asked for and squared with each venue ([recovery]); a venue not in sync is
  // not traded on.
  [[nodiscard]] const PositionReconciler& reconciler() const noexcept { return reconciler_; }
  // [risk] on_session_loss = "halt": a dropped session halts trading (orders in flight are
  // still resolved by status queries); only resume() lets the engine trade again.
  [[nodiscard]] bool halted() const noexcept { return halted_; }
  // The operator's resume: clears pause, flatten and halt, back to ACTIVE.
  void resume() noexcept;

  // One operator command (control.hpp), applied on the engine thread when it is idle.
  // Writes the cancel requests it leads to (kill) into `out` (room for `max`) and returns
  // how many; fills `reply`. Allocation-free.
  std::size_t apply_control(const ControlCommand& command, ControlReply& reply, OrderRequest* out,
                            std::size_t max) noexcept;
  // Everything the operator sees, except `version` (the publisher counts). Allocation-free.
  void fill_snapshot(EngineSnapshot& out) noexcept;
  [[nodiscard]] TradingState mode() const noexcept { return mode_; }
  [[nodiscard]] bool paused() const noexcept { return paused_; }
  [[nodiscard]] bool flattening() const noexcept { return flattening_; }
  // The live targets and policy (the config's, until a set-target or reload changes them).
  [[nodiscard]] const TargetTable& targets() const noexcept { return targets_; }
  [[nodiscard]] const PolicyConfig& policy() const noexcept { return policy_; }

  // The engine has nothing in flight: every order it sent is done (filled/cancelled).
  [[nodiscard]] bool settled() const noexcept { return open_.count == 0; }
  [[nodiscard]] const EngineStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const PortfolioState& portfolio() const noexcept { return portfolio_; }
  [[nodiscard]] const MarketState& market() const noexcept { return *market_; }
  [[nodiscard]] const Valuation& valuation() noexcept { return tracker_.valuation(); }
  // Largest |drift| over the assets with a target (an untargeted base currency has no band).
  [[nodiscard]] double max_abs_drift() noexcept;
  // Trading waits until every targeted or held asset has a spot price and every held
  // futures position a mark, all from live ticks ([market] prices are for `plan` only).
  [[nodiscard]] bool ready() const noexcept { return ready_; }

 private:
  void remove_open(std::size_t k) noexcept;
  void refresh_ready() noexcept;
  void on_session(const ExecReport& r) noexcept;
  void on_status(std::size_t k, const ExecReport& r) noexcept;
  void on_funding(const ExecReport& r) noexcept;
  void on_positions_end(const ExecReport& r) noexcept;
  // The reconciler's due work (late answers, periodic checks) at `now_ns`.
  void poll_reconciler(std::int64_t now_ns) noexcept;
  [[nodiscard]] bool orders_open_on(VenueId venue) const noexcept;
  // True when the tick's price is held by the jump filter (not applied).
  [[nodiscard]] bool hold_price_jump(InstrumentId i, double mark, double index) noexcept;
  [[nodiscard]] bool can_trade() const noexcept;
  std::size_t flatten_step(const GateView& view, const PlanContext& ctx, const MarketTick& tick,
                           std::uint64_t popped_tsc, OrderRequest* out, std::size_t max) noexcept;
  // The tick's stamps and the time planning finished, for every order of this tick.
  [[nodiscard]] static StageStamps stage_stamps(const MarketTick& tick,
                                                std::uint64_t popped_tsc) noexcept;
  // The one way out for an order the gate admitted (asked_lots: its size before risk).
  void emit_admitted(const PlanContext& ctx, PlannedOrder& order, std::int64_t asked_lots,
                     const StageStamps& stamps, std::int64_t now_ns, OrderRequest& r) noexcept;
  // Records an order as in flight and fills its request.
  void add_open(const PlannedOrder& order, OrderRequest& r) noexcept;
  void on_denied(std::int64_t now_ns) noexcept;
  void set_mode(TradingState mode) noexcept;
  std::size_t kill(OrderRequest* out, std::size_t max) noexcept;
  ControlResult set_target(const ControlCommand& c, double& weight_sum) noexcept;
  ControlResult apply_reload(const ControlCommand& c, double& weight_sum) noexcept;
  [[nodiscard]] bool holds_derivatives() const noexcept;
  // Targets changed: the base currency's remainder, the tracker and readiness follow.
  void targets_changed() noexcept;
  void alert(AlertKind kind, std::uint16_t detail, InstrumentId instrument = kNoInstrument,
             double value = 0.0, double limit = 0.0) noexcept;
  bool journal(const JournalEvent& event) noexcept;
  std::size_t journal_sent(OrderRequest* out, std::size_t n, std::int64_t now_ns) noexcept;
  [[nodiscard]] std::int64_t wall_now_ns() const noexcept;

  const BallastConfig& config_;
  OrderGate& gate_;
  ClientOrderIdGenerator& ids_;
  std::int64_t wall_offset_ns_;
  // Live copies: set-target and reload change them; the tracker reads targets_, so both
  // are declared before it.
  TargetTable targets_;
  PolicyConfig policy_;
  PortfolioState portfolio_;
  std::unique_ptr<MarketState> market_;
  DriftTracker tracker_;
  std::unique_ptr<PlanResult> plan_;
  OpenOrderSet open_;  // one record per order in flight; risk reads the same table
  // Queries queued at session_up, in order; a reply still comes (and is counted) when a
  // resent report settles the order first.
  std::array<OrderRequest, kMaxOpenOrders + kMaxVenues> queries_{};
  std::size_t query_count_ = 0;
  std::array<bool, kMaxVenues> venue_up_{};
  PositionReconciler reconciler_;
  std::unique_ptr<RecentFillIds> fill_ids_ = std::make_unique<RecentFillIds>();  // 64 KiB
  bool halted_ = false;
  bool killed_ = false;  // halted by the operator's kill (what a restart keeps)
  bool halted_by_session_loss_ = false;
  bool paused_ = false;
  bool flattening_ = false;
  TradingState mode_ = TradingState::active;
  // [risk] on_session_loss: the config's until a reload replaces it.
  bool reloaded_ = false;
  bool halt_on_session_loss_ = false;
  std::array<AlertRecord, kSnapshotAlerts> alerts_{};
  std::uint64_t alert_total_ = 0;
  // The last risk_denied alert, so a denial repeated every tick raises one alert a second.
  RiskCheck denial_alert_check_ = RiskCheck::none;
  InstrumentId denial_alert_instrument_ = kNoInstrument;
  std::int64_t denial_alert_ns_ = 0;
  std::optional<std::int64_t> last_rebalance_s_;
  double max_price_jump_;  // [risk] max_price_jump, live (reload); read every tick
  std::array<double, kMaxInstruments> held_mark_{};  // the tick the jump filter holds
  bool ready_ = false;
  JournalTap* journal_ = nullptr;
  bool journal_lost_ = false;
  EngineStats stats_;
};

}  // namespace ballast
