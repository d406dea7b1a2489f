#include "ballast/core/decimal.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "ballast/core/int128.hpp"

namespace ballast {
namespace {

// 128-bit intermediates (Int128): a scaled int64 times a power of ten must not wrap.
constexpr std::int64_t kPow10[19] = {1,
                                     10,
                                     100,
                                     1000,
                                     10000,
                                     100000,
                                     1000000,
                                     10000000,
                                     100000000,
                                     1000000000,
                                     10000000000,
                                     100000000000,
                                     1000000000000,
                                     10000000000000,
                                     100000000000000,
                                     1000000000000000,
                                     10000000000000000,
                                     100000000000000000,
                                     1000000000000000000};

bool fits_i64(Int128 v) {
  return v >= std::numeric_limits<std::int64_t>::min() &&
         v <= std::numeric_limits<std::int64_t>::max();
}

// a * 10^k as Int128, nullopt when it leaves the int64 range.
std::optional<Int128> scale_up(std::int64_t a, std::int32_t k) {
  if (k < 0 || k > 18) return std::nullopt;
  const Int128 r = static_cast<Int128>(a) * kPow10[k];
  if (!fits_i64(r)) return std::nullopt;
  return r;
}

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view text) noexcept {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  Int128 units = 0;
  std::int32_t scale = 0;
  bool any_digit = false;
  bool in_fraction = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (in_fraction) return std::nullopt;
      in_fraction = true;
      continue;
    }
    if (c == '_') continue;  // TOML digit separators
    if (c == 'e' || c == 'E') break;
    if (c < '0' || c > '9') return std::nullopt;
    any_digit = true;
    units = units * 10 + (c - '0');
    if (units > static_cast<Int128>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    if (in_fraction) ++scale;
  }
  if (!any_digit) return std::nullopt;
  int exponent = 0;
  if (i < text.size()) {  // exponent part
    ++i;
    const char* first = text.data() + i;
    const char* last = text.data() + text.size();
    if (first != last && *first == '+') ++first;
    auto [ptr, ec] = std::from_chars(first, last, exponent);
    if (ec != std::errc{} || ptr != last) return std::nullopt;
  }
  std::int64_t mantissa = static_cast<std::int64_t>(units);
  std::int32_t s = scale - exponent;
  while (s < 0) {
    auto up = scale_up(mantissa, 1);
    if (!up) return std::nullopt;
    mantissa = static_cast<std::int64_t>(*up);
    ++s;
  }
  Decimal d{negative ? -mantissa : mantissa, s};
  d = d.normalized();
  if (d.scale > kMaxScale) return std::nullopt;
  return d;
}

std::optional<Decimal> Decimal::parse_wire(std::string_view text) noexcept {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && text[i] == '-') {
    negative = true;
    ++i;
  }
  std::int64_t units = 0;
  std::int32_t scale = 0;
  int digits = 0;
  bool any_digit = false;
  bool in_fraction = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (in_fraction) return std::nullopt;
      in_fraction = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any_digit = true;
    // Leading zeros are not significant digits; they cannot overflow the mantissa.
    if (units != 0 || c != '0') ++digits;
    if (digits > 18) return std::nullopt;
    units = units * 10 + (c - '0');
    if (in_fraction) ++scale;
  }
  if (!any_digit || scale > kMaxScale) return std::nullopt;
  return Decimal{negative ? -units : units, scale};
}

std::optional<Decimal> Decimal::from_double(double value) noexcept {
  if (!std::isfinite(value)) return std::nullopt;
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc{}) return std::nullopt;
  return parse(std::string_view(buf, static_cast<std::size_t>(ptr - buf)));
}

double Decimal::to_double() const noexcept {
  // Going through text gives the correctly rounded double (0.1 stays 0.1), which a
  // division units / 10^scale would not guarantee for large scales.
  char buf[48];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, units);
  if (ec != std::errc{}) return 0.0;
  std::size_t n = static_cast<std::size_t>(ptr - buf);
  buf[n++] = 'e';
  auto [p2, ec2] = std::to_chars(buf + n, buf + sizeof buf, -scale);
  if (ec2 != std::errc{}) return 0.0;
  double out = 0.0;
  std::from_chars(buf, p2, out);
  return out;
}

Decimal Decimal::normalized() const noexcept {
  Decimal d = *this;
  if (d.units == 0) return {0, 0};
  while (d.scale > 0 && d.units % 10 == 0) {
    d.units /= 10;
    --d.scale;
  }
  return d;
}

int Decimal::significant_digits() const noexcept {
  std::int64_t u = normalized().units;
  if (u == 0) return 1;
  while (u % 10 == 0) u /= 10;  // trailing zeros of a whole number are not significant
  int digits = 0;
  while (u != 0) {
    u /= 10;
    ++digits;
  }
  return digits;
}

