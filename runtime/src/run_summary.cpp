#include "ballast/runtime/run_summary.hpp"

#include <cstdarg>
#include <cstdio>

#include "ballast/core/json_writer.hpp"

namespace ballast::runtime {
namespace {

long long n(std::uint64_t v) noexcept {
  return static_cast<long long>(v);
}

void write_percentiles(JsonWriter& j, const char* key, const LatencyHistogram& h) {
  j.key(key).begin_object();
  j.field("count", n(h.count()));
  j.field("p50", n(h.percentile(50)));
  j.field("p90", n(h.percentile(90)));
  j.field("p99", n(h.percentile(99)));
  j.field("p999", n(h.percentile(99.9)));
  j.field("max", n(h.max()));
  j.end_object();
}

void write_fix(JsonWriter& j, const FixSessionSummary& f) {
  const gateways::FixGatewayCounters& c = f.counters;
  j.key("fix").begin_object();
  j.field("logons", n(c.logons));
  j.field("disconnects", n(c.disconnects));
  j.field("orders_sent", n(c.orders_sent));
  j.field("not_logged_on", n(c.not_logged_on));
  j.field("send_failures", n(c.send_failures));
  j.field("reports_queued", n(c.reports_queued));
  j.field("reports_dropped", n(c.reports_dropped));
  j.field("malformed", n(c.malformed));
  j.field("unsupported", n(c.unsupported));
  j.field("resends_suppressed", n(c.resends_suppressed));
  j.field("session_rejects", n(c.session_rejects));
  j.field("status_queries_sent", n(c.status_queries_sent));
  j.field("status_reports", n(c.status_reports));
  j.field("funding_reports", n(c.funding_reports));
  j.field("duplicates", n(c.duplicates));
  j.field("md_requests_sent", n(c.md_requests_sent));
  j.field("md_snapshots", n(c.md_snapshots));
  j.field("md_incrementals", n(c.md_incrementals));
  j.field("md_ticks", n(c.md_ticks));
  j.field("md_malformed", n(c.md_malformed));
  j.field("md_unknown_symbol", n(c.md_unknown_symbol));
  j.field("next_sender_seq_num", static_cast<long long>(f.next_sender_seq_num));
  j.field("last_problem", f.last_problem);
  j.end_object();
}

void write_websocket_venue(JsonWriter& j, const WebSocketVenueSummary& w) {
  const gateways::BinanceOrderGatewayCounters& c = w.orders;
  const gateways::BinanceMarketDataCounters& m = w.market_data;
  j.key(w.venue).begin_object();
  j.field("orders_sent", n(c.orders_sent));
  j.field("status_queries_sent", n(c.status_queries_sent));
  j.field("not_connected", n(c.not_connected));
  j.field("rate_limited", n(c.rate_limited));
  j.field("send_failures", n(c.send_failures));
  j.field("reports", n(c.reports));
  j.field("reports_dropped", n(c.reports_dropped));
  j.field("replies", n(c.replies));
  j.field("rejects", n(c.rejects));
  j.field("user_events", n(c.user_events));
  j.field("malformed", n(c.malformed + w.parser.malformed));
  j.field("foreign_orders", n(w.parser.foreign_orders));
  j.field("session_ups", n(c.session_ups));
  j.field("session_downs", n(c.session_downs));
  j.field("api_connects", n(c.api_connects));
  j.field("user_connects", n(c.user_connects));
  j.field("errors", n(c.errors));
  j.field("last_problem", w.last_problem);
  j.key("market_data").begin_object();
  j.field("connects", n(m.connects));
  j.field("disconnects", n(m.disconnects));
  j.field("messages", n(m.messages));
  j.field("ticks", n(m.ticks));
  j.field("ticks_dropped", n(m.ticks_dropped));
  j.field("malformed", n(m.malformed));
  j.field("unknown_symbol", n(m.unknown_symbol));
  j.field("depth_updates", n(m.depth_updates));
  j.field("depth_snapshots", n(m.depth_snapshots));
  j.field("depth_resyncs", n(m.depth_resyncs));
  j.end_object();
  j.end_object();
}

void write_sessions(JsonWriter& j, const RunSummary& r) {
  const EngineStats& s = r.stats;
  j.key("sessions").begin_object();
  j.field("downs", n(s.session_downs));
  j.field("ups", n(s.session_ups));
  j.field("orders_marked_unknown", n(s.orders_marked_unknown));
  j.field("status_queries", n(s.status_queries));
  j.field("status_replies", n(s.status_replies));
  j.field("orders_lost", n(s.orders_lost));
  j.field("ticks_not_traded_venue_down", n(s.ticks_venue_down));
  j.field("unknown_orders_at_exit", n(r.unknown_orders_at_exit));
  j.field("halted", r.halted);
  j.end_object();
}

void write_latency(JsonWriter& j, const RunSummary& r) {
  const PipelineLatency& lat = r.latency;
  j.key("latency_ns").begin_object();
  j.field("p50", n(lat.tick_to_order.percentile(50)));
  j.field("p99", n(lat.tick_to_order.percentile(99)));
  j.field("p999", n(lat.tick_to_order.percentile(99.9)));
  j.field("max", n(lat.tick_to_order.max()));
  j.end_object();
  j.key("stages_ns").begin_object();
  write_percentiles(j, "tick_to_order", lat.tick_to_order);
  write_percentiles(j, "decode", lat.decode);
  write_percentiles(j, "hop_md_engine", lat.hop_md_engine);
  write_percentiles(j, "engine", lat.engine);
  write_percentiles(j, "risk", lat.risk);
  write_percentiles(j, "hop_engine_order", lat.hop_engine_order);
  write_percentiles(j, "encode", lat.encode);
  write_percentiles(j, "send", lat.send);
  write_percentiles(j, "tick_to_engine_done", r.tick_to_engine_done);
  j.end_object();
}

// The engine's own counters, in the order the JSON contract has always had them.
void write_engine(JsonWriter& j, const RunSummary& r) {
  const EngineStats& s = r.stats;
  j.field("ticks", n(s.ticks));
  j.field("ticks_read", n(r.ticks_read));
  j.field("ticks_conflated", n(r.ticks_conflated));
  j.field("ticks_invalid", n(r.ticks_invalid));
  j.field("reports_lost", n(r.reports_lost));
  j.field("unknown_reports", n(s.unknown_reports));
  j.field("rebalances", n(s.rebalances));
  j.field("orders", n(s.orders));
  j.field("fills", n(s.fills));
  j.field("rejects", n(s.rejects + s.risk_rejects));
  j.field("risk_rejects", n(s.risk_rejects));
  j.key("risk_denied").begin_object();  // by check
  for (const RiskDenialCount& d : r.risk_denied) j.field(to_string(d.check), n(d.count));
  j.end_object();
  j.field("shrunk", n(s.shrunk));
  j.field("pairs_held", n(s.pairs_held));
  j.field("plans_not_worth_cost", n(s.plans_not_worth_cost));
  j.field("breaker_halts", n(s.breaker_halts));
  j.field("ticks_held_by_price_jump", n(s.ticks_held));
  j.field("price_jumps_confirmed", n(s.price_jumps_confirmed));
  j.field("duplicate_fills", n(s.duplicate_fills));
  j.field("mode", to_string(r.mode));
  j.field("max_abs_drift_before", r.max_abs_drift_before);
  j.field("max_abs_drift_after", r.max_abs_drift_after);
  j.field("funding_paid", s.funding_paid);  // negative = received
  j.field("fundings", n(s.fundings));
  j.field("fees_paid", s.fees_paid);
  j.field("nav", r.nav);
  j.key("positions").begin_object();
  for (const PositionLots& p : r.positions) j.field(p.symbol, static_cast<long long>(p.lots));
  j.end_object();
}

void write_journal(JsonWriter& j, const JournalSummary& s) {
  j.key("journal").begin_object();
  j.field("path", s.path);
  j.field("records_before", n(s.records_before));
  j.field("recovered", s.recovered);
  j.field("orders_in_flight", n(s.orders_in_flight));
  j.field("orders_dropped", n(s.orders_dropped));
  j.field("records", n(s.writer.records));
  j.field("bytes", n(s.writer.bytes));
  j.field("writes", n(s.writer.writes));
  j.field("syncs", n(s.writer.syncs));
  j.field("ring_full", n(s.writer.ring_full));
  j.field("torn_bytes_cut", n(s.torn_bytes_cut));
  j.field("failed", s.writer.failed);
  if (!s.failure.empty()) j.field("failure", s.failure);
  j.end_object();
}

void write_reconcile(JsonWriter& j, const ReconcileSummary& s) {
  j.key("reconcile").begin_object();
  j.field("asked", n(s.asked));
  j.field("answers", n(s.answers));
  j.field("mismatches", n(s.mismatches));
  j.key("differences").begin_array();
  for (const ReconcileLine& l : s.lines) {
    j.begin_object();
    j.field("venue", l.venue);
    j.field("instrument", l.instrument);
    j.field("journal", static_cast<long long>(l.journal));
    j.field("venue_says", static_cast<long long>(l.venue_says));
    j.field("action", l.action);
    j.end_object();
  }
  j.end_array();
  j.key("not_in_sync").begin_array();
  for (const std::string& v : s.not_in_sync) j.value(v);
  j.end_array();
  j.end_object();
}

// printf into a std::string (reporting only, off the hot path).
void appendf(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string& out, const char* format, ...) {
  char line[1024];
  va_list args;
  va_start(args, format);
  const int len = std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (len > 0)
    out.append(line, std::min<std::size_t>(static_cast<std::size_t>(len), sizeof line - 1));
}

unsigned long long u(std::uint64_t v) noexcept {
  return static_cast<unsigned long long>(v);
}

void text_engine(std::string& out, const RunSummary& r) {
  const EngineStats& s = r.stats;
  appendf(out,
          "  ticks %llu (read %llu, conflated %llu)  rebalances %llu  orders %llu  fills %llu"
          "  rejects %llu (risk %llu)  shrunk %llu\n",
          u(s.ticks), u(r.ticks_read), u(r.ticks_conflated), u(s.rebalances), u(s.orders),
          u(s.fills), u(s.rejects + s.risk_rejects), u(s.risk_rejects), u(s.shrunk));
  appendf(out,
          "  max |drift| %.2f%% at first valuation -> %.2f%% now   fees %.2f   funding %.2f   "
          "NAV %.2f\n",
          r.max_abs_drift_before * 100, r.max_abs_drift_after * 100, s.fees_paid, s.funding_paid,
          r.nav);
  if (s.risk_rejects > 0) {
    out += "  risk denied:";
    for (const RiskDenialCount& d : r.risk_denied)
      appendf(out, " %s %llu", to_string(d.check), u(d.count));
    out += "\n";
  }
  out += "  positions:";
  for (const PositionLots& p : r.positions)
    appendf(out, " %s %lld", p.symbol.c_str(), static_cast<long long>(p.lots));
  out += "\n";
  if (r.halted) out += "  HALTED: a venue session was lost ([risk] on_session_loss = \"halt\")\n";
}

void text_sessions(std::string& out, const RunSummary& r) {
  if (r.fix) {
    const gateways::FixGatewayCounters& c = r.fix->counters;
    appendf(out,
            "  FIX: logons %llu  disconnects %llu  orders %llu  resends suppressed %llu  "
            "status queries %llu  next seq out %d\n",
            u(c.logons), u(c.disconnects), u(c.orders_sent), u(c.resends_suppressed),
            u(r.stats.status_queries), r.fix->next_sender_seq_num);
    if (!r.fix->last_problem.empty())
      out += "    why it last went down: " + r.fix->last_problem + "\n";
  }
  for (const WebSocketVenueSummary& w : r.websocket) {
    const gateways::BinanceOrderGatewayCounters& c = w.orders;
    appendf(out,
            "  WS %s: sessions up %llu down %llu  orders %llu  rejects %llu  status queries %llu  "
            "ticks %llu  malformed %llu\n",
            w.venue.c_str(), u(c.session_ups), u(c.session_downs), u(c.orders_sent), u(c.rejects),
            u(c.status_queries_sent), u(w.market_data.ticks),
            u(c.malformed + w.market_data.malformed));
    if (!w.last_problem.empty()) out += "    why it last went down: " + w.last_problem + "\n";
  }
  if (r.venue) out += "  " + r.venue->text + "\n";
  if (r.journal) {
    const JournalSummary& jn = *r.journal;
    appendf(out, "  journal %s: %llu records this run (%llu before), %llu syncs", jn.path.c_str(),
            u(jn.writer.records), u(jn.records_before), u(jn.writer.syncs));
    if (jn.recovered)
      appendf(out, ", started from it (%llu orders in flight, %llu dropped)",
              u(jn.orders_in_flight), u(jn.orders_dropped));
    if (jn.torn_bytes_cut > 0) appendf(out, ", torn tail of %llu bytes cut", u(jn.torn_bytes_cut));
    if (jn.writer.failed || jn.writer.ring_full > 0)
      appendf(out, ", FAILED (%llu refused) %s", u(jn.writer.ring_full), jn.failure.c_str());
    out += "\n";
  }
  const ReconcileSummary& rc = r.reconcile;
  if (rc.asked > 0) {
    appendf(out, "  reconcile: asked %llu, answered %llu, %llu differences", u(rc.asked),
            u(rc.answers), u(rc.mismatches));
    for (const std::string& v : rc.not_in_sync) out += ", " + v + " NOT IN SYNC";
    out += "\n";
    for (const ReconcileLine& l : rc.lines)
      appendf(out, "    %s %s: journal %lld, venue says %lld: %s\n", l.venue.c_str(),
              l.instrument.c_str(), static_cast<long long>(l.journal),
              static_cast<long long>(l.venue_says), l.action.c_str());
  }
}

}  // namespace

ReconcileSummary summarize_reconcile(const Universe& u, const PositionReconciler& rec) {
  ReconcileSummary s;
  s.asked = rec.asked();
  s.answers = rec.answers();
  s.mismatches = rec.mismatches();
  for (std::size_t k = 0; k < rec.record_count(); ++k) {
    const ReconcileRecord& r = rec.record(k);
    s.lines.push_back(
        {r.venue < u.venues.size() ? u.venues[r.venue] : "?",
         r.instrument < u.instruments.size() ? u.instruments[r.instrument].symbol : "?",
         r.engine_lots, r.venue_lots, r.halted ? "adopted, halted" : "adopted"});
  }
  for (std::size_t v = 0; v < u.venues.size(); ++v)
    if (rec.answered(static_cast<VenueId>(v))) s.answered.push_back(u.venues[v]);
  for (std::size_t v = 0; v < u.venues.size(); ++v)
    if (rec.state(static_cast<VenueId>(v)) != VenueSync::in_sync)
      s.not_in_sync.push_back(u.venues[v] + " (" + to_string(rec.state(static_cast<VenueId>(v))) +
                              ")");
  return s;
}

std::string render_json(const RunSummary& r) {
  JsonWriter j;
  j.begin_object();
  j.field("stop_reason", r.stop_reason);
  j.field("drained", r.drained);
  j.field("elapsed_s", r.elapsed_s);
  j.field("shutdown_s", r.shutdown_s);
  j.key("threads").begin_array();
  for (const auto& t : r.threads) j.value(t);
  j.end_array();
  write_engine(j, r);
  write_sessions(j, r);
  if (r.fix) write_fix(j, *r.fix);
  if (!r.websocket.empty()) {
    j.key("websocket").begin_object();
    for (const WebSocketVenueSummary& w : r.websocket) write_websocket_venue(j, w);
    j.end_object();
  }
  if (r.venue) j.key("venue").raw_value(r.venue->json);
  if (r.journal) write_journal(j, *r.journal);
  write_reconcile(j, r.reconcile);
  write_latency(j, r);
  j.end_object();
  return j.str() + "\n";
}

std::string render_text(const RunSummary& r) {
  std::string out;
  appendf(out, "ballast run: %s after %.2f s (shutdown %.2f s)%s\n", r.stop_reason.c_str(),
          r.elapsed_s, r.shutdown_s, r.drained ? "" : " (not fully drained)");
  for (const auto& t : r.threads) out += "  thread " + t + "\n";
  text_engine(out, r);
  text_sessions(out, r);
  const LatencyHistogram& t2o = r.latency.tick_to_order;
  appendf(out, "  tick-to-order ns: p50 %llu  p99 %llu  p99.9 %llu  max %llu  (%llu orders)\n",
          u(t2o.percentile(50)), u(t2o.percentile(99)), u(t2o.percentile(99.9)), u(t2o.max()),
          u(t2o.count()));
  return out;
}

}  // namespace ballast::runtime
