#!/usr/bin/env bash
# Compares `ballast-bench tick-to-order` between this tree and a baseline commit, stage by
# stage. Both binaries run in alternation (a pair at a time) so they see the same load:
# this 2-core VM's timings move by tens of percent from one minute to the next, and a
# lone run of either says little. Prints every pair and the median of each column.
#
#   scripts/bench-tick-to-order.sh --baseline REF [--pairs N]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=""
pairs=6
while (($#)); do
  case "$1" in
    --baseline) baseline="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    *) echo "usage: $0 --baseline REF [--pairs N]" >&2; exit 2 ;;
  esac
done
[[ -n "$baseline" ]] || { echo "usage: $0 --baseline REF [--pairs N]" >&2; exit 2; }

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target ballast-bench >/dev/null
new=build/release/bench/ballast-bench

dir=$(mktemp -d /tmp/ballast-baseline.XXXXXX)
trap 'git worktree remove --force "$dir" >/dev/null 2>&1 || true' EXIT
git worktree add -q --detach "$dir" "$baseline"
(cd "$dir" && cmake --preset release >/dev/null &&
   cmake --build --preset release --target ballast-bench >/dev/null)
old="$dir/build/release/bench/ballast-bench"

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
echo "kernel: $(uname -r); topology as the bench prints it (hot[md+engine] cpu 0, orders cpu 1)"
echo "baseline $baseline ($(git rev-parse --short "$baseline")) vs this tree ($(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')), $pairs alternating pairs"
# One run -> "engine risk hop encode p50 p99 open_p99" (paced stage p50s in ns, paced
# tick-to-order p50/p99, open-loop tick-to-order p99).
stages() {
  "$1" tick-to-order 2>&1 | awk '
    /engine \(value\+plan\)/ { e = $4 }
    /^  risk / { r = $2 }
    /hop engine->orders/ { h = $3 }
    /^  encode / { c = $2 }
    /^open loop/ { open = 1 }
    open && /^  tick-to-order/ { o = $4; open = 0 }
    /^tick_to_order_ns/ { split($2, a, "="); split($4, b, "="); p50 = a[2]; p99 = b[2] }
    END { print e, r, h, c, p50, p99, o }'
}
printf '%-9s %7s %7s %7s %7s %9s %9s %12s\n' run engine risk hop encode t2o_p50 t2o_p99 open_p99
for _ in $(seq "$pairs"); do
  echo "baseline $(stages "$old")"
  echo "tree $(stages "$new")"
done | awk '
  { printf "%-9s %7s %7s %7s %7s %9s %9s %12s\n", $1, $2, $3, $4, $5, $6, $7, $8
    for (k = 2; k <= 8; ++k) v[$1, k, ++n[$1, k]] = $k }
  function median(who, k,   m, i, j, t, a) {
    m = n[who, k]; for (i = 1; i <= m; ++i) a[i] = v[who, k, i]
    for (i = 1; i <= m; ++i) for (j = i + 1; j <= m; ++j) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
  }
  END {
    for (w = 1; w <= 2; ++w) {
      who = w == 1 ? "baseline" : "tree"
      printf "%-9s", "median " (w == 1 ? "b" : "t")
      for (k = 2; k <= 8; ++k) printf (k < 6 ? " %7s" : (k < 8 ? " %9s" : " %12s")), median(who, k)
      printf "\n"
    }
  }'
echo "(ns; engine/risk/hop/encode are paced per-stage p50s, t2o is paced tick-to-order, open_p99 is 100k ticks/s open loop)"
