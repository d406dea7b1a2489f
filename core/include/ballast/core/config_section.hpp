// How a module reads its own table of the config file ([orders] in gateways, [control] in
// control, [venue] in sim) without seeing TOML: a ConfigSection hands out typed values and
// reports every bad key in the loader's `file:line: key: problem` form, and a ConfigSchema
// is the registry of such readers that one load runs after core's domain tables.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ballast {

struct BallastConfig;
class ConfigReader;
class Section;

enum class Need : std::uint8_t { optional, required };
[[nodiscard]] inline Need need_if(bool required) noexcept {
  return required ? Need::required : Need::optional;
}

// The interval a number must lie in; either end may be open, closed or unbounded.
struct Range {
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  double lo = -kInf;
  double hi = kInf;
  bool lo_open = false;
  bool hi_open = false;

  [[nodiscard]] bool contains(double v) const {
    return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  }
  [[nodiscard]] std::string describe() const;
};

inline constexpr Range kAnyValue{};
inline constexpr Range kPositive{0.0, Range::kInf, true, false};
inline constexpr Range kNonNegative{0.0, Range::kInf, false, false};
inline constexpr Range kUnitClosed{0.0, 1.0, false, false};
inline constexpr Range kUnitOpen{0.0, 1.0, true, true};
inline constexpr Range kPort{1.0, 65535.0, false, false};

// One allowed spelling of an enumerated key and the value it stands for.
template <class E>
struct Option {
  std::string_view name;
  E value;
};

// A table of the file being read by the module that owns it. Getters mark the keys they
// look at (a key left unmarked is reported as unknown when the table is done), report a
// wrong type, range or missing required key themselves, and return nullopt then.
class ConfigSection {
 public:
  ConfigSection(ConfigReader& reader, Section& section, const BallastConfig& domain)
      : reader_(reader), section_(section), domain_(domain) {}

  // The domain tables as read so far (instruments, venues): what a section may refer to.
  [[nodiscard]] const BallastConfig& domain() const noexcept { return domain_; }
  // "orders.fix_port": the dotted path of `key` in this table, as errors name it.
  [[nodiscard]] std::string child(std::string_view key) const;
  [[nodiscard]] int line() const;                             // of the table's header
  [[nodiscard]] int line_of_key(std::string_view key) const;  // the table's when absent
  [[nodiscard]] bool has(std::string_view key) const;
  // `path` as the config names it, relative to the config file's directory unless absolute.
  [[nodiscard]] std::string resolve_path(std::string_view path) const;

  std::optional<double> number(std::string_view key, Need need, Range range = kAnyValue);
  std::optional<std::int64_t> integer(std::string_view key, Need need, Range range = kAnyValue);
  std::optional<std::string> name(std::string_view key, Need need);  // a non-empty string
  std::optional<bool> boolean(std::string_view key, Need need);
  // A non-empty string in the option list; "expected one of ..." otherwise.
  template <class E, std::size_t N>
  std::optional<E> choice(std::string_view key, Need need, const std::array<Option<E>, N>& options);

  // An array of non-empty strings, each with its path ("venue.faults[2]") and line; a bad
  // element is reported and left out.
  struct Item {
    std::string value;
    std::string path;
    int line = 0;
  };
  std::optional<std::vector<Item>> names(std::string_view key, Need need);

  // A key valid elsewhere but not here gets this reason instead of a bare "unknown key".
  void forbid(std::string_view key, std::string_view why);
  // A problem with `key` (its line, or the table's when it is absent).
  void error(std::string_view key, std::string problem);
  void error_at(int line, std::string path, std::string problem);

 private:
  std::optional<std::size_t> choice_index(std::string_view key, Need need,
                                          const std::string_view* names, std::size_t count);

  ConfigReader& reader_;
  Section& section_;
  const BallastConfig& domain_;
};

template <class E, std::size_t N>
std::optional<E> ConfigSection::choice(std::string_view key, Need need,
                                       const std::array<Option<E>, N>& options) {
  std::array<std::string_view, N> names{};
  for (std::size_t k = 0; k < N; ++k) names[k] = options[k].name;
  const auto index = choice_index(key, need, names.data(), N);
  if (!index) return std::nullopt;
  return options[*index].value;
}

// Checks across tables, run once every table is read: report with the line of the table
// (or key) the problem is best fixed at.
class ConfigChecks {
 public:
  explicit ConfigChecks(ConfigReader& reader, const BallastConfig& domain)
      : reader_(reader), domain_(domain) {}
  [[nodiscard]] const BallastConfig& domain() const noexcept { return domain_; }
  void error(int line, std::string key, std::string problem);

 private:
  ConfigReader& reader_;
  const BallastConfig& domain_;
};

// The registry of tables a load reads beyond core's domain tables. Each module adds its
// own (gateways: [feed], [orders], [websocket]; control: [control]; sim: [venue]) with a
// reader that fills a struct the module defines; whoever joins the modules (the runtime,
// an executable) builds the schema. A table nobody registered is an error, unless
// tolerate_other_tables() says another program owns it.
class ConfigSchema {
 public:
  using ReadTable = std::function<void(ConfigSection&)>;
  using Check = std::function<void(ConfigChecks&)>;

  struct Table {
    std::string name;
    Need need = Need::optional;
    ReadTable read;
  };

  void add_table(std::string name, Need need, ReadTable read);
  void add_check(Check check);
  // ballast-venue reads the domain and [venue]; the engine's tables are for `ballast`
  // to check, so it lets them pass unread.
  void tolerate_other_tables() noexcept { tolerate_other_tables_ = true; }

  [[nodiscard]] const std::vector<Table>& tables() const noexcept { return tables_; }
  [[nodiscard]] const std::vector<Check>& checks() const noexcept { return checks_; }
  [[nodiscard]] bool tolerates_other_tables() const noexcept { return tolerate_other_tables_; }

 private:
  std::vector<Table> tables_;
  std::vector<Check> checks_;
  bool tolerate_other_tables_ = false;
};

// Keeps `out`'s default unless the key was read and good.
template <class T>
void assign(const std::optional<T>& value, T& out) {
  if (value) out = *value;
}

// Reads a regular file of at most 1 MiB (a config, a credentials or settings file) into
// `out`; on failure returns the reason (the OS's, or "not a regular file").
[[nodiscard]] std::optional<std::string> read_config_text(const std::string& path,
                                                          std::string& out);

// 127.0.0.0/8, ::1 and "localhost": traffic that never leaves the machine.
[[nodiscard]] bool is_loopback_host(std::string_view host) noexcept;

}  // namespace ballast
