// ReplayTickSource: loading the demo recording, header detection, every kind of bad line
// dropped and reported with file:line, pacing under a simulated clock (no sleeping), looping,
// no allocation in poll, and mutation fuzzing of the CSV parser.
#include "ballast/core/replay_source.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <new>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "allocation_counter.hpp"

namespace ballast::replay_source_test {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;

Universe demo_universe() {
  Universe u;
  u.base_currency = u.intern_asset("USDT");
  auto add = [&u](const char* symbol, const char* base, InstrumentKind kind) {
    InstrumentSpec spec;
    spec.symbol = symbol;
    spec.kind = kind;
    spec.base = u.intern_asset(base);
    spec.quote = u.base_currency;
    spec.derive();
    u.instruments.push_back(spec);
  };
  add("BTCUSDT-PERP", "BTC", InstrumentKind::perpetual);
  add("ETHUSDT-PERP", "ETH", InstrumentKind::perpetual);
  add("BTCUSDT", "BTC", InstrumentKind::spot);
  add("ETHUSDT", "ETH", InstrumentKind::spot);
  return u;
}

std::string demo_path() {
  return std::string(BALLAST_SOURCE_DIR) + "/tests/data/ticks_demo.csv";
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Drains a source at as_fast_as_possible pace.
std::vector<MarketTick> drain(ReplayTickSource source) {
  std::vector<MarketTick> ticks;
  source.start(ReplayPaceKind::as_fast_as_possible, 0.0, false, 0);
  MarketTick tick;
  while (source.poll(0, tick)) ticks.push_back(tick);
  return ticks;
}

// A three-tick recording: 0, +5 ms, +12 ms.
constexpr const char* kThreeTicks =
    "1000000,BTCUSDT,70000,1,70000.01,1,,,\n"
    "6000000,ETHUSDT,3500,2,3500.01,2,,,\n"
    "13000000,BTCUSDT-PERP,70010,5,70010.1,6,70010,70000,0.0001\n";

TEST(ReplaySourceTest, LoadsTheDemoRecording) {
  const Universe u = demo_universe();
  const ReplayLoad r = ReplayTickSource::load(demo_path(), u);
  ASSERT_TRUE(r.ok()) << r.errors.front();
  ASSERT_TRUE(r.source.has_value());
  EXPECT_TRUE(r.has_header);
  EXPECT_EQ(r.dropped, 0u) << (r.dropped_samples.empty() ? "" : r.dropped_samples.front());
  EXPECT_EQ(r.lines, r.source->size());
  EXPECT_GE(r.source->size(), 1500u);
  EXPECT_LE(r.source->size(), 2500u);
  EXPECT_GE(r.source->span_ns(), 15 * kSecond);
  EXPECT_LE(r.source->span_ns(), 25 * kSecond);

  const std::vector<MarketTick> ticks = drain(*r.source);
  ASSERT_EQ(ticks.size(), r.source->size());
  std::set<InstrumentId> seen;
  const InstrumentId btc = u.find_instrument("BTCUSDT");
  const InstrumentId eth = u.find_instrument("ETHUSDT");
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    const MarketTick& t = ticks[i];
    seen.insert(t.instrument);
    if (i > 0) {
      EXPECT_GE(t.exchange_ts_ns, ticks[i - 1].exchange_ts_ns);
    }
    EXPECT_GT(t.bid, 0.0);
    EXPECT_LE(t.bid, t.ask);
  }
  EXPECT_EQ(seen.size(), 4u);

  // The recording exists to move a 50/50 BTC/ETH portfolio out of its 5% band during a run:
  // bought 50/50 at the first spot prices, BTC's weight stays in band for the first seconds,
  // then crosses 55% and ends clearly outside.
  double btc_mid = 0, eth_mid = 0, btc_qty = 0, eth_qty = 0, weight = 0;
  std::int64_t first_breach_ns = -1;
  const std::int64_t first_ts = ticks.front().exchange_ts_ns;
  for (const MarketTick& t : ticks) {
    if (t.instrument == btc) btc_mid = (t.bid + t.ask) / 2;
    if (t.instrument == eth) eth_mid = (t.bid + t.ask) / 2;
    if (btc_mid == 0 || eth_mid == 0) continue;
    if (btc_qty == 0) {
      EXPECT_NEAR(btc_mid, 70000, 700);
      EXPECT_NEAR(eth_mid, 3500, 35);
      btc_qty = 50000 / btc_mid;
      eth_qty = 50000 / eth_mid;
    }
    weight = btc_qty * btc_mid / (btc_qty * btc_mid + eth_qty * eth_mid);
    if (weight > 0.55 && first_breach_ns < 0) first_breach_ns = t.exchange_ts_ns - first_ts;
  }
  EXPECT_GT(first_breach_ns, 3 * kSecond);
  EXPECT_LT(first_breach_ns, 15 * kSecond);
  EXPECT_GT(weight, 0.555);
}

TEST(ReplaySourceTest, HeaderIsDetectedByANonNumericFirstField) {
  const Universe u = demo_universe();
  const std::string body = kThreeTicks;

  const ReplayLoad plain = ReplayTickSource::parse(body, u, "plain.csv");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain.has_header);
  EXPECT_EQ(plain.lines, 3u);
  EXPECT_EQ(plain.source->size(), 3u);

