// The journal's record format and reader: every event round-trips, a torn tail is told
// from corruption in the middle, unknown records are skipped, and no input of any shape
// (truncated, bit-flipped, wrong lengths, random) crashes the reader or is misread.
#include "ballast/journal/journal_record.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "ballast/journal/crc32c.hpp"
#include "ballast/journal/journal_reader.hpp"

namespace ballast::journal::journal_record_test {
namespace {

using Bytes = std::vector<std::uint8_t>;

RunStart run_start() {
  RunStart r;
  r.config_hash = 0x1234'5678'9abc'def0ull;
  r.wall_ns = 1'790'000'000'000'000'000;
  r.set_software_version("ballast 0.1.0 (test)");
  return r;
}

JournalEvent order(std::uint64_t id) {
  OrderRequest r;
  r.client_order_id = id;
  r.lots = 7;
  r.limit_ticks = 650'123;
  r.instrument = 3;
  r.side = Side::sell;
  r.reason = OrderReason::unwind;
  return JournalEvent::order_sent(r, 1'790'000'000'000'000'001);
}

JournalEvent fill(std::uint64_t id) {
  ExecReport r;
  r.client_order_id = id;
  r.last_lots = 7;
  r.cum_lots = 7;
  r.last_price_ticks = 650'100;
  r.fee = 1.25;
  r.instrument = 3;
  r.side = Side::sell;
  r.kind = ExecKind::fill;
  return JournalEvent::report_of(r, 1'790'000'000'000'000'002);
}

JournalEvent set_target() {
  ControlCommand c;
  c.op = ControlOp::set_target;
  c.asset = 2;
  c.weight = 0.4;
  c.band = 0.05;
  c.has_band = true;
  return JournalEvent::control_of(c, ControlResult::ok, 1'790'000'000'000'000'003);
}

void append_frame(Bytes& out, std::size_t (*encode)(const JournalEvent&, std::uint8_t*),
                  const JournalEvent& e) {
  std::uint8_t buf[kMaxRecordBytes];
  const std::size_t n = encode(e, buf);
  out.insert(out.end(), buf, buf + n);
}

Bytes journal_of(const std::vector<JournalEvent>& events) {
  Bytes out(kMaxRecordBytes);
  out.resize(encode_run_start(run_start(), out.data()));
  for (const JournalEvent& e : events) append_frame(out, encode_event, e);
  return out;
}

std::vector<JournalRecord> read_all(const Bytes& b, JournalScan* scan = nullptr) {
  std::vector<JournalRecord> out;
  const JournalScan s = scan_journal_bytes(b.data(), b.size(), [&](const JournalRecord& r) {
    out.push_back(r);
    return true;
  });
  if (scan != nullptr) *scan = s;
  return out;
}

TEST(Crc32cTest, MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  // In two pieces, continued through the seed.
  EXPECT_EQ(crc32c("56789", 5, crc32c("1234", 4)), 0xE3069283u);
}

TEST(JournalRecordTest, EveryEventKindRoundTrips) {
  const Bytes b = journal_of({order(11), fill(11), set_target()});
  JournalScan scan;
  const auto recs = read_all(b, &scan);
  ASSERT_TRUE(scan.usable());
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0].type, RecordType::run_start);
  EXPECT_EQ(recs[0].run.config_hash, run_start().config_hash);
  EXPECT_EQ(recs[0].run.software_version_text(), "ballast 0.1.0 (test)");
  const JournalEvent& o = recs[1].event;
  EXPECT_EQ(o.kind, JournalEventKind::order_sent);
  EXPECT_EQ(o.client_order_id, 11u);
  EXPECT_EQ(o.lots, 7);
  EXPECT_EQ(o.price_ticks, 650'123);
  EXPECT_EQ(o.side, Side::sell);
  EXPECT_EQ(o.reason, OrderReason::unwind);
  const JournalEvent& f = recs[2].event;
  EXPECT_EQ(f.kind, JournalEventKind::report);
  EXPECT_EQ(f.exec, ExecKind::fill);
  EXPECT_EQ(f.cum_lots, 7);
  EXPECT_DOUBLE_EQ(f.amount, 1.25);
  const JournalEvent& c = recs[3].event;
  EXPECT_EQ(c.op, ControlOp::set_target);
  EXPECT_DOUBLE_EQ(c.amount, 0.4);
  EXPECT_TRUE(c.has_band);
  EXPECT_EQ(recs[1].offset, journal_of({}).size());
  EXPECT_EQ(scan.valid_bytes, b.size());
  EXPECT_FALSE(scan.torn);
}

TEST(JournalRecordTest, FromSkipsTheFirstRecords) {
  const Bytes b = journal_of({order(1), order(2), order(3)});
  std::vector<std::uint64_t> ids;
  scan_journal_bytes(
      b.data(), b.size(),
      [&](const JournalRecord& r) {
        ids.push_back(r.event.client_order_id);
        return true;
      },
      2);
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{2, 3}));
}

