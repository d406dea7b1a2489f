// Small integer ids for assets and instruments, and the fixed capacities that let the
// per-tick state live in flat arrays (no maps, no allocation on the hot path).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ballast {

using AssetId = std::uint16_t;
using InstrumentId = std::uint16_t;
using VenueId = std::uint8_t;

inline constexpr AssetId kNoAsset = 0xFFFF;
inline constexpr InstrumentId kNoInstrument = 0xFFFF;

// Capacities sized for a desk portfolio (tens of assets); raising them costs only memory.
inline constexpr std::size_t kMaxAssets = 32;
inline constexpr std::size_t kMaxInstruments = 128;
inline constexpr std::size_t kMaxHedgeInstruments = 4;  // per target asset
inline constexpr std::size_t kMaxBookLevels = 20;
inline constexpr std::size_t kMaxVenues = 8;
inline constexpr std::size_t kMaxOpenOrders = 64;

}  // namespace ballast
