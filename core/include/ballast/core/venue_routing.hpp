// Routes one engine to several venue gateways: VenueRoutedSink sends each order to the
// sink of its instrument's venue and merges their reports; MergedTickSource polls several
// feeds on one market-data thread. Both are fixed tables built at setup (no allocation,
// no lock on send/poll), so a FIX venue and a WebSocket venue can run side by side.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "ballast/core/ids.hpp"
#include "ballast/core/model.hpp"
#include "ballast/core/order_gate.hpp"
#include "ballast/core/tick_source.hpp"

namespace ballast {

class VenueRoutedSink final : public OrderSink {
 public:
  // `instrument_venue[i]` is the venue of instrument i (Universe order).
  explicit VenueRoutedSink(const Universe& universe) noexcept;

  // Every instrument of `venue` goes to `sink` (which must outlive this router). A venue
  // without a sink refuses its orders (send returns false: the engine books a reject).
  void route(VenueId venue, OrderSink& sink) noexcept;

  bool send(OrderRequest& order) noexcept override;
  // Drains the sinks in turn, starting after the one drained first last time, so a busy
  // venue cannot starve another's reports.
  std::size_t poll_reports(ExecReport* out, std::size_t max) noexcept override;
  void warm() noexcept override;

  [[nodiscard]] std::uint64_t unrouted() const noexcept { return unrouted_; }

 private:
  std::array<VenueId, kMaxInstruments> venue_of_{};
  std::array<OrderSink*, kMaxVenues> by_venue_{};
  std::array<OrderSink*, kMaxVenues> distinct_{};  // each sink once, for polling
  std::size_t distinct_count_ = 0;
  std::size_t next_poll_ = 0;
  std::uint64_t unrouted_ = 0;
};

class MergedTickSource final : public TickSource {
 public:
  static constexpr std::size_t kMaxSources = kMaxVenues;
  // False when full. Sources must outlive this object.
  bool add(TickSource& source) noexcept;
  // One tick from the next source that has one (round robin: a chatty feed cannot hide
  // another venue's ticks).
  bool poll(std::int64_t now_ns, MarketTick& out) noexcept override;
  // Every source is exhausted.
  [[nodiscard]] bool exhausted() const noexcept override;
  [[nodiscard]] std::size_t size() const noexcept { return count_; }

 private:
  std::array<TickSource*, kMaxSources> sources_{};
  std::size_t count_ = 0;
  std::size_t next_ = 0;
};

}  // namespace ballast
