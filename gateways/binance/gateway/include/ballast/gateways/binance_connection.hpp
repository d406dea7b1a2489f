// Where and how the Binance USDⓈ-M gateways connect: one endpoint (host, port, plain or
// TLS) serving the market streams, the WebSocket API and the user-data streams, as the
// venue simulator and Binance's testnet do. Turned into net::WsClientOptions per socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ballast/net/idle_mode.hpp"
#include "ballast/net/ws_client.hpp"

namespace ballast::gateways {

struct BinanceConnectionOptions {
  std::string host = "127.0.0.1";
  std::string server_name;  // TLS name (SNI, Host, certificate check); "" = host
  std::uint16_t port = 0;
  bool tls = false;
  std::string ca_file;  // "" = the system trust store
  std::string market_path = "/stream";
  std::string api_path = "/ws-fapi/v1";
  std::string user_stream_prefix = "/ws/";  // + listenKey
  // How the market-data thread waits when nothing is ready: spin on the completion ring,
  // or (blocking) sleep in io_uring_enter for at most blocking_wait_ns after a poll that
  // found nothing (the thread's other work, e.g. a FIX feed merged with this one, waits
  // that long at worst). The order gateway never sleeps in the kernel: its orders come
  // from the engine's ring, which no socket completion would wake it for.
  net::IdleMode idle = net::IdleMode::busy_poll;
  std::int64_t blocking_wait_ns = 200'000;
  std::int64_t connect_timeout_ns = 3'000'000'000;
  std::int64_t reconnect_min_ns = 100'000'000;
  std::int64_t reconnect_max_ns = 5'000'000'000;
  std::size_t max_message_bytes = 1 << 20;
};

// The WsClientOptions of one socket of `c` at `path` (auto-reconnect with back-off on).
[[nodiscard]] net::WsClientOptions ws_client_options(const BinanceConnectionOptions& c,
                                                     const std::string& path);

}  // namespace ballast::gateways
