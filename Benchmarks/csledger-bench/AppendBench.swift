import CSLedgerKit
import LedgerCore

/// Writing entries: one durable transaction per entry, and two writers at once.
struct AppendBench {
    let workload: Workload

    /// Sign and `Ledger.append` in a loop (sign, check, insert, sign a checkpoint, commit with fsync), until
    /// `count` entries or `seconds` have passed. Returns each call's latency (wall time).
    ///
    /// `checked`: through `Ledger.append`, which checks the file against its signed entries first unless this
    /// process did and nobody else wrote since (so the first append pays the check, the others do not); false:
    /// the store's append alone (two writers in one process: each sees the other's commits as another
    /// process's, and would check the whole file again before each append).
    func oneByOne(_ ledger: Ledger, count: Int, seconds: Double, signer: Int = 0, tag: String = "-one", checked: Bool = true) throws -> Latencies {
        var signing = 0.0
        return try oneByOne(ledger, count: count, seconds: seconds, signer: signer, tag: tag, checked: checked, signingCPU: &signing)
    }

    /// `oneByOne`, adding to `signingCPU` the CPU seconds this thread spent signing the statements: the actor's
    /// act, which the command line (or a terminal) does before the ledger's append; the rest is the append.
    func oneByOne(_ ledger: Ledger, count: Int, seconds: Double, signer: Int = 0, tag: String = "-one", checked: Bool = true,
                  signingCPU: inout Double) throws -> Latencies {
        var latencies = Latencies(reservingCapacity: min(count, 10_000))
        let watch = Stopwatch()
        let checkpointSigner = try ledger.checkpointSigner(facilityKey: workload.facility)
        var i = 0
        while i < count, watch.seconds < seconds {
            let (_, t) = try Stopwatch.time {
                let before = ProcStatus.threadCPUSeconds()
                let signed = try workload.signed(i, signer: signer, tag: tag)
                signingCPU += ProcStatus.threadCPUSeconds() - before
                if checked {
                    try ledger.append([signed], facilityKey: workload.facility)
                } else {
                    try ledger.database.append([signed], checkpointSigner: checkpointSigner, projections: ledger.projections)
                }
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
                Result { try bench.oneByOne(try Ledger.open(path: path), count: .max, seconds: seconds, signer: w, tag: "-w\(w)", checked: false) }
            }
        }
        var all = Latencies()
        for outcome in outcomes {
            for s in try outcome.get().samples { all.add(s) }
        }
        return Concurrent(appends: all.count, seconds: elapsed, latencies: all)
    }
}
