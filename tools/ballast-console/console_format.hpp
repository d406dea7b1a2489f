// Text helpers of the operator console: the drift bar, numbers as an operator reads them
// (percentages, money, latencies) and a control reply rendered as key: value lines and
// tables (what `ballast-console --once` prints). Pure functions, unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ballast::console {

// A drift bar `[--:--|-#:--]` `width` characters wide (brackets included, at least 5):
// `|` the target at the centre, `:` the band edges (halfway to each end, so the bar spans
// twice the band either side), `#` the current drift. A drift past the bar's end shows
// as `<` or `>` at that end. A band <= 0 draws only the centre and the marker.
[[nodiscard]] std::string drift_bar(double drift, double band, int width);

// 0.4123 -> "41.2%"; signed adds "+" to positive values ("+1.5%"). Non-finite: "-".
[[nodiscard]] std::string format_percent(double fraction, bool is_signed = false);
// Money with thousands separators and two decimals: 100000 -> "100,000.00"; large values
// compact to fit a column: 12345678 -> "12.35M" when `compact`.
[[nodiscard]] std::string format_money(double value, bool compact = false);
// Nanoseconds as the largest unit that keeps 3 significant digits: 850 -> "850ns",
// 12345 -> "12.3us", 4500000 -> "4.50ms". Negative or non-finite: "-".
[[nodiscard]] std::string format_ns(double ns);
// A count compacted to fit a column: 999 -> "999", 854134 -> "854k", 12345678 -> "12.3M".
[[nodiscard]] std::string format_count(std::int64_t n);
// A plain number in shortest round-trip form ("0.4", "1e+300").
[[nodiscard]] std::string format_number(double value);

// Pads or cuts `text` to exactly `width` columns (left aligned, or right aligned).
[[nodiscard]] std::string fit(std::string_view text, int width, bool right_align = false);

// A reply line as readable text: scalar fields as `key: value`, nested objects
// flattened (`tick_to_order_ns.p50: 1234`), arrays of objects as aligned tables under
// a `key:` heading, `error: ...` for a refusal. Framing fields (v, type, id) are left
// out. A line that is not JSON comes back as is, prefixed "unparsable reply: ".
[[nodiscard]] std::string render_reply_text(std::string_view reply_line);

}  // namespace ballast::console
