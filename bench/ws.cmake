# WebSocket / Binance benchmarks (issue 6).
# The RFC 6455 codec's per-message cost: decode + assemble of a bookTicker-sized text
# frame, and header + mask of an order-sized client frame. Run:
#   build/release/bench/ballast_bench_ws
add_executable(ballast_bench_ws ws_frame_bench.cpp)
target_link_libraries(ballast_bench_ws PRIVATE ballast::net ballast_warnings benchmark::benchmark
  benchmark::benchmark_main)