  const std::string header = "ts_ns,symbol,bid,bid_qty,ask,ask_qty,mark,index,funding_rate\n";
  const ReplayLoad with_header = ReplayTickSource::parse(header + body, u, "h.csv");
  ASSERT_TRUE(with_header.ok());
  EXPECT_TRUE(with_header.has_header);
  EXPECT_EQ(with_header.lines, 3u);
  EXPECT_EQ(with_header.dropped, 0u);
  EXPECT_EQ(with_header.source->size(), 3u);

  // Comments and blank lines before the header do not stop it being the header.
  const ReplayLoad commented =
      ReplayTickSource::parse("# recorded 2024-06-10\r\n\r\n  \r\n" + header + body, u, "c.csv");
  ASSERT_TRUE(commented.ok());
  EXPECT_TRUE(commented.has_header);
  EXPECT_EQ(commented.dropped, 0u);

  // A UTF-8 byte order mark does not turn the first tick into a header.
  const ReplayLoad bom = ReplayTickSource::parse("\xEF\xBB\xBF" + body, u, "bom.csv");
  ASSERT_TRUE(bom.ok());
  EXPECT_FALSE(bom.has_header);
  EXPECT_EQ(bom.source->size(), 3u);

  // Only the first content line can be a header; a later one is a bad tick.
  const ReplayLoad twice = ReplayTickSource::parse(header + header + body, u, "t.csv");
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice.dropped, 1u);
  ASSERT_EQ(twice.dropped_samples.size(), 1u);
  EXPECT_EQ(twice.dropped_samples[0], "t.csv:2: ts_ns: not an integer 'ts_ns'");

  // An empty first field is a tick missing its timestamp, not a header.
  const ReplayLoad missing_ts = ReplayTickSource::parse(",BTCUSDT,1,1,2,1,,,\n" + body, u, "m.csv");
  ASSERT_TRUE(missing_ts.ok());
  EXPECT_FALSE(missing_ts.has_header);
  EXPECT_EQ(missing_ts.dropped, 1u);
  EXPECT_EQ(missing_ts.source->size(), 3u);
}

TEST(ReplaySourceTest, CrlfBlankAndCommentLinesAreSkippedSilently) {
  const Universe u = demo_universe();
  const std::string csv =
      "# a comment\r\n"
      "\r\n"
      "1000,BTCUSDT,70000,1,70000.01,1,,,\r\n"
      "   \t\r\n"
      "  # an indented comment\n"
      "\n"
      "2000, ETHUSDT ,3500 , 2, 3500.01,2,,,\r\n"
      "3000,BTCUSDT,70000,1,70000.01,1,,,";  // no final newline
  const ReplayLoad r = ReplayTickSource::parse(csv, u, "crlf.csv");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.lines, 3u);
  EXPECT_EQ(r.dropped, 0u);
  const std::vector<MarketTick> ticks = drain(*r.source);
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(ticks[1].instrument, u.find_instrument("ETHUSDT"));
  EXPECT_DOUBLE_EQ(ticks[1].bid, 3500.0);
  EXPECT_DOUBLE_EQ(ticks[1].ask_qty, 2.0);
}

TEST(ReplaySourceTest, TickFieldsAreCopiedAndOptionalFieldsDefaultToZero) {
  const Universe u = demo_universe();
  const ReplayLoad r = ReplayTickSource::parse(
      "-5,BTCUSDT-PERP,70009.9,12.5,70010.1,7,70010,70001.5,-0.00025\n"
      "7,ETHUSDT,,,3500,3,,,\n"         // one-sided book: ask only
      "9,ETHUSDT-PERP,,,,,3500.5,,\n",  // mark only
      u, "f.csv");
  ASSERT_TRUE(r.ok());
  const std::vector<MarketTick> ticks = drain(*r.source);
  ASSERT_EQ(ticks.size(), 3u);
  const MarketTick& perp = ticks[0];
  EXPECT_EQ(perp.exchange_ts_ns, -5);
  EXPECT_EQ(perp.instrument, u.find_instrument("BTCUSDT-PERP"));
  EXPECT_DOUBLE_EQ(perp.bid, 70009.9);
  EXPECT_DOUBLE_EQ(perp.bid_qty, 12.5);
  EXPECT_DOUBLE_EQ(perp.ask, 70010.1);
  EXPECT_DOUBLE_EQ(perp.ask_qty, 7.0);
  EXPECT_DOUBLE_EQ(perp.mark, 70010.0);
  EXPECT_DOUBLE_EQ(perp.index, 70001.5);
  EXPECT_DOUBLE_EQ(perp.funding_rate, -0.00025);
  EXPECT_EQ(perp.recv_tsc, 0u);
  EXPECT_EQ(perp.flags, 0u);
  EXPECT_EQ(ticks[1].bid, 0.0);
  EXPECT_EQ(ticks[1].ask, 3500.0);
  EXPECT_EQ(ticks[1].mark, 0.0);
  EXPECT_EQ(ticks[2].mark, 3500.5);
  EXPECT_EQ(ticks[2].bid, 0.0);
}

struct BadLine {
  const char* line;
  const char* problem;  // the sample must read "bad.csv:2: <problem>"
};

