#!/usr/bin/env bash
# The circuit breakers on `ballast run` (issue 14), with the machine they ran on:
#  1. the demo (engine + embedded venue) against a venue that rejects every order;
#  2. the replay example on a feed whose BTC price alternates +-13% every 100 ms.
# Prints orders, rejects, fees and the engine's final mode for each (from --json).
#   scripts/breakers.sh [BALLAST_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build/release/tools/ballast}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); kernel $(uname -r)"

summary() {  # json on stdin -> one line
  python3 -c 'import json,sys; d=json.load(sys.stdin); print("orders %d, fills %d, venue rejects %d, fees %.2f, breaker halts %s, ticks held by the jump filter %s, mode %s, risk denied %s" % (d["orders"], d["fills"], d["rejects"], d["fees_paid"], d.get("breaker_halts","-"), d.get("ticks_held_by_price_jump","-"), d.get("mode","-"), json.dumps(d.get("risk_denied",{}))))'
}

# 1. A venue that rejects everything, 15 s.
sed -e 's|"\.\./build/demo/|"'"$tmp"'/|g; s|"fix/|"'"$PWD"'/config/fix/|g' config/demo.toml > "$tmp/reject.toml"
if grep -q '^faults' "$tmp/reject.toml"; then
  sed -i 's|^faults = .*|faults = ["0 reject 1000000"]|' "$tmp/reject.toml"
else
  sed -i 's|^\[venue\]|[venue]\nfaults = ["0 reject 1000000"]|' "$tmp/reject.toml"
fi
echo "--- demo, venue rejecting every order, 15 s"
"$bin" run --config "$tmp/reject.toml" --duration 15 --json 2>/dev/null | summary

# 2. BTC alternating +-13% every 100 ms (recorded pace), 10 s.
python3 - "$tmp/alt.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("ts_ns,symbol,bid,bid_qty,ask,ask_qty,mark,index,funding_rate\n")
    for k in range(100):
        t = k * 100_000_000
        p = 70000.0 if k % 2 == 0 else 79100.0
        f.write(f"{t},BTCUSDT,{p-1},5,{p+1},5,,,\n")
        f.write(f"{t+1},BTCUSDT-PERP,{p-1},50,{p+1},50,{p},,0.0001\n")
        f.write(f"{t+2},ETHUSDT,3499,50,3501,50,,,\n")
        f.write(f"{t+3},ETHUSDT-PERP,3499,50,3501,50,3500,,0.0001\n")
PY
sed -e '/^\[feed\]/,/^\[orders\]/c\[feed]\nkind = "replay"\nfile = "'"$tmp"'/alt.csv"\npace = "recorded"\n\n[orders]' \
  config/examples/replay_loopback.toml > "$tmp/alt.toml"
echo "--- replay, BTC alternating +-13% every 100 ms, 10 s"
"$bin" run --config "$tmp/alt.toml" --duration 10 --json 2>/dev/null | summary
