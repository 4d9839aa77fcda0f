#!/usr/bin/env bash
# Builds csledger-bench in release mode and runs it. Arguments go to the benchmark:
#   Benchmarks/run.sh [--entries N] [--dir DIR] [--json]
# The default size (100,000 entries) takes about 2 minutes on a 2-core machine, plus the build.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product csledger-bench
bin="$(swift build -c release --product csledger-bench --show-bin-path)/csledger-bench"
echo "toolchain     $(swift --version 2>&1 | head -n 1)"
exec "$bin" "$@"
