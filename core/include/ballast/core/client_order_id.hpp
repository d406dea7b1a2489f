// Client order ids unique across restarts: the high bits are a base taken from the wall
// clock in milliseconds at start-up (and, when a state directory is configured, never
// below the last id the previous run persisted), the low bits a per-run sequence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ballast {

class ClientOrderIdGenerator {
 public:
  static constexpr int kSequenceBits = 20;  // 1M orders before the base advances

  // base_ms: wall-clock ms now; floor: the last id issued by a previous run, if known.
  ClientOrderIdGenerator(std::uint64_t base_ms, std::optional<std::uint64_t> floor) noexcept;

  // Hot path: no syscall, no allocation.
  [[nodiscard]] std::uint64_t next() noexcept {
    if (sequence_ == (std::uint64_t{1} << kSequenceBits) - 1) {
      ++base_;  // the next millisecond's block; still above anything issued before
      sequence_ = 0;
    }
    last_ = (base_ << kSequenceBits) | ++sequence_;
    return last_;
  }
  [[nodiscard]] std::uint64_t last() const noexcept { return last_; }

  // Start-up/shut-down helpers for [engine] state_dir: the file holds the last id.
  static std::optional<std::uint64_t> read_floor(const std::string& path);
  static bool write_floor(const std::string& path, std::uint64_t last_id);

 private:
  std::uint64_t base_;
  std::uint64_t sequence_ = 0;
  std::uint64_t last_ = 0;
};

}  // namespace ballast
