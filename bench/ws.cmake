# WebSocket / Binance benchmarks (issue 6).
# The RFC 6455 codec's per-message cost: decode + assemble of a bookTicker-sized text
# frame, and header + mask of an order-sized client frame. Run:
#   build/release/bench/ballast_bench_ws
add_executable(ballast_bench_ws ws_frame_bench.cpp)
target_link_libraries(ballast_bench_ws PRIVATE ballast::net ballast_warnings benchmark::benchmark
  benchmark::benchmark_main)

# Tick-to-order over loopback WebSocket, wire to wire through the real engine
# (BinanceMarketDataFeed -> pipeline -> BinanceOrderGateway) against a Beast "venue" on
# 127.0.0.1: {plain, TLS} x {busy_poll, blocking} side by side in one run. Run:
#   build/release/bench/ballast_bench_ws_tick_to_order [--quick] [--ticks N] [--threads 1|2]
# The test PKI (tests/net/test_certs.cpp) is compiled in, so the bench does not need the
# test tree.
find_package(Boost REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
add_executable(ballast_bench_ws_tick_to_order ${CMAKE_CURRENT_LIST_DIR}/ws_tick_to_order.cpp
  ${PROJECT_SOURCE_DIR}/tests/net/test_certs.cpp)
target_include_directories(ballast_bench_ws_tick_to_order PRIVATE ${PROJECT_SOURCE_DIR}/tests/net)
target_link_libraries(ballast_bench_ws_tick_to_order PRIVATE ballast::gateways ballast::risk
  Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads ballast_warnings)
# Smoke test: a quick run must print all four rows, each with orders counted.
if(BALLAST_BUILD_TESTS)
  add_test(NAME WsTickToOrderHarness.QuickRunPrintsFourConfigurations
           COMMAND ballast_bench_ws_tick_to_order --quick)
  set_tests_properties(WsTickToOrderHarness.QuickRunPrintsFourConfigurations PROPERTIES
    PASS_REGULAR_EXPRESSION "ws-t2o plain busy_poll +[1-9][0-9]* .*ws-t2o plain blocking +[1-9][0-9]* .*ws-t2o tls busy_poll +[1-9][0-9]* .*ws-t2o tls blocking +[1-9][0-9]* "
    FAIL_REGULAR_EXPRESSION "ERROR"
    TIMEOUT 300 RUN_SERIAL TRUE)
endif()