TEST(JournalRecordTest, EveryCutOfTheLastRecordIsATornTail) {
  const Bytes whole = journal_of({order(1), fill(1)});
  const Bytes before_last = journal_of({order(1)});
  for (std::size_t cut = before_last.size() + 1; cut < whole.size(); ++cut) {
    Bytes b(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut));
    JournalScan scan;
    const auto recs = read_all(b, &scan);
    EXPECT_TRUE(scan.usable()) << cut;
    EXPECT_TRUE(scan.torn) << cut;
    EXPECT_EQ(scan.valid_bytes, before_last.size()) << cut;
    EXPECT_EQ(recs.size(), 2u) << cut;
  }
}

TEST(JournalRecordTest, ALastRecordOfZerosOrBadBytesIsTornNotCorrupt) {
  const Bytes good = journal_of({order(1)});
  Bytes zeros = good;
  zeros.resize(good.size() + 4096, 0);  // a crash after the file grew, before data landed
  JournalScan scan;
  read_all(zeros, &scan);
  EXPECT_TRUE(scan.usable());
  EXPECT_TRUE(scan.torn);
  EXPECT_EQ(scan.valid_bytes, good.size());

  Bytes flipped = journal_of({order(1), fill(1)});
  flipped.back() ^= 0x40;  // the last record, whole length, wrong bytes
  read_all(flipped, &scan);
  EXPECT_TRUE(scan.usable());
  EXPECT_TRUE(scan.torn);
  EXPECT_EQ(scan.valid_bytes, good.size());
}

TEST(JournalRecordTest, ABadRecordWithMoreAfterItIsCorruptionAtItsOffset) {
  Bytes b = journal_of({order(1), fill(1), order(2)});
  const std::size_t second = journal_of({order(1)}).size();
  b[second + kFrameBytes + 3] ^= 0x01;  // inside fill(1)'s payload
  JournalScan scan;
  const auto recs = read_all(b, &scan);
  EXPECT_FALSE(scan.usable());
  ASSERT_TRUE(scan.corrupt_offset.has_value());
  EXPECT_EQ(*scan.corrupt_offset, second);
  EXPECT_EQ(scan.corrupt_status, DecodeStatus::bad_checksum);
  EXPECT_EQ(recs.size(), 2u);  // run_start and order(1): nothing after the bad one
}

