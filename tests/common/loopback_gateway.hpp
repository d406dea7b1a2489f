// FixOrderGateway options for a test or benchmark against a FIX acceptor on loopback (the
// repository's initiator settings, 127.0.0.1:<port>, a store of its own), and the orders
// it sends. Plain C++ (no gtest), so bench/ can use it too; the target defines
// BALLAST_SOURCE_DIR.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "ballast/gateways/fix_order_gateway.hpp"

namespace ballast::testing {

inline const std::string kInitiatorSettings =
    std::string(BALLAST_SOURCE_DIR) + "/config/fix/ballast-initiator.cfg";

inline gateways::FixGatewayOptions loopback_gateway_options(int port,
                                                            const std::filesystem::path& store) {
  gateways::FixGatewayOptions o;
  o.settings_path = kInitiatorSettings;
  o.host_override = "127.0.0.1";
  o.port_override = port;
  o.store_path_override = store.string();
  return o;
}

// A limit order for the gateway: `lots` of `instrument` at `ticks`.
inline OrderRequest order(std::uint64_t id, InstrumentId instrument, Side side, std::int64_t lots,
                          std::int64_t ticks) {
  OrderRequest o;
  o.client_order_id = id;
  o.instrument = instrument;
  o.side = side;
  o.lots = lots;
  o.limit_ticks = ticks;
  return o;
}

}  // namespace ballast::testing
