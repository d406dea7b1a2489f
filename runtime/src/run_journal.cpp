// open_run_journal (run_journal.hpp).
#include "ballast/runtime/run_journal.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

namespace ballast::runtime {
namespace {

#ifndef BALLAST_SOFTWARE_VERSION
#define BALLAST_SOFTWARE_VERSION "unknown"
#endif

// FNV-1a of the config file's bytes: a run_start says which file the run was started
// with, so a reader can tell the runs of a changed config apart.
std::uint64_t config_hash(const RunConfig& config) {
  std::ifstream in(config.source_path, std::ios::binary);
  if (!in) return 0;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return journal::fnv1a64(bytes.str());
}

// Why the recovered book cannot be traded from, or null.
const char* unusable_for_recovery(const RunJournal& j, std::uint64_t universe_hash) {
  if (j.scan.skipped > 0)
    return "it holds records of a newer kind this build cannot read (a newer engine wrote it)";
  if (!j.book) return nullptr;
  if (j.book->foreign_ids || j.book->universe_hash != universe_hash)
    return "it was written for other instruments or assets than this config's (changed, "
           "added or reordered); read it with `ballast journal show`, start a new one";
  return nullptr;
}

}  // namespace

int open_run_journal(const RunConfig& config, std::FILE* log, RunJournal& out, bool read_only) {
  if (!config.journal.present) return 0;
  const std::string& path = config.journal.path;
  journal::JournalReplay replay(config);
  out.scan = journal::scan_journal(path, [&replay](const journal::JournalRecord& r) {
    replay.apply(r);
    return true;
  });
  if (!out.scan.opened && !out.scan.missing) {
    std::fprintf(log, "ballast: journal: %s\n", out.scan.error.c_str());
    return 1;
  }
  if (out.scan.corrupt_offset) {
    std::fprintf(log,
                 "ballast: journal: %s: corrupt record at offset %llu (%s) with %llu bytes "
                 "after it; not starting (`ballast journal show` reads up to it)\n",
                 path.c_str(), static_cast<unsigned long long>(*out.scan.corrupt_offset),
                 journal::to_string(out.scan.corrupt_status),
                 static_cast<unsigned long long>(out.scan.file_bytes - *out.scan.corrupt_offset));
    return 1;
  }
  if (!out.scan.first_is_run_start) {
    std::fprintf(log, "ballast: journal: %s: not a Ballast journal; not starting\n", path.c_str());
    return 1;
  }
  if (out.scan.torn)
    std::fprintf(log,
                 "ballast: journal: %s: torn last record %s at offset %llu (%llu bytes a "
                 "crash left half-written)\n",
                 path.c_str(), read_only ? "(read up to it)" : "cut off",
                 static_cast<unsigned long long>(out.scan.valid_bytes),
                 static_cast<unsigned long long>(out.scan.file_bytes - out.scan.valid_bytes));
  journal::RunStart run;
  run.config_hash = config_hash(config);
  run.wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  run.set_software_version("ballast " BALLAST_SOFTWARE_VERSION);
  if (out.scan.records > 0) out.book = replay.result();
  run.universe_hash = journal::universe_fingerprint(config.universe);
  if (const char* why = unusable_for_recovery(out, run.universe_hash)) {
    std::fprintf(log, "ballast: journal: %s: %s; not starting\n", path.c_str(), why);
    return 1;
  }
  if (read_only) {
    std::fprintf(log, "ballast: journal %s read (%llu records), not written\n", path.c_str(),
                 static_cast<unsigned long long>(out.scan.records));
    return 0;
  }
  // A journal without a seed (fresh, or its first run died before writing one) starts
  // from the config's [portfolio]: that is its seed, written once.
  const PortfolioState* seed = out.book && out.book->seeded ? nullptr : &config.portfolio;
  std::string error;
  out.writer = journal::JournalWriter::open(config.journal, out.scan.valid_bytes, run, error, seed,
                                            out.scan.opened ? out.scan.file_bytes : 0);
  if (!out.writer) {
    std::fprintf(log, "ballast: journal: %s\n", error.c_str());
    return 1;
  }
  std::fprintf(log, "ballast: journal %s (%llu records before this run, sync %s)\n", path.c_str(),
               static_cast<unsigned long long>(out.scan.records),
               config.journal.sync == journal::JournalSync::group
                   ? ("group " + std::to_string(config.journal.sync_ms) + " ms").c_str()
                   : "none");
  return 0;
}

void restore_from_journal(const RunConfig& config, RunJournal& journal, EngineCore& core,
                          std::FILE* log) {
  if (!journal.book) return;
  journal::RecoveredBook& book = *journal.book;
  core.restore_portfolio(book.portfolio);
  const std::uint64_t in_flight = book.open.count;
  journal.orders_in_flight = in_flight;
  if (config.orders.kind == OrderRouteKind::loopback && book.open.count > 0) {
    journal.orders_dropped = in_flight;
    book.open.count = 0;
  }
  core.adopt_open_orders(book.open);
  // What the operator's commands left (a kill before a crash is still a kill after it).
  core.restore_operator_state(book.operator_state);
  core.restore_fill_ids(book.fill_ids);  // a fill sent again after the restart is dropped
  const OperatorState& op = book.operator_state;
  if (op.halted || op.paused || op.flattening || op.mode != TradingState::active)
    std::fprintf(log,
                 "ballast: journal: the operator left the engine %s%s%s before the stop: "
                 "still so (resume to trade)\n",
                 to_string(op.mode), op.paused ? ", paused" : "",
                 op.flattening ? ", flattening" : "");
  if (book.reloads_not_replayed > 0)
    std::fprintf(log,
                 "ballast: journal: %llu reload(s) before the stop are not replayed: this "
                 "config is in force\n",
                 static_cast<unsigned long long>(book.reloads_not_replayed));
  std::string positions;
  const Universe& u = config.universe;
  for (InstrumentId i = 0; i < u.instruments.size(); ++i)
    if (book.portfolio.positions[i].lots != 0)
      positions +=
          " " + u.instruments[i].symbol + " " + std::to_string(book.portfolio.positions[i].lots);
  std::fprintf(log,
               "ballast: journal: recovered %llu run(s): cash %.2f, positions%s; %llu order(s) "
               "in flight%s\n",
               static_cast<unsigned long long>(book.runs), book.portfolio.cash,
               positions.empty() ? " none" : positions.c_str(),
               static_cast<unsigned long long>(in_flight),
               in_flight == 0 ? ""
               : journal.orders_dropped > 0
                   ? " dropped (a loopback venue cannot be asked about a previous process's orders)"
                   : ", asked about once their venue's session is up");
}

std::optional<JournalSummary> summarize_journal(const RunConfig& config,
                                                const RunJournal& journal) {
  if (!config.journal.present || !journal.writer) return std::nullopt;
  JournalSummary s;
  s.path = config.journal.path;
  s.records_before = journal.scan.records;
  s.recovered = journal.book.has_value();
  s.orders_in_flight = journal.orders_in_flight;
  s.orders_dropped = journal.orders_dropped;
  s.torn_bytes_cut = journal.scan.torn ? journal.scan.file_bytes - journal.scan.valid_bytes : 0;
  s.writer = journal.writer->stats();
  s.failure = journal.writer->failure();
  return s;
}

}  // namespace ballast::runtime