TEST(ReplaySourceTest, EachKindOfBadLineIsDroppedCountedAndSampled) {
  const Universe u = demo_universe();
  const BadLine cases[] = {
      {"2000,BTCUSDT,70000,1,70001,1,,", "expected 9 fields, got 8"},
      {"2000,BTCUSDT,70000,1,70001,1,,,,", "expected 9 fields, got 10"},
      {"2000;BTCUSDT;70000;1;70001;1;;;", "expected 9 fields, got 1"},
      {"2000,DOGEUSDT,0.1,1,0.2,1,,,", "unknown symbol 'DOGEUSDT'"},
      {"2000,,70000,1,70001,1,,,", "unknown symbol ''"},
      {"20x0,BTCUSDT,70000,1,70001,1,,,", "ts_ns: not an integer '20x0'"},
      {"2000.5,BTCUSDT,70000,1,70001,1,,,", "ts_ns: not an integer '2000.5'"},
      {"99999999999999999999,BTCUSDT,70000,1,70001,1,,,",
       "ts_ns: out of range '99999999999999999999'"},
      {"9000000000000000000,BTCUSDT,70000,1,70001,1,,,",
       "ts_ns: out of range '9000000000000000000'"},
      {"2000,BTCUSDT,7o000,1,70001,1,,,", "bid: not a number '7o000'"},
      {"2000,BTCUSDT,70000,1,70001,1x,,,", "ask_qty: not a number '1x'"},
      {"2000,BTCUSDT,70000,1,nan,1,,,", "ask: not finite 'nan'"},
      {"2000,BTCUSDT-PERP,70000,1,70001,1,inf,,", "mark: not finite 'inf'"},
      {"2000,BTCUSDT,70000,1e999,70001,1,,,", "bid_qty: out of range '1e999'"},
      {"2000,BTCUSDT-PERP,70000,1,70001,1,70000,70000,+0.1", "funding_rate: not a number '+0.1'"},
      {"2000,BTCUSDT,0,1,70001,1,,,", "bid: must be positive, got 0"},
      {"2000,BTCUSDT,70000,1,-70001,1,,,", "ask: must be positive, got -70001"},
      {"2000,BTCUSDT,70002,1,70001,1,,,", "crossed book: bid 70002 > ask 70001"},
      {"2000,BTCUSDT,70000,-1,70001,1,,,", "bid_qty: negative -1"},
      {"2000,BTCUSDT,70000,1,70001,-0.5,,,", "ask_qty: negative -0.5"},
      {"2000,BTCUSDT-PERP,70000,1,70001,1,-3,,", "mark: negative -3"},
      {"2000,BTCUSDT-PERP,70000,1,70001,1,70000,-1,", "index: negative -1"},
      {"2000,BTCUSDT,,1,,1,,,", "no price: bid, ask and mark all empty"},
      {"500,BTCUSDT,70000,1,70001,1,,,", "ts_ns goes backwards: 500 < 1000"},
      {"2000,BTCUSDT,70000,1,70001,1,,,\x01\xff", "funding_rate: not a number '\\x01\\xff'"},
  };
  for (const BadLine& bad : cases) {
    SCOPED_TRACE(bad.line);
    const std::string csv = std::string("1000,BTCUSDT,70000,1,70001,1,,,\n") + bad.line +
                            "\n3000,ETHUSDT,3500,1,3501,1,,,\n";
    const ReplayLoad r = ReplayTickSource::parse(csv, u, "bad.csv");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.lines, 3u);
    EXPECT_EQ(r.dropped, 1u);
    EXPECT_EQ(r.source->size(), 2u);
    ASSERT_EQ(r.dropped_samples.size(), 1u);
    EXPECT_EQ(r.dropped_samples[0], std::string("bad.csv:2: ") + bad.problem);
  }
}

TEST(ReplaySourceTest, EqualTimestampsAndLockedBooksAreKept) {
  const Universe u = demo_universe();
  const ReplayLoad r = ReplayTickSource::parse(
      "1000,BTCUSDT,70000,1,70000,1,,,\n1000,ETHUSDT,3500,1,3501,1,,,\n", u, "eq.csv");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.dropped, 0u);
  EXPECT_EQ(r.source->size(), 2u);
}

TEST(ReplaySourceTest, LongGarbageIsQuotedShortInSamples) {
  const Universe u = demo_universe();
  const std::string symbol(200, 'X');
  const ReplayLoad r =
      ReplayTickSource::parse("1,BTCUSDT,1,1,2,1,,,\n2," + symbol + ",1,1,2,1,,,\n", u, "long.csv");
  ASSERT_EQ(r.dropped_samples.size(), 1u);
  EXPECT_EQ(r.dropped_samples[0], "long.csv:2: unknown symbol '" + std::string(32, 'X') + "...'");
}

TEST(ReplaySourceTest, SamplesAreCappedButEveryDropIsCounted) {
  const Universe u = demo_universe();
  std::string csv = "1,BTCUSDT,1,1,2,1,,,\n";
  for (int i = 0; i < 50; ++i) csv += "2,NOPE,1,1,2,1,,,\n";
  const ReplayLoad r = ReplayTickSource::parse(csv, u, "many.csv");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.dropped, 50u);
  EXPECT_EQ(r.lines, 51u);
  ASSERT_EQ(r.dropped_samples.size(), ReplayLoad::kMaxDroppedSamples);
  EXPECT_EQ(r.dropped_samples.front(), "many.csv:2: unknown symbol 'NOPE'");
  EXPECT_EQ(r.dropped_samples.back(), "many.csv:21: unknown symbol 'NOPE'");
}

