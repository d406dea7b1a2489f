// The linear USDT perpetual the FIX-leg tests and benchmarks trade: lots of 0.001 of the
// base, ticks of 0.1, at most 10 contracts per order, maker 2 bps, taker 5 bps, 5x. Plain
// C++ (no gtest), so bench/ can use it too.
#pragma once

#include <cstdint>
#include <string>

#include "ballast/core/model.hpp"

namespace ballast::testing {

// A perpetual on `base` (interned into `u`) quoted in u.base_currency, which must be set.
inline InstrumentSpec usdt_perp(Universe& u, const std::string& symbol, const std::string& base,
                                std::int64_t funding_interval_s = 8 * 3600) {
  InstrumentSpec s;
  s.symbol = symbol;
  s.kind = InstrumentKind::perpetual;
  s.base = u.intern_asset(base);
  s.quote = u.base_currency;
  s.contract_size = Decimal{1, 0};
  s.lot_size = Decimal{1, 3};
  s.tick_size = Decimal{1, 1};
  s.max_order_qty = Decimal{10, 0};
  s.maker_fee_bps = 2.0;
  s.taker_fee_bps = 5.0;
  s.funding_interval_s = funding_interval_s;
  s.leverage = 5.0;
  s.derive();
  return s;
}

// A USDT universe holding BTCUSDT (instrument 0) alone.
inline Universe btcusdt_universe(std::int64_t funding_interval_s = 8 * 3600) {
  Universe u;
  u.base_currency = u.intern_asset("USDT");
  u.instruments.push_back(usdt_perp(u, "BTCUSDT", "BTC", funding_interval_s));
  return u;
}

}  // namespace ballast::testing
