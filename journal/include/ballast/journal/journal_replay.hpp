// What a journal says the engine holds and owes, rebuilt by replaying its records through
// an EngineCore, the same code that applied each event live, behind a gate that admits
// nothing: the seed, then every order sent and every report in order. The run that
// starts next takes the result instead of [portfolio].
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "ballast/core/client_order_id.hpp"
#include "ballast/core/config.hpp"
#include "ballast/core/engine_core.hpp"
#include "ballast/journal/journal_record.hpp"

namespace ballast::journal {

// FNV-1a over the asset names and the instrument symbols, in order.
[[nodiscard]] std::uint64_t universe_fingerprint(const Universe& universe);

struct RecoveredBook {
  bool seeded = false;  // the journal holds a seed (else: a journal without one is empty)
  std::uint64_t universe_hash = 0;  // of the last run_start
  // A record named an instrument or asset this config does not have: it was not applied,
  // and the book cannot be trusted (the config changed under the journal).
  bool foreign_ids = false;
  PortfolioState portfolio;
  OpenOrderSet open;                       // sent, not finished when the journal ends
  std::uint64_t last_client_order_id = 0;  // the next run's ids start above it
  std::uint64_t runs = 0;
  std::uint64_t orders_sent = 0;
  std::uint64_t reports = 0;
  std::uint64_t fills = 0;
  double fees_paid = 0.0;
  double funding_paid = 0.0;
  // The operator's commands, applied in order on this config (a reload is not: its tables
  // are not journalled; the config read at start is the one in force).
  OperatorState operator_state;
  RecentFillIds fill_ids;      // the fills applied, by the venue's execution id
  std::uint64_t commands = 0;  // control records applied
  std::uint64_t reloads_not_replayed = 0;
};

class JournalReplay {
 public:
  // `config` must outlive the replay (the universe sizes the book, the policy is unused).
  explicit JournalReplay(const BallastConfig& config);
  ~JournalReplay();
  JournalReplay(const JournalReplay&) = delete;
  JournalReplay& operator=(const JournalReplay&) = delete;

  void apply(const JournalRecord& record) noexcept;
  [[nodiscard]] RecoveredBook result() const;

 private:
  class ClosedGate;
  const Universe& universe_;
  const TargetTable& config_targets_;  // a replayed reload falls back to them
  std::unique_ptr<ClosedGate> gate_;
  ClientOrderIdGenerator ids_{0, std::nullopt};
  std::unique_ptr<EngineCore> core_;
  std::array<OrderRequest, kMaxOpenOrders> cancels_{};  // a replayed kill's (not sent)
  RecoveredBook book_;
};

}  // namespace ballast::journal
