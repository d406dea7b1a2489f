// JournalReplay (journal_replay.hpp).
#include "ballast/journal/journal_replay.hpp"

#include <algorithm>
#include <string>

namespace ballast::journal {

// Nothing is planned during a replay (no tick arrives), so nothing is admitted either.
class JournalReplay::ClosedGate final : public OrderGate {
 public:
  bool admit(PlannedOrder&, const GateView&) noexcept override { return false; }
  void on_sent(const PlannedOrder&, std::int64_t) noexcept override {}
};

JournalReplay::JournalReplay(const BallastConfig& config)
    : universe_(config.universe),
      config_targets_(config.targets),
      gate_(std::make_unique<ClosedGate>()),
      core_(std::make_unique<EngineCore>(config, *gate_, ids_, 0)) {
  book_.portfolio = core_->portfolio();
}

JournalReplay::~JournalReplay() = default;

std::uint64_t universe_fingerprint(const Universe& universe) {
  std::string names;
  for (const auto& a : universe.assets) names += "A:" + a.name + ";";
  for (const auto& i : universe.instruments) names += "I:" + i.symbol + ";";
  return fnv1a64(names);
}

void JournalReplay::apply(const JournalRecord& record) noexcept {
  const JournalEvent& e = record.event;
  const std::size_t instruments = universe_.instruments.size();
  // Ids index the universe's arrays: one from another config is never applied.
  const bool names_instrument =
      record.type == RecordType::order_sent ||
      (record.type == RecordType::report && e.instrument != kNoInstrument);
  if (names_instrument && e.instrument >= instruments) {
    book_.foreign_ids = true;
    return;
  }
  switch (record.type) {
    case RecordType::run_start:
      ++book_.runs;
      book_.universe_hash = record.run.universe_hash;
      return;
    case RecordType::seed:
      for (std::size_t i = instruments; i < record.seed.positions.size(); ++i)
        book_.foreign_ids = book_.foreign_ids || record.seed.positions[i].lots != 0;
      for (std::size_t a = universe_.assets.size(); a < record.seed.spot_qty.size(); ++a)
        book_.foreign_ids = book_.foreign_ids || record.seed.spot_qty[a] != 0.0;
      book_.seeded = true;
      core_->restore_portfolio(record.seed);
      return;
    case RecordType::order_sent:
      if (e.request != RequestKind::positions) ++book_.orders_sent;
      book_.last_client_order_id =
          std::max({book_.last_client_order_id, e.client_order_id, e.request_id});
      core_->restore_sent(e);
      return;
    case RecordType::report:
      ++book_.reports;
      core_->on_exec(e.to_report());
      return;
    case RecordType::control: {
      if (e.result != ControlResult::ok) return;  // refused then: nothing changed
      if (e.op == ControlOp::apply_reload) {
        // Its tables are not in the journal; what it replaced is gone: the targets
        // set-target changed before it go back to the config's (the file read at start).
        ++book_.reloads_not_replayed;
        OperatorState s = core_->operator_state();
        s.targets = config_targets_;
        core_->restore_operator_state(s);
        return;
      }
      ControlCommand c;
      c.op = e.op;
      c.asset = e.asset;
      c.weight = e.amount;
      c.band = e.band;
      c.has_band = e.has_band;
      ControlReply reply;
      (void)core_->apply_control(c, reply, cancels_.data(), cancels_.size());
      ++book_.commands;
      return;
    }
  }
}

RecoveredBook JournalReplay::result() const {
  RecoveredBook out = book_;
  out.portfolio = core_->portfolio();
  out.open = core_->open_orders();
  out.fills = core_->stats().fills;
  out.fees_paid = core_->stats().fees_paid;
  out.funding_paid = core_->stats().funding_paid;
  out.operator_state = core_->operator_state();
  out.fill_ids = core_->fill_ids();
  return out;
}

}  // namespace ballast::journal
