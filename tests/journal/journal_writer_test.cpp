// JournalWriter on a real file: what is appended is what is read back, after the run's
// start record; a torn tail is cut before the next run appends; one engine per journal;
// group sync stays within its rate; appends after stop are refused, never lost silently.
#include "ballast/journal/journal_writer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "../common/temp_dir.hpp"
#include "ballast/journal/journal_reader.hpp"

namespace ballast::journal::journal_writer_test {
namespace {

JournalConfig config_at(const std::filesystem::path& path, int sync_ms = 5) {
  JournalConfig c;
  c.present = true;
  c.path = path.string();
  c.sync_ms = sync_ms;
  return c;
}

RunStart run(std::uint64_t hash) {
  RunStart r;
  r.config_hash = hash;
  r.set_software_version("test");
  return r;
}

JournalEvent order(std::uint64_t id) {
  OrderRequest r;
  r.client_order_id = id;
  r.lots = static_cast<std::int64_t>(id % 50 + 1);
  r.limit_ticks = 1000 + static_cast<std::int64_t>(id);
  return JournalEvent::order_sent(r, static_cast<std::int64_t>(id));
}

std::vector<JournalRecord> read_file(const std::filesystem::path& p, JournalScan* scan = nullptr) {
  std::vector<JournalRecord> out;
  const JournalScan s = scan_journal(p.string(), [&](const JournalRecord& r) {
    out.push_back(r);
    return true;
  });
  if (scan != nullptr) *scan = s;
  return out;
}

TEST(JournalWriterTest, EveryAppendedEventIsReadBackAfterTheRunStart) {
  const auto dir = testing::fresh_temp_dir("journal-writer");
  const auto path = dir / "engine.journal";
  std::string error;
  auto w = JournalWriter::open(config_at(path), 0, run(42), error);
  ASSERT_TRUE(w) << error;
  w->start();
  for (std::uint64_t id = 1; id <= 5000; ++id) {
    while (!w->append(order(id))) std::this_thread::yield();  // the test outruns the disk
  }
  w->stop();
  const JournalWriterStats stats = w->stats();
  EXPECT_EQ(stats.records, 5000u);
  EXPECT_FALSE(stats.failed);
  EXPECT_GE(stats.syncs, 2u);  // the run_start's, and the last one at stop
  JournalScan scan;
  const auto recs = read_file(path, &scan);
  ASSERT_TRUE(scan.usable());
  ASSERT_EQ(recs.size(), 5001u);
  EXPECT_EQ(recs[0].run.config_hash, 42u);
  for (std::uint64_t id = 1; id <= 5000; ++id) {
    ASSERT_EQ(recs[id].event.client_order_id, id);
    ASSERT_EQ(recs[id].event.price_ticks, 1000 + static_cast<std::int64_t>(id));
  }
  EXPECT_EQ(scan.valid_bytes, stats.bytes);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the journal says what the fund holds: owner only";
}

TEST(JournalWriterTest, ATornTailIsCutAndTheNextRunAppendsAfterTheGoodPrefix) {
  const auto dir = testing::fresh_temp_dir("journal-writer");
  const auto path = dir / "engine.journal";
  std::string error;
  {
    auto w = JournalWriter::open(config_at(path), 0, run(1), error);
    ASSERT_TRUE(w) << error;
    w->start();
    for (std::uint64_t id = 1; id <= 10; ++id) ASSERT_TRUE(w->append(order(id)));
    w->stop();
  }
  {
    std::ofstream torn(path, std::ios::app | std::ios::binary);
    torn.write("\x40\x00\x00\x00\x12\x34", 6);  // half a frame: the crash
  }
  JournalScan scan;
  read_file(path, &scan);
  ASSERT_TRUE(scan.usable());
  ASSERT_TRUE(scan.torn);
  auto w = JournalWriter::open(config_at(path), scan.valid_bytes, run(2), error, nullptr,
                               scan.file_bytes);
  ASSERT_TRUE(w) << error;
  // What the crash left is kept beside the journal before it is cut.
  const auto side = path.string() + ".torn-" + std::to_string(scan.valid_bytes);
  ASSERT_TRUE(std::filesystem::exists(side));
  EXPECT_EQ(std::filesystem::file_size(side), 6u);
  w->start();
  ASSERT_TRUE(w->append(order(11)));
  w->stop();
  const auto recs = read_file(path, &scan);
  EXPECT_FALSE(scan.torn);
  EXPECT_FALSE(scan.corrupt_offset.has_value());
  ASSERT_EQ(recs.size(), 13u);  // run, 10 orders, run, 1 order
  EXPECT_EQ(recs[11].type, RecordType::run_start);
  EXPECT_EQ(recs[11].run.config_hash, 2u);
  EXPECT_EQ(recs[12].event.client_order_id, 11u);
}

TEST(JournalWriterTest, ASecondEngineOnTheSameJournalIsRefused) {
  const auto dir = testing::fresh_temp_dir("journal-writer");
  const auto path = dir / "engine.journal";
  std::string error;
  auto first = JournalWriter::open(config_at(path), 0, run(1), error);
  ASSERT_TRUE(first) << error;
  auto second = JournalWriter::open(config_at(path), 0, run(1), error);
  EXPECT_FALSE(second);
  EXPECT_NE(error.find("in use by another engine"), std::string::npos) << error;
}

TEST(JournalWriterTest, GroupSyncRunsAtMostOncePerPeriod) {
  const auto dir = testing::fresh_temp_dir("journal-writer");
  const auto path = dir / "engine.journal";
  std::string error;
  auto w = JournalWriter::open(config_at(path, 20), 0, run(1), error);
  ASSERT_TRUE(w) << error;
  w->start();
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t id = 0;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(300)) {
    (void)w->append(order(++id));
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  w->stop();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const JournalWriterStats s = w->stats();
  // One at open, one at stop, and one per 20 ms period in between at most.
  EXPECT_LE(static_cast<double>(s.syncs), ms / 20.0 + 2.0);
  EXPECT_GE(s.syncs, 3u) << "events kept arriving: the writer must have synced in between";
}

TEST(JournalWriterTest, AJournalThatChangedSinceItWasReadIsRefused) {
  const auto dir = testing::fresh_temp_dir("journal-writer");
  const auto path = dir / "engine.journal";
  std::string error;
  { ASSERT_TRUE(JournalWriter::open(config_at(path), 0, run(1), error)) << error; }
  JournalScan scan;
  read_file(path, &scan);
  std::ofstream(path, std::ios::app | std::ios::binary).write("later", 5);  // another writer
  EXPECT_FALSE(JournalWriter::open(config_at(path), scan.valid_bytes, run(2), error, nullptr,
                                   scan.file_bytes));
  EXPECT_NE(error.find("another process wrote it"), std::string::npos) << error;
}

TEST(JournalWriterTest, AppendsAfterStopAreRefusedNotDropped) {
  const auto dir = testing::fresh_temp_dir("journal-writer");
  std::string error;
  auto w = JournalWriter::open(config_at(dir / "j"), 0, run(1), error);
  ASSERT_TRUE(w) << error;
  w->start();
  EXPECT_TRUE(w->append(order(1)));
  w->stop();
  EXPECT_FALSE(w->append(order(2)));
  EXPECT_EQ(w->stats().records, 1u);
}

TEST(JournalWriterTest, AJournalThatCannotBeOpenedSaysWhy) {
  std::string error;
  JournalConfig c = config_at("/nonexistent-dir/engine.journal");
  EXPECT_FALSE(JournalWriter::open(c, 0, run(1), error));
  EXPECT_NE(error.find("/nonexistent-dir/engine.journal"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

}  // namespace
}  // namespace ballast::journal::journal_writer_test
