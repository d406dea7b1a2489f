// `ballast journal show FILE [--json] [--from N] [--config FILE]`: the engine's journal in
// words (or one JSON object per line), record by record, and how the file ends.
#pragma once

#include <string_view>
#include <vector>

namespace ballast::tools {

// Exit 0 (read to a clean end or a torn tail, which is said), 1 (corrupt: the offset is
// said), 2 (bad arguments, or the file cannot be read).
[[nodiscard]] int run_journal_command(const std::vector<std::string_view>& args);

}  // namespace ballast::tools
