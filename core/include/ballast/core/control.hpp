// The engine's side of the operator control channel: commands the control thread sends
// the engine thread over an SPSC link, the engine's replies, and the state snapshot the
// engine publishes through a seqlock. Everything here is trivially copyable and fixed
// size, so neither direction allocates or locks. The engine drains commands between
// batches of at most EngineAgent::kBatch ticks, whatever the load (never between a tick
// and its orders), so a kill lands within one batch; a command past its deadline is
// refused, never applied late.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <type_traits>

#include "ballast/core/config.hpp"
#include "ballast/core/ids.hpp"
#include "ballast/core/model.hpp"
#include "ballast/core/seqlock.hpp"
#include "ballast/core/spsc_link.hpp"
#include "ballast/core/vocabulary.hpp"

namespace ballast {

// The engine's trading mode as the operator sees it. The risk layer maps it onto its
// own state (risk::TradingState): active trades freely, reducing lets out only orders
// that shrink a futures position, halted (the kill switch) lets nothing new out.

enum class ControlOp : std::uint8_t {
  pause,         // no new rebalance orders; status queries and fills still flow
  resume,        // clears pause, flatten and halt: back to ACTIVE
  kill,          // cancel every open order, HALTED
  reduce_only,   // REDUCING
  flatten,       // REDUCING, then close every futures position in risk-checked slices
  set_target,    // one asset's weight (and band when has_band)
  apply_reload,  // targets, policy and risk limits from a re-read config
};
[[nodiscard]] const char* to_string(ControlOp op) noexcept;

struct ControlCommand {
  std::uint64_t seq = 0;  // echoed in the reply
  // CLOCK_MONOTONIC ns after which the engine refuses the command (expired) instead of
  // applying it: the control thread has told the client by then. 0 = no deadline.
  std::int64_t deadline_ns = 0;
  ControlOp op = ControlOp::pause;
  // set_target
  AssetId asset = kNoAsset;
  bool has_band = false;
  double weight = 0.0;
  double band = 0.0;
  // apply_reload: the whole live-changeable part of the config
  TargetTable targets{};
  PolicyConfig policy{};
  RiskLimits limits{};
};
static_assert(std::is_trivially_copyable_v<ControlCommand>, "commands cross threads by value");

// Why the engine refused a command; ok when it applied it.
enum class ControlResult : std::uint8_t {
  ok,
  halted,              // flatten / reduce-only while HALTED: resume first
  unknown_asset,       // set_target: no such asset
  base_currency,       // set_target: the base currency is the remainder, not a target
  bad_weight,          // set_target: weight not in [0, 1]
  bad_band,            // set_target: band not in (0, 1)
  weights_exceed_one,  // set_target / apply_reload: target weights would sum above 1
  nothing_to_flatten,  // flatten: no futures position open
  expired,             // reached the engine after its deadline: not applied
};
[[nodiscard]] const char* to_string(ControlResult r) noexcept;  // words for the reply

struct ControlReply {
  std::uint64_t seq = 0;
  ControlResult result = ControlResult::ok;
  TradingState mode = TradingState::active;  // after the command
  bool paused = false;
  bool flattening = false;
  std::uint16_t orders_cancelled = 0;  // kill: cancel requests sent
  double weight_sum = 0.0;             // set_target / apply_reload: configured weights after
};
static_assert(std::is_trivially_copyable_v<ControlReply>, "replies cross threads by value");

// Alerts the engine raises, kept in a small ring inside the snapshot; the control
// thread streams the ones it has not sent yet (by seq).
enum class AlertKind : std::uint8_t {
  risk_denied,           // detail = risk check (risk::RiskCheck as a number), value/limit
  venue_reject,          // an order rejected by the venue; detail = reject code (low byte)
  session_down,          // venue = detail
  session_up,            // venue = detail
  mode_changed,          // detail = new TradingState
  halted_on_loss,        // [risk] on_session_loss = "halt" fired
  flatten_done,          // every futures position closed
  paused,                // pause / resume: detail 1 = paused, 0 = resumed
  nav_nonpositive,       // NAV <= 0: halted; value = NAV
  breaker_halted,        // [risk] max_consecutive_rejects reached: HALTED; value = rejects
  price_held,            // a tick jumped beyond [risk] max_price_jump; value = jump, limit
  journal_failed,        // the journal refused an event (full or failed): HALTED for good
  position_mismatch,     // a venue's position differs from ours; detail = venue, value =
                         // the venue's lots (adopted), limit = ours
  positions_unanswered,  // a venue did not answer a positions request in [recovery]
                         // timeout_s; detail = venue (it stays untradable)
};

// Where the engine stands with a venue's positions (PositionReconciler): asking after a
// logon or a periodic check, unanswered past [recovery] timeout_s, or in sync. Only an in
// sync venue is traded on.
enum class VenueSync : std::uint8_t { in_sync, asking, unanswered };
[[nodiscard]] constexpr const char* to_string(VenueSync s) noexcept {
  return s == VenueSync::in_sync ? "in_sync" : s == VenueSync::asking ? "asking" : "unanswered";
}
[[nodiscard]] const char* to_string(AlertKind k) noexcept;

struct AlertRecord {
  std::uint64_t seq = 0;  // 1, 2, ... over the engine's life
  std::int64_t monotonic_ns = 0;
  double value = 0.0;
  double limit = 0.0;
  InstrumentId instrument = kNoInstrument;
  AlertKind kind = AlertKind::risk_denied;
  std::uint16_t detail = 0;
};

// Why the gate last denied an order, in core's terms (the risk layer fills it).
struct GateDenial {
  RiskCheck check = RiskCheck::none;
  double value = 0.0;
  double limit = 0.0;
  InstrumentId instrument = kNoInstrument;
};

// The account's risk as the gate sees it now (open orders counted as filled).
struct RiskSummary {
  bool valid = false;  // false until the engine is ready (every price known)
  double nav = 0.0;
  double gross_notional = 0.0;
  double leverage = 0.0;
  double margin_utilization = 0.0;
  double worst_liquidation_distance = 0.0;  // fraction of mark; +inf encoded as 1e300
  InstrumentId worst_instrument = kNoInstrument;
};

struct AssetSnapshot {
  bool configured = false;  // has a target
  double exposure = 0.0;    // value in the base currency, spot plus futures delta
  double weight = 0.0;
  double target = 0.0;
  double band = 0.0;
  double drift = 0.0;  // weight - target
};

struct InstrumentSnapshot {
  std::int64_t lots = 0;  // futures position, signed
  double mark = 0.0;
};

struct OpenOrderSnapshot {
  std::uint64_t client_order_id = 0;
  std::int64_t lots = 0;  // still open
  std::int64_t filled_lots = 0;
  std::int64_t limit_ticks = 0;
  InstrumentId instrument = kNoInstrument;
  Side side = Side::buy;
  bool unknown = false;  // state lost with its venue's session
  OrderReason reason = OrderReason::rebalance;
};

inline constexpr std::size_t kSnapshotAlerts = 16;

struct EngineSnapshot {
  std::uint64_t version = 0;  // published snapshots so far
  std::int64_t monotonic_ns = 0;
  TradingState mode = TradingState::active;
  bool paused = false;
  bool flattening = false;
  bool ready = false;
  bool halted_by_session_loss = false;
  std::array<bool, kMaxVenues> venue_up{};
  std::array<VenueSync, kMaxVenues> venue_sync{};
  std::uint64_t position_mismatches = 0;
  std::uint16_t venue_count = 0;
  std::uint16_t unknown_orders = 0;
  // Counters (EngineStats)
  std::uint64_t ticks = 0;
  std::uint64_t ticks_paused = 0;  // ticks not traded on because paused or halted
  std::uint64_t triggers = 0;
  std::uint64_t rebalances = 0;
  std::uint64_t orders = 0;
  std::uint64_t fills = 0;
  std::uint64_t rejects = 0;
  std::uint64_t risk_rejects = 0;
  std::uint64_t cancels_sent = 0;
  double fees_paid = 0.0;
  double funding_paid = 0.0;
  double nav = 0.0;
  double max_abs_drift = 0.0;
  std::array<AssetSnapshot, kMaxAssets> assets{};
  std::uint16_t asset_count = 0;
  std::array<InstrumentSnapshot, kMaxInstruments> instruments{};
  std::uint16_t instrument_count = 0;
  std::array<OpenOrderSnapshot, kMaxOpenOrders> open_orders{};
  std::uint16_t open_count = 0;
  RiskSummary risk;
  RiskLimits limits;  // as the engine applies them now (after a reload)
  GateDenial last_denial;
  // The most recent alerts, alerts[(alert_total - 1) % kSnapshotAlerts] the newest.
  std::array<AlertRecord, kSnapshotAlerts> alerts{};
  std::uint64_t alert_total = 0;
};
static_assert(std::is_trivially_copyable_v<EngineSnapshot>, "published through a seqlock");

// What the control thread and the engine thread share. Commands are handled one at a
// time (the control thread waits for each reply), so capacities are small.
struct ControlPort {
  SpscLink<ControlCommand, 8> commands;  // control -> engine
  SpscLink<ControlReply, 8> replies;     // engine -> control
  SeqLock<EngineSnapshot> snapshot;      // engine -> control, every snapshot period
  // How often the idle engine publishes a snapshot (the console asks for >= 4 Hz).
  std::atomic<std::int64_t> snapshot_period_ns{100'000'000};
};

}  // namespace ballast
