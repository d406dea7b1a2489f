#include "console_format.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace ballast::console {

std::string drift_bar(double drift, double band, int width) {
  width = std::max(width, 5);
  const int cells = width - 2;
  std::string inner(static_cast<std::size_t>(cells), '-');
  const int centre = (cells - 1) / 2;
  // The distance from the centre to the nearer end: the bar spans +-2 bands over it.
  const int half = std::min(centre, cells - 1 - centre);
  inner[static_cast<std::size_t>(centre)] = '|';
  if (band > 0 && half >= 2) {
    const int edge = static_cast<int>(std::lround(half / 2.0));
    inner[static_cast<std::size_t>(centre - edge)] = ':';
    inner[static_cast<std::size_t>(centre + edge)] = ':';
  }
  if (std::isfinite(drift)) {
    const double scale = band > 0 ? band * 2.0 : std::max(std::fabs(drift), 1e-12);
    const double offset = drift / scale * half;
    if (offset > half + 0.5) {
      inner[static_cast<std::size_t>(cells - 1)] = '>';
    } else if (offset < -half - 0.5) {
      inner[0] = '<';
    } else {
      const long pos = centre + std::lround(offset);
      inner[static_cast<std::size_t>(std::clamp<long>(pos, 0, cells - 1))] = '#';
    }
  }
  return "[" + inner + "]";
}

std::string format_percent(double fraction, bool is_signed) {
  if (!std::isfinite(fraction)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, is_signed ? "%+.1f%%" : "%.1f%%", fraction * 100.0);
  // "-0.0%" reads as a sign that means nothing.
  std::string s(buf);
  if (s == "-0.0%" || s == "+0.0%") s = is_signed ? " 0.0%" : "0.0%";
  return s;
}

