// What the console screen knows of the engine (the fields of the latest snapshot) and
// how it is laid out as text lines for a terminal of a given size. Pure: the ncurses
// screen only paints these lines, and the unit tests read them without a terminal.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::console {

struct VenueView {
  std::string name;
  bool up = false;
  std::string last_problem;  // why it last went down, in the venue's words
  // What the engine knows of its positions there: in_sync, asking or unanswered.
  std::string positions = "in_sync";
};

struct AssetView {
  std::string asset;
  double exposure = 0, weight = 0, target = 0, band = 0, drift = 0;
  bool configured = false;
};

struct InstrumentView {
  std::string symbol;
  double lots = 0, contracts = 0, mark = 0;
};

struct OrderView {
  std::string id, symbol, side, purpose;
  double lots = 0, filled = 0, price = 0;
  bool unknown = false;
};

// Fields of status, positions, orders, risk and latency replies and of snapshots.
struct EngineView {
  bool have_state = false;  // a snapshot or status has arrived
  std::string state;        // ACTIVE / REDUCING / HALTED
  bool paused = false, flattening = false, ready = false;
  std::vector<VenueView> venues;
  std::int64_t ticks = 0, orders = 0, fills = 0, rejects = 0, risk_rejects = 0;
  double nav = 0, max_abs_drift = 0;
  std::vector<AssetView> assets;
  std::vector<InstrumentView> instruments;
  std::vector<OrderView> open_orders;
  double leverage = 0, max_leverage = 0;
  double margin_utilization = 0, max_margin_utilization = 0;
  double liquidation_distance = -1, min_liquidation_distance = 0;  // < 0: unknown
  std::string worst_instrument, last_denial;
  double latency_p50_ns = -1, latency_p99_ns = -1;  // < 0: no sample yet
  std::int64_t latency_count = 0;
};

// Merges the fields present in a snapshot (or status/positions/... reply) line into
// `view`. False when the line is not a JSON object.
bool apply_snapshot(std::string_view line, EngineView& view);

// An alert line as one line of text: "12:00:01 risk_denied max_leverage value=3.2 ...".
[[nodiscard]] std::string describe_alert(std::string_view line);

enum class LineStyle { normal, title, title_alarm, heading, alarm, status, keys };

struct ScreenLine {
  std::string text;
  LineStyle style = LineStyle::normal;
};

// Everything the screen shows besides the engine's own state.
struct ScreenModel {
  EngineView view;
  bool connected = false;
  std::string connection_note;     // why not connected (shown with "disconnected")
  std::deque<std::string> alerts;  // newest last
  std::string status;              // the last command's result or error
  std::string prompt;              // non-empty: an input line in place of the status
};

// The screen as exactly `height` lines of at most `width` columns (80x24 and up; a
// smaller terminal gets the top of it).
[[nodiscard]] std::vector<ScreenLine> layout_screen(const ScreenModel& model, int width,
                                                    int height);

// The `?` overlay's text.
[[nodiscard]] const std::vector<std::string>& help_lines();

}  // namespace ballast::console
