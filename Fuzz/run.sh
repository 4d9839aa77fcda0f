#!/usr/bin/env bash
# Builds the libFuzzer targets (release, -sanitize=fuzzer,address) and runs each for SECONDS (default 60).
#   Fuzz/run.sh [seconds-per-target] [target ...]
# Seed corpora: Fuzz/Corpus/<target>/ (kept in git). New inputs found during a run go to
# Fuzz/.work/<target>/ (not in git); crashes are written to Fuzz/.work/crashes/ and stop the run.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(fuzz-json fuzz-statement fuzz-gs1 fuzz-note fuzz-tlog-proof fuzz-manifest fuzz-http-statement fuzz-route-query)
fi
swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
BIN="$(swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --show-bin-path)"
mkdir -p .work/crashes
status=0
for t in "${TARGETS[@]}"; do
  mkdir -p ".work/$t"
  echo "== $t: ${SECONDS_PER_TARGET}s"
  if ! "$BIN/$t" -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -timeout=10 -rss_limit_mb=3072 \
       -artifact_prefix=".work/crashes/$t-" -print_final_stats=1 ".work/$t" "Corpus/$t" 2>".work/$t.log"; then
    echo "!! $t found a problem; see Fuzz/.work/$t.log and Fuzz/.work/crashes/"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs" ".work/$t.log" | sed "s/^/   /" || true
done
exit $status
