#include "ballast/core/engine_core.hpp"

#include <cmath>
#include <limits>

#include "ballast/core/clock.hpp"

namespace ballast {

EngineCore::EngineCore(const BallastConfig& config, OrderGate& gate, ClientOrderIdGenerator& ids,
                       std::int64_t wall_offset_ns)
    : config_(config),
      gate_(gate),
      ids_(ids),
      wall_offset_ns_(wall_offset_ns),
      targets_(config.targets),
      policy_(config.policy),
      portfolio_(config.portfolio),
      market_(std::make_unique<MarketState>()),
      tracker_(config.universe, targets_),
      plan_(std::make_unique<PlanResult>()),
      reconciler_(config.universe, config.recovery),
      last_rebalance_s_(config.last_rebalance_unix_s),
      max_price_jump_(config.risk.max_price_jump) {
  // Live prices only: the [market] snapshot is what `plan` values, not what the engine
  // trades on. The base currency is worth 1 by definition.
  market_->spot_price[config.universe.base_currency] = 1.0;
  tracker_.reset(portfolio_, *market_);
  venue_up_.fill(true);
}

void EngineCore::set_venue_up(VenueId venue, bool up) noexcept {
  if (venue < venue_up_.size()) venue_up_[venue] = up;
}

std::size_t EngineCore::unknown_orders() const noexcept {
  std::size_t n = 0;
  for (std::size_t k = 0; k < open_.count; ++k) n += open_.orders[k].unknown ? 1u : 0u;
  return n;
}

// One rule for every venue: the planner may use any instrument, so a venue that is down
// (or an order whose fate is unknown) stops all trading until it is resolved.
bool EngineCore::can_trade() const noexcept {
  if (halted_ || journal_lost_) return false;
  for (bool up : venue_up_)
    if (!up) return false;
  if (!reconciler_.all_in_sync()) return false;
  for (std::size_t k = 0; k < open_.count; ++k)
    if (open_.orders[k].unknown) return false;
  return true;
}

void EngineCore::refresh_ready() noexcept {
  const Universe& u = config_.universe;
  for (std::size_t a = 0; a < u.assets.size(); ++a) {
    if (a == u.base_currency) continue;
    const bool needed = targets_[a].configured || portfolio_.spot_qty[a] != 0.0;
    if (needed && !(market_->spot_price[a] > 0.0)) {
      ready_ = false;
      return;
    }
  }
  for (std::size_t i = 0; i < u.instruments.size(); ++i) {
    if (portfolio_.positions[i].lots != 0 && !(market_->mark[i] > 0.0)) {
      ready_ = false;
      return;
    }
  }
  ready_ = true;
}

std::size_t EngineCore::on_tick(const MarketTick& tick, std::uint64_t popped_tsc, OrderRequest* out,
                                std::size_t max) noexcept {
  ++stats_.ticks;
  const InstrumentId i = tick.instrument;
  if (i >= config_.universe.instruments.size()) return 0;
  const InstrumentSpec& spec = config_.universe.instruments[i];
  const double mid = tick.bid > 0.0 && tick.ask > 0.0 ? 0.5 * (tick.bid + tick.ask) : 0.0;
  const double mark = tick.mark > 0.0 ? tick.mark : mid;
  if (!(mark > 0.0)) return 0;
  const std::int64_t now_ns = TscClock::to_ns(tick.recv_tsc);
  if (now_ns >= reconciler_.next_due_ns()) poll_reconciler(now_ns);

  const bool first_price = !(market_->mark[i] > 0.0);
  if (!first_price && hold_price_jump(i, mark, tick.index)) return 0;
  market_->mark[i] = mark;
  market_->updated_ns[i] = now_ns;
  if (spec.kind == InstrumentKind::perpetual) market_->funding_rate[i] = tick.funding_rate;
  bool spot_changed = false;
  if (!spec.is_derivative()) {
    market_->spot_price[spec.base] = mark;
    market_->spot_updated_ns[spec.base] = now_ns;
    spot_changed = true;
  } else if (tick.index > 0.0 &&
             config_.universe.assets[spec.base].spot_instrument == kNoInstrument) {
    // No spot pair for this asset: the venue's index is its spot price.
    market_->spot_price[spec.base] = tick.index;
    market_->spot_updated_ns[spec.base] = now_ns;
    spot_changed = true;
  }
  tracker_.on_mark(i, portfolio_, *market_);
  if (spot_changed) tracker_.on_spot_price(spec.base, portfolio_, *market_);
  if (first_price || spot_changed) {
    if (!ready_) refresh_ready();
  }
  if (!ready_) return 0;

  const Valuation& v = tracker_.valuation();
  if (stats_.max_abs_drift_first < 0.0) stats_.max_abs_drift_first = max_abs_drift();
  // NAV <= 0 is an error state, not a book to rebalance (DOMAIN.md, Risk): halt, once,
  // and tell the operator; only an operator's resume (after a fix) trades again.
  if (!v.nav_positive) {
    if (!halted_) {
      halted_ = true;
      flattening_ = false;
      alert(AlertKind::nav_nonpositive, 0, kNoInstrument, v.nav, 0.0);
      set_mode(TradingState::halted);
    }
    return 0;
  }
  const std::int64_t now_s = (now_ns + wall_offset_ns_) / 1'000'000'000;
  gate_.on_nav(v.nav, now_s);
  const TriggerDecision trigger = evaluate_trigger(policy_, targets_, v, now_s, last_rebalance_s_,
                                                   config_.universe.base_currency);
  // One rebalance at a time: while orders are in flight the book is not what it seems.
  if (open_.count > 0) return 0;
  // The operator's pause and halt: valued and tracked, but nothing new goes out.
  if (paused_ || halted_) {
    ++stats_.ticks_paused;
    return 0;
  }
  if (!can_trade()) {
    ++stats_.ticks_venue_down;
    return 0;
  }
  const PlanContext ctx{config_.universe,     targets_, policy_, portfolio_, *market_, now_s,
                        /*value_after=*/false};
  const GateView view{portfolio_, *market_, v, open_, now_ns};
  if (flattening_) return flatten_step(view, ctx, tick, popped_tsc, out, max);
  if (!trigger.fire) return 0;
  ++stats_.triggers;

  HedgePlanner::plan(ctx, v, trigger, *plan_);
  const StageStamps stamps = stage_stamps(tick, popped_tsc);

  std::size_t n = 0;
  // A synthetic pair goes out whole, as planned, or not at all: one leg alone (or cut
  // short) is a naked position, not a delta-neutral adjustment. Legs already admitted are taken
  // back (never sent: the requests leave only when this returns); the throttle tokens they took
  // stay taken.
  const bool pair = policy_.method == HedgeMethod::synthetic_pair;
  const std::uint16_t open_before = open_.count;
  bool cut = false;  // risk refused or shrank an order of this plan
  for (std::size_t k = 0; k < plan_->order_count && n < max; ++k) {
    PlannedOrder& order = plan_->orders[k];
    const std::int64_t planned_lots = order.lots;
    const bool admitted = gate_.admit(order, view);
    if (!admitted) {
      ++stats_.risk_rejects;
      on_denied(now_ns);
      order.blocked = true;
    }
    cut |= !admitted || order.lots != planned_lots;
    if (pair && (!admitted || order.lots != planned_lots)) {  // refused or cut: hold the pair
      open_.count = open_before;
      n = 0;
      ++stats_.pairs_held;
      break;
    }
    if (!admitted) continue;
    if (open_.count >= open_.orders.size()) break;
    emit_admitted(ctx, order, planned_lots, stamps, now_ns, out[n++]);
  }
  // What risk let out of a cut plan must still be worth its cost, as `plan` weighs it
  // (HedgePlanner::reweigh); if not, none of it goes. The check costs nothing otherwise.
  if (n > 0 && cut && !HedgePlanner::reweigh(ctx, v, *plan_)) {
    open_.count = open_before;
    n = 0;
    ++stats_.plans_not_worth_cost;
  }
  n = journal_sent(out, n, now_ns);
  if (n > 0) {
    ++stats_.rebalances;
    stats_.orders += n;
    last_rebalance_s_ = now_s;
    const std::uint64_t done = TscClock::now();
    for (std::size_t k = 0; k < n; ++k) out[k].stamps.risk_done = done;
  }
  return n;
}

StageStamps EngineCore::stage_stamps(const MarketTick& tick, std::uint64_t popped_tsc) noexcept {
  StageStamps s;
  s.tick_recv = tick.recv_tsc;
  s.engine_popped = popped_tsc;
  s.planned = TscClock::now();
  return s;
}

// Every order the engine sends (rebalance, unwind, flatten) leaves here once the gate has
// admitted it: a size risk cut is re-priced, the order is recorded as open under a fresh
// client id, stamped, and its throttle token taken.
void EngineCore::emit_admitted(const PlanContext& ctx, PlannedOrder& order, std::int64_t asked_lots,
                               const StageStamps& stamps, std::int64_t now_ns,
                               OrderRequest& r) noexcept {
  if (order.lots != asked_lots) {
    ++stats_.shrunk;
    HedgePlanner::resize(ctx, order, order.lots);
  }
  add_open(order, r);
  r.stamps.tick_recv = stamps.tick_recv;
  r.stamps.engine_popped = stamps.engine_popped;
  r.stamps.planned = stamps.planned;
  gate_.on_sent(order, now_ns);
}

void EngineCore::add_open(const PlannedOrder& order, OrderRequest& r) noexcept {
  OpenOrder& o = open_.orders[open_.count++];
  o = OpenOrder{};
  o.instrument = order.instrument;
  o.side = order.side;
  o.lots = order.lots;
  o.limit_ticks = order.limit_ticks;
  o.client_order_id = ids_.next();
  o.reason = order.reason;
  r = o.to_request(RequestKind::new_order);
}

void EngineCore::remove_open(std::size_t k) noexcept {
  open_.orders[k] = open_.orders[open_.count - 1u];
  --open_.count;
}

void EngineCore::on_exec(const ExecReport& r) noexcept {
  // A fill applied before (resent, or replayed after a restart) is not news: dropped
  // before the journal, so the journal holds each venue fill once.
  if ((r.kind == ExecKind::fill || r.kind == ExecKind::partial_fill) &&
      fill_ids_->contains(r.exec_id)) {
    ++stats_.duplicate_fills;
    return;
  }
  journal(JournalEvent::report_of(r, wall_now_ns()));
  switch (r.kind) {
    case ExecKind::session_down:
    case ExecKind::session_up:
      on_session(r);
      return;
    case ExecKind::funding:
      on_funding(r);
      return;
    case ExecKind::position:
      if (!reconciler_.on_line(r)) ++stats_.position_lines_bad;
      return;
    case ExecKind::positions_end:
      on_positions_end(r);
      return;
    default:
      break;
  }
  std::size_t k = 0;
  while (k < open_.count && open_.orders[k].client_order_id != r.client_order_id) ++k;
  if (k < open_.count && r.kind != ExecKind::status)  // (a status reply is a query's answer)
    reconciler_.note_activity(config_.universe.instruments[open_.orders[k].instrument].venue);
  if (k == open_.count) {
    // A status reply for an order a resent report already settled is expected.
    ++(r.kind == ExecKind::status ? stats_.status_replies : stats_.unknown_reports);
    return;
  }
  if (r.kind == ExecKind::status) {
    on_status(k, r);
    return;
  }
  // A refused cancel leaves the order as it was: still open, and a later kill may retry.
  if (r.kind == ExecKind::ack && (r.reject_code & kRejectCodeCancelRefused) != 0) {
    open_.orders[k].cancelling = false;
    ++stats_.cancels_refused;
    return;
  }
  if (r.last_lots > 0 && (r.kind == ExecKind::fill || r.kind == ExecKind::partial_fill)) {
    const InstrumentSpec& spec = config_.universe.instruments[r.instrument];
    const std::int64_t signed_lots = r.side == Side::buy ? r.last_lots : -r.last_lots;
    apply_fill(config_.universe, portfolio_, r.instrument, signed_lots,
               static_cast<double>(r.last_price_ticks) * spec.tick_size_d, r.fee);
    stats_.fees_paid += r.fee;
    ++stats_.fills;
    fill_ids_->insert(r.exec_id);
    {
      const double price = static_cast<double>(r.last_price_ticks) * spec.tick_size_d;
      const double contracts = static_cast<double>(r.last_lots) * spec.lot_size_d;
      // Inverse fees are booked in coin (apply_fill); the breakers count quote.
      gate_.on_fill(spec.notional(contracts, price), spec.is_inverse() ? r.fee * price : r.fee);
    }
    open_.orders[k].filled_lots += r.last_lots;
    open_.orders[k].lots = r.leaves_lots;
    tracker_.reset(portfolio_, *market_);  // positions changed: re-anchor
  }
  const bool done = r.kind == ExecKind::fill || r.kind == ExecKind::canceled ||
                    r.kind == ExecKind::rejected || r.kind == ExecKind::expired ||
                    (r.leaves_lots == 0 && r.kind == ExecKind::partial_fill);
  if (r.kind == ExecKind::rejected) {
    ++stats_.rejects;
    alert(AlertKind::venue_reject, static_cast<std::uint16_t>(r.reject_code & 0xFFu), r.instrument);
    if (gate_.on_venue_reject() && !halted_) {  // a venue refusing everything: stop asking
      halted_ = true;
      flattening_ = false;
      ++stats_.breaker_halts;
      alert(AlertKind::breaker_halted, 0, r.instrument, static_cast<double>(stats_.rejects), 0.0);
      set_mode(TradingState::halted);
    }
  }
  if (done) remove_open(k);
}

// The price-jump filter: a mark more than [risk] max_price_jump from the last accepted
// one (and from the tick's index, when it carries one) is held, not applied, until a
// second tick lands within the limit of it (confirmed) or of the old price (a blip).
bool EngineCore::hold_price_jump(InstrumentId i, double mark, double index) noexcept {
  const double limit = max_price_jump_;
  const double last = market_->mark[i];
  const double jump = std::fabs(mark / last - 1.0);
  if (!(limit > 0.0) || jump <= limit || (index > 0.0 && std::fabs(mark / index - 1.0) <= limit)) {
    market_->held_jump[i] = 0.0;
    return false;
  }
  const double held = held_mark_[i];
  if (market_->held_jump[i] > 0.0 && held > 0.0 && std::fabs(mark / held - 1.0) <= limit) {
    market_->held_jump[i] = 0.0;  // two ticks agree: the market moved
    ++stats_.price_jumps_confirmed;
    return false;
  }
  if (!(market_->held_jump[i] > 0.0)) alert(AlertKind::price_held, 0, i, jump, limit);
  market_->held_jump[i] = jump;
  held_mark_[i] = mark;
  ++stats_.ticks_held;
  return true;
}

// Over the assets with a target (and so a band): an untargeted base currency is the
// remainder, and its weight is what the targeted bands leave, not a drift to correct.
double EngineCore::max_abs_drift() noexcept {
  const Valuation& v = tracker_.valuation();
  double m = 0.0;
  for (std::size_t a = 0; a < v.asset_count; ++a)
    if (targets_[a].configured) m = std::fmax(m, std::fabs(v.drift[a]));
  if (m > stats_.max_abs_drift_peak) stats_.max_abs_drift_peak = m;
  return m;
}

// ---- The operator's control channel

void EngineCore::alert(AlertKind kind, std::uint16_t detail, InstrumentId instrument, double value,
                       double limit) noexcept {
  AlertRecord& a = alerts_[alert_total_ % alerts_.size()];
  ++alert_total_;
  a = AlertRecord{alert_total_, TscClock::to_ns(TscClock::now()), value, limit, instrument, kind,
                  detail};
}

// A denial repeated every tick (the drift stays out of band, the limit stays tight) is
// one alert a second, not one a tick: the ring must keep room for other news.
void EngineCore::on_denied(std::int64_t now_ns) noexcept {
  const GateDenial d = gate_.last_denial();
  const bool same = d.check == denial_alert_check_ && d.instrument == denial_alert_instrument_;
  if (same && alert_total_ > 0 && now_ns - denial_alert_ns_ < 1'000'000'000) return;
  denial_alert_check_ = d.check;
  denial_alert_instrument_ = d.instrument;
  denial_alert_ns_ = now_ns;
  alert(AlertKind::risk_denied, static_cast<std::uint16_t>(d.check), d.instrument, d.value,
        d.limit);
}

void EngineCore::set_mode(TradingState mode) noexcept {
  gate_.set_mode(mode);
  if (mode == mode_) return;
  mode_ = mode;
  alert(AlertKind::mode_changed, static_cast<std::uint16_t>(mode));
}

void EngineCore::resume() noexcept {
  if (paused_) alert(AlertKind::paused, 0);
  gate_.rearm_breakers();
  paused_ = false;
  flattening_ = false;
  halted_by_session_loss_ = false;
  killed_ = false;
  // A journal with a hole stays HALTED: what it lacks must be checked against the venue.
  halted_ = journal_lost_;
  set_mode(journal_lost_ ? TradingState::halted : TradingState::active);
}

bool EngineCore::holds_derivatives() const noexcept {
  const Universe& u = config_.universe;
  for (std::size_t i = 0; i < u.instruments.size(); ++i)
    if (u.instruments[i].is_derivative() && portfolio_.positions[i].lots != 0) return true;
  return false;
}

// One closing order per open futures position, priced like the planner's orders (a
// marketable limit from the cost model) and through the gate, which may shrink it: a
// tight max_order_notional closes the position in several risk-checked slices.
std::size_t EngineCore::flatten_step(const GateView& view, const PlanContext& ctx,
                                     const MarketTick& tick, std::uint64_t popped_tsc,
                                     OrderRequest* out, std::size_t max) noexcept {
  if (!holds_derivatives()) {
    flattening_ = false;
    alert(AlertKind::flatten_done, 0);
    return 0;
  }
  const StageStamps stamps = stage_stamps(tick, popped_tsc);
  const Universe& u = config_.universe;
  std::size_t n = 0;
  for (std::size_t i = 0; i < u.instruments.size() && n < max; ++i) {
    const InstrumentSpec& spec = u.instruments[i];
    const std::int64_t lots = portfolio_.positions[i].lots;
    if (!spec.is_derivative() || lots == 0 || !(market_->mark[i] > 0.0)) continue;
    if (open_.count >= open_.orders.size()) break;
    PlannedOrder order;
    order.instrument = static_cast<InstrumentId>(i);
    order.asset = spec.base;
    order.side = lots > 0 ? Side::sell : Side::buy;
    order.reason = OrderReason::flatten;
    const std::int64_t size = lots > 0 ? lots : -lots;
    HedgePlanner::resize(ctx, order, size);
    order.requested_lots = size;
    if (!gate_.admit(order, view)) {
      ++stats_.risk_rejects;
      on_denied(view.now_ns);
      continue;
    }
    emit_admitted(ctx, order, size, stamps, view.now_ns, out[n++]);
  }
  n = journal_sent(out, n, view.now_ns);
  stats_.orders += n;
  const std::uint64_t done = TscClock::now();
  for (std::size_t k = 0; k < n; ++k) out[k].stamps.risk_done = done;
  return n;
}

std::size_t EngineCore::kill(OrderRequest* out, std::size_t max) noexcept {
  halted_ = true;
  killed_ = true;
  flattening_ = false;
  set_mode(TradingState::halted);
  std::size_t n = 0;
  for (std::size_t k = 0; k < open_.count && n < max; ++k) {
    OpenOrder& o = open_.orders[k];
    // An order whose state went with its session is asked about first (status query);
    // a cancel to a dead session would only be refused.
    if (o.cancelling || o.unknown) continue;
    if (!venue_up(config_.universe.instruments[o.instrument].venue)) continue;
    OrderRequest& r = out[n++];
    r = o.to_request(RequestKind::cancel);
    r.request_id = ids_.next();
    o.cancelling = true;
    journal(JournalEvent::order_sent(r, wall_now_ns()));
  }
  stats_.cancels_sent += n;
  return n;
}

namespace {

// Configured target weights other than the base currency's (its weight is the remainder).
double configured_weight_sum(const TargetTable& targets, std::size_t assets,
                             AssetId base) noexcept {
  double sum = 0.0;
  for (std::size_t a = 0; a < assets; ++a)
    if (a != base && targets[a].configured) sum += targets[a].weight;
  return sum;
}

constexpr double kWeightSumTolerance = 1e-9;

}  // namespace

void EngineCore::targets_changed() noexcept {
  const Universe& u = config_.universe;
  if (u.base_currency < u.assets.size())
    targets_[u.base_currency].weight =
        1.0 - configured_weight_sum(targets_, u.assets.size(), u.base_currency);
  tracker_.reset(portfolio_, *market_);
  refresh_ready();  // a newly targeted asset needs its price before trading
}

ControlResult EngineCore::set_target(const ControlCommand& c, double& weight_sum) noexcept {
  const Universe& u = config_.universe;
  weight_sum = configured_weight_sum(targets_, u.assets.size(), u.base_currency);
  if (c.asset >= u.assets.size()) return ControlResult::unknown_asset;
  if (c.asset == u.base_currency) return ControlResult::base_currency;
  if (!(c.weight >= 0.0 && c.weight <= 1.0)) return ControlResult::bad_weight;
  if (c.has_band && !(c.band > 0.0 && c.band < 1.0)) return ControlResult::bad_band;
  TargetSpec& t = targets_[c.asset];
  const double after = weight_sum - (t.configured ? t.weight : 0.0) + c.weight;
  if (after > 1.0 + kWeightSumTolerance) {
    weight_sum = after;
    return ControlResult::weights_exceed_one;
  }
  // A newly targeted asset hedges with every derivative on it, in the universe's order
  // (what a [[target]] would list); the planner then picks the cheapest to carry.
  if (!t.configured && t.hedge_count == 0) {
    for (std::size_t i = 0; i < u.instruments.size() && t.hedge_count < t.hedge_with.size(); ++i)
      if (u.instruments[i].is_derivative() && u.instruments[i].base == c.asset)
        t.hedge_with[t.hedge_count++] = static_cast<InstrumentId>(i);
  }
  t.configured = true;
  t.weight = c.weight;
  if (c.has_band) t.band = c.band;
  targets_changed();
  weight_sum = after;
  return ControlResult::ok;
}

ControlResult EngineCore::apply_reload(const ControlCommand& c, double& weight_sum) noexcept {
  const Universe& u = config_.universe;
  weight_sum = configured_weight_sum(c.targets, u.assets.size(), u.base_currency);
  if (!(weight_sum <= 1.0 + kWeightSumTolerance)) return ControlResult::weights_exceed_one;
  targets_ = c.targets;
  policy_ = c.policy;
  gate_.set_limits(c.limits, c.policy);
  reloaded_ = true;
  halt_on_session_loss_ = c.limits.halt_on_session_loss;
  max_price_jump_ = c.limits.max_price_jump;
  targets_changed();
  return ControlResult::ok;
}

std::size_t EngineCore::apply_control(const ControlCommand& c, ControlReply& reply,
                                      OrderRequest* out, std::size_t max) noexcept {
  reply = ControlReply{};
  reply.seq = c.seq;
  ControlResult result = ControlResult::ok;
  std::size_t n = 0;
  if (c.deadline_ns > 0 && TscClock::to_ns(TscClock::now()) > c.deadline_ns) {
    journal(JournalEvent::control_of(c, ControlResult::expired, wall_now_ns()));
    reply.result = ControlResult::expired;
    reply.mode = mode_;
    reply.paused = paused_;
    reply.flattening = flattening_;
    return 0;
  }
  switch (c.op) {
    case ControlOp::pause:
      if (!paused_) alert(AlertKind::paused, 1);
      paused_ = true;
      break;
    case ControlOp::resume:
      resume();
      break;
    case ControlOp::kill:
      n = kill(out, max);
      reply.orders_cancelled = static_cast<std::uint16_t>(n);
      break;
    case ControlOp::reduce_only:
      if (halted_)
        result = ControlResult::halted;
      else
        set_mode(TradingState::reducing);
      break;
    case ControlOp::flatten:
      if (halted_) {
        result = ControlResult::halted;
      } else if (!holds_derivatives()) {
        result = ControlResult::nothing_to_flatten;
      } else {
        set_mode(TradingState::reducing);
        flattening_ = true;
      }
      break;
    case ControlOp::set_target:
      result = set_target(c, reply.weight_sum);
      break;
    case ControlOp::apply_reload:
      result = apply_reload(c, reply.weight_sum);
      break;
  }
  journal(JournalEvent::control_of(c, result, wall_now_ns()));
  reply.result = result;
  reply.mode = mode_;
  reply.paused = paused_;
  reply.flattening = flattening_;
  return n;
}

std::int64_t EngineCore::wall_now_ns() const noexcept {
  return TscClock::to_ns(TscClock::now()) + wall_offset_ns_;
}

// A push onto the journal's ring. The first refusal halts trading and says so once.
bool EngineCore::journal(const JournalEvent& event) noexcept {
  if (journal_ == nullptr) return true;
  // After a refusal nothing more is appended: a later event landing after a hole would
  // make the journal look whole to a replay.
  if (!journal_lost_ && journal_->append(event)) return true;
  ++stats_.journal_refused;
  if (journal_lost_) return false;
  journal_lost_ = true;
  halted_ = true;
  flattening_ = false;
  alert(AlertKind::journal_failed, 0);
  set_mode(TradingState::halted);
  return false;
}

// This tick's orders leave only once the journal holds them: after the pair and
// worth-its-cost checks (an order held back there was never sent), and a refusal keeps
// that order and the ones after it back (their open records go, as when a pair is held).
std::size_t EngineCore::journal_sent(OrderRequest* out, std::size_t n,
                                     std::int64_t now_ns) noexcept {
  for (std::size_t k = 0; k < n; ++k) {
    if (journal(JournalEvent::order_sent(out[k], now_ns + wall_offset_ns_))) continue;
    open_.count = static_cast<std::uint16_t>(open_.count - (n - k));
    return k;
  }
  return n;
}

void EngineCore::fill_snapshot(EngineSnapshot& s) noexcept {
  const Universe& u = config_.universe;
  const std::int64_t now_ns = TscClock::to_ns(TscClock::now());
  s.monotonic_ns = now_ns;
  s.mode = mode_;
  s.paused = paused_;
  s.flattening = flattening_;
  s.ready = ready_;
  s.halted_by_session_loss = halted_by_session_loss_;
  s.venue_count = static_cast<std::uint16_t>(u.venues.size());
  for (std::size_t v = 0; v < s.venue_up.size(); ++v) {
    s.venue_up[v] = v < u.venues.size() && venue_up_[v];
    s.venue_sync[v] = reconciler_.state(static_cast<VenueId>(v));
  }
  s.position_mismatches = reconciler_.mismatches();
  s.unknown_orders = static_cast<std::uint16_t>(unknown_orders());
  s.ticks = stats_.ticks;
  s.ticks_paused = stats_.ticks_paused;
  s.triggers = stats_.triggers;
  s.rebalances = stats_.rebalances;
  s.orders = stats_.orders;
  s.fills = stats_.fills;
  s.rejects = stats_.rejects;
  s.risk_rejects = stats_.risk_rejects;
  s.cancels_sent = stats_.cancels_sent;
  s.fees_paid = stats_.fees_paid;
  s.funding_paid = stats_.funding_paid;
  s.max_abs_drift = max_abs_drift();
  const Valuation& v = tracker_.valuation();
  s.nav = v.nav;
  s.asset_count = static_cast<std::uint16_t>(v.asset_count);
  for (std::size_t a = 0; a < v.asset_count; ++a) {
    const TargetSpec& t = targets_[a];
    s.assets[a] =
        AssetSnapshot{t.configured, v.exposure[a], v.weight[a], t.weight, t.band, v.drift[a]};
  }
  s.instrument_count = static_cast<std::uint16_t>(u.instruments.size());
  for (std::size_t i = 0; i < u.instruments.size(); ++i)
    s.instruments[i] = InstrumentSnapshot{portfolio_.positions[i].lots, market_->mark[i]};
  s.open_count = open_.count;
  for (std::size_t k = 0; k < open_.count; ++k) {
    const OpenOrder& o = open_.orders[k];
    s.open_orders[k] = OpenOrderSnapshot{o.client_order_id, o.lots, o.filled_lots, o.limit_ticks,
                                         o.instrument,      o.side, o.unknown,     o.reason};
  }
  if (ready_) {
    const GateView view{portfolio_, *market_, v, open_, now_ns};
    gate_.summarize(view, s.risk);
  } else {
    s.risk = RiskSummary{};
  }
  s.limits = gate_.limits();
  s.last_denial = gate_.last_denial();
  s.alerts = alerts_;
  s.alert_total = alert_total_;
}

}  // namespace ballast
