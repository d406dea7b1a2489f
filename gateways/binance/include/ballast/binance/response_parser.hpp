// Binance USDⓈ-M WebSocket API responses and user-data events turned into ExecReports,
// plus the venue's own rate-limit counters (the rateLimits array of every response) as a
// RateLimitState the order throttle consults before sending.
//
// Responses are matched by their id (order_encoder.hpp's scheme: "p42" is order.place of
// client order 42). Fills are reported from both sources Binance has: the order.place
// reply (newOrderRespType RESULT: executedQty and avgPrice of what the IOC did) and the
// user-data stream's ORDER_TRADE_UPDATE (each trade with price and commission). They
// describe the same fills: a gateway applies one source per order, never both
// (docs/binance-dialect.md, "Fills").
//
// reject_code (the FIX gateway's layout, with Binance's error code in the low 13 bits):
//   kBinanceRejectOrder  | abs(code)  order.place refused: ExecKind::rejected
//   kBinanceRejectCancel | abs(code)  order.cancel / order.modify refused: ExecKind::ack on
//                                     the order's id (the order is unchanged)
// abs(code) of 0x1FFF means the venue gave no code (or one beyond 8190).
#pragma once

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ballast/binance/order_encoder.hpp"
#include "ballast/binance/symbol_map.hpp"
#include "ballast/core/events.hpp"

namespace ballast::binance {

inline constexpr std::uint16_t kBinanceRejectOrder = 0x4000;
inline constexpr std::uint16_t kBinanceRejectCancel = 0x8000;
inline constexpr std::uint16_t kBinanceErrorCodeMask = 0x1FFF;

// Binance error codes the engine and gateway act on (the venue sends them negative).
inline constexpr int kBinanceErrorTooManyRequests = -1003;  // request weight: back off
inline constexpr int kBinanceErrorTooManyOrders = -1015;    // order rate: back off
inline constexpr int kBinanceErrorTimestamp = -1021;  // timestamp outside recvWindow: resync clock
inline constexpr int kBinanceErrorSignature = -1022;  // bad signature: credentials wrong
inline constexpr int kBinanceErrorNewOrderRejected = -2010;
inline constexpr int kBinanceErrorCancelRejected = -2011;
inline constexpr int kBinanceErrorNoSuchOrder = -2013;

// The reject_code for `flag` and Binance's `code` (negative or not).
[[nodiscard]] std::uint16_t binance_reject_code(std::uint16_t flag, std::int64_t code) noexcept;
// Binance's (negative) error code carried by a reject_code; 0 when none was given.
[[nodiscard]] int binance_error_code(std::uint16_t reject_code) noexcept;

enum class RateLimitType : std::uint8_t { request_weight, orders, raw_requests };

struct RateLimitWindow {
  RateLimitType type = RateLimitType::orders;
  std::int64_t interval_ms = 0;  // interval x intervalNum (SECOND/MINUTE/DAY)
  std::int64_t limit = 0;
  std::int64_t count = 0;  // used in the window starting at window_start_ms
  std::int64_t window_start_ms = 0;
};

// The venue's counters as last reported, advanced by what we sent since. Binance's windows
// are aligned to their interval (a MINUTE window restarts at every whole minute, UTC), so
// a count from an earlier window no longer applies. Times are Unix ms. Fixed size.
class RateLimitState {
 public:
  static constexpr std::size_t kMaxWindows = 8;

  void update(RateLimitType type, std::int64_t interval_ms, std::int64_t limit, std::int64_t count,
              std::int64_t now_ms) noexcept;
  // Something of `type` went out (an order counts against ORDERS): counted in every
  // window of that type until the next response reports the venue's own count.
  void on_sent(RateLimitType type, std::int64_t now_ms, std::int64_t cost = 1) noexcept;
  // What still fits in the tightest window of `type` at now_ms; INT64_MAX when none is known.
  [[nodiscard]] std::int64_t remaining(RateLimitType type, std::int64_t now_ms) const noexcept;
  // True while backing off, or when `cost` more would exceed a window of `type`.
  [[nodiscard]] bool would_exceed(RateLimitType type, std::int64_t now_ms,
                                  std::int64_t cost = 1) const noexcept;
  // After a 429/418: nothing may be sent before until_ms (only ever moves later).
  void back_off_until(std::int64_t until_ms) noexcept;
  [[nodiscard]] bool backing_off(std::int64_t now_ms) const noexcept {
    return now_ms < backoff_until_ms_;
  }
  [[nodiscard]] std::int64_t backoff_until_ms() const noexcept { return backoff_until_ms_; }
  [[nodiscard]] std::size_t window_count() const noexcept { return count_; }
  [[nodiscard]] const RateLimitWindow& window(std::size_t i) const noexcept { return windows_[i]; }

