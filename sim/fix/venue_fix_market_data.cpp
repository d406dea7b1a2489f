// VenueFixServer's market data: snapshots (W) on subscription and incrementals (X) as the
// simulated book and marks move, per subscribed client.
#include "venue_fix_text.hpp"

namespace ballast::venue {

using namespace fix_text;

VenueFixServer::Client::MdState VenueFixServer::md_state(InstrumentId i) const {
  const SimulatedVenue& v = sim_.venue();
  const OrderBook& book = v.book(i);
  Client::MdState s;
  if (book.has_bid()) {
    s.bid = book.best_bid();
    s.bid_lots = book.lots_at(Side::buy, s.bid);
  }
  if (book.has_ask()) {
    s.ask = book.best_ask();
    s.ask_lots = book.lots_at(Side::sell, s.ask);
  }
  s.mark = v.mark(i);
  s.index = v.index(i);
  s.funding = v.funding_rate(i);
  return s;
}

void VenueFixServer::send_md_locked(Client& c, InstrumentId i, bool incremental) {
  if (!c.logged_on) return;  // never queued for a session that is down (no stale resends)
  const SimulatedVenue& v = sim_.venue();
  const InstrumentSpec& spec = v.universe().instruments[i];
  Client::MdSub& sub = c.md[i];
  const Client::MdState s = md_state(i);
  Outbound out;
  out.session = c.session;
  out.kind = OutKind::market_data;
  auto& m = out.md;
  m.incremental = incremental;
  m.md_req_id = sub.req_id;
  m.symbol = spec.symbol;
  auto entry = [&](char type, std::string price, std::string size) {
    m.entries.push_back(venue_fix::OutboundMdEntry{type, std::move(price), std::move(size)});
  };
  entry('0', s.bid > 0 ? steps_text(s.bid, spec.tick_size) : "0",
        steps_text(s.bid_lots, spec.lot_size));
  entry('1', s.ask > 0 ? steps_text(s.ask, spec.tick_size) : "0",
        steps_text(s.ask_lots, spec.lot_size));
  entry('6', float_text(s.mark), "0");
  entry('3', float_text(s.index), "0");
  if (spec.kind == InstrumentKind::perpetual) {
    m.funding_rate = rate_text(s.funding);
    const std::int64_t next = v.next_funding_ns(i);
    if (next > 0) m.next_funding = std::to_string(next / 1'000'000);
  }
  sub.last = s;
  sub.sent = std::chrono::steady_clock::now();
  ++(incremental ? counters_.md_incrementals : counters_.md_snapshots);
  enqueue(std::move(out));
}

void VenueFixServer::snapshot_all_locked(Client& c) {
  const std::size_t n = std::min(sim_.venue().universe().instruments.size(), kMaxInstruments);
  for (std::size_t k = 0; k < n; ++k) {
    const auto i = static_cast<InstrumentId>(k);
    if (c.md[k].active && !sim_.faults().feed_frozen(i)) send_md_locked(c, i, false);
  }
}

void VenueFixServer::snapshot_symbol_locked(InstrumentId i) {
  for (auto& kv : clients_)
    if (kv.second->md[i].active && !sim_.faults().feed_frozen(i))
      send_md_locked(*kv.second, i, false);
}

void VenueFixServer::publish_md_locked() {
  const auto now = std::chrono::steady_clock::now();
  const auto interval = std::chrono::duration<double, std::milli>(options_.md_interval_ms);
  const std::size_t n = std::min(sim_.venue().universe().instruments.size(), kMaxInstruments);
  for (auto& kv : clients_) {
    Client& c = *kv.second;
    if (!c.logged_on) continue;
    for (std::size_t k = 0; k < n; ++k) {
      Client::MdSub& sub = c.md[k];
      const auto i = static_cast<InstrumentId>(k);
      if (!sub.active || sim_.faults().feed_frozen(i)) continue;
      if (now - sub.sent < interval) continue;
      if (md_state(i) == sub.last) continue;
      send_md_locked(c, i, true);
    }
  }
}

}  // namespace ballast::venue
