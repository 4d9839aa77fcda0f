#!/usr/bin/env bash
# Long crash-safety run: builds csledger, csledgerd and crash-harness, then SIGKILLs them during appends.
#   Scripts/crash-harness.sh --kills 200 [--seed N] [--max-delay S] [--mode cli|daemon|both] [--work DIR] [--verbose]
# Add CONFIG=release to measure against release binaries. Exit 0 only if every check held after every kill.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG="${CONFIG:-debug}"
swift build -c "$CONFIG" --product csledger
swift build -c "$CONFIG" --product csledgerd
swift build -c "$CONFIG" --product crash-harness
BIN="$(swift build -c "$CONFIG" --show-bin-path)"
exec "$BIN/crash-harness" --bin "$BIN" "$@"
