#!/usr/bin/env bash
# The dependency rule, checked on every #include "ballast/<module>/...":
#   tools -> runtime -> {control, journal, gateways} -> risk -> core,   sim -> core.
# A source in a module may include its own headers and those of the modules below it,
# nothing else. Prints every back edge (file:line: module -> module) and exits 1 on any.
# tests/ and bench/ may include anything. Run by ctest (DependencyRuleTest).
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

module_of_path() {
  case "$1" in
    core/*) echo core ;;
    risk/*) echo risk ;;
    control/*) echo control ;;
    journal/*) echo journal ;;
    gateways/*) echo gateways ;;
    runtime/*) echo runtime ;;
    sim/*) echo sim ;;
    tools/*) echo tools ;;
    *) echo "" ;;
  esac
}

module_of_include() {
  case "$1" in
    core) echo core ;;
    risk) echo risk ;;
    control) echo control ;;
    journal) echo journal ;;
    gateways | net | binance | fix) echo gateways ;;
    runtime) echo runtime ;;
    venue | sim) echo sim ;;
    *) echo "" ;;
  esac
}

allowed() {  # module -> the modules it may include
  case "$1" in
    core) echo "core" ;;
    risk) echo "core risk" ;;
    control) echo "core risk control" ;;
    journal) echo "core risk journal" ;;
    gateways) echo "core risk gateways" ;;
    runtime) echo "core risk control journal gateways runtime" ;;
    sim) echo "core sim" ;;
    tools) echo "core risk control journal gateways runtime sim tools" ;;
  esac
}

bad=0
checked=0
while IFS= read -r hit; do
  file=${hit%%:*}
  rest=${hit#*:}
  line=${rest%%:*}
  dir=$(sed -E 's|.*#include "ballast/([a-z_]+)/.*|\1|' <<<"$rest")
  from=$(module_of_path "$file")
  to=$(module_of_include "$dir")
  [[ -n "$from" && -n "$to" ]] || continue
  checked=$((checked + 1))
  if [[ " $(allowed "$from") " != *" $to "* ]]; then
    echo "$file:$line: $from -> $to breaks the dependency rule" >&2
    bad=$((bad + 1))
  fi
done < <(grep -rnE '#include "ballast/[a-z_]+/' --include='*.cpp' --include='*.hpp' \
           core risk control gateways runtime sim tools || true)

if ((checked == 0)); then
  echo "check-deps: no #include \"ballast/...\" found: wrong directory?" >&2
  exit 1
fi
if ((bad > 0)); then
  echo "check-deps: $bad back edge(s) in $checked includes" >&2
  exit 1
fi
echo "check-deps: $checked includes, no back edge (tools -> runtime -> {control, journal, gateways} -> risk -> core; sim -> core)"
