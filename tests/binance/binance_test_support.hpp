// Shared by the Binance dialect tests: a small futures universe on venue 1 (with a spot
// pair and an instrument of another venue that the symbol map must skip) and fixture
// loading into buffers with simdjson's padding.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ballast/binance/market_data.hpp"
#include "ballast/core/model.hpp"

namespace ballast::binance::testing {

inline constexpr VenueId kBinanceVenue = 1;

inline InstrumentSpec make_spec(std::string symbol, InstrumentKind kind, Decimal tick, Decimal lot,
                                VenueId venue, AssetId base, AssetId quote) {
  InstrumentSpec s;
  s.symbol = std::move(symbol);
  s.kind = kind;
  s.tick_size = tick;
  s.lot_size = lot;
  s.venue = venue;
  s.base = base;
  s.quote = quote;
  s.derive();
  return s;
}

// 0 BTCUSDT spot (skipped), 1 BTCUSDT-PERP tick 0.10 lot 0.001, 2 ETHUSDT-PERP tick 0.01
// lot 0.001, 3 BTCUSDT-261225 tick 0.1 lot 0.001, 4 BNBUSDT-PERP tick 0.0010 lot 0.01,
// 5 SOLUSDT-PERP on venue 0 (skipped).
inline Universe make_test_universe() {
  Universe u;
  u.venues = {"fix", "binance"};
  const AssetId usdt = u.intern_asset("USDT");
  const AssetId btc = u.intern_asset("BTC");
  const AssetId eth = u.intern_asset("ETH");
  const AssetId bnb = u.intern_asset("BNB");
  const AssetId sol = u.intern_asset("SOL");
  u.base_currency = usdt;
  u.instruments.push_back(
      make_spec("BTCUSDT", InstrumentKind::spot, {1, 2}, {1, 5}, kBinanceVenue, btc, usdt));
  u.instruments.push_back(make_spec("BTCUSDT-PERP", InstrumentKind::perpetual, {10, 2}, {1, 3},
                                    kBinanceVenue, btc, usdt));
  u.instruments.push_back(make_spec("ETHUSDT-PERP", InstrumentKind::perpetual, {1, 2}, {1, 3},
                                    kBinanceVenue, eth, usdt));
  u.instruments.push_back(make_spec("BTCUSDT-261225", InstrumentKind::future, {1, 1}, {1, 3},
                                    kBinanceVenue, btc, usdt));
  u.instruments.push_back(make_spec("BNBUSDT-PERP", InstrumentKind::perpetual, {10, 4}, {1, 2},
                                    kBinanceVenue, bnb, usdt));
  u.instruments.push_back(
      make_spec("SOLUSDT-PERP", InstrumentKind::perpetual, {1, 3}, {1, 0}, 0, sol, usdt));
  return u;
}

inline constexpr InstrumentId kBtcPerp = 1;
inline constexpr InstrumentId kEthPerp = 2;
inline constexpr InstrumentId kBtcDated = 3;
inline constexpr InstrumentId kBnbPerp = 4;

// A message with simdjson's padding behind it, as the parsers require.
class PaddedMessage {
 public:
  explicit PaddedMessage(std::string_view text)
      : buffer_(std::string(text) + std::string(BinanceMarketDataParser::kPadding, ' ')),
        length_(text.size()) {}
  [[nodiscard]] const char* data() const noexcept { return buffer_.data(); }
  [[nodiscard]] std::size_t size() const noexcept { return length_; }
  [[nodiscard]] std::string_view text() const noexcept { return {buffer_.data(), length_}; }

 private:
  std::string buffer_;
  std::size_t length_;
};

inline std::string read_fixture(std::string_view name) {
  const std::string path =
      std::string(BALLAST_SOURCE_DIR) + "/tests/data/binance/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture " + path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace ballast::binance::testing