TEST(ReplaySourceTest, NoValidTickIsAnError) {
  const Universe u = demo_universe();
  const ReplayLoad garbage =
      ReplayTickSource::parse("this is not,a tick file\n1,2,3\n\x01\x02\n", u, "junk.csv");
  EXPECT_FALSE(garbage.ok());
  EXPECT_FALSE(garbage.source.has_value());
  EXPECT_TRUE(garbage.has_header);  // the first line looked like one
  EXPECT_EQ(garbage.lines, 2u);
  EXPECT_EQ(garbage.dropped, 2u);
  ASSERT_EQ(garbage.errors.size(), 1u);
  EXPECT_EQ(garbage.errors[0], "junk.csv: no valid tick (2 data lines, 2 dropped)");
  EXPECT_EQ(garbage.dropped_samples.size(), 2u);

  const ReplayLoad empty = ReplayTickSource::parse("", u, "empty.csv");
  EXPECT_FALSE(empty.ok());
  EXPECT_EQ(empty.errors[0], "empty.csv: no valid tick (0 data lines, 0 dropped)");

  const ReplayLoad header_only = ReplayTickSource::parse(
      "ts_ns,symbol,bid,bid_qty,ask,ask_qty,mark,index,funding_rate\n# nothing\n", u, "h.csv");
  EXPECT_FALSE(header_only.ok());
  EXPECT_FALSE(header_only.source.has_value());
}

TEST(ReplaySourceTest, UnreadableFileIsAnErrorNamingThePath) {
  const Universe u = demo_universe();
  const std::string missing = std::string(BALLAST_SOURCE_DIR) + "/tests/data/no_such_ticks.csv";
  const ReplayLoad r = ReplayTickSource::load(missing, u);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.source.has_value());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].rfind(missing + ": cannot open replay file", 0), 0u) << r.errors[0];

  const std::string directory = std::string(BALLAST_SOURCE_DIR) + "/tests/data";
  const ReplayLoad dir = ReplayTickSource::load(directory, u);
  EXPECT_FALSE(dir.ok());
  ASSERT_FALSE(dir.errors.empty());
  EXPECT_NE(dir.errors[0].find(directory), std::string::npos) << dir.errors[0];
}

TEST(ReplaySourceTest, LoadedFileNamesItselfInSamples) {
  const Universe u = demo_universe();
  const std::string path = ::testing::TempDir() + "replay_source_test_bad.csv";
  {
    std::ofstream f(path, std::ios::binary);
    f << "ts_ns,symbol,bid,bid_qty,ask,ask_qty,mark,index,funding_rate\n"
         "1,BTCUSDT,1,1,2,1,,,\n2,BTCUSDT,3,1,2,1,,,\n";
  }
  const ReplayLoad r = ReplayTickSource::load(path, u);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.dropped_samples.size(), 1u);
  EXPECT_EQ(r.dropped_samples[0], path + ":3: crossed book: bid 3 > ask 2");
  std::remove(path.c_str());
}

TEST(ReplaySourceTest, NothingIsEmittedBeforeStart) {
  const Universe u = demo_universe();
  ReplayLoad r = ReplayTickSource::parse(kThreeTicks, u, "x.csv");
  ASSERT_TRUE(r.ok());
  MarketTick tick;
  EXPECT_FALSE(r.source->poll(0, tick));
  EXPECT_EQ(r.source->emitted(), 0u);

  ReplayTickSource empty;
  empty.start(ReplayPaceKind::as_fast_as_possible, 0.0, true, 0);
  EXPECT_FALSE(empty.poll(0, tick));
  EXPECT_TRUE(empty.exhausted());
}

TEST(ReplaySourceTest, RecordedPaceHonoursTheRecordedSpacing) {
  const Universe u = demo_universe();
  ReplayLoad r = ReplayTickSource::parse(kThreeTicks, u, "x.csv");
  ASSERT_TRUE(r.ok());
  ReplayTickSource& source = *r.source;
  const std::int64_t t0 = 5 * kSecond;  // the replay clock's epoch is unrelated to ts_ns
  source.start(ReplayPaceKind::recorded, 0.0, false, t0);
  MarketTick tick;

  ASSERT_TRUE(source.poll(t0, tick));  // the first tick immediately
  EXPECT_EQ(tick.exchange_ts_ns, 1000000);
  EXPECT_EQ(source.scheduled_ns(), t0);
  EXPECT_FALSE(source.poll(t0, tick));
  EXPECT_FALSE(source.poll(t0 + 5 * kMs - 1, tick));
  ASSERT_TRUE(source.poll(t0 + 5 * kMs, tick));
  EXPECT_EQ(tick.exchange_ts_ns, 6000000);
  EXPECT_EQ(source.scheduled_ns(), t0 + 5 * kMs);

  // Polled late: the tick comes out at once but keeps its scheduled time, so a latency
  // measured from scheduled_ns includes the wait.
  ASSERT_TRUE(source.poll(t0 + 100 * kMs, tick));
  EXPECT_EQ(tick.exchange_ts_ns, 13000000);
  EXPECT_EQ(source.scheduled_ns(), t0 + 12 * kMs);
  EXPECT_EQ(source.emitted(), 3u);
  EXPECT_TRUE(source.exhausted());
  EXPECT_FALSE(source.poll(t0 + 10 * kSecond, tick));
  EXPECT_EQ(source.emitted(), 3u);

  // start() rewinds.
  source.start(ReplayPaceKind::recorded, 0.0, false, 0);
  EXPECT_FALSE(source.exhausted());
  ASSERT_TRUE(source.poll(0, tick));
  EXPECT_EQ(tick.exchange_ts_ns, 1000000);
}

