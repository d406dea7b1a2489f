// Small universes and helpers for the venue simulator's tests: instruments built in code
// with binary-exact ticks and fees, so fee and P&L checks can compare doubles exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ballast/core/model.hpp"
#include "ballast/venue/order_book.hpp"
#include "ballast/venue/simulated_venue.hpp"

namespace ballast::venue::testing {

struct TestUniverse {
  Universe universe;
  InstrumentId perp = kNoInstrument;    // BTC-PERP: linear, 1 BTC per contract, tick 0.5
  InstrumentId future = kNoInstrument;  // BTC-FUT: dated, same increments
  InstrumentId spot = kNoInstrument;    // BTCUSDT: spot pair
  InstrumentId eth_perp = kNoInstrument;

  static constexpr std::int64_t kExpiryS = 1'800'000'000;  // 2027-01-15

  TestUniverse() {
    universe.base_currency = universe.intern_asset("USDT");
    const AssetId btc = universe.intern_asset("BTC");
    const AssetId eth = universe.intern_asset("ETH");

    InstrumentSpec p;
    p.symbol = "BTC-PERP";
    p.kind = InstrumentKind::perpetual;
    p.base = btc;
    p.quote = universe.base_currency;
    p.contract_size = Decimal{1, 0};
    p.lot_size = Decimal{1, 0};
    p.tick_size = Decimal{5, 1};  // 0.5: prices in ticks are exact in binary
    p.maker_fee_bps = 2.5;
    p.taker_fee_bps = 5.0;
    p.funding_interval_s = 8 * 3600;
    p.leverage = 5.0;
    perp = add(p);

    InstrumentSpec f = p;
    f.symbol = "BTC-FUT";
    f.kind = InstrumentKind::future;
    f.funding_interval_s = 0;
    f.expiry_unix_s = kExpiryS;
    future = add(f);

    InstrumentSpec s;
    s.symbol = "BTCUSDT";
    s.kind = InstrumentKind::spot;
    s.base = btc;
    s.quote = universe.base_currency;
    s.lot_size = Decimal{1, 3};  // 0.001 BTC
    s.tick_size = Decimal{1, 2};
    s.maker_fee_bps = 10.0;
    s.taker_fee_bps = 10.0;
    spot = add(s);
    universe.assets[btc].spot_instrument = spot;

    InstrumentSpec e = p;
    e.symbol = "ETH-PERP";
    e.base = eth;
    e.contract_size = Decimal{1, 2};  // 0.01 ETH
    e.tick_size = Decimal{1, 2};
    eth_perp = add(e);
  }

  InstrumentId add(InstrumentSpec spec) {
    spec.derive();
    universe.instruments.push_back(spec);
    return static_cast<InstrumentId>(universe.instruments.size() - 1);
  }
  InstrumentSpec& spec(InstrumentId i) { return universe.instruments[i]; }
};

// Records what a book reports, for OrderBook tests that run without a venue.
class RecordingListener : public BookListener {
 public:
  struct FillRecord {
    OrderId maker;
    OrderId taker;
    AccountId maker_account;
    AccountId taker_account;
    std::int64_t price_ticks;
    std::int64_t lots;
  };
  struct CancelRecord {
    OrderId id;
    RejectReason why;
    std::int64_t leaves;
  };
  std::vector<FillRecord> fills;
  std::vector<CancelRecord> cancels;

  void on_fill(const Fill& f) override {
    fills.push_back(FillRecord{f.maker.id, f.taker.id, f.maker.account, f.taker.account,
                               f.price_ticks, f.lots});
  }
  void on_maker_canceled(const BookOrder& o, RejectReason why) override {
    cancels.push_back(CancelRecord{o.id, why, o.leaves_lots()});
  }
  void clear() {
    fills.clear();
    cancels.clear();
  }
};

inline OrderEntry limit(AccountId account, Side side, std::int64_t lots, std::int64_t price,
                        TimeInForce tif = TimeInForce::gtc, std::uint64_t client_id = 0) {
  OrderEntry e;
  e.account = account;
  e.client_order_id = client_id;
  e.side = side;
  e.type = OrderType::limit;
  e.tif = tif;
  e.lots = lots;
  e.price_ticks = price;
  return e;
}

inline OrderEntry market(AccountId account, Side side, std::int64_t lots) {
  OrderEntry e;
  e.account = account;
  e.side = side;
  e.type = OrderType::market;
  e.tif = TimeInForce::ioc;
  e.lots = lots;
  return e;
}

inline NewOrder new_limit(AccountId account, std::uint64_t client_id, InstrumentId i, Side side,
                          std::int64_t lots, std::int64_t price, TimeInForce tif = TimeInForce::gtc,
                          bool reduce_only = false) {
  NewOrder o;
  o.account = account;
  o.client_order_id = client_id;
  o.instrument = i;
  o.side = side;
  o.type = OrderType::limit;
  o.tif = tif;
  o.lots = lots;
  o.price_ticks = price;
  o.reduce_only = reduce_only;
  return o;
}

inline NewOrder new_market(AccountId account, std::uint64_t client_id, InstrumentId i, Side side,
                           std::int64_t lots, bool reduce_only = false) {
  NewOrder o;
  o.account = account;
  o.client_order_id = client_id;
  o.instrument = i;
  o.side = side;
  o.type = OrderType::market;
  o.tif = TimeInForce::ioc;
  o.lots = lots;
  o.reduce_only = reduce_only;
  return o;
}

// The executions of one account, optionally of one type.
inline std::vector<Execution> executions_of(const SimulatedVenue& v, AccountId account) {
  std::vector<Execution> out;
  for (const Execution& e : v.executions())
    if (e.account == account) out.push_back(e);
  return out;
}

inline const Execution* last_of(const SimulatedVenue& v, AccountId account, ExecType type) {
  const Execution* found = nullptr;
  for (const Execution& e : v.executions())
    if (e.account == account && e.exec_type == type) found = &e;
  return found;
}

}  // namespace ballast::venue::testing
