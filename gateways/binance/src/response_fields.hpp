// One forward pass over a Binance response or user-data event, as text fields: what
// BinanceResponseParser (response_parser.cpp) turns into reports. Private to the parser's
// sources; the collectors are in response_fields.cpp.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ballast/binance/response_parser.hpp"

namespace ballast::binance {

// Everything one forward pass over a response or user-data event can hold. simdjson's
// on-demand objects are read strictly forward: no lookup rewinds over bytes it has not
// validated (the unordered lookups do, and assume what they cannot know on hostile input).
// The strings stay valid in the parser's buffer until the next message.
struct BinanceOrderFields {
  std::string_view symbol, status, client_order_id, avg_price, orig_qty, executed_qty, side,
      listen_key;
  // user-data ORDER_TRADE_UPDATE "o"
  std::string_view exec_type, last_qty, last_price, fee_asset, fee;
  std::int64_t trade_id = 0;  // "t": unique per symbol
  bool has_trade_id = false;
  bool is_object = false;
};

struct RateLimitEntry {
  std::string_view type, interval;
  std::int64_t interval_num = 0, limit = 0, count = 0;
  bool complete = false;
};

struct ResponseFields {
  std::string_view id;
  bool id_is_string = false, has_id = false;
  std::int64_t status = 0;
  bool has_status = false;
  BinanceOrderFields result;
  bool has_result = false, has_error = false, has_code = false;
  std::int64_t code = 0, retry_after_ms = 0;
  std::array<RateLimitEntry, RateLimitState::kMaxWindows> limits{};
  std::size_t limit_count = 0;
  bool has_limits = false;
  std::string_view event;  // user data "e"
  bool has_order = false;  // user data "o"
  // ACCOUNT_UPDATE "a": the reason, the balance changes and the first position's symbol.
  bool has_account = false;
  std::string_view reason;  // "m"
  struct BalanceChange {
    std::string_view asset;   // "a"
    std::string_view change;  // "bc"
  };
  std::array<BalanceChange, 4> balances{};
  std::size_t balance_count = 0;
  std::string_view position_symbol;  // P[0].s
  // An array result (account.position), into the parser's lines.
  bool result_is_array = false;
  BinancePositionLine* position_lines = nullptr;
  std::size_t position_capacity = 0;
  std::size_t position_count = 0;
  bool positions_overflow = false;
  const BinanceSymbolMap* symbols = nullptr;  // lines in other symbols are only counted
  std::uint64_t foreign_positions = 0;
};

// The fields of a WebSocket API response ({"id","status","result"|"error","rateLimits"}).
bool collect_response(simdjson::ondemand::object top, ResponseFields& f) noexcept;
// The fields of a user-data event (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE).
bool collect_user_data(simdjson::ondemand::object top, ResponseFields& f) noexcept;

}  // namespace ballast::binance
