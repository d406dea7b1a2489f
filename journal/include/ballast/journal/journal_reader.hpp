// Reads a journal file front to back, record by record, in a fixed 64 KiB window (a
// journal of months costs no more memory than one of minutes). It tells the two ways a
// file can end badly apart: a torn last record (a crash mid-write: cut it off, report it,
// go on) and a bad record with more after it (corruption: stop, with the offset).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ballast/journal/journal_record.hpp"

namespace ballast::journal {

struct JournalScan {
  bool opened = false;            // false: error says why (missing file, permissions)
  bool missing = false;           // not opened because there is no such file (ENOENT)
  std::string error;              // open / read failure
  std::uint64_t records = 0;      // decoded and handed to the callback
  std::uint64_t skipped = 0;      // whole records of a type or version this reader lacks
  std::uint64_t valid_bytes = 0;  // the file's good prefix: where an appender continues
  std::uint64_t file_bytes = 0;
  // A torn last record: [valid_bytes, file_bytes) is what a crash left half-written.
  bool torn = false;
  // A bad record followed by more bytes: the file is corrupt at corrupt_offset.
  std::optional<std::uint64_t> corrupt_offset;
  DecodeStatus corrupt_status = DecodeStatus::ok;
  bool first_is_run_start = true;  // false: the file does not start like a journal

  [[nodiscard]] bool usable() const noexcept {
    return opened && !corrupt_offset && first_is_run_start;
  }
};

// Calls `on_record` for each record from `from_record` (0-based index among decoded
// records) on; returning false from it stops the scan early (records counts what was seen).
JournalScan scan_journal(const std::string& path,
                         const std::function<bool(const JournalRecord&)>& on_record,
                         std::uint64_t from_record = 0);

// The same over bytes in memory (tests, the fuzz driver).
JournalScan scan_journal_bytes(const std::uint8_t* data, std::size_t size,
                               const std::function<bool(const JournalRecord&)>& on_record,
                               std::uint64_t from_record = 0);

}  // namespace ballast::journal
