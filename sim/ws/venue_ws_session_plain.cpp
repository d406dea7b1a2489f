// The plain (ws://) connection of the simulator's WebSocket server.
#include "venue_ws_session.hpp"
#include "venue_ws_sessions.hpp"

namespace ballast::venue {

std::shared_ptr<Session> make_plain_session(VenueWsServer::Impl* server,
                                            boost::asio::ip::tcp::socket socket) {
  using namespace session_detail;
  return std::make_shared<WsSession<tcp::socket>>(server, std::move(socket));
}

}  // namespace ballast::venue
