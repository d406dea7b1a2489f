// One accepted connection as a Session, plain or TLS. Each kind is built in its own
// translation unit (venue_ws_session_plain.cpp, venue_ws_session_tls.cpp): Beast's
// WebSocket stream over each is the slowest code of the tree to compile, and two files
// compile side by side. The template itself is in venue_ws_session.hpp.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "venue_ws_impl.hpp"

namespace ballast::venue {

std::shared_ptr<Session> make_plain_session(VenueWsServer::Impl* server,
                                            boost::asio::ip::tcp::socket socket);
std::shared_ptr<Session> make_tls_session(VenueWsServer::Impl* server,
                                          boost::asio::ip::tcp::socket socket,
                                          boost::asio::ssl::context& tls);

}  // namespace ballast::venue
