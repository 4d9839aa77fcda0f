#!/usr/bin/env python3
"""How a command used the machine's cores, in figures that do not depend on what else runs.

    Tools/cpu-split.py CMD ARGS...      (e.g. .build/release/csledger-bench --only verify --ledger L)

Runs CMD, passing its output through, and every 2 ms counts its threads that are running or waiting for a
core (state R in /proc). Then prints one JSON line: `idle_core_s`, the core-seconds the program itself left
idle (at each sample, cores minus runnable threads, if positive: a thread waiting on another, or on a lock,
not on the machine); the histogram of runnable threads; and the CPU seconds of its busiest threads. Another
process's load makes threads wait for a core but does not change these figures (beyond sampling noise).
With `csledger-bench --only ed25519` run beside it, `signatures_checked x cpu_us` is the CPU Ed25519 alone
needs, and the verify's `cpu_seconds` minus that is everything else (README, "Full verification").
"""
import json, os, subprocess, sys, time

cores = os.cpu_count()
child = subprocess.Popen(sys.argv[1:])
hz = os.sysconf("SC_CLK_TCK")
idle, hist, threads = 0.0, {}, {}
start = last = time.monotonic()
while child.poll() is None:
    time.sleep(0.002)
    now = time.monotonic()
    dt, last = now - last, now
    try:
        tids = os.listdir(f"/proc/{child.pid}/task")
    except FileNotFoundError:
        break
    runnable = 0
    for tid in tids:
        try:
            stat = open(f"/proc/{child.pid}/task/{tid}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        runnable += fields[0] == "R"
        threads[tid] = (stat[stat.index("(") + 1:stat.rindex(")")], (int(fields[11]) + int(fields[12])) / hz)
    hist[runnable] = hist.get(runnable, 0) + 1
    idle += max(0, cores - runnable) * dt
child.wait()
busiest = sorted(threads.values(), key=lambda t: -t[1])[:8]
print(json.dumps({"cores": cores, "wall_s": round(time.monotonic() - start, 2), "idle_core_s": round(idle, 2),
                  "runnable_histogram": dict(sorted(hist.items())),
                  "thread_cpu_s": [[name, round(cpu, 2)] for name, cpu in busiest]}), flush=True)
sys.exit(child.returncode)
