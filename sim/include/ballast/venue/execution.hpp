// What the simulated venue tells its clients: execution reports (one per order event,
// shaped like a FIX 4.4 ExecutionReport) and cash events (funding payments and expiry
// settlements). The protocol layers translate these; to_exec_report gives the engine's
// own ExecReport for in-process use.
#pragma once

#include <cstdint>

#include "ballast/core/events.hpp"
#include "ballast/venue/order_types.hpp"

namespace ballast::venue {

// FIX ExecType, less the statuses the simulator never produces.
enum class ExecType : std::uint8_t {
  new_order,        // accepted (FIX 0); always before the order's first fill
  partial_fill,     // FIX F with leaves > 0
  fill,             // FIX F with leaves = 0
  canceled,         // FIX 4: by request, IOC/FOK/market remainder, self-trade, reduce-only
  replaced,         // FIX 5
  restated,         // FIX D: the venue shrank a reduce-only order to the position
  rejected,         // FIX 8: a new order refused (reason says why)
  expired,          // FIX C: open orders of a dated future at its expiry
  cancel_rejected,  // OrderCancelReject: cancel or replace refused (reason says why)
};

[[nodiscard]] const char* to_string(ExecType t) noexcept;

struct Execution {
  std::int64_t sim_ns = 0;
  std::uint64_t client_order_id = 0;       // cancel/replace: the request's new ClOrdID
  std::uint64_t orig_client_order_id = 0;  // cancel/replace: the order's previous ClOrdID
  OrderId order_id = kNoOrder;
  std::int64_t price_ticks = 0;  // the order's limit (0 for market)
  std::int64_t order_lots = 0;
  std::int64_t last_lots = 0;
  std::int64_t last_price_ticks = 0;
  std::int64_t cum_lots = 0;
  std::int64_t leaves_lots = 0;
  double avg_price_ticks = 0.0;
  double fee = 0.0;  // quote currency, this fill only; negative = rebate
  AccountId account = kNoAccount;
  InstrumentId instrument = kNoInstrument;
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;
  ExecType exec_type = ExecType::new_order;
  RejectReason reason = RejectReason::none;
  bool reduce_only = false;
  bool maker = false;  // fills: this side was resting

  [[nodiscard]] ExecReport to_exec_report() const noexcept;
};

enum class CashEventKind : std::uint8_t { funding, settlement };

struct CashEvent {
  std::int64_t sim_ns = 0;
  std::int64_t lots = 0;  // the position it applied to (signed)
  double price = 0.0;     // mark (funding) or settlement price (expiry)
  double rate = 0.0;      // funding rate for the interval; 0 for settlements
  double amount = 0.0;    // change to the account's cash: negative = paid
  AccountId account = kNoAccount;
  InstrumentId instrument = kNoInstrument;
  CashEventKind kind = CashEventKind::funding;
};

}  // namespace ballast::venue
