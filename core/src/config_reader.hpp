// The loader's reading machinery over toml++ (private to core): Section marks the keys a
// reader looks at, ConfigReader converts nodes to typed values and collects every problem.
// Modules never see it; they read through ConfigSection (ballast/core/config_section.hpp).
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ballast/core/config.hpp"
#include "ballast/core/config_section.hpp"
#include "ballast/core/decimal.hpp"

namespace ballast {

// Config and credentials files are small; anything past this is not one.
inline constexpr std::size_t kMaxConfigBytes = 1 << 20;

// Shortest text that reads back as `v`, so messages echo a value as the user wrote it.
[[nodiscard]] std::string format_number(double v);
// Computed sums carry binary noise (0.7 + 0.4 prints as 1.0999999999999999 in full).
[[nodiscard]] std::string format_sum(double v);
[[nodiscard]] inline std::string indexed(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}
[[nodiscard]] inline int line_of(const toml::node& n) {
  return static_cast<int>(n.source().begin.line);
}
[[nodiscard]] const char* type_name(toml::node_type t);

// `path` as the config names it, relative to the config file's directory unless absolute.
[[nodiscard]] std::string resolve_path(const std::string& config_file, const std::string& path);

[[nodiscard]] std::optional<std::int64_t> unix_seconds(int y, int mo, int d, int hour, int minute,
                                                       int second, int offset_minutes);
// RFC 3339 ("2026-12-25T08:00:00Z", offsets and fractions allowed) for configs that quote
// their timestamps; TOML's own date-time literal is handled by toml++.
[[nodiscard]] std::optional<std::int64_t> parse_rfc3339(std::string_view t);

struct ShapeProblem {
  int line = 0;
  std::string problem;
};
// A linear scan before toml++ sees the text: nesting of [ and { (outside strings and
// comments) and the number of parts of a dotted key, each capped (toml++ recurses per
// level, so a 50,000-level header would overflow the stack before any check ran).
[[nodiscard]] std::optional<ShapeProblem> config_shape_problem(std::string_view t);

// A TOML table being read. Getters mark the keys they look at, so a key still unmarked
// when the table is finished is one Ballast does not know, usually a typo.
class Section {
 public:
  Section(const toml::table& table, std::string path) : table_(table), path_(std::move(path)) {}

