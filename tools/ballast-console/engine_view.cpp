#include "engine_view.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cmath>

#include "console_format.hpp"

namespace ballast::console {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

bool number_of(element e, double& out) {
  switch (e.type()) {
    case element_type::DOUBLE:
      return e.get(out) == simdjson::SUCCESS;
    case element_type::INT64: {
      std::int64_t v = 0;
      if (e.get(v) != simdjson::SUCCESS) return false;
      out = static_cast<double>(v);
      return true;
    }
    case element_type::UINT64: {
      std::uint64_t v = 0;
      if (e.get(v) != simdjson::SUCCESS) return false;
      out = static_cast<double>(v);
      return true;
    }
    default:
      return false;
  }
}

// Each reader leaves `out` alone when the key is missing or of another type.
void read(object o, std::string_view key, double& out) {
  element e;
  if (o.at_key(key).get(e) == simdjson::SUCCESS) (void)number_of(e, out);
}
void read(object o, std::string_view key, std::int64_t& out) {
  double d = 0;
  element e;
  if (o.at_key(key).get(e) == simdjson::SUCCESS && number_of(e, d))
    out = static_cast<std::int64_t>(d);
}
void read(object o, std::string_view key, bool& out) {
  bool b = false;
  if (o.at_key(key).get(b) == simdjson::SUCCESS) out = b;
}
void read(object o, std::string_view key, std::string& out) {
  element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS) return;
  std::string_view s;
  double d = 0;
  if (e.get(s) == simdjson::SUCCESS) {
    out = std::string(s);
  } else if (number_of(e, d)) {
    out = format_number(d);
  } else if (e.is_null()) {
    out.clear();
  } else {
    out = simdjson::minify(e);
  }
}

// Rows of an array field, each an object; false when the key is absent.
template <typename Row, typename Fill>
bool read_rows(object o, std::string_view key, std::vector<Row>& rows, Fill fill) {
  simdjson::dom::array a;
  if (o.at_key(key).get(a) != simdjson::SUCCESS) return false;
  rows.clear();
  for (element item : a) {
    object row;
    if (item.get(row) != simdjson::SUCCESS) continue;
    Row r;
    fill(row, r);
    rows.push_back(std::move(r));
  }
  return true;
}

// The liquidation distance: null or a huge number mean no liquidation price at all.
void read_distance(object o, std::string_view key, double& out) {
  element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS) return;
  double d = 0;
  if (e.is_null()) {
    out = INFINITY;
  } else if (number_of(e, d)) {
    out = d >= 1e299 ? INFINITY : d;
  }
}

std::string distance_text(double d) {
  if (std::isinf(d)) return "none";
  if (d < 0) return "-";
  return format_percent(d);
}

}  // namespace

bool apply_snapshot(std::string_view line, EngineView& v) {
  try {
    simdjson::dom::parser parser;
    element doc;
    object o;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS ||
        doc.get(o) != simdjson::SUCCESS)
      return false;
    std::string state;
    read(o, "state", state);
    if (!state.empty()) {
      v.state = state;
      v.have_state = true;
    }
    read(o, "paused", v.paused);
    read(o, "flattening", v.flattening);
    read(o, "ready", v.ready);
    read_rows(o, "venues", v.venues, [](object r, VenueView& x) {
      read(r, "name", x.name);
      read(r, "up", x.up);
      read(r, "last_problem", x.last_problem);
      read(r, "positions", x.positions);
    });
    read(o, "ticks", v.ticks);
    read(o, "orders", v.orders);  // the count (the open orders are "open")
    read(o, "fills", v.fills);
    read(o, "rejects", v.rejects);
    read(o, "risk_rejects", v.risk_rejects);
    read(o, "nav", v.nav);
    read(o, "max_abs_drift", v.max_abs_drift);
    read_rows(o, "assets", v.assets, [](object r, AssetView& x) {
      read(r, "asset", x.asset);
      read(r, "exposure", x.exposure);
      read(r, "weight", x.weight);
      read(r, "target", x.target);
      read(r, "band", x.band);
      read(r, "drift", x.drift);
      read(r, "configured", x.configured);
    });
    read_rows(o, "instruments", v.instruments, [](object r, InstrumentView& x) {
      read(r, "symbol", x.symbol);
      read(r, "lots", x.lots);
      x.contracts = x.lots;
      read(r, "contracts", x.contracts);
      read(r, "mark", x.mark);
    });
    read_rows(o, "open", v.open_orders, [](object r, OrderView& x) {
      read(r, "id", x.id);
      read(r, "symbol", x.symbol);
      read(r, "side", x.side);
      read(r, "purpose", x.purpose);
      read(r, "lots", x.lots);
      read(r, "filled", x.filled);
      read(r, "price", x.price);
      read(r, "unknown", x.unknown);
    });
    read(o, "leverage", v.leverage);
    read(o, "max_leverage", v.max_leverage);
    read(o, "margin_utilization", v.margin_utilization);
    read(o, "max_margin_utilization", v.max_margin_utilization);
    read_distance(o, "liquidation_distance", v.liquidation_distance);
    read(o, "min_liquidation_distance", v.min_liquidation_distance);
    read(o, "worst_instrument", v.worst_instrument);
    read(o, "last_denial", v.last_denial);
    object latency;
    if (o.at_key("tick_to_order_ns").get(latency) == simdjson::SUCCESS) {
      read(latency, "p50", v.latency_p50_ns);
      read(latency, "p99", v.latency_p99_ns);
      read(latency, "count", v.latency_count);
    }
    return true;
  } catch (...) {
    return false;
  }
}

