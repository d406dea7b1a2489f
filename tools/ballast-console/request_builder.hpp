// Turns what the operator typed (`set-target BTC 0.4 0.05`, `pause`, `subscribe 200`) into
// one control-protocol v1 request line (docs/control-protocol.md). Pure: shared by
// `--once`, the screen's `t` and `:` prompts, and the unit tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::console {

struct BuiltRequest {
  std::string line;   // the JSON object, without the trailing newline
  std::string error;  // why the words are not a request; empty when `line` is good
  std::string cmd;    // the command name, for messages
  [[nodiscard]] bool ok() const { return error.empty(); }
};

// words[0] is the command, the rest its positional arguments; any word of the form
// key=value is passed through as args.key (a number when it reads as one), so commands
// added to the protocol later still work. `id` > 0 is sent as the request id.
[[nodiscard]] BuiltRequest build_request(const std::vector<std::string>& words,
                                         std::uint64_t id = 0);

// Splits a command line typed at the `:` or `t` prompt on blanks.
[[nodiscard]] std::vector<std::string> split_words(std::string_view text);

// The commands the protocol knows, for help and error messages.
[[nodiscard]] const std::vector<std::string>& known_commands();

// A JSON string literal (quotes included) for `text`.
[[nodiscard]] std::string json_quote(std::string_view text);

}  // namespace ballast::console
