// The TLS (wss://) connection of the simulator's WebSocket server.
#include "venue_ws_session.hpp"
#include "venue_ws_sessions.hpp"

namespace ballast::venue {

std::shared_ptr<Session> make_tls_session(VenueWsServer::Impl* server,
                                          boost::asio::ip::tcp::socket socket,
                                          boost::asio::ssl::context& tls) {
  using namespace session_detail;
  return std::make_shared<WsSession<ssl::stream<tcp::socket>>>(
      server, ssl::stream<tcp::socket>(std::move(socket), tls));
}

}  // namespace ballast::venue
