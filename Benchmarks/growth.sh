#!/usr/bin/env bash
# The benchmark at several ledger sizes, then one table of the figures that should not grow with the ledger
# (per entry, or per operation), side by side (issue 24 item 5):
#   Benchmarks/growth.sh [--sizes 100000,1000000,3000000] [--dir ROOT] [--reuse] [--clients 8]
# Each size is a full `Benchmarks/run.sh --entries N --dir ROOT/N --json` (no dashboard phase, the daemon at
# --clients), its output kept in ROOT/N.txt; the table is printed from the JSON line each run ends with.
# Defaults: 100,000 and 1,000,000 entries (about 15 minutes on 2 cores); add 3000000 for the long run (the
# ledger alone takes about 30 minutes to build, and 6 GB of disk). --reuse measures the ledgers again
# (they grow by the appends each run times). Only the table: --table ROOT.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=100000,1000000
root=""
reuse=()
clients=8
table_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --dir) root="$2"; shift 2 ;;
    --reuse) reuse=(--reuse); shift ;;
    --clients) clients="$2"; shift 2 ;;
    --table) root="$2"; table_only=1; shift 2 ;;
    *) echo "growth.sh: unknown argument \"$1\" (see the comment at the top)" >&2; exit 2 ;;
  esac
done
[ -n "$root" ] || root="$(mktemp -d /tmp/csledger-growth.XXXXXX)"
mkdir -p "$root"

if [ "$table_only" = 0 ]; then
  IFS=, read -ra list <<< "$sizes"
  for n in "${list[@]}"; do
    case "$n" in ''|*[!0-9]*) echo "growth.sh: --sizes takes whole numbers, not \"$n\"" >&2; exit 2 ;; esac
    echo "== $n entries: Benchmarks/run.sh --entries $n --dir $root/$n (output in $root/$n.txt)"
    Benchmarks/run.sh --entries "$n" --dir "$root/$n" "${reuse[@]}" --json --clients "$clients" --page-loads 0 \
      > "$root/$n.txt" 2>&1 || { echo "growth.sh: the run at $n entries failed; see $root/$n.txt" >&2; exit 1; }
  done
fi

python3 - "$root" <<'EOF'
import glob, json, os, sys

root = sys.argv[1]
runs = []
for path in glob.glob(os.path.join(root, "*.txt")):
    lines = [l for l in open(path, encoding="utf-8") if l.startswith('{"entries"')]
    if lines:
        o = json.loads(lines[-1])
        runs.append((o["entries"], {r["name"]: r for r in o["results"]}))
if not runs:
    sys.exit("growth.sh: no finished run in %s (each run's output ends with its JSON line)" % root)
runs.sort(key=lambda r: r[0])

def v(res, name):
    r = res.get(name)
    return None if r is None else r["value"]

# (row label, how to work it out from one run's results, format)
rows = [
    ("the machine: Ed25519 on one core before / after the full verification, per s", lambda r: (v(r, "ed25519.verify.one_core"),
        v(r, "ed25519.verify.one_core_after")), "{:,.0f} / {:,.0f}"),
    ("full verify: entries/s", lambda r: v(r, "verify.full.entries"), "{:,.0f}"),
    ("full verify: signatures/s", lambda r: v(r, "verify.full.signatures"), "{:,.0f}"),
    ("full verify: share of the two-core Ed25519 limit", lambda r: (r.get("verify.full.signatures") or {}).get("limit") and
        v(r, "verify.full.signatures") / r["verify.full.signatures"]["limit"], "{:.3f}"),
    ("full verify: peak memory, MiB", lambda r: v(r, "verify.full.peak_rss_target"), "{:,.1f}"),
    ("chain-only: entries/s", lambda r: v(r, "verify.hashes.entries"), "{:,.0f}"),
    ("chain-only: CPU per entry, us", lambda r: v(r, "verify.hashes.cpu_per_entry"), "{:.2f}"),
    ("inclusion proof: mean / p99, us", lambda r: (v(r, "proof.inclusion.mean"), v(r, "proof.inclusion.p99")), "{:,.0f} / {:,.0f}"),
    ("consistency proof: mean / p99, us", lambda r: (v(r, "proof.consistency.mean"), v(r, "proof.consistency.p99")), "{:,.0f} / {:,.0f}"),
    ("reconcile from scratch: s", lambda r: v(r, "reconcile.rules.time_target"), "{:.2f}"),
    ("reconcile from scratch: us per entry", lambda r: v(r, "reconcile.rules.time_target") and
        v(r, "reconcile.rules.time_target") * 1e6 / runs_entries(r), "{:.2f}"),
    ("reconcile from scratch: peak MiB", lambda r: v(r, "reconcile.rules.peak_rss"), "{:,.0f}"),
    ("kept reconciliation, nothing new: ms", lambda r: v(r, "reconcile.kept.nothing_new"), "{:,.1f}"),
    ("kept reconciliation, after one dose: CPU ms", lambda r: v(r, "reconcile.kept.after_append.cpu"), "{:,.1f}"),
    ("kept reconciliation: phase peak MiB (with a full pass beside it)", lambda r: v(r, "reconcile.kept.peak_rss"), "{:,.0f}"),
    ("kept reconciliation: resident MiB (the state alone)", lambda r: v(r, "reconcile.kept.resident"), "{:,.0f}"),
    ("one durable append: per s", lambda r: v(r, "append.one_per_tx"), "{:,.0f}"),
    ("one durable append: CPU us", lambda r: v(r, "append.one_per_tx.cpu") * 1e3, "{:,.0f}"),
]

def runs_entries(r):
    return v(r, "ledger.entries") or 1

for r in runs:
    for name in sorted(r[1]):
        if name.startswith("daemon.c") and name.endswith(".appends"):
            c = name[len("daemon.c"):-len(".appends")]
            rows.append(("csledgerd, %s clients: appends/s" % c, (lambda n: lambda r: v(r, n))(name), "{:,.0f}"))
            rows.append(("csledgerd, %s clients: daemon CPU us per append" % c,
                         (lambda n: lambda r: v(r, n))("daemon.c%s.daemon_cpu" % c), "{:,.0f}"))
    break
rows.append(("file size per entry, bytes", lambda r: v(r, "storage.file_per_entry"), "{:,.0f}"))

def cell(fn, fmt, r):
    try:
        x = fn(r)
    except (TypeError, ZeroDivisionError, KeyError):
        return "-"
    if x is None or (isinstance(x, tuple) and None in x):
        return "-"
    return fmt.format(*x) if isinstance(x, tuple) else fmt.format(x)

head = "| figure | " + " | ".join("%s entries" % format(e, ",") for e, _ in runs) + " |"
print(head)
print("|---|" + "---:|" * len(runs))
for label, fn, fmt in rows:
    print("| %s | %s |" % (label, " | ".join(cell(fn, fmt, r) for _, r in runs)))
EOF
