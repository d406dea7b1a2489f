// JournalWriter: the engine's JournalTap. append() is a push onto an SPSC ring (the engine
// thread never waits for the disk); the writer's own thread encodes what it pops, writes
// it with io_uring and, with sync = "group", fdatasyncs at most every sync_ms, so an
// event is on disk within sync_ms plus one write of being handed over.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "ballast/core/journal_event.hpp"
#include "ballast/journal/journal_config.hpp"
#include "ballast/journal/journal_record.hpp"

namespace ballast::journal {

struct JournalWriterStats {
  std::uint64_t records = 0;    // events written (run_start not counted)
  std::uint64_t bytes = 0;      // file size now
  std::uint64_t writes = 0;     // io_uring writes (a write carries every event popped at once)
  std::uint64_t syncs = 0;      // fdatasync calls
  std::uint64_t ring_full = 0;  // appends refused: the writer fell behind
  bool failed = false;          // a write or sync failed: appends are refused from then on
};

class JournalWriter final : public JournalTap {
 public:
  static constexpr std::size_t kRingEvents = 16384;  // ~10 s of orders and fills at 1 kHz

  // Opens (or creates, mode 0600, and syncs its directory) `config.path`, takes an
  // exclusive lock on it (a second engine on the same journal is refused), checks it is
  // still `scanned_bytes` long (else another process wrote it after the scan: refused),
  // cuts it to `append_at` (the scan's valid bytes: a torn tail goes, copied first to
  // `<path>.torn-<offset>`) and writes `run` there (and `seed` after it, for a journal
  // without one), synced, before returning. Null with `error` set on failure.
  static std::unique_ptr<JournalWriter> open(const JournalConfig& config, std::uint64_t append_at,
                                             const RunStart& run, std::string& error,
                                             const PortfolioState* seed = nullptr,
                                             std::uint64_t scanned_bytes = 0);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Engine thread: false when the ring is full or the writer has failed.
  bool append(const JournalEvent& event) noexcept override;

  void start();
  // Writes everything appended so far, syncs (group) and joins the thread. Idempotent.
  void stop();

  [[nodiscard]] JournalWriterStats stats() const noexcept;
  [[nodiscard]] std::string failure() const;  // why it failed, when it did

 private:
  struct Impl;
  explicit JournalWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ballast::journal
