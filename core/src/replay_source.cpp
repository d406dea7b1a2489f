#include "ballast/core/replay_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <system_error>

namespace ballast {
namespace {

constexpr std::size_t kFieldCount = 9;
// Timestamps are held within +-2^62 ns (+-146 years around their epoch) so that the span
// of any valid recording, last - first, fits in an int64 without overflow checks.
constexpr std::int64_t kMaxAbsTimestampNs = (std::int64_t{1} << 62) - 1;
// A recording with no time span (one tick, or all on one timestamp) still needs each loop
// pass to move time forward; one millisecond is a plausible gap between updates.
constexpr std::int64_t kDefaultLoopGapNs = 1'000'000;
constexpr std::size_t kMaxQuotedChars = 32;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

// Saturating, so a due time past the end of int64 (a replay started near INT64_MAX, or a
// fixed rate of one tick a century) means "never" instead of wrapping into the past.
[[nodiscard]] std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return b > 0 ? kInt64Max : kInt64Min;
  return sum;
}

[[nodiscard]] std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Garbage goes into messages an operator reads on a terminal: cap its length and show
// control or non-ASCII bytes as \xNN.
[[nodiscard]] std::string quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMaxQuotedChars; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      out += static_cast<char>(byte);
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  if (text.size() > kMaxQuotedChars) out += "...";
  out += "'";
  return out;
}

[[nodiscard]] std::string format_double(double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc{} ? std::string(buf, end) : std::string("?");
}

// The header test: a header's first field is a column name, a data line's is a timestamp.
// An empty first field is a data line missing its timestamp (dropped and counted), not a
// header, so a damaged first tick is never skipped silently.
[[nodiscard]] bool is_header_field(std::string_view field) noexcept {
  field = trim(field);
  if (field.empty()) return false;
  double value = 0.0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  const bool number = end == field.data() + field.size() &&
                      (ec == std::errc{} || ec == std::errc::result_out_of_range);
  return !number;
}

// Parses an optional decimal; an empty field is 0 ("not given"). Returns the problem, or
// nullptr when the field is fine.
[[nodiscard]] const char* parse_decimal(std::string_view field, double& out) noexcept {
  out = 0.0;
  if (field.empty()) return nullptr;
  const char* const last = field.data() + field.size();
  const auto [end, ec] = std::from_chars(field.data(), last, out);
  if (ec == std::errc::result_out_of_range) return "out of range";
  if (ec != std::errc{} || end != last) return "not a number";
  if (!std::isfinite(out)) return "not finite";
  return nullptr;
}

// Splits a line into exactly kFieldCount trimmed fields; returns the count actually found
// (only meaningful as a message when it differs).
[[nodiscard]] std::size_t split_fields(std::string_view line,
                                       std::array<std::string_view, kFieldCount>& fields) noexcept {
  std::size_t count = 0;
  while (true) {
    const std::size_t comma = line.find(',');
    const std::string_view field = line.substr(0, comma);
    if (count < kFieldCount) fields[count] = trim(field);
    ++count;
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return count;
}

// Parses and validates one data line into `tick` (all but the ordering check, which needs
// the previous tick). Returns the problem, or an empty string when the line is good.
[[nodiscard]] std::string parse_tick(std::string_view line, const Universe& universe,
                                     MarketTick& tick) {
  std::array<std::string_view, kFieldCount> fields{};
  const std::size_t field_count = split_fields(line, fields);
  if (field_count != kFieldCount) {
    return "expected " + std::to_string(kFieldCount) + " fields, got " +
           std::to_string(field_count);
  }

  tick = MarketTick{};
  const std::string_view ts_text = fields[0];
  const char* const ts_last = ts_text.data() + ts_text.size();
  const auto [ts_end, ts_ec] = std::from_chars(ts_text.data(), ts_last, tick.exchange_ts_ns);
  if (ts_ec == std::errc::result_out_of_range ||
      (ts_ec == std::errc{} && ts_end == ts_last &&
       (tick.exchange_ts_ns > kMaxAbsTimestampNs || tick.exchange_ts_ns < -kMaxAbsTimestampNs))) {
    return "ts_ns: out of range " + quoted(ts_text);
  }
  if (ts_ec != std::errc{} || ts_end != ts_last) return "ts_ns: not an integer " + quoted(ts_text);

  tick.instrument = universe.find_instrument(fields[1]);
  if (tick.instrument == kNoInstrument) return "unknown symbol " + quoted(fields[1]);

  struct DecimalField {
    const char* name;
    double* value;
  };
  const std::array<DecimalField, 7> decimals{{{"bid", &tick.bid},
                                              {"bid_qty", &tick.bid_qty},
                                              {"ask", &tick.ask},
                                              {"ask_qty", &tick.ask_qty},
                                              {"mark", &tick.mark},
                                              {"index", &tick.index},
                                              {"funding_rate", &tick.funding_rate}}};
  for (std::size_t i = 0; i < decimals.size(); ++i) {
    const std::string_view text = fields[i + 2];
    if (const char* problem = parse_decimal(text, *decimals[i].value))
      return std::string(decimals[i].name) + ": " + problem + " " + quoted(text);
  }

  // "Given" means the field is not empty: an explicit 0 bid is a broken quote, not a
  // missing side, because the engine would take it as a price.
  const bool bid_given = !fields[2].empty();
  const bool ask_given = !fields[4].empty();
  if (bid_given && !(tick.bid > 0.0))
    return "bid: must be positive, got " + format_double(tick.bid);
  if (ask_given && !(tick.ask > 0.0))
    return "ask: must be positive, got " + format_double(tick.ask);
  if (tick.bid_qty < 0.0) return "bid_qty: negative " + format_double(tick.bid_qty);
  if (tick.ask_qty < 0.0) return "ask_qty: negative " + format_double(tick.ask_qty);
  if (tick.mark < 0.0) return "mark: negative " + format_double(tick.mark);
  if (tick.index < 0.0) return "index: negative " + format_double(tick.index);
  if (bid_given && ask_given && tick.bid > tick.ask) {
    return "crossed book: bid " + format_double(tick.bid) + " > ask " + format_double(tick.ask);
  }
  if (!bid_given && !ask_given && tick.mark == 0.0) return "no price: bid, ask and mark all empty";
  return {};
}

}  // namespace

