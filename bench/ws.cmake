# WebSocket / Binance benchmarks (issue 6).
