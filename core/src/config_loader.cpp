// Loads the TOML config of DESIGN.md into BallastConfig. The loader never stops at the
// first problem: an operator fixing a file should see every bad key in one run, so each
// getter reports what is wrong and returns nullopt, and reading carries on.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "ballast/core/agent.hpp"
#include "ballast/core/config.hpp"
#include "ballast/core/venue_fault.hpp"

namespace ballast {
namespace {

// Reads a regular file of at most kMaxConfigBytes (defined below).
std::optional<std::string> read_file(const std::string& path, std::string& out);

constexpr double kInf = std::numeric_limits<double>::infinity();
// Weights are typed by hand as decimals (0.1 + 0.2 + 0.7); binary noise must not fail them.
constexpr double kWeightTolerance = 1e-9;

// Shortest text that reads back as `v`, so messages echo a value as the user wrote it.
std::string format_number(double v) {
  char buf[64];
  // Whole numbers as written in a config ("600000", not the shorter "6e+05").
  const auto fmt = v == std::floor(v) && std::fabs(v) < 1e15 ? std::chars_format::fixed
                                                             : std::chars_format::general;
  const auto [ptr, ec] = fmt == std::chars_format::fixed
                             ? std::to_chars(buf, buf + sizeof buf, v, fmt)
                             : std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, ptr) : std::string("?");
}

// Computed sums carry binary noise (0.7 + 0.4 prints as 1.0999999999999999 in full).
std::string format_sum(double v) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 10);
  return ec == std::errc{} ? std::string(buf, ptr) : std::string("?");
}

std::string indexed(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

int line_of(const toml::node& n) {
  return static_cast<int>(n.source().begin.line);
}

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
  }
  return "?";
}

// The interval a number must lie in; either end may be open, closed or unbounded.
struct Range {
  double lo = -kInf;
  double hi = kInf;
  bool lo_open = false;
  bool hi_open = false;

  [[nodiscard]] bool contains(double v) const {
    return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  }
  [[nodiscard]] std::string describe() const {
    if (hi == kInf) return (lo_open ? "> " : ">= ") + format_number(lo);
    if (lo == -kInf) return (hi_open ? "< " : "<= ") + format_number(hi);
    return std::string("in ") + (lo_open ? "(" : "[") + format_number(lo) + ", " +
           format_number(hi) + (hi_open ? ")" : "]");
  }
};

constexpr Range kAnyValue{};
constexpr Range kPositive{0.0, kInf, true, false};
constexpr Range kNonNegative{0.0, kInf, false, false};
constexpr Range kUnitClosed{0.0, 1.0, false, false};
constexpr Range kUnitOpen{0.0, 1.0, true, true};

enum class Need : std::uint8_t { optional, required };

Need need_if(bool required) {
  return required ? Need::required : Need::optional;
}

template <class E>
struct Option {
  std::string_view name;
  E value;
};

constexpr std::array<Option<InstrumentKind>, 3> kKinds{{{"spot", InstrumentKind::spot},
                                                        {"perpetual", InstrumentKind::perpetual},
                                                        {"future", InstrumentKind::future}}};
constexpr std::array<Option<Settlement>, 2> kSettlements{
    {{"linear", Settlement::linear}, {"inverse", Settlement::inverse}}};
constexpr std::array<Option<TriggerMode>, 3> kTriggers{{{"threshold", TriggerMode::threshold},
                                                        {"calendar", TriggerMode::calendar},
                                                        {"both", TriggerMode::both}}};
constexpr std::array<Option<RebalanceTo>, 2> kRebalanceTo{
    {{"target", RebalanceTo::target}, {"band_edge", RebalanceTo::band_edge}}};
constexpr std::array<Option<HedgeMethod>, 3> kMethods{
    {{"hedge", HedgeMethod::hedge},
     {"synthetic_pair", HedgeMethod::synthetic_pair},
     {"spot", HedgeMethod::spot}}};
constexpr std::array<Option<bool>, 2> kSides{{{"buy", true}, {"sell", false}}};  // true = buy
constexpr std::array<Option<AgentKind>, 3> kAgents{
    {{"md", AgentKind::market_data}, {"engine", AgentKind::engine}, {"orders", AgentKind::orders}}};
constexpr std::array<Option<IdleKind>, 3> kIdle{
    {{"spin", IdleKind::spin}, {"yield", IdleKind::yield}, {"backoff", IdleKind::backoff}}};
constexpr std::array<Option<FeedKind>, 3> kFeedKinds{
    {{"replay", FeedKind::replay}, {"fix", FeedKind::fix}, {"websocket", FeedKind::websocket}}};
constexpr std::array<Option<ReplayPaceKind>, 3> kPaces{
    {{"recorded", ReplayPaceKind::recorded},
     {"fixed_rate", ReplayPaceKind::fixed_rate},
     {"fast", ReplayPaceKind::as_fast_as_possible}}};
constexpr std::array<Option<OrderRouteKind>, 3> kRoutes{{{"loopback", OrderRouteKind::loopback},
                                                         {"fix", OrderRouteKind::fix},
                                                         {"websocket", OrderRouteKind::websocket}}};
constexpr std::array<Option<WsIdleKind>, 2> kWsIdle{
    {{"busy_poll", WsIdleKind::busy_poll}, {"blocking", WsIdleKind::blocking}}};
constexpr std::array<Option<bool>, 2> kTimeInForce{{{"ioc", false}, {"gtc", true}}};  // gtc?
constexpr Range kPort{1.0, 65535.0, false, false};
constexpr std::array<Option<bool>, 2> kSessionLoss{{{"resume", false}, {"halt", true}}};  // halt?
constexpr std::array<Option<OrderRouteConfig::Store>, 4> kFixStores{
    {{"async-file", OrderRouteConfig::Store::async_file},
     {"file", OrderRouteConfig::Store::file},
     {"memory", OrderRouteConfig::Store::memory},
     {"null", OrderRouteConfig::Store::null}}};
constexpr Range kCorrelation{-1.0, 1.0, true, true};

// Seconds whose nanoseconds fit MarketState::updated_ns: the latest is 2262-04-11T23:47:16Z.
constexpr std::int64_t kMaxAsOfUnixS = std::numeric_limits<std::int64_t>::max() / 1'000'000'000;

template <class T>
void assign(const std::optional<T>& value, T& out) {
  if (value) out = *value;
}

// ---- Machine -------------------------------------------------------------------------

// The CPUs [[thread]] is checked against: the caller's list, or the machine's.
std::vector<int> cpus_to_check(const ConfigParseOptions& options) {
  std::vector<int> cpus;
  for (int cpu : options.usable_cpus)
    if (cpu >= 0) cpus.push_back(cpu);
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus.empty() ? usable_cpus() : cpus;
}

// Ascending CPUs as the kernel's cpulist format writes them: "0-3,6,8-9".
std::string format_cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(cpus[i]);
    if (j > i) out += "-" + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

// Without [[thread]]: every agent on its own spinning core when there are enough, leaving
// the first usable CPU to the OS; with two or three, market data and the engine share
// one; on a single CPU spinning would starve the other agents, so one thread backs off.
std::vector<ThreadSpec> default_threads(const std::vector<int>& cpus) {
  if (cpus.size() >= 4)
    return {ThreadSpec{"md", {AgentKind::market_data}, cpus[1], IdleKind::spin},
            ThreadSpec{"engine", {AgentKind::engine}, cpus[2], IdleKind::spin},
            ThreadSpec{"orders", {AgentKind::orders}, cpus[3], IdleKind::spin}};
  if (cpus.size() >= 2)
    return {ThreadSpec{"hot", {AgentKind::market_data, AgentKind::engine}, cpus[0], IdleKind::spin},
            ThreadSpec{"orders", {AgentKind::orders}, cpus[1], IdleKind::spin}};
  return {ThreadSpec{"all",
                     {AgentKind::market_data, AgentKind::engine, AgentKind::orders},
                     -1,
                     IdleKind::backoff}};
}

// `path` as the config names it, relative to the config file's directory unless absolute.
std::string resolve_path(const std::string& config_file, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  const std::filesystem::path dir = std::filesystem::path(config_file).parent_path();
  return dir.empty() ? path : (dir / p).string();
}

// ---- Date-times --------------------------------------------------------------------

