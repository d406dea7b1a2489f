#!/usr/bin/env bash
# Prints the planner's and the risk check's benchmark figures quoted in docs/performance.md, with
# the machine they ran on. With --baseline REF it also builds REF's ballast_bench_core in
# a scratch worktree and runs both binaries in alternation, pinned to one CPU, so the
# ratio is measured under the same load (this machine's timings drift by tens of percent
# from run to run; alternating pairs cancel most of that).
#
#   scripts/bench-planner.sh                 # this tree, Release build
#   scripts/bench-planner.sh --baseline REF  # and the ratio to REF (e.g. origin/main~1)
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=""
pairs=10
while (($#)); do
  case "$1" in
    --baseline) baseline="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    *) echo "usage: $0 [--baseline REF] [--pairs N]" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target ballast_bench_core ballast_bench_risk >/dev/null
new=build/release/bench/ballast_bench_core

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
echo "kernel: $(uname -r); pinned to CPU 1 (taskset) where the benchmark allows it"
median() {  # binary filter -> median real time in ns of 3 repetitions
  taskset -c 1 "$1" --benchmark_filter="$2" --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true 2>/dev/null | awk '/_median/ {print $2; exit}'
}

echo "--- this tree (median of 3 repetitions each)"
for bm in '^BM_Planner_Plan$' '^BM_Valuation_FullRecompute$' '^BM_Trigger_Evaluate$'; do
  printf '%-34s %s ns\n' "${bm//[\^\$]/}" "$(median "$new" "$bm")"
done
for bm in '^BM_RiskEngine_CheckOrder$' '^BM_RiskEngine_Assess$'; do
  printf '%-34s %s ns\n' "${bm//[\^\$]/}" "$(median build/release/bench/ballast_bench_risk "$bm")"
done

if [[ -n "$baseline" ]]; then
  dir=$(mktemp -d /tmp/ballast-baseline.XXXXXX)
  trap 'git worktree remove --force "$dir" >/dev/null 2>&1 || true' EXIT
  git worktree add -q --detach "$dir" "$baseline"
  (cd "$dir" && cmake --preset release >/dev/null &&
     cmake --build --preset release --target ballast_bench_core >/dev/null)
  old="$dir/build/release/bench/ballast_bench_core"
  echo "--- BM_Planner_Plan, $pairs alternating pairs: baseline $baseline vs this tree"
  for _ in $(seq "$pairs"); do
    echo "$(median "$old" '^BM_Planner_Plan$') $(median "$new" '^BM_Planner_Plan$')"
  done | awk '{ b += $1; n += $2; print "  " $1 " ns  " $2 " ns" }
              END { printf "mean: baseline %.0f ns, this tree %.0f ns, ratio %.2f\n", b/NR, n/NR, n/b }'
fi
