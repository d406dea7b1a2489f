#include "ballast/control/request_parser.hpp"

#include <simdjson.h>

#include <cmath>
#include <new>

namespace ballast::control {
namespace {

constexpr std::array<const char*, kControlCmdCount> kNames = {
    "status", "positions",   "orders",  "risk",       "latency", "pause",    "resume",
    "kill",   "reduce-only", "flatten", "set-target", "reload",  "subscribe"};

bool read_number(const simdjson::dom::element& e, double& out) {
  if (!e.is_number()) return false;
  double v = 0.0;
  if (e.get_double().get(v) != simdjson::SUCCESS || !std::isfinite(v)) return false;
  out = v;
  return true;
}

// The arguments of one command; false with `error` set when they are not what it takes.
bool read_args(const simdjson::dom::object& args, ControlRequest& r, std::string& error) {
  bool has_asset = false, has_weight = false;
  for (const auto field : args) {
    const std::string_view key = field.key;
    if (r.cmd == ControlCmd::set_target && key == "asset") {
      std::string_view s;
      if (field.value.get_string().get(s) != simdjson::SUCCESS || s.empty()) {
        error = "args.asset must be a non-empty string";
        return false;
      }
      r.asset = std::string(s);
      has_asset = true;
    } else if (r.cmd == ControlCmd::set_target && key == "weight") {
      if (!read_number(field.value, r.weight)) {
        error = "args.weight must be a number";
        return false;
      }
      has_weight = true;
    } else if (r.cmd == ControlCmd::set_target && key == "band") {
      double band = 0.0;
      if (!read_number(field.value, band)) {
        error = "args.band must be a number";
        return false;
      }
      r.band = band;
    } else if (r.cmd == ControlCmd::reload && key == "confirm") {
      if (field.value.get_bool().get(r.confirm) != simdjson::SUCCESS) {
        error = "args.confirm must be true or false";
        return false;
      }
    } else if (r.cmd == ControlCmd::subscribe && key == "interval_ms") {
      std::int64_t ms = 0;
      if (field.value.get_int64().get(ms) != simdjson::SUCCESS || ms < kMinSubscribeIntervalMs ||
          ms > kMaxSubscribeIntervalMs) {
        error = "args.interval_ms must be an integer in [" +
                std::to_string(kMinSubscribeIntervalMs) + ", " +
                std::to_string(kMaxSubscribeIntervalMs) + "]";
        return false;
      }
      r.interval_ms = static_cast<int>(ms);
    } else {
      error = "unknown argument \"" + std::string(key) + "\" for " + to_string(r.cmd);
      return false;
    }
  }
  if (r.cmd == ControlCmd::set_target && (!has_asset || !has_weight)) {
    error = "set-target needs args.asset and args.weight";
    return false;
  }
  return true;
}

// Error text quotes what the client sent; keep it short and printable.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 64))
    out += (static_cast<unsigned char>(c) < 0x20 || c == '"') ? '?' : c;
  return out + (s.size() > 64 ? "...\"" : "\"");
}

}  // namespace

const char* to_string(ControlCmd c) noexcept {
  const auto i = static_cast<std::size_t>(c);
  return i < kNames.size() ? kNames[i] : "?";
}

std::optional<ControlCmd> control_cmd_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (name == kNames[i]) return static_cast<ControlCmd>(i);
  return std::nullopt;
}

const std::array<const char*, kControlCmdCount>& control_cmd_names() noexcept {
  return kNames;
}

bool is_query(ControlCmd c) noexcept {
  switch (c) {
    case ControlCmd::status:
    case ControlCmd::positions:
    case ControlCmd::orders:
    case ControlCmd::risk:
    case ControlCmd::latency:
      return true;
    default:
      return false;
  }
}

struct ControlRequestParser::Impl {
  simdjson::dom::parser parser;
};

ControlRequestParser::ControlRequestParser() : impl_(new Impl) {}
ControlRequestParser::~ControlRequestParser() {
  delete impl_;
}

ControlParseResult ControlRequestParser::parse(std::string_view line) noexcept {
  ControlParseResult out;
  try {
    if (line.size() > kMaxRequestLine) {
      out.error = "request longer than 65536 bytes";
      return out;
    }
    // parse() copies the line into the parser's own padded buffer.
    simdjson::dom::element doc;
    if (const auto err = impl_->parser.parse(line.data(), line.size(), true).get(doc);
        err != simdjson::SUCCESS) {
      out.error = std::string("malformed JSON: ") + simdjson::error_message(err);
      return out;
    }
    simdjson::dom::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) {
      out.error = "a request is a JSON object";
      return out;
    }
    // First pass: the id, so every later error can echo it.
    if (simdjson::dom::element id; obj["id"].get(id) == simdjson::SUCCESS) {
      if (id.is_number() || id.is_string()) out.id_json = simdjson::minify(id);
    }
    bool seen_v = false, seen_id = false, seen_cmd = false, seen_args = false;
    std::string_view cmd_name;
    simdjson::dom::object args;
    for (const auto field : obj) {
      const std::string_view key = field.key;
      bool* seen = key == "v"      ? &seen_v
                   : key == "id"   ? &seen_id
                   : key == "cmd"  ? &seen_cmd
                   : key == "args" ? &seen_args
                                   : nullptr;
      if (seen == nullptr) {
        out.error = "unknown field " + quoted(key);
        return out;
      }
      if (*seen) {
        out.error = "duplicate field " + quoted(key);
        return out;
      }
      *seen = true;
      if (key == "v") {
        std::int64_t v = 0;
        if (field.value.get_int64().get(v) != simdjson::SUCCESS || v != 1) {
          out.error = "unsupported protocol version (v must be 1)";
          return out;
        }
      } else if (key == "id") {
        if (!field.value.is_number() && !field.value.is_string()) {
          out.error = "id must be a number or a string";
          return out;
        }
      } else if (key == "cmd") {
        if (field.value.get_string().get(cmd_name) != simdjson::SUCCESS) {
          out.error = "cmd must be a string";
          return out;
        }
      } else if (field.value.get_object().get(args) != simdjson::SUCCESS) {
        out.error = "args must be an object";
        return out;
      }
    }
    if (!seen_v) {
      out.error = "missing field \"v\" (protocol version 1)";
      return out;
    }
    if (!seen_cmd) {
      out.error = "missing field \"cmd\"";
      return out;
    }
    const auto cmd = control_cmd_from_name(cmd_name);
    if (!cmd) {
      out.error = "unknown command " + quoted(cmd_name);
      return out;
    }
    out.cmd_name = std::string(cmd_name);
    out.args_json = seen_args ? simdjson::minify(args) : std::string("{}");
    out.well_formed = true;
    ControlRequest r;
    r.cmd = *cmd;
    r.id_json = out.id_json;
    r.args_json = out.args_json;
    if (seen_args && !read_args(args, r, out.error)) return out;
    if (!seen_args && r.cmd == ControlCmd::set_target) {
      out.error = "set-target needs args.asset and args.weight";
      return out;
    }
    out.request = std::move(r);
    return out;
  } catch (...) {  // bad_alloc from a huge id or args: refuse the line, keep serving
    out.request.reset();
    out.error = "request could not be processed";
    return out;
  }
}

}  // namespace ballast::control
