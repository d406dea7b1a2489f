#include "ballast/venue/simulated_venue.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "ballast/core/valuation.hpp"

namespace ballast::venue {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// Maintenance margin of one position from the instrument's bracket table (0 without one).
double maintenance(const InstrumentSpec& spec, double abs_notional) noexcept {
  if (spec.margin_brackets.empty() || abs_notional <= 0.0) return 0.0;
  const MarginBracket* use = &spec.margin_brackets.back();
  for (const MarginBracket& b : spec.margin_brackets) {
    if (abs_notional <= b.max_notional) {
      use = &b;
      break;
    }
  }
  return std::max(0.0, abs_notional * use->mmr - use->maint_amount);
}

}  // namespace

SimulatedVenue::SimulatedVenue(const Universe& universe)
    : SimulatedVenue(universe, VenueOptions{}) {}

SimulatedVenue::SimulatedVenue(const Universe& universe, const VenueOptions& options)
    : universe_(universe), options_(options) {
  const std::size_t n = std::min(universe.instruments.size(), kMaxInstruments);
  books_.reserve(n);
  limits_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    books_.emplace_back(static_cast<InstrumentId>(i), options_.book);
    limits_.push_back(order_limits(universe.instruments[i], options_.max_order_lots));
  }
  touched_.reserve(64);
  scratch_ids_.reserve(options_.book.reserve_orders);
  executions_.reserve(1024);
  cash_.reserve(256);
  by_client_id_.reserve(options_.book.reserve_orders);
}

// ---------------------------------------------------------------------------------------
// Set-up

AccountId SimulatedVenue::add_account(const AccountConfig& config) {
  Account acct;
  acct.config = config;
  acct.portfolio.cash = config.initial_cash;
  accounts_.push_back(acct);
  return static_cast<AccountId>(accounts_.size() - 1);
}

void SimulatedVenue::seed_position(AccountId account, InstrumentId instrument, std::int64_t lots,
                                   double entry_price, AccountId counterparty) {
  if (instrument >= books_.size() || !universe_.instruments[instrument].is_derivative()) return;
  // A fee-free trade between the two at the entry price: positions stay zero-sum.
  apply_fill(universe_, accounts_[account].portfolio, instrument, lots, entry_price, 0.0);
  apply_fill(universe_, accounts_[counterparty].portfolio, instrument, -lots, entry_price, 0.0);
}

void SimulatedVenue::seed_spot(AccountId account, AssetId asset, double qty) {
  if (asset < kMaxAssets) accounts_[account].portfolio.spot_qty[asset] += qty;
}

// ---------------------------------------------------------------------------------------
// Clock and market

void SimulatedVenue::start_at(std::int64_t sim_ns) {
  now_ns_ = sim_ns;
  started_ = true;
  for (std::size_t i = 0; i < books_.size(); ++i) {
    const InstrumentSpec& spec = universe_.instruments[i];
    next_funding_ns_[i] = 0;
    expiry_ns_[i] = 0;
    if (spec.kind == InstrumentKind::perpetual && spec.funding_interval_s > 0) {
      const std::int64_t interval = spec.funding_interval_s * kNsPerSecond;
      next_funding_ns_[i] = (sim_ns / interval + 1) * interval;
    }
    if (spec.kind == InstrumentKind::future && spec.expiry_unix_s) {
      expiry_ns_[i] = *spec.expiry_unix_s * kNsPerSecond;
      expired_[i] = expiry_ns_[i] <= sim_ns;  // already past: no trading
    }
  }
}

