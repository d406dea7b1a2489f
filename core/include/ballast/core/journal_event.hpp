// What the engine tells its journal: each event that changes what it holds or owes (an
// order sent, a venue's report, an operator's command), by value, from the engine thread.
// Core defines the event and the tap it goes through; ballast::journal puts it on disk.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ballast/core/control.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/ids.hpp"
#include "ballast/core/vocabulary.hpp"

namespace ballast {

enum class JournalEventKind : std::uint8_t { order_sent = 1, report = 2, control = 3 };

// Only what recovery and an operator reading the journal need: no latency stamps, so a
// push copies 96 bytes, not the 200 of an OrderRequest and an ExecReport together.
struct JournalEvent {
  std::int64_t wall_ns = 0;           // realtime ns when the engine saw it
  std::uint64_t client_order_id = 0;  // order_sent, report
  std::uint64_t request_id = 0;       // order_sent: a cancel's own id; report: exec id
  std::int64_t lots = 0;              // order_sent: lots; report: last_lots
  std::int64_t price_ticks = 0;       // order_sent: limit; report: last price
  std::int64_t cum_lots = 0;          // report
  std::int64_t leaves_lots = 0;       // report
  double amount = 0.0;  // report: fee (funding: paid; position: entry price); control: weight
  double band = 0.0;    // control: set_target's band
  InstrumentId instrument = kNoInstrument;
  AssetId asset = kNoAsset;       // control: set_target
  std::uint16_t reject_code = 0;  // report
  VenueId venue = 0;              // report: session_down / session_up
  JournalEventKind kind = JournalEventKind::order_sent;
  Side side = Side::buy;
  RequestKind request = RequestKind::new_order;  // order_sent
  OrderReason reason = OrderReason::rebalance;   // order_sent
  ExecKind exec = ExecKind::ack;                 // report
  OrderStatus status = OrderStatus::none;        // report: ExecKind::status
  ControlOp op = ControlOp::pause;               // control
  ControlResult result = ControlResult::ok;      // control
  bool has_band = false;                         // control: set_target

  [[nodiscard]] static JournalEvent order_sent(const OrderRequest& r,
                                               std::int64_t wall_ns) noexcept {
    JournalEvent e;
    e.kind = JournalEventKind::order_sent;
    e.wall_ns = wall_ns;
    e.client_order_id = r.client_order_id;
    e.request_id = r.request_id;
    e.lots = r.lots;
    e.price_ticks = r.limit_ticks;
    e.instrument = r.instrument;
    e.side = r.side;
    e.request = r.kind;
    e.reason = r.reason;
    return e;
  }
  [[nodiscard]] static JournalEvent report_of(const ExecReport& r, std::int64_t wall_ns) noexcept {
    JournalEvent e;
    e.kind = JournalEventKind::report;
    e.wall_ns = wall_ns;
    e.client_order_id = r.client_order_id;
    e.request_id = r.exec_id;
    e.lots = r.last_lots;
    e.price_ticks = r.last_price_ticks;
    e.cum_lots = r.cum_lots;
    e.leaves_lots = r.leaves_lots;
    e.amount = r.kind == ExecKind::position ? r.entry_price : r.fee;
    e.instrument = r.instrument;
    e.side = r.side;
    e.exec = r.kind;
    e.status = r.status;
    e.reject_code = r.reject_code;
    e.venue = r.venue;
    return e;
  }
  // The report a `report` event was made from (report_of's inverse; no latency stamps).
  [[nodiscard]] ExecReport to_report() const noexcept {
    ExecReport r;
    r.client_order_id = client_order_id;
    r.exec_id = request_id;
    r.last_lots = lots;
    r.cum_lots = cum_lots;
    r.leaves_lots = leaves_lots;
    r.last_price_ticks = price_ticks;
    (exec == ExecKind::position ? r.entry_price : r.fee) = amount;
    r.instrument = instrument;
    r.side = side;
    r.kind = exec;
    r.reject_code = reject_code;
    r.status = status;
    r.venue = venue;
    return r;
  }
  [[nodiscard]] static JournalEvent control_of(const ControlCommand& c, ControlResult result,
                                               std::int64_t wall_ns) noexcept {
    JournalEvent e;
    e.kind = JournalEventKind::control;
    e.wall_ns = wall_ns;
    e.op = c.op;
    e.result = result;
    e.asset = c.asset;
    e.amount = c.weight;
    e.band = c.band;
    e.has_band = c.has_band;
    return e;
  }
};
static_assert(std::is_trivially_copyable_v<JournalEvent>, "events cross to the writer by value");
static_assert(sizeof(JournalEvent) <= 96, "a journal push copies at most a cache line and a half");

// Where the engine hands its events. append() must not block: false means the journal
// could not take the event (its ring is full), and the engine stops trading, because a
// journal with a hole cannot be recovered from.
class JournalTap {
 public:
  virtual bool append(const JournalEvent& event) noexcept = 0;

 protected:
  ~JournalTap() = default;
};

}  // namespace ballast