  [[nodiscard]] const toml::table& table() const { return table_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string child(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  // The root table has no line of its own; errors there name only the file.
  [[nodiscard]] int line() const { return path_.empty() ? 0 : line_of(table_); }
  // Where `key` is, or the table itself when the key is absent.
  [[nodiscard]] int line_of_key(std::string_view key) const {
    const toml::node* n = table_.get(key);
    return n ? line_of(*n) : line();
  }
  [[nodiscard]] bool has(std::string_view key) const { return table_.get(key) != nullptr; }

  const toml::node* take(std::string_view key) {
    seen_.emplace_back(key);
    return table_.get(key);
  }
  [[nodiscard]] bool seen(std::string_view key) const {
    return std::find(seen_.begin(), seen_.end(), key) != seen_.end();
  }

 private:
  const toml::table& table_;
  std::string path_;
  std::vector<std::string> seen_;
};

// Holds the error list and converts TOML nodes to typed values. Every conversion reports
// its own problem (wrong type, out of range, not exact) and returns nullopt, so callers
// only decide what to do with a value that is good.
class ConfigReader {
 public:
  explicit ConfigReader(std::string file) : file_(std::move(file)) {}

  void error(int line, std::string key, std::string problem) {
    errors_.push_back(ConfigError{file_, line, std::move(key), std::move(problem)});
  }
  void error(const toml::node& at, std::string key, std::string problem) {
    error(line_of(at), std::move(key), std::move(problem));
  }
  std::vector<ConfigError> take_errors() {
    // Problems are found section by section and cross-checks come last; file order
    // is how an operator reads them.
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
    return std::move(errors_);
  }

  // ---- Conversions of a node already found; `what` names the value in messages.

  std::optional<double> as_number(const toml::node& n, const std::string& path,
                                  std::string_view what, Range range) {
    double v = 0.0;
    if (const auto* i = n.as_integer()) {
      v = static_cast<double>(i->get());
    } else if (const auto* f = n.as_floating_point()) {
      v = f->get();
    } else {
      wrong_type(n, path, "a number");
      return std::nullopt;
    }
    if (!finite(n, path, what, v) || !in_range(n, path, what, v, range)) return std::nullopt;
    return v;
  }

  std::optional<std::int64_t> as_integer(const toml::node& n, const std::string& path,
                                         std::string_view what, Range range) {
    const auto* i = n.as_integer();
    if (!i) {
      wrong_type(n, path, "an integer");
      return std::nullopt;
    }
    if (!in_range(n, path, what, static_cast<double>(i->get()), range)) return std::nullopt;
    return i->get();
  }

  // Sizes that reach the wire must be the decimal the user wrote. A double's shortest
  // round-trip text is that decimal only up to 15 significant digits, so beyond that the
  // value is refused rather than silently changed.
  std::optional<Decimal> as_decimal(const toml::node& n, const std::string& path,
                                    std::string_view what, Range range) {
    std::optional<Decimal> d;
    if (const auto* i = n.as_integer()) {
      d = Decimal::from_int(i->get());
    } else if (const auto* f = n.as_floating_point()) {
      const double v = f->get();
      if (!finite(n, path, what, v)) return std::nullopt;
      d = Decimal::from_double(v);
      if (!d) {
        error(n, path,
              std::string(what) + " " + format_number(v) +
                  " cannot be represented exactly (at most 18 decimal places)");
        return std::nullopt;
      }
      if (d->significant_digits() > Decimal::kMaxSignificantDigits) {
        error(n, path,
              "more than " + std::to_string(Decimal::kMaxSignificantDigits) +
                  " significant digits cannot be represented exactly (got " + format_number(v) +
                  ")");
        return std::nullopt;
      }
    } else {
      wrong_type(n, path, "a number");
      return std::nullopt;
    }
    if (!in_range(n, path, what, d->to_double(), range)) return std::nullopt;
    return d;
  }

  std::optional<std::string> as_string(const toml::node& n, const std::string& path) {
    if (const auto* s = n.as_string()) return s->get();
    wrong_type(n, path, "a string");
    return std::nullopt;
  }

  // Symbols and asset names: an empty one could never match anything.
  std::optional<std::string> as_name(const toml::node& n, const std::string& path) {
    auto s = as_string(n, path);
    if (s && s->empty()) {
      error(n, path, "must not be empty");
      return std::nullopt;
    }
    return s;
  }

  std::optional<bool> as_bool(const toml::node& n, const std::string& path) {
    if (const auto* b = n.as_boolean()) return b->get();
    wrong_type(n, path, "a boolean");
    return std::nullopt;
  }

  // A TOML offset date-time, or a string in RFC 3339 for configs that quote it.
  std::optional<std::int64_t> as_unix_seconds(const toml::node& n, const std::string& path) {
    if (const auto* dt = n.as_date_time()) {
      const toml::date_time& v = dt->get();
      if (!v.offset) {
        error(n, path, "needs a UTC offset, e.g. 2026-12-25T08:00:00Z");
        return std::nullopt;
      }
      return unix_seconds(v.date.year, v.date.month, v.date.day, v.time.hour, v.time.minute,
                          v.time.second, v.offset->minutes);
    }
    if (const auto* s = n.as_string()) {
      if (auto t = parse_rfc3339(s->get())) return t;
      error(n, path,
            "expected an RFC 3339 date-time like 2026-12-25T08:00:00Z, got \"" + s->get() + "\"");
      return std::nullopt;
    }
    wrong_type(n, path, "a date-time");
    return std::nullopt;
  }

  template <class E, std::size_t N>
  std::optional<E> as_choice(const toml::node& n, const std::string& path,
                             const std::array<Option<E>, N>& options) {
    std::array<std::string_view, N> names{};
    for (std::size_t k = 0; k < N; ++k) names[k] = options[k].name;
    const auto index = as_choice_index(n, path, names.data(), N);
    if (!index) return std::nullopt;
    return options[*index].value;
  }

  // Which of `names` the string node is; "expected one of ..." otherwise.
  std::optional<std::size_t> as_choice_index(const toml::node& n, const std::string& path,
                                             const std::string_view* names, std::size_t count) {
    const auto s = as_string(n, path);
    if (!s) return std::nullopt;
    std::string listed;
    for (std::size_t k = 0; k < count; ++k) {
      if (names[k] == *s) return k;
      listed += (listed.empty() ? "\"" : ", \"") + std::string(names[k]) + "\"";
    }
    error(n, path, "expected one of " + listed + ", got \"" + *s + "\"");
    return std::nullopt;
  }

  const toml::table* as_table(const toml::node& n, const std::string& path) {
    if (const auto* t = n.as_table()) return t;
    wrong_type(n, path, "a table");
    return nullptr;
  }

  const toml::array* as_array(const toml::node& n, const std::string& path) {
    if (const auto* a = n.as_array()) return a;
    wrong_type(n, path, "an array");
    return nullptr;
  }

  // ---- Keyed getters: look `key` up in `s` (reporting it when required and absent),
  // then convert it as above.

  const toml::node* find(Section& s, std::string_view key, Need need) {
    const toml::node* n = s.take(key);
    if (!n && need == Need::required) error(s.line(), s.child(key), "missing required key");
    return n;
  }

  std::optional<double> number(Section& s, std::string_view key, Need need,
                               Range range = kAnyValue) {
    return get(s, key, need, [&](const toml::node& n, const std::string& path) {
      return as_number(n, path, key, range);
    });
  }
  std::optional<std::int64_t> integer(Section& s, std::string_view key, Need need,
                                      Range range = kAnyValue) {
    return get(s, key, need, [&](const toml::node& n, const std::string& path) {
      return as_integer(n, path, key, range);
    });
  }
  std::optional<Decimal> decimal(Section& s, std::string_view key, Need need,
                                 Range range = kAnyValue) {
    return get(s, key, need, [&](const toml::node& n, const std::string& path) {
      return as_decimal(n, path, key, range);
    });
  }
  std::optional<std::string> name(Section& s, std::string_view key, Need need) {
    return get(s, key, need,
               [&](const toml::node& n, const std::string& path) { return as_name(n, path); });
  }
  std::optional<bool> boolean(Section& s, std::string_view key, Need need) {
    return get(s, key, need,
               [&](const toml::node& n, const std::string& path) { return as_bool(n, path); });
  }
  std::optional<std::int64_t> unix_time(Section& s, std::string_view key, Need need) {
    return get(s, key, need, [&](const toml::node& n, const std::string& path) {
      return as_unix_seconds(n, path);
    });
  }
  template <class E, std::size_t N>
  std::optional<E> choice(Section& s, std::string_view key, Need need,
                          const std::array<Option<E>, N>& options) {
    return get(s, key, need, [&](const toml::node& n, const std::string& path) {
      return as_choice(n, path, options);
    });
  }
  const toml::array* array(Section& s, std::string_view key, Need need) {
    const toml::node* n = find(s, key, need);
    return n ? as_array(*n, s.child(key)) : nullptr;
  }

  // A key that is valid elsewhere but not here (expiry on a perpetual, say) gets a
  // reason instead of a bare "unknown key".
  void forbid(Section& s, std::string_view key, const std::string& why) {
    if (const toml::node* n = s.take(key)) error(*n, s.child(key), why);
  }

  // Reads the sub-table `key` of `parent` with read(section), then reports its unknown keys.
  template <class Read>
  void table(Section& parent, std::string_view key, Need need, Read&& read) {
    const toml::node* n = find(parent, key, need);
    if (!n) return;
    const toml::table* t = as_table(*n, parent.child(key));
    if (!t) return;
    Section s(*t, parent.child(key));
    read(s);
    finish(s);
  }

  // Reads each element of an array of tables with read(section); past max_items the
  // rest is refused with one error.
  template <class Read>
  void each_table(const toml::array& array, const std::string& path, Read&& read,
                  std::size_t max_items = std::numeric_limits<std::size_t>::max()) {
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string item = indexed(path, i);
      if (i == max_items) {
        error(array[i], item, "too many entries (at most " + std::to_string(max_items) + ")");
        return;
      }
      const toml::table* t = as_table(array[i], item);
      if (!t) continue;
      Section s(*t, item);
      read(s);
      finish(s);
    }
  }

  // For tables whose keys are data (symbols), not settings: read(key, value, path) each.
  template <class Read>
  void each_entry(Section& parent, std::string_view key, Read&& read) {
    const toml::node* n = find(parent, key, Need::optional);
    if (!n) return;
    const std::string path = parent.child(key);
    const toml::table* t = as_table(*n, path);
    if (!t) return;
    for (auto&& [k, v] : *t) read(k.str(), v, path + "." + std::string(k.str()));
  }

  void finish(const Section& s) {
    for (auto&& [k, v] : s.table())
      if (!s.seen(k.str())) error(v, s.child(k.str()), "unknown key");
  }

 private:
  template <class Convert>
  auto get(Section& s, std::string_view key, Need need, Convert&& convert)
      -> decltype(convert(std::declval<const toml::node&>(), std::string())) {
    const toml::node* n = find(s, key, need);
    if (!n) return std::nullopt;
    return convert(*n, s.child(key));
  }

  void wrong_type(const toml::node& n, const std::string& path, std::string_view expected) {
    error(n, path, "expected " + std::string(expected) + ", got " + type_name(n.type()));
  }
  bool finite(const toml::node& n, const std::string& path, std::string_view what, double v) {
    if (std::isfinite(v)) return true;
    error(n, path, std::string(what) + " must be finite");
    return false;
  }
  bool in_range(const toml::node& n, const std::string& path, std::string_view what, double v,
                const Range& range) {
    if (range.contains(v)) return true;
    error(n, path,
          std::string(what) + " must be " + range.describe() + ", got " + format_number(v));
    return false;
  }

  std::string file_;
  std::vector<ConfigError> errors_;
};

}  // namespace ballast
