// What a running venue simulator reports about itself: the FIX and WebSocket servers'
// counters and each client's account (positions, cash, fees, funding). Plain data, shared
// by VenueFixServer, VenueWsServer and VenueRunner.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ballast/venue/order_types.hpp"

namespace ballast::venue {

struct VenueFixCounters {
  std::uint64_t logons = 0;
  std::uint64_t logouts = 0;
  std::uint64_t orders = 0;    // NewOrderSingle received
  std::uint64_t cancels = 0;   // OrderCancelRequest
  std::uint64_t replaces = 0;  // OrderCancelReplaceRequest
  // Refused by the server's own value checks (Reject / BusinessMessageReject). Required
  // fields missing and unsupported message types are refused by the QuickFIX side
  // before reaching the server, and not counted here.
  std::uint64_t malformed = 0;
  std::uint64_t reports_sent = 0;        // every outbound message QuickFIX accepted
  std::uint64_t send_failures = 0;       // QuickFIX refused (session gone)
  std::uint64_t status_requests = 0;     // OrderStatusRequest received
  std::uint64_t positions_requests = 0;  // RequestForPositions received (answered unless muted)
  std::uint64_t rejects = 0;             // orders rejected (ExecutionReport 39=8)
  std::uint64_t duplicate_ids = 0;       // of those: a ClOrdID the account had used before
  std::uint64_t md_requests = 0;         // MarketDataRequest received
  std::uint64_t md_rejects = 0;          // MarketDataRequestReject sent (unknown symbols)
  std::uint64_t md_snapshots = 0;        // W queued
  std::uint64_t md_incrementals = 0;     // X queued
  std::uint64_t funding_messages = 0;    // UF queued
  std::uint64_t settlements = 0;         // expiry settlements of FIX accounts (no FIX message)
  std::uint64_t faults = 0;              // fault commands applied
  std::uint64_t drops = 0;               // sessions dropped by `drop`
};

// The WebSocket server's (sim/ws, Binance USDⓈ-M dialect) counters.
struct VenueWsCounters {
  std::uint64_t connections = 0;         // WebSocket handshakes accepted
  std::uint64_t open_connections = 0;    // connected now
  std::uint64_t refused_handshakes = 0;  // bad path, unknown stream or listenKey, TLS failure
  std::uint64_t requests = 0;            // WebSocket API requests (/ws-fapi/v1)
  std::uint64_t orders = 0;              // order.place received
  std::uint64_t cancels = 0;             // order.cancel
  std::uint64_t modifies = 0;            // order.modify
  std::uint64_t status_requests = 0;     // order.status
  std::uint64_t positions_requests = 0;  // account.position
  std::uint64_t depth_requests = 0;      // depth
  std::uint64_t rejects = 0;             // error responses, every code
  std::map<int, std::uint64_t> rejects_by_code;  // Binance code -> error responses
  std::uint64_t subscriptions = 0;               // streams subscribed (path or SUBSCRIBE)
  std::uint64_t md_messages = 0;                 // market stream messages sent
  std::uint64_t user_messages = 0;               // user-data stream events sent
  std::uint64_t drops = 0;                       // connections reset by the `drop` fault
};

// One client's account (FIX session or WebSocket API key), for summaries.
struct VenueClientSummary {
  std::string session;
  AccountId account = kNoAccount;
  bool logged_on = false;
  double cash = 0.0;
  double fees_paid = 0.0;         // net of rebates
  double funding_received = 0.0;  // sum of positive funding payments
  double funding_paid = 0.0;      // sum of negative ones, as a positive number
  std::uint64_t funding_payments = 0;
  double settled_pnl = 0.0;
  struct Position {
    std::string symbol;
    double contracts = 0.0;  // signed
  };
  std::vector<Position> positions;  // non-zero only
};

}  // namespace ballast::venue
