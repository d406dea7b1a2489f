#include "ballast/core/client_order_id.hpp"

#include <cstdio>
#include <fstream>

namespace ballast {

ClientOrderIdGenerator::ClientOrderIdGenerator(std::uint64_t base_ms,
                                               std::optional<std::uint64_t> floor) noexcept
    : base_(base_ms) {
  // A restart within the same millisecond, or a clock stepped backwards, must not reuse
  // ids: start above the previous run's last block.
  if (floor && (*floor >> kSequenceBits) >= base_) base_ = (*floor >> kSequenceBits) + 1;
}

std::optional<std::uint64_t> ClientOrderIdGenerator::read_floor(const std::string& path) {
  std::ifstream in(path);
  std::uint64_t v = 0;
  if (in >> v) return v;
  return std::nullopt;
}

bool ClientOrderIdGenerator::write_floor(const std::string& path, std::uint64_t last_id) {
  // Write then rename, so a crash mid-write never leaves a truncated floor behind.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!(out << last_id << '\n')) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace ballast
