// The order routes a config asks for, built and owned in one place: the in-process
// loopback venue, a FIX session for the venues not on WebSocket, one Binance-dialect
// gateway pair (orders + market data) per WebSocket venue, and the router joining them.
// `sink` is what the pipeline sends to.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ballast/core/loopback_venue.hpp"
#include "ballast/core/venue_routing.hpp"
#include "ballast/gateways/binance_market_data_feed.hpp"
#include "ballast/gateways/binance_order_gateway.hpp"
#include "ballast/gateways/fix_order_gateway.hpp"
#include "ballast/runtime/run_config.hpp"

namespace ballast::runtime {

// One venue over the Binance WebSocket dialect: its orders and its market data.
struct WebSocketVenue {
  VenueId venue = 0;
  std::unique_ptr<gateways::BinanceOrderGateway> orders;
  std::unique_ptr<gateways::BinanceMarketDataFeed> market_data;

  // Why the venue last went down: the order sockets' reason first, else the market data's.
  [[nodiscard]] std::string last_problem() const {
    std::string why = orders->last_problem();
    return why.empty() ? market_data->last_problem() : why;
  }
};

struct OrderRoutes {
  std::unique_ptr<LoopbackVenue> loopback;
  std::unique_ptr<gateways::FixOrderGateway> fix;
  VenueId fix_venue = 0;
  std::vector<WebSocketVenue> websocket;
  std::unique_ptr<VenueRoutedSink> router;
  OrderSink* sink = nullptr;

  // Every WebSocket venue's session is up (false when there is none).
  [[nodiscard]] bool websocket_up() const noexcept;
  // Why `venue`'s route last went down: its WebSocket gateways, else the FIX session that
  // carries every other venue; "" when nothing was said. Any thread.
  [[nodiscard]] std::string last_problem(VenueId venue) const;
};

struct OrderRoutesResult {
  std::optional<OrderRoutes> routes;
  std::vector<std::string> errors;  // "file: key: problem" lines; exit 2
};

// Gateways are constructed, not started: nothing connects until the runtime starts them.
[[nodiscard]] OrderRoutesResult build_order_routes(const RunConfig& config);

// The venues that go over WebSocket: [websocket] venues, or with route = "websocket"
// every venue that has a derivative to hedge with.
[[nodiscard]] std::vector<VenueId> websocket_venues(const RunConfig& config);

// An embedded simulator with WebSocket venues and no credentials given gets a one-off
// random key pair, set in this process's environment where the simulator and the
// gateways both read it; it is never written anywhere. False if no randomness.
[[nodiscard]] bool ensure_demo_credentials(const RunConfig& config);

}  // namespace ballast::runtime
