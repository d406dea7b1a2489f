// `ballast run` with a [journal] and `ballast journal show` as real processes: every order
// and fill of a run is in its journal, a second run appends after the first, a torn tail
// is cut and said, a corrupt journal stops the start with its offset, bad arguments exit 2.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace journal_cli_test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string source(const std::string& rel) {
  return std::string(BALLAST_SOURCE_DIR) + "/" + rel;
}

struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
};

class JournalCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("ballast_journal_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    journal_ = (dir_ / "engine.journal").string();
    // The replay example with its recording made absolute and a [journal] added.
    std::string text = slurp(source("config/examples/replay_loopback.toml"));
    const std::string rel = "\"../../tests/data/ticks_demo.csv\"";
    text.replace(text.find(rel), rel.size(), "\"" + source("tests/data/ticks_demo.csv") + "\"");
    text += "\n[journal]\npath = \"" + journal_ + "\"\nsync = \"group\"\n";
    config_ = (dir_ / "replay.toml").string();
    std::ofstream(config_) << text;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ProcessResult run(const std::string& args) const {
    const std::string out = (dir_ / "stdout").string(), err = (dir_ / "stderr").string();
    const int status =
        std::system((std::string(BALLAST_BIN) + " " + args + " >" + out + " 2>" + err).c_str());
    return ProcessResult{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }

  std::filesystem::path dir_;
  std::string journal_;
  std::string config_;
};

struct Counts {
  std::int64_t runs = 0, orders_sent = 0, fills = 0, records = 0;
  bool torn = true;
};

// `journal show --json`: one object per record and the "end" line.
Counts count_records(const std::string& jsonl) {
  Counts c;
  simdjson::dom::parser parser;
  std::istringstream lines(jsonl);
  std::string line;
  while (std::getline(lines, line)) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
    simdjson::dom::element end;
    if (doc["end"].get(end) == simdjson::SUCCESS) {
      EXPECT_EQ(end["records"].get(c.records), simdjson::SUCCESS);
      EXPECT_EQ(end["torn"].get(c.torn), simdjson::SUCCESS);
      continue;
    }
    std::string_view type, request, exec;
    EXPECT_EQ(doc["type"].get(type), simdjson::SUCCESS) << line;
    if (type == "run_start") ++c.runs;
    if (type == "order_sent" && doc["request"].get(request) == simdjson::SUCCESS &&
        request == "new")
      ++c.orders_sent;
    if (type == "report" && doc["exec"].get(exec) == simdjson::SUCCESS &&
        (exec == "fill" || exec == "partial_fill"))
      ++c.fills;
  }
  return c;
}

std::int64_t summary_field(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  std::int64_t v = -1;
  EXPECT_EQ(doc[key].get(v), simdjson::SUCCESS) << key;
  return v;
}

TEST_F(JournalCliTest, EveryOrderAndFillOfARunIsInItsJournalAndASecondRunAppends) {
  const ProcessResult first = run("run --config " + config_ + " --json");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::int64_t orders = summary_field(first.out, "orders");
  const std::int64_t fills = summary_field(first.out, "fills");
  ASSERT_GE(orders, 2);
  const ProcessResult shown = run("journal show " + journal_ + " --json");
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const Counts c = count_records(shown.out);
  EXPECT_EQ(c.runs, 1);
  EXPECT_EQ(c.orders_sent, orders);
  EXPECT_EQ(c.fills, fills);
  EXPECT_FALSE(c.torn);

  const ProcessResult second = run("run --config " + config_ + " --json");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("records before this run"), std::string::npos) << second.err;
  const Counts both = count_records(run("journal show " + journal_ + " --json").out);
  EXPECT_EQ(both.runs, 2);
  EXPECT_EQ(both.orders_sent, orders + summary_field(second.out, "orders"));
  EXPECT_EQ(both.fills, fills + summary_field(second.out, "fills"));

  // In words, with the instruments named by the config.
  const ProcessResult words = run("journal show " + journal_ + " --config " + config_);
  ASSERT_EQ(words.exit_code, 0) << words.err;
  EXPECT_NE(words.out.find("run_start config"), std::string::npos) << words.out;
  EXPECT_NE(words.out.find("PERP"), std::string::npos) << words.out;
  EXPECT_NE(words.err.find(std::to_string(both.records) + " records"), std::string::npos)
      << words.err;
}

TEST_F(JournalCliTest, ATornTailIsCutAndSaidACorruptJournalStopsTheStartWithItsOffset) {
  ASSERT_EQ(run("run --config " + config_ + " --json").exit_code, 0);
  const auto good_size = std::filesystem::file_size(journal_);
  std::ofstream(journal_, std::ios::app | std::ios::binary).write("\x30\x00\x00\x00\x01", 5);

  const ProcessResult shown = run("journal show " + journal_);
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.err.find("torn last record at offset " + std::to_string(good_size)),
            std::string::npos)
      << shown.err;
  const ProcessResult again = run("run --config " + config_ + " --json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("torn last record cut off at offset " + std::to_string(good_size)),
            std::string::npos)
      << again.err;
  EXPECT_EQ(count_records(run("journal show " + journal_ + " --json").out).runs, 2);

  // A flipped byte inside the first run's second record, with the rest of the file after.
  std::string bytes = slurp(journal_);
  std::uint32_t first_len = 0;
  std::memcpy(&first_len, bytes.data(), 4);
  const std::size_t second = 12 + first_len;
  bytes[second + 14] = static_cast<char>(bytes[second + 14] ^ 0x10);
  std::ofstream(journal_, std::ios::binary | std::ios::trunc) << bytes;
  const ProcessResult refused = run("run --config " + config_ + " --json");
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("corrupt record at offset " + std::to_string(second)),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.out, "");
  const ProcessResult show_corrupt = run("journal show " + journal_);
  EXPECT_EQ(show_corrupt.exit_code, 1);
  EXPECT_NE(show_corrupt.err.find("CORRUPT at offset " + std::to_string(second)), std::string::npos)
      << show_corrupt.err;
  EXPECT_EQ(std::filesystem::file_size(journal_), bytes.size())
      << "a corrupt journal is left as found";
}

// The journal's ids mean the instruments of the config it was written with: a config with
// another instrument list does not start from it (ids would book fills to other contracts).
TEST_F(JournalCliTest, AConfigWithOtherInstrumentsDoesNotStartFromTheJournal) {
  ASSERT_EQ(run("run --config " + config_ + " --json").exit_code, 0);
  std::ofstream(config_, std::ios::app)
      << "\n[[instrument]]\nsymbol = \"SOLUSDT\"\nkind = \"spot\"\n"
         "base = \"SOL\"\nlot_size = 0.01\ntick_size = 0.01\n";
  const ProcessResult r = run("run --config " + config_ + " --json");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("written for other instruments or assets"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(JournalCliTest, BadArgumentsExitTwo) {
  EXPECT_EQ(run("journal").exit_code, 2);
  EXPECT_EQ(run("journal show").exit_code, 2);
  EXPECT_EQ(run("journal frobnicate x").exit_code, 2);
  EXPECT_EQ(run("journal show " + journal_ + " --from x").exit_code, 2);
  const ProcessResult missing = run("journal show " + (dir_ / "nope").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace journal_cli_test