std::optional<std::int64_t> unix_seconds(int y, int mo, int d, int hour, int minute, int second,
                                         int offset_minutes) {
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  // Second 60 is a leap second, which RFC 3339 allows.
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  return days * 86400 + hour * 3600 + minute * 60 + second - std::int64_t{offset_minutes} * 60;
}

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool read_char(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

// RFC 3339 ("2026-12-25T08:00:00Z", offsets and fractions allowed) for configs that quote
// their timestamps; TOML's own date-time literal is handled by toml++.
std::optional<std::int64_t> parse_rfc3339(std::string_view t) {
  std::size_t p = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(t, p, 4, year) || !read_char(t, p, '-') || !read_digits(t, p, 2, month) ||
      !read_char(t, p, '-') || !read_digits(t, p, 2, day))
    return std::nullopt;
  if (p >= t.size() || (t[p] != 'T' && t[p] != 't' && t[p] != ' ')) return std::nullopt;
  ++p;
  if (!read_digits(t, p, 2, hour) || !read_char(t, p, ':') || !read_digits(t, p, 2, minute) ||
      !read_char(t, p, ':') || !read_digits(t, p, 2, second))
    return std::nullopt;
  if (read_char(t, p, '.')) {  // sub-second digits: whole seconds are all the engine keeps
    const std::size_t start = p;
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
    if (p == start) return std::nullopt;
  }
  int offset = 0;
  if (read_char(t, p, 'Z') || read_char(t, p, 'z')) {
    offset = 0;
  } else if (p < t.size() && (t[p] == '+' || t[p] == '-')) {
    const int sign = t[p] == '-' ? -1 : 1;
    ++p;
    int oh = 0, om = 0;
    if (!read_digits(t, p, 2, oh) || !read_char(t, p, ':') || !read_digits(t, p, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset = sign * (oh * 60 + om);
  } else {
    return std::nullopt;  // a time without an offset is ambiguous
  }
  if (p != t.size()) return std::nullopt;
  return unix_seconds(year, month, day, hour, minute, second, offset);
}

// ---- Reading ------------------------------------------------------------------------

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
    const auto s = as_string(n, path);
    if (!s) return std::nullopt;
    std::string names;
    for (const Option<E>& o : options) {
      if (o.name == *s) return o.value;
      names += (names.empty() ? "\"" : ", \"") + std::string(o.name) + "\"";
    }
    error(n, path, "expected one of " + names + ", got \"" + *s + "\"");
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

// ---- Building the config -----------------------------------------------------------

// Walks the document section by section into a BallastConfig. Sections that refer to
// others (targets name instruments, the portfolio names targets) come after them.
class ConfigBuilder {
 public:
  ConfigBuilder(const toml::table& root, const std::string& file, const ConfigParseOptions& options)
      : r_(file), root_(root, ""), cpus_(cpus_to_check(options)) {
    cfg_.source_path = file;
  }

  ConfigLoadResult build() {
    r_.table(root_, "engine", Need::required, [&](Section& s) { read_engine(s); });
    read_instruments();
    read_targets();
    r_.table(root_, "policy", Need::optional, [&](Section& s) { read_policy(s); });
    r_.table(root_, "portfolio", Need::required, [&](Section& s) { read_portfolio(s); });
    // After the portfolio: risk.collateral names assets, which instruments, targets and
    // holdings intern. Errors are sorted by line, so reading order never shows.
    r_.table(root_, "risk", Need::optional, [&](Section& s) { read_risk(s); });
    r_.table(root_, "market", Need::optional, [&](Section& s) { read_market(s); });
    read_threads();
    r_.table(root_, "feed", Need::optional, [&](Section& s) { read_feed(s); });
    r_.table(root_, "orders", Need::optional, [&](Section& s) { read_orders(s); });
    r_.table(root_, "venue", Need::optional, [&](Section& s) { read_venue(s); });
    r_.table(root_, "websocket", Need::optional, [&](Section& s) { read_websocket(s); });
    r_.table(root_, "control", Need::optional, [&](Section& s) { read_control(s); });
    check_routes();
    r_.finish(root_);
    check_method();
    if (base() != kNoAsset) cfg_.market.spot_price[base()] = 1.0;

    ConfigLoadResult result;
    result.errors = r_.take_errors();
    if (result.errors.empty()) result.config = std::move(cfg_);
    return result;
  }

 private:
  // Where a [[target]] was written, for checks that run after all sections are read.
  struct TargetEntry {
    AssetId asset = kNoAsset;
    std::string path;
    int line = 0;
    bool lists_hedges = false;  // hedge_with given and not empty
  };

  // A [[thread]] as read, for the checks across threads.
  struct ThreadEntry {
    std::string label;  // its name, or its path when the name is missing or bad
    int cpu = -1;
    bool spins = false;  // idle is spin (and was read)
  };

  [[nodiscard]] AssetId base() const { return cfg_.universe.base_currency; }
  [[nodiscard]] bool is_base(AssetId a) const { return a != kNoAsset && a == base(); }
  [[nodiscard]] const std::string& asset_name(AssetId a) const {
    static const std::string unknown = "?";
    return a < cfg_.universe.assets.size() ? cfg_.universe.assets[a].name : unknown;
  }
  [[nodiscard]] std::string base_name() const {
    return base() != kNoAsset ? asset_name(base()) : std::string("<base currency>");
  }

  AssetId intern(std::string_view asset, int line, const std::string& path) {
    const AssetId id = cfg_.universe.intern_asset(asset);
    if (id == kNoAsset)
      r_.error(line, path, "too many assets (at most " + std::to_string(kMaxAssets) + ")");
    return id;
  }

  // Venue ids index fixed arrays; "default" (id 0) is always there and counts.
  VenueId intern_venue(const std::string& venue, int line, const std::string& path) {
    std::vector<std::string>& venues = cfg_.universe.venues;
    const auto it = std::find(venues.begin(), venues.end(), venue);
    if (it != venues.end()) return static_cast<VenueId>(it - venues.begin());
    if (venues.size() >= kMaxVenues) {
      r_.error(
          line, path,
          "too many venues (at most " + std::to_string(kMaxVenues) + ", counting \"default\")");
      return 0;
    }
    venues.push_back(venue);
    return static_cast<VenueId>(venues.size() - 1);
  }

  // Holdings of an asset without a target would be valued but never rebalanced.
  void require_target(AssetId a, int line, const std::string& path) {
    if (a == kNoAsset || is_base(a) || cfg_.targets[a].configured) return;
    r_.error(line, path, "asset " + asset_name(a) + " has no [[target]]");
  }

  // ---- [engine]

  void read_engine(Section& s) {
    // Interned first so the base currency is asset 0 and every quote default can use it.
    if (const auto name = r_.name(s, "base_currency", Need::required))
      cfg_.universe.base_currency =
          intern(*name, s.line_of_key("base_currency"), s.child("base_currency"));
    if (const auto dir = r_.name(s, "state_dir", Need::optional))
      cfg_.state_dir = resolve_path(cfg_.source_path, *dir);
  }

  // ---- [[instrument]]

  void read_instruments() {
    const toml::array* list = r_.array(root_, "instrument", Need::optional);
    if (!list || list->empty()) {
      r_.error(list ? line_of(*list) : 0, "instrument", "at least one [[instrument]] is required");
      return;
    }
    r_.each_table(
        *list, "instrument", [&](Section& s) { read_instrument(s); }, kMaxInstruments);
  }

  void read_instrument(Section& s) {
    InstrumentSpec spec;
    const auto symbol = r_.name(s, "symbol", Need::required);
    const auto kind = r_.choice(s, "kind", Need::required, kKinds);
    const auto base_asset = r_.name(s, "base", Need::required);
    const auto quote_asset = r_.name(s, "quote", Need::optional);
    const auto settlement = r_.choice(s, "settlement", Need::optional, kSettlements);
    assign(kind, spec.kind);
    assign(settlement, spec.settlement);
    // Kind-specific rules apply only once the kind is known; with kind missing, the keys
    // are still read (and checked) as optional so they are not also called unknown.
    const bool known = kind.has_value();
    const bool spot = kind == InstrumentKind::spot;
    const bool perpetual = kind == InstrumentKind::perpetual;
    const bool future = kind == InstrumentKind::future;

    if (spot && spec.is_inverse()) {
      r_.error(s.line_of_key("settlement"), s.child("settlement"),
               "spot instruments are linear (an inverse contract needs kind perpetual or future)");
      spec.settlement = Settlement::linear;  // size keys are then checked as for spot
    }
    if (spec.is_inverse()) {
      r_.forbid(s, "contract_size",
                "only for linear instruments (inverse ones use contract_value)");
      assign(r_.decimal(s, "contract_value", Need::required, kPositive), spec.contract_value);
    } else {
      r_.forbid(s, "contract_value",
                "only for inverse instruments (linear ones use contract_size)");
      assign(r_.decimal(s, "contract_size", need_if(known && !spot), kPositive),
             spec.contract_size);
    }
    const auto lot_size = r_.decimal(s, "lot_size", Need::required, kPositive);
    assign(lot_size, spec.lot_size);
    assign(r_.decimal(s, "tick_size", Need::required, kPositive), spec.tick_size);
    if (const auto min_qty = r_.decimal(s, "min_qty", Need::optional, kNonNegative)) {
      spec.min_qty = *min_qty;
      if (lot_size) check_multiple_of_lot(s, "min_qty", *min_qty, *lot_size);
    }
    if (const auto max_qty = r_.decimal(s, "max_order_qty", Need::optional, kNonNegative)) {
      spec.max_order_qty = *max_qty;  // 0 = no cap
      if (lot_size) check_multiple_of_lot(s, "max_order_qty", *max_qty, *lot_size);
      // A cap below the minimum would refuse every order. (Both have at most 15
      // significant digits, so their doubles order exactly as the decimals do.)
      if (max_qty->is_positive() && max_qty->to_double() < spec.min_qty.to_double())
        r_.error(s.line_of_key("max_order_qty"), s.child("max_order_qty"),
                 max_qty->to_string() + " is below min_qty " + spec.min_qty.to_string() +
                     ": no order could be placed");
    }
    const auto venue = r_.name(s, "venue", Need::optional);
    assign(r_.number(s, "min_notional", Need::optional, kNonNegative), spec.min_notional);
    // Negative maker fees are rebates; the bounds only catch percent-for-bps slips.
    constexpr Range kFeeBps{-100.0, 1000.0, true, true};
    assign(r_.number(s, "maker_fee_bps", Need::optional, kFeeBps), spec.maker_fee_bps);
    assign(r_.number(s, "taker_fee_bps", Need::optional, kFeeBps), spec.taker_fee_bps);

    if (known && !perpetual)
      r_.forbid(s, "funding_interval_s", "only for perpetual instruments");
    else
      assign(r_.integer(s, "funding_interval_s", need_if(perpetual), kPositive),
             spec.funding_interval_s);
    if (known && !future)
      r_.forbid(s, "expiry", "only for dated futures (kind = \"future\")");
    else
      spec.expiry_unix_s = r_.unix_time(s, "expiry", need_if(future));
    if (spot) {
      r_.forbid(s, "margin_brackets", "only for derivatives (spot is not margined here)");
      r_.forbid(s, "leverage", "only for derivatives (spot is not margined here)");
    } else {
      read_margin_brackets(s, spec);
      // Venues cap leverage at 125x; below 1x a position would need more than its notional.
      constexpr Range kLeverage{1.0, 125.0, false, false};
      assign(r_.number(s, "leverage", Need::optional, kLeverage), spec.leverage);
    }
    spec.derive();

    if (!symbol) return;
    if (cfg_.universe.find_instrument(*symbol) != kNoInstrument) {
      r_.error(s.line_of_key("symbol"), s.child("symbol"), "duplicate symbol " + *symbol);
      return;
    }
    spec.symbol = *symbol;
    if (base_asset) spec.base = intern(*base_asset, s.line_of_key("base"), s.child("base"));
    spec.quote =
        quote_asset ? intern(*quote_asset, s.line_of_key("quote"), s.child("quote")) : base();
    if (venue) spec.venue = intern_venue(*venue, s.line_of_key("venue"), s.child("venue"));
    const auto id = static_cast<InstrumentId>(cfg_.universe.instruments.size());
    cfg_.universe.instruments.push_back(std::move(spec));
    register_spot_pair(s, id);
  }

  // An asset's spot pair is the spot instrument quoted in the base currency: it prices
  // the asset and is what method = "spot" trades. Other spot crosses are just instruments.
  void register_spot_pair(const Section& s, InstrumentId id) {
    const InstrumentSpec& spec = cfg_.universe.instruments[id];
    if (spec.is_derivative() || spec.base == kNoAsset || base() == kNoAsset || spec.quote != base())
      return;
    AssetInfo& asset = cfg_.universe.assets[spec.base];
    if (asset.spot_instrument != kNoInstrument) {
      r_.error(s.line_of_key("symbol"), s.child("symbol"),
               "a second spot instrument for " + asset.name + " (" +
                   cfg_.universe.instruments[asset.spot_instrument].symbol + " already is)");
      return;
    }
    asset.spot_instrument = id;
  }

  void check_multiple_of_lot(const Section& s, std::string_view key, const Decimal& value,
                             const Decimal& lot) {
    steps_of(s, key, value, lot, "lot_size", "lots");
  }

  // `value` as a whole number of `step`s, or nullopt after reporting why it is not one.
  std::optional<std::int64_t> steps_of(const Section& s, std::string_view key, const Decimal& value,
                                       const Decimal& step, std::string_view step_key,
                                       std::string_view steps_name) {
    const auto steps = steps_exact(value, step);
    if (steps && steps->exact) return steps->steps;
    r_.error(s.line_of_key(key), s.child(key),
             value.to_string() +
                 (steps ? " is not a multiple of " + std::string(step_key) + " "
                        : " overflows " + std::string(steps_name) + " of ") +
                 step.to_string());
    return std::nullopt;
  }

  void read_margin_brackets(Section& s, InstrumentSpec& spec) {
    const toml::array* list = r_.array(s, "margin_brackets", Need::optional);
    if (!list) return;
    r_.each_table(*list, s.child("margin_brackets"), [&](Section& b) {
      const auto max_notional = r_.number(b, "max_notional", Need::required, kPositive);
      const auto mmr = r_.number(b, "mmr", Need::required, kUnitOpen);
      const auto maint = r_.number(b, "maint_amount", Need::optional, kNonNegative);
      if (!max_notional) return;
      // Valuation picks the first bracket whose cap covers the notional.
      if (!spec.margin_brackets.empty() &&
          *max_notional <= spec.margin_brackets.back().max_notional) {
        r_.error(b.line_of_key("max_notional"), b.child("max_notional"),
                 "brackets must ascend by max_notional");
        return;
      }
      spec.margin_brackets.push_back(
          MarginBracket{*max_notional, mmr.value_or(0.0), maint.value_or(0.0)});
    });
  }

  // ---- [[target]]

  void read_targets() {
    const toml::array* list = r_.array(root_, "target", Need::optional);
    if (list) r_.each_table(*list, "target", [&](Section& s) { read_target(s); });
    check_target_weights(list ? line_of(*list) : 0);
  }

  void read_target(Section& s) {
    const auto name = r_.name(s, "asset", Need::required);
    const AssetId asset = name ? intern(*name, s.line_of_key("asset"), s.child("asset")) : kNoAsset;
    TargetSpec target;
    target.configured = true;
    target.weight = r_.number(s, "weight", Need::required, kUnitClosed).value_or(0.0);
    // The base currency's band is optional: without one it only absorbs the others.
    target.band = r_.number(s, "band", need_if(!is_base(asset)), kUnitOpen).value_or(0.0);
    target.rel_band = r_.number(s, "rel_band", Need::optional, kPositive).value_or(0.0);
    const bool lists_hedges = read_hedge_with(s, asset, target);

    if (asset == kNoAsset) return;
    if (cfg_.targets[asset].configured) {
      r_.error(s.line_of_key("asset"), s.child("asset"), "duplicate target for asset " + *name);
      return;
    }
    cfg_.targets[asset] = target;
    target_entries_.push_back(TargetEntry{asset, s.path(), s.line(), lists_hedges});
  }

  // Returns whether hedge_with lists anything, so a missing list is reported only once.
  bool read_hedge_with(Section& s, AssetId asset, TargetSpec& target) {
    if (is_base(asset)) {
      r_.forbid(s, "hedge_with", "not allowed on the base currency's target");
      return false;
    }
    const toml::array* list = r_.array(s, "hedge_with", Need::optional);
    if (!list) return s.has("hedge_with");
    const std::string path = s.child("hedge_with");
    if (list->size() > kMaxHedgeInstruments)
      r_.error(*list, path,
               "at most " + std::to_string(kMaxHedgeInstruments) + " hedge instruments per asset");
    for (std::size_t i = 0; i < list->size() && i < kMaxHedgeInstruments; ++i) {
      const std::string item = indexed(path, i);
      const auto symbol = r_.as_name((*list)[i], item);
      if (!symbol) continue;
      const int line = line_of((*list)[i]);
      const InstrumentId id = cfg_.universe.find_instrument(*symbol);
      if (id == kNoInstrument) {
        r_.error(line, item, *symbol + " names no instrument");
        continue;
      }
      const InstrumentSpec& spec = cfg_.universe.instruments[id];
      const auto first = target.hedge_with.begin();
      if (!spec.is_derivative()) {
        r_.error(line, item, *symbol + " is a spot instrument; hedges need a perpetual or future");
      } else if (asset != kNoAsset && spec.base != asset) {
        r_.error(line, item,
                 *symbol + " is a contract on " + asset_name(spec.base) + ", not on " +
                     asset_name(asset));
      } else if (std::find(first, first + target.hedge_count, id) != first + target.hedge_count) {
        r_.error(line, item, *symbol + " is listed twice");
      } else {
        target.hedge_with[target.hedge_count++] = id;
      }
    }
    return !list->empty();
  }

  void check_target_weights(int line) {
    double others = 0.0;
    for (const TargetEntry& e : target_entries_)
      if (!is_base(e.asset)) others += cfg_.targets[e.asset].weight;
    if (others > 1.0 + kWeightTolerance) {
      r_.error(
          line, "target",
          "weights sum to " + format_sum(others) + " > 1 (the remainder is the base currency's)");
      return;
    }
    if (base() == kNoAsset) return;
    TargetSpec& base_target = cfg_.targets[base()];
    if (base_target.configured) {
      const double total = others + base_target.weight;
      if (std::fabs(total - 1.0) > kWeightTolerance)
        r_.error(line, "target",
                 "weights sum to " + format_sum(total) + ", not 1 (" + base_name() +
                     " has its own [[target]], so the weights must add up exactly)");
      return;
    }
    base_target.weight = 1.0 - others;
    base_target.band = 0.0;
  }

  // ---- [policy] and [risk]

  void read_policy(Section& s) {
    PolicyConfig& p = cfg_.policy;
    assign(r_.choice(s, "trigger", Need::optional, kTriggers), p.trigger);
    assign(r_.choice(s, "rebalance_to", Need::optional, kRebalanceTo), p.rebalance_to);
    assign(r_.choice(s, "method", Need::optional, kMethods), p.method);
    method_line_ = s.line_of_key("method");
    assign(r_.number(s, "hedge_ratio", Need::optional, Range{0.0, 2.0, true, false}),
           p.hedge_ratio);
    assign(r_.number(s, "min_order_notional", Need::optional, kNonNegative), p.min_order_notional);
    assign(r_.number(s, "max_cost_bps", Need::optional, kPositive), p.max_cost_bps);
    assign(r_.integer(s, "calendar_interval_s", need_if(p.trigger != TriggerMode::threshold),
                      kPositive),
           p.calendar_interval_s);
    assign(r_.number(s, "default_spread_bps", Need::optional, kNonNegative), p.default_spread_bps);
    assign(r_.integer(s, "carry_horizon_s", Need::optional, kPositive), p.carry_horizon_s);
    assign(r_.number(s, "rebalance_tolerance", Need::optional, Range{0.0, 1.0, false, true}),
           p.rebalance_tolerance);
    assign(r_.number(s, "tracking_error_aversion", Need::optional, Range{0.0, 1e6, true, false}),
           p.tracking_error_aversion);
    assign(r_.integer(s, "roll_before_s", Need::optional, Range{0.0, 366.0 * 86400, false, false}),
           p.roll_before_s);
    assign(r_.boolean(s, "allow_spot_short", Need::optional), p.allow_spot_short);
    if (s.has("unwind_inside_band")) {
      (void)r_.boolean(s, "unwind_inside_band", Need::optional);  // consumed: no "unknown key"
      r_.error(s.line_of_key("unwind_inside_band"), s.child("unwind_inside_band"),
               "removed: a hedge is unwound by the overlay's one rule when a trigger fires "
               "(docs/domain-decisions.md, Hedge overlay); delete the key");
    }
  }

  void read_risk(Section& s) {
    // Every key has a hard range (RiskLimitCeilings): no value switches a limit off.
    using C = RiskLimitCeilings;
    RiskLimits& k = cfg_.risk;
    assign(r_.number(s, "max_leverage", Need::optional, Range{0.0, C::max_leverage, true, false}),
           k.max_leverage);
    assign(r_.number(s, "min_liquidation_distance", Need::optional,
                     Range{C::min_liquidation_distance_floor, 1.0, false, true}),
           k.min_liquidation_distance);
    assign(r_.number(s, "max_margin_utilization", Need::optional, Range{0.0, 1.0, true, false}),
           k.max_margin_utilization);
    // Above 1 is meaningful: a levered book can hold more than its NAV in one asset.
    assign(r_.number(s, "max_asset_weight", Need::optional, Range{0.0, 10.0, true, false}),
           k.max_asset_weight);
    assign(r_.number(s, "max_order_notional", Need::optional,
                     Range{0.0, C::max_order_notional, true, false}),
           k.max_order_notional);
    assign(r_.number(s, "price_collar_bps", Need::optional,
                     Range{0.0, C::price_collar_bps, true, false}),
           k.price_collar_bps);
    assign(r_.integer(s, "max_consecutive_rejects", Need::optional,
                      Range{1.0, static_cast<double>(C::max_consecutive_rejects), false, false}),
           k.max_consecutive_rejects);
    assign(r_.number(s, "max_daily_fees_bps", Need::optional,
                     Range{0.0, C::max_daily_fees_bps, true, false}),
           k.max_daily_fees_bps);
    assign(r_.number(s, "max_daily_turnover", Need::optional,
                     Range{0.0, C::max_daily_turnover, true, false}),
           k.max_daily_turnover);
    assign(r_.number(s, "max_drawdown", Need::optional, Range{0.0, C::max_drawdown, true, false}),
           k.max_drawdown);
    assign(
        r_.number(s, "max_price_jump", Need::optional, Range{0.0, C::max_price_jump, true, false}),
        k.max_price_jump);
    const auto per_second = r_.number(s, "max_orders_per_second", Need::optional,
                                      Range{0.0, C::max_orders_per_second, true, false});
    const auto per_minute = r_.number(s, "max_orders_per_minute", Need::optional,
                                      Range{0.0, C::max_orders_per_minute, true, false});
    assign(per_second, k.max_orders_per_second);
    assign(per_minute, k.max_orders_per_minute);
    // A default never makes a valid file invalid: the window left unset follows the one
    // that was set (a second cap sustained for a minute; a second cap no looser than the
    // minute's), so raising or lowering one key alone is accepted as meant.
    if (per_second && !s.has("max_orders_per_minute"))
      k.max_orders_per_minute = std::min(60.0 * *per_second, C::max_orders_per_minute);
    if (per_minute && !s.has("max_orders_per_second"))
      k.max_orders_per_second = std::min(k.max_orders_per_second, *per_minute);
    // Both given and the minute cap below the second cap makes the latter meaningless:
    // almost surely a slip.
    if (per_second && per_minute && k.max_orders_per_minute < k.max_orders_per_second)
      r_.error(s.line_of_key("max_orders_per_minute"), s.child("max_orders_per_minute"),
               "must be >= max_orders_per_second (" + format_number(k.max_orders_per_second) + ")");
    assign(r_.integer(s, "max_md_staleness_ms", Need::optional,
                      Range{0.0, static_cast<double>(C::max_md_staleness_ms), true, false}),
           k.max_md_staleness_ms);
    assign(r_.choice(s, "on_session_loss", Need::optional, kSessionLoss), k.halt_on_session_loss);
    r_.each_entry(s, "collateral",
                  [&](std::string_view key, const toml::node& v, const std::string& path) {
                    read_collateral(key, v, path);
                  });
  }

  // collateral = { BTC = 0.95 }: an asset's spot value counted toward the futures wallet.
  void read_collateral(std::string_view key, const toml::node& v, const std::string& path) {
    const auto ratio = r_.as_number(v, path, "collateral ratio", Range{0.0, 1.0, true, false});
    if (!ratio) return;
    const AssetId asset = cfg_.universe.find_asset(key);
    if (asset == kNoAsset)
      r_.error(v, path, std::string(key) + " names no asset held or targeted");
    else if (is_base(asset))
      r_.error(v, path, "the base currency is cash, not collateral");
    else
      cfg_.risk.collateral_ratio[asset] = *ratio;
  }

  // The method decides what each target needs to be rebalanced with.
  void check_method() {
    const HedgeMethod method = cfg_.policy.method;
    for (const TargetEntry& e : target_entries_) {
      if (is_base(e.asset)) continue;
      if (method == HedgeMethod::spot) {
        if (cfg_.universe.assets[e.asset].spot_instrument == kNoInstrument)
          r_.error(method_line_, "policy.method",
                   "method spot needs a spot instrument for " + asset_name(e.asset) +
                       " quoted in " + base_name());
      } else if (!e.lists_hedges) {
        r_.error(e.line, e.path + ".hedge_with",
                 std::string("required when policy.method is ") + to_string(method));
      }
    }
  }

  // ---- [[thread]]

  void read_threads() {
    const toml::array* list = r_.array(root_, "thread", Need::optional);
    if (!list) {
      if (!root_.has("thread")) cfg_.threads = default_threads(cpus_);
      return;
    }
    std::size_t tables = 0;
    r_.each_table(*list, "thread", [&](Section& s) {
      ++tables;
      read_thread(s);
    });
    const int line = line_of(*list);
    check_spinner_count(line);
    // An agent list that failed to read may well have named the agent; say nothing then.
    if (tables < list->size() || !agents_read_) return;
    for (std::size_t a = 0; a < kAgents.size(); ++a)
      if (agent_thread_[a] == kNoThread)
        r_.error(line, "thread",
                 std::string("agent ") + to_string(kAgents[a].value) + " is on no [[thread]]");
  }

  void read_thread(Section& s) {
    ThreadSpec spec;
    const auto name = r_.name(s, "name", Need::required);
    const toml::array* agents = r_.array(s, "agents", Need::required);
    const auto cpu = r_.integer(s, "cpu", Need::optional);
    const auto idle = r_.choice(s, "idle", Need::optional, kIdle);
    assign(idle, spec.idle);
    const std::size_t index = thread_entries_.size();
    ThreadEntry entry{name.value_or(s.path()), -1,
                      spec.idle == IdleKind::spin && (idle || !s.has("idle"))};

    if (name) {
      const auto same = [&](const ThreadSpec& t) { return t.name == *name; };
      if (std::any_of(cfg_.threads.begin(), cfg_.threads.end(), same))
        r_.error(s.line_of_key("name"), s.child("name"), "duplicate thread name " + *name);
      spec.name = *name;
    }
    if (agents)
      read_thread_agents(s, *agents, index, entry.label, spec);
    else
      agents_read_ = false;
    if (cpu) {
      entry.cpu = check_cpu(s, *cpu);
      spec.cpu = entry.cpu;
    }
    if (entry.spins && entry.cpu >= 0) check_pinned_spinner(s, entry);
    cfg_.threads.push_back(std::move(spec));
    thread_entries_.push_back(std::move(entry));
  }

  void read_thread_agents(const Section& s, const toml::array& agents, std::size_t index,
                          const std::string& label, ThreadSpec& spec) {
    const std::string path = s.child("agents");
    if (agents.empty()) {
      r_.error(agents, path, "at least one agent is required");
      agents_read_ = false;
      return;
    }
    for (std::size_t i = 0; i < agents.size(); ++i) {
      const std::string item = indexed(path, i);
      const auto agent = r_.as_choice(agents[i], item, kAgents);
      if (!agent) {
        agents_read_ = false;
        continue;
      }
      const auto a = static_cast<std::size_t>(*agent);
      const std::size_t owner = agent_thread_[a];
      if (owner == index) {
        r_.error(agents[i], item, std::string("agent ") + to_string(*agent) + " is listed twice");
      } else if (owner != kNoThread) {
        r_.error(agents[i], item,
                 std::string("agent ") + to_string(*agent) + " is on two threads (" +
                     thread_entries_[owner].label + " and " + label + ")");
      } else {
        agent_thread_[a] = index;
        spec.agents.push_back(*agent);
      }
    }
  }

  // The CPU to pin to, or -1 when unpinned or not usable here (after saying why).
  int check_cpu(const Section& s, std::int64_t cpu) {
    if (cpu == -1) return -1;
    const int line = s.line_of_key("cpu");
    if (cpu < -1) {
      r_.error(line, s.child("cpu"),
               "cpu must be >= 0 (or -1 for unpinned), got " + std::to_string(cpu));
      return -1;
    }
    const auto usable = [&](int c) { return c == cpu; };
    if (std::none_of(cpus_.begin(), cpus_.end(), usable)) {
      r_.error(line, s.child("cpu"),
               "cpu " + std::to_string(cpu) +
                   " is not available (usable CPUs: " + format_cpu_list(cpus_) + ")");
      return -1;
    }
    return static_cast<int>(cpu);
  }

  // Two spinning threads on one core take turns by the scheduler's time slice.
  void check_pinned_spinner(const Section& s, const ThreadEntry& entry) {
    for (const ThreadEntry& other : thread_entries_) {
      if (!other.spins || other.cpu != entry.cpu) continue;
      r_.error(s.line_of_key("cpu"), s.child("cpu"),
               "cpu " + std::to_string(entry.cpu) + " already runs spinning thread " + other.label +
                   "; two spinning threads on one CPU would take turns (use idle = "
                   "\"backoff\" or another cpu)");
      return;
    }
  }

  void check_spinner_count(int line) {
    const auto spinners =
        static_cast<std::size_t>(std::count_if(thread_entries_.begin(), thread_entries_.end(),
                                               [](const ThreadEntry& t) { return t.spins; }));
    if (spinners <= cpus_.size()) return;
    r_.error(line, "thread",
             std::to_string(spinners) + " spinning threads on " + std::to_string(cpus_.size()) +
                 (cpus_.size() == 1 ? " usable CPU" : " usable CPUs") +
                 ": spinners would share a core (measured here: 4 ms p50); use idle = "
                 "\"backoff\" or fewer threads");
  }

  // ---- [feed] and [orders]

  void read_feed(Section& s) {
    FeedConfig& f = cfg_.feed;
    feed_line_ = s.line();
    const auto kind = r_.choice(s, "kind", Need::required, kFeedKinds);
    assign(kind, f.kind);
    // With kind missing or bad, file is still read (as optional) so it is checked.
    if (const auto file = r_.name(s, "file", need_if(kind == FeedKind::replay))) {
      f.file = resolve_path(cfg_.source_path, *file);
      // A device or FIFO would be read forever (/dev/zero grew to 1 GB, then aborted).
      struct stat st {};
      if (::stat(f.file.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        r_.error(s.line_of_key("file"), s.child("file"),
                 f.file + " is not a regular file; a replay reads a recorded CSV file");
    }
    const auto pace = r_.choice(s, "pace", Need::optional, kPaces);
    assign(pace, f.pace);
    const bool fixed = f.pace == ReplayPaceKind::fixed_rate;
    if ((pace || !s.has("pace")) && !fixed)
      r_.forbid(s, "rate", "only with pace = \"fixed_rate\"");
    else
      assign(r_.number(s, "rate", need_if(fixed), kPositive), f.rate_per_s);
    assign(r_.boolean(s, "loop", Need::optional), f.loop);
  }

  void read_orders(Section& s) {
    OrderRouteConfig& o = cfg_.orders;
    const auto route = r_.choice(s, "route", Need::optional, kRoutes);
    assign(route, o.kind);
    orders_line_ = s.line();
    const bool fix = route == OrderRouteKind::fix;
    if ((route || !s.has("route")) && !fix) {
      for (const char* key : {"fix_settings", "fix_host", "fix_port", "fix_store", "time_in_force",
                              "fix_store_kind", "fix_store_flush_ms", "fix_credentials_file"})
        r_.forbid(s, key, "only with route = \"fix\"");
      return;
    }
    if (const auto file = r_.name(s, "fix_settings", need_if(fix)))
      o.fix_settings = resolve_path(cfg_.source_path, *file);
    assign(r_.name(s, "fix_host", Need::optional), o.fix_host);
    if (const auto file = r_.name(s, "fix_credentials_file", Need::optional))
      o.fix_credentials_file = resolve_path(cfg_.source_path, *file);
    assign(r_.boolean(s, "allow_plaintext", Need::optional), o.allow_plaintext);
    {
      // The host is fix_host, else the settings file's SocketConnectHost.
      std::string host = o.fix_host;
      std::string settings;
      const bool have_settings = !o.fix_settings.empty() && !read_file(o.fix_settings, settings);
      if (have_settings) {
        // QuickFIX's SSL keys would be read by nothing: the session is plain TCP because
        // QuickFIX's SSL initiator does not check the venue's host name (fix-dialect.md).
        // Refuse them rather than let an operator believe the link is encrypted.
        for (const std::string& key : quickfix_ssl_keys_in(settings))
          r_.error(s.line_of_key("fix_settings"), s.child("fix_settings"),
                   "QuickFIX SSL key " + key + " in " + o.fix_settings +
                       " would be ignored: the FIX session is plain TCP (QuickFIX's SSL "
                       "initiator does not check the venue's host name); reach a remote "
                       "venue through a stunnel tunnel on loopback (docs/fix-dialect.md)");
      }
      if (host.empty() && have_settings) {
        std::size_t at = settings.find("SocketConnectHost=");
        if (at != std::string::npos) {
          at += std::string_view("SocketConnectHost=").size();
          host = settings.substr(at, settings.find_first_of("\r\n", at) - at);
        }
      }
      if (!host.empty() && !o.allow_plaintext && !is_loopback_host(host))
        r_.error(s.line_of_key(o.fix_host.empty() ? "fix_settings" : "fix_host"),
                 s.child(o.fix_host.empty() ? "fix_settings" : "fix_host"),
                 "FIX host \"" + host +
                     "\" is not on this machine and the session is plain TCP: orders would "
                     "cross the network in the clear (tunnel it through stunnel on loopback, "
                     "or set allow_plaintext = true to take that risk)");
    }
    if (const auto port = r_.integer(s, "fix_port", Need::optional, kPort))
      o.fix_port = static_cast<int>(*port);
    if (const auto store = r_.name(s, "fix_store", Need::optional))
      o.fix_store = resolve_path(cfg_.source_path, *store);
    assign(r_.choice(s, "time_in_force", Need::optional, kTimeInForce), o.time_in_force_gtc);
    assign(r_.choice(s, "fix_store_kind", Need::optional, kFixStores), o.fix_store_kind);
    if (const auto ms =
            r_.integer(s, "fix_store_flush_ms", Need::optional, Range{1.0, 10000.0, false, false}))
      o.fix_store_flush_ms = static_cast<int>(*ms);
  }

  // [venue]: the simulator's settings (sim reads them; `ballast run` embeds it).
  void read_venue(Section& s) {
    VenueSimConfig& v = cfg_.venue;
    v.present = true;
    venue_line_ = s.line();
    assign(r_.boolean(s, "embedded", Need::optional), v.embedded);
    if (const auto port = r_.integer(s, "port", Need::optional, kPort))
      v.port = static_cast<int>(*port);
    if (const auto dir = r_.name(s, "store_dir", Need::optional))
      v.store_dir = resolve_path(cfg_.source_path, *dir);
    if (const auto seed = r_.integer(s, "seed", Need::optional, kNonNegative))
      v.seed = static_cast<std::uint64_t>(*seed);
    assign(r_.number(s, "volatility", Need::optional, Range{0.0, 10.0, false, false}),
           v.volatility);
    assign(r_.number(s, "correlation", Need::optional, kCorrelation), v.correlation);
    assign(r_.number(s, "jumps_per_day", Need::optional, kNonNegative), v.jump_per_day);
    assign(r_.number(s, "jump_size", Need::optional, Range{0.0, 0.5, false, false}), v.jump_size);
    assign(r_.number(s, "speed", Need::optional, Range{0.0, 1e6, true, false}), v.speed);
    assign(r_.integer(s, "funding_interval_s", Need::optional, kPositive), v.funding_interval_s);
    assign(r_.number(s, "cash", Need::optional, kNonNegative), v.cash);
    if (const auto file = r_.name(s, "feed_file", Need::optional))
      v.feed_file = resolve_path(cfg_.source_path, *file);
    assign(r_.number(s, "tick_interval_ms", Need::optional, Range{1.0, 60000.0, false, false}),
           v.tick_interval_ms);
    assign(r_.number(s, "depth_notional", Need::optional, kNonNegative), v.depth_notional);
    if (const toml::array* faults = r_.array(s, "faults", Need::optional)) {
      for (std::size_t k = 0; k < faults->size(); ++k) {
        const toml::node& n = *faults->get(k);
        const std::string path = s.child("faults") + "[" + std::to_string(k) + "]";
        const auto line = r_.as_name(n, path);
        if (!line) continue;
        std::string problem;
        if (!parse_scheduled_fault(*line, &problem)) {
          r_.error(n, path, "\"" + *line + "\": " + problem);
          continue;
        }
        v.faults.push_back(*line);
      }
    }
    if (const auto port = r_.integer(s, "ws_port", Need::optional, kPort))
      v.ws_port = static_cast<int>(*port);
    if (const auto file = r_.name(s, "ws_cert_file", Need::optional))
      v.ws_cert_file = resolve_path(cfg_.source_path, *file);
    if (const auto file = r_.name(s, "ws_key_file", Need::optional))
      v.ws_key_file = resolve_path(cfg_.source_path, *file);
    if (v.ws_cert_file.empty() != v.ws_key_file.empty())
      r_.error(s.line_of_key(v.ws_cert_file.empty() ? "ws_key_file" : "ws_cert_file"),
               s.child(v.ws_cert_file.empty() ? "ws_key_file" : "ws_cert_file"),
               "TLS needs both ws_cert_file and ws_key_file");
    if (const auto file = r_.name(s, "ws_credentials_file", Need::optional))
      v.ws_credentials_file = resolve_path(cfg_.source_path, *file);
    assign(r_.integer(s, "ws_recv_window_ms", Need::optional, Range{1.0, 60000.0, false, false}),
           v.ws_recv_window_ms);
  }

  // [websocket]: the Binance-dialect WebSocket route. Secrets are never read from here.
  void read_websocket(Section& s) {
    WebSocketRouteConfig& w = cfg_.websocket;
    w.present = true;
    websocket_line_ = s.line();
    assign(r_.name(s, "host", Need::optional), w.host);
    if (const auto port = r_.integer(s, "port", Need::optional, kPort))
      w.port = static_cast<int>(*port);
    assign(r_.boolean(s, "tls", Need::optional), w.tls);
    if (const auto file = r_.name(s, "ca_file", Need::optional))
      w.ca_file = resolve_path(cfg_.source_path, *file);
    assign(r_.name(s, "server_name", Need::optional), w.server_name);
    for (const char* key : {"market_path", "api_path"}) {
      const auto path = r_.name(s, key, Need::optional);
      if (!path) continue;
      if (path->empty() || path->front() != '/')
        r_.error(s.line_of_key(key), s.child(key), "must start with '/', got \"" + *path + "\"");
      else
        (std::string_view(key) == "market_path" ? w.market_path : w.api_path) = *path;
    }
    if (const auto file = r_.name(s, "credentials_file", Need::optional))
      w.credentials_file = resolve_path(cfg_.source_path, *file);
    assign(r_.boolean(s, "allow_plaintext", Need::optional), w.allow_plaintext);
    if (!w.tls && !w.allow_plaintext && !is_loopback_host(w.host))
      r_.error(s.line_of_key("host"), s.child("host"),
               "\"" + w.host +
                   "\" is not on this machine and tls = false: the API key and signed orders "
                   "would cross the network in the clear (set tls = true, or allow_plaintext = "
                   "true to take that risk)");
    for (const char* key : {"api_key", "api_secret", "secret", "key"})
      r_.forbid(s, key,
                "secrets never go in the main config: use credentials_file (mode 0600) or "
                "BALLAST_API_KEY / BALLAST_API_SECRET");
    assign(r_.integer(s, "recv_window_ms", Need::optional, Range{1.0, 60000.0, false, false}),
           w.recv_window_ms);
    if (const toml::array* venues = r_.array(s, "venues", Need::optional)) {
      for (std::size_t k = 0; k < venues->size(); ++k) {
        const std::string path = s.child("venues") + "[" + std::to_string(k) + "]";
        const auto name = r_.as_name(*venues->get(k), path);
        if (!name) continue;
        const auto& known = cfg_.universe.venues;
        if (std::find(known.begin(), known.end(), *name) == known.end()) {
          r_.error(*venues->get(k), path, "no instrument trades on venue \"" + *name + "\"");
          continue;
        }
        w.venues.push_back(*name);
      }
    }
    assign(r_.choice(s, "idle", Need::optional, kWsIdle), w.idle);
    const Range ms{1.0, 600000.0, false, false};
    if (const auto v = r_.integer(s, "connect_timeout_ms", Need::optional, ms))
      w.connect_timeout_ms = static_cast<int>(*v);
    if (const auto v = r_.integer(s, "reconnect_min_ms", Need::optional, ms))
      w.reconnect_min_ms = static_cast<int>(*v);
    if (const auto v = r_.integer(s, "reconnect_max_ms", Need::optional, ms))
      w.reconnect_max_ms = static_cast<int>(*v);
    if (w.reconnect_max_ms < w.reconnect_min_ms)
      r_.error(s.line_of_key("reconnect_max_ms"), s.child("reconnect_max_ms"),
               "must be >= reconnect_min_ms (" + std::to_string(w.reconnect_min_ms) + ")");
    assign(r_.integer(s, "max_message_bytes", Need::optional,
                      Range{1024.0, 64.0 * 1024 * 1024, false, false}),
           w.max_message_bytes);
  }

  // [control]: the operator socket. sun_path holds 108 bytes with the terminating NUL, so
  // a longer path could only be bound truncated (another file than the one configured).
  void read_control(Section& s) {
    ControlConfig& c = cfg_.control;
    c.present = true;
    static constexpr std::size_t kMaxSocketPath = 107;
    if (const auto path = r_.name(s, "socket", Need::required)) {
      c.socket = resolve_path(cfg_.source_path, *path);
      if (c.socket.size() > kMaxSocketPath)
        r_.error(s.line_of_key("socket"), s.child("socket"),
                 "path \"" + c.socket + "\" is " + std::to_string(c.socket.size()) +
                     " bytes; a Unix socket path holds at most " + std::to_string(kMaxSocketPath));
    }
    if (const auto log = r_.name(s, "audit_log", Need::optional)) {
      c.audit_log = resolve_path(cfg_.source_path, *log);
    } else if (!c.socket.empty()) {
      const std::filesystem::path dir = std::filesystem::path(c.socket).parent_path();
      c.audit_log =
          dir.empty() ? std::string("control-audit.log") : (dir / "control-audit.log").string();
    }
    if (const auto ms =
            r_.integer(s, "snapshot_ms", Need::optional, Range{20.0, 1000.0, false, false}))
      c.snapshot_ms = static_cast<int>(*ms);
  }

  // Market data over FIX rides on the order session; an embedded venue needs a route to it.
  void check_routes() {
    if (cfg_.feed.kind == FeedKind::fix && cfg_.orders.kind != OrderRouteKind::fix)
      r_.error(orders_line_ > 0 ? orders_line_ : feed_line_, "feed.kind",
               "\"fix\" needs [orders] route = \"fix\": market data comes over the order "
               "session");
    if (cfg_.venue.embedded && cfg_.orders.kind == OrderRouteKind::loopback)
      r_.error(venue_line_, "venue.embedded",
               "an embedded venue is reached over FIX or WebSocket: set [orders] route = "
               "\"fix\" or \"websocket\"");
    if (cfg_.feed.kind == FeedKind::websocket && !cfg_.websocket.present)
      r_.error(feed_line_, "feed.kind", "\"websocket\" needs a [websocket] table");
    if (cfg_.orders.kind == OrderRouteKind::websocket && !cfg_.websocket.present)
      r_.error(orders_line_, "orders.route", "\"websocket\" needs a [websocket] table");
    if (cfg_.orders.kind == OrderRouteKind::loopback && !cfg_.websocket.venues.empty())
      r_.error(websocket_line_, "websocket.venues",
               "routes venues over WebSocket next to [orders] route = \"fix\"; the loopback "
               "route has no venues");
    if (cfg_.websocket.present && cfg_.websocket.port == 0 &&
        !(cfg_.venue.embedded && cfg_.venue.ws_port != 0))
      r_.error(websocket_line_, "websocket.port",
               "is required (or an embedded [venue] with ws_port)");
  }

  // ---- [portfolio]

  void read_portfolio(Section& s) {
    PortfolioState& p = cfg_.portfolio;
    // Negative cash is a margin loan: unusual but a real state to value.
    const auto cash = r_.number(s, "cash", Need::optional);
    assign(cash, p.cash);
    cash_known_ = cash || !s.has("cash");
    cfg_.margin_balance = r_.number(s, "margin_balance", Need::optional, kNonNegative);
    if (const toml::array* spot = r_.array(s, "spot", Need::optional))
      r_.each_table(*spot, s.child("spot"), [&](Section& h) { read_spot_holding(h); });
    if (const toml::array* futures = r_.array(s, "futures", Need::optional))
      r_.each_table(*futures, s.child("futures"), [&](Section& f) { read_futures_position(f); });
    if (const toml::array* orders = r_.array(s, "open_orders", Need::optional))
      r_.each_table(
          *orders, s.child("open_orders"), [&](Section& o) { read_open_order(o); }, kMaxOpenOrders);
    cfg_.last_rebalance_unix_s = r_.unix_time(s, "last_rebalance", Need::optional);
    check_margin_balance(s);
  }

  // The futures wallet is part of cash (which by now includes base-currency spot rows).
  void check_margin_balance(const Section& s) {
    if (!cfg_.margin_balance || !cash_known_) return;
    const double cash = cfg_.portfolio.cash;
    // Cash may be a sum (cash + a USDT spot row), so allow that sum's binary noise.
    if (*cfg_.margin_balance <= cash + 1e-9 * std::max(1.0, std::fabs(cash))) return;
    r_.error(
        s.line_of_key("margin_balance"), s.child("margin_balance"),
        "cannot exceed cash (" + format_number(cash) + "): the futures wallet is part of cash");
  }

  void read_spot_holding(Section& h) {
    const auto name = r_.name(h, "asset", Need::required);
    const auto qty = r_.number(h, "qty", Need::required, kNonNegative);
    if (!name) return;
    const int line = h.line_of_key("asset");
    const AssetId asset = intern(*name, line, h.child("asset"));
    if (asset == kNoAsset) return;
    if (spot_listed_[asset]) {
      r_.error(line, h.child("asset"), "duplicate holding of " + *name);
      return;
    }
    spot_listed_[asset] = true;
    // The base currency is cash; listing it under spot is allowed for convenience.
    if (is_base(asset)) {
      cfg_.portfolio.cash += qty.value_or(0.0);
      cash_known_ = cash_known_ && qty.has_value();
      return;
    }
    require_target(asset, line, h.child("asset"));
    cfg_.portfolio.spot_qty[asset] = qty.value_or(0.0);
  }

  void read_futures_position(Section& f) {
    const auto symbol = r_.name(f, "instrument", Need::required);
    const auto contracts = r_.decimal(f, "contracts", Need::required);
    const auto entry = r_.number(f, "entry_price", Need::optional, kNonNegative);
    if (!symbol) return;
    const int line = f.line_of_key("instrument");
    const std::string key = f.child("instrument");
    const InstrumentId id = cfg_.universe.find_instrument(*symbol);
    if (id == kNoInstrument) {
      r_.error(line, key, *symbol + " names no instrument");
      return;
    }
    const InstrumentSpec& spec = cfg_.universe.instruments[id];
    if (!spec.is_derivative()) {
      r_.error(line, key, *symbol + " is a spot instrument; list spot holdings in portfolio.spot");
      return;
    }
    if (position_listed_[id]) {
      r_.error(line, key, "duplicate position in " + *symbol);
      return;
    }
    position_listed_[id] = true;
    require_target(spec.base, line, key);
    if (!contracts) return;
    // Positions live in whole lots; a fractional lot means the snapshot is wrong.
    const auto lots = steps_exact(*contracts, spec.lot_size);
    if (!lots || !lots->exact) {
      check_multiple_of_lot(f, "contracts", *contracts, spec.lot_size);
      return;
    }
    FuturesPosition& pos = cfg_.portfolio.positions[id];
    pos.lots = lots->steps;
    pos.entry_price = entry.value_or(0.0);
    if (pos.lots != 0 && !f.has("entry_price"))
      r_.error(f.line(), f.child("entry_price"), "missing required key (the position is open)");
    else if (pos.lots != 0 && entry && *entry == 0.0)
      r_.error(f.line_of_key("entry_price"), f.child("entry_price"),
               "entry_price must be > 0 for an open position");
  }

  // An order resting at a venue: any instrument, in whole lots at a whole-tick price.
  void read_open_order(Section& o) {
    const auto symbol = r_.name(o, "instrument", Need::required);
    const auto buy = r_.choice(o, "side", Need::required, kSides);
    const auto contracts = r_.decimal(o, "contracts", Need::required, kPositive);
    const auto price = r_.decimal(o, "price", Need::required, kPositive);
    if (!symbol) return;
    const InstrumentId id = cfg_.universe.find_instrument(*symbol);
    if (id == kNoInstrument) {
      r_.error(o.line_of_key("instrument"), o.child("instrument"),
               *symbol + " names no instrument");
      return;
    }
    const InstrumentSpec& spec = cfg_.universe.instruments[id];
    const auto lots = contracts
                          ? steps_of(o, "contracts", *contracts, spec.lot_size, "lot_size", "lots")
                          : std::nullopt;
    const auto ticks =
        price ? steps_of(o, "price", *price, spec.tick_size, "tick_size", "ticks") : std::nullopt;
    if (!buy || !lots || !ticks) return;
    OpenOrderSet& set = cfg_.open_orders;  // each_table stops at kMaxOpenOrders
    OpenOrder& open = set.orders[set.count++];
    open.instrument = id;
    open.side = *buy ? Side::buy : Side::sell;
    open.lots = *lots;
    open.limit_ticks = *ticks;
  }

  // ---- [market]

  void read_market(Section& s) {
    cfg_.market_line = s.line();
    const auto as_of = r_.unix_time(s, "as_of", Need::optional);
    r_.each_entry(s, "prices",
                  [&](std::string_view key, const toml::node& v, const std::string& path) {
                    read_price(key, v, path);
                  });
    if (as_of) set_market_time(s, *as_of);
    r_.each_entry(s, "funding_rates",
                  [&](std::string_view key, const toml::node& v, const std::string& path) {
                    read_funding_rate(key, v, path);
                  });
    r_.each_entry(s, "depth",
                  [&](std::string_view key, const toml::node& v, const std::string& path) {
                    read_depth(key, v, path);
                  });
  }

  // The snapshot's prices are as of `as_of`; without it `plan` takes them as current.
  void set_market_time(const Section& s, std::int64_t as_of) {
    // 0 ns means "never updated", and the nanoseconds must fit in 64 bits.
    if (as_of <= 0 || as_of > kMaxAsOfUnixS) {
      r_.error(s.line_of_key("as_of"), s.child("as_of"),
               "must be after 1970-01-01T00:00:00Z and at most 2262-04-11T23:47:16Z "
               "(Unix nanoseconds must be positive and fit in 64 bits)");
      return;
    }
    cfg_.market_as_of_unix_s = as_of;
    for (std::size_t i = 0; i < cfg_.universe.instruments.size(); ++i)
      if (cfg_.market.mark[i] > 0.0) cfg_.market.updated_ns[i] = as_of * 1'000'000'000;
    for (std::size_t a = 0; a < cfg_.universe.assets.size(); ++a)
      if (cfg_.market.spot_price[a] > 0.0) cfg_.market.spot_updated_ns[a] = as_of * 1'000'000'000;
  }

  // A price key is an instrument symbol (its mark) or ASSET+BASE such as ETHUSDT (a spot
  // price for an asset that has no spot instrument configured).
  void read_price(std::string_view key, const toml::node& v, const std::string& path) {
    const auto price = r_.as_number(v, path, "price", kPositive);
    if (!price) return;
    const InstrumentId id = cfg_.universe.find_instrument(key);
    if (id != kNoInstrument) {
      cfg_.market.mark[id] = *price;
      const InstrumentSpec& spec = cfg_.universe.instruments[id];
      if (spec.base != kNoAsset && cfg_.universe.assets[spec.base].spot_instrument == id)
        cfg_.market.spot_price[spec.base] = *price;
      return;
    }
    if (const AssetId asset = pair_asset(key); asset != kNoAsset) {
      cfg_.market.spot_price[asset] = *price;
      return;
    }
    r_.error(v, path, "names no instrument or <ASSET>" + base_name() + " spot pair");
  }

  [[nodiscard]] AssetId pair_asset(std::string_view key) const {
    if (base() == kNoAsset) return kNoAsset;
    const std::string& quote = asset_name(base());
    if (key.size() <= quote.size() || key.substr(key.size() - quote.size()) != quote)
      return kNoAsset;
    const AssetId asset = cfg_.universe.find_asset(key.substr(0, key.size() - quote.size()));
    return is_base(asset) ? kNoAsset : asset;
  }

  void read_funding_rate(std::string_view key, const toml::node& v, const std::string& path) {
    const auto rate = r_.as_number(v, path, "funding rate", kAnyValue);
    if (!rate) return;
    const InstrumentId id = cfg_.universe.find_instrument(key);
    if (id == kNoInstrument) {
      r_.error(v, path, std::string(key) + " names no instrument");
    } else if (cfg_.universe.instruments[id].kind != InstrumentKind::perpetual) {
      r_.error(v, path, std::string(key) + " is not a perpetual; only perpetuals pay funding");
    } else {
      cfg_.market.funding_rate[id] = *rate;
    }
  }

  void read_depth(std::string_view key, const toml::node& v, const std::string& path) {
    const toml::table* t = r_.as_table(v, path);
    if (!t) return;
    Section s(*t, path);
    const InstrumentId id = cfg_.universe.find_instrument(key);
    if (id == kNoInstrument) {
      r_.error(v, path, std::string(key) + " names no instrument");
      return;  // its keys are not worth a second round of errors
    }
    BookSnapshot& book = cfg_.market.books[id];
    read_book_side(s, "bids", book.bids, book.bid_count);
    read_book_side(s, "asks", book.asks, book.ask_count);
    r_.finish(s);
    if (book.bid_count > 0 && book.ask_count > 0 && book.bids[0].price >= book.asks[0].price)
      r_.error(s.line(), path,
               "crossed book: best bid " + format_number(book.bids[0].price) +
                   " is not below best ask " + format_number(book.asks[0].price));
  }

  // Levels are [price, qty] pairs, best first: bids strictly descending, asks ascending.
  void read_book_side(Section& s, std::string_view side,
                      std::array<BookLevel, kMaxBookLevels>& levels, std::uint8_t& count) {
    const toml::array* list = r_.array(s, side, Need::optional);
    if (!list) return;
    const std::string path = s.child(side);
    if (list->size() > kMaxBookLevels) {
      r_.error(*list, path, "at most " + std::to_string(kMaxBookLevels) + " levels");
      return;
    }
    const bool bids = side == "bids";
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string item = indexed(path, i);
      const toml::array* level = r_.as_array((*list)[i], item);
      if (!level) continue;
      if (level->size() != 2) {
        r_.error(*level, item, "expected [price, qty]");
        continue;
      }
      const auto price = r_.as_number((*level)[0], item, "price", kPositive);
      const auto qty = r_.as_number((*level)[1], item, "qty", kPositive);
      if (!price || !qty) continue;
      if (count > 0) {
        const double previous = levels[count - 1].price;
        if (bids ? *price >= previous : *price <= previous) {
          r_.error(*level, item,
                   bids ? "bid prices must strictly descend" : "ask prices must strictly ascend");
          continue;
        }
      }
      levels[count++] = BookLevel{*price, *qty};
    }
  }

  ConfigReader r_;
  Section root_;
  BallastConfig cfg_;
  std::vector<TargetEntry> target_entries_;
  std::array<bool, kMaxAssets> spot_listed_{};
  std::array<bool, kMaxInstruments> position_listed_{};
  int orders_line_ = 0;
  int feed_line_ = 0;
  int venue_line_ = 0;
  int websocket_line_ = 0;
  bool cash_known_ = true;  // false when cash (or a base-currency spot row) failed to read
  int method_line_ = 0;
  std::vector<int> cpus_;  // usable CPUs, ascending
  static constexpr std::size_t kNoThread = std::numeric_limits<std::size_t>::max();
  std::array<std::size_t, kAgents.size()> agent_thread_ = {kNoThread, kNoThread, kNoThread};
  std::vector<ThreadEntry> thread_entries_;
  bool agents_read_ = true;  // every [[thread]]'s agents key was read without a problem
};

// Reads the whole file; on failure returns the OS's reason.
// Config and credentials files are small; anything past this is not one.
constexpr std::size_t kMaxConfigBytes = 1 << 20;
// Deeper than any real config nests tables, arrays or dotted keys; toml++ recurses per
// level, so a 50,000-level header would overflow the stack before any check ran.
constexpr int kMaxConfigNesting = 64;

std::optional<std::string> read_file(const std::string& path, std::string& out) {
  // O_NONBLOCK: a FIFO there must not hang check-config (it is refused just below).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::strerror(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return std::string("not a regular file");
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxConfigBytes) {
    ::close(fd);
    return "larger than " + std::to_string(kMaxConfigBytes) + " bytes; not a config file";
  }
  char buf[1 << 14];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return std::strerror(e);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > kMaxConfigBytes) {  // grew while we read it
      ::close(fd);
      return "larger than " + std::to_string(kMaxConfigBytes) + " bytes; not a config file";
    }
  }
  ::close(fd);
  return std::nullopt;
}