void SimulatedVenue::advance_to(std::int64_t sim_ns) {
  if (!started_) {
    start_at(sim_ns);
    return;
  }
  if (sim_ns <= now_ns_) return;
  // Earliest due event first, so funding and expiries across instruments settle in the
  // order they would have at a real venue; an expiry wins a tie.
  for (;;) {
    std::int64_t due = std::numeric_limits<std::int64_t>::max();
    InstrumentId which = kNoInstrument;
    bool is_expiry = false;
    for (std::size_t i = 0; i < books_.size(); ++i) {
      if (expiry_ns_[i] != 0 && !expired_[i] && expiry_ns_[i] <= sim_ns && expiry_ns_[i] < due) {
        due = expiry_ns_[i];
        which = static_cast<InstrumentId>(i);
        is_expiry = true;
      }
    }
    for (std::size_t i = 0; i < books_.size(); ++i) {
      if (next_funding_ns_[i] != 0 && next_funding_ns_[i] <= sim_ns && next_funding_ns_[i] < due) {
        due = next_funding_ns_[i];
        which = static_cast<InstrumentId>(i);
        is_expiry = false;
      }
    }
    if (which == kNoInstrument) break;
    now_ns_ = due;
    if (is_expiry) {
      expire(which);
    } else {
      settle_funding(which);
    }
  }
  now_ns_ = sim_ns;
}

void SimulatedVenue::set_mark(InstrumentId i, double mark, double index,
                              double funding_rate) noexcept {
  if (i >= books_.size()) return;
  mark_[i] = mark;
  index_[i] = index;
  funding_[i] = funding_rate;
}

void SimulatedVenue::set_asset_price(AssetId asset, double price) noexcept {
  if (asset < kMaxAssets) asset_price_[asset] = price;
}

void SimulatedVenue::settle_funding(InstrumentId i) {
  const InstrumentSpec& spec = universe_.instruments[i];
  next_funding_ns_[i] += spec.funding_interval_s * kNsPerSecond;
  const double rate = funding_[i];
  const double mark = mark_[i];
  if (mark <= 0.0) return;  // no price, no notional: nothing can be settled
  for (std::size_t a = 0; a < accounts_.size(); ++a) {
    Account& acct = accounts_[a];
    const FuturesPosition& pos = acct.portfolio.positions[i];
    if (pos.lots == 0) continue;
    // Signed notional: a long pays a positive rate, a short receives it.
    const double payment = rate * spec.notional(position_contracts(spec, pos), mark);
    acct.portfolio.cash -= payment;
    acct.funding_paid += payment;
    if (reports(static_cast<AccountId>(a))) {
      CashEvent e;
      e.sim_ns = now_ns_;
      e.lots = pos.lots;
      e.price = mark;
      e.rate = rate;
      e.amount = -payment;
      e.account = static_cast<AccountId>(a);
      e.instrument = i;
      e.kind = CashEventKind::funding;
      cash_.push_back(e);
    }
  }
}

void SimulatedVenue::expire(InstrumentId i) {
  expired_[i] = true;
  scratch_ids_.clear();
  books_[i].for_each_order([this](const BookOrder& o) { scratch_ids_.push_back(o.id); });
  for (const OrderId id : scratch_ids_) {
    BookOrder o;
    if (!books_[i].cancel(id, &o)) continue;
    add_open(o.account, i, o, -o.leaves_lots());
    by_client_id_.erase(ClientKey{o.account, o.client_order_id});
    if (Execution* e = report(o.account, i, ExecType::expired, o)) e->leaves_lots = 0;
  }
  const InstrumentSpec& spec = universe_.instruments[i];
  // The mark has converged to the index by now; without either, settle flat at entry.
  const double price = mark_[i] > 0.0 ? mark_[i] : index_[i];
  for (std::size_t a = 0; a < accounts_.size(); ++a) {
    Account& acct = accounts_[a];
    FuturesPosition& pos = acct.portfolio.positions[i];
    if (pos.lots == 0) continue;
    const double settle = price > 0.0 ? price : pos.entry_price;
    const double pnl = spec.unrealized_pnl(position_contracts(spec, pos), pos.entry_price, settle);
    acct.portfolio.cash += pnl;
    acct.settled_pnl += pnl;
    if (reports(static_cast<AccountId>(a))) {
      CashEvent e;
      e.sim_ns = now_ns_;
      e.lots = pos.lots;
      e.price = settle;
      e.amount = pnl;
      e.account = static_cast<AccountId>(a);
      e.instrument = i;
      e.kind = CashEventKind::settlement;
      cash_.push_back(e);
    }
    pos = FuturesPosition{};
  }
}

