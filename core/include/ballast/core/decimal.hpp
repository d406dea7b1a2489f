// Exact decimal numbers for the values that reach the wire: tick sizes, lot sizes,
// contract sizes, order prices and quantities. A Decimal is an integer mantissa and a
// power-of-ten scale, so 0.1 + 0.2 is 0.3 and a quantity in lots prints exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ballast {

// value = units * 10^-scale. Canonical form has no trailing zeros in units (scale >= 0).
struct Decimal {
  std::int64_t units = 0;
  std::int32_t scale = 0;

  // Largest scale kept: 18 decimal places covers every tick and lot size a venue uses.
  static constexpr std::int32_t kMaxScale = 18;
  // A double carries 15 significant decimal digits through text exactly; more would
  // mean the config value is not the number the user wrote.
  static constexpr int kMaxSignificantDigits = 15;

  // Config text: an optional sign, digits with '_' separators, '.', an exponent.
  [[nodiscard]] static std::optional<Decimal> parse(std::string_view text) noexcept;
  // Wire text, the one grammar FIX floats and Binance's decimal strings share: optional
  // '-', digits, optional '.' and digits; nothing else, at most 18 significant digits.
  // Trailing zeros stay in the scale (not canonical). No allocation, never throws.
  [[nodiscard]] static std::optional<Decimal> parse_wire(std::string_view text) noexcept;
  // The shortest decimal that round-trips to `value` (std::to_chars). For any literal of
  // up to 15 significant digits this is exactly the literal the config file held.
  [[nodiscard]] static std::optional<Decimal> from_double(double value) noexcept;
  [[nodiscard]] static constexpr Decimal from_int(std::int64_t v) noexcept { return {v, 0}; }

  [[nodiscard]] double to_double() const noexcept;
  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] Decimal normalized() const noexcept;
  [[nodiscard]] bool is_positive() const noexcept { return units > 0; }
  [[nodiscard]] int significant_digits() const noexcept;

  friend bool operator==(const Decimal& a, const Decimal& b) noexcept;
};

// Result of expressing a quantity as a whole number of steps (lots or ticks), rounded
// toward zero. `residual` is what rounding left out, in the quantity's own units.
struct StepRounding {
  std::int64_t steps = 0;
  double residual = 0.0;
  bool exact = true;
  // The quotient is beyond kMaxExactSteps: `steps` is clamped and must not be sent.
  bool overflow = false;
};

// The largest step count a computed quantity may have: 2^53, beyond which a double no
// longer holds every integer, so the count would not be the quantity asked for.
inline constexpr double kMaxExactSteps = 9007199254740992.0;

// Exact: how many `step`s make `value`, truncated toward zero (integer arithmetic).
// Returns nullopt on overflow. `exact` tells whether value was a whole multiple.
[[nodiscard]] std::optional<StepRounding> steps_exact(const Decimal& value,
                                                      const Decimal& step) noexcept;

// For computed quantities (notional / price): truncate value/step toward zero, except
// that a quotient within kStepSnapTolerance (relative) of a whole number snaps to it, so
// a value that is an exact multiple in decimal (0.3 / 0.1) is not lost to binary error.
inline constexpr double kStepSnapTolerance = 1e-9;
[[nodiscard]] StepRounding steps_toward_zero(double value, const Decimal& step) noexcept;
// The same with the step already as a double (hot path: Decimal::to_double goes through
// text, which costs hundreds of instructions).
[[nodiscard]] StepRounding steps_toward_zero(double value, double step) noexcept;

// steps * step, exactly (nullopt on overflow).
[[nodiscard]] std::optional<Decimal> multiply_steps(std::int64_t steps,
                                                    const Decimal& step) noexcept;

// Exact decimal text of steps x step (899911 ticks of 0.1 -> "89991.1"; 250 lots of
// 0.001 -> "0.250": the step's decimal places are kept, which FIX and JSON both accept).
// Returns the length; 0 when it does not fit in `cap` or the product overflows. No
// allocation, no floating point: what order encoders put on the wire.
std::size_t write_steps_decimal(std::int64_t steps, const Decimal& step, char* out,
                                std::size_t cap) noexcept;

}  // namespace ballast
