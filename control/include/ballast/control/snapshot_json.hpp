// The query answers of the control protocol as JSON fields: an EngineSnapshot read
// through the universe's names (assets, symbols, venues). Shared by the replies to
// status/positions/orders/risk/latency and the lines a subscription streams.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ballast/core/config.hpp"
#include "ballast/core/control.hpp"
#include "ballast/core/json_writer.hpp"

namespace ballast::control {

// Tick-to-order latency as the pipeline's telemetry publishes it.
struct LatencyNumbers {
  std::uint64_t p50_ns = 0;
  std::uint64_t p99_ns = 0;
  std::uint64_t count = 0;
};

// Each writes its fields into an object the caller has opened.
// Why a venue last went down, in words ("" when nothing was said); any thread.
using VenueProblemLookup = std::function<std::string(VenueId venue)>;
// `why`, when given, adds "last_problem" to each venue that has one.
void write_status_fields(JsonWriter& j, const EngineSnapshot& s, const Universe& u,
                         const VenueProblemLookup& why = {});
void write_positions_fields(JsonWriter& j, const EngineSnapshot& s, const Universe& u);
void write_orders_fields(JsonWriter& j, const EngineSnapshot& s, const Universe& u);
void write_risk_fields(JsonWriter& j, const EngineSnapshot& s, const Universe& u);
void write_latency_fields(JsonWriter& j, const LatencyNumbers& l);
// kind, text and the alert's details (risk check, symbol, venue, value/limit, ...).
void write_alert_fields(JsonWriter& j, const AlertRecord& a, const Universe& u);

}  // namespace ballast::control
