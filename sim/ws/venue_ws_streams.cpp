// VenueWsServer's streams: user-data events from the venue's executions (drain_locked),
// the market streams (publish_locked), and the order JSON both they and the API write.
#include "venue_ws_impl.hpp"

namespace ballast::venue {

std::string VenueWsServer::Impl::order_json(const WsAccount& a, const OrderInfo& o,
                                            bool ack) const {
  const Listing& l = listings[o.instrument];
  const InstrumentSpec& spec = sim.venue().universe().instruments[o.instrument];
  const std::int64_t cum = ack ? 0 : o.cum_lots;
  const std::string status = ack ? std::string("NEW") : o.status;
  std::string j =
      "{\"orderId\":" + std::to_string(o.id) + ",\"symbol\":" + json_quote(l.symbol) +
      ",\"status\":" + json_quote(status) + ",\"clientOrderId\":" + json_quote(o.client_id) +
      ",\"price\":\"" +
      (o.type == OrderType::limit ? steps_text(o.price_ticks, l.tick) : steps_text(0, l.tick)) +
      "\",\"avgPrice\":\"" + amount_text(cum > 0 ? o.avg_ticks * spec.tick_size_d : 0.0) +
      "\",\"origQty\":\"" + steps_text(o.orig_lots, l.qty_step) + "\",\"executedQty\":\"" +
      steps_text(cum, l.qty_step) + "\",\"cumQty\":\"" + steps_text(cum, l.qty_step) +
      "\",\"cumQuote\":\"" + amount_text(ack ? 0.0 : o.cum_quote) + "\",\"timeInForce\":\"" +
      tif_text(o.tif) + "\",\"type\":\"" + type_text(o.type) +
      "\",\"reduceOnly\":" + (o.reduce_only ? "true" : "false") +
      ",\"closePosition\":false,\"side\":\"" + side_text(o.side) +
      "\",\"positionSide\":\"BOTH\",\"stopPrice\":\"" + steps_text(0, l.tick) +
      "\",\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false,\"origType\":\"" +
      type_text(o.type) +
      "\",\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":\"NONE\","
      "\"goodTillDate\":0,\"updateTime\":" +
      std::to_string(o.update_ms) + "}";
  (void)a;
  return j;
}

std::string VenueWsServer::Impl::trade_event(const WsAccount& a, const OrderInfo& o,
                                             const Execution& x, const char* exec,
                                             std::int64_t trade_id) const {
  const Listing& l = listings[o.instrument];
  const InstrumentSpec& spec = sim.venue().universe().instruments[o.instrument];
  const bool fill = trade_id > 0;
  const std::int64_t now = wall_ms();
  (void)a;
  return "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":" + std::to_string(now) +
         ",\"T\":" + std::to_string(now) + ",\"o\":{\"s\":" + json_quote(l.symbol) +
         ",\"c\":" + json_quote(o.client_id) + ",\"S\":\"" + side_text(o.side) + "\",\"o\":\"" +
         type_text(o.type) + "\",\"f\":\"" + tif_text(o.tif) + "\",\"q\":\"" +
         steps_text(o.orig_lots, l.qty_step) + "\",\"p\":\"" +
         (o.type == OrderType::limit ? steps_text(o.price_ticks, l.tick) : steps_text(0, l.tick)) +
         "\",\"ap\":\"" + amount_text(o.cum_lots > 0 ? o.avg_ticks * spec.tick_size_d : 0.0) +
         "\",\"sp\":\"" + steps_text(0, l.tick) + "\",\"x\":\"" + exec + "\",\"X\":\"" + o.status +
         "\",\"i\":" + std::to_string(o.id) + ",\"l\":\"" +
         steps_text(fill ? x.last_lots : 0, l.qty_step) + "\",\"z\":\"" +
         steps_text(o.cum_lots, l.qty_step) + "\",\"L\":\"" +
         steps_text(fill ? x.last_price_ticks : 0, l.tick) + "\",\"N\":" + json_quote(l.quote) +
         ",\"n\":\"" + amount_text(fill ? x.fee : 0.0) + "\",\"T\":" + std::to_string(now) +
         ",\"t\":" + std::to_string(fill ? trade_id : 0) +
         ",\"b\":\"0\",\"a\":\"0\",\"m\":" + (fill && x.maker ? "true" : "false") +
         ",\"R\":" + (o.reduce_only ? "true" : "false") + ",\"wt\":\"CONTRACT_PRICE\",\"ot\":\"" +
         type_text(o.type) +
         "\",\"ps\":\"BOTH\",\"cp\":false,\"rp\":\"0\",\"pP\":false,\"si\":0,\"ss\":0,"
         "\"V\":\"NONE\",\"pm\":\"NONE\",\"gtd\":0}}";
}

// Turns the venue's executions and cash events of WebSocket accounts into user-data
// events and order state. Needs the lock; clears the events only when the server owns the
// lock (in VenueRunner, VenueFixServer's drain clears them right after).
void VenueWsServer::Impl::drain_locked(VenueSimulation& v) {
  SimulatedVenue& venue = v.venue();
  const Universe& u = venue.universe();
  std::vector<Outgoing> out;
  for (const Execution& x : venue.executions()) {
    auto it = by_account.find(x.account);
    if (it == by_account.end() || x.instrument >= listings.size()) continue;
    WsAccount& a = *it->second;
    if (x.exec_type == ExecType::rejected || x.exec_type == ExecType::cancel_rejected) {
      a.refused[x.client_order_id] = x.reason;
      continue;
    }
    OrderInfo* o = nullptr;
    if (auto f = a.orders.find({x.instrument, x.order_id}); f != a.orders.end()) o = &f->second;
    const std::int64_t now = wall_ms();
    if (o == nullptr) {
      if (x.exec_type != ExecType::new_order) continue;  // not one of ours (seeded, restarted)
      OrderInfo info;
      info.id = x.order_id;
      info.instrument = x.instrument;
      info.client_id = a.text(x.client_order_id);
      info.side = x.side;
      info.type = x.type;
      info.tif = x.tif;
      info.reduce_only = x.reduce_only;
      info.price_ticks = x.price_ticks;
      info.orig_lots = x.order_lots;
      info.time_ms = now;
      o = &a.orders.emplace(OrderKey{x.instrument, x.order_id}, info).first->second;
      a.by_client[x.client_order_id] = {x.instrument, x.order_id};
    }
    o->update_ms = now;
    const char* exec = "NEW";
    std::int64_t trade_id = 0;
    switch (x.exec_type) {
      case ExecType::new_order:
        o->status = "NEW";
        break;
      case ExecType::partial_fill:
      case ExecType::fill: {
        exec = "TRADE";
        trade_id = static_cast<std::int64_t>(++trade_ids);
        const InstrumentSpec& spec = u.instruments[x.instrument];
        o->cum_lots = x.cum_lots;
        o->avg_ticks = x.avg_price_ticks;
        o->cum_quote += lots_notional(spec, x.last_lots, ticks_to_price(spec, x.last_price_ticks));
        o->status = x.leaves_lots > 0 ? "PARTIALLY_FILLED" : "FILLED";
        break;
      }
      case ExecType::canceled: {
        const bool requested = a.cancel_requested.erase({x.instrument, x.order_id}) > 0;
        // What did not fill of an IOC, FOK or market order, and self-trade prevention,
        // are EXPIRED on Binance; a requested or reduce-only cancel is CANCELED.
        const bool expired =
            !requested && (x.reason == RejectReason::self_trade ||
                           (x.reason == RejectReason::none &&
                            (x.tif == TimeInForce::ioc || x.tif == TimeInForce::fok ||
                             x.type == OrderType::market)));
        exec = expired ? "EXPIRED" : "CANCELED";
        o->status = exec;
        break;
      }
      case ExecType::replaced:
      case ExecType::restated:
        exec = "AMENDMENT";
        if (x.exec_type == ExecType::replaced) {
          o->price_ticks = x.price_ticks;
          // The client id may change on a replace; Binance's modify keeps it.
          if (x.client_order_id != 0) a.by_client[x.client_order_id] = {x.instrument, x.order_id};
        }
        o->orig_lots = x.order_lots;
        o->status = x.cum_lots > 0 ? "PARTIALLY_FILLED" : "NEW";
        break;
      case ExecType::expired:
        exec = "EXPIRED";
        o->status = "EXPIRED";
        break;
      default:
        break;
    }
    Outgoing g;
    g.account = a.id;
    g.raw = std::make_shared<const std::string>(trade_event(a, *o, x, exec, trade_id));
    out.push_back(std::move(g));
  }
  for (const CashEvent& ev : venue.cash_events()) {
    auto it = by_account.find(ev.account);
    if (it == by_account.end() || ev.kind != CashEventKind::funding) continue;
    WsAccount& a = *it->second;
    if (ev.amount >= 0.0)
      a.funding_received += ev.amount;
    else
      a.funding_paid -= ev.amount;
    ++a.funding_payments;
    const std::string quote =
        ev.instrument < listings.size() ? listings[ev.instrument].quote : std::string("USDT");
    const double cash = venue.account(a.id).portfolio.cash;
    const std::int64_t now = wall_ms();
    Outgoing g;
    g.account = a.id;
    g.raw = std::make_shared<const std::string>(
        "{\"e\":\"ACCOUNT_UPDATE\",\"E\":" + std::to_string(now) + ",\"T\":" + std::to_string(now) +
        ",\"a\":{\"m\":\"FUNDING_FEE\",\"B\":[{\"a\":" + json_quote(quote) + ",\"wb\":\"" +
        amount_text(cash) + "\",\"cw\":\"" + amount_text(cash) + "\",\"bc\":\"" +
        amount_text(ev.amount) + "\"}],\"P\":[]}}");
    out.push_back(std::move(g));
  }
  if (!options.run_locked) venue.clear_events();
  if (!out.empty()) deliver_locked(std::move(out));
}

void VenueWsServer::Impl::publish_locked(VenueSimulation& v, bool force) {
  const auto now_tp = std::chrono::steady_clock::now();
  if (!force && options.md_interval_ms > 0.0 &&
      now_tp - last_publish < std::chrono::duration<double, std::milli>(options.md_interval_ms))
    return;
  last_publish = now_tp;
  const SimulatedVenue& venue = v.venue();
  const Universe& u = venue.universe();
  const std::int64_t now = wall_ms();
  std::vector<Outgoing> out;
  auto emit = [&](const std::string& stream, std::string raw) {
    Outgoing g;
    g.stream = stream;
    g.combined = std::make_shared<const std::string>("{\"stream\":" + json_quote(stream) +
                                                     ",\"data\":" + raw + "}");
    g.raw = std::make_shared<const std::string>(std::move(raw));
    out.push_back(std::move(g));
  };
  Depth depth;
  for (std::size_t k = 0; k < listings.size(); ++k) {
    const Listing& l = listings[k];
    const auto i = static_cast<InstrumentId>(k);
    if (!l.listed || v.faults().feed_frozen(i)) continue;
    MdState& st = md[k];
    venue.book(i).depth(depth, kMaxBookLevels);
    std::vector<std::pair<std::int64_t, std::int64_t>> bids, asks;
    for (std::size_t n = 0; n < depth.bid_count; ++n)
      bids.emplace_back(depth.bids[n].price_ticks, depth.bids[n].lots);
    for (std::size_t n = 0; n < depth.ask_count; ++n)
      asks.emplace_back(depth.asks[n].price_ticks, depth.asks[n].lots);
    // Depth diff: every level whose quantity changed, 0 for the levels that went away.
    auto diff = [](const auto& before, const auto& after, bool desc) {
      std::map<std::int64_t, std::int64_t> m;
      for (const auto& [p, q] : before) m[p] = 0;
      for (const auto& [p, q] : after) m[p] = q;
      std::vector<std::pair<std::int64_t, std::int64_t>> changes;
      for (const auto& [p, q] : m) {
        const auto was = std::find_if(before.begin(), before.end(),
                                      [p = p](const auto& lv) { return lv.first == p; });
        const std::int64_t old_q = was == before.end() ? 0 : was->second;
        if (old_q != q) changes.emplace_back(p, q);
      }
      if (desc) std::reverse(changes.begin(), changes.end());
      return changes;
    };
    const auto db = diff(st.bids, bids, true);
    const auto da = diff(st.asks, asks, false);
    if (!db.empty() || !da.empty()) {
      const std::uint64_t pu = st.last_u;
      const std::uint64_t first = pu + 1;
      const std::uint64_t last = pu + db.size() + da.size();
      auto levels = [&](const auto& lv) {
        std::string s = "[";
        for (std::size_t n = 0; n < lv.size(); ++n)
          s += std::string(n ? "," : "") + "[\"" + steps_text(lv[n].first, l.tick) + "\",\"" +
               steps_text(lv[n].second, l.qty_step) + "\"]";
        return s + "]";
      };
      emit(l.lower + "@depth@100ms",
           "{\"e\":\"depthUpdate\",\"E\":" + std::to_string(now) + ",\"T\":" + std::to_string(now) +
               ",\"s\":" + json_quote(l.symbol) + ",\"U\":" + std::to_string(first) +
               ",\"u\":" + std::to_string(last) + ",\"pu\":" + std::to_string(pu) +
               ",\"b\":" + levels(db) + ",\"a\":" + levels(da) + "}");
      st.bids = std::move(bids);
      st.asks = std::move(asks);
      st.last_u = last;
    }
    const std::int64_t best[4] = {
        st.bids.empty() ? 0 : st.bids[0].first, st.bids.empty() ? 0 : st.bids[0].second,
        st.asks.empty() ? 0 : st.asks[0].first, st.asks.empty() ? 0 : st.asks[0].second};
    if (!st.ticker_sent || !std::equal(best, best + 4, st.best)) {
      std::copy(best, best + 4, st.best);
      st.ticker_sent = true;
      emit(l.lower + "@bookTicker",
           "{\"e\":\"bookTicker\",\"u\":" + std::to_string(st.last_u) +
               ",\"E\":" + std::to_string(now) + ",\"T\":" + std::to_string(now) + ",\"s\":" +
               json_quote(l.symbol) + ",\"b\":\"" + steps_text(best[0], l.tick) + "\",\"B\":\"" +
               steps_text(best[1], l.qty_step) + "\",\"a\":\"" + steps_text(best[2], l.tick) +
               "\",\"A\":\"" + steps_text(best[3], l.qty_step) + "\"}");
    }
    // Mark price once per publish (the simulated clock runs at `speed`, so "every
    // second" of Binance's stream is every publish here).
    const InstrumentSpec& spec = u.instruments[k];
    auto price = [&](double p) {
      return steps_text(static_cast<std::int64_t>(std::llround(p / spec.tick_size_d)), l.tick);
    };
    const std::int64_t next_funding = venue.next_funding_ns(i) / 1'000'000;
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.8f", venue.funding_rate(i));
    const std::string mark_json =
        "{\"e\":\"markPriceUpdate\",\"E\":" + std::to_string(now) +
        ",\"s\":" + json_quote(l.symbol) + ",\"p\":\"" + price(venue.mark(i)) + "\",\"i\":\"" +
        price(venue.index(i)) + "\",\"P\":\"" + price(venue.index(i)) + "\",\"r\":\"" +
        (spec.kind == InstrumentKind::perpetual ? std::string(rate) : std::string()) +
        "\",\"T\":" + std::to_string(spec.kind == InstrumentKind::perpetual ? next_funding : 0) +
        "}";
    emit(l.lower + "@markPrice@1s", mark_json);
    emit(l.lower + "@markPrice", mark_json);
  }
  if (!out.empty()) deliver_locked(std::move(out));
}

}  // namespace ballast::venue
