# Binance dialect benchmarks (issue 6): ballast_bench_binance.
