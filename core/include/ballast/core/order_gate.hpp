// The two seams between the engine (core) and the layers above it: the pre-trade gate
// every planned order must pass (implemented by ballast::risk) and the sink that puts
// orders on the wire and hands back execution reports (loopback here; FIX and WebSocket
// in gateways/). Core defines them so it never includes risk/ or gateways/.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ballast/core/control.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/planner.hpp"

namespace ballast {

// What the gate sees: the engine's live state, by reference, at decision time.
struct GateView {
  const PortfolioState& portfolio;
  const MarketState& market;
  const Valuation& valuation;
  const OpenOrderSet& open_orders;
  std::int64_t now_ns = 0;  // CLOCK_MONOTONIC, the clock of MarketState::updated_ns
};

class OrderGate {
 public:
  virtual ~OrderGate() = default;
  // True lets the order out; the gate may shrink order.lots first. Must not allocate.
  virtual bool admit(PlannedOrder& order, const GateView& view) noexcept = 0;
  // The order went out (throttles count it).
  virtual void on_sent(const PlannedOrder& order, std::int64_t now_ns) noexcept = 0;

  // The operator's control channel, through the gate so core never includes risk/.
  // Defaults suit a gate without state (tests' pass-through gates). None may allocate.
  virtual void set_mode(TradingState /*mode*/) noexcept {}
  // A reload: new limits and policy (the policy sizes shrunk orders' minimums).
  virtual void set_limits(const RiskLimits& /*limits*/, const PolicyConfig& /*policy*/) noexcept {}
  // Why the last admit() returned false; check 0 when it never did.
  [[nodiscard]] virtual GateDenial last_denial() const noexcept { return {}; }
  // The account's risk now, open orders counted as filled; leaves `out` invalid when the
  // gate has no risk model.
  virtual void summarize(const GateView& /*view*/, RiskSummary& out) noexcept { out = {}; }
  [[nodiscard]] virtual RiskLimits limits() const noexcept { return {}; }

  // Circuit-breaker inputs (the risk layer counts them; docs/risk-model.md). on_nav once
  // per valued tick with the wall-clock second; on_venue_reject is true when that reject
  // trips the consecutive-rejects breaker (the engine then halts); resume re-arms.
  virtual void on_nav(double /*nav*/, std::int64_t /*unix_s*/) noexcept {}
  virtual void on_fill(double /*notional*/, double /*fee*/) noexcept {}
  [[nodiscard]] virtual bool on_venue_reject() noexcept { return false; }
  virtual void rearm_breakers() noexcept {}
};

class OrderSink {
 public:
  virtual ~OrderSink() = default;
  // Encodes and writes one order, stamping stamps.encoded and stamps.sent. False when it
  // could not be written; the engine then gets a rejected report for it.
  virtual bool send(OrderRequest& order) noexcept = 0;
  // Copies up to `max` execution reports received since the last call; non-blocking.
  virtual std::size_t poll_reports(ExecReport* out, std::size_t max) noexcept = 0;
  // Called while the order thread has nothing to do: run the encoding path on a dummy
  // order into scratch memory so its code and data stay in this core's caches (an idle
  // spinning thread otherwise finds them cold when the real order comes).
  virtual void warm() noexcept {}
};

}  // namespace ballast
