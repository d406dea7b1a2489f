// The venue simulator's fault commands (docs/fix-dialect.md, "Faults"): one per line, typed
// on `ballast-venue`'s standard input, given with --fault, or scheduled in [venue] faults as
// "SECONDS COMMAND". Parsing only: [venue] faults are checked at load with the same grammar
// the simulator (VenueFixServer::apply_fault) carries out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ballast::venue {

struct FaultCommand {
  // mute_positions: positions requests (FIX AN) go unanswered until `clear`.
  enum class Kind : std::uint8_t {
    drop,
    delay,
    reject,
    freeze,
    unfreeze,
    widen,
    clear,
    mute_positions
  };
  Kind kind = Kind::clear;
  std::int64_t delay_ms = 0;  // delay (0 ends it)
  std::uint32_t count = 0;    // reject
  std::string symbol;         // freeze / unfreeze; empty = every instrument
  double factor = 1.0;        // widen
  // Canonical text ("delay 250", "freeze BTCUSDT"), as acknowledged.
  [[nodiscard]] std::string to_string() const;
};

// One command line (surrounding blanks ignored). nullopt with `error` set when the line is
// not a command: unknown verb, missing or extra argument, out-of-range number.
// Symbols are not checked here (the universe is): see VenueFixServer::apply_fault.
[[nodiscard]] std::optional<FaultCommand> parse_fault_command(std::string_view line,
                                                              std::string* error = nullptr);

struct ScheduledFault {
  double at_s = 0.0;  // wall-clock seconds since the venue started
  FaultCommand command;
};

// "SECONDS COMMAND", e.g. "5 drop", "2.5 delay 300".
[[nodiscard]] std::optional<ScheduledFault> parse_scheduled_fault(std::string_view line,
                                                                  std::string* error = nullptr);

}  // namespace ballast::venue
