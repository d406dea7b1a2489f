// The per-message paths allocate nothing once constructed: parsing a tick, a depth
// update, a response, and encoding a signed order. Counts operator new (the allocation
// counter replaces it in this binary) and OpenSSL's own allocator (CRYPTO_set_mem_functions,
// installed before OpenSSL allocates anything).
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "../core/allocation_counter.hpp"
#include "ballast/binance/market_data.hpp"
#include "ballast/binance/order_encoder.hpp"
#include "ballast/binance/response_parser.hpp"
#include "binance_test_support.hpp"

namespace {

std::atomic<long> g_openssl_allocations{0};

void* counting_malloc(std::size_t n, const char*, int) {
  g_openssl_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
  g_openssl_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void counting_free(void* p, const char*, int) {
  std::free(p);
}

// Static initialisation: before main, so before any OpenSSL call of this process.
const bool g_hooks_installed =
    CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1;

long openssl_allocations() {
  return g_openssl_allocations.load(std::memory_order_relaxed);
}

}  // namespace

namespace ballast::binance {
namespace {

using namespace ballast::binance::testing;
using ballast::testing::allocation_count;

TEST(BinanceAllocationTest, OpenSslAllocatorHooksAreInstalled) {
  ASSERT_TRUE(g_hooks_installed);
  const long before = openssl_allocations();
  void* p = OPENSSL_malloc(16);
  OPENSSL_free(p);
  EXPECT_EQ(openssl_allocations(), before + 1);  // the hook really sees OpenSSL's allocations
}

TEST(BinanceAllocationTest, TickAndDepthParsingAllocateNothing) {
  const Universe universe = make_test_universe();
  const BinanceSymbolMap symbols(universe, kBinanceVenue);
  BinanceMarketDataParser parser(symbols);
  DepthBookSync book;
  const PaddedMessage book_ticker(read_fixture("book_ticker_combined.json"));
  const PaddedMessage mark(read_fixture("mark_price.json"));
  const PaddedMessage depth(read_fixture("depth_update.json"));
  DepthSnapshot snap;
  snap.last_update_id = 150;
  book.on_snapshot(snap);
  MarketTick tick;
  const long before = allocation_count();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(parser.parse(book_ticker.data(), book_ticker.size(), tick), MarketDataResult::tick);
    ASSERT_EQ(parser.parse(mark.data(), mark.size(), tick), MarketDataResult::tick);
    ASSERT_EQ(parser.parse(depth.data(), depth.size(), tick), MarketDataResult::depth_update);
    book.on_update(parser.last_depth());
  }
  EXPECT_EQ(allocation_count() - before, 0);
}

TEST(BinanceAllocationTest, SignedOrderEncodingAllocatesNothingIncludingOpenSsl) {
  const Universe universe = make_test_universe();
  const BinanceSymbolMap symbols(universe, kBinanceVenue);
  ApiCredentials credentials;
  credentials.api_key = "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83";
  credentials.api_secret =
      ApiSecret("2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9");
  BinanceOrderEncoder encoder(symbols, credentials);
  char out[BinanceOrderEncoder::kMaxRequestBytes];
  OrderRequest order;
  order.instrument = kBtcPerp;
  order.lots = 250;
  order.limit_ticks = 700001;
  const long before = allocation_count();
  const long openssl_before = openssl_allocations();
  for (int i = 0; i < 1000; ++i) {
    order.client_order_id = 1000 + static_cast<std::uint64_t>(i);
    ASSERT_GT(encoder.encode_place(order, 1702555533821 + i, out, sizeof out), 0u);
    ASSERT_GT(
        encoder.encode_cancel(order.client_order_id, kBtcPerp, 1702555533821 + i, out, sizeof out),
        0u);
  }
  EXPECT_EQ(allocation_count() - before, 0);
  EXPECT_EQ(openssl_allocations() - openssl_before, 0);
}

TEST(BinanceAllocationTest, ResponseParsingAllocatesNothing) {
  const Universe universe = make_test_universe();
  const BinanceSymbolMap symbols(universe, kBinanceVenue);
  BinanceResponseParser parser(symbols);
  std::string reply = read_fixture("order_place_response.json");
  reply.replace(reply.find("3f7df6e3-2df4-44b9-9919-d2f38f90a99a"), 36, "p42");
  const PaddedMessage response(reply);
  const PaddedMessage trade(read_fixture("order_trade_update_trade.json"));
  ExecReport out[BinanceResponseParser::kMaxReportsPerMessage];
  std::size_t n = 0;
  const long before = allocation_count();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(parser.parse_response(response.data(), response.size(), 1702555534435, out, n),
              ResponseResult::reports);
    ASSERT_EQ(parser.parse_user_data(trade.data(), trade.size(), out, n), ResponseResult::reports);
  }
  EXPECT_EQ(allocation_count() - before, 0);
}

}  // namespace
}  // namespace ballast::binance
