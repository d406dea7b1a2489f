# The simulator's WebSocket server (sim/ws): ballast::venue_ws, the Binance
# USDⓈ-M dialect (market streams, WebSocket API, user-data stream) over Boost.Beast, plain
# or TLS, in front of the same VenueSimulation as the FIX acceptor.
find_package(Boost REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(simdjson REQUIRED)
find_package(Threads REQUIRED)
# Beast (the slowest code of the tree to compile) is in two files only, one per stream
# kind, so they build side by side; the server, streams, API and protocol helpers do not
# include it.
add_library(ballast_venue_ws STATIC
  ${CMAKE_CURRENT_LIST_DIR}/ws_protocol.cpp
  ${CMAKE_CURRENT_LIST_DIR}/venue_ws_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/venue_ws_session_plain.cpp
  ${CMAKE_CURRENT_LIST_DIR}/venue_ws_session_tls.cpp
  ${CMAKE_CURRENT_LIST_DIR}/venue_ws_streams.cpp
  ${CMAKE_CURRENT_LIST_DIR}/venue_ws_api.cpp)
add_library(ballast::venue_ws ALIAS ballast_venue_ws)
target_include_directories(ballast_venue_ws PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(ballast_venue_ws
  PUBLIC ballast::venue_core Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads
  PRIVATE simdjson::simdjson tomlplusplus::tomlplusplus ballast_warnings)
# Under the sanitizers the two Beast files are built -O0: at the preset's -O1 the TLS one
# alone took 260 s (the longest step of the ASan build); the simulator's speed does not
# matter there, ASan's checks of it do.
if(BALLAST_SANITIZE)
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/venue_ws_session_plain.cpp
    ${CMAKE_CURRENT_LIST_DIR}/venue_ws_session_tls.cpp PROPERTIES COMPILE_OPTIONS -O0)
endif()
