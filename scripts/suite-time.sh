#!/usr/bin/env bash
# What the suite costs as CI pays it: a fresh clone of REF (default HEAD), then for each
# preset a clean configure + build and the whole ctest run, each phase timed, with the
# machine it ran on. The packages must be installed (scripts/install-deps.sh).
#   scripts/suite-time.sh [REF] [--keep]
# Prints one line per phase and the total; --keep leaves the clone for a look.
set -euo pipefail
cd "$(dirname "$0")/.."

ref=HEAD
keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -*) echo "suite-time: unknown option $arg" >&2; exit 2 ;;
    *) ref=$arg ;;
  esac
done

commit=$(git rev-parse --short "$ref")
dir=$(mktemp -d /tmp/ballast-suite-XXXXXX)
[[ $keep == 1 ]] || trap 'rm -rf "$dir"' EXIT
git clone -q --no-hardlinks . "$dir/src"
git -C "$dir/src" checkout -q "$commit"

jobs=$(nproc)
echo "suite-time: $commit on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r)"

phase() {  # label, command...: runs it in the clone and prints its wall time
  local label=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  if ! (cd "$dir/src" && "$@" >"$dir/$label.log" 2>&1); then
    echo "suite-time: $label failed (log: $dir/$label.log)" >&2
    keep=1
    trap - EXIT
    exit 1
  fi
  t1=$(date +%s.%N)
  local s
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  printf '  %-14s %7.1f s\n' "$label" "$s"
  total=$(awk -v a="$total" -v b="$s" 'BEGIN { printf "%.1f", a + b }')
}

total=0
for preset in release asan; do
  phase "$preset-build" bash -c "cmake --preset $preset && cmake --build --preset $preset -j $jobs"
  phase "$preset-test" ctest --preset "$preset"
done
printf '  %-14s %7.1f s (%.1f min)\n' total "$total" "$(awk -v t="$total" 'BEGIN { print t / 60 }')"
