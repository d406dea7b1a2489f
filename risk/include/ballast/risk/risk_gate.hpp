// The pre-trade gate the engine calls for every planned order (core's OrderGate seam),
// backed by RiskEngine: checks the order on the account as it would be after it, shrinks
// a size-bound rejection to the largest size that passes, counts every denial by check.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "ballast/core/order_gate.hpp"
#include "ballast/risk/risk_engine.hpp"

namespace ballast::risk {

class RiskGate final : public OrderGate {
 public:
  // margin_balance: [portfolio] margin_balance; absent, the wallet is the cash.
  RiskGate(const Universe& universe, const RiskLimits& limits, const PolicyConfig& policy,
           std::optional<double> margin_balance);

  bool admit(PlannedOrder& order, const GateView& view) noexcept override;
  void on_sent(const PlannedOrder& order, std::int64_t now_ns) noexcept override;
  void set_mode(TradingState mode) noexcept override;
  void set_limits(const RiskLimits& limits, const PolicyConfig& policy) noexcept override;
  [[nodiscard]] GateDenial last_gate_denial() const noexcept;
  [[nodiscard]] GateDenial last_denial() const noexcept override { return last_gate_denial(); }
  void summarize(const GateView& view, RiskSummary& out) noexcept override;
  [[nodiscard]] RiskLimits limits() const noexcept override { return engine_.limits(); }
  void on_nav(double nav, std::int64_t unix_s) noexcept override { engine_.on_nav(nav, unix_s); }
  void on_fill(double notional, double fee) noexcept override { engine_.on_fill(notional, fee); }
  [[nodiscard]] bool on_venue_reject() noexcept override { return engine_.on_venue_reject(); }
  void rearm_breakers() noexcept override { engine_.rearm_breakers(); }

  [[nodiscard]] RiskEngine& engine() noexcept { return engine_; }
  [[nodiscard]] std::uint64_t denied(RiskCheck c) const noexcept {
    return denied_[static_cast<std::size_t>(c)];
  }
  [[nodiscard]] const RiskVerdict& last_verdict() const noexcept { return last_denial_; }

 private:
  const Universe& universe_;
  [[nodiscard]] RiskInputs inputs(const GateView& view) const noexcept;

  // By value: a reload replaces it while the config it came from stays as loaded.
  PolicyConfig policy_;
  std::optional<double> margin_balance_;
  RiskEngine engine_;
  std::unique_ptr<AccountRisk> current_;
  std::unique_ptr<AccountRisk> scratch_;
  std::array<std::uint64_t, static_cast<std::size_t>(kLastRiskCheck) + 1> denied_{};
  RiskVerdict last_denial_;
};

}  // namespace ballast::risk
