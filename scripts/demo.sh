#!/usr/bin/env bash
# The README's demo command: installs dependencies, builds the engine, and runs
# `ballast plan` on config/demo.toml (the Seed 000 portfolio) to print the hedge plan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target ballast
exec build/release/tools/ballast plan --config config/demo.toml "$@"
