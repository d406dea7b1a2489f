// Reads [journal] (journal_config.hpp).
#include "ballast/journal/journal_config.hpp"

#include <array>

namespace ballast::journal {
namespace {

constexpr std::array<Option<JournalSync>, 2> kSyncModes{
    {{"group", JournalSync::group}, {"none", JournalSync::none}}};

void read_journal(ConfigSection& s, JournalConfig& j) {
  j.present = true;
  if (const auto path = s.name("path", Need::required)) j.path = s.resolve_path(*path);
  if (const auto sync = s.choice("sync", Need::optional, kSyncModes)) j.sync = *sync;
  if (const auto ms = s.integer("sync_ms", Need::optional, Range{1.0, 1000.0, false, false}))
    j.sync_ms = static_cast<int>(*ms);
}

}  // namespace

void add_journal_table(ConfigSchema& schema, JournalConfig& journal) {
  schema.add_table("journal", Need::optional,
                   [&journal](ConfigSection& s) { read_journal(s, journal); });
}

}  // namespace ballast::journal
