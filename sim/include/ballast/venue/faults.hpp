// Fault switches the simulator consults (data only; the networking layer adds dropped
// sessions and delays): reject the next N client orders, freeze an instrument's feed so
// its published data goes stale while the market moves on, and widen quoted spreads.
#pragma once

#include <array>
#include <cstdint>

#include "ballast/core/ids.hpp"

namespace ballast::venue {

class FaultInjector {
 public:
  // The next `n` new orders from client (non-internal) accounts are rejected with
  // RejectReason::injected_fault. Replaces the pending count.
  void reject_next(std::uint32_t n) noexcept { reject_next_ = n; }
  [[nodiscard]] std::uint32_t pending_rejects() const noexcept { return reject_next_; }
  // Called by the venue per client order: true = reject this one.
  bool consume_reject() noexcept {
    if (reject_next_ == 0) return false;
    --reject_next_;
    return true;
  }

  // A frozen feed stops publishing (ticks keep their old values and timestamp); matching,
  // marks and funding carry on, as when a real exchange's feed stalls.
  void freeze_feed(InstrumentId instrument, bool frozen) noexcept {
    if (instrument < frozen_.size()) frozen_[instrument] = frozen;
  }
  void freeze_all(bool frozen) noexcept { frozen_.fill(frozen); }
  [[nodiscard]] bool feed_frozen(InstrumentId instrument) const noexcept {
    return instrument < frozen_.size() && frozen_[instrument];
  }

  // Multiplies the market maker's spread and level spacing; 1 = normal. Values below 1
  // are taken as 1 (a fault never improves the market).
  void widen_spreads(double factor) noexcept { spread_factor_ = factor > 1.0 ? factor : 1.0; }
  [[nodiscard]] double spread_factor() const noexcept { return spread_factor_; }

  void clear() noexcept {
    reject_next_ = 0;
    frozen_.fill(false);
    spread_factor_ = 1.0;
  }

 private:
  std::uint32_t reject_next_ = 0;
  std::array<bool, kMaxInstruments> frozen_{};
  double spread_factor_ = 1.0;
};

}  // namespace ballast::venue
