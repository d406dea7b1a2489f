// Market data from a recording: a CSV of ticks loaded once at start-up, then replayed on
// the hot path at the recorded pace, a fixed rate or as fast as possible, optionally looping,
// so runs, demos and benchmarks get reproducible data without a venue connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/config.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/model.hpp"
#include "ballast/core/tick_source.hpp"

namespace ballast {

// How a recording is paced: as recorded, at a fixed rate, or as fast as the engine takes it.
enum class ReplayPaceKind : std::uint8_t { recorded, fixed_rate, as_fast_as_possible };

struct ReplayLoad;

// CSV format, one tick a line:
//   ts_ns,symbol,bid,bid_qty,ask,ask_qty,mark,index,funding_rate
// ts_ns is an integer in any epoch (only differences matter for pacing); symbol must name a
// Universe instrument. Price and quantity fields may be empty, meaning "not given" (0), as
// in MarketTick; a tick must give at least one of bid, ask and mark. The first content line
// is a header when its first field is a non-empty non-number. Blank lines and lines starting
// with '#' are skipped.
// Lines that fail validation are dropped and counted rather than failing the whole load: a
// long recording with a few damaged lines is still worth replaying.
class ReplayTickSource final : public TickSource {
 public:
  ReplayTickSource() = default;  // empty: poll never returns a tick

  // Start-up only (allocates). file_name is used in messages only.
  [[nodiscard]] static ReplayLoad parse(std::string_view csv, const Universe& universe,
                                        const std::string& file_name);
  // Streams the file through the same parser; an unreadable or non-regular file (a
  // device, a FIFO, a directory) is an error naming the path. Lines longer than
  // kMaxReplayLine are dropped unread; more than kMaxReplayTicks ticks is an error.
  [[nodiscard]] static ReplayLoad load(const std::string& path, const Universe& universe);
  static constexpr std::size_t kMaxReplayLine = 4096;
  static constexpr std::size_t kMaxReplayTicks = 20'000'000;  // ~1.9 GB of ticks

  // Rewinds and arms the replay at now_ns. rate_per_s is used by fixed_rate only; a
  // non-positive or non-finite rate there falls back to the recorded pace rather than
  // dividing by zero.
  void start(ReplayPaceKind pace, double rate_per_s, bool loop, std::int64_t now_ns) noexcept;

  // Hot path (no allocation, exceptions or syscalls): copies the next tick into `out` and
  // returns true when it is due at now_ns. A late caller gets due ticks back to back, one
  // per call, each with its own scheduled_ns, so a slow consumer shows up as latency instead
  // of silently stretching the schedule (coordinated omission). recv_tsc is left 0 for the
  // caller to stamp.
  [[nodiscard]] bool poll(std::int64_t now_ns, MarketTick& out) noexcept override;

  [[nodiscard]] std::size_t size() const noexcept { return ticks_.size(); }
  [[nodiscard]] std::size_t emitted() const noexcept { return emitted_; }
  // When the last emitted tick was due (as_fast_as_possible: when it was polled). Open-loop
  // benchmarks measure latency from here, not from when the consumer got round to polling.
  [[nodiscard]] std::int64_t scheduled_ns() const noexcept { return scheduled_ns_; }
  // True once a non-looping replay has emitted its last tick, or the source is empty, or a
  // loop's next pass would push timestamps past int64 (centuries of simulated time).
  [[nodiscard]] bool exhausted() const noexcept override { return exhausted_; }
  // Recorded time from the first to the last tick, and how far each loop pass shifts
  // timestamps: the span plus one average spacing, so the seam looks like any other gap.
  [[nodiscard]] std::int64_t span_ns() const noexcept { return span_ns_; }
  [[nodiscard]] std::int64_t loop_period_ns() const noexcept { return loop_period_ns_; }

 private:
  class LineParser;
  [[nodiscard]] static ReplayLoad finish(ReplayLoad load, ReplayTickSource source,
                                         const std::string& file_name);
  [[nodiscard]] std::int64_t due_ns(std::int64_t now_ns) const noexcept;
  [[nodiscard]] bool advance_pass() noexcept;  // false: the next pass would overflow int64

  std::vector<MarketTick> ticks_;  // as recorded; timestamps non-decreasing
  std::int64_t span_ns_ = 0;
  std::int64_t loop_period_ns_ = 0;

  ReplayPaceKind pace_ = ReplayPaceKind::recorded;
  double interval_ns_ = 0.0;  // fixed_rate: 1e9 / rate
  bool loop_ = false;
  bool started_ = false;
  bool exhausted_ = false;
  std::int64_t start_ns_ = 0;
  std::size_t next_ = 0;         // index into ticks_ of the next tick to emit
  std::int64_t pass_shift_ = 0;  // added to recorded timestamps in the current loop pass
  std::size_t emitted_ = 0;      // since start(), across loop passes
  std::int64_t scheduled_ns_ = 0;
};

struct ReplayLoad {
  std::optional<ReplayTickSource> source;  // set only when errors is empty
  std::vector<std::string> errors;         // fatal: unreadable file, or no valid tick at all
  std::size_t lines = 0;    // data lines seen: not blank, not a comment, not the header
  std::size_t dropped = 0;  // data lines rejected; lines == dropped + source->size()
  bool has_header = false;
  static constexpr std::size_t kMaxDroppedSamples = 20;
  std::vector<std::string> dropped_samples;  // "file:line: problem", the first few drops
  [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

}  // namespace ballast
