import CSLedgerKit
import LedgerCore

/// Writing entries: one durable transaction per entry, bulk batches, and two writers at once.
struct AppendBench {
    let workload: Workload

    /// `Ledger.record` in a loop (sign, check, insert, sign a checkpoint, commit with fsync), until
    /// `count` entries or `seconds` have passed. Returns each call's latency (wall time).
    func oneByOne(_ ledger: Ledger, count: Int, seconds: Double, signer: Int = 0) throws -> Latencies {
        var latencies = Latencies(reservingCapacity: min(count, 10_000))
        let watch = Stopwatch()
        var i = 0
        while i < count, watch.seconds < seconds {
            let (_, t) = try Stopwatch.time {
                try ledger.record(type: Workload.statementType, body: workload.body(i), key: workload.pharmacists[signer],
                                  facilityKey: workload.facility)
            }
            latencies.add(t)
            i += 1
        }
        return latencies
    }

    struct Bulk {
        let entries: Int
        /// Seconds spent signing statements (on all cores), before any append.
        let signSeconds: Double
        /// Seconds spent in `Ledger.append`.
        let appendSeconds: Double
        /// CPU seconds (all threads) spent in `Ledger.append`.
        let appendCPUSeconds: Double
        /// Mean canonical size of the statements written.
        let statementBytes: Double
    }

    /// `count` statements signed in parallel `batch` at a time, each batch then written with one
    /// `Ledger.append` (one transaction, one checkpoint). Signing and appending are timed apart.
    func bulk(_ ledger: Ledger, count: Int, batch: Int, progress: (Int) -> Void) throws -> Bulk {
        var signSeconds = 0.0, appendSeconds = 0.0, appendCPUSeconds = 0.0, statementBytes = 0
        var done = 0
        while done < count {
            let n = min(batch, count - done)
            let first = done
            let workload = self.workload
            let time = Timestamp.now()
            let (results, ts) = Stopwatch.time {
                Parallel.map(n) { k in Result { try workload.signed(first + k, time: time) } }
            }
            let statements = try results.map { try $0.get() }
            signSeconds += ts
            statementBytes += statements.reduce(0) { $0 + $1.statement.signingInput.count }
            let cpuBefore = ProcStatus.cpuSeconds()
            let (_, ta) = try Stopwatch.time { try ledger.append(statements, facilityKey: workload.facility) }
            appendSeconds += ta
            appendCPUSeconds += ProcStatus.cpuSeconds() - cpuBefore
            done += n
            progress(done)
        }
        return Bulk(entries: count, signSeconds: signSeconds, appendSeconds: appendSeconds, appendCPUSeconds: appendCPUSeconds,
                    statementBytes: Double(statementBytes) / Double(max(count, 1)))
    }

    struct Concurrent {
        let appends: Int
        let seconds: Double
        let latencies: Latencies
    }

    /// `writers` threads, each with its own `Ledger.open` of `path`, each appending one entry per
    /// transaction for `seconds`. SQLite's write lock serialises them.
    func concurrent(path: String, writers: Int, seconds: Double) throws -> Concurrent {
        let bench = self
        let (outcomes, elapsed) = Stopwatch.time {
            Parallel.onEachWorker(writers) { w in
                Result { try bench.oneByOne(try Ledger.open(path: path), count: .max, seconds: seconds, signer: w % bench.workload.pharmacists.count) }
            }
        }
        var all = Latencies()
        for outcome in outcomes {
            for s in try outcome.get().samples { all.add(s) }
        }
        return Concurrent(appends: all.count, seconds: elapsed, latencies: all)
    }
}
