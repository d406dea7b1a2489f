// Fixtures shared by the config tests beside each module's table (core's domain tables,
// gateways' routes, control, the simulator, the whole `ballast` file): two complete
// files, line lookup, and assertions on the loader's `file:line: key: problem` errors.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/config.hpp"

namespace ballast::config_test {

// Small but complete: two hedged assets, the base currency as the remainder.
inline constexpr std::string_view kMinimal = R"toml(
[engine]
base_currency = "USDT"

[[instrument]]
symbol = "BTCUSDT-PERP"
kind = "perpetual"
base = "BTC"
contract_size = 0.001
lot_size = 1
tick_size = 0.1
funding_interval_s = 28800

[[instrument]]
symbol = "ETHUSDT-PERP"
kind = "perpetual"
base = "ETH"
contract_size = 0.01
lot_size = 1
tick_size = 0.01
funding_interval_s = 28800

[[target]]
asset = "BTC"
weight = 0.5
band = 0.05
hedge_with = ["BTCUSDT-PERP"]

[[target]]
asset = "ETH"
weight = 0.3
band = 0.05
hedge_with = ["ETHUSDT-PERP"]

[portfolio]
cash = 1000.0
spot = [ { asset = "BTC", qty = 1.0 } ]

[market]
prices = { BTCUSDT = 70000.0, "BTCUSDT-PERP" = 70010.0, ETHUSDT = 3500.0, "ETHUSDT-PERP" = 3501.0 }
)toml";

// DESIGN.md's example, extended with what makes it valid: ETH is held, so it needs a
// [[target]] and (method = hedge) a hedge instrument.
inline constexpr std::string_view kFull = R"toml(
[engine]
base_currency = "USDT"

[[instrument]]
symbol = "BTCUSDT-PERP"
kind = "perpetual"          # spot | perpetual | future
base = "BTC"
settlement = "linear"       # linear | inverse
contract_size = 0.001       # linear: base units per contract
lot_size = 1                # contracts (spot: base units)
tick_size = 0.1
min_notional = 5.0
maker_fee_bps = 2.0
taker_fee_bps = 5.0
funding_interval_s = 28800
margin_brackets = [ { max_notional = 50000, mmr = 0.004, maint_amount = 0 },
                    { max_notional = 250000, mmr = 0.005, maint_amount = 50 } ]
venue = "binance-usdm"      # default "default"
max_order_qty = 1000        # contracts per order; 0 = no cap

[[instrument]]
symbol = "BTCUSDT"
kind = "spot"
base = "BTC"
lot_size = 0.00001
tick_size = 0.01
min_notional = 5
maker_fee_bps = -0.5
venue = "binance-spot"
max_order_qty = 9.00001

[[instrument]]
symbol = "ETHUSD_261225"
kind = "future"
base = "ETH"
settlement = "inverse"
contract_value = 10
lot_size = 1
tick_size = 0.01
expiry = 2026-12-25T08:00:00Z

[[instrument]]
symbol = "ETHUSDT-PERP"
kind = "perpetual"
base = "ETH"
contract_size = 1
lot_size = 0.001
tick_size = 0.01
min_qty = 0.001
funding_interval_s = 28800
venue = "binance-usdm"

[[target]]
asset = "BTC"
weight = 0.50
band = 0.05
hedge_with = ["BTCUSDT-PERP"]

[[target]]
asset = "ETH"
weight = 0.3
band = 0.05
rel_band = 0.2
hedge_with = ["ETHUSDT-PERP", "ETHUSD_261225"]

[policy]
trigger = "both"            # threshold | calendar | both
calendar_interval_s = 86400
rebalance_to = "band_edge"  # target | band_edge
method = "synthetic_pair"   # hedge | synthetic_pair | spot
hedge_ratio = 0.9
min_order_notional = 25.0
max_cost_bps = 15.0
default_spread_bps = 3
carry_horizon_s = 86400
rebalance_tolerance = 0.2
tracking_error_aversion = 2.5
roll_before_s = 86400
allow_spot_short = true

[risk]
max_leverage = 3.0
min_liquidation_distance = 0.25
max_margin_utilization = 0.5
max_asset_weight = 0.6
max_order_notional = 250000.0
price_collar_bps = 50.0
max_orders_per_second = 10
max_orders_per_minute = 1200
max_md_staleness_ms = 500
collateral = { BTC = 0.95, ETH = 0.9 }

