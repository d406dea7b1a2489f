#include "ballast/binance/wire_numbers.hpp"

#include <charconv>
#include <cmath>

#include "ballast/core/int128.hpp"

namespace ballast::binance {
namespace {

bool pow10(std::int32_t e, Int128& out) noexcept {
  if (e < 0 || e > 36) return false;
  Int128 v = 1;
  for (std::int32_t i = 0; i < e; ++i) v *= 10;
  out = v;
  return true;
}

// value / step as an integer quotient and remainder over a common scale.
bool divide(const Decimal& value, const Decimal& step, Int128& quotient, Int128& remainder,
            Int128& divisor) noexcept {
  if (step.units <= 0 || step.scale < 0 || value.scale < 0) return false;
  const std::int32_t scale = value.scale > step.scale ? value.scale : step.scale;
  Int128 vm = 0, sm = 0;
  if (!pow10(scale - value.scale, vm) || !pow10(scale - step.scale, sm)) return false;
  const Int128 v = static_cast<Int128>(value.units) * vm;
  divisor = static_cast<Int128>(step.units) * sm;
  quotient = v / divisor;
  remainder = v % divisor;
  return true;
}

bool fits_int64(Int128 v) noexcept {
  return v >= static_cast<Int128>(INT64_MIN) && v <= static_cast<Int128>(INT64_MAX);
}

}  // namespace

std::optional<std::int64_t> wire_decimal_to_steps_exact(std::string_view text,
                                                        const Decimal& step) noexcept {
  const auto value = Decimal::parse_wire(text);
  if (!value) return std::nullopt;
  Int128 q = 0, r = 0, d = 0;
  if (!divide(*value, step, q, r, d) || r != 0 || !fits_int64(q)) return std::nullopt;
  return static_cast<std::int64_t>(q);
}

std::optional<NearestSteps> wire_decimal_to_steps_nearest(std::string_view text,
                                                          const Decimal& step) noexcept {
  const auto value = Decimal::parse_wire(text);
  if (!value) return std::nullopt;
  Int128 q = 0, r = 0, d = 0;
  if (!divide(*value, step, q, r, d)) return std::nullopt;
  NearestSteps out;
  out.exact = r == 0;
  const Int128 abs_r = r < 0 ? -r : r;
  if (2 * abs_r >= d) q += (r < 0 ? -1 : 1);
  if (!fits_int64(q)) return std::nullopt;
  out.steps = static_cast<std::int64_t>(q);
  return out;
}

std::optional<double> parse_wire_double(std::string_view text) noexcept {
  // The grammar check first: from_chars alone would accept "1e5", "inf" and "nan".
  if (!Decimal::parse_wire(text)) {
    // More than 18 significant digits is still a valid price for market data.
    if (text.empty()) return std::nullopt;
    for (char c : text)
      if (!((c >= '0' && c <= '9') || c == '.' || c == '-')) return std::nullopt;
  }
  double v = 0.0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

}  // namespace ballast::binance
