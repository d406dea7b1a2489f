#include "ballast/core/engine_core.hpp"

#include <cmath>

#include "ballast/core/clock.hpp"

namespace ballast {

EngineCore::EngineCore(const BallastConfig& config, OrderGate& gate, ClientOrderIdGenerator& ids,
                       std::int64_t wall_offset_ns)
    : config_(config),
      gate_(gate),
      ids_(ids),
      wall_offset_ns_(wall_offset_ns),
      portfolio_(config.portfolio),
      market_(std::make_unique<MarketState>()),
      tracker_(config.universe, config.targets),
      plan_(std::make_unique<PlanResult>()),
      last_rebalance_s_(config.last_rebalance_unix_s) {
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
  for (std::size_t k = 0; k < open_.count; ++k) n += open_unknown_[k] ? 1u : 0u;
  return n;
}

// One rule for every venue: the planner may use any instrument, so a venue that is down
// (or an order whose fate is unknown) stops all trading until it is resolved.
bool EngineCore::can_trade() const noexcept {
  if (halted_) return false;
  for (bool up : venue_up_)
    if (!up) return false;
  for (std::size_t k = 0; k < open_.count; ++k)
    if (open_unknown_[k]) return false;
  return true;
}

void EngineCore::refresh_ready() noexcept {
  const Universe& u = config_.universe;
  for (std::size_t a = 0; a < u.assets.size(); ++a) {
    if (a == u.base_currency) continue;
    const bool needed = config_.targets[a].configured || portfolio_.spot_qty[a] != 0.0;
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

bool EngineCore::unwind_due(const Valuation& v) const noexcept {
  if (!config_.policy.unwind_inside_band || config_.policy.method == HedgeMethod::spot)
    return false;
  const Universe& u = config_.universe;
  for (std::size_t i = 0; i < u.instruments.size(); ++i) {
    if (portfolio_.positions[i].lots == 0 || !u.instruments[i].is_derivative()) continue;
    const AssetId a = u.instruments[i].base;
    const TargetSpec& t = config_.targets[a];
    if (!t.configured) continue;
    // The planner's rule in cheap form: the unhedged drift is back inside the band.
    if (!outside_band(v.spot_weight[a] - t.weight, t.band)) return true;
  }
  return false;
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

  const bool first_price = !(market_->mark[i] > 0.0);
  market_->mark[i] = mark;
  market_->updated_ns[i] = now_ns;
  if (spec.kind == InstrumentKind::perpetual) market_->funding_rate[i] = tick.funding_rate;
  bool spot_changed = false;
  if (!spec.is_derivative()) {
    market_->spot_price[spec.base] = mark;
    spot_changed = true;
  } else if (tick.index > 0.0 &&
             config_.universe.assets[spec.base].spot_instrument == kNoInstrument) {
    // No spot pair for this asset: the venue's index is its spot price.
    market_->spot_price[spec.base] = tick.index;
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
  const std::int64_t now_s = (now_ns + wall_offset_ns_) / 1'000'000'000;
  const TriggerDecision trigger = evaluate_trigger(
      config_.policy, config_.targets, v, now_s, last_rebalance_s_, config_.universe.base_currency);
  // One rebalance at a time: while orders are in flight the book is not what it seems.
  if (open_.count > 0) return 0;
  if (!can_trade()) {
    ++stats_.ticks_venue_down;
    return 0;
  }
  if (!trigger.fire && !unwind_due(v)) return 0;
  ++stats_.triggers;

  const PlanContext ctx{config_.universe, config_.targets, config_.policy,       portfolio_,
                        *market_,         now_s,           /*value_after=*/false};
  HedgePlanner::plan(ctx, v, trigger, *plan_);
  const std::uint64_t planned_tsc = TscClock::now();

  std::size_t n = 0;
  const GateView view{portfolio_, *market_, v, open_, now_ns};
  for (std::size_t k = 0; k < plan_->order_count && n < max; ++k) {
    PlannedOrder& order = plan_->orders[k];
    const std::int64_t planned_lots = order.lots;
    if (!gate_.admit(order, view)) {
      ++stats_.risk_rejects;
      continue;
    }
    if (order.lots != planned_lots) {
      ++stats_.shrunk;
      HedgePlanner::resize(ctx, order, order.lots);
    }
    if (open_.count >= open_.orders.size()) break;
    OrderRequest& r = out[n++];
    r = OrderRequest{};
    r.client_order_id = ids_.next();
    r.instrument = order.instrument;
    r.side = order.side == Side::buy ? OrderSide::buy : OrderSide::sell;
    r.lots = order.lots;
    r.limit_ticks = order.limit_ticks;
    r.purpose = static_cast<std::uint8_t>(order.purpose);
    r.stamps.tick_recv = tick.recv_tsc;
    r.stamps.engine_popped = popped_tsc;
    r.stamps.planned = planned_tsc;
    open_.orders[open_.count] =
        OpenOrder{order.instrument, order.side == Side::buy, order.lots, order.limit_ticks};
    open_ids_[open_.count] = r.client_order_id;
    open_filled_[open_.count] = 0;
    open_unknown_[open_.count] = false;
    open_queried_[open_.count] = false;
    ++open_.count;
    gate_.on_sent(order, now_ns);
  }
  if (n > 0) {
    ++stats_.rebalances;
    stats_.orders += n;
    last_rebalance_s_ = now_s;
    const std::uint64_t done = TscClock::now();
    for (std::size_t k = 0; k < n; ++k) out[k].stamps.risk_done = done;
  }
  return n;
}

void EngineCore::remove_open(std::size_t k) noexcept {
  const std::size_t last = open_.count - 1u;
  open_.orders[k] = open_.orders[last];
  open_ids_[k] = open_ids_[last];
  open_filled_[k] = open_filled_[last];
  open_unknown_[k] = open_unknown_[last];
  open_queried_[k] = open_queried_[last];
  --open_.count;
}

void EngineCore::on_session(const ExecReport& r) noexcept {
  if (r.venue >= venue_up_.size()) return;
  const bool up = r.kind == ExecKind::session_up;
  venue_up_[r.venue] = up;
  ++(up ? stats_.session_ups : stats_.session_downs);
  auto on_venue = [&](InstrumentId i) { return config_.universe.instruments[i].venue == r.venue; };
  if (up) {
    // Ask now, for every order lost with the session: the queries are due before any
    // resent report could settle an order (they come after the logon).
    for (std::size_t k = 0; k < open_.count && query_count_ < queries_.size(); ++k) {
      const OpenOrder& o = open_.orders[k];
      if (!open_unknown_[k] || open_queried_[k] || !on_venue(o.instrument)) continue;
      OrderRequest& q = queries_[query_count_++];
      q = OrderRequest{};
      q.client_order_id = open_ids_[k];
      q.instrument = o.instrument;
      q.side = o.buy ? OrderSide::buy : OrderSide::sell;
      q.lots = o.lots;
      q.limit_ticks = o.limit_ticks;
      q.purpose = static_cast<std::uint8_t>(OrderPurpose::status_query);
      q.tick_flags = kTickWarmup;  // not a tick-to-order sample
      open_queried_[k] = true;
    }
    return;
  }
  if (config_.risk.halt_on_session_loss) halted_ = true;
  // Queries not yet handed out for this venue would go to a dead session.
  std::size_t kept = 0;
  for (std::size_t k = 0; k < query_count_; ++k)
    if (!on_venue(queries_[k].instrument)) queries_[kept++] = queries_[k];
  query_count_ = kept;
  for (std::size_t k = 0; k < open_.count; ++k) {
    if (!on_venue(open_.orders[k].instrument)) continue;
    if (!open_unknown_[k]) ++stats_.orders_marked_unknown;
    open_unknown_[k] = true;
    open_queried_[k] = false;  // a query sent before the drop may be lost with it
  }
}

std::size_t EngineCore::take_status_queries(OrderRequest* out, std::size_t max) noexcept {
  const std::size_t n = query_count_ < max ? query_count_ : max;
  for (std::size_t k = 0; k < n; ++k) out[k] = queries_[k];
  for (std::size_t k = n; k < query_count_; ++k) queries_[k - n] = queries_[k];
  query_count_ -= n;
  stats_.status_queries += n;
  return n;
}

// The venue's count is the truth: fills we missed while disconnected are applied now, at
// the order's average price (the venue's status carries no per-fill detail or fee).
void EngineCore::on_status(std::size_t k, const ExecReport& r) noexcept {
  ++stats_.status_replies;
  const std::int64_t missed = r.cum_lots - open_filled_[k];
  if (missed > 0 && r.last_price_ticks > 0) {
    const InstrumentSpec& spec = config_.universe.instruments[r.instrument];
    const std::int64_t signed_lots = open_.orders[k].buy ? missed : -missed;
    apply_fill(config_.universe, portfolio_, r.instrument, signed_lots,
               static_cast<double>(r.last_price_ticks) * spec.tick_size_d, 0.0);
    ++stats_.fills;
    open_filled_[k] = r.cum_lots;
    tracker_.reset(portfolio_, *market_);
  }
  switch (r.status) {
    case OrderStatus::open:
      open_unknown_[k] = false;
      open_.orders[k].lots = r.leaves_lots;
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

void EngineCore::on_exec(const ExecReport& r) noexcept {
  switch (r.kind) {
    case ExecKind::session_down:
    case ExecKind::session_up:
      on_session(r);
      return;
    case ExecKind::funding:
      on_funding(r);
      return;
    default:
      break;
  }
  std::size_t k = 0;
  while (k < open_.count && open_ids_[k] != r.client_order_id) ++k;
  if (k == open_.count) {
    // A status reply for an order a resent report already settled is expected.
    ++(r.kind == ExecKind::status ? stats_.status_replies : stats_.unknown_reports);
    return;
  }
  if (r.kind == ExecKind::status) {
    on_status(k, r);
    return;
  }
  if (r.last_lots > 0 && (r.kind == ExecKind::fill || r.kind == ExecKind::partial_fill)) {
    const InstrumentSpec& spec = config_.universe.instruments[r.instrument];
    const std::int64_t signed_lots = r.side == OrderSide::buy ? r.last_lots : -r.last_lots;
    apply_fill(config_.universe, portfolio_, r.instrument, signed_lots,
               static_cast<double>(r.last_price_ticks) * spec.tick_size_d, r.fee);
    stats_.fees_paid += r.fee;
    ++stats_.fills;
    open_filled_[k] += r.last_lots;
    open_.orders[k].lots = r.leaves_lots;
    tracker_.reset(portfolio_, *market_);  // positions changed: re-anchor
  }
  const bool done = r.kind == ExecKind::fill || r.kind == ExecKind::canceled ||
                    r.kind == ExecKind::rejected || r.kind == ExecKind::expired ||
                    (r.leaves_lots == 0 && r.kind == ExecKind::partial_fill);
  if (r.kind == ExecKind::rejected) ++stats_.rejects;
  if (done) remove_open(k);
}

// Over the assets with a target (and so a band): an untargeted base currency is the
// remainder, and its weight is what the targeted bands leave, not a drift to correct.
double EngineCore::max_abs_drift() noexcept {
  const Valuation& v = tracker_.valuation();
  double m = 0.0;
  for (std::size_t a = 0; a < v.asset_count; ++a)
    if (config_.targets[a].configured) m = std::fmax(m, std::fabs(v.drift[a]));
  if (m > stats_.max_abs_drift_peak) stats_.max_abs_drift_peak = m;
  return m;
}

}  // namespace ballast
