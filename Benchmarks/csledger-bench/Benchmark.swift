import CSLedgerKit
import Foundation
import LedgerCore

/// The whole run: every measurement in turn, on one ledger of `options.entries` entries.
///
/// Order matters: the ledger is filled by the bulk append, then verified, proved against and
/// measured at exactly `entries` entries; only then do the one-entry and two-writer phases add to it.
struct Benchmark {
    let options: BenchOptions
    let directory: String
    let workload: Workload
    private(set) var results: [BenchResult] = []
    private let started = Stopwatch()

    init(options: BenchOptions, directory: String) throws {
        self.options = options
        self.directory = directory
        self.workload = try Workload()
    }

    var ledgerPath: String { directory + "/ledger.sqlite" }

    func say(_ text: String) {
        FileHandle.standardError.write(Data("[\(String(format: "%6.1f", started.seconds)) s] \(text)\n".utf8))
    }

    private mutating func add(_ name: String, _ value: Double, _ unit: String, limit: Double? = nil, limitIs: String? = nil) {
        results.append(BenchResult(name, value, unit, limit: limit, limitIs: limitIs))
    }

    mutating func run() throws {
        let cores = Parallel.cores
        let n = options.entries

        // 1. The ceiling for everything that checks signatures.
        say("Ed25519 verification: 3 s on one core, then 3 s on \(cores) cores")
        let ed = try Ed25519Bench(workload: workload, seconds: 3).run()
        add("ed25519.verify.one_core", ed.oneCore, "verifications/s")
        add("ed25519.verify.all_cores", ed.allCores, "verifications/s", limit: ed.oneCore * Double(cores), limitIs: "\(cores) x one core")
        add("ed25519.verify.cpu_cost", ed.cpuSecondsPerVerify * 1e6, "us CPU")
        add("ed25519.message_size", Double(ed.messageBytes), "bytes")

        // 3. Bulk append up to n entries; the ledger is closed (WAL merged) before its size is read.
        let appends = AppendBench(workload: workload)
        let bulkCount = n - workload.setupEntries
        say("bulk append: \(bulkCount) statements, \(options.batch) per transaction")
        let bulk = try appends.bulk(try workload.create(path: ledgerPath), count: bulkCount, batch: options.batch) { done in
            let step = max(bulkCount / 10, 1)
            if done % step < options.batch || done == bulkCount { say("  \(done) / \(bulkCount)") }
        }
        add("bulk.sign", Double(bulk.entries) / bulk.signSeconds, "statements/s")
        add("bulk.append", Double(bulk.entries) / bulk.appendSeconds, "entries/s", limit: ed.oneCore,
            limitIs: "Ed25519 verify, one core")
        add("bulk.append.cpu_per_entry", bulk.appendCPUSeconds / Double(bulk.entries) * 1e6, "us CPU",
            limit: ed.cpuSecondsPerVerify * 1e6, limitIs: "one Ed25519 verify")
        add("bulk.statement_size", bulk.statementBytes, "bytes")
        let fileBytes = Self.fileBytes(ledgerPath)

        // 5. Full verification, in a fresh process for a clean peak-memory figure.
        say("verify (signatures, hashes, Merkle tree, checkpoints) in a child process")
        let full = try VerifyBench.verifyInChild(path: ledgerPath, checkSignatures: true)
        try expectClean(full)
        add("verify.full.entries", Double(full.entries) / full.seconds, "entries/s")
        add("verify.full.signatures", Double(full.signaturesChecked) / full.seconds, "signatures/s", limit: ed.allCores,
            limitIs: "Ed25519 verify, all cores")
        add("verify.full.signatures_checked", Double(full.signaturesChecked), "signatures",
            limit: Double(full.entries + full.checkpointsChecked), limitIs: "entries + checkpoints")
        add("verify.full.checkpoints_checked", Double(full.checkpointsChecked), "checkpoints")
        add("verify.full.time", full.seconds, "s")
        add("verify.full.cpu_busy", full.cpuSeconds / full.seconds, "cores", limit: Double(cores), limitIs: "cores")
        add("verify.full.cpu_per_entry", full.cpuSeconds / Double(full.entries) * 1e6, "us CPU",
            limit: ed.cpuSecondsPerVerify * 1e6 * Double(full.signaturesChecked) / Double(full.entries), limitIs: "its Ed25519 verifies")
        add("verify.full.peak_rss", Double(full.peakKiB) / 1024, "MiB")
        add("verify.full.peak_rss_growth", Double(full.peakKiB - full.baselineKiB) / 1024, "MiB")

        // 6. Hashes and Merkle tree only.
        say("verify without signatures in a child process")
        let hashes = try VerifyBench.verifyInChild(path: ledgerPath, checkSignatures: false)
        try expectClean(hashes)
        add("verify.hashes.entries", Double(hashes.entries) / hashes.seconds, "entries/s")
        add("verify.hashes.time", hashes.seconds, "s")
        add("verify.hashes.cpu_per_entry", hashes.cpuSeconds / Double(hashes.entries) * 1e6, "us CPU")
        add("verify.hashes.peak_rss", Double(hashes.peakKiB) / 1024, "MiB")

        // 7, 8. Proofs at n entries; storage per entry.
        say("proofs: 1,000 inclusion and 1,000 consistency at \(n) entries")
        do {
            let ledger = try Ledger.open(path: ledgerPath)
            let proofs = try ProofBench(count: 1_000).run(ledger)
            for (name, l) in [("inclusion", proofs.inclusion), ("consistency", proofs.consistency)] {
                add("proof.\(name).mean", l.mean * 1e6, "us", limit: 1_000, limitIs: "target")
                add("proof.\(name).p50", l.percentile(50) * 1e6, "us", limit: 1_000, limitIs: "target")
                add("proof.\(name).p99", l.percentile(99) * 1e6, "us", limit: 1_000, limitIs: "target")
            }
            let entryBytes = try Self.meanEntryBytes(ledger)
            add("storage.file_per_entry", Double(fileBytes) / Double(n), "bytes", limit: entryBytes, limitIs: "entry JSON bytes")
            add("storage.file", Double(fileBytes) / 1_048_576, "MiB")
        }

        // 2. One durable transaction per entry, on the n-entry ledger; the disk's fsync rate just before.
        say("disk: 4 KiB write + fsync for 2 s")
        let fsyncRate = try FsyncBench(directory: directory, seconds: 2).run()
        add("disk.fsync", fsyncRate, "fsyncs/s")
        say("durable appends: up to \(options.singleAppends) one-entry transactions, 30 s at most")
        let before = Self.fileBytes(ledgerPath)
        let cpuBefore = ProcStatus.cpuSeconds()
        let single = try appends.oneByOne(try Ledger.open(path: ledgerPath), count: options.singleAppends, seconds: 30)
        let singleCPU = ProcStatus.cpuSeconds() - cpuBefore
        let singleRate = Double(single.count) / single.total
        add("append.one_per_tx", singleRate, "appends/s", limit: fsyncRate, limitIs: "disk fsyncs/s")
        add("append.one_per_tx.cpu", singleCPU / Double(single.count) * 1e3, "ms CPU", limit: single.mean * 1e3, limitIs: "mean latency")
        add("append.one_per_tx.p50", single.percentile(50) * 1e3, "ms")
        add("append.one_per_tx.p99", single.percentile(99) * 1e3, "ms")
        add("append.one_per_tx.count", Double(single.count), "appends")
        add("storage.growth_per_tx_entry", Double(Self.fileBytes(ledgerPath) - before) / Double(single.count), "bytes")

        // 4. Two writers, each with its own connection, one entry per transaction.
        say("two concurrent writers for 10 s")
        let two = try appends.concurrent(path: ledgerPath, writers: 2, seconds: 10)
        add("append.two_writers", Double(two.appends) / two.seconds, "appends/s", limit: singleRate, limitIs: "one writer")
        add("append.two_writers.p99", two.latencies.percentile(99) * 1e3, "ms")
        say("done")
    }

    private func expectClean(_ o: VerifyBench.Outcome) throws {
        guard o.clean, o.entries == options.entries else {
            throw LedgerError(.ledgerCorrupt, "verification of the benchmark ledger failed or read \(o.entries) of \(options.entries) entries")
        }
    }

    /// Bytes of the ledger file plus its WAL, if any.
    static func fileBytes(_ path: String) -> Int {
        ["", "-wal"].reduce(0) { sum, suffix in
            let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? NSNumber)?.intValue
            return sum + (size ?? 0)
        }
    }

    /// The mean size of the entries' canonical bytes (what the chain hashes).
    static func meanEntryBytes(_ ledger: Ledger) throws -> Double {
        var bytes = 0, count = 0
        try ledger.database.forEachBatch { rows in
            bytes += rows.reduce(0) { $0 + $1.bytes.count }
            count += rows.count
            return true
        }
        return Double(bytes) / Double(max(count, 1))
    }
}