std::string describe_alert(std::string_view line) {
  try {
    simdjson::dom::parser parser;
    element doc;
    object o;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS ||
        doc.get(o) != simdjson::SUCCESS)
      return std::string(line);
    std::string time, kind, text;
    read(o, "time", time);
    // "2026-12-01T03:14:15.123Z" -> "03:14:15": the date is today's, the rest noise.
    if (const auto t = time.find('T'); t != std::string::npos) time = time.substr(t + 1, 8);
    read(o, "kind", kind);
    read(o, "message", text);
    if (text.empty()) read(o, "text", text);
    std::string out = time.empty() ? "" : time + " ";
    out += kind.empty() ? "alert" : kind;
    if (!text.empty()) return out + " " + text;
    for (auto field : o) {
      const std::string_view k = field.key;
      if (k == "v" || k == "type" || k == "time" || k == "kind" || k == "seq") continue;
      std::string value;
      read(o, k, value);
      out += " " + std::string(k) + "=" + value;
    }
    return out;
  } catch (...) {
    return std::string(line);
  }
}

const std::vector<std::string>& help_lines() {
  static const std::vector<std::string> lines = {
      "ballast-console keys",
      "",
      "  p   pause: no new rebalance orders",
      "  r   resume: clear pause, flatten, halt",
      "  k   kill: cancel all orders, HALTED (y/N)",
      "  f   flatten futures positions (y/N)",
      "  t   set target: ASSET WEIGHT [BAND]",
      "  :   any command: reduce-only, reload,",
      "      status, risk, set-target BTC 0.4 ...",
      "  ?   this help (any key closes it)",
      "  q   quit (the engine keeps running)",
      "",
      "drift bar: | target, : band edges, # now",
  };
  return lines;
}

