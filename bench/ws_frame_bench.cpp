// The WebSocket codec on the hot path: every market-data message is decoded and
// assembled on receipt, every order is framed and masked before send. Both must stay
// far below the network's own cost; these numbers say by how much.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "ballast/net/ws_frame.hpp"
#include "ballast/net/ws_message_assembler.hpp"

namespace {

using namespace ballast::net;

// A Binance USDⓈ-M bookTicker push, as the server frames it (unmasked text, 16-bit length).
constexpr std::string_view kBookTicker =
    R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":400900217,"E":1568014460893,)"
    R"("T":1568014460891,"s":"BTCUSDT","b":"70001.10","B":"31.21000000","a":"70001.20","A":"40.66000000"}})";

// A WebSocket API order.place request, the size the engine sends.
constexpr std::string_view kOrder =
    R"({"id":"42","method":"order.place","params":{"symbol":"BTCUSDT","side":"SELL",)"
    R"("type":"LIMIT","timeInForce":"IOC","quantity":"0.214","price":"70008.7",)"
    R"("newClientOrderId":"bl-000000000123","timestamp":1764531000000,)"
    R"("signature":"c8db56825ae71d6d79447849e617115f"}})";

void BM_WsFrame_Decode(benchmark::State& state) {
  std::vector<std::uint8_t> wire(kWsMaxServerHeader + kBookTicker.size());
  const std::size_t frame_len = encode_ws_frame(
      wire.data(), wire.size(), WsOpcode::text, true,
      reinterpret_cast<const std::uint8_t*>(kBookTicker.data()), kBookTicker.size(), nullptr);
  WsMessageAssembler assembler(1 << 16, WsRole::client);
  for (auto _ : state) {
    benchmark::DoNotOptimize(wire.data());
    const WsDecodeResult r = decode_ws_frame(wire.data(), frame_len, WsRole::client, 1 << 16);
    const WsAssemblerEvent e = assembler.feed(r.frame);
    benchmark::DoNotOptimize(e.data);
    benchmark::DoNotOptimize(e.len);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(frame_len));
  state.counters["frame_bytes"] = static_cast<double>(frame_len);
}
BENCHMARK(BM_WsFrame_Decode);

void BM_WsFrame_EncodeMasked(benchmark::State& state) {
  // The zero-copy send: the payload already sits 14 bytes into the send buffer; the header
  // goes right before it and the payload is masked in place.
  std::vector<std::uint8_t> buffer(kWsMaxClientHeader + kOrder.size());
  std::uint8_t* payload = buffer.data() + kWsMaxClientHeader;
  std::memcpy(payload, kOrder.data(), kOrder.size());
  std::uint32_t key = 0x5EED1234;
  std::size_t frame_len = 0;
  for (auto _ : state) {
    key = key * 1664525u + 1013904223u;  // a fresh key per frame, as RFC 6455 10.3 asks
    const std::size_t header_len = ws_header_size(kOrder.size(), true);
    write_ws_header(payload - header_len, WsOpcode::text, true, kOrder.size(), &key);
    ws_mask_in_place(payload, kOrder.size(), key);
    frame_len = header_len + kOrder.size();
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(frame_len));
  state.counters["frame_bytes"] = static_cast<double>(frame_len);
}
BENCHMARK(BM_WsFrame_EncodeMasked);

}  // namespace
