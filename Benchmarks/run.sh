#!/usr/bin/env bash
# Builds csledger-bench and csledgerd in release mode and runs the benchmark. Arguments go to it:
#   Benchmarks/run.sh [--entries N] [--dir DIR [--reuse]] [--clients 8,32,128] [--json]
# The default size (1,000,000 entries) takes about 10 minutes on a 2-core machine, plus the build.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product csledger-bench
swift build -c release --product csledgerd   # the daemon phase starts this binary
swift build -c release --product csledger    # the witness phase over HTTP starts `csledger witness serve`
bin="$(swift build -c release --product csledger-bench --show-bin-path)/csledger-bench"
echo "toolchain     $(swift --version 2>&1 | head -n 1)"
exec "$bin" "$@"