// ---------------------------------------------------------------------------------------
// Reports and bookkeeping

Execution& SimulatedVenue::push_execution(AccountId account, InstrumentId instrument,
                                          ExecType type) {
  Execution& e = executions_.emplace_back();
  e.sim_ns = now_ns_;
  e.account = account;
  e.instrument = instrument;
  e.exec_type = type;
  return e;
}

Execution* SimulatedVenue::report(AccountId account, InstrumentId instrument, ExecType type,
                                  const BookOrder& o) {
  if (!reports(account)) return nullptr;
  Execution& e = push_execution(account, instrument, type);
  e.client_order_id = o.client_order_id;
  e.order_id = o.id;
  e.price_ticks = o.price_ticks;
  e.order_lots = o.order_lots;
  e.cum_lots = o.filled_lots;
  e.leaves_lots = o.leaves_lots();
  e.avg_price_ticks = o.avg_price_ticks();
  e.side = o.side;
  e.type = o.type;
  e.tif = o.tif;
  e.reduce_only = o.reduce_only;
  return &e;
}

void SimulatedVenue::reject(const NewOrder& order, RejectReason why) {
  if (order.account >= accounts_.size()) return;
  ++accounts_[order.account].rejects;
  if (!reports(order.account)) return;
  Execution& e = push_execution(order.account, order.instrument, ExecType::rejected);
  e.client_order_id = order.client_order_id;
  e.price_ticks = order.price_ticks;
  e.order_lots = order.lots;
  e.side = order.side;
  e.type = order.type;
  e.tif = order.tif;
  e.reduce_only = order.reduce_only;
  e.reason = why;
}

void SimulatedVenue::cancel_reject(AccountId account, InstrumentId instrument, std::uint64_t orig,
                                   std::uint64_t request_id, RejectReason why) {
  if (account >= accounts_.size() || !reports(account)) return;
  Execution& e = push_execution(account, instrument, ExecType::cancel_rejected);
  e.client_order_id = request_id != 0 ? request_id : orig;
  e.orig_client_order_id = orig;
  e.reason = why;
  if (const BookOrder* o = find_by_client_id(account, orig)) {  // FIX wants the order's state
    e.order_id = o->id;
    e.price_ticks = o->price_ticks;
    e.order_lots = o->order_lots;
    e.cum_lots = o->filled_lots;
    e.leaves_lots = o->leaves_lots();
    e.side = o->side;
  }
}

void SimulatedVenue::add_open(AccountId account, InstrumentId i, const BookOrder& o,
                              std::int64_t lots) noexcept {
  OpenLots& open = accounts_[account].open[i];
  if (o.side == Side::buy) {
    open.buy += lots;
    if (o.reduce_only) open.reduce_only_buy += lots;
  } else {
    open.sell += lots;
    if (o.reduce_only) open.reduce_only_sell += lots;
  }
}

std::int64_t SimulatedVenue::reduce_only_capacity(const Account& acct, InstrumentId i,
                                                  Side side) const noexcept {
  const std::int64_t pos = acct.portfolio.positions[i].lots;
  const OpenLots& open = acct.open[i];
  if (side == Side::sell) return pos > 0 ? pos - open.reduce_only_sell : 0;
  return pos < 0 ? -pos - open.reduce_only_buy : 0;
}