// One line at a time, so a file is streamed (never held whole) and a string and a file
// go through the same rules.
class ReplayTickSource::LineParser {
 public:
  LineParser(ReplayLoad& load, ReplayTickSource& source, const Universe& universe,
             const std::string& file_name)
      : load_(load), source_(source), universe_(universe), file_name_(file_name) {}

  void drop(const std::string& problem) {
    ++load_.dropped;
    if (load_.dropped_samples.size() < ReplayLoad::kMaxDroppedSamples)
      load_.dropped_samples.push_back(file_name_ + ":" + std::to_string(line_number_) + ": " +
                                      problem);
  }
  // False once the recording has more ticks than a replay holds: stop reading.
  bool line(std::string_view line) {
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view content = trim(line);
    if (content.empty() || content.front() == '#') return true;
    if (!seen_content_) {
      seen_content_ = true;
      if (is_header_field(content.substr(0, content.find(',')))) {
        load_.has_header = true;
        return true;
      }
    }
    ++load_.lines;
    MarketTick tick;
    if (std::string problem = parse_tick(line, universe_, tick); !problem.empty()) {
      drop(problem);
      return true;
    }
    // Replay schedules by timestamp differences, so one out-of-order tick would stall the
    // pacing (or replay the past); drop it and keep the rest in order.
    if (!source_.ticks_.empty() && tick.exchange_ts_ns < source_.ticks_.back().exchange_ts_ns) {
      drop("ts_ns goes backwards: " + std::to_string(tick.exchange_ts_ns) + " < " +
           std::to_string(source_.ticks_.back().exchange_ts_ns));
      return true;
    }
    if (source_.ticks_.size() >= kMaxReplayTicks) {
      load_.errors.push_back(file_name_ + ": more than " + std::to_string(kMaxReplayTicks) +
                             " ticks; split the recording");
      return false;
    }
    source_.ticks_.push_back(tick);
    return true;
  }
  // An over-long line is dropped whole without being held (it can only be garbage).
  void overlong_line() {
    ++line_number_;
    ++load_.lines;
    drop("line longer than " + std::to_string(kMaxReplayLine) + " bytes");
  }

 private:
  ReplayLoad& load_;
  ReplayTickSource& source_;
  const Universe& universe_;
  const std::string& file_name_;
  bool seen_content_ = false;
  std::size_t line_number_ = 0;
};

ReplayLoad ReplayTickSource::finish(ReplayLoad load, ReplayTickSource source,
                                    const std::string& file_name) {
  if (!load.errors.empty()) return load;
  if (source.ticks_.empty()) {
    load.errors.push_back(file_name + ": no valid tick (" + std::to_string(load.lines) +
                          " data lines, " + std::to_string(load.dropped) + " dropped)");
    return load;
  }
  // |ts| <= 2^62 - 1 on every tick, so the span fits; the period may saturate.
  source.span_ns_ = source.ticks_.back().exchange_ts_ns - source.ticks_.front().exchange_ts_ns;
  if (source.span_ns_ == 0) {
    source.loop_period_ns_ = kDefaultLoopGapNs;
  } else {
    const auto gaps = static_cast<std::int64_t>(source.ticks_.size() - 1);
    const std::int64_t average_gap = std::max<std::int64_t>(1, source.span_ns_ / gaps);
    source.loop_period_ns_ = saturating_add(source.span_ns_, average_gap);
  }
  source.ticks_.shrink_to_fit();
  load.source = std::move(source);
  return load;
}

