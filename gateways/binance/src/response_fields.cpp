#include "response_fields.hpp"

#include <string_view>

#include "ballast/binance/wire_numbers.hpp"

namespace ballast::binance {

namespace od = simdjson::ondemand;

namespace {

bool string_of(od::value& v, std::string_view& out) noexcept {
  od::json_type type;
  if (v.type().get(type)) return false;
  if (type != od::json_type::string)
    return true;  // not ours to read; required ones are checked later
  return !v.get_string().get(out);
}

bool int_of(od::value& v, std::int64_t& out, bool& present) noexcept {
  od::json_type type;
  if (v.type().get(type)) return false;
  if (type != od::json_type::number) return true;
  if (v.get_int64().get(out)) return false;
  present = true;
  return true;
}

// Each field of `object` in order, as its key and value, to `visit` (false: stop, the
// message is refused). False when the JSON is bad or `visit` refused.
template <class Visit>
bool each_field(od::object& object, Visit&& visit) noexcept {
  for (auto entry : object) {
    od::field field;
    if (std::move(entry).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    od::value value = field.value();
    if (!visit(key, value)) return false;
  }
  return true;
}

// The order object of a result (order.*), userDataStream.start's result, or user data "o".
bool collect_order(od::value& v, BinanceOrderFields& o, bool user_data) noexcept {
  od::json_type type;
  if (v.type().get(type)) return false;
  if (type != od::json_type::object) return true;
  od::object object;
  if (v.get_object().get(object)) return false;
  o.is_object = true;
  const bool walked = each_field(object, [&](std::string_view key, od::value& value) {
    std::string_view* target = nullptr;
    if (user_data) {
      if (key.size() == 1) {
        switch (key[0]) {
          case 's':
            target = &o.symbol;
            break;
          case 'c':
            target = &o.client_order_id;
            break;
          case 'S':
            target = &o.side;
            break;
          case 'q':
            target = &o.orig_qty;
            break;
          case 'x':
            target = &o.exec_type;
            break;
          case 'X':
            target = &o.status;
            break;
          case 'l':
            target = &o.last_qty;
            break;
          case 'z':
            target = &o.executed_qty;
            break;
          case 'L':
            target = &o.last_price;
            break;
          case 't':
            if (!int_of(value, o.trade_id, o.has_trade_id)) return false;
            break;
          case 'N':
            target = &o.fee_asset;
            break;
          case 'n':
            target = &o.fee;
            break;
          default:
            break;
        }
      }
    } else if (key == "symbol") {
      target = &o.symbol;
    } else if (key == "status") {
      target = &o.status;
    } else if (key == "clientOrderId") {
      target = &o.client_order_id;
    } else if (key == "avgPrice") {
      target = &o.avg_price;
    } else if (key == "origQty") {
      target = &o.orig_qty;
    } else if (key == "executedQty") {
      target = &o.executed_qty;
    } else if (key == "side") {
      target = &o.side;
    } else if (key == "listenKey") {
      target = &o.listen_key;
    }
    if (target != nullptr && !string_of(value, *target)) return false;
    return true;
  });
  return walked;
}

bool collect_error(od::value& v, ResponseFields& f) noexcept {
  od::object object;
  if (v.get_object().get(object)) return false;
  f.has_error = true;
  const bool walked = each_field(object, [&](std::string_view key, od::value& value) {
    if (key == "code") {
      if (!int_of(value, f.code, f.has_code)) return false;
    } else if (key == "data") {
      od::json_type type;
      if (value.type().get(type)) return false;
      if (type != od::json_type::object) return true;
      od::object data;
      if (value.get_object().get(data)) return false;
      return each_field(data, [&](std::string_view data_key, od::value& retry) {
        bool present = false;
        return data_key != "retryAfter" || int_of(retry, f.retry_after_ms, present);
      });
    }
    return true;
  });
  return walked;
}

bool collect_limits(od::value& v, ResponseFields& f) noexcept {
  od::array array;
  if (v.get_array().get(array)) return false;
  f.has_limits = true;
  for (auto element : array) {
    od::object object;
    if (element.get_object().get(object)) return false;
    RateLimitEntry e;
    bool has_num = false, has_limit = false, has_count = false;
    const bool walked = each_field(object, [&](std::string_view key, od::value& value) {
      bool ok = true;
      if (key == "rateLimitType")
        ok = string_of(value, e.type);
      else if (key == "interval")
        ok = string_of(value, e.interval);
      else if (key == "intervalNum")
        ok = int_of(value, e.interval_num, has_num);
      else if (key == "limit")
        ok = int_of(value, e.limit, has_limit);
      else if (key == "count")
        ok = int_of(value, e.count, has_count);
      return ok;
    });
    if (!walked) return false;
    e.complete = has_num && has_limit && has_count && !e.type.empty() && !e.interval.empty();
    if (e.complete && f.limit_count < f.limits.size()) f.limits[f.limit_count++] = e;
  }
  return true;
}

// account.position's result: [{"symbol","positionAmt","entryPrice",...}...]. Lines whose
// amount reads as zero are skipped (Binance lists every symbol in some versions).
bool collect_positions(od::value& v, ResponseFields& f) noexcept {
  od::array array;
  if (v.get_array().get(array)) return false;
  f.result_is_array = true;
  for (auto element : array) {
    od::object object;
    if (element.get_object().get(object)) return false;
    BinancePositionLine line;
    const bool walked = each_field(object, [&](std::string_view key, od::value& value) {
      std::string_view* target = key == "symbol"        ? &line.symbol
                                 : key == "positionAmt" ? &line.amount
                                 : key == "entryPrice"  ? &line.entry
                                                        : nullptr;
      return target == nullptr || string_of(value, *target);
    });
    if (!walked) return false;
    if (line.symbol.empty() || line.amount.empty()) return false;
    const auto amount = parse_wire_double(line.amount);
    if (!amount) return false;
    if (*amount == 0.0) continue;
    // Not ours to trade: counted, not held (a big account must not crowd out our lines).
    if (f.symbols != nullptr && f.symbols->find(line.symbol) == kNoInstrument) {
      ++f.foreign_positions;
      continue;
    }
    if (f.position_count == f.position_capacity) {
      f.positions_overflow = true;
      continue;
    }
    f.position_lines[f.position_count++] = line;
  }
  return true;
}

// ACCOUNT_UPDATE's "a": {"m": reason, "B": [{"a","wb","cw","bc"}...], "P": [{"s",...}...]}.
bool collect_account_update(od::value& v, ResponseFields& f) noexcept {
  od::object object;
  if (v.get_object().get(object)) return false;
  f.has_account = true;
  const bool walked = each_field(object, [&](std::string_view key, od::value& value) {
    if (key == "m") {
      if (!string_of(value, f.reason)) return false;
    } else if (key == "B" || key == "P") {
      od::array items;
      if (value.get_array().get(items)) return false;
      for (auto item : items) {
        od::object o;
        if (item.get_object().get(o)) return false;
        ResponseFields::BalanceChange b;
        std::string_view symbol;
        const bool item_read = each_field(o, [&](std::string_view k, od::value& ev) {
          if (key == "B" && k == "a") {
            if (!string_of(ev, b.asset)) return false;
          } else if (key == "B" && k == "bc") {
            if (!string_of(ev, b.change)) return false;
          } else if (key == "P" && k == "s") {
            if (!string_of(ev, symbol)) return false;
          }
          return true;
        });
        if (!item_read) return false;
        if (key == "B" && f.balance_count < f.balances.size()) f.balances[f.balance_count++] = b;
        if (key == "P" && f.position_symbol.empty()) f.position_symbol = symbol;
      }
    }
    return true;
  });
  return walked;
}
}  // namespace

bool collect_response(od::object top, ResponseFields& f) noexcept {
  const bool walked = each_field(top, [&](std::string_view key, od::value& value) {
    if (key == "id") {
      f.has_id = true;
      od::json_type type;
      if (value.type().get(type)) return false;
      if (type == od::json_type::string) {
        if (value.get_string().get(f.id)) return false;
        f.id_is_string = true;
      }
    } else if (key == "status") {
      if (!int_of(value, f.status, f.has_status)) return false;
    } else if (key == "result") {
      f.has_result = true;
      od::json_type type;
      if (value.type().get(type)) return false;
      if (type == od::json_type::array) {
        if (!collect_positions(value, f)) return false;
      } else if (!collect_order(value, f.result, false)) {
        return false;
      }
    } else if (key == "error") {
      od::json_type type;
      if (value.type().get(type)) return false;
      if (type == od::json_type::object && !collect_error(value, f)) return false;
    } else if (key == "rateLimits") {
      od::json_type type;
      if (value.type().get(type)) return false;
      if (type == od::json_type::array && !collect_limits(value, f)) return false;
    }
    return true;
  });
  return walked;
}

bool collect_user_data(od::object top, ResponseFields& f) noexcept {
  const bool walked = each_field(top, [&](std::string_view key, od::value& value) {
    if (key == "e") {
      if (!string_of(value, f.event)) return false;
    } else if (key == "o") {
      f.has_order = true;
      if (!collect_order(value, f.result, true)) return false;
    } else if (key == "a") {
      if (!collect_account_update(value, f)) return false;
    }
    return true;
  });
  return walked;
}

}  // namespace ballast::binance
