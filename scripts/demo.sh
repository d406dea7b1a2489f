#!/usr/bin/env bash
# The README's demo command: installs dependencies, builds the engine, and runs
# `ballast run` on config/demo.toml for 30 seconds: the Seed 000 portfolio (65/35
# BTC/ETH against 50/50) hedged with perpetuals on the venue simulator, which the
# engine starts in-process and trades with on loopback over two routes: a real FIX 4.4
# session (spot market data, BTC futures) and WebSocket in Binance's USD-M dialect
# (ETHUSDT-PERP: market streams, WebSocket API, user-data stream; a one-off key pair).
# A status line every second on stderr, the summary at the end on stdout.
# Extra arguments go to `ballast run` (e.g. --json, --duration 300). While it runs,
# build/release/tools/ballast-console/ballast-console --config config/demo.toml drives it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target ballast ballast-console
echo "demo: drive it from another terminal: build/release/tools/ballast-console/ballast-console --config config/demo.toml" >&2
exec build/release/tools/ballast run --config config/demo.toml --duration 30 "$@"
