#!/usr/bin/env bash
# Installs the Debian 12 packages Ballast builds and tests with. Idempotent: when
# every package is already present it does nothing; otherwise apt-get update first.
set -euo pipefail
packages=(g++ cmake ninja-build pkg-config libboost-dev libtomlplusplus-dev libsimdjson-dev libgtest-dev libgmock-dev libbenchmark-dev libquickfix-dev libxml2-dev liburing-dev libssl-dev libncurses-dev tmux stunnel4 clang-format)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
