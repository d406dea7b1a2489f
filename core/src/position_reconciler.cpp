#include "ballast/core/position_reconciler.hpp"

#include <algorithm>
#include <cstdint>

namespace ballast {

namespace {

constexpr std::int64_t kNever = INT64_MAX;

std::int64_t to_ns(double s) noexcept {
  return static_cast<std::int64_t>(s * 1e9);
}

bool waiting(VenueSync s) noexcept {
  return s == VenueSync::asking || s == VenueSync::unanswered;
}

}  // namespace

PositionReconciler::PositionReconciler(const Universe& universe,
                                       const RecoveryConfig& config) noexcept
    : universe_(universe), check_ns_(to_ns(config.check_s)), timeout_ns_(to_ns(config.timeout_s)) {
  state_.fill(VenueSync::in_sync);
  asked_ns_.fill(kNever);
}

void PositionReconciler::forget_lines(VenueId venue) noexcept {
  for (std::size_t i = 0; i < universe_.instruments.size(); ++i) {
    if (universe_.instruments[i].venue != venue) continue;
    lines_[i] = FuturesPosition{};
    named_[i] = false;
  }
}

void PositionReconciler::asked_as(VenueId venue, std::uint64_t request_id) noexcept {
  if (venue >= state_.size()) return;
  forget_lines(venue);
  if (state_[venue] != VenueSync::unanswered) state_[venue] = VenueSync::asking;
  again_[venue] = false;
  activity_[venue] = false;
  request_[venue] = request_id;
  received_[venue] = 0;
  asked_ns_[venue] = kNever;  // a replay has no clock: nothing is late
  recompute_due();
}

bool PositionReconciler::ask(VenueId venue, std::int64_t now_ns, OrderRequest& out,
                             std::uint64_t request_id) noexcept {
  if (venue >= state_.size()) return false;
  InstrumentId first = kNoInstrument;
  for (std::size_t i = 0; i < universe_.instruments.size() && first == kNoInstrument; ++i)
    if (universe_.instruments[i].venue == venue) first = static_cast<InstrumentId>(i);
  if (first == kNoInstrument) return false;
  asked_as(venue, request_id);  // the state a request starts (an unanswered venue stays so)
  asked_ns_[venue] = now_ns;
  out = OrderRequest{};
  out.kind = RequestKind::positions;
  out.instrument = first;  // routes the request to the venue's gateway
  out.client_order_id = request_id;
  ++asked_;
  recompute_due();
  return true;
}

void PositionReconciler::on_session_down(VenueId venue) noexcept {
  if (venue >= state_.size() || !waiting(state_[venue])) return;
  forget_lines(venue);
  asked_ns_[venue] = kNever;
  again_[venue] =
      false;  // the next logon asks  // no answer can come on a dead session: nothing is late
  recompute_due();
}

bool PositionReconciler::on_line(const ExecReport& line) noexcept {
  const VenueId v = line.venue;
  if (v >= state_.size() || !waiting(state_[v])) return false;
  if (line.client_order_id != request_[v]) return false;  // an older request's
  if (line.instrument >= universe_.instruments.size()) return false;
  const InstrumentSpec& spec = universe_.instruments[line.instrument];
  if (spec.venue != v || !spec.is_derivative()) return false;
  // Lines of one instrument add up (a hedge-mode account answers LONG and SHORT apart).
  FuturesPosition& held = lines_[line.instrument];
  if (named_[line.instrument] && held.lots != 0 && line.cum_lots != 0) {
    held.entry_price = 0.0;  // two sides: no one entry price
    held.lots += line.cum_lots;
  } else {
    held = FuturesPosition{held.lots + line.cum_lots, line.entry_price};
  }
  named_[line.instrument] = true;
  ++received_[v];
  return true;
}

std::size_t PositionReconciler::on_end(const ExecReport& end, PortfolioState& portfolio,
                                       bool compare, bool halting, std::int64_t now_ns,
                                       std::int64_t wall_ns) noexcept {
  const VenueId v = end.venue;
  if (v >= state_.size() || !waiting(state_[v]) || end.client_order_id != request_[v]) return 0;
  ++answers_;
  // Lines lost on the way (fewer than the answer says), or our orders there moved since
  // the ask (the answer may predate a fill): not compared, asked again.
  if (end.cum_lots != received_[v] || activity_[v]) compare = false;
  if (!compare) {  // fills still in motion there: ask again once they are done
    forget_lines(v);
    again_[v] = true;
    asked_ns_[v] = now_ns;
    recompute_due();
    return 0;
  }
  std::size_t differ = 0;
  for (std::size_t i = 0; i < universe_.instruments.size(); ++i) {
    const InstrumentSpec& spec = universe_.instruments[i];
    if (spec.venue != v || !spec.is_derivative()) continue;
    FuturesPosition& held = portfolio.positions[i];
    const FuturesPosition says = named_[i] ? lines_[i] : FuturesPosition{};
    if (held.lots == says.lots) continue;
    ReconcileRecord& r = records_[mismatch_total_ % records_.size()];
    r = ReconcileRecord{wall_ns, held.lots, says.lots, static_cast<InstrumentId>(i), v, halting};
    ++mismatch_total_;
    ++differ;
    // The venue's entry price when it gives one; ours when it does not (then the
    // unrealised profit is measured from a price we never paid, and the record says so).
    // (Ours only on the same side: a flipped position never had our entry price.)
    const bool same_side = held.lots != 0 && (says.lots > 0) == (held.lots > 0);
    const double entry = says.lots == 0           ? 0.0
                         : says.entry_price > 0.0 ? says.entry_price
                         : same_side              ? held.entry_price
                                                  : 0.0;  // the engine puts the mark
    held = FuturesPosition{says.lots, entry};
  }
  forget_lines(v);  // used: the next answer starts from nothing
  state_[v] = VenueSync::in_sync;
  checked_[v] = true;
  asked_ns_[v] = kNever;
  answered_ns_[v] = now_ns;
  recompute_due();
  return differ;
}

std::size_t PositionReconciler::poll(std::int64_t now_ns, const std::array<bool, kMaxVenues>& idle,
                                     const std::array<bool, kMaxVenues>& up,
                                     ClientOrderIdGenerator& ids, OrderRequest* out,
                                     std::size_t max, VenueId* late,
                                     std::size_t* late_count) noexcept {
  std::size_t n = 0;
  *late_count = 0;
  const std::size_t venues = std::min(universe_.venues.size(), state_.size());
  for (std::size_t v = 0; v < venues && n < max; ++v) {
    const auto venue = static_cast<VenueId>(v);
    if (waiting(state_[v]) && again_[v]) {
      // Waiting on our own orders, not on the venue: nothing is late meanwhile.
      asked_ns_[v] = now_ns;
      if (up[v] && idle[v] && ask(venue, now_ns, out[n], ids.next())) {
        again_[v] = false;
        ++n;
      }
      continue;
    }
    if (waiting(state_[v])) {
      if (asked_ns_[v] == kNever || now_ns - asked_ns_[v] <= timeout_ns_) continue;
      if (state_[v] == VenueSync::asking) {
        state_[v] = VenueSync::unanswered;
        late[(*late_count)++] = venue;
      }
      if (up[v] && ask(venue, now_ns, out[n], ids.next())) ++n;
      continue;
    }
    if (check_ns_ > 0 && checked_[v] && up[v] && idle[v] && now_ns - answered_ns_[v] >= check_ns_ &&
        ask(venue, now_ns, out[n], ids.next()))
      ++n;
  }
  recompute_due();
  return n;
}

void PositionReconciler::recompute_due() noexcept {
  std::int64_t due = kNever;
  for (std::size_t v = 0; v < state_.size(); ++v) {
    if (waiting(state_[v]) && again_[v]) {
      due = INT64_MIN;  // every tick until our orders there are done
    } else if (waiting(state_[v])) {
      if (asked_ns_[v] != kNever) due = std::min(due, asked_ns_[v] + timeout_ns_ + 1);
    } else if (check_ns_ > 0 && checked_[v]) {
      due = std::min(due, answered_ns_[v] + check_ns_);
    }
  }
  next_due_ns_ = due;
}

bool PositionReconciler::all_in_sync() const noexcept {
  for (VenueSync s : state_)
    if (s != VenueSync::in_sync) return false;
  return true;
}

std::size_t PositionReconciler::record_count() const noexcept {
  return static_cast<std::size_t>(
      std::min<std::uint64_t>(mismatch_total_, static_cast<std::uint64_t>(records_.size())));
}

const ReconcileRecord& PositionReconciler::record(std::size_t k) const noexcept {
  const std::uint64_t first =
      mismatch_total_ > records_.size() ? mismatch_total_ - records_.size() : 0;
  return records_[(first + k) % records_.size()];
}

}  // namespace ballast