TEST(ReplaySourceTest, LateConsumerGetsABacklogOneTickPerPoll) {
  const Universe u = demo_universe();
  ReplayLoad r = ReplayTickSource::parse(kThreeTicks, u, "x.csv");
  ASSERT_TRUE(r.ok());
  r.source->start(ReplayPaceKind::recorded, 0.0, false, 0);
  MarketTick tick;
  std::vector<std::int64_t> scheduled;
  while (r.source->poll(1 * kSecond, tick)) scheduled.push_back(r.source->scheduled_ns());
  EXPECT_EQ(scheduled, (std::vector<std::int64_t>{0, 5 * kMs, 12 * kMs}));
}

TEST(ReplaySourceTest, FixedRateEmitsOneTickPerInterval) {
  const Universe u = demo_universe();
  ReplayLoad r = ReplayTickSource::parse(kThreeTicks, u, "x.csv");
  ASSERT_TRUE(r.ok());
  ReplayTickSource& source = *r.source;
  const std::int64_t t0 = 42;
  source.start(ReplayPaceKind::fixed_rate, 1000.0, false, t0);  // every 1 ms, not 5 / 7 ms
  MarketTick tick;
  ASSERT_TRUE(source.poll(t0, tick));
  EXPECT_FALSE(source.poll(t0 + kMs - 1, tick));
  ASSERT_TRUE(source.poll(t0 + kMs, tick));
  EXPECT_EQ(tick.exchange_ts_ns, 6000000);  // timestamps stay as recorded
  EXPECT_EQ(source.scheduled_ns(), t0 + kMs);
  EXPECT_FALSE(source.poll(t0 + 2 * kMs - 1, tick));
  ASSERT_TRUE(source.poll(t0 + 2 * kMs, tick));
  EXPECT_TRUE(source.exhausted());

  // A rate that does not divide a second does not drift: 3/s for 300 ticks is 100 s.
  source.start(ReplayPaceKind::fixed_rate, 3.0, true, 0);
  std::int64_t now = 0;
  for (int i = 0; i < 300; ++i) {
    while (!source.poll(now, tick)) now += kMs / 10;
  }
  EXPECT_EQ(source.scheduled_ns(), 99'666'666'667);  // 299 / 3 s, rounded to the nearest ns
  EXPECT_FALSE(source.poll(100 * kSecond - 1, tick));
  EXPECT_TRUE(source.poll(100 * kSecond, tick));
  EXPECT_EQ(source.scheduled_ns(), 100 * kSecond);
}

TEST(ReplaySourceTest, FixedRateWithoutAUsableRateFallsBackToRecorded) {
  const Universe u = demo_universe();
  ReplayLoad r = ReplayTickSource::parse(kThreeTicks, u, "x.csv");
  ASSERT_TRUE(r.ok());
  for (double rate : {0.0, -5.0, std::nan(""), HUGE_VAL}) {
    r.source->start(ReplayPaceKind::fixed_rate, rate, false, 0);
    MarketTick tick;
    ASSERT_TRUE(r.source->poll(0, tick));
    EXPECT_FALSE(r.source->poll(5 * kMs - 1, tick)) << rate;
    EXPECT_TRUE(r.source->poll(5 * kMs, tick)) << rate;
  }
  // A tiny but positive rate is honoured, not overflowed.
  r.source->start(ReplayPaceKind::fixed_rate, 1e-300, false, 0);
  MarketTick tick;
  EXPECT_TRUE(r.source->poll(0, tick));
  EXPECT_FALSE(r.source->poll(3'000'000'000'000'000'000, tick));
}

TEST(ReplaySourceTest, AsFastAsPossibleIsAlwaysDue) {
  const Universe u = demo_universe();
  ReplayLoad r = ReplayTickSource::parse(kThreeTicks, u, "x.csv");
  ASSERT_TRUE(r.ok());
  r.source->start(ReplayPaceKind::as_fast_as_possible, 0.0, false, 1000);
  MarketTick tick;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(r.source->poll(7, tick));  // even a clock "before" the start
    EXPECT_EQ(r.source->scheduled_ns(), 7);
  }
  EXPECT_FALSE(r.source->poll(7, tick));
  EXPECT_TRUE(r.source->exhausted());
}

TEST(ReplaySourceTest, LoopKeepsTimestampsIncreasing) {
  const Universe u = demo_universe();
  ReplayLoad r = ReplayTickSource::parse(kThreeTicks, u, "x.csv");
  ASSERT_TRUE(r.ok());
  ReplayTickSource& source = *r.source;
  EXPECT_EQ(source.span_ns(), 12 * kMs);
  EXPECT_EQ(source.loop_period_ns(), 18 * kMs);  // span + the average spacing of 6 ms

  const std::int64_t recorded[] = {1000000, 6000000, 13000000};
  source.start(ReplayPaceKind::as_fast_as_possible, 0.0, true, 0);
  MarketTick tick;
  std::int64_t previous = std::numeric_limits<std::int64_t>::min();
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(source.poll(0, tick));
    EXPECT_GT(tick.exchange_ts_ns, previous);
    EXPECT_EQ(tick.exchange_ts_ns, recorded[i % 3] + (i / 3) * 18 * kMs);
    previous = tick.exchange_ts_ns;
  }
  EXPECT_FALSE(source.exhausted());
  EXPECT_EQ(source.emitted(), 30u);

  // At the recorded pace the next pass is due one period after the previous one started.
  source.start(ReplayPaceKind::recorded, 0.0, true, 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(source.poll(12 * kMs, tick));
  EXPECT_FALSE(source.poll(18 * kMs - 1, tick));
  ASSERT_TRUE(source.poll(18 * kMs, tick));
  EXPECT_EQ(tick.exchange_ts_ns, 1000000 + 18 * kMs);
  EXPECT_FALSE(source.poll(23 * kMs - 1, tick));
  ASSERT_TRUE(source.poll(23 * kMs, tick));
  EXPECT_EQ(source.scheduled_ns(), 23 * kMs);
}

