// `ballast run` as a real process: the replay through the pipeline to the loopback venue,
// its JSON summary, SIGINT/SIGTERM shutdown (drained, summary printed), bad input.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace run_cli_test {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string source(const std::string& rel) {
  return std::string(BALLAST_SOURCE_DIR) + "/" + rel;
}
std::string temp(const std::string& tag) {
  return ::testing::TempDir() + "ballast_run_" + std::to_string(::getpid()) + "_" + tag;
}

struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
};

ProcessResult run(const std::string& args) {
  const std::string out = temp("out"), err = temp("err");
  const int status =
      std::system((std::string(BALLAST_BIN) + " " + args + " >" + out + " 2>" + err).c_str());
  ProcessResult r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

// The replay example with its feed file made absolute and some text replaced.
std::string replay_config(const std::string& tag, const std::string& from = "",
                          const std::string& to = "") {
  std::string text = slurp(source("config/examples/replay_loopback.toml"));
  const std::string rel = "\"../../tests/data/ticks_demo.csv\"";
  text.replace(text.find(rel), rel.size(), "\"" + source("tests/data/ticks_demo.csv") + "\"");
  if (!from.empty()) text.replace(text.find(from), from.size(), to);
  const std::string path = temp(tag) + ".toml";
  std::ofstream(path) << text;
  return path;
}

TEST(RunCliTest, ReplayThroughThePipelineBringsDriftBackInsideTheBand) {
  const std::string path = replay_config("replay");
  const ProcessResult r = run("run --config " + path + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  std::int64_t ticks = 0, orders = 0, fills = 0, rebalances = 0;
  double before = 0, after = 1;
  bool drained = false;
  ASSERT_EQ(doc["ticks"].get(ticks), simdjson::SUCCESS);
  ASSERT_EQ(doc["orders"].get(orders), simdjson::SUCCESS);
  ASSERT_EQ(doc["fills"].get(fills), simdjson::SUCCESS);
  ASSERT_EQ(doc["rebalances"].get(rebalances), simdjson::SUCCESS);
  ASSERT_EQ(doc["max_abs_drift_before"].get(before), simdjson::SUCCESS);
  ASSERT_EQ(doc["max_abs_drift_after"].get(after), simdjson::SUCCESS);
  ASSERT_EQ(doc["drained"].get(drained), simdjson::SUCCESS);
  EXPECT_EQ(ticks, 2000);  // every line of the recording
  EXPECT_GE(rebalances, 1);
  EXPECT_GE(orders, 2);
  EXPECT_EQ(fills, orders);
  EXPECT_TRUE(drained);
  EXPECT_GT(before, 0.10);  // 65/35 against 50/50
  EXPECT_LT(after, 0.05);   // back inside the 5% band
  for (const char* key :
       {"ticks", "rebalances", "orders", "fills", "rejects", "max_abs_drift_before",
        "max_abs_drift_after", "funding_paid", "fees_paid"})
    EXPECT_EQ(doc[key].error(), simdjson::SUCCESS) << key;
  for (const char* key : {"p50", "p99", "p999"})
    EXPECT_EQ(doc["latency_ns"][key].error(), simdjson::SUCCESS) << key;
  std::remove(path.c_str());
}

TEST(RunCliTest, DurationIsTheRunAndShutdownIsToldApart) {
  // A looping recording never ends: only --duration stops the run.
  const std::string path = replay_config("duration", "rate = 20000", "rate = 2000\nloop = true");
  const ProcessResult r = run("run --config " + path + " --duration 1.5 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  std::string_view reason;
  double elapsed = 0, shutdown = -1;
  ASSERT_EQ(doc["stop_reason"].get(reason), simdjson::SUCCESS) << r.out;
  ASSERT_EQ(doc["elapsed_s"].get(elapsed), simdjson::SUCCESS);
  ASSERT_EQ(doc["shutdown_s"].get(shutdown), simdjson::SUCCESS);
  EXPECT_EQ(reason, "duration reached");
  EXPECT_GE(elapsed, 1.5);
  EXPECT_LT(elapsed, 1.6) << "the run stops within the 10 ms poll of --duration";
  EXPECT_GE(shutdown, 0.0);
  std::remove(path.c_str());
}

TEST(RunCliTest, SigintAndSigtermDrainAndPrintTheSummary) {
  for (const int sig : {SIGINT, SIGTERM}) {
    const std::string path =
        replay_config("loop", "kind = \"replay\"\n", "kind = \"replay\"\nloop = true\n");
    const std::string out = temp("sig_out"), err = temp("sig_err");
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      FILE* f = std::freopen(out.c_str(), "w", stdout);
      FILE* g = std::freopen(err.c_str(), "w", stderr);
      (void)f;
      (void)g;
      execl(BALLAST_BIN, BALLAST_BIN, "run", "--config", path.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Running, not starting: the first status line (a loaded machine, or ASan, can take
    // longer than any fixed sleep to get there).
    for (int k = 0; k < 3000 && slurp(err).find("ticks ") == std::string::npos; ++k)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_NE(slurp(err).find("ticks "), std::string::npos) << slurp(err);
    ASSERT_EQ(kill(pid, sig), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    const std::string summary = slurp(out);
    EXPECT_NE(summary.find(sig == SIGINT ? "ballast run: SIGINT" : "ballast run: SIGTERM"),
              std::string::npos)
        << summary;
    EXPECT_EQ(summary.find("not fully drained"), std::string::npos) << summary;
    EXPECT_NE(summary.find("tick-to-order ns"), std::string::npos);
    std::remove(out.c_str());
    std::remove(err.c_str());
    std::remove(path.c_str());
  }
}

TEST(RunCliTest, RunWithoutAFeedIsRefused) {
  const ProcessResult r = run("run --config " + source("config/examples/seed000_hedge.toml"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("feed"), std::string::npos) << r.err;
}

TEST(RunCliTest, MissingRecordingNamesThePath) {
  const std::string path = replay_config("nofile", "ticks_demo.csv\"", "no_such_ticks.csv\"");
  const ProcessResult r = run("run --config " + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no_such_ticks.csv"), std::string::npos) << r.err;
  std::remove(path.c_str());
}

TEST(RunCliTest, GarbageInTheRecordingIsDroppedCountedAndLogged) {
  std::string csv = slurp(source("tests/data/ticks_demo.csv"));
  csv += "garbage,line,here\n1718000099000000000,NOPE-PERP,1,1,2,1,,,\n\x01\x02\x03\n";
  const std::string csv_path = temp("garbage") + ".csv";
  std::ofstream(csv_path) << csv;
  std::string text = slurp(source("config/examples/replay_loopback.toml"));
  const std::string rel = "\"../../tests/data/ticks_demo.csv\"";
  text.replace(text.find(rel), rel.size(), "\"" + csv_path + "\"");
  const std::string path = temp("garbage") + ".toml";
  std::ofstream(path) << text;
  const ProcessResult r = run("run --config " + path + " --json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("dropped 3 of 2003 lines"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NOPE-PERP"), std::string::npos) << r.err;
  std::remove(csv_path.c_str());
  std::remove(path.c_str());
}

TEST(RunCliTest, BadArgumentsExitTwo) {
  EXPECT_EQ(run("run").exit_code, 2);
  EXPECT_EQ(run("run --config").exit_code, 2);
  EXPECT_EQ(run("run --config x.toml --duration -1").exit_code, 2);
  EXPECT_EQ(run("run --config x.toml --frobnicate").exit_code, 2);
}

}  // namespace run_cli_test

namespace run_cli_test {

// [venue] problems only the simulator can see (a fault naming an unknown symbol) are
// reported like every other config error: one line naming file and key, exit 2.
TEST(RunCliTest, VenueFaultOnAnUnknownSymbolExits2WithOneLine) {
  std::string text = slurp(source("config/demo.toml"));
  const std::string at = "speed = 2880";
  text.replace(text.find(at), at.size(), "speed = 2880\nfaults = [\"1 freeze NOPE-PERP\"]");
  const std::string path = temp("badfault") + ".toml";
  std::ofstream(path) << text;
  for (const std::string& command : {"check-config " + path, "run --config " + path}) {
    const ProcessResult r = run(command);
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(path + ": venue.faults[0]: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("NOPE-PERP"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace run_cli_test
