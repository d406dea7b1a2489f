// Reads [venue] (venue_config.hpp).
#include "ballast/venue/venue_config.hpp"

#include <string>

#include "ballast/venue/venue_fault.hpp"

namespace ballast::venue {
namespace {

constexpr Range kCorrelation{-1.0, 1.0, true, true};

// [venue]: the simulator's settings (sim reads them; `ballast run` embeds it).
void read_venue(ConfigSection& s, VenueSimConfig& v) {
  v.present = true;
  v.line = s.line();
  assign(s.boolean("embedded", Need::optional), v.embedded);
  if (const auto port = s.integer("port", Need::optional, kPort)) v.port = static_cast<int>(*port);
  if (const auto dir = s.name("store_dir", Need::optional)) v.store_dir = s.resolve_path(*dir);
  if (const auto seed = s.integer("seed", Need::optional, kNonNegative))
    v.seed = static_cast<std::uint64_t>(*seed);
  assign(s.number("volatility", Need::optional, Range{0.0, 10.0, false, false}), v.volatility);
  assign(s.number("correlation", Need::optional, kCorrelation), v.correlation);
  assign(s.number("jumps_per_day", Need::optional, kNonNegative), v.jump_per_day);
  assign(s.number("jump_size", Need::optional, Range{0.0, 0.5, false, false}), v.jump_size);
  assign(s.number("speed", Need::optional, Range{0.0, 1e6, true, false}), v.speed);
  assign(s.integer("funding_interval_s", Need::optional, kPositive), v.funding_interval_s);
  assign(s.number("cash", Need::optional, kNonNegative), v.cash);
  if (const auto file = s.name("feed_file", Need::optional)) v.feed_file = s.resolve_path(*file);
  assign(s.number("tick_interval_ms", Need::optional, Range{1.0, 60000.0, false, false}),
         v.tick_interval_ms);
  assign(s.number("depth_notional", Need::optional, kNonNegative), v.depth_notional);
  if (const auto faults = s.names("faults", Need::optional)) {
    for (const ConfigSection::Item& fault : *faults) {
      std::string problem;
      if (parse_scheduled_fault(fault.value, &problem))
        v.faults.push_back(fault.value);
      else
        s.error_at(fault.line, fault.path, "\"" + fault.value + "\": " + problem);
    }
  }
  if (const auto port = s.integer("ws_port", Need::optional, kPort))
    v.ws_port = static_cast<int>(*port);
  if (const auto file = s.name("ws_cert_file", Need::optional))
    v.ws_cert_file = s.resolve_path(*file);
  if (const auto file = s.name("ws_key_file", Need::optional))
    v.ws_key_file = s.resolve_path(*file);
  if (v.ws_cert_file.empty() != v.ws_key_file.empty())
    s.error(v.ws_cert_file.empty() ? "ws_key_file" : "ws_cert_file",
            "TLS needs both ws_cert_file and ws_key_file");
  if (const auto file = s.name("ws_credentials_file", Need::optional))
    v.ws_credentials_file = s.resolve_path(*file);
  assign(s.integer("ws_recv_window_ms", Need::optional, Range{1.0, 60000.0, false, false}),
         v.ws_recv_window_ms);
}

}  // namespace

void add_venue_table(ConfigSchema& schema, VenueSimConfig& venue) {
  schema.add_table("venue", Need::optional, [&venue](ConfigSection& s) { read_venue(s, venue); });
}

}  // namespace ballast::venue
