#include "ballast/control/snapshot_json.hpp"

#include <string>

#include "ballast/core/planner.hpp"
#include "ballast/risk/risk_engine.hpp"

namespace ballast::control {
namespace {

long long n(std::uint64_t v) {
  return static_cast<long long>(v);
}

void symbol_field(JsonWriter& j, std::string_view key, InstrumentId i, const Universe& u) {
  j.key(key);
  if (i < u.instruments.size())
    j.value(u.instruments[i].symbol);
  else
    j.null();
}

const char* venue_name(std::size_t v, const Universe& u) {
  return v < u.venues.size() ? u.venues[v].c_str() : "?";
}

const char* check_name(std::uint8_t check) {
  return to_string(static_cast<RiskCheck>(check));  // alerts carry the number
}

}  // namespace

void write_status_fields(JsonWriter& j, const EngineSnapshot& s, const Universe& u,
                         const VenueProblemLookup& why) {
  j.field("state", to_string(s.mode));
  j.field("paused", s.paused);
  j.field("flattening", s.flattening);
  j.field("ready", s.ready);
  j.field("halted_by_session_loss", s.halted_by_session_loss);
  j.key("venues").begin_array();
  for (std::size_t v = 0; v < s.venue_count && v < s.venue_up.size(); ++v) {
    j.begin_object();
    j.field("name", venue_name(v, u));
    j.field("up", s.venue_up[v]);
    j.field("positions", to_string(s.venue_sync[v]));
    if (why)
      if (const std::string problem = why(static_cast<VenueId>(v)); !problem.empty())
        j.field("last_problem", problem);
    j.end_object();
  }
  j.end_array();
  j.field("ticks", n(s.ticks));
  j.field("ticks_paused", n(s.ticks_paused));
  j.field("rebalances", n(s.rebalances));
  j.field("orders", n(s.orders));
  j.field("fills", n(s.fills));
  j.field("rejects", n(s.rejects));
  j.field("risk_rejects", n(s.risk_rejects));
  j.field("unknown_orders", static_cast<long long>(s.unknown_orders));
  j.field("position_mismatches", n(s.position_mismatches));
  j.field("fees_paid", s.fees_paid);
  j.field("funding_paid", s.funding_paid);
  j.field("nav", s.nav);
  j.field("max_abs_drift", s.max_abs_drift);
  j.field("snapshot_version", n(s.version));
}

void write_positions_fields(JsonWriter& j, const EngineSnapshot& s, const Universe& u) {
  j.key("assets").begin_array();
  for (std::size_t a = 0; a < s.asset_count && a < s.assets.size() && a < u.assets.size(); ++a) {
    const AssetSnapshot& x = s.assets[a];
    j.begin_object();
    j.field("asset", u.assets[a].name);
    j.field("exposure", x.exposure);
    j.field("weight", x.weight);
    j.field("target", x.target);
    j.field("band", x.band);
    j.field("drift", x.drift);
    j.field("configured", x.configured);
    j.end_object();
  }
  j.end_array();
  j.key("instruments").begin_array();
  for (std::size_t i = 0;
       i < s.instrument_count && i < s.instruments.size() && i < u.instruments.size(); ++i) {
    const InstrumentSpec& spec = u.instruments[i];
    if (!spec.is_derivative()) continue;  // spot holdings are in assets
    j.begin_object();
    j.field("symbol", spec.symbol);
    j.field("lots", static_cast<long long>(s.instruments[i].lots));
    j.field("contracts", static_cast<double>(s.instruments[i].lots) * spec.lot_size_d);
    j.field("mark", s.instruments[i].mark);
    j.end_object();
  }
  j.end_array();
}

void write_orders_fields(JsonWriter& j, const EngineSnapshot& s, const Universe& u) {
  j.key("open").begin_array();
  for (std::size_t k = 0; k < s.open_count && k < s.open_orders.size(); ++k) {
    const OpenOrderSnapshot& o = s.open_orders[k];
    j.begin_object();
    j.field("id", n(o.client_order_id));
    symbol_field(j, "symbol", o.instrument, u);
    j.field("side", to_string(o.side));
    j.field("lots", static_cast<long long>(o.lots));
    j.field("filled", static_cast<long long>(o.filled_lots));
    j.key("price");
    if (o.instrument < u.instruments.size())
      j.value(static_cast<double>(o.limit_ticks) * u.instruments[o.instrument].tick_size_d);
    else
      j.null();
    j.field("purpose", to_string(o.reason));
    j.field("unknown", o.unknown);
    j.end_object();
  }
  j.end_array();
}

void write_risk_fields(JsonWriter& j, const EngineSnapshot& s, const Universe& u) {
  const RiskSummary& r = s.risk;
  j.field("valid", r.valid);
  j.field("nav", r.nav);
  j.field("gross_notional", r.gross_notional);
  j.field("leverage", r.leverage);
  j.field("max_leverage", s.limits.max_leverage);
  j.field("margin_utilization", r.margin_utilization);
  j.field("max_margin_utilization", s.limits.max_margin_utilization);
  j.key("liquidation_distance");
  if (r.worst_liquidation_distance >= 1e300)  // no position: nothing can be liquidated
    j.null();
  else
    j.value(r.worst_liquidation_distance);
  j.field("min_liquidation_distance", s.limits.min_liquidation_distance);
  symbol_field(j, "worst_instrument", r.worst_instrument, u);
  j.field("risk_rejects", n(s.risk_rejects));
  j.key("last_denial");
  if (s.last_denial.check == RiskCheck::none) {
    j.null();
  } else {
    j.begin_object();
    j.field("check", to_string(s.last_denial.check));
    symbol_field(j, "symbol", s.last_denial.instrument, u);
    j.field("value", s.last_denial.value);
    j.field("limit", s.last_denial.limit);
    j.end_object();
  }
}

void write_latency_fields(JsonWriter& j, const LatencyNumbers& l) {
  j.key("tick_to_order_ns").begin_object();
  j.field("p50", n(l.p50_ns));
  j.field("p99", n(l.p99_ns));
  j.field("count", n(l.count));
  j.end_object();
}

void write_alert_fields(JsonWriter& j, const AlertRecord& a, const Universe& u) {
  j.field("seq", n(a.seq));
  j.field("monotonic_ns", static_cast<long long>(a.monotonic_ns));
  j.field("kind", to_string(a.kind));
  std::string text = to_string(a.kind);
  switch (a.kind) {
    case AlertKind::risk_denied:
      j.field("check", check_name(static_cast<std::uint8_t>(a.detail)));
      symbol_field(j, "symbol", a.instrument, u);
      j.field("value", a.value);
      j.field("limit", a.limit);
      text =
          std::string("risk denied an order: ") + check_name(static_cast<std::uint8_t>(a.detail));
      break;
    case AlertKind::venue_reject:
      j.field("code", static_cast<long long>(a.detail));
      symbol_field(j, "symbol", a.instrument, u);
      text = "venue rejected an order (code " + std::to_string(a.detail) + ")";
      break;
    case AlertKind::session_down:
    case AlertKind::session_up:
      j.field("venue", venue_name(a.detail, u));
      text = std::string("venue ") + venue_name(a.detail, u) +
             (a.kind == AlertKind::session_up ? " session up" : " session down");
      break;
    case AlertKind::mode_changed:
      j.field("state", to_string(static_cast<TradingState>(a.detail)));
      text = std::string("trading mode ") + to_string(static_cast<TradingState>(a.detail));
      break;
    case AlertKind::paused:
      j.field("paused", a.detail != 0);
      text = a.detail != 0 ? "paused" : "resumed";
      break;
    case AlertKind::halted_on_loss:
      text = "HALTED: a venue session was lost ([risk] on_session_loss = \"halt\")";
      break;
    case AlertKind::flatten_done:
      text = "flatten done: every futures position closed";
      break;
    case AlertKind::nav_nonpositive:
      j.field("nav", a.value);
      text = "HALTED: NAV " + std::to_string(a.value) + " <= 0, nothing to rebalance";
      break;
    case AlertKind::breaker_halted:
      j.field("rejects", a.value);
      text = "HALTED: " + std::to_string(static_cast<long long>(a.value)) +
             " venue rejects in a row ([risk] max_consecutive_rejects); resume re-arms";
      break;
    case AlertKind::price_held:
      symbol_field(j, "symbol", a.instrument, u);
      j.field("jump", a.value);
      j.field("limit", a.limit);
      text = "price jump held until a second tick confirms it";
      break;
    case AlertKind::position_mismatch:
      j.field("venue", venue_name(a.detail, u));
      symbol_field(j, "symbol", a.instrument, u);
      j.field("venue_lots", static_cast<long long>(a.value));
      j.field("engine_lots", static_cast<long long>(a.limit));
      text = std::string("position differs at ") + venue_name(a.detail, u) + ": venue " +
             std::to_string(static_cast<long long>(a.value)) + " lots, engine " +
             std::to_string(static_cast<long long>(a.limit)) + ": venue's adopted";
      break;
    case AlertKind::positions_unanswered:
      j.field("venue", venue_name(a.detail, u));
      text = std::string("venue ") + venue_name(a.detail, u) +
             " did not answer the positions request ([recovery] timeout_s): not trading there";
      break;
    case AlertKind::journal_failed:
      text =
          "HALTED: the journal could not take an event (full or failed); check positions "
          "against the venue before trading again";
      break;
  }
  j.field("text", text);
}

}  // namespace ballast::control
