// Integration tests of the `ballast` executable: run as a real process, check exit
// codes, stderr lines and the JSON contract of `ballast plan --json` (parsed with simdjson).
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace plan_cli_test {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string temp_path(const char* tag) {
  return ::testing::TempDir() + "ballast_cli_" + std::to_string(::getpid()) + "_" + tag;
}

// Plans price carry against time to expiry, so every plan a test checks runs at a pinned
// instant: on the wall clock the dated future's cheaper carry wins as expiry nears.
const std::string kPinnedNow = " --now 2026-11-22T00:00:00Z";

ProcessResult ballast(const std::string& args) {
  const std::string out = temp_path("out"), err = temp_path("err");
  const std::string cmd = std::string(BALLAST_BIN) + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  ProcessResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

std::string source(const std::string& rel) {
  return std::string(BALLAST_SOURCE_DIR) + "/" + rel;
}

std::string write_temp_config(const char* tag, const std::string& text) {
  const std::string path = temp_path(tag) + ".toml";
  std::ofstream(path) << text;
  return path;
}

std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(PlanCliTest, DemoPlanPrintsTheHedgeTable) {
  const ProcessResult r =
      ballast("plan --config " + source("config/demo.toml") + " --now 2026-11-22T00:00:00Z");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Trigger: threshold, BTC drift +15.00% outside band 5.00%"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("BTCUSDT-PERP"), std::string::npos);
  EXPECT_NE(r.out.find("ETHUSDT-PERP"), std::string::npos);
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(PlanCliTest, JsonFollowsTheContract) {
  const ProcessResult r =
      ballast("plan --config " + source("config/demo.toml") + " --json --now 1795305600");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  double nav = 0;
  ASSERT_EQ(doc["nav"].get(nav), simdjson::SUCCESS);
  EXPECT_NEAR(nav, 100000.0, 1e-3);

  simdjson::dom::array assets;
  ASSERT_EQ(doc["assets"].get(assets), simdjson::SUCCESS);
  bool saw_btc = false;
  for (simdjson::dom::element a : assets) {
    for (const char* key :
         {"asset", "exposure", "weight", "target", "drift", "band", "triggered", "adjust_notional"})
      EXPECT_EQ(a[key].error(), simdjson::SUCCESS) << key;
    std::string_view name;
    ASSERT_EQ(a["asset"].get(name), simdjson::SUCCESS);
    if (name == "BTC") {
      saw_btc = true;
      bool triggered = false;
      double adjust = 0;
      ASSERT_EQ(a["triggered"].get(triggered), simdjson::SUCCESS);
      ASSERT_EQ(a["adjust_notional"].get(adjust), simdjson::SUCCESS);
      EXPECT_TRUE(triggered);
      EXPECT_NEAR(adjust, -15000.0, 1e-3);
    }
  }
  EXPECT_TRUE(saw_btc);

  simdjson::dom::array orders;
  ASSERT_EQ(doc["orders"].get(orders), simdjson::SUCCESS);
  ASSERT_EQ(orders.size(), 2u);
  for (simdjson::dom::element o : orders) {
    for (const char* key :
         {"instrument", "side", "contracts", "qty_base", "notional", "limit_price", "est_cost"})
      EXPECT_EQ(o[key].error(), simdjson::SUCCESS) << key;
    std::string_view instrument, side;
    ASSERT_EQ(o["instrument"].get(instrument), simdjson::SUCCESS);
    ASSERT_EQ(o["side"].get(side), simdjson::SUCCESS);
    if (instrument == "BTCUSDT-PERP") {
      EXPECT_EQ(side, "sell");
      std::int64_t contracts = 0;
      ASSERT_EQ(o["contracts"].get(contracts), simdjson::SUCCESS);
      EXPECT_EQ(contracts, 214);  // 15,000 / (70,010 * 0.001) = 214.25 -> 214
    } else {
      EXPECT_EQ(instrument, "ETHUSDT-PERP");
      EXPECT_EQ(side, "buy");
    }
  }
  EXPECT_EQ(doc["risk"].error(), simdjson::SUCCESS);
}

// Each seed example, run through the binary, prints the seed's own numbers.
TEST(PlanCliTest, EveryExamplePrintsWhatItsSeedSays) {
  struct Expectation {
    const char* file;
    std::vector<std::string> lines;  // substrings of the printed plan, one per line
  };
  const Expectation examples[] = {
      {"seed000_hedge",
       {"BTC             65,000.00   65.00%   50.00%   +15.00%", "-15,000.00", "+15,000.00",
        "BTCUSDT-PERP     sell      0.2142857", "ETHUSDT-PERP     buy          4.2857"}},
      {"seed001_stablecoin_hedge",
       {"BTC             85,000.00   85.00%   75.00%   +10.00%", "-10,000.00",
        "BTCUSDT-PERP     sell            125        0.125      10,000.00"}},
      {"seed002_synthetic_pair",
       {"BTC              6,000.00   60.00%",
        "BTCUSDT-PERP     sell             20         0.02       1,000.00",
        "ETHUSDT-PERP     buy              40          0.4       1,000.00"}},
      {"seed003_bands_hold",
       {"Trigger: none", "+5.00%   5.00%  ok", "-5.00%   5.00%  ok", "Orders: none"}},
      {"seed003_bands_alt",
       {"SOL              4,000.00   40.00%   20.00%   +20.00%  10.00%  OUTSIDE",
        "SOLUSDT-PERP     sell"}},
      {"seed003_trim_spot",
       {"SOL              4,000.00   33.33%   20.00%   +13.33%",
        "SOLUSDT          sell             16           16       1,600.00",
        "BTCUSDT          buy            0.02         0.02       1,000.00",
        "ETHUSDT          buy             0.2          0.2         600.00"}},
  };
  for (const Expectation& e : examples) {
    const ProcessResult r = ballast(
        "plan --config " + source(std::string("config/examples/") + e.file + ".toml") + kPinnedNow);
    EXPECT_EQ(r.exit_code, 0) << e.file << ": " << r.err;
    for (const std::string& line : e.lines)
      EXPECT_NE(r.out.find(line), std::string::npos) << e.file << " lacks '" << line << "' in:\n"
                                                     << r.out;
  }
}

TEST(PlanCliTest, CheckConfigAcceptsTheDemo) {
  const ProcessResult r = ballast("check-config " + source("config/demo.toml"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok"), std::string::npos);
}

TEST(PlanCliTest, CheckConfigReportsEveryBadKeyOnItsOwnLine) {
  std::string text = slurp(source("config/demo.toml"));
  // Three independent problems: an unknown key, a negative tick and a band of 1.
  text.replace(text.find("base_currency = \"USDT\""), 22,
               "base_currency = \"USDT\"\ncolour = \"red\"");
  text.replace(text.find("tick_size = 0.1"), 15, "tick_size = -0.1");
  text.replace(text.find("band = 0.05"), 11, "band = 1.0");
  const std::string path = write_temp_config("bad", text);
  const ProcessResult r = ballast("check-config " + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 3u) << r.err;
  const auto colour_line = 1 + std::count(text.begin(), text.begin() + text.find("colour"), '\n');
  EXPECT_NE(r.err.find(path + ":" + std::to_string(colour_line) + ": engine.colour"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("tick_size"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("target[0].band"), std::string::npos) << r.err;
  std::remove(path.c_str());
}

TEST(PlanCliTest, PlanRefusesAnInstrumentWithoutAPrice) {
  std::string text = slurp(source("config/examples/seed002_synthetic_pair.toml"));
  const std::string needle = ", \"ETHUSDT-PERP\" = 2500";
  text.replace(text.find(needle), needle.size(), "");
  const std::string path = write_temp_config("noprice", text);
  EXPECT_EQ(ballast("check-config " + path).exit_code, 0);  // valid config, just no price
  const ProcessResult r = ballast("plan --config " + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("market.prices.ETHUSDT-PERP"), std::string::npos) << r.err;
  std::remove(path.c_str());
}

TEST(PlanCliTest, MissingFileNamesThePath) {
  const ProcessResult r = ballast("plan --config /nonexistent/ballast.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/ballast.toml"), std::string::npos) << r.err;
  EXPECT_EQ(count_lines(r.err), 1u);
}

TEST(PlanCliTest, BadArgumentsExitTwoWithOneLine) {
  for (const char* args : {"", "frobnicate", "plan", "plan --config", "plan --bogus",
                           "check-config", "plan --config x --now yesterday"}) {
    const ProcessResult r = ballast(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_FALSE(r.err.empty()) << args;
  }
  EXPECT_EQ(ballast("--help").exit_code, 0);
}

TEST(PlanCliTest, TomlSyntaxErrorNamesTheLine) {
  const std::string path =
      write_temp_config("syntax", "[engine]\nbase_currency = \"USDT\"\n[[instrument]\n");
  const ProcessResult r = ballast("check-config " + path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(path + ":3:"), std::string::npos) << r.err;
  std::remove(path.c_str());
}

}  // namespace plan_cli_test

namespace plan_cli_test {

std::string demo_with(const std::string& from, const std::string& to) {
  std::string text = slurp(source("config/demo.toml"));
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(PlanCliRiskTest, JsonCarriesVerdictsAndAccountRisk) {
  const ProcessResult r =
      ballast("plan --config " + source("config/demo.toml") + " --json" + kPinnedNow);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS);
  simdjson::dom::array orders;
  ASSERT_EQ(doc["orders"].get(orders), simdjson::SUCCESS);
  for (simdjson::dom::element o : orders) {
    bool accepted = false;
    ASSERT_EQ(o["risk"]["accepted"].get(accepted), simdjson::SUCCESS);
    EXPECT_TRUE(accepted);
    EXPECT_TRUE(o["risk"]["check"].is_null());
    EXPECT_EQ(o["risk"]["value"].error(), simdjson::SUCCESS);
    EXPECT_EQ(o["risk"]["limit"].error(), simdjson::SUCCESS);
  }
  double leverage = -1, margin = -1;
  ASSERT_EQ(doc["risk"]["leverage"].get(leverage), simdjson::SUCCESS);
  ASSERT_EQ(doc["risk"]["margin_utilization"].get(margin), simdjson::SUCCESS);
  EXPECT_NEAR(leverage, 29964.28 / 99983.26, 1e-3);
  EXPECT_NEAR(margin, leverage / 5, 1e-6);  // perps at 5x
  simdjson::dom::array positions;
  ASSERT_EQ(doc["risk"]["positions"].get(positions), simdjson::SUCCESS);
  ASSERT_EQ(positions.size(), 2u);
  for (simdjson::dom::element p : positions) {
    EXPECT_TRUE(p["liquidation_price"].is_null());  // collateralised: no liquidation
    EXPECT_TRUE(p["distance"].is_null());
    std::string_view status;
    ASSERT_EQ(p["liquidation"].get(status), simdjson::SUCCESS);
    EXPECT_EQ(status, "none");
  }
}

TEST(PlanCliRiskTest, UncollateralisedHedgesAreRejectedWithTheReason) {
  const std::string path =
      write_temp_config("nocollateral", demo_with("collateral = { BTC = 0.95, ETH = 0.95 }\n", ""));
  const ProcessResult r = ballast("plan --config " + path + kPinnedNow);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The cause, by name: nothing can hold the margin (it used to read as a 0% liquidation
  // distance, a symptom).
  EXPECT_NE(r.out.find("rejected: initial margin 2,996.43 > available -7.92 after BTCUSDT-PERP"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("REJECTED"), std::string::npos);
  EXPECT_NE(r.out.find("max |drift| 15.00% -> 15.00%"), std::string::npos) << r.out;
  const ProcessResult j = ballast("plan --config " + path + " --json" + kPinnedNow);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(j.out).get(doc), simdjson::SUCCESS);
  std::string_view check;
  double value = -1, limit = -1;
  ASSERT_EQ(doc["orders"].at(0)["risk"]["check"].get(check), simdjson::SUCCESS);
  ASSERT_EQ(doc["orders"].at(0)["risk"]["value"].get(value), simdjson::SUCCESS);
  ASSERT_EQ(doc["orders"].at(0)["risk"]["limit"].get(limit), simdjson::SUCCESS);
  EXPECT_EQ(check, "initial_margin");
  EXPECT_NEAR(value, 2996.43, 0.01);  // 14,982.14 at 5x
  EXPECT_LT(limit, 0.0);              // an empty wallet less the order's fee
  std::remove(path.c_str());
}

TEST(PlanCliRiskTest, OversizedHedgeIsShrunkAndReported) {
  const std::string path = write_temp_config(
      "shrink", demo_with("max_order_notional = 250000.0", "max_order_notional = 8000.0"));
  const ProcessResult r = ballast("plan --config " + path + kPinnedNow);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 8,000 / (70,010 * 0.001) = 114.27 -> 114 contracts of the 214 planned.
  EXPECT_NE(r.out.find("BTCUSDT-PERP     sell            114"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shrunk from 214 contracts: order notional"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SHRUNK"), std::string::npos);
  const ProcessResult j = ballast("plan --config " + path + " --json" + kPinnedNow);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(j.out).get(doc), simdjson::SUCCESS);
  std::int64_t from = 0, to = 0;
  ASSERT_EQ(doc["orders"].at(0)["risk"]["shrunk"]["from_contracts"].get(from), simdjson::SUCCESS);
  ASSERT_EQ(doc["orders"].at(0)["risk"]["shrunk"]["to_contracts"].get(to), simdjson::SUCCESS);
  EXPECT_EQ(from, 214);
  EXPECT_EQ(to, 114);
  std::remove(path.c_str());
}

TEST(PlanCliRiskTest, StateHaltedLetsNothingOut) {
  const ProcessResult r =
      ballast("plan --config " + source("config/demo.toml") + " --state halted" + kPinnedNow);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rejected: kill switch: trading is HALTED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("state HALTED"), std::string::npos);
  EXPECT_EQ(ballast("plan --config " + source("config/demo.toml") + " --state sleepy").exit_code,
            2);
}

TEST(PlanCliRiskTest, StaleSnapshotIsRefused) {
  const std::string path = write_temp_config(
      "stale", demo_with("[market]\n", "[market]\nas_of = 2026-11-22T00:00:00Z\n"));
  const ProcessResult fresh = ballast("plan --config " + path + " --now 2026-11-22T00:00:00Z");
  EXPECT_NE(fresh.out.find("rebalance ok"), std::string::npos) << fresh.out;
  const ProcessResult stale = ballast("plan --config " + path + " --now 2026-11-22T00:00:01Z");
  EXPECT_NE(stale.out.find("market data for BTCUSDT-PERP is 1000 ms old > 500 ms"),
            std::string::npos)
      << stale.out;
  std::remove(path.c_str());
}

// Issue 13, item 1: every shipped seed example reaches the seed's outcome with its orders
// accepted; the one without margin is refused for margin, by name.
TEST(PlanCliRiskTest, EverySeedExampleIsAcceptedByRisk) {
  for (const char* file : {"seed000_hedge", "seed001_stablecoin_hedge", "seed002_synthetic_pair",
                           "seed003_bands_alt", "seed003_trim_spot"}) {
    const ProcessResult r = ballast(
        "plan --config " + source(std::string("config/examples/") + file + ".toml") + kPinnedNow);
    ASSERT_EQ(r.exit_code, 0) << file << ": " << r.err;
    EXPECT_EQ(r.out.find("REJECTED"), std::string::npos) << file << ":\n" << r.out;
    EXPECT_EQ(r.out.find("SHRUNK"), std::string::npos) << file << ":\n" << r.out;
    EXPECT_NE(r.out.find("rebalance ok"), std::string::npos) << file << ":\n" << r.out;
    const std::size_t line = r.out.find("max |drift| ");
    ASSERT_NE(line, std::string::npos) << file;
    const std::string drift = r.out.substr(line, r.out.find('\n', line) - line);
    EXPECT_NE(drift.find("-> 0.0"), std::string::npos) << file << ": " << drift;
  }
  const ProcessResult r =
      ballast("plan --config " + source("config/examples/seed000_no_margin.toml") + kPinnedNow);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rejected: initial margin 1,500.00 > available"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("max |drift| 15.00% -> 15.00%"), std::string::npos) << r.out;
}

// Item 9: NAV <= 0 is an error: exit 1 with one line, no table that looks healthy.
TEST(PlanCliRiskTest, NavNotPositiveExitsOneWithOneLine) {
  // Short 30 BTC from 30,000 with BTC at 70,000: 1.2 M under water on a 100,000 book.
  const std::string path = write_temp_config(
      "negnav",
      demo_with("contracts = 0, entry_price = 0.0", "contracts = -30000, entry_price = 30000.0"));
  const ProcessResult r = ballast("plan --config " + path + kPinnedNow);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("NAV -1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" USDT <= 0"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  std::remove(path.c_str());
}

// Item 8: a lot count that does not fit is bad input naming the order, never a
// saturated 2^62 - 1 lots with "risk ok".
TEST(PlanCliRiskTest, OrderTooLargeToCountExitsTwoNamingIt) {
  std::string text = slurp(source("config/examples/seed000_hedge.toml"));
  const std::string from = "{ asset = \"BTC\", qty = 0.9285714285714 }";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "{ asset = \"BTC\", qty = 1e12 }");
  const std::string path = write_temp_config("overflow", text);
  const ProcessResult r = ballast("plan --config " + path + kPinnedNow);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("order BTCUSDT-PERP sell"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not fit"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("461168601842"), std::string::npos) << r.out;
  std::remove(path.c_str());
}

// Item 10: a plan is a snapshot; the order-rate throttle paces the orders of a 20-asset
// book over the next seconds, it does not refuse orders 11-20.
TEST(PlanCliRiskTest, ThrottleIsShownAsPacingNotRejection) {
  std::string text = "[engine]\nbase_currency = \"USDT\"\n";
  std::string spot = "spot = [";
  std::string prices = "prices = { ";
  std::string collateral = "collateral = { ";
  for (int k = 0; k < 20; ++k) {
    const std::string a = "A" + std::to_string(k);
    text += "[[instrument]]\nsymbol = \"" + a + "-PERP\"\nkind = \"perpetual\"\nbase = \"" + a +
            "\"\ncontract_size = 1\nlot_size = 0.001\ntick_size = 0.01\ntaker_fee_bps = 5\n"
            "funding_interval_s = 28800\nleverage = 10\n";
    text += "[[target]]\nasset = \"" + a + "\"\nweight = 0.045\nband = 0.01\nhedge_with = [\"" + a +
            "-PERP\"]\n";
    spot += std::string(k ? ", " : "") + "{ asset = \"" + a +
            "\", qty = " + std::to_string(k % 2 ? 30 : 60) + " }";
    prices += std::string(k ? ", " : "") + a + "USDT = 100, \"" + a + "-PERP\" = 100";
    collateral += std::string(k ? ", " : "") + a + " = 0.9";
  }
  text += "[policy]\nmethod = \"hedge\"\n[risk]\nmax_orders_per_second = 10\n" + collateral +
          " }\n[portfolio]\ncash = 10000\n" + spot + " ]\n[market]\n" + prices + " }\n";
  const std::string path = write_temp_config("paced", text);
  const ProcessResult r = ballast("plan --config " + path + kPinnedNow);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("REJECTED"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("orders per second used up"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok (paced +0.1 s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok (paced +1.0 s)"), std::string::npos) << r.out;
  std::size_t orders = 0;
  for (std::size_t at = r.out.find("rebalance ok"); at != std::string::npos;
       at = r.out.find("rebalance ok", at + 1))
    ++orders;
  EXPECT_EQ(orders, 20u) << r.out;
  std::remove(path.c_str());
}

// Item 5: check-config warns about a dated future that has expired (exit 0: a position in
// it must still be closable), and plan never opens it.
TEST(PlanCliRiskTest, CheckConfigWarnsAboutAnExpiredFuture) {
  std::string text = slurp(source("config/examples/seed000_hedge.toml"));
  const std::string perp = "symbol = \"BTCUSDT-PERP\"\nkind = \"perpetual\"";
  ASSERT_NE(text.find(perp), std::string::npos);
  text.replace(text.find(perp), perp.size(),
               "symbol = \"BTCUSDT-PERP\"\nkind = \"future\"\nexpiry = \"2025-03-28T08:00:00Z\"");
  const std::string funding =
      "funding_interval_s = 28800\nleverage = 10\n\n[[instrument]]\nsymbol = \"ETHUSDT-PERP\"";
  ASSERT_NE(text.find(funding), std::string::npos);
  text.replace(text.find(funding), funding.size(),
               "leverage = 10\n\n[[instrument]]\nsymbol = \"ETHUSDT-PERP\"");
  const std::string path = write_temp_config("expired", text);
  const ProcessResult c = ballast("check-config " + path);
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(c.err.find("warning: instrument BTCUSDT-PERP expired at 2025-03-28T08:00:00Z"),
            std::string::npos)
      << c.err;
  const ProcessResult p = ballast("plan --config " + path + kPinnedNow);
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(p.out.find("BTCUSDT-PERP     sell"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("no instrument with a price to trade it"), std::string::npos) << p.out;
  std::remove(path.c_str());
}

// Issue 14, item 5: check-config crashed (exit 139) on a 50,000-level nested header and
// accepted a replay file = "/dev/zero". Both are one line of error now, exit 2.
TEST(PlanCliRiskTest, HostileConfigsExitTwoWithOneLineNeverCrash) {
  std::string deep = "[";
  for (int k = 0; k < 50'000; ++k) deep += "a.";
  deep += "a]\n";
  const std::string deep_path = write_temp_config("deep", deep);
  const ProcessResult d = ballast("check-config " + deep_path);
  EXPECT_EQ(d.exit_code, 2) << d.err;
  EXPECT_NE(d.err.find("a dotted key of more than 64 parts"), std::string::npos) << d.err;
  EXPECT_EQ(std::count(d.err.begin(), d.err.end(), '\n'), 1) << d.err;
  std::remove(deep_path.c_str());

  std::string text = slurp(source("config/examples/replay_loopback.toml"));
  const auto at = text.find("file = ");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, text.find('\n', at) - at, "file = \"/dev/zero\"");
  const std::string zero_path = write_temp_config("zero", text);
  const ProcessResult z = ballast("check-config " + zero_path);
  EXPECT_EQ(z.exit_code, 2) << z.err;
  EXPECT_NE(z.err.find("feed.file: /dev/zero is not a regular file"), std::string::npos) << z.err;
  std::remove(zero_path.c_str());
}

}  // namespace plan_cli_test