void SimulatedVenue::enforce_reduce_only(AccountId account, InstrumentId i) {
  const OpenLots& open = accounts_[account].open[i];
  if (open.reduce_only_buy == 0 && open.reduce_only_sell == 0) return;
  const std::int64_t pos = accounts_[account].portfolio.positions[i].lots;
  std::int64_t allow_sell = std::max<std::int64_t>(0, pos);
  std::int64_t allow_buy = std::max<std::int64_t>(0, -pos);
  if (open.reduce_only_sell <= allow_sell && open.reduce_only_buy <= allow_buy) return;
  // Keep the best-placed orders whole, shrink the one that straddles the position, cancel
  // the rest: what Binance does to reduce-only orders after the position shrinks.
  scratch_ids_.clear();
  books_[i].for_each_order([&](const BookOrder& o) {
    if (o.account == account && o.reduce_only) scratch_ids_.push_back(o.id);
  });
  for (const OrderId id : scratch_ids_) {
    const BookOrder* o = books_[i].find(id);
    if (o == nullptr) continue;
    std::int64_t& allow = o->side == Side::sell ? allow_sell : allow_buy;
    const std::int64_t leaves = o->leaves_lots();
    if (leaves <= allow) {
      allow -= leaves;
      continue;
    }
    if (allow > 0) {
      const BookOrder before = *o;
      books_[i].reduce_leaves(id, allow);
      add_open(account, i, before, -(leaves - allow));
      if (Execution* e = report(account, i, ExecType::restated, *books_[i].find(id)))
        e->reason = RejectReason::reduce_only_would_increase;
      allow = 0;
      continue;
    }
    BookOrder gone;
    books_[i].cancel(id, &gone);
    add_open(account, i, gone, -leaves);
    by_client_id_.erase(ClientKey{account, gone.client_order_id});
    ++accounts_[account].cancels;
    if (Execution* e = report(account, i, ExecType::canceled, gone)) {
      e->leaves_lots = 0;
      e->reason = RejectReason::reduce_only_would_increase;
    }
  }
}

void SimulatedVenue::enforce_touched() {
  for (const auto& [account, instrument] : touched_) enforce_reduce_only(account, instrument);
  touched_.clear();
}

// ---------------------------------------------------------------------------------------
// Matching callbacks

void SimulatedVenue::on_fill(const Fill& fill) {
  const InstrumentId i = matching_;
  const InstrumentSpec& spec = universe_.instruments[i];
  const double price = ticks_to_price(spec, fill.price_ticks);
  const double notional = lots_notional(spec, fill.lots, price);
  const double maker_fee = notional * spec.maker_fee_bps / 1e4;
  const double taker_fee = notional * spec.taker_fee_bps / 1e4;

  Account& maker = accounts_[fill.maker.account];
  apply_fill(universe_, maker.portfolio, i, side_sign(fill.maker.side) * fill.lots, price,
             maker_fee);
  maker.fees_paid += maker_fee;
  ++maker.fills;
  add_open(fill.maker.account, i, fill.maker, -fill.lots);

  Account& taker = accounts_[fill.taker.account];
  apply_fill(universe_, taker.portfolio, i, side_sign(fill.taker.side) * fill.lots, price,
             taker_fee);
  taker.fees_paid += taker_fee;
  ++taker.fills;

  touched_.emplace_back(fill.maker.account, i);
  touched_.emplace_back(fill.taker.account, i);
  if (fill.maker.leaves_lots() == 0)
    by_client_id_.erase(ClientKey{fill.maker.account, fill.maker.client_order_id});

  const auto fill_report = [&](const BookOrder& o, double fee, bool is_maker) {
    const ExecType type = o.leaves_lots() == 0 ? ExecType::fill : ExecType::partial_fill;
    if (Execution* e = report(o.account, i, type, o)) {
      e->last_lots = fill.lots;
      e->last_price_ticks = fill.price_ticks;
      e->fee = fee;
      e->maker = is_maker;
    }
  };
  fill_report(fill.maker, maker_fee, true);
  fill_report(fill.taker, taker_fee, false);
}

