// An in-process venue behind the OrderSink seam, so the whole md -> engine -> order ->
// exec loop runs in tests and benchmarks without sockets. It encodes each order as a
// FIX 4.4 NewOrderSingle into a fixed buffer (the real encoding work), acknowledges it
// and fills it at its limit price with the instrument's taker fee.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "ballast/core/model.hpp"
#include "ballast/core/order_gate.hpp"

namespace ballast {

class LoopbackVenue final : public OrderSink {
 public:
  explicit LoopbackVenue(const Universe& universe) noexcept : universe_(universe) {}

  bool send(OrderRequest& order) noexcept override;
  std::size_t poll_reports(ExecReport* out, std::size_t max) noexcept override;
  void warm() noexcept override;

  // Resting mode (tests of cancels): new orders are acknowledged and rest, unfilled, until
  // cancelled (RequestKind::cancel) or filled by fill_resting(). Off by default.
  void set_resting(bool resting) noexcept { resting_mode_ = resting; }
  // Fills every resting order at its limit price (reports queued as for a normal fill).
  void fill_resting() noexcept;
  [[nodiscard]] std::size_t resting_count() const noexcept { return resting_count_; }
  [[nodiscard]] std::uint64_t cancels_received() const noexcept { return cancels_; }
  // Cancels of an order that is not resting (already filled or never seen): refused, the
  // way a venue's cancel-reject is reported (an ack carrying kRejectCodeCancelRefused).
  [[nodiscard]] std::uint64_t cancels_refused() const noexcept { return cancels_refused_; }
  [[nodiscard]] std::uint64_t orders_received() const noexcept { return received_; }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_; }
  // Reports lost because nobody polled (must stay 0; the order agent polls every round).
  [[nodiscard]] std::uint64_t reports_overflowed() const noexcept { return overflowed_; }
  // The last message as it would have gone on the wire (tests read it).
  [[nodiscard]] const char* last_message() const noexcept { return wire_.data(); }
  [[nodiscard]] std::size_t last_message_size() const noexcept { return wire_size_; }

 private:
  void queue(const ExecReport& r) noexcept;
  void queue_fill(const OrderRequest& order) noexcept;
  void cancel(const OrderRequest& request) noexcept;

  const Universe& universe_;
  std::array<char, 256> wire_{};
  std::array<char, 256> scratch_{};
  InstrumentId last_instrument_ = 0;
  std::size_t wire_size_ = 0;
  std::array<ExecReport, 64> reports_{};  // pending reports; the order agent drains it each round
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t overflowed_ = 0;
  std::uint32_t seq_ = 0;
  bool resting_mode_ = false;
  std::array<OrderRequest, 64> resting_{};
  std::size_t resting_count_ = 0;
  std::uint64_t cancels_ = 0;
  std::uint64_t cancels_refused_ = 0;
};

// Writes a FIX 4.4 NewOrderSingle (tag=value, SOH-separated, BodyLength and CheckSum)
// for `order` into `buf`; returns the length, 0 if it does not fit. No allocation.
std::size_t encode_new_order_single(const OrderRequest& order, const InstrumentSpec& spec,
                                    std::uint32_t seq_num, char* buf, std::size_t cap) noexcept;

}  // namespace ballast