TEST(JournalRecordTest, ARecordOfANewerTypeOrVersionIsSkippedNotCorrupt) {
  Bytes b = journal_of({order(1)});
  const std::size_t at = b.size();
  append_frame(b, encode_event, fill(1));
  // Rewrite fill(1) as the version after today's (a newer writer's), checksum valid.
  const std::uint16_t newer = kReportVersion + 1;
  std::memcpy(&b[at + 10], &newer, 2);
  const std::uint32_t payload = static_cast<std::uint32_t>(b.size() - at - kFrameBytes);
  const std::uint32_t crc = crc32c(&b[at + 8], 4 + payload);
  std::memcpy(&b[at + 4], &crc, 4);
  append_frame(b, encode_event, order(2));
  JournalScan scan;
  const auto recs = read_all(b, &scan);
  EXPECT_TRUE(scan.usable());
  EXPECT_EQ(scan.skipped, 1u);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[2].event.client_order_id, 2u);
}

// A journal written before reports carried the venue's execution id (version 1: no id
// after the client order id) still reads, every field in its place, with no id.
TEST(JournalRecordTest, AVersion1ReportStillReads) {
  JournalEvent e = fill(9);
  e.request_id = 0xABCDEF;  // the execution id a v2 record carries
  std::uint8_t buf[kMaxRecordBytes];
  const std::size_t n = encode_event(e, buf);
  {
    JournalRecord v2;
    ASSERT_EQ(decode_record(buf, n, v2).status, DecodeStatus::ok);
    EXPECT_EQ(v2.event.request_id, 0xABCDEFu);
    EXPECT_EQ(v2.event.to_report().exec_id, 0xABCDEFu);
  }
  Bytes v1(buf, buf + kFrameBytes + 16);                 // frame, wall_ns, client_order_id
  v1.insert(v1.end(), buf + kFrameBytes + 24, buf + n);  // the rest, without the id
  const std::uint32_t payload = static_cast<std::uint32_t>(v1.size() - kFrameBytes);
  const std::uint16_t version = 1;
  std::memcpy(&v1[0], &payload, 4);
  std::memcpy(&v1[10], &version, 2);
  const std::uint32_t crc = crc32c(&v1[8], 4 + payload);
  std::memcpy(&v1[4], &crc, 4);
  JournalRecord rec;
  ASSERT_EQ(decode_record(v1.data(), v1.size(), rec).status, DecodeStatus::ok);
  EXPECT_EQ(rec.version, 1u);
  EXPECT_EQ(rec.event.request_id, 0u);
  EXPECT_EQ(rec.event.client_order_id, 9u);
  EXPECT_EQ(rec.event.lots, 7);
  EXPECT_EQ(rec.event.price_ticks, 650'100);
  EXPECT_EQ(rec.event.amount, 1.25);
  EXPECT_EQ(rec.event.exec, ExecKind::fill);
  // Version 1 knew no position lines: one there is a bad record, not a new kind.
  JournalEvent line = fill(9);
  line.exec = ExecKind::position;
  const std::size_t m = encode_event(line, buf);
  Bytes bad(buf, buf + kFrameBytes + 16);
  bad.insert(bad.end(), buf + kFrameBytes + 24, buf + m);
  std::memcpy(&bad[0], &payload, 4);
  std::memcpy(&bad[10], &version, 2);
  const std::uint32_t crc2 = crc32c(&bad[8], 4 + payload);
  std::memcpy(&bad[4], &crc2, 4);
  EXPECT_EQ(decode_record(bad.data(), bad.size(), rec).status, DecodeStatus::bad_payload);
}

TEST(JournalRecordTest, AFileThatDoesNotStartWithARunIsRefused) {
  Bytes b;
  append_frame(b, encode_event, order(1));
  JournalScan scan;
  read_all(b, &scan);
  EXPECT_FALSE(scan.first_is_run_start);
  EXPECT_FALSE(scan.usable());
  const Bytes empty;
  read_all(empty, &scan);
  EXPECT_TRUE(scan.usable());  // an empty file is a fresh journal
  EXPECT_EQ(scan.records, 0u);
}

TEST(JournalRecordTest, ChecksummedFieldsOutOfRangeAreBadPayload) {
  Bytes b = journal_of({order(1)});
  const std::size_t at = journal_of({}).size();
  b[at + kFrameBytes + 42] = 9;  // side: 0 or 1 only
  const std::uint32_t payload = static_cast<std::uint32_t>(b.size() - at - kFrameBytes);
  const std::uint32_t crc = crc32c(&b[at + 8], 4 + payload);
  std::memcpy(&b[at + 4], &crc, 4);
  JournalRecord rec;
  EXPECT_EQ(decode_record(&b[at], b.size() - at, rec).status, DecodeStatus::bad_payload);
}

// Truncations, bit flips, overwritten lengths and random bytes, thousands of each: the
// reader never crashes, never reads past the buffer (ASan), and its verdict is always one
// of the three (clean, torn with a prefix that re-reads clean, or corrupt at an offset
// inside the file), and every record it hands out decoded from a checksummed frame.
TEST(JournalFuzzTest, MutatedJournalsNeverCrashAndAlwaysGetAVerdict) {
  std::mt19937_64 rng(20261207);
  std::vector<JournalEvent> events;
  for (std::uint64_t i = 1; i <= 40; ++i) {
    events.push_back(order(i));
    events.push_back(fill(i));
    if (i % 7 == 0) events.push_back(set_target());
  }
  const Bytes base = journal_of(events);
  std::uint8_t last[kMaxRecordBytes];
  const std::size_t last_start = base.size() - encode_event(events.back(), last);
  std::uint64_t torn = 0, corrupt = 0, clean = 0, damaged_before_last = 0;
  for (int round = 0; round < 6000; ++round) {
    Bytes b = base;
    std::size_t first_damage = b.size();  // the first byte a mutation changed
    bool last_damaged = false;            // a byte of the last record changed
    switch (round % 4) {
      case 0:
        b.resize(rng() % b.size());
        break;
      case 1:
        for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k) {
          const std::size_t at = rng() % b.size();
          b[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
          first_damage = std::min(first_damage, at);
          last_damaged = last_damaged || at >= last_start;
        }
        break;
      case 2: {
        const std::size_t at = rng() % (b.size() - 4);
        const std::uint32_t len = static_cast<std::uint32_t>(rng());
        std::uint8_t before[4];
        std::memcpy(before, &b[at], 4);
        std::memcpy(&b[at], &len, 4);
        if (std::memcmp(before, &b[at], 4) != 0) first_damage = at;
        last_damaged = at + 4 > last_start;
        break;
      }
      default:
        b.resize(rng() % 4096);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    }
    JournalScan scan;
    const auto recs = read_all(b, &scan);
    ASSERT_TRUE(scan.opened);
    ASSERT_LE(scan.valid_bytes, b.size());
    if (scan.corrupt_offset) {
      ++corrupt;
      ASSERT_LT(*scan.corrupt_offset, b.size());
    } else if (scan.torn) {
      ++torn;
      // What is left after cutting the tail reads clean.
      Bytes cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(scan.valid_bytes));
      JournalScan again;
      read_all(cut, &again);
      ASSERT_FALSE(again.torn);
      ASSERT_FALSE(again.corrupt_offset.has_value());
    } else {
      ++clean;
    }
    for (const JournalRecord& r : recs) ASSERT_LT(r.offset, b.size());
    // Damage before the last record, with that record still whole after it, is never a
    // torn tail: cutting there would throw away good records.
    if (round % 4 != 0 && round % 4 != 3 && first_damage < last_start && !last_damaged) {
      ++damaged_before_last;
      ASSERT_FALSE(scan.torn) << "round " << round << ": damage at " << first_damage;
      ASSERT_TRUE(scan.corrupt_offset.has_value()) << "round " << round;
    }
  }
  EXPECT_GT(damaged_before_last, 2000u);
  EXPECT_GT(torn, 1000u);
  EXPECT_GT(corrupt, 500u);
  EXPECT_GT(clean, 0u);
}

}  // namespace
}  // namespace ballast::journal::journal_record_test
