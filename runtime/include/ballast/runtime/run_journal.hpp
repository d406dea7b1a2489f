// The journal of one engine run ([journal]): the file is read first (a torn tail is cut
// and said, corruption stops the start with its offset), then opened for appending with
// this run's start record (config hash, software version), before any venue connects.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>

#include "ballast/core/engine_core.hpp"
#include "ballast/journal/journal_reader.hpp"
#include "ballast/journal/journal_replay.hpp"
#include "ballast/journal/journal_writer.hpp"
#include "ballast/runtime/run_config.hpp"

namespace ballast::runtime {

struct RunJournal {
  journal::JournalScan scan;  // what the file held when the run started
  // What it said the engine held and owed; none for a fresh journal (then the config's
  // [portfolio] is the seed this run writes).
  std::optional<journal::RecoveredBook> book;
  std::uint64_t orders_in_flight = 0;  // set by restore_from_journal
  std::uint64_t orders_dropped = 0;
  std::unique_ptr<journal::JournalWriter> writer;
};

// What the summary says about the journal.
struct JournalSummary {
  std::string path;
  std::uint64_t records_before = 0;    // read at start
  bool recovered = false;              // the run started from the journal, not [portfolio]
  std::uint64_t orders_in_flight = 0;  // open when the journal ended: asked about, or dropped
  std::uint64_t orders_dropped = 0;    // of those, on a venue that cannot be asked (loopback)
  std::uint64_t torn_bytes_cut = 0;
  journal::JournalWriterStats writer;
  std::string failure;
};

// 0 (opened, or no [journal]), 1 (corrupt or cannot be opened: one line on `log` says
// the file, the offset or the reason). `read_only` (`ballast reconcile`): read and
// replayed, but not opened for writing (a torn tail is said, not cut).
[[nodiscard]] int open_run_journal(const RunConfig& config, std::FILE* log, RunJournal& out,
                                   bool read_only = false);

// Puts the recovered book into the engine before it runs: holdings, and the orders in
// flight, which the engine asks the venue about once its session is up. A loopback route
// has no session to ask (and no memory of a previous process's orders): they are dropped
// and counted.
void restore_from_journal(const RunConfig& config, RunJournal& journal, EngineCore& core,
                          std::FILE* log);

[[nodiscard]] std::optional<JournalSummary> summarize_journal(const RunConfig& config,
                                                              const RunJournal& journal);

}  // namespace ballast::runtime