void SimulatedVenue::on_maker_canceled(const BookOrder& order, RejectReason why) {
  add_open(order.account, matching_, order, -order.leaves_lots());
  by_client_id_.erase(ClientKey{order.account, order.client_order_id});
  ++accounts_[order.account].cancels;
  if (Execution* e = report(order.account, matching_, ExecType::canceled, order)) {
    e->leaves_lots = 0;
    e->reason = why;
  }
}

std::int64_t SimulatedVenue::maker_fill_cap(const BookOrder& maker) {
  const std::int64_t pos = accounts_[maker.account].portfolio.positions[matching_].lots;
  return maker.side == Side::sell ? std::max<std::int64_t>(0, pos)
                                  : std::max<std::int64_t>(0, -pos);
}

// ---------------------------------------------------------------------------------------
// Order entry

OrderId SimulatedVenue::submit(const WireOrder& wire) {
  NewOrder order;
  order.account = wire.account;
  order.client_order_id = wire.client_order_id;
  order.instrument = wire.instrument;
  order.side = wire.side;
  order.type = wire.type;
  order.tif = wire.tif;
  order.reduce_only = wire.reduce_only;
  if (wire.instrument >= books_.size()) {
    reject(order, RejectReason::unknown_instrument);
    return kNoOrder;
  }
  const InstrumentSpec& spec = universe_.instruments[wire.instrument];
  const StepsOrReject lots = quantity_to_lots(spec, wire.qty);
  if (!lots.ok()) {
    reject(order, lots.reason);
    return kNoOrder;
  }
  order.lots = lots.value;
  if (wire.type == OrderType::limit) {
    const StepsOrReject ticks = price_to_ticks(spec, wire.price);
    if (!ticks.ok()) {
      reject(order, ticks.reason);
      return kNoOrder;
    }
    order.price_ticks = ticks.value;
  }
  return submit(order);
}