 private:
  std::array<RateLimitWindow, kMaxWindows> windows_{};
  std::size_t count_ = 0;
  std::int64_t backoff_until_ms_ = 0;
};

struct BinanceOrderFields;  // response_parser.cpp: one pass's view of an order object
struct ResponseFields;      // response_parser.cpp: one pass's view of a message

enum class ResponseResult : std::uint8_t {
  reports,          // `count` ExecReports written
  no_report,        // understood, nothing for the engine (depth, listen key, a foreign order,
                    // a status query that failed for a reason other than "no such order")
  malformed,        // not a response we can read, or quantities not in whole lots
  unknown_request,  // an id outside our scheme
  unsupported,      // an event or order status we do not handle
  positions,        // an account.position answer: position_reports() (lines, then the end)
};

struct ResponseParserOptions {
  // Back-off after a 429/418 that does not say until when.
  std::int64_t default_backoff_ms = 10'000;
};

struct ResponseCounters {
  std::uint64_t responses = 0;
  std::uint64_t user_data_events = 0;
  std::uint64_t reports = 0;
  std::uint64_t errors = 0;        // status != 200
  std::uint64_t rate_limited = 0;  // 429 / 418 / -1003 / -1015: back-off set
  std::uint64_t malformed = 0;
  std::uint64_t not_whole_lots = 0;  // part of malformed: a quantity off the lot grid
  std::uint64_t unknown_request = 0;
  std::uint64_t unsupported = 0;
  std::uint64_t foreign_orders = 0;     // user-data events for client ids not ours
  std::uint64_t off_tick_prices = 0;    // fill prices rounded to the nearest tick
  std::uint64_t fee_other_asset = 0;    // commission / funding not in the quote asset: left 0
  std::uint64_t funding_events = 0;     // ACCOUNT_UPDATE FUNDING_FEE -> ExecKind::funding
  std::uint64_t position_answers = 0;   // account.position results -> position lines + end
  std::uint64_t foreign_positions = 0;  // positions in symbols outside the universe
};

// One entry of an account.position result, as text (valid during parse_response).
struct BinancePositionLine {
  std::string_view symbol;
  std::string_view amount;  // positionAmt: signed, in contracts
  std::string_view entry;   // entryPrice
};

class BinanceResponseParser {
 public:
  static constexpr std::size_t kPadding = simdjson::SIMDJSON_PADDING;
  static constexpr std::size_t kMaxMessageBytes = 64 * 1024;
  // An IOC reply can be a partial fill and its expiry: two reports. (An account.position
  // answer goes to position_reports() instead: a line per instrument and its end.)
  static constexpr std::size_t kMaxReportsPerMessage = 2;

  // `symbols` must outlive the parser. Allocates the simdjson buffers once.
  explicit BinanceResponseParser(const BinanceSymbolMap& symbols,
                                 ResponseParserOptions options = {});

  // A WebSocket API response ({"id","status","result"|"error","rateLimits"}). `data` must
  // have kPadding readable bytes past `length`; `out` room for kMaxReportsPerMessage.
  // now_ms (Unix ms) places the rateLimits counts in their windows.
  ResponseResult parse_response(const char* data, std::size_t length, std::int64_t now_ms,
                                ExecReport* out, std::size_t& count) noexcept;
  // A user-data stream event; ORDER_TRADE_UPDATE becomes one report, and so does an
  // ACCOUNT_UPDATE for FUNDING_FEE (ExecKind::funding; instrument only when Binance names
  // the position, i.e. an isolated one).
  ResponseResult parse_user_data(const char* data, std::size_t length, ExecReport* out,
                                 std::size_t& count) noexcept;

  [[nodiscard]] RateLimitState& rate_limits() noexcept { return rate_limits_; }
  [[nodiscard]] const RateLimitState& rate_limits() const noexcept { return rate_limits_; }
  // The last response's id and Binance error code (0 when it succeeded).
  [[nodiscard]] BinanceRequestId last_request() const noexcept { return last_request_; }
  [[nodiscard]] int last_error_code() const noexcept { return last_error_code_; }
  // From the last userDataStream.start reply.
  [[nodiscard]] std::string_view listen_key() const noexcept {
    return {listen_key_.data(), listen_key_length_};
  }
  [[nodiscard]] const ResponseCounters& counters() const noexcept { return counters_; }
  // The last account.position answer (ResponseResult::positions), venue unset.
  [[nodiscard]] const ExecReport* position_reports() const noexcept {
    return position_reports_.data();
  }
  [[nodiscard]] std::size_t position_report_count() const noexcept {
    return position_report_count_;
  }

 private:
  ResponseResult order_result(const BinanceOrderFields& order, ExecReport* out,
                              std::size_t& count) noexcept;
  ResponseResult error_result(std::int64_t code, std::int64_t status, std::int64_t retry_after_ms,
                              std::optional<BinanceRequestId> request, std::int64_t now_ms,
                              ExecReport* out, std::size_t& count) noexcept;
  void apply_rate_limit(std::string_view type, std::string_view interval, std::int64_t interval_num,
                        std::int64_t limit, std::int64_t used, std::int64_t now_ms) noexcept;
  ResponseResult funding_result(const ResponseFields& f, ExecReport* out,
                                std::size_t& count) noexcept;
  ResponseResult positions_result(const ResponseFields& f, std::uint64_t request_id) noexcept;
  ResponseResult finish(ResponseResult r) noexcept;

  const BinanceSymbolMap& symbols_;
  ResponseParserOptions options_;
  simdjson::ondemand::parser parser_;
  RateLimitState rate_limits_;
  BinanceRequestId last_request_{};
  int last_error_code_ = 0;
  std::array<char, 96> listen_key_{};
  std::size_t listen_key_length_ = 0;
  // account.position's lines: a member, so the per-message fields stay small.
  std::array<BinancePositionLine, kMaxInstruments> position_lines_{};
  std::array<ExecReport, kMaxInstruments + 1> position_reports_{};
  std::size_t position_report_count_ = 0;
  ResponseCounters counters_{};
};

}  // namespace ballast::binance