TEST(ReplaySourceTest, LoopOverASingleInstantStillMovesTimeForward) {
  const Universe u = demo_universe();
  ReplayLoad r =
      ReplayTickSource::parse("7,BTCUSDT,1,1,2,1,,,\n7,ETHUSDT,1,1,2,1,,,\n", u, "one.csv");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.source->span_ns(), 0);
  EXPECT_EQ(r.source->loop_period_ns(), kMs);
  r.source->start(ReplayPaceKind::recorded, 0.0, true, 0);
  MarketTick tick;
  ASSERT_TRUE(r.source->poll(0, tick));
  ASSERT_TRUE(r.source->poll(0, tick));
  EXPECT_FALSE(r.source->poll(kMs - 1, tick));
  ASSERT_TRUE(r.source->poll(kMs, tick));
  EXPECT_EQ(tick.exchange_ts_ns, 7 + kMs);
}

TEST(ReplaySourceTest, ExtremeTimestampsNeverOverflow) {
  const Universe u = demo_universe();
  const std::int64_t edge = (std::int64_t{1} << 62) - 1;
  const std::string csv = "-" + std::to_string(edge) + ",BTCUSDT,1,1,2,1,,,\n" +
                          std::to_string(edge) + ",BTCUSDT,1,1,2,1,,,\n";
  ReplayLoad r = ReplayTickSource::parse(csv, u, "edge.csv");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.source->span_ns(), 2 * edge);
  EXPECT_EQ(r.source->loop_period_ns(), std::numeric_limits<std::int64_t>::max());
  MarketTick tick;
  // A second pass would overflow int64, so the loop ends instead of wrapping (UBSan checks
  // the arithmetic).
  r.source->start(ReplayPaceKind::as_fast_as_possible, 0.0, true, 0);
  ASSERT_TRUE(r.source->poll(0, tick));
  EXPECT_EQ(tick.exchange_ts_ns, -edge);
  ASSERT_TRUE(r.source->poll(0, tick));
  EXPECT_EQ(tick.exchange_ts_ns, edge);
  EXPECT_FALSE(r.source->poll(0, tick));
  EXPECT_TRUE(r.source->exhausted());

  // Due times past the end of int64 saturate to "never".
  const std::int64_t late = std::numeric_limits<std::int64_t>::max() - 10;
  r.source->start(ReplayPaceKind::recorded, 0.0, true, late);
  EXPECT_TRUE(r.source->poll(late, tick));
  EXPECT_FALSE(r.source->poll(std::numeric_limits<std::int64_t>::max() - 1, tick));
}

TEST(ReplaySourceTest, PollDoesNotAllocate) {
  const Universe u = demo_universe();
  ReplayLoad r = ReplayTickSource::load(demo_path(), u);
  ASSERT_TRUE(r.ok());
  ReplayTickSource& source = *r.source;
  MarketTick tick;
  std::size_t polled = 0;
  const long before = testing::allocation_count();
  for (ReplayPaceKind pace : {ReplayPaceKind::recorded, ReplayPaceKind::fixed_rate}) {
    source.start(pace, 1e5, true, 0);  // fixed_rate: 25 ticks per 250 us step
    for (std::int64_t now = 0; now < 40 * kSecond; now += kMs / 4) {
      while (source.poll(now, tick)) ++polled;
    }
  }
  source.start(ReplayPaceKind::as_fast_as_possible, 0.0, true, 0);
  for (std::size_t i = 0; i < 3 * source.size(); ++i) polled += source.poll(0, tick) ? 1 : 0;
  EXPECT_EQ(testing::allocation_count() - before, 0);
  EXPECT_GT(polled, 6 * source.size());
}

// ---- Mutation fuzzing ----------------------------------------------------------------------

std::string_view trim_blank(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The format's line classes, recomputed independently of the parser.
struct Census {
  std::size_t physical_lines = 0;
  std::size_t content_lines = 0;  // not blank, not a comment (the header included)
  bool header = false;
};

Census take_census(std::string_view text) {
  Census c;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    begin = end + 1;
    ++c.physical_lines;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = trim_blank(line);
    if (line.empty() || line.front() == '#') continue;
    if (++c.content_lines == 1) {
      const std::string_view first = trim_blank(line.substr(0, line.find(',')));
      double value = 0;
      const auto [ptr, ec] = std::from_chars(first.data(), first.data() + first.size(), value);
      const bool number = ptr == first.data() + first.size() &&
                          (ec == std::errc{} || ec == std::errc::result_out_of_range);
      c.header = !first.empty() && !number;
    }
  }
  return c;
}

