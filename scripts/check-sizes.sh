#!/usr/bin/env bash
# Size limits of issue 15, checked: no source file over 800 lines outside tests/ and
# bench/, and no function over 80 lines in runtime/ or tools/. A function is counted from
# its first line at column 0 to the closing brace at column 0 (clang-format's layout);
# members defined in a class body are counted the same way at their indentation.
# Prints every offender and exits 1 on any. Run by ctest (SizeLimitTest).
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
bad=0
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' |
  grep -v '^tests/\|^bench/')
for f in "${files[@]}"; do
  n=$(wc -l <"$f")
  if ((n > 800)); then
    echo "$f: $n lines (at most 800 outside tests/ and bench/)" >&2
    bad=$((bad + 1))
  fi
done
for f in "${files[@]}"; do
  case "$f" in runtime/* | tools/*) ;; *) continue ;; esac
  out=$(awk -v file="$f" '
    # A definition starts at a line in column 0 that is not a namespace, type or
    # declaration keyword (its signature may wrap), its body opens at the first line
    # ending in "{" and closes at the next "}" in column 0.
    /^[A-Za-z]/ && !/^(namespace|class|struct|enum|union|extern|template|using|typedef|static_assert|constexpr|inline constexpr)[^A-Za-z_]/ && !open {
      start = NR; name = $0; armed = 1
    }
    armed && !open && /\{$/ { open = 1 }
    armed && !open && /;$/ { armed = 0 }
    open && /^}/ {
      len = NR - start + 1
      if (len > 80) printf "%s:%d: %d lines: %s\n", file, start, len, name
      open = 0; armed = 0
    }' "$f")
  if [[ -n "$out" ]]; then
    echo "$out" >&2
    bad=$((bad + $(wc -l <<<"$out")))
  fi
done
if ((bad > 0)); then
  echo "check-sizes: $bad over the limits" >&2
  exit 1
fi
echo "check-sizes: ${#files[@]} files within 800 lines; runtime/ and tools/ functions within 80"
