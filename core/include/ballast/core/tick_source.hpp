// Where the market-data agent gets ticks: a replay file (ReplayTickSource), a venue's feed
// (FIX market data, Binance streams), or several merged (MergedTickSource). poll()
// is non-blocking and allocation-free; a source may stamp recv_tsc itself (an open-loop
// benchmark stamps the tick's scheduled time), otherwise the agent stamps the read.
#pragma once

#include <cstdint>

#include "ballast/core/events.hpp"

namespace ballast {

class TickSource {
 public:
  virtual ~TickSource() = default;
  // The next tick due at now_ns (CLOCK_MONOTONIC), if any.
  virtual bool poll(std::int64_t now_ns, MarketTick& out) noexcept = 0;
  [[nodiscard]] virtual bool exhausted() const noexcept = 0;
};

}  // namespace ballast
