#include "request_builder.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace ballast::console {
namespace {

// One positional argument: its key and whether it must be a number.
struct Positional {
  const char* key;
  enum class Kind { text, number, integer } kind;
  bool required;
};

struct CommandSpec {
  const char* name;
  std::vector<Positional> positionals;
  const char* usage;
};

const std::vector<CommandSpec>& specs() {
  using K = Positional::Kind;
  static const std::vector<CommandSpec> s = {
      {"status", {}, "status"},
      {"positions", {}, "positions"},
      {"orders", {}, "orders"},
      {"risk", {}, "risk"},
      {"latency", {}, "latency"},
      {"pause", {}, "pause"},
      {"resume", {}, "resume"},
      {"kill", {}, "kill"},
      {"reduce-only", {}, "reduce-only"},
      {"flatten", {}, "flatten"},
      {"set-target",
       {{"asset", K::text, true}, {"weight", K::number, true}, {"band", K::number, false}},
       "set-target ASSET WEIGHT [BAND]"},
      {"reload", {}, "reload [--confirm]"},
      {"subscribe", {{"interval_ms", K::integer, false}}, "subscribe [INTERVAL_MS]"},
  };
  return s;
}

// The JSON text of a number the operator typed, or empty when it is not one. Written
// back in shortest round-trip form, so "0.40" and ".4" both become 0.4.
std::string number_json(std::string_view text, bool integer) {
  if (text.empty()) return {};
  if (integer) {
    long long v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return {};
    return std::to_string(v);
  }
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(v)) return {};
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

}  // namespace

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

const std::vector<std::string>& known_commands() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& s : specs()) n.emplace_back(s.name);
    return n;
  }();
  return names;
}

BuiltRequest build_request(const std::vector<std::string>& words, std::uint64_t id) {
  BuiltRequest r;
  if (words.empty()) {
    r.error = "no command given";
    return r;
  }
  r.cmd = words[0];
  const CommandSpec* spec = nullptr;
  for (const auto& s : specs())
    if (r.cmd == s.name) spec = &s;
  if (spec == nullptr) {
    std::string list;
    for (const auto& n : known_commands()) list += (list.empty() ? "" : ", ") + n;
    r.error = "unknown command '" + r.cmd + "' (commands: " + list + ")";
    return r;
  }

  std::string args;  // "key":value pairs, comma separated
  const auto add = [&args](std::string_view key, const std::string& json) {
    if (!args.empty()) args += ',';
    args += json_quote(key) + ":" + json;
  };
  std::size_t next_positional = 0;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--confirm" && r.cmd == "reload") {  // apply even if it loosens a risk limit
      add("confirm", "true");
      continue;
    }
    const std::size_t eq = w.find('=');
    if (eq != std::string::npos && eq > 0) {
      const std::string value = w.substr(eq + 1);
      const std::string num = number_json(value, false);
      add(w.substr(0, eq), num.empty() ? json_quote(value) : num);
      continue;
    }
    if (next_positional >= spec->positionals.size()) {
      r.error = r.cmd + ": unexpected argument '" + w + "' (usage: " + spec->usage + ")";
      return r;
    }
    const Positional& p = spec->positionals[next_positional++];
    if (p.kind == Positional::Kind::text) {
      add(p.key, json_quote(w));
      continue;
    }
    const std::string num = number_json(w, p.kind == Positional::Kind::integer);
    if (num.empty()) {
      r.error = r.cmd + ": " + p.key + " '" + w + "' is not " +
                (p.kind == Positional::Kind::integer ? "an integer" : "a number") +
                " (usage: " + spec->usage + ")";
      return r;
    }
    add(p.key, num);
  }
  for (std::size_t i = next_positional; i < spec->positionals.size(); ++i) {
    if (spec->positionals[i].required) {
      r.error = r.cmd + ": missing " + spec->positionals[i].key + " (usage: " + spec->usage + ")";
      return r;
    }
  }

  r.line = "{\"v\":1";
  if (id > 0) r.line += ",\"id\":" + std::to_string(id);
  r.line += ",\"cmd\":" + json_quote(r.cmd);
  if (!args.empty()) r.line += ",\"args\":{" + args + "}";
  r.line += "}";
  return r;
}

}  // namespace ballast::console