OrderId SimulatedVenue::submit(const NewOrder& in) {
  if (in.account >= accounts_.size()) return kNoOrder;  // nobody to tell
  if (in.instrument >= books_.size()) {
    reject(in, RejectReason::unknown_instrument);
    return kNoOrder;
  }
  Account& acct = accounts_[in.account];
  const InstrumentId i = in.instrument;
  const InstrumentSpec& spec = universe_.instruments[i];
  const auto refuse = [&](RejectReason why) {
    reject(in, why);
    return kNoOrder;
  };
  if (!acct.config.internal && faults_.consume_reject())
    return refuse(RejectReason::injected_fault);
  if (expired_[i]) return refuse(RejectReason::instrument_expired);
  if (by_client_id_.contains(ClientKey{in.account, in.client_order_id}))
    return refuse(RejectReason::duplicate_client_order_id);
  if (const RejectReason r = check_lots(limits_[i], in.lots); r != RejectReason::none)
    return refuse(r);
  if (in.type == OrderType::limit && in.price_ticks <= 0) return refuse(RejectReason::bad_price);

  NewOrder order = in;
  const double price =
      in.type == OrderType::limit ? ticks_to_price(spec, in.price_ticks) : mark_[i];
  if (order.reduce_only) {
    if (!spec.is_derivative()) return refuse(RejectReason::unsupported);
    const std::int64_t cap = reduce_only_capacity(acct, i, order.side);
    if (cap <= 0) return refuse(RejectReason::reduce_only_would_increase);
    order.lots = std::min(order.lots, cap);  // trimmed to what the position allows
  } else {
    // Reduce-only orders are exempt from the notional floor (closing dust must be possible).
    if (const RejectReason r = check_notional(spec, limits_[i], order.lots, price);
        r != RejectReason::none)
      return refuse(r);
    if (acct.config.check_margin && !acct.config.internal && spec.is_derivative()) {
      const MarginSummary m = margin_with(in.account, i, order.side, order.lots, price);
      if (m.initial_margin > m.equity) return refuse(RejectReason::insufficient_margin);
    }
  }

  OrderEntry entry;
  entry.account = order.account;
  entry.client_order_id = order.client_order_id;
  entry.side = order.side;
  entry.type = order.type;
  entry.tif = order.tif;
  entry.reduce_only = order.reduce_only;
  entry.lots = order.lots;
  entry.price_ticks = order.price_ticks;

  // The acknowledgement must precede the order's fills, which the book reports while
  // matching, so it is written first and completed (or turned into a reject) after.
  std::size_t ack_at = kNone;
  if (reports(in.account)) {
    ack_at = executions_.size();
    Execution& e = push_execution(in.account, i, ExecType::new_order);
    e.client_order_id = order.client_order_id;
    e.price_ticks = entry.type == OrderType::limit ? order.price_ticks : 0;
    e.order_lots = order.lots;
    e.leaves_lots = order.lots;
    e.side = order.side;
    e.type = order.type;
    e.tif = order.tif;
    e.reduce_only = order.reduce_only;
  }

  matching_ = i;
  const AddResult res = books_[i].add(entry, *this);
  matching_ = kNoInstrument;

  if (!res.accepted()) {  // refused before any matching: nothing else was reported
    ++acct.rejects;
    if (ack_at != kNone) {
      executions_[ack_at].exec_type = ExecType::rejected;
      executions_[ack_at].reason = res.reject;
      executions_[ack_at].leaves_lots = 0;
    }
    return kNoOrder;
  }
  if (ack_at != kNone) executions_[ack_at].order_id = res.id;
  ++acct.orders;

  if (res.resting_lots > 0) {
    const BookOrder* resting = books_[i].find(res.id);
    add_open(in.account, i, *resting, res.resting_lots);
    by_client_id_[ClientKey{in.account, in.client_order_id}] = OrderRef{i, res.id};
  }
  if (res.canceled_lots > 0) {  // IOC, FOK or market remainder
    ++acct.cancels;
    if (reports(in.account)) {
      Execution& e = push_execution(in.account, i, ExecType::canceled);
      e.client_order_id = order.client_order_id;
      e.order_id = res.id;
      e.price_ticks = entry.type == OrderType::limit ? order.price_ticks : 0;
      e.order_lots = order.lots;
      e.cum_lots = res.filled_lots;
      e.avg_price_ticks =
          res.filled_lots > 0 ? res.filled_value_ticks / static_cast<double>(res.filled_lots) : 0.0;
      e.side = order.side;
      e.type = order.type;
      e.tif = order.tif;
      e.reduce_only = order.reduce_only;
    }
  }
  enforce_touched();
  return res.id;
}

bool SimulatedVenue::cancel(AccountId account, InstrumentId instrument,
                            std::uint64_t orig_client_order_id, std::uint64_t request_id) {
  if (account >= accounts_.size()) return false;
  const auto it = by_client_id_.find(ClientKey{account, orig_client_order_id});
  if (it == by_client_id_.end() || it->second.instrument != instrument) {
    cancel_reject(account, instrument, orig_client_order_id, request_id,
                  RejectReason::unknown_order);
    return false;
  }
  const OrderRef ref = it->second;
  by_client_id_.erase(it);
  BookOrder o;
  if (!books_[ref.instrument].cancel(ref.id, &o)) {
    cancel_reject(account, instrument, orig_client_order_id, request_id,
                  RejectReason::unknown_order);
    return false;
  }
  add_open(account, instrument, o, -o.leaves_lots());
  ++accounts_[account].cancels;
  if (Execution* e = report(account, instrument, ExecType::canceled, o)) {
    e->leaves_lots = 0;
    if (request_id != 0) e->client_order_id = request_id;
    e->orig_client_order_id = orig_client_order_id;
  }
  return true;
}

