// Binance's decimal strings ("0.00100000", "43187.00") read exactly: as a Decimal, as a
// whole number of lots or ticks of an instrument, or as a double for market data. No
// allocation, no exceptions: the per-message path of every Binance parser uses these.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ballast/core/decimal.hpp"

namespace ballast::binance {

// The grammar is Decimal::parse_wire's (core/decimal.hpp), shared with FIX.

// `text` as a whole number of `step`s; nullopt when it is not a whole multiple (a
// quantity that is not a whole number of lots is a protocol error, not something to round),
// unparseable, or overflows.
[[nodiscard]] std::optional<std::int64_t> wire_decimal_to_steps_exact(std::string_view text,
                                                                      const Decimal& step) noexcept;

struct NearestSteps {
  std::int64_t steps = 0;
  bool exact = true;  // false: rounded to the nearest step (halves away from zero)
};
// `text` to the nearest whole number of `step`s (fill prices: an average price is rarely
// on the tick grid). nullopt when unparseable or overflowing.
[[nodiscard]] std::optional<NearestSteps> wire_decimal_to_steps_nearest(
    std::string_view text, const Decimal& step) noexcept;

// `text` as a finite double (std::from_chars: locale-free, no allocation); nullopt when
// it is not a decimal number in the grammar above.
[[nodiscard]] std::optional<double> parse_wire_double(std::string_view text) noexcept;

}  // namespace ballast::binance
