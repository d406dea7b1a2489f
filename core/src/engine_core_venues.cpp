// EngineCore and its venues: sessions that drop and come back (orders in flight marked
// unknown, then asked about), the positions each venue is asked for and squared with
// (PositionReconciler), and the state a journal's replay restores before the engine runs.
#include <cstdint>

#include "ballast/core/clock.hpp"
#include "ballast/core/engine_core.hpp"
#include "ballast/core/valuation.hpp"

namespace ballast {

void EngineCore::on_session(const ExecReport& r) noexcept {
  if (r.venue >= venue_up_.size()) return;
  const bool up = r.kind == ExecKind::session_up;
  venue_up_[r.venue] = up;
  ++(up ? stats_.session_ups : stats_.session_downs);
  alert(up ? AlertKind::session_up : AlertKind::session_down, r.venue);
  auto on_venue = [&](InstrumentId i) { return config_.universe.instruments[i].venue == r.venue; };
  if (up) {
    // Ask now, for every order lost with the session: the queries are due before any
    // resent report could settle an order (they come after the logon).
    for (std::size_t k = 0; k < open_.count && query_count_ < queries_.size(); ++k) {
      OpenOrder& o = open_.orders[k];
      if (!o.unknown || o.queried || !on_venue(o.instrument)) continue;
      queries_[query_count_++] = o.to_request(RequestKind::status);
      o.queried = true;
    }
    // Then what the venue holds: asked after the status queries, so on a venue that
    // answers in order every fill we missed is applied before its positions arrive.
    // Journalled as asked (a replay asks where the live engine asked, with its id).
    if (config_.recovery.reconcile && query_count_ < queries_.size() &&
        reconciler_.ask(r.venue, TscClock::to_ns(TscClock::now()), queries_[query_count_],
                        ids_.next()))
      journal(JournalEvent::order_sent(queries_[query_count_++], wall_now_ns()));
    return;
  }
  reconciler_.on_session_down(r.venue);
  const bool halt_on_loss = reloaded_ ? halt_on_session_loss_ : config_.risk.halt_on_session_loss;
  if (halt_on_loss && !halted_) {
    halted_ = true;
    halted_by_session_loss_ = true;
    flattening_ = false;
    alert(AlertKind::halted_on_loss, r.venue);
    set_mode(TradingState::halted);
  }
  // Queries not yet handed out for this venue would go to a dead session.
  std::size_t kept = 0;
  for (std::size_t k = 0; k < query_count_; ++k)
    if (!on_venue(queries_[k].instrument)) queries_[kept++] = queries_[k];
  query_count_ = kept;
  for (std::size_t k = 0; k < open_.count; ++k) {
    OpenOrder& o = open_.orders[k];
    if (!on_venue(o.instrument)) continue;
    if (!o.unknown) ++stats_.orders_marked_unknown;
    o.unknown = true;
    o.queried = false;  // a query sent before the drop may be lost with it
  }
}

std::size_t EngineCore::take_status_queries(OrderRequest* out, std::size_t max) noexcept {
  const std::size_t n = query_count_ < max ? query_count_ : max;
  for (std::size_t k = 0; k < n; ++k) out[k] = queries_[k];
  for (std::size_t k = n; k < query_count_; ++k) queries_[k - n] = queries_[k];
  query_count_ -= n;
  for (std::size_t k = 0; k < n; ++k)
    ++(out[k].kind == RequestKind::positions ? stats_.position_queries : stats_.status_queries);
  return n;
}

bool EngineCore::orders_open_on(VenueId venue) const noexcept {
  for (std::size_t k = 0; k < open_.count; ++k)
    if (config_.universe.instruments[open_.orders[k].instrument].venue == venue) return true;
  return false;
}

// The venue's answer is complete. Compared only when nothing of ours is in flight there:
// a venue whose fills and answers travel on different connections (Binance's user stream
// and its API) could count a fill we have not seen yet.
void EngineCore::on_positions_end(const ExecReport& r) noexcept {
  const std::uint64_t answers = reconciler_.answers();
  const std::uint64_t before = reconciler_.mismatches();
  const bool halting = config_.recovery.halt_on_mismatch;
  const std::size_t differ = reconciler_.on_end(r, portfolio_, !orders_open_on(r.venue), halting,
                                                TscClock::to_ns(TscClock::now()), wall_now_ns());
  if (reconciler_.answers() == answers) {  // not asked: a stray or repeated end
    ++stats_.position_lines_bad;
    return;
  }
  ++stats_.position_answers;
  if (differ == 0) return;
  const std::uint64_t kept = reconciler_.mismatches() - reconciler_.record_count();
  for (std::uint64_t m = before > kept ? before : kept; m < reconciler_.mismatches(); ++m) {
    const ReconcileRecord& rec =
        reconciler_.record(reconciler_.record_count() - (reconciler_.mismatches() - m));
    alert(AlertKind::position_mismatch, rec.venue, rec.instrument,
          static_cast<double>(rec.venue_lots), static_cast<double>(rec.engine_lots));
  }
  // A position adopted without an entry price (the venue gave none, or it flipped side)
  // is valued from the mark now: its profit so far is the venue's, not ours to count.
  for (std::size_t i = 0; i < config_.universe.instruments.size(); ++i) {
    FuturesPosition& p = portfolio_.positions[i];
    if (p.lots != 0 && p.entry_price == 0.0 && market_->mark[i] > 0.0)
      p.entry_price = market_->mark[i];
  }
  tracker_.reset(portfolio_, *market_);
  refresh_ready();  // an adopted position needs its mark before trading
  if (halting && !halted_) {
    halted_ = true;
    flattening_ = false;
    set_mode(TradingState::halted);
  }
}

void EngineCore::poll_reconciler(std::int64_t now_ns) noexcept {
  std::array<bool, kMaxVenues> idle{};
  for (std::size_t v = 0; v < idle.size(); ++v) idle[v] = !orders_open_on(static_cast<VenueId>(v));
  std::array<VenueId, kMaxVenues> late{};
  std::size_t late_count = 0;
  const std::size_t asked =
      reconciler_.poll(now_ns, idle, venue_up_, ids_, queries_.data() + query_count_,
                       queries_.size() - query_count_, late.data(), &late_count);
  for (std::size_t k = 0; k < asked; ++k)
    journal(JournalEvent::order_sent(queries_[query_count_ + k], wall_now_ns()));
  query_count_ += asked;
  for (std::size_t k = 0; k < late_count; ++k) alert(AlertKind::positions_unanswered, late[k]);
}

// The venue's count is the truth: fills we missed while disconnected are applied now, at
// the order's average price (the venue's status carries no per-fill detail or fee).
void EngineCore::on_status(std::size_t k, const ExecReport& r) noexcept {
  ++stats_.status_replies;
  OpenOrder& o = open_.orders[k];
  const std::int64_t missed = r.cum_lots - o.filled_lots;
  if (missed > 0 && r.last_price_ticks > 0) {
    const InstrumentSpec& spec = config_.universe.instruments[r.instrument];
    apply_fill(config_.universe, portfolio_, r.instrument, o.signed_lots(missed),
               static_cast<double>(r.last_price_ticks) * spec.tick_size_d, 0.0);
    ++stats_.fills;
    o.filled_lots = r.cum_lots;
    tracker_.reset(portfolio_, *market_);
  }
  switch (r.status) {
    case OrderStatus::open:
      o.unknown = false;
      o.lots = r.leaves_lots;
      if (r.leaves_lots == 0) remove_open(k);
      return;
    case OrderStatus::unknown:
      ++stats_.orders_lost;
      remove_open(k);
      return;
    case OrderStatus::rejected:
      ++stats_.rejects;
      remove_open(k);
      return;
    case OrderStatus::filled:
    case OrderStatus::canceled:
    case OrderStatus::expired:
    case OrderStatus::none:
      remove_open(k);
      return;
  }
}

void EngineCore::on_funding(const ExecReport& r) noexcept {
  portfolio_.cash -= r.fee;
  stats_.funding_paid += r.fee;
  ++stats_.fundings;
  tracker_.reset(portfolio_, *market_);
}

void EngineCore::restore_portfolio(const PortfolioState& portfolio) noexcept {
  portfolio_ = portfolio;
  tracker_.reset(portfolio_, *market_);
  refresh_ready();
}

void EngineCore::restore_sent(const JournalEvent& sent) noexcept {
  if (sent.request == RequestKind::positions) {
    if (sent.instrument < config_.universe.instruments.size())
      reconciler_.asked_as(config_.universe.instruments[sent.instrument].venue,
                           sent.client_order_id);
    return;
  }
  if (sent.request == RequestKind::cancel) {
    for (std::size_t k = 0; k < open_.count; ++k)
      if (open_.orders[k].client_order_id == sent.client_order_id)
        open_.orders[k].cancelling = true;
    return;
  }
  if (sent.request != RequestKind::new_order || open_.count >= open_.orders.size()) return;
  OpenOrder& o = open_.orders[open_.count++];
  o = OpenOrder{};
  o.instrument = sent.instrument;
  o.side = sent.side;
  o.lots = sent.lots;
  o.limit_ticks = sent.price_ticks;
  o.client_order_id = sent.client_order_id;
  o.reason = sent.reason;
}

// Only what the operator did: a halt by a lost session, the breaker or NAV is the
// engine's reaction to that run's events, and a restart starts from its own.
OperatorState EngineCore::operator_state() const noexcept {
  const TradingState mode = killed_                           ? TradingState::halted
                            : mode_ == TradingState::reducing ? TradingState::reducing
                                                              : TradingState::active;
  return OperatorState{paused_, killed_, flattening_, mode, targets_};
}

void EngineCore::restore_operator_state(const OperatorState& state) noexcept {
  paused_ = state.paused;
  halted_ = halted_ || state.halted;
  killed_ = state.halted;
  flattening_ = state.flattening;
  const TradingState mode = halted_ ? TradingState::halted : state.mode;
  if (mode != mode_) set_mode(mode);
  targets_ = state.targets;
  targets_changed();
}

void EngineCore::adopt_open_orders(const OpenOrderSet& orders) noexcept {
  open_ = orders;
  for (std::size_t k = 0; k < open_.count; ++k) {
    OpenOrder& o = open_.orders[k];
    if (!o.unknown) ++stats_.orders_marked_unknown;
    o.unknown = true;
    o.queried = false;
    o.cancelling = false;  // a cancel sent before the stop is answered, if at all, by status
  }
}

}  // namespace ballast