[portfolio]
cash = 1000
margin_balance = 1500.0     # at most cash (here 1000 + the 500 USDT listed under spot)
spot = [ { asset = "BTC", qty = 0.9285714 }, { asset = "ETH", qty = 10.0 },
         { asset = "USDT", qty = 500 } ]
futures = [ { instrument = "BTCUSDT-PERP", contracts = 0, entry_price = 0.0 },
            { instrument = "ETHUSDT-PERP", contracts = -0.214, entry_price = 3400.0 } ]
open_orders = [ { instrument = "BTCUSDT-PERP", side = "sell", contracts = 5, price = 70000.5 },
                { instrument = "BTCUSDT", side = "buy", contracts = 0.0125, price = 69000.01 } ]
last_rebalance = "2026-01-01T00:00:00Z"

[market]                    # snapshot prices for `plan`; live prices come from venues
as_of = 2026-03-01T12:00:00Z
prices = { BTCUSDT = 70000.0, "BTCUSDT-PERP" = 70010.0, ETHUSDT = 3500.0, "ETHUSDT-PERP" = 3501.0, ETHUSD_261225 = 3550 }
funding_rates = { "BTCUSDT-PERP" = 0.0001 }
depth = { "BTCUSDT-PERP" = { bids = [[70000, 5], [69990.5, 10]], asks = [[70020, 4]] } }
)toml";

inline constexpr const char* kFile = "test.toml";

// 1-based line of the first occurrence of `needle` in `text`.
inline int line_of(std::string_view text, std::string_view needle) {
  const std::size_t pos = text.find(needle);
  EXPECT_NE(pos, std::string_view::npos) << "test text lacks: " << needle;
  if (pos == std::string_view::npos) return -1;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

// 1-based line of the last occurrence of `needle` in `text`.
inline int last_line_of(std::string_view text, std::string_view needle) {
  const std::size_t pos = text.rfind(needle);
  EXPECT_NE(pos, std::string_view::npos) << "test text lacks: " << needle;
  if (pos == std::string_view::npos) return -1;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

// `text` with the first `from` replaced by `to`.
inline std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const std::size_t pos = out.find(from);
  EXPECT_NE(pos, std::string::npos) << "test text lacks: " << from;
  if (pos != std::string::npos) out.replace(pos, from.size(), to);
  return out;
}

template <class Result>
inline std::string dump(const Result& r) {
  std::string out;
  for (const ConfigError& e : r.errors) out += "  " + e.to_string() + "\n";
  return out;
}

// True when `r` failed with exactly one error, on `key` at `line`, mentioning `problem`.
template <class Result>
inline ::testing::AssertionResult HasOnlyError(const Result& r, std::string_view key, int line,
                                               std::string_view problem) {
  if (r.config) return ::testing::AssertionFailure() << "config loaded despite errors";
  if (r.errors.size() != 1)
    return ::testing::AssertionFailure() << r.errors.size() << " errors:\n" << dump(r);
  const ConfigError& e = r.errors[0];
  if (e.file != kFile || e.key != key || e.line != line ||
      e.problem.find(problem) == std::string::npos)
    return ::testing::AssertionFailure() << "expected " << kFile << ":" << line << ": " << key
                                         << ": ..." << problem << "...\ngot:\n"
                                         << dump(r);
  return ::testing::AssertionSuccess();
}

// True when some error of `r` is on `key` at `line` and mentions `problem`.
template <class Result>
inline ::testing::AssertionResult HasError(const Result& r, std::string_view key, int line,
                                           std::string_view problem) {
  for (const ConfigError& e : r.errors)
    if (e.key == key && e.line == line && e.problem.find(problem) != std::string::npos)
      return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "no error " << line << ": " << key << ": ..." << problem << "...\ngot:\n"
         << dump(r);
}

// kMinimal with `lines` added to [engine].
inline std::string with_engine(std::string_view lines) {
  return replaced(kMinimal, "base_currency = \"USDT\"\n",
                  "base_currency = \"USDT\"\n" + std::string(lines) + "\n");
}

// Every agent exactly once across `threads`.
inline ::testing::AssertionResult EachAgentOnce(const std::vector<ThreadSpec>& threads) {
  for (AgentKind a : {AgentKind::market_data, AgentKind::engine, AgentKind::orders}) {
    int n = 0;
    for (const ThreadSpec& t : threads)
      n += static_cast<int>(std::count(t.agents.begin(), t.agents.end(), a));
    if (n != 1)
      return ::testing::AssertionFailure() << "agent " << to_string(a) << " on " << n << " threads";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace ballast::config_test