bool SimulatedVenue::cancel_order(AccountId account, InstrumentId instrument, OrderId id) {
  if (instrument >= books_.size()) return false;
  const BookOrder* o = books_[instrument].find(id);
  if (o == nullptr || o->account != account) {
    cancel_reject(account, instrument, 0, 0, RejectReason::unknown_order);
    return false;
  }
  return cancel(account, instrument, o->client_order_id);
}

std::size_t SimulatedVenue::cancel_all(AccountId account, InstrumentId instrument) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < books_.size(); ++i) {
    if (instrument != kNoInstrument && i != instrument) continue;
    scratch_ids_.clear();
    books_[i].for_each_order([&](const BookOrder& o) {
      if (o.account == account) scratch_ids_.push_back(o.id);
    });
    // cancel() reuses nothing from scratch_ids_, so iterating it here is safe.
    for (const OrderId id : scratch_ids_)
      if (cancel_order(account, static_cast<InstrumentId>(i), id)) ++n;
  }
  return n;
}

bool SimulatedVenue::replace(AccountId account, InstrumentId instrument,
                             std::uint64_t orig_client_order_id, std::uint64_t new_client_order_id,
                             std::int64_t new_order_lots, std::int64_t new_price_ticks) {
  if (account >= accounts_.size()) return false;
  const auto refuse = [&](RejectReason why) {
    cancel_reject(account, instrument, orig_client_order_id, new_client_order_id, why);
    return false;
  };
  if (instrument >= books_.size()) return refuse(RejectReason::unknown_instrument);
  const auto it = by_client_id_.find(ClientKey{account, orig_client_order_id});
  if (it == by_client_id_.end() || it->second.instrument != instrument)
    return refuse(RejectReason::unknown_order);
  if (new_client_order_id != orig_client_order_id &&
      by_client_id_.contains(ClientKey{account, new_client_order_id}))
    return refuse(RejectReason::duplicate_client_order_id);
  const OrderId id = it->second.id;
  const BookOrder* current = books_[instrument].find(id);
  if (current == nullptr) return refuse(RejectReason::unknown_order);
  const BookOrder before = *current;
  const InstrumentSpec& spec = universe_.instruments[instrument];
  Account& acct = accounts_[account];

  if (const RejectReason r = check_lots(limits_[instrument], new_order_lots);
      r != RejectReason::none)
    return refuse(r);
  if (new_price_ticks <= 0) return refuse(RejectReason::bad_price);
  const std::int64_t new_leaves = new_order_lots - before.filled_lots;
  if (new_leaves <= 0) return refuse(RejectReason::bad_quantity);
  const double price = ticks_to_price(spec, new_price_ticks);
  if (before.reduce_only) {
    // Its own leaves already count against the capacity; it may keep or shrink them.
    if (new_leaves > reduce_only_capacity(acct, instrument, before.side) + before.leaves_lots())
      return refuse(RejectReason::reduce_only_would_increase);
  } else {
    if (const RejectReason r = check_notional(spec, limits_[instrument], new_order_lots, price);
        r != RejectReason::none)
      return refuse(r);
    if (acct.config.check_margin && !acct.config.internal && new_leaves > before.leaves_lots()) {
      const MarginSummary m =
          margin_with(account, instrument, before.side, new_leaves - before.leaves_lots(), price);
      if (m.initial_margin > m.equity) return refuse(RejectReason::insufficient_margin);
    }
  }

  // Out of the open totals while it is re-placed: if it crosses it matches as a taker.
  add_open(account, instrument, before, -before.leaves_lots());
  std::size_t at = kNone;
  if (reports(account)) {
    at = executions_.size();
    push_execution(account, instrument, ExecType::replaced);
  }
  matching_ = instrument;
  const ReplaceResult res =
      books_[instrument].replace(id, new_order_lots, new_price_ticks, new_client_order_id, *this);
  matching_ = kNoInstrument;

  if (!res.accepted()) {  // the book refused before matching: the order is unchanged
    add_open(account, instrument, before, before.leaves_lots());
    if (at != kNone) executions_.erase(executions_.begin() + static_cast<std::ptrdiff_t>(at));
    return refuse(res.reject);
  }
  by_client_id_.erase(ClientKey{account, orig_client_order_id});
  if (const BookOrder* after = books_[instrument].find(id)) {
    add_open(account, instrument, *after, after->leaves_lots());
    by_client_id_[ClientKey{account, new_client_order_id}] = OrderRef{instrument, id};
  }
  if (at != kNone) {  // the order as amended, before any fill the amendment caused
    Execution& e = executions_[at];
    e.client_order_id = new_client_order_id;
    e.orig_client_order_id = orig_client_order_id;
    e.order_id = id;
    e.price_ticks = new_price_ticks;
    e.order_lots = new_order_lots;
    e.cum_lots = before.filled_lots;
    e.leaves_lots = new_leaves;
    e.avg_price_ticks = before.avg_price_ticks();
    e.side = before.side;
    e.type = before.type;
    e.tif = before.tif;
    e.reduce_only = before.reduce_only;
  }
  enforce_touched();
  return true;
}

