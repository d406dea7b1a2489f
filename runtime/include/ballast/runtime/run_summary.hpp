// What one run of the engine did, as plain data: `EngineRuntime::shutdown` fills it, and
// the text and JSON renderers are small functions over it (the same fields either way).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ballast/core/control.hpp"
#include "ballast/core/engine_core.hpp"
#include "ballast/core/pipeline.hpp"
#include "ballast/gateways/binance_market_data_feed.hpp"
#include "ballast/gateways/binance_order_gateway.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"
#include "ballast/risk/risk_engine.hpp"
#include "ballast/runtime/embedded_venue.hpp"
#include "ballast/runtime/run_journal.hpp"

namespace ballast::runtime {

struct FixSessionSummary {
  gateways::FixGatewayCounters counters;
  int next_sender_seq_num = 0;
  std::string last_problem;  // why the session last ended, in the venue's words; "" none
};

struct WebSocketVenueSummary {
  std::string venue;
  gateways::BinanceOrderGatewayCounters orders;
  gateways::BinanceMarketDataCounters market_data;
  binance::ResponseCounters parser;
  std::string last_problem;  // why a socket last failed (orders first, then market data)
};

struct RiskDenialCount {
  RiskCheck check = RiskCheck::none;
  std::uint64_t count = 0;
};

struct PositionLots {
  std::string symbol;
  std::int64_t lots = 0;
};

// One instrument on which a venue's answer differed from what the engine held.
struct ReconcileLine {
  std::string venue;
  std::string instrument;
  std::int64_t journal = 0;     // what the engine held (journal, [portfolio], fills)
  std::int64_t venue_says = 0;  // what the venue holds
  std::string action;           // "adopted", or "adopted, halted" ([recovery] on_mismatch)
};

struct ReconcileSummary {
  std::uint64_t asked = 0;    // positions requests sent
  std::uint64_t answers = 0;  // complete answers
  std::uint64_t mismatches = 0;
  std::vector<ReconcileLine> lines;      // the last kMaxReconcileRecords
  std::vector<std::string> not_in_sync;  // venues asked and not (yet) answered at exit
  std::vector<std::string> answered;     // venues that answered at least once
};

struct RunSummary {
  std::string stop_reason;
  bool drained = false;
  double elapsed_s = 0.0;   // running: start() until the stop condition
  double shutdown_s = 0.0;  // then draining and closing the sessions
  std::vector<std::string> threads;
  EngineStats stats{};
  std::uint64_t ticks_read = 0;
  std::uint64_t ticks_conflated = 0;
  std::uint64_t ticks_invalid = 0;
  std::uint64_t reports_lost = 0;
  std::vector<RiskDenialCount> risk_denied;  // checks that denied at least once
  TradingState mode = TradingState::active;
  bool halted = false;
  std::uint64_t unknown_orders_at_exit = 0;
  double max_abs_drift_before = 0.0;
  double max_abs_drift_after = 0.0;
  double nav = 0.0;
  std::vector<PositionLots> positions;  // every derivative, in universe order
  std::optional<FixSessionSummary> fix;
  std::vector<WebSocketVenueSummary> websocket;
  std::optional<EmbeddedVenueReport> venue;
  std::optional<JournalSummary> journal;  // [journal] on
  ReconcileSummary reconcile;
  PipelineLatency latency;
  LatencyHistogram tick_to_engine_done;
};

// The reconciler's counts and differences, with names for its ids.
[[nodiscard]] ReconcileSummary summarize_reconcile(const Universe& universe,
                                                   const PositionReconciler& reconciler);

// One JSON object, the `ballast run --json` contract (docs/operations.md lists the fields).
[[nodiscard]] std::string render_json(const RunSummary& summary);
// The human summary, several lines, each ending in '\n'.
[[nodiscard]] std::string render_text(const RunSummary& summary);

}  // namespace ballast::runtime
