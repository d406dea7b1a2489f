// CRC-32C (Castagnoli), the checksum of every journal record: it tells a record torn by a
// crash, or a flipped bit on disk, from one that was written whole.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ballast::journal {

// crc32c("123456789") == 0xE3069283. `seed` continues a checksum over several pieces.
[[nodiscard]] std::uint32_t crc32c(const void* data, std::size_t size,
                                   std::uint32_t seed = 0) noexcept;

}  // namespace ballast::journal