std::string mutate(const std::string& base, std::mt19937_64& rng) {
  static constexpr std::string_view kNul{"\0", 1};
  // clang-format off
  static constexpr std::string_view kTokens[] = {
      ",", ",,", "-", "nan", "inf", "-1", "0", "1e999", "e", ".", "#", "\r", "\n", "\r\n",
      " ", "\t", kNul, "\xff", "-0", "DOGEUSDT", "BTCUSDT", "ts_ns", "+", "0x1p3", "1e-400", "",
      "-nan", "infinity", "\xEF\xBB\xBF", "99999999999999999999", "4611686018427387904"};
  // clang-format on
  std::string text = base;
  const int rounds = 1 + static_cast<int>(rng() % 6);
  for (int k = 0; k < rounds; ++k) {
    const std::size_t at = rng() % (text.size() + 1);
    switch (rng() % 9) {
      case 0:  // flip a byte
        if (!text.empty()) text[rng() % text.size()] = static_cast<char>(rng() % 256);
        break;
      case 1:  // truncate
        text.resize(at);
        break;
      case 2:  // insert a comma
        text.insert(at, 1, ',');
        break;
      case 3:  // insert garbage
        text.insert(at, kTokens[rng() % std::size(kTokens)]);
        break;
      case 4:  // delete a run of bytes
        text.erase(at, rng() % 16);
        break;
      case 5: {  // swap two lines (timestamps go backwards)
        std::vector<std::string> lines;
        std::stringstream ss(text);
        for (std::string line; std::getline(ss, line);) lines.push_back(line);
        if (lines.size() < 2) break;
        std::swap(lines[rng() % lines.size()], lines[rng() % lines.size()]);
        text.clear();
        for (const auto& line : lines) text += line + "\n";
        break;
      }
      case 6: {  // duplicate a chunk
        const std::size_t length = std::min<std::size_t>(rng() % 120, text.size() - at);
        text.insert(at, text.substr(at, length));
        break;
      }
      case 7: {  // replace a whole field with a token
        const std::size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
        std::size_t begin = line_start == std::string::npos ? 0 : line_start + 1;
        for (std::size_t skip = rng() % 9; skip > 0; --skip) {
          const std::size_t comma = text.find(',', begin);
          if (comma == std::string::npos || comma > text.find('\n', begin)) break;
          begin = comma + 1;
        }
        const std::size_t end = std::min(text.find(',', begin), text.find('\n', begin));
        const std::size_t length = (end == std::string::npos ? text.size() : end) - begin;
        text.replace(begin, length, kTokens[rng() % std::size(kTokens)]);
        break;
      }
      default:  // replace a digit with another
        if (!text.empty()) {
          const std::size_t i = rng() % text.size();
          if (text[i] >= '0' && text[i] <= '9') text[i] = static_cast<char>('0' + rng() % 10);
        }
        break;
    }
  }
  return text;
}

// Checks one input against the format's properties; returns the load for tallying.
ReplayLoad check_load_properties(const std::string& text, const Universe& u) {
  ReplayLoad r = ReplayTickSource::parse(text, u, "fuzz.csv");
  const Census census = take_census(text);
  const std::size_t loaded = r.source ? r.source->size() : 0;

  EXPECT_EQ(r.has_header, census.header);
  EXPECT_EQ(r.lines, census.content_lines - (census.header ? 1 : 0));
  EXPECT_EQ(r.dropped + loaded, r.lines);
  EXPECT_EQ(r.ok(), loaded > 0);
  EXPECT_EQ(r.source.has_value(), r.ok());
  EXPECT_EQ(r.dropped_samples.size(), std::min(r.dropped, ReplayLoad::kMaxDroppedSamples));
  for (const std::string& sample : r.dropped_samples) {
    EXPECT_EQ(sample.rfind("fuzz.csv:", 0), 0u) << sample;
    std::size_t line = 0;
    const char* digits = sample.data() + std::min<std::size_t>(9, sample.size());
    const auto [end, ec] = std::from_chars(digits, sample.data() + sample.size(), line);
    EXPECT_EQ(ec, std::errc{}) << sample;
    EXPECT_GE(line, 1u);
    EXPECT_LE(line, census.physical_lines);
    EXPECT_EQ(std::string_view(end, sample.data() + sample.size()).substr(0, 2), ": ") << sample;
    for (char ch : sample) {
      const auto byte = static_cast<unsigned char>(ch);
      EXPECT_TRUE(byte >= 0x20 && byte < 0x7f) << "unprintable byte in: " << sample;
    }
  }
  if (!r.source) return r;

  const std::vector<MarketTick> ticks = drain(*r.source);
  EXPECT_EQ(ticks.size(), loaded);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    const MarketTick& t = ticks[i];
    EXPECT_LT(t.instrument, u.instrument_count());
    for (double v : {t.bid, t.bid_qty, t.ask, t.ask_qty, t.mark, t.index, t.funding_rate})
      EXPECT_TRUE(std::isfinite(v));
    EXPECT_GE(t.bid, 0.0);
    EXPECT_GE(t.ask, 0.0);
    EXPECT_GE(t.bid_qty, 0.0);
    EXPECT_GE(t.ask_qty, 0.0);
    EXPECT_GE(t.mark, 0.0);
    EXPECT_GE(t.index, 0.0);
    if (t.bid > 0.0 && t.ask > 0.0) {
      EXPECT_LE(t.bid, t.ask);
    }
    EXPECT_TRUE(t.bid > 0.0 || t.ask > 0.0 || t.mark > 0.0);
    EXPECT_EQ(t.recv_tsc, 0u);
    if (i > 0) {
      EXPECT_GE(t.exchange_ts_ns, ticks[i - 1].exchange_ts_ns);
    }
  }
  return r;
}

