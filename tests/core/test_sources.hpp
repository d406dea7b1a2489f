// Tick sources for pipeline tests: a scripted list of ticks, emitted as fast as the
// market-data agent asks (optionally only once the engine has settled the last one).
#pragma once

#include <atomic>
#include <functional>
#include <vector>

#include "ballast/core/tick_source.hpp"

namespace ballast::testing {

class ScriptedSource final : public TickSource {
 public:
  explicit ScriptedSource(std::vector<MarketTick> ticks) : ticks_(std::move(ticks)) {}
  // When set, the next tick waits until settled() has caught up with what was emitted.
  void pace_by(std::function<std::uint64_t()> settled) { settled_ = std::move(settled); }
  bool poll(std::int64_t, MarketTick& out) noexcept override {
    if (next_ >= ticks_.size()) return false;
    if (settled_ && settled_() < next_) return false;
    out = ticks_[next_++];
    emitted_.store(next_, std::memory_order_release);
    return true;
  }
  [[nodiscard]] bool exhausted() const noexcept override { return next_ >= ticks_.size(); }
  [[nodiscard]] std::size_t emitted() const noexcept { return emitted_.load(); }

 private:
  std::vector<MarketTick> ticks_;
  std::size_t next_ = 0;
  std::atomic<std::size_t> emitted_{0};
  std::function<std::uint64_t()> settled_;
};

inline MarketTick perp_tick(InstrumentId i, double price, double index = 0.0) {
  MarketTick t;
  t.instrument = i;
  t.bid = price - 0.1;
  t.ask = price + 0.1;
  t.mark = price;
  t.index = index > 0 ? index : price;
  return t;
}

}  // namespace ballast::testing