std::string format_money(double value, bool compact) {
  if (!std::isfinite(value)) return "-";
  char buf[64];
  const double a = std::fabs(value);
  if (compact && a >= 1e6) {
    const char* unit = a >= 1e9 ? "B" : "M";
    std::snprintf(buf, sizeof buf, "%.2f%s", value / (a >= 1e9 ? 1e9 : 1e6), unit);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.2f", a);
  std::string digits(buf);
  const std::size_t dot = digits.find('.');
  std::string grouped;
  for (std::size_t i = 0; i < dot; ++i) {
    if (i > 0 && (dot - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  grouped += digits.substr(dot);
  return (value < 0 && grouped != "0.00" ? "-" : "") + grouped;
}

std::string format_ns(double ns) {
  if (!std::isfinite(ns) || ns < 0) return "-";
  char buf[32];
  const auto three = [&buf](double v, const char* unit) {
    const char* f = v >= 100 ? "%.0f%s" : v >= 10 ? "%.1f%s" : "%.2f%s";
    std::snprintf(buf, sizeof buf, f, v, unit);
  };
  if (ns < 1000) {
    std::snprintf(buf, sizeof buf, "%.0fns", ns);
  } else if (ns < 1e6) {
    three(ns / 1e3, "us");
  } else if (ns < 1e9) {
    three(ns / 1e6, "ms");
  } else {
    three(ns / 1e9, "s");
  }
  return buf;
}

std::string format_count(std::int64_t n) {
  const double a = std::fabs(static_cast<double>(n));
  if (a < 10000) return std::to_string(n);
  char buf[32];
  const double v = static_cast<double>(n);
  if (a < 1e6) {
    std::snprintf(buf, sizeof buf, a < 1e5 ? "%.1fk" : "%.0fk", v / 1e3);
  } else if (a < 1e9) {
    std::snprintf(buf, sizeof buf, a < 1e8 ? "%.1fM" : "%.0fM", v / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fG", v / 1e9);
  }
  return buf;
}

std::string format_number(double value) {
  if (!std::isfinite(value)) return "-";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, res.ptr);
}

std::string fit(std::string_view text, int width, bool right_align) {
  if (width <= 0) return {};
  const auto w = static_cast<std::size_t>(width);
  if (text.size() >= w) return std::string(text.substr(0, w));
  const std::string pad(w - text.size(), ' ');
  return right_align ? pad + std::string(text) : std::string(text) + pad;
}

namespace {

std::string scalar_text(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::STRING: {
      std::string_view s;
      return e.get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
    }
    case element_type::INT64: {
      std::int64_t v = 0;
      return e.get(v) == simdjson::SUCCESS ? std::to_string(v) : std::string();
    }
    case element_type::UINT64: {
      std::uint64_t v = 0;
      return e.get(v) == simdjson::SUCCESS ? std::to_string(v) : std::string();
    }
    case element_type::DOUBLE: {
      double v = 0;
      if (e.get(v) != simdjson::SUCCESS) return {};
      // Ten significant digits read better than a round-trip 17 (--json has those).
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.10g", v);
      return buf;
    }
    case element_type::BOOL: {
      bool v = false;
      return e.get(v) == simdjson::SUCCESS && v ? "true" : "false";
    }
    case element_type::NULL_VALUE:
      return "-";
    default:
      return simdjson::minify(e);
  }
}

// Rows of an array of objects as an aligned table, columns in first-seen key order.
void render_table(simdjson::dom::array rows, std::string& out) {
  std::vector<std::string> columns;
  for (simdjson::dom::element row : rows) {
    simdjson::dom::object o;
    if (row.get(o) != simdjson::SUCCESS) continue;
    for (auto field : o) {
      const std::string k(field.key);
      if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
    }
  }
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> widths;
  for (const auto& c : columns) widths.push_back(c.size());
  for (simdjson::dom::element row : rows) {
    std::vector<std::string> line;
    simdjson::dom::object o;
    const bool is_object = row.get(o) == simdjson::SUCCESS;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      simdjson::dom::element v;
      std::string text = "";
      if (is_object && o.at_key(columns[i]).get(v) == simdjson::SUCCESS) text = scalar_text(v);
      widths[i] = std::max(widths[i], text.size());
      line.push_back(std::move(text));
    }
    cells.push_back(std::move(line));
  }
  const auto emit = [&](const std::vector<std::string>& line) {
    std::string text = " ";
    for (std::size_t i = 0; i < line.size(); ++i)
      text += " " + fit(line[i], static_cast<int>(widths[i]));
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  std::vector<std::string> heading;
  for (const auto& c : columns) {
    std::string up = c;
    std::transform(up.begin(), up.end(), up.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    heading.push_back(up);
  }
  emit(heading);
  for (const auto& line : cells) emit(line);
}

void render_value(const std::string& key, simdjson::dom::element e, std::string& out) {
  using simdjson::dom::element_type;
  if (e.type() == element_type::OBJECT) {
    simdjson::dom::object o;
    if (e.get(o) != simdjson::SUCCESS) return;
    for (auto field : o) render_value(key + "." + std::string(field.key), field.value, out);
    return;
  }
  if (e.type() == element_type::ARRAY) {
    simdjson::dom::array a;
    if (e.get(a) != simdjson::SUCCESS) return;
    bool objects = a.size() > 0;
    for (simdjson::dom::element item : a)
      if (item.type() != element_type::OBJECT) objects = false;
    if (!objects) {
      std::string list;
      for (simdjson::dom::element item : a) list += (list.empty() ? "" : ", ") + scalar_text(item);
      out += key + ": " + (a.size() == 0 ? "(none)" : list) + "\n";
      return;
    }
    out += key + ":\n";
    render_table(a, out);
    return;
  }
  out += key + ": " + scalar_text(e) + "\n";
}

}  // namespace

std::string render_reply_text(std::string_view reply_line) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::object o;
  if (parser.parse(reply_line.data(), reply_line.size()).get(doc) != simdjson::SUCCESS ||
      doc.get(o) != simdjson::SUCCESS)
    return "unparsable reply: " + std::string(reply_line) + "\n";
  std::string out;
  for (auto field : o) {
    const std::string_view k = field.key;
    if (k == "v" || k == "type" || k == "id") continue;
    render_value(std::string(k), field.value, out);
  }
  return out;
}

}  // namespace ballast::console
