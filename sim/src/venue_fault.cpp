#include "ballast/venue/venue_fault.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace ballast::venue {
namespace {

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t k = 0;
  while (k < s.size()) {
    while (k < s.size() && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n')) ++k;
    const std::size_t start = k;
    while (k < s.size() && !(s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n')) ++k;
    if (k > start) out.push_back(s.substr(start, k - start));
  }
  return out;
}

template <class T>
std::optional<T> number(std::string_view text) {
  T v{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<FaultCommand> fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

std::string FaultCommand::to_string() const {
  switch (kind) {
    case Kind::drop:
      return "drop";
    case Kind::delay:
      return "delay " + std::to_string(delay_ms);
    case Kind::reject:
      return "reject " + std::to_string(count);
    case Kind::freeze:
      return symbol.empty() ? "freeze" : "freeze " + symbol;
    case Kind::unfreeze:
      return symbol.empty() ? "unfreeze" : "unfreeze " + symbol;
    case Kind::widen: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "widen %g", factor);
      return buf;
    }
    case Kind::clear:
      return "clear";
    case Kind::mute_positions:
      return "mute-positions";
  }
  return "clear";
}

std::optional<FaultCommand> parse_fault_command(std::string_view line, std::string* error) {
  const std::vector<std::string_view> w = words(line);
  if (w.empty()) return fail(error, "empty command");
  const std::string_view verb = w[0];
  FaultCommand c;
  auto arity = [&](std::size_t lo, std::size_t hi) {
    return w.size() - 1 >= lo && w.size() - 1 <= hi;
  };
  if (verb == "drop" || verb == "clear" || verb == "mute-positions") {
    if (!arity(0, 0)) return fail(error, std::string(verb) + " takes no argument");
    c.kind = verb == "drop"    ? FaultCommand::Kind::drop
             : verb == "clear" ? FaultCommand::Kind::clear
                               : FaultCommand::Kind::mute_positions;
  } else if (verb == "delay") {
    const auto ms = arity(1, 1) ? number<std::int64_t>(w[1]) : std::nullopt;
    if (!ms || *ms < 0) return fail(error, "delay MS: MS must be a whole number >= 0");
    c.kind = FaultCommand::Kind::delay;
    c.delay_ms = *ms;
  } else if (verb == "reject") {
    const auto n = arity(1, 1) ? number<std::uint32_t>(w[1]) : std::nullopt;
    if (!n) return fail(error, "reject N: N must be a whole number >= 0");
    c.kind = FaultCommand::Kind::reject;
    c.count = *n;
  } else if (verb == "freeze" || verb == "unfreeze") {
    if (!arity(0, 1)) return fail(error, std::string(verb) + " [SYMBOL]: one symbol at most");
    c.kind = verb == "freeze" ? FaultCommand::Kind::freeze : FaultCommand::Kind::unfreeze;
    if (w.size() == 2) c.symbol = std::string(w[1]);
  } else if (verb == "widen") {
    const auto f = arity(1, 1) ? number<double>(w[1]) : std::nullopt;
    if (!f || !std::isfinite(*f) || *f < 1.0)
      return fail(error, "widen FACTOR: FACTOR must be a number >= 1");
    c.kind = FaultCommand::Kind::widen;
    c.factor = *f;
  } else {
    return fail(error, "unknown command '" + std::string(verb) +
                           "' (drop, delay MS, reject N, freeze [SYMBOL], unfreeze [SYMBOL], "
                           "widen FACTOR, clear)");
  }
  return c;
}

std::optional<ScheduledFault> parse_scheduled_fault(std::string_view line, std::string* error) {
  const std::vector<std::string_view> w = words(line);
  if (w.size() < 2) {
    if (error) *error = "expected \"SECONDS COMMAND\"";
    return std::nullopt;
  }
  const auto at = number<double>(w[0]);
  if (!at || !std::isfinite(*at) || *at < 0.0) {
    if (error) *error = "expected \"SECONDS COMMAND\": SECONDS must be a number >= 0";
    return std::nullopt;
  }
  const std::size_t rest = static_cast<std::size_t>(w[1].data() - line.data());
  auto cmd = parse_fault_command(line.substr(rest), error);
  if (!cmd) return std::nullopt;
  return ScheduledFault{*at, std::move(*cmd)};
}

}  // namespace ballast::venue
