// The journal module's table of the config file, [journal]: where the engine's event
// journal is and how often it is forced to disk.
#pragma once

#include <string>

#include "ballast/core/config_section.hpp"

namespace ballast::journal {

enum class JournalSync : std::uint8_t {
  group,  // fdatasync at most every sync_ms: an event is durable within ~sync_ms
  none,   // never fdatasync: the kernel writes back when it likes (tests, replays)
};

// [journal]: absent = no journal (the engine starts from [portfolio] every time).
struct JournalConfig {
  bool present = false;
  std::string path;  // resolved against the config file's directory
  JournalSync sync = JournalSync::group;
  int sync_ms = 5;  // 1..1000
};

// Registers [journal] (optional) with its reader.
void add_journal_table(ConfigSchema& schema, JournalConfig& journal);

}  // namespace ballast::journal