// The kind of a dropped line's problem: the sample's text after "file:line: " up to the
// first quote or number, e.g. "bid: not a number" or "crossed book: bid".
std::string problem_kind(const std::string& sample) {
  const std::size_t start = sample.find(": ");
  if (start == std::string::npos) return sample;
  std::string kind = sample.substr(start + 2);
  kind = kind.substr(0, kind.find_first_of("'0123456789-"));
  while (!kind.empty() && (kind.back() == ' ' || kind.back() == ',' || kind.back() == ':'))
    kind.pop_back();
  return kind;
}

TEST(ReplaySourceTest, FuzzMutatedRecordingsKeepEveryInvariant) {
  const Universe u = demo_universe();
  // The demo file's comments, header and first 150 ticks keep each iteration fast.
  const std::string demo = read_text(demo_path());
  ASSERT_FALSE(demo.empty());
  std::size_t cut = 0;
  for (int i = 0; i < 154 && cut != std::string::npos; ++i) cut = demo.find('\n', cut + 1);
  const std::string base = demo.substr(0, cut + 1);
  check_load_properties(base, u);

  const std::uint64_t seed = 0xB1A5'7000;
  std::mt19937_64 rng(seed);
  int with_drops = 0;
  int without_tick = 0;
  std::set<std::string> kinds;
  for (int iteration = 0; iteration < 4000; ++iteration) {
    const std::string text = mutate(base, rng);
    SCOPED_TRACE("seed " + std::to_string(seed) + " iteration " + std::to_string(iteration));
    const ReplayLoad r = check_load_properties(text, u);
    if (::testing::Test::HasFailure()) return;  // one reproducer is enough
    with_drops += r.dropped > 0 ? 1 : 0;
    without_tick += r.ok() ? 0 : 1;
    for (const std::string& sample : r.dropped_samples) kinds.insert(problem_kind(sample));
  }
  // The mutations must actually reach the validation paths, not just the happy one.
  std::string seen;
  for (const std::string& kind : kinds) seen += "\n  " + kind;
  SCOPED_TRACE("problem kinds seen:" + seen);
  EXPECT_GT(with_drops, 2000);
  EXPECT_GT(without_tick, 10);
  for (const char* expected :
       {"expected", "unknown symbol", "ts_ns: not an integer", "ts_ns: out of range",
        "ts_ns goes backwards", "bid: not a number", "ask: not finite", "bid_qty: out of range",
        "ask: must be positive, got", "ask_qty: negative", "crossed book: bid"}) {
    EXPECT_EQ(kinds.count(expected), 1u) << expected;
  }
}

TEST(ReplaySourceTest, FuzzRandomBytesNeverCrash) {
  const Universe u = demo_universe();
  std::mt19937_64 rng(7);
  const char alphabet[] = "0123456789,.-e\n\r# BTCUSDT-PERPnaif\t";
  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::string text(rng() % 400, '\0');
    const bool printable = iteration % 2 == 0;
    for (char& ch : text) {
      ch = printable ? alphabet[rng() % (sizeof alphabet - 1)] : static_cast<char>(rng() % 256);
    }
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    check_load_properties(text, u);
    if (::testing::Test::HasFailure()) return;
  }
}

// Issue 14, item 5: file = "/dev/zero" grew to 1 GB and aborted on bad_alloc; 300 MB of
// blank lines aborted the same way (a reserve sized by the newline count).
TEST(ReplaySourceTest, DevicesFifosAndDirectoriesAreRefusedByName) {
  const Universe u = demo_universe();
  for (const char* path : {"/dev/zero", "/dev/null", "/tmp"}) {
    const ReplayLoad load = ReplayTickSource::load(path, u);
    ASSERT_FALSE(load.ok()) << path;
    EXPECT_NE(load.errors[0].find("not a regular file"), std::string::npos) << load.errors[0];
  }
}

TEST(ReplaySourceTest, FileIsStreamedBlankFloodAndOverlongLinesCostNoMemory) {
  const Universe u = demo_universe();
  const std::string path = ::testing::TempDir() + "/replay_flood.csv";
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(64u << 20, '\n');               // 64 MiB of blank lines
    f << std::string(10'000, 'x') << "\n";           // one over-long line
    f << "1000000,BTCUSDT,70000,1,70000.01,1,,,\n";  // and one good tick
  }
  testing::reset_largest_allocation();
  const ReplayLoad load = ReplayTickSource::load(path, u);
  ASSERT_TRUE(load.ok()) << load.errors[0];
  EXPECT_EQ(load.source->size(), 1u);
  EXPECT_EQ(load.dropped, 1u);
  ASSERT_EQ(load.dropped_samples.size(), 1u);
  EXPECT_NE(load.dropped_samples[0].find("line longer than 4096 bytes"), std::string::npos);
  EXPECT_LT(testing::largest_allocation(), 1u << 20) << "the file was held, not streamed";
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ballast::replay_source_test
