#!/usr/bin/env bash
# Fails when a C++ source does not match .clang-format (Debian's clang-format), naming
# each file; `scripts/check-format.sh --fix` rewrites them in place. Run by ctest
# (FormatTest.EverySourceMatchesClangFormat), so scripts/test.sh and CI fail on a drift.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed" >&2; exit 1; }
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' 2>/dev/null || find core risk control gateways runtime tools tests bench -name '*.[ch]pp')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  echo "check-format: formatted ${#files[@]} files"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "$f: does not match .clang-format (scripts/check-format.sh --fix)" >&2
    bad=$((bad + 1))
  fi
done
if ((bad > 0)); then
  echo "check-format: $bad of ${#files[@]} files need formatting" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files match .clang-format"
