// Binance USDⓈ-M WebSocket API requests (order.place, order.cancel, order.modify,
// order.status, depth, userDataStream.start) written as complete JSON text into a
// caller's buffer, SIGNED with HMAC-SHA256 over the params sorted by name. No
// allocation per request: every buffer and the keyed signer are set up at construction.
//
// Request ids: a string "<letter><number>" so a response can be matched without a table:
//   p<client_order_id> order.place    c<client_order_id> order.cancel (the order's own id)
//   m<client_order_id> order.modify   s<client_order_id> order.status
//   d<instrument id>   depth          u0 / u1           userDataStream.start / .ping
// parse_request_id() reads them back.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ballast/binance/credentials.hpp"
#include "ballast/binance/hmac_signer.hpp"
#include "ballast/binance/symbol_map.hpp"
#include "ballast/core/events.hpp"

namespace ballast::binance {

enum class BinanceTimeInForce : std::uint8_t { ioc, gtc };

enum class BinanceRequestKind : char {
  place = 'p',
  cancel = 'c',
  modify = 'm',
  status = 's',
  depth = 'd',
  user_data_stream_start = 'u',
  positions = 'a',  // account.position; value = a request sequence number
};

struct BinanceRequestId {
  BinanceRequestKind kind = BinanceRequestKind::place;
  std::uint64_t value = 0;  // client_order_id, or the instrument id for depth
};

// Longest id text: one letter and 20 digits.
inline constexpr std::size_t kMaxRequestIdLength = 21;
std::size_t write_request_id(BinanceRequestId id, char* out, std::size_t cap) noexcept;
[[nodiscard]] std::optional<BinanceRequestId> parse_request_id(std::string_view text) noexcept;

struct BinanceOrderEncoderOptions {
  std::int64_t recv_window_ms = 5000;                          // Binance's advice: 5000 or less
  BinanceTimeInForce time_in_force = BinanceTimeInForce::ioc;  // a hedge is marketable or nothing
};

class BinanceOrderEncoder {
 public:
  // A request never needs more than this (the longest, order.place, is ~420 bytes).
  static constexpr std::size_t kMaxRequestBytes = 1024;

  // `symbols` must outlive the encoder; the credentials are copied into the signer's
  // keyed state (the secret itself is not kept).
  BinanceOrderEncoder(const BinanceSymbolMap& symbols, const ApiCredentials& credentials,
                      BinanceOrderEncoderOptions options = {});

  // Each returns the request's length in `out`, or 0 when it does not fit in `cap`, the
  // instrument is not mapped, or a quantity or price is not positive / overflows.
  // `timestamp_ms` is the Unix time in ms (Binance rejects it outside recvWindow: -1021).
  //
  // order.place: LIMIT, side, timeInForce per options, quantity = lots x lot size and
  // price = limit_ticks x tick size as exact decimals, newClientOrderId = client_order_id,
  // newOrderRespType RESULT (the reply carries the IOC's outcome), reduceOnly when asked.
  std::size_t encode_place(const OrderRequest& order, std::int64_t timestamp_ms, char* out,
                           std::size_t cap, bool reduce_only = false) noexcept;
  // order.cancel by origClientOrderId.
  std::size_t encode_cancel(std::uint64_t client_order_id, InstrumentId instrument,
                            std::int64_t timestamp_ms, char* out, std::size_t cap) noexcept;
  // order.modify: the order `order.client_order_id` gets order.lots and order.limit_ticks
  // (Binance keeps its client id; side must be the order's own).
  std::size_t encode_modify(const OrderRequest& order, std::int64_t timestamp_ms, char* out,
                            std::size_t cap) noexcept;
  // order.status by origClientOrderId (after a reconnect: where does the order stand?).
  std::size_t encode_status(std::uint64_t client_order_id, InstrumentId instrument,
                            std::int64_t timestamp_ms, char* out, std::size_t cap) noexcept;
  // account.position, signed: every position the account holds (reconciliation).
  std::size_t encode_positions(std::uint64_t sequence, std::int64_t timestamp_ms, char* out,
                               std::size_t cap) noexcept;
  // depth (a snapshot for DepthBookSync), NONE security: not signed. limit: 5, 10, 20,
  // 50, 100, 500 or 1000.
  std::size_t encode_depth_request(InstrumentId instrument, int limit, char* out,
                                   std::size_t cap) noexcept;
  // userDataStream.start (USER_STREAM security: apiKey, no signature).
  std::size_t encode_user_data_stream_start(char* out, std::size_t cap) noexcept;
  // userDataStream.ping: keeps the listen key alive (Binance expires it after 60 minutes
  // without one). Id "u1"; its reply carries the listen key like the start's.
  std::size_t encode_user_data_stream_ping(char* out, std::size_t cap) noexcept;

  // What the last signed request's signature covered ("apiKey=...&newClientOrderId=..."),
  // valid until the next encode; for tests and debugging a -1022.
  [[nodiscard]] std::string_view last_signature_payload() const noexcept {
    return {payload_.data(), payload_length_};
  }

 private:
  struct Param {
    std::string_view key;
    std::string_view value;
    bool quoted = true;  // JSON string (STRING, ENUM, DECIMAL) or number (INT, LONG)
  };
  static constexpr std::size_t kMaxParams = 16;

  void begin() noexcept;
  void add(std::string_view key, std::string_view value, bool quoted = true) noexcept;
  // Formats into the value arena; an empty view when it did not fit.
  std::string_view add_int(std::string_view key, std::int64_t value) noexcept;
  std::string_view add_uint_string(std::string_view key, std::uint64_t value) noexcept;
  bool add_decimal(std::string_view key, std::int64_t steps, const Decimal& step) noexcept;
  std::size_t finish(std::string_view method, BinanceRequestId id, bool signed_request, char* out,
                     std::size_t cap) noexcept;

  const BinanceSymbolMap& symbols_;
  std::string api_key_;
  HmacSha256Signer signer_;
  BinanceOrderEncoderOptions options_;
  std::array<Param, kMaxParams> params_{};
  std::size_t param_count_ = 0;
  bool overflow_ = false;
  std::array<char, 256> values_{};  // formatted numbers the params point into
  std::size_t values_used_ = 0;
  std::array<char, kMaxRequestBytes> payload_{};
  std::size_t payload_length_ = 0;
};

}  // namespace ballast::binance
