#include "ballast/gateways/binance_market_data_feed.hpp"

#include <cstring>
#include <stdexcept>

#include "ballast/core/clock.hpp"

namespace ballast::gateways {

namespace {

std::string combined_stream_path(const binance::BinanceSymbolMap& symbols, const Universe& universe,
                                 const BinanceMarketDataOptions& o) {
  std::string path = o.connection.market_path + "?streams=";
  bool first = true;
  auto add = [&](InstrumentId id, binance::BinanceStream s) {
    if (!first) path += '/';
    first = false;
    path += symbols.stream_name(id, s);
  };
  for (InstrumentId id = 0; id < universe.instrument_count(); ++id) {
    if (!symbols.contains(id)) continue;
    add(id, binance::BinanceStream::book_ticker);
    add(id, binance::BinanceStream::mark_price_1s);
    if (o.depth) add(id, binance::BinanceStream::depth_100ms);
  }
  return path;
}

}  // namespace

BinanceMarketDataFeed::BinanceMarketDataFeed(const Universe& universe,
                                             BinanceMarketDataOptions options)
    : universe_(universe),
      options_(std::move(options)),
      symbols_(universe, options_.venue),
      parser_(symbols_),
      books_(std::make_unique<std::array<binance::DepthBookSync, kMaxInstruments>>()),
      snapshot_(std::make_unique<binance::DepthSnapshot>()) {
  if (symbols_.size() == 0)
    throw std::runtime_error("websocket market data: no perpetual or dated future on venue \"" +
                             universe.venues.at(options_.venue) + "\"");
  stream_path_ = combined_stream_path(symbols_, universe_, options_);
  binance::ApiCredentials none;  // `depth` is a public request: never signed
  depth_encoder_ = std::make_unique<binance::BinanceOrderEncoder>(symbols_, none);
  scratch_cap_ = binance::BinanceMarketDataParser::kMaxMessageBytes;
  scratch_ = std::make_unique<char[]>(scratch_cap_ + binance::BinanceMarketDataParser::kPadding);
  net::IoRingOptions ro;
  ro.idle = options_.connection.idle;
  loop_ = std::make_unique<net::IoRingLoop>(ro);
  market_ = std::make_unique<net::WsClient>(*loop_, static_cast<net::WsHandler&>(*this),
                                            ws_client_options(options_.connection, stream_path_));
  if (options_.depth)
    api_ = std::make_unique<net::WsClient>(
        *loop_, static_cast<net::WsHandler&>(*this),
        ws_client_options(options_.connection, options_.connection.api_path));
}

BinanceMarketDataFeed::~BinanceMarketDataFeed() {
  shutdown();
}

void BinanceMarketDataFeed::shutdown(std::int64_t timeout_ns) noexcept {
  if (!loop_) return;
  if (started_) {
    if (market_) market_->close();
    if (api_) api_->close();
    const std::int64_t until = monotonic_ns() + timeout_ns;
    auto down = [&] {
      return (!market_ || market_->state() == net::WsClientState::disconnected) &&
             (!api_ || api_->state() == net::WsClientState::disconnected);
    };
    while (!down() && monotonic_ns() < until) loop_->run_once(1'000'000);
  }
  connected_.store(false, std::memory_order_release);
  // The clients drain their own operations; they go before the loop they run on.
  api_.reset();
  market_.reset();
  started_ = false;
}

bool BinanceMarketDataFeed::poll(std::int64_t /*now_ns*/, MarketTick& out) noexcept {
  if (head_ != tail_) {
    out = ring_[tail_ & (kRing - 1)];
    ++tail_;
    idle_last_poll_ = false;
    return true;
  }
  if (!started_) {
    if (stop_requested_.load(std::memory_order_acquire)) {
      exhausted_.store(true, std::memory_order_release);
      return false;
    }
    if (!start_requested_.load(std::memory_order_acquire) || !market_) return false;
    started_ = true;
    market_->start();
    if (api_) api_->start();
  }
  if (stop_requested_.load(std::memory_order_acquire) && !closing_) {
    closing_ = true;
    market_->close();
    if (api_) api_->close();
  }
  if (closing_ && market_->state() == net::WsClientState::disconnected &&
      (!api_ || api_->state() == net::WsClientState::disconnected)) {
    exhausted_.store(true, std::memory_order_release);
    return false;
  }
  // Blocking mode sleeps only after a poll that found nothing: the md agent polls again
  // right after a tick, and sleeping then would hold that tick back from the engine.
  loop_->run_once(idle_last_poll_ ? options_.connection.blocking_wait_ns : 0);
  if (head_ == tail_) {
    idle_last_poll_ = true;
    return false;
  }
  idle_last_poll_ = false;
  out = ring_[tail_ & (kRing - 1)];
  ++tail_;
  return true;
}

const binance::DepthBookSync& BinanceMarketDataFeed::depth_book(InstrumentId id) const noexcept {
  return (*books_)[id < kMaxInstruments ? id : 0];
}

void BinanceMarketDataFeed::push(const MarketTick& tick) noexcept {
  if (head_ - tail_ >= kRing) {
    ++counters_.ticks_dropped;
    return;
  }
  ring_[head_ & (kRing - 1)] = tick;
  ++head_;
  ++counters_.ticks;
}

void BinanceMarketDataFeed::on_open(net::WsClient& client) {
  if (&client == market_.get()) {
    ++counters_.connects;
    connected_.store(true, std::memory_order_release);
    // A new connection: every book starts over (Binance: buffer, snapshot, bridge).
    for (auto& b : *books_) b.reset();
    snapshot_pending_.fill(false);
  } else {
    snapshot_pending_.fill(false);  // replies of a lost connection never come
  }
  request_snapshots();
}

void BinanceMarketDataFeed::on_close(net::WsClient& client, std::uint16_t, std::string_view) {
  if (&client == market_.get()) {
    ++counters_.disconnects;
    connected_.store(false, std::memory_order_release);
  }
}

void BinanceMarketDataFeed::on_error(net::WsClient&, net::WsClientError error,
                                     std::string_view detail) {
  ++counters_.errors;
  problem_.set({"market data", net::to_string(error), detail});
}

void BinanceMarketDataFeed::on_message(net::WsClient& client, const std::uint8_t* data,
                                       std::size_t len, bool is_text, std::uint64_t recv_tsc) {
  ++counters_.messages;
  if (!is_text || len > scratch_cap_) {
    ++counters_.malformed;
    if (len > scratch_cap_) ++counters_.too_large;
    return;
  }
  if (&client == market_.get())
    on_market_message(data, len, recv_tsc);
  else
    on_api_message(data, len);
}

void BinanceMarketDataFeed::on_market_message(const std::uint8_t* data, std::size_t len,
                                              std::uint64_t recv_tsc) noexcept {
  // simdjson reads up to kPadding bytes past the end: the frame sits inside the receive
  // buffer with no such guarantee, so it is copied (a few hundred bytes, ~20 ns).
  std::memcpy(scratch_.get(), data, len);
  MarketTick tick;
  switch (parser_.parse(scratch_.get(), len, tick)) {
    case binance::MarketDataResult::tick:
      tick.recv_tsc = recv_tsc;
      push(tick);
      break;
    case binance::MarketDataResult::depth_update: {
      ++counters_.depth_updates;
      const binance::DepthUpdate& u = parser_.last_depth();
      if (u.instrument >= kMaxInstruments) break;
      binance::DepthBookSync& book = (*books_)[u.instrument];
      if (book.on_update(u) == binance::DepthApplyResult::gap) ++counters_.depth_resyncs;
      if (book.state() != binance::DepthSyncState::synced) request_snapshots();
      break;
    }
    case binance::MarketDataResult::no_tick:
      break;
    case binance::MarketDataResult::malformed:
      ++counters_.malformed;
      break;
    case binance::MarketDataResult::unknown_symbol:
      ++counters_.unknown_symbol;
      break;
    case binance::MarketDataResult::unsupported:
      ++counters_.unsupported;
      break;
  }
}

void BinanceMarketDataFeed::on_api_message(const std::uint8_t* data, std::size_t len) noexcept {
  std::memcpy(scratch_.get(), data, len);
  // The reply's id is "d<instrument>": find it without a full parse (the snapshot parser
  // needs to know the instrument up front).
  const std::string_view text(scratch_.get(), len);
  const std::size_t at = text.find("\"id\":\"d");
  if (at == std::string_view::npos) {
    ++counters_.unsupported;
    return;
  }
  std::size_t p = at + 7;
  std::uint64_t id = 0;
  while (p < len && text[p] >= '0' && text[p] <= '9' && id < kMaxInstruments)
    id = id * 10 + static_cast<std::uint64_t>(text[p++] - '0');
  if (id >= kMaxInstruments || !symbols_.contains(static_cast<InstrumentId>(id))) {
    ++counters_.malformed;
    return;
  }
  const auto instrument = static_cast<InstrumentId>(id);
  snapshot_pending_[instrument] = false;
  const binance::MarketDataResult r =
      parser_.parse_depth_snapshot(scratch_.get(), len, instrument, *snapshot_);
  if (r != binance::MarketDataResult::tick) {
    ++counters_.malformed;
    return;
  }
  ++counters_.depth_snapshots;
  binance::DepthBookSync& book = (*books_)[instrument];
  if (book.on_snapshot(*snapshot_) == binance::DepthSyncState::needs_resync) {
    ++counters_.depth_resyncs;
    request_snapshots();
  }
}

void BinanceMarketDataFeed::request_snapshots() noexcept {
  if (!options_.depth || !api_ || !api_->is_open() || !market_->is_open()) return;
  for (InstrumentId id = 0; id < universe_.instrument_count(); ++id) {
    if (!symbols_.contains(id) || snapshot_pending_[id]) continue;
    if ((*books_)[id].state() == binance::DepthSyncState::synced) continue;
    std::uint8_t* out = api_->begin_message(binance::BinanceOrderEncoder::kMaxRequestBytes);
    if (out == nullptr) return;
    const std::size_t n =
        depth_encoder_->encode_depth_request(id, options_.depth_limit, reinterpret_cast<char*>(out),
                                             binance::BinanceOrderEncoder::kMaxRequestBytes);
    if (n == 0 || !api_->commit_text(n)) return;
    snapshot_pending_[id] = true;
    ++counters_.depth_requests;
  }
}

}  // namespace ballast::gateways
