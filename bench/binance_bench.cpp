// The Binance dialect's per-message costs: one bookTicker or markPriceUpdate into a
// MarketTick, one diff-depth event parsed and applied to a synced book, one signed
// order.place request. Inputs are the documented examples (tests/data/binance).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "ballast/binance/market_data.hpp"
#include "ballast/binance/order_encoder.hpp"

namespace {

using namespace ballast;
using namespace ballast::binance;

InstrumentSpec spec(std::string symbol, Decimal tick, Decimal lot, AssetId base, AssetId quote) {
  InstrumentSpec s;
  s.symbol = std::move(symbol);
  s.kind = InstrumentKind::perpetual;
  s.tick_size = tick;
  s.lot_size = lot;
  s.base = base;
  s.quote = quote;
  s.derive();
  return s;
}

Universe bench_universe() {
  Universe u;
  const AssetId usdt = u.intern_asset("USDT");
  u.base_currency = usdt;
  u.instruments.push_back(spec("BTCUSDT-PERP", {10, 2}, {1, 3}, u.intern_asset("BTC"), usdt));
  u.instruments.push_back(spec("ETHUSDT-PERP", {1, 2}, {1, 3}, u.intern_asset("ETH"), usdt));
  u.instruments.push_back(spec("BNBUSDT-PERP", {10, 4}, {1, 2}, u.intern_asset("BNB"), usdt));
  return u;
}

std::string padded(std::string_view text) {
  return std::string(text) + std::string(BinanceMarketDataParser::kPadding, ' ');
}

// tests/data/binance/book_ticker.json and mark_price.json.
constexpr std::string_view kBookTicker =
    R"({"e":"bookTicker","u":400900217,"E":1568014460893,"T":1568014460891,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})";
constexpr std::string_view kMarkPrice =
    R"({"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000})";

void BM_BinanceBookTicker_Parse(benchmark::State& state) {
  const Universe u = bench_universe();
  const BinanceSymbolMap symbols(u, 0);
  BinanceMarketDataParser parser(symbols);
  const std::string msg = padded(kBookTicker);
  MarketTick tick;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parser.parse(msg.data(), kBookTicker.size(), tick));
    benchmark::DoNotOptimize(tick);
  }
}
BENCHMARK(BM_BinanceBookTicker_Parse);

void BM_BinanceMarkPrice_Parse(benchmark::State& state) {
  const Universe u = bench_universe();
  const BinanceSymbolMap symbols(u, 0);
  BinanceMarketDataParser parser(symbols);
  const std::string msg = padded(kMarkPrice);
  MarketTick tick;
  for (auto _ : state) {
    benchmark::DoNotOptimize(parser.parse(msg.data(), kMarkPrice.size(), tick));
    benchmark::DoNotOptimize(tick);
  }
}
BENCHMARK(BM_BinanceMarkPrice_Parse);

// A 100 ms diff with 5 levels a side, parsed and applied to a synced 64-level book. The
// events are generated up front as one continuous stream (each pu = the previous u), so
// every one is applied; at the end of the stream the book is re-synced, untimed.
void BM_BinanceDepthUpdate_Apply(benchmark::State& state) {
  const Universe u = bench_universe();
  const BinanceSymbolMap symbols(u, 0);
  BinanceMarketDataParser parser(symbols);
  constexpr std::size_t kEvents = 4096;
  std::vector<std::string> messages;
  std::vector<std::size_t> lengths;
  std::int64_t last_u = 100;
  for (std::size_t i = 0; i < kEvents; ++i) {
    const std::int64_t first = last_u + 1, final_id = last_u + 7;
    std::string msg =
        R"({"e":"depthUpdate","E":1700000000000,"T":1700000000000,"s":"BTCUSDT","U":)" +
        std::to_string(first) + R"(,"u":)" + std::to_string(final_id) + R"(,"pu":)" +
        std::to_string(last_u) +
        R"(,"b":[["70000.00","1.5"],["69999.90","0"],["69999.80","2.25"],["69999.50","3"],["69990.00","0.5"]],)"
        R"("a":[["70000.10","1.1"],["70000.20","0"],["70000.30","4"],["70000.60","0.75"],["70001.00","9"]]})";
    lengths.push_back(msg.size());
    msg.append(BinanceMarketDataParser::kPadding, ' ');
    messages.push_back(std::move(msg));
    last_u = final_id;
  }
  DepthSnapshot snap;
  snap.last_update_id = 101;  // straddled by the first event (U = 101)
  for (int i = 0; i < 64; ++i) {
    snap.bids[snap.bid_count++] = {70000.0 - 0.1 * i, 1.0};
    snap.asks[snap.ask_count++] = {70000.1 + 0.1 * i, 1.0};
  }
  DepthBookSync book;
  book.on_snapshot(snap);
  std::size_t next = 0;
  MarketTick tick;
  for (auto _ : state) {
    if (next == kEvents) {
      state.PauseTiming();
      book.reset();
      book.on_snapshot(snap);
      next = 0;
      state.ResumeTiming();
    }
    if (parser.parse(messages[next].data(), lengths[next], tick) !=
            MarketDataResult::depth_update ||
        book.on_update(parser.last_depth()) != DepthApplyResult::applied) {
      state.SkipWithError("depth event not applied");
      break;
    }
    ++next;
  }
  benchmark::DoNotOptimize(book.best_bid());
}
BENCHMARK(BM_BinanceDepthUpdate_Apply);

void BM_BinanceOrder_EncodeSigned(benchmark::State& state) {
  const Universe u = bench_universe();
  const BinanceSymbolMap symbols(u, 0);
  ApiCredentials credentials;
  credentials.api_key = "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83";
  credentials.api_secret =
      ApiSecret("2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9");
  BinanceOrderEncoder encoder(symbols, credentials);
  char out[BinanceOrderEncoder::kMaxRequestBytes];
  OrderRequest order;
  order.instrument = 0;
  order.side = Side::sell;
  order.lots = 214;
  order.limit_ticks = 700081;
  std::int64_t timestamp = 1702555533821;
  for (auto _ : state) {
    ++order.client_order_id;
    benchmark::DoNotOptimize(encoder.encode_place(order, ++timestamp, out, sizeof out));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BinanceOrder_EncodeSigned);

}  // namespace
