// RecentFillIds: the execution ids of the fills the engine applied lately, so a fill the
// venue sends again (a resend after a reconnect, a report replayed after a restart) is
// applied once. Fixed size, no allocation: two generations of an open-addressed table;
// inserting the Gen-th id of a generation starts the other afresh, so at least the last
// Gen and at most 2*Gen ids are remembered.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace ballast {

class RecentFillIds {
 public:
  static constexpr std::size_t kGeneration = 2048;  // fills, far more than an order's life
  static_assert((kGeneration & (kGeneration - 1)) == 0, "a power of two");

  [[nodiscard]] bool contains(std::uint64_t id) const noexcept {
    return id != 0 && (find(tables_[0], id) || find(tables_[1], id));
  }
  void insert(std::uint64_t id) noexcept {
    if (id == 0 || contains(id)) return;
    if (count_ == kGeneration) {
      current_ ^= 1u;
      tables_[current_].fill(0);
      count_ = 0;
    }
    Table& t = tables_[current_];
    std::size_t i = slot_of(id);
    while (t[i] != 0) i = (i + 1) & (kSlots - 1);
    t[i] = id;
    ++count_;
  }

 private:
  static constexpr std::size_t kSlots = 2 * kGeneration;  // load factor at most 1/2
  using Table = std::array<std::uint64_t, kSlots>;        // 0: empty (no id is 0)

  // The ids are hashes already; the mix spreads ids that differ in high bits only.
  static std::size_t slot_of(std::uint64_t id) noexcept {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ULL) >> 40) & (kSlots - 1);
  }
  static bool find(const Table& t, std::uint64_t id) noexcept {
    for (std::size_t i = slot_of(id); t[i] != 0; i = (i + 1) & (kSlots - 1))
      if (t[i] == id) return true;
    return false;
  }

  std::array<Table, 2> tables_{};
  std::size_t current_ = 0;
  std::size_t count_ = 0;
};

// A venue's execution id text as the 64-bit id ExecReport carries (FNV-1a; never 0).
[[nodiscard]] constexpr std::uint64_t exec_id_of(const char* text, std::size_t size) noexcept {
  if (size == 0) return 0;
  std::uint64_t h = 1469598103934665603ULL;
  for (std::size_t k = 0; k < size; ++k)
    h = (h ^ static_cast<unsigned char>(text[k])) * 1099511628211ULL;
  return h == 0 ? 1 : h;
}

}  // namespace ballast
