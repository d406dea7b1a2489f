// The side of an order, one word for the whole system: the planner's plan, the events on
// the rings, the gateways' encoders and the simulator's books all say `Side`.
#pragma once

#include <cstdint>

namespace ballast {

enum class Side : std::uint8_t { buy, sell };

[[nodiscard]] constexpr const char* to_string(Side s) noexcept {
  return s == Side::buy ? "buy" : "sell";
}

}  // namespace ballast
