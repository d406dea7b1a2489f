// The loader's reading machinery: conversions, file reading with its caps, the shape scan
// that keeps hostile nesting away from toml++, and ConfigSection, the face modules read
// their own tables through.
#include "config_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>

namespace ballast {

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

std::string resolve_path(const std::string& config_file, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  const std::filesystem::path dir = std::filesystem::path(config_file).parent_path();
  return dir.empty() ? path : (dir / p).string();
}

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

namespace {

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

}  // namespace

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

// Deeper than any real config nests tables, arrays or dotted keys; toml++ recurses per
// level, so a 50,000-level header would overflow the stack before any check ran.
constexpr int kMaxConfigNesting = 64;

std::optional<std::string> read_config_text(const std::string& path, std::string& out) {
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

std::string Range::describe() const {
  if (hi == kInf) return (lo_open ? "> " : ">= ") + format_number(lo);
  if (lo == -kInf) return (hi_open ? "< " : "<= ") + format_number(hi);
  return std::string("in ") + (lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) +
         (hi_open ? ")" : "]");
}

// ---- ConfigSection: a module's view of its table ----------------------------------------

std::string ConfigSection::child(std::string_view key) const {
  return section_.child(key);
}
int ConfigSection::line() const {
  return section_.line();
}
int ConfigSection::line_of_key(std::string_view key) const {
  return section_.line_of_key(key);
}
bool ConfigSection::has(std::string_view key) const {
  return section_.has(key);
}
std::string ConfigSection::resolve_path(std::string_view path) const {
  return ballast::resolve_path(domain_.source_path, std::string(path));
}
std::optional<double> ConfigSection::number(std::string_view key, Need need, Range range) {
  return reader_.number(section_, key, need, range);
}
std::optional<std::int64_t> ConfigSection::integer(std::string_view key, Need need, Range range) {
  return reader_.integer(section_, key, need, range);
}
std::optional<std::string> ConfigSection::name(std::string_view key, Need need) {
  return reader_.name(section_, key, need);
}
std::optional<bool> ConfigSection::boolean(std::string_view key, Need need) {
  return reader_.boolean(section_, key, need);
}
std::optional<std::size_t> ConfigSection::choice_index(std::string_view key, Need need,
                                                       const std::string_view* names,
                                                       std::size_t count) {
  const toml::node* n = reader_.find(section_, key, need);
  if (!n) return std::nullopt;
  return reader_.as_choice_index(*n, section_.child(key), names, count);
}
std::optional<std::vector<ConfigSection::Item>> ConfigSection::names(std::string_view key,
                                                                     Need need) {
  const toml::array* list = reader_.array(section_, key, need);
  if (!list) return std::nullopt;
  std::vector<Item> items;
  for (std::size_t k = 0; k < list->size(); ++k) {
    const toml::node& n = *list->get(k);
    std::string path = indexed(section_.child(key), k);
    if (auto value = reader_.as_name(n, path))
      items.push_back(Item{std::move(*value), std::move(path), line_of(n)});
  }
  return items;
}
void ConfigSection::forbid(std::string_view key, std::string_view why) {
  reader_.forbid(section_, key, std::string(why));
}
void ConfigSection::error(std::string_view key, std::string problem) {
  reader_.error(section_.line_of_key(key), section_.child(key), std::move(problem));
}
void ConfigSection::error_at(int line, std::string path, std::string problem) {
  reader_.error(line, std::move(path), std::move(problem));
}

void ConfigChecks::error(int line, std::string key, std::string problem) {
  reader_.error(line, std::move(key), std::move(problem));
}

void ConfigSchema::add_table(std::string name, Need need, ReadTable read) {
  tables_.push_back(Table{std::move(name), need, std::move(read)});
}
void ConfigSchema::add_check(Check check) {
  checks_.push_back(std::move(check));
}

}  // namespace ballast
