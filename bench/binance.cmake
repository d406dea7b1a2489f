# Binance dialect benchmarks (issue 6): ballast_bench_binance. Run:
#   build/release/bench/ballast_bench_binance
add_executable(ballast_bench_binance ${CMAKE_CURRENT_LIST_DIR}/binance_bench.cpp)
target_link_libraries(ballast_bench_binance PRIVATE ballast::binance ballast_warnings
  benchmark::benchmark benchmark::benchmark_main)
target_compile_definitions(ballast_bench_binance PRIVATE BALLAST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
