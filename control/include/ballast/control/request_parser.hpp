// Control protocol requests: one line of JSON, {"v":1,"id":..,"cmd":"..","args":{..}},
// turned into a typed ControlRequest or the words of an error reply. Runs on the control
// thread only; never throws and never trusts the bytes it is given.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ballast::control {

// The longest request line accepted, newline excluded; a longer one closes the connection.
inline constexpr std::size_t kMaxRequestLine = 64 * 1024;

enum class ControlCmd : std::uint8_t {
  status,
  positions,
  orders,
  risk,
  latency,
  pause,
  resume,
  kill,
  reduce_only,
  flatten,
  set_target,
  reload,
  subscribe,
};
inline constexpr std::size_t kControlCmdCount = 13;
[[nodiscard]] const char* to_string(ControlCmd c) noexcept;  // the wire name: "reduce-only"
[[nodiscard]] std::optional<ControlCmd> control_cmd_from_name(std::string_view name) noexcept;
// Every command's wire name, in enum order (the docs table and the tests walk it).
[[nodiscard]] const std::array<const char*, kControlCmdCount>& control_cmd_names() noexcept;
// Queries answer from the snapshot; everything else but subscribe goes to the engine.
[[nodiscard]] bool is_query(ControlCmd c) noexcept;

inline constexpr int kMinSubscribeIntervalMs = 50;
inline constexpr int kMaxSubscribeIntervalMs = 60'000;
inline constexpr int kDefaultSubscribeIntervalMs = 250;

struct ControlRequest {
  ControlCmd cmd = ControlCmd::status;
  std::string id_json;    // the id as received (minified JSON), "" when absent
  std::string args_json;  // the args object as received (minified), "{}" when absent
  // set-target
  std::string asset;
  double weight = 0.0;
  std::optional<double> band;
  // reload: apply even when it loosens a risk limit (the operator has seen the list)
  bool confirm = false;
  // subscribe
  int interval_ms = kDefaultSubscribeIntervalMs;
};

// Either a request, or an error. id_json and cmd_name are filled as far as the line got,
// so the error reply can echo them; well_formed says the line was a v1 request for a
// known command (only its arguments were wrong), which the audit log records.
struct ControlParseResult {
  std::optional<ControlRequest> request;
  std::string error;
  std::string id_json;
  std::string cmd_name;
  std::string args_json;
  bool well_formed = false;
};

class ControlRequestParser {
 public:
  ControlRequestParser();
  ~ControlRequestParser();
  ControlRequestParser(const ControlRequestParser&) = delete;
  ControlRequestParser& operator=(const ControlRequestParser&) = delete;

  // `line` without its newline. Any bytes at all give a definite result.
  [[nodiscard]] ControlParseResult parse(std::string_view line) noexcept;

 private:
  struct Impl;
  Impl* impl_;  // simdjson's parser, kept out of this header
};

}  // namespace ballast::control