std::string Decimal::to_string() const {
  const Decimal d = normalized();
  const bool negative = d.units < 0;
  // Magnitude via unsigned arithmetic so INT64_MIN does not overflow.
  const unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(d.units)
                                                : static_cast<unsigned long long>(d.units);
  std::string digits = std::to_string(magnitude);
  std::string out = negative ? "-" : "";
  if (d.scale == 0) return out + digits;
  const std::size_t s = static_cast<std::size_t>(d.scale);
  if (digits.size() <= s) digits.insert(0, s - digits.size() + 1, '0');
  out += digits.substr(0, digits.size() - s);
  out += '.';
  out += digits.substr(digits.size() - s);
  return out;
}

bool operator==(const Decimal& a, const Decimal& b) noexcept {
  const Decimal x = a.normalized();
  const Decimal y = b.normalized();
  return x.units == y.units && x.scale == y.scale;
}

std::optional<StepRounding> steps_exact(const Decimal& value, const Decimal& step) noexcept {
  if (step.units <= 0) return std::nullopt;
  // Bring both to the same scale, then integer-divide.
  const std::int32_t scale = value.scale > step.scale ? value.scale : step.scale;
  const auto v = scale_up(value.units, scale - value.scale);
  const auto s = scale_up(step.units, scale - step.scale);
  if (!v || !s) return std::nullopt;
  const Int128 q = *v / *s;  // C++ division truncates toward zero
  const Int128 r = *v - q * *s;
  if (!fits_i64(q)) return std::nullopt;
  StepRounding out;
  out.steps = static_cast<std::int64_t>(q);
  out.exact = r == 0;
  out.residual = Decimal{static_cast<std::int64_t>(r), scale}.to_double();
  return out;
}

StepRounding steps_toward_zero(double value, const Decimal& step) noexcept {
  return steps_toward_zero(value, step.to_double());
}

StepRounding steps_toward_zero(double value, double step_d) noexcept {
  StepRounding out;
  if (!(step_d > 0.0) || !std::isfinite(value)) {
    out.exact = value == 0.0;
    out.residual = std::isfinite(value) ? value : 0.0;
    return out;
  }
  const double q = value / step_d;
  out.overflow = !(std::fabs(q) < kMaxExactSteps);
  if (std::fabs(q) >= 9.0e18) {  // beyond int64: clamp, never wrap
    out.steps = q > 0 ? std::numeric_limits<std::int64_t>::max() / 2
                      : -(std::numeric_limits<std::int64_t>::max() / 2);
    out.exact = false;
    out.residual = value - static_cast<double>(out.steps) * step_d;
    return out;
  }
  const double nearest = std::nearbyint(q);
  // Relative, for binary noise in a computed quotient, but never more than a millionth
  // of a step: at 10^9 lots a relative 1e-9 would round a whole lot up, away from zero.
  const double tol = std::min(kStepSnapTolerance * (std::fabs(q) > 1.0 ? std::fabs(q) : 1.0), 1e-6);
  double whole;
  if (std::fabs(q - nearest) <= tol) {
    whole = nearest;
    out.exact = true;
    out.residual = 0.0;
  } else {
    whole = std::trunc(q);
    out.exact = false;
    out.residual = (q - whole) * step_d;
  }
  out.steps = static_cast<std::int64_t>(whole);
  return out;
}

std::optional<Decimal> multiply_steps(std::int64_t steps, const Decimal& step) noexcept {
  const Int128 r = static_cast<Int128>(steps) * step.units;
  if (!fits_i64(r)) return std::nullopt;
  return Decimal{static_cast<std::int64_t>(r), step.scale}.normalized();
}

std::size_t write_steps_decimal(std::int64_t steps, const Decimal& step, char* out,
                                std::size_t cap) noexcept {
  Int128 v = static_cast<Int128>(steps) * step.units;
  std::int32_t scale = step.scale;
  if (scale < 0) {  // not canonical, but exact all the same
    if (-scale > 18) return 0;
    v *= kPow10[-scale];
    scale = 0;
  }
  if (scale > Decimal::kMaxScale) return 0;
  const bool negative = v < 0;
  const Int128 mag = negative ? -v : v;
  if (mag > static_cast<Int128>(std::numeric_limits<unsigned long long>::max())) return 0;
  char digits[24];
  auto [p, ec] =
      std::to_chars(digits, digits + sizeof digits, static_cast<unsigned long long>(mag));
  if (ec != std::errc()) return 0;
  const std::size_t n = static_cast<std::size_t>(p - digits);
  const std::size_t sc = static_cast<std::size_t>(scale);
  const std::size_t need = (negative ? 1 : 0) + (n <= sc ? 2 + sc : n + (sc > 0 ? 1 : 0));
  if (need > cap) return 0;
  std::size_t k = 0;
  if (negative) out[k++] = '-';
  if (n <= sc) {  // 0.00ddd
    out[k++] = '0';
    out[k++] = '.';
    for (std::size_t z = n; z < sc; ++z) out[k++] = '0';
    std::memcpy(out + k, digits, n);
    k += n;
  } else {
    std::memcpy(out + k, digits, n - sc);
    k += n - sc;
    if (sc > 0) {
      out[k++] = '.';
      std::memcpy(out + k, digits + n - sc, sc);
      k += sc;
    }
  }
  return k;
}

}  // namespace ballast
