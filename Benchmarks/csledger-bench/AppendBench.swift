import CSLedgerKit
import LedgerCore

/// Writing entries: one durable transaction per entry, and two writers at once.
struct AppendBench {
    let workload: Workload

    /// Sign and `Ledger.append` in a loop (sign, check, insert, sign a checkpoint, commit with fsync), until
    /// `count` entries or `seconds` have passed. Returns each call's latency (wall time).
    func oneByOne(_ ledger: Ledger, count: Int, seconds: Double, signer: Int = 0, tag: String = "-one") throws -> Latencies {
        var latencies = Latencies(reservingCapacity: min(count, 10_000))
        let watch = Stopwatch()
        var i = 0
        while i < count, watch.seconds < seconds {
            let (_, t) = try Stopwatch.time {
                try ledger.append([try workload.signed(i, signer: signer, tag: tag)], facilityKey: workload.facility)
            }
            latencies.add(t)
            i += 1
        }
        return latencies
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
                Result { try bench.oneByOne(try Ledger.open(path: path), count: .max, seconds: seconds, signer: w, tag: "-w\(w)") }
            }
        }
        var all = Latencies()
        for outcome in outcomes {
            for s in try outcome.get().samples { all.add(s) }
        }
        return Concurrent(appends: all.count, seconds: elapsed, latencies: all)
    }
}