ReplayLoad ReplayTickSource::parse(std::string_view csv, const Universe& universe,
                                   const std::string& file_name) {
  ReplayLoad load;
  ReplayTickSource source;
  // Spreadsheet exports often start with a UTF-8 byte order mark; left in, it would make a
  // header-less file's first tick look like a header and vanish silently.
  if (csv.starts_with("\xEF\xBB\xBF")) csv.remove_prefix(3);
  LineParser parser(load, source, universe, file_name);
  while (!csv.empty()) {
    const std::size_t newline = csv.find('\n');
    const std::string_view line = csv.substr(0, newline);
    csv.remove_prefix(newline == std::string_view::npos ? csv.size() : newline + 1);
    if (line.size() > kMaxReplayLine) {
      parser.overlong_line();
      continue;
    }
    if (!parser.line(line)) break;
  }
  return finish(std::move(load), std::move(source), file_name);
}

ReplayLoad ReplayTickSource::load(const std::string& path, const Universe& universe) {
  ReplayLoad failed;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    failed.errors.push_back(path + ": cannot open replay file (" + std::strerror(errno) + ")");
    return failed;
  }
  const std::unique_ptr<int, void (*)(int*)> closer(new int(fd), [](int* f) {
    ::close(*f);
    delete f;
  });
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {  // /dev/zero, a FIFO, a directory
    failed.errors.push_back(path + ": not a regular file; a replay reads a recorded CSV file");
    return failed;
  }
  ReplayLoad load;
  ReplayTickSource source;
  LineParser parser(load, source, universe, path);
  std::string partial;  // the line being read, at most kMaxReplayLine bytes
  bool overlong = false;
  bool first_chunk = true;
  std::array<char, 1 << 16> buffer{};
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed.errors.push_back(path + ": cannot read replay file (" + std::strerror(errno) + ")");
      return failed;
    }
    if (n == 0) break;
    std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
    if (first_chunk && chunk.starts_with("\xEF\xBB\xBF")) chunk.remove_prefix(3);
    first_chunk = false;
    while (!chunk.empty()) {
      const std::size_t newline = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, newline);
      chunk.remove_prefix(newline == std::string_view::npos ? chunk.size() : newline + 1);
      if (!overlong && partial.size() + piece.size() > kMaxReplayLine) {
        overlong = true;
        partial.clear();
      }
      if (!overlong) partial.append(piece);
      if (newline == std::string_view::npos) break;  // the line goes on in the next read
      if (overlong) {
        parser.overlong_line();
      } else if (!parser.line(partial)) {
        return load;
      }
      partial.clear();
      overlong = false;
    }
  }
  if (overlong)
    parser.overlong_line();
  else if (!partial.empty())
    (void)parser.line(partial);
  return finish(std::move(load), std::move(source), path);
}

void ReplayTickSource::start(ReplayPaceKind pace, double rate_per_s, bool loop,
                             std::int64_t now_ns) noexcept {
  const bool usable_rate = std::isfinite(rate_per_s) && rate_per_s > 0.0;
  pace_ = pace == ReplayPaceKind::fixed_rate && !usable_rate ? ReplayPaceKind::recorded : pace;
  // Capped so that emitted * interval stays a finite double for any rate.
  interval_ns_ = pace_ == ReplayPaceKind::fixed_rate ? std::min(1e9 / rate_per_s, 4e18) : 0.0;
  loop_ = loop;
  started_ = true;
  exhausted_ = ticks_.empty();
  start_ns_ = now_ns;
  next_ = 0;
  pass_shift_ = 0;
  emitted_ = 0;
  scheduled_ns_ = 0;
}

std::int64_t ReplayTickSource::due_ns(std::int64_t now_ns) const noexcept {
  switch (pace_) {
    case ReplayPaceKind::recorded: {
      const std::int64_t offset = ticks_[next_].exchange_ts_ns - ticks_.front().exchange_ts_ns;
      return saturating_add(start_ns_, saturating_add(offset, pass_shift_));
    }
    case ReplayPaceKind::fixed_rate: {
      // From the start each time rather than accumulated, so rounding never drifts the rate.
      const double offset = static_cast<double>(emitted_) * interval_ns_ + 0.5;
      if (offset >= 9e18) return kInt64Max;
      return saturating_add(start_ns_, static_cast<std::int64_t>(offset));
    }
    case ReplayPaceKind::as_fast_as_possible:
      break;
  }
  return now_ns;
}

bool ReplayTickSource::advance_pass() noexcept {
  // A pass starts only if all of its shifted timestamps fit in an int64; otherwise the
  // replay ends (after centuries of simulated time) rather than wrap timestamps backwards.
  std::int64_t shift = 0;
  std::int64_t last_ts = 0;
  if (__builtin_add_overflow(pass_shift_, loop_period_ns_, &shift) ||
      __builtin_add_overflow(ticks_.back().exchange_ts_ns, shift, &last_ts)) {
    return false;
  }
  pass_shift_ = shift;
  return true;
}

bool ReplayTickSource::poll(std::int64_t now_ns, MarketTick& out) noexcept {
  if (!started_ || exhausted_) return false;
  const std::int64_t due = due_ns(now_ns);
  if (now_ns < due) return false;

  out = ticks_[next_];
  out.exchange_ts_ns += pass_shift_;  // fits: checked before the pass began
  scheduled_ns_ = due;
  ++emitted_;
  if (++next_ == ticks_.size()) {
    next_ = 0;
    exhausted_ = !loop_ || !advance_pass();
  }
  return true;
}

}  // namespace ballast