// ---------------------------------------------------------------------------------------
// Queries

const BookOrder* SimulatedVenue::find_order(InstrumentId i, OrderId id) const noexcept {
  return i < books_.size() ? books_[i].find(id) : nullptr;
}

const BookOrder* SimulatedVenue::find_by_client_id(AccountId account,
                                                   std::uint64_t client_order_id) const noexcept {
  const auto it = by_client_id_.find(ClientKey{account, client_order_id});
  return it == by_client_id_.end() ? nullptr : books_[it->second.instrument].find(it->second.id);
}

MarginSummary SimulatedVenue::margin(AccountId account) const noexcept {
  return margin_with(account, kNoInstrument, Side::buy, 0, 0.0);
}

MarginSummary SimulatedVenue::margin_with(AccountId account, InstrumentId extra_instrument,
                                          Side extra_side, std::int64_t extra_lots,
                                          double extra_price) const noexcept {
  MarginSummary m;
  const Account& acct = accounts_[account];
  m.equity = acct.portfolio.cash;
  for (std::size_t a = 0; a < universe_.assets.size() && a < kMaxAssets; ++a) {
    const double qty = acct.portfolio.spot_qty[a];
    if (qty == 0.0) continue;
    m.equity += qty * (a == universe_.base_currency ? 1.0 : asset_price_[a]);
  }
  for (std::size_t i = 0; i < books_.size(); ++i) {
    const InstrumentSpec& spec = universe_.instruments[i];
    if (!spec.is_derivative()) continue;
    const FuturesPosition& pos = acct.portfolio.positions[i];
    const OpenLots& open = acct.open[i];
    std::int64_t buys = open.buy;
    std::int64_t sells = open.sell;
    double price = mark_[i];
    if (i == extra_instrument) {
      (extra_side == Side::buy ? buys : sells) += extra_lots;
      if (price <= 0.0) price = extra_price;
    }
    if (price <= 0.0) continue;  // unpriced: cannot be valued yet
    const double contracts = position_contracts(spec, pos);
    const double upnl = spec.unrealized_pnl(contracts, pos.entry_price, price);
    m.unrealized_pnl += upnl;
    m.equity += upnl;
    // Worst case: every open order on one side fills.
    const std::int64_t worst = std::max(std::llabs(pos.lots + buys), std::llabs(pos.lots - sells));
    m.initial_margin +=
        spec.initial_margin(spec.notional(static_cast<double>(worst) * spec.lot_size_d, price));
    const double held = spec.notional(contracts, price);
    m.maintenance_margin += maintenance(spec, held < 0 ? -held : held);
  }
  return m;
}

}  // namespace ballast::venue