struct ShapeProblem {
  int line = 0;
  std::string problem;
};

// A linear scan before toml++ sees the text: nesting of [ and { (outside strings and
// comments) and the number of parts of a dotted key, each capped at kMaxConfigNesting.
std::optional<ShapeProblem> config_shape_problem(std::string_view t) {
  int line = 1, depth = 0, parts = 0;
  bool in_part = false;
  for (std::size_t k = 0; k < t.size(); ++k) {
    const char c = t[k];
    if (c == '\n') {
      ++line;
      parts = 0;
      in_part = false;
      continue;
    }
    if (c == '#') {  // comment to end of line
      while (k + 1 < t.size() && t[k + 1] != '\n') ++k;
      continue;
    }
    if (c == '"' || c == '\'') {
      const bool multi = t.substr(k, 3) == std::string_view(c == '"' ? "\"\"\"" : "\'\'\'");
      const std::string_view close = multi ? t.substr(k, 3) : t.substr(k, 1);
      std::size_t j = k + close.size();
      while (j < t.size()) {
        if (c == '"' && t[j] == '\\') {
          j += 2;
          continue;
        }
        if (t.substr(j, close.size()) == close) break;
        if (t[j] == '\n') {
          if (!multi) break;  // an unterminated string: toml++ reports it
          ++line;
        }
        ++j;
      }
      k = std::min(j + close.size() - 1, t.size());
      if (!in_part && ++parts > kMaxConfigNesting)  // a quoted key part counts as well
        return ShapeProblem{line, "a dotted key of more than " + std::to_string(kMaxConfigNesting) +
                                      " parts; not a config file"};
      in_part = true;
      continue;
    }
    if (c == '[' || c == '{') {
      if (++depth > kMaxConfigNesting)
        return ShapeProblem{line, "nested deeper than " + std::to_string(kMaxConfigNesting) +
                                      " levels; not a config file"};
      parts = 0;
      in_part = false;
      continue;
    }
    if (c == ']' || c == '}') {
      depth = std::max(0, depth - 1);
      in_part = false;
      continue;
    }
    const bool bare = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
    if (bare) {
      if (!in_part && ++parts > kMaxConfigNesting)
        return ShapeProblem{line, "a dotted key of more than " + std::to_string(kMaxConfigNesting) +
                                      " parts; not a config file"};
      in_part = true;
    } else if (c == '.') {
      in_part = false;  // the next part starts
    } else if (c != ' ' && c != '\t') {
      parts = 0;  // anything else ends the key
      in_part = false;
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> quickfix_ssl_keys_in(std::string_view settings) {
  static constexpr std::string_view kSslKeys[] = {"SSLProtocol",
                                                  "SSLCipherSuite",
                                                  "CertificateAuthoritiesFile",
                                                  "CertificateAuthoritiesDirectory",
                                                  "ClientCertificateFile",
                                                  "ClientCertificateKeyFile",
                                                  "ServerCertificateFile",
                                                  "ServerCertificateKeyFile",
                                                  "CertificateVerifyLevel",
                                                  "CertificateRevocationListFile",
                                                  "CertificateRevocationListDirectory"};
  std::vector<std::string> found;
  while (!settings.empty()) {
    const std::size_t eol = settings.find('\n');
    std::string_view line = settings.substr(0, eol);
    settings = eol == std::string_view::npos ? std::string_view{} : settings.substr(eol + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
    for (const std::string_view ssl : kSslKeys)
      if (key == ssl && std::find(found.begin(), found.end(), key) == found.end())
        found.emplace_back(key);
  }
  return found;
}

bool is_loopback_host(std::string_view host) noexcept {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (const char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += problem;
  // One problem, one line: a quoted key or value may carry control characters.
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return out;
}

ConfigLoadResult parse_config(std::string_view toml_text, const std::string& file_name) {
  return parse_config(toml_text, file_name, ConfigParseOptions{});
}

ConfigLoadResult parse_config(std::string_view toml_text, const std::string& file_name,
                              const ConfigParseOptions& options) {
  if (toml_text.size() > kMaxConfigBytes) {
    ConfigLoadResult result;
    result.errors.push_back(ConfigError{
        file_name, 0, "",
        "larger than " + std::to_string(kMaxConfigBytes) + " bytes; not a config file"});
    return result;
  }
  if (const auto shape = config_shape_problem(toml_text)) {
    ConfigLoadResult result;
    result.errors.push_back(ConfigError{file_name, shape->line, "", shape->problem});
    return result;
  }
  toml::table doc;
  try {
    doc = toml::parse(toml_text, std::string_view(file_name));
  } catch (const toml::parse_error& e) {
    ConfigLoadResult result;
    result.errors.push_back(ConfigError{file_name, static_cast<int>(e.source().begin.line), "",
                                        "TOML syntax error: " + std::string(e.description())});
    return result;
  }
  return ConfigBuilder(doc, file_name, options).build();
}

ConfigLoadResult load_config_file(const std::string& path) {
  return load_config_file(path, ConfigParseOptions{});
}

ConfigLoadResult load_config_file(const std::string& path, const ConfigParseOptions& options) {
  std::string text;
  if (const auto failure = read_file(path, text)) {
    ConfigLoadResult result;
    result.errors.push_back(ConfigError{path, 0, "", "cannot read file: " + *failure});
    return result;
  }
  return parse_config(text, path, options);
}

std::vector<ConfigError> validate_for_planning(const BallastConfig& config) {
  std::vector<ConfigError> errors;
  const Universe& u = config.universe;
  const MarketState& m = config.market;
  auto report = [&](const std::string& key, std::string problem) {
    errors.push_back(ConfigError{config.source_path, config.market_line, "market.prices." + key,
                                 std::move(problem)});
  };
  for (std::size_t i = 0; i < u.instruments.size(); ++i)
    if (!(m.mark[i] > 0.0))
      report(u.instruments[i].symbol, "no price for instrument " + u.instruments[i].symbol);

  const std::string base =
      u.base_currency != kNoAsset ? u.assets[u.base_currency].name : std::string();
  for (std::size_t a = 0; a < u.assets.size(); ++a) {
    if (a == u.base_currency) continue;
    const bool needed = config.targets[a].configured || config.portfolio.spot_qty[a] != 0.0;
    if (!needed || m.spot_price[a] > 0.0) continue;
    const std::string& name = u.assets[a].name;
    const InstrumentId spot = u.assets[a].spot_instrument;
    if (spot == kNoInstrument) {
      report(name + base, "no spot price for " + name + " (expected key " + name + base +
                              " or a spot instrument)");
    } else if (m.mark[spot] > 0.0) {
      // The loader copies a spot instrument's price to its asset; a config assembled
      // elsewhere might not have.
      report(u.instruments[spot].symbol, "no spot price for " + name + " although " +
                                             u.instruments[spot].symbol + " has a price");
    }  // else the instrument's missing price was reported above
  }
  return errors;
}

}  // namespace ballast