namespace {

// The hedge a row shows: every futures position on the asset's instruments (by symbol
// prefix, which is how the configs name them), "-" when flat.
std::string hedge_text(const EngineView& v, const std::string& asset) {
  std::string out;
  for (const auto& i : v.instruments) {
    if (i.symbol.rfind(asset, 0) != 0 || i.contracts == 0) continue;
    if (!out.empty()) out += " ";
    out += i.symbol + " " + format_number(i.contracts);
  }
  return out.empty() ? "-" : out;
}

std::string limit_pair(double value, double limit, bool percent) {
  const auto text = [percent](double x) {
    if (percent) return format_percent(x);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2fx", x);
    return std::string(buf);
  };
  return text(value) + "/" + (limit > 0 ? text(limit) : std::string("-"));
}

// The screen's lines as they are built: each one cut to the width.
struct ScreenLines {
  std::vector<ScreenLine> lines;
  int width = 0;
  void add(std::string text, LineStyle style = LineStyle::normal) {
    lines.push_back({fit(text, width), style});
  }
};

void add_title(ScreenLines& out, const ScreenModel& m) {
  const EngineView& v = m.view;
  const auto add = [&](std::string text, LineStyle style) { out.add(std::move(text), style); };
  // Title: who, state, flags, venues.
  std::string title = " BALLAST  ";
  bool alarm = false;
  if (!m.connected) {
    title += "DISCONNECTED - retrying every 1 s";
    if (!m.connection_note.empty()) title += " (" + m.connection_note + ")";
    alarm = true;
  } else if (!v.have_state) {
    title += "connected, waiting for the first snapshot";
  } else {
    title += v.state;
    if (v.paused) title += "  PAUSED";
    if (v.flattening) title += "  FLATTENING";
    if (!v.ready) title += "  (not ready)";
    alarm = v.state != "ACTIVE" || v.paused || v.flattening;
    if (!v.venues.empty()) {
      title += "   venues:";
      for (const auto& venue : v.venues) {
        title += " " + venue.name + (venue.up ? " up" : " DOWN");
        if (!venue.up && !venue.last_problem.empty()) title += " (" + venue.last_problem + ")";
        // Up but not traded on until it says what it holds; unanswered is an alarm.
        if (venue.up && venue.positions == "asking") title += " (asking for positions)";
        if (venue.up && venue.positions == "unanswered")
          title += " (NO ANSWER to the positions request: not trading there)";
        if (!venue.up || venue.positions == "unanswered") alarm = true;
      }
    }
  }
  add(title, alarm ? LineStyle::title_alarm : LineStyle::title);
}

// NAV and counters, the risk limits in use, the latency.
void add_summary(ScreenLines& out, const EngineView& v) {
  const auto add = [&](std::string text, LineStyle style = LineStyle::normal) {
    out.add(std::move(text), style);
  };
  add(" nav " + format_money(v.nav, true) + "  max drift " + format_percent(v.max_abs_drift) +
      "  ticks " + format_count(v.ticks) + "  orders " + format_count(v.orders) + "  fills " +
      format_count(v.fills) + "  rejects " + format_count(v.rejects) + "  risk " +
      format_count(v.risk_rejects));
  std::string risk =
      " risk  leverage " + limit_pair(v.leverage, v.max_leverage, false) + "  margin " +
      limit_pair(v.margin_utilization, v.max_margin_utilization, true) + "  liq dist " +
      distance_text(v.liquidation_distance) + "/" + format_percent(v.min_liquidation_distance);
  if (!v.worst_instrument.empty() && !std::isinf(v.liquidation_distance))
    risk += " " + v.worst_instrument;
  const bool risk_alarm =
      (v.max_leverage > 0 && v.leverage > v.max_leverage) ||
      (v.max_margin_utilization > 0 && v.margin_utilization > v.max_margin_utilization) ||
      (v.liquidation_distance >= 0 && v.liquidation_distance < v.min_liquidation_distance);
  add(risk, risk_alarm ? LineStyle::alarm : LineStyle::normal);
  add(" latency  tick-to-order p50 " + format_ns(v.latency_p50_ns) + "  p99 " +
      format_ns(v.latency_p99_ns) + "  (" + std::to_string(v.latency_count) + " orders)");
}

void add_assets(ScreenLines& out, const EngineView& v) {
  const int width = out.width;
  const auto add = [&](std::string text, LineStyle style = LineStyle::normal) {
    out.add(std::move(text), style);
  };
  // Assets: fixed columns, then the drift bar (wider on a wider screen), then the hedge.
  constexpr int kFixed = 46;
  int bar_width = std::clamp((width - kFixed) / 2, 13, 41);
  if (bar_width % 2 == 0) --bar_width;  // an odd width puts the target in the middle
  const int hedge_width = std::max(width - kFixed - bar_width - 1, 4);
  add(fit("ASSET", 6) + fit("EXPOSURE", 11, true) + fit("WEIGHT", 7, true) +
          fit("TARGET", 7, true) + fit("DRIFT", 7, true) + fit("BAND", 6, true) + "  " +
          fit("-2b  target  +2b", bar_width - 1) + " " + fit("HEDGE", hedge_width),
      LineStyle::heading);
  for (const auto& a : v.assets) {
    const bool outside = a.configured && a.band > 0 && std::fabs(a.drift) > a.band;
    add(fit(a.asset, 5) + " " + fit(format_money(a.exposure, true), 11, true) +
            fit(format_percent(a.weight), 7, true) +
            fit(a.configured ? format_percent(a.target) : "-", 7, true) +
            fit(a.configured ? format_percent(a.drift, true) : "-", 7, true) +
            fit(a.configured ? format_percent(a.band) : "-", 6, true) + " " +
            (a.configured ? drift_bar(a.drift, a.band, bar_width) : fit("", bar_width)) + " " +
            hedge_text(v, a.asset),
        outside ? LineStyle::alarm : LineStyle::normal);
  }
}

void add_orders_and_alerts(ScreenLines& out, const ScreenModel& m, int height) {
  const EngineView& v = m.view;
  std::vector<ScreenLine>& lines = out.lines;
  const auto add = [&](std::string text, LineStyle style = LineStyle::normal) {
    out.add(std::move(text), style);
  };
  // Orders and alerts share what is left; the two bottom lines are status and keys.
  const int used = static_cast<int>(lines.size()) + 2 + 2;  // + two headings
  const int avail = std::max(height - used, 2);
  const int open_count = static_cast<int>(v.open_orders.size());
  const int order_rows = open_count == 0 ? 1 : std::min(open_count, std::max(1, avail / 2));
  const int alert_rows = std::max(avail - order_rows, 1);

  add(fit("ORDERS (" + std::to_string(open_count) + ")", 12) + fit("SYMBOL", 15) + fit("SIDE", 5) +
          fit("LOTS", 9, true) + fit("FILLED", 9, true) + fit("PRICE", 12, true) + "  PURPOSE",
      LineStyle::heading);
  if (open_count == 0) add("  (none)");
  for (int i = 0; i < order_rows && i < open_count; ++i) {
    const OrderView& o = v.open_orders[static_cast<std::size_t>(i)];
    std::string row = "  " + fit(o.id, 9) + " " + fit(o.symbol, 14) + " " + fit(o.side, 5) +
                      fit(format_number(o.lots), 9, true) + fit(format_number(o.filled), 9, true) +
                      fit(format_number(o.price), 12, true) + "  " + o.purpose;
    if (o.unknown) row += " UNKNOWN";
    if (i == order_rows - 1 && open_count > order_rows)
      row = "  ... and " + std::to_string(open_count - order_rows + 1) + " more";
    add(row);
  }

  add("RECENT ALERTS AND REJECTS", LineStyle::heading);
  const int shown = std::min(alert_rows, static_cast<int>(m.alerts.size()));
  for (int i = static_cast<int>(m.alerts.size()) - shown; i < static_cast<int>(m.alerts.size());
       ++i)
    add("  " + m.alerts[static_cast<std::size_t>(i)]);
  if (m.alerts.empty()) add("  (none)");
}

void add_footer(ScreenLines& out, const ScreenModel& m, int height) {
  std::vector<ScreenLine>& lines = out.lines;
  const auto add = [&](std::string text, LineStyle style = LineStyle::normal) {
    out.add(std::move(text), style);
  };
  // Pad to the height, then the status (or prompt) line and the key line at the bottom.
  if (static_cast<int>(lines.size()) > height - 2)
    lines.resize(static_cast<std::size_t>(std::max(height - 2, 0)));
  while (static_cast<int>(lines.size()) < height - 2) add("");
  if (height >= 2) {
    if (!m.prompt.empty()) {
      add(m.prompt, LineStyle::status);
    } else {
      add(m.status, LineStyle::status);
    }
  }
  if (height >= 1)
    add("p pause  r resume  k kill  f flatten  t target  : command  ? help  q quit",
        LineStyle::keys);
}

}  // namespace

std::vector<ScreenLine> layout_screen(const ScreenModel& m, int width, int height) {
  ScreenLines out;
  out.width = width;
  add_title(out, m);
  add_summary(out, m.view);
  add_assets(out, m.view);
  add_orders_and_alerts(out, m, height);
  add_footer(out, m, height);
  return std::move(out.lines);
}

}  // namespace ballast::console
