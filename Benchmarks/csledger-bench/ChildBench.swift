import CSLedgerKit
import Foundation
import LedgerCore
import Reconciliation
import Simulation

/// One phase (verification, inventory, reconciliation) run in a fresh child process of this same binary
/// (`--only PHASE --ledger PATH`), so that its peak resident memory (`VmHWM`) belongs to that phase alone.
enum ChildBench {
    static let phases = ["witness", "witness-http", "verify", "postgres-verify", "verify-since", "verify-hashes", "leaf-hash", "inventory", "inventory-as-of", "reconcile", "reconcile-verified", "reconcile-incremental", "append", "proof",
                         "integrity", "seal", "append-store", "ed25519"]

    /// What one phase did and cost.
    struct Outcome {
        /// Phase figures: entries, signatures_checked, checkpoints_checked, clean (0/1), lots, findings ...
        let figures: [String: Double]
        let seconds: Double
        /// User plus system CPU time of the child, all threads.
        let cpuSeconds: Double
        /// Peak resident memory of the child before opening the ledger, and at the end.
        let baselineKiB: Int
        let peakKiB: Int

        subscript(_ name: String) -> Double { figures[name] ?? 0 }
        var clean: Bool { self["clean"] == 1 }
        var peakMiB: Double { Double(peakKiB) / 1024 }
    }

    /// In this process: opens the ledger read-only, runs `phase`, and prints one JSON line.
    static func runHere(phase: String, path: String) throws -> String {
        if phase == "witness" || phase == "witness-http" {
            // The witness alone (for profiling it), in this process or as `csledger witness serve` over loopback HTTP:
            // its state file beside the given path, which needs no ledger.
            let w = try WitnessBench(directory: (path as NSString).deletingLastPathComponent, seconds: 10, requests: 30_000,
                                     overHTTP: phase == "witness-http").run()
            return "{\"requests_per_s\":\(Double(w.requests) / w.seconds),\"p50_ms\":\(w.latencies.percentile(50) * 1e3),\"p99_ms\":\(w.latencies.percentile(99) * 1e3)}"
        }
        let baseline = ProcStatus.kibibytes("VmHWM") ?? 0
        let cpuBefore = ProcStatus.cpuSeconds()
        let watch = Stopwatch()
        func finish(_ figures: [String: Double]) -> String {
            var json: [String: JSONValue] = figures.mapValues { .number($0) }
            json["seconds"] = .number(watch.seconds)
            json["cpu_seconds"] = .number(ProcStatus.cpuSeconds() - cpuBefore)
            json["baseline_kib"] = .number(Double(baseline))
            json["peak_kib"] = .number(Double(ProcStatus.kibibytes("VmHWM") ?? 0))
            return JCS.serializeString(.object(json))
        }
        if phase == "postgres-verify" {
            // `csledger verify --ledger postgresql://...` by someone with no mirror: PostgreSQL's rows read by every
            // core straight into the verifier, every signature and checkpoint checked (no mirror built).
            let report = try Ledger.verifyStore(path: path, checkSignatures: true)
            for failure in report.failures.prefix(5) { FileHandle.standardError.write(Data("verify: \(failure)\n".utf8)) }
            let figures = ["entries": Double(report.entries), "signatures_checked": Double(report.signaturesChecked), "clean": report.isClean ? 1 : 0]
            return finish(figures)
        }
        let ledger = try Ledger.open(path: path, readOnly: !["append", "append-store", "seal", "reconcile-incremental"].contains(phase))
        var figures: [String: Double] = [:]
        switch phase {
        case "verify", "verify-hashes":
            let report = try ledger.verify(checkSignatures: phase == "verify")
            for failure in report.failures.prefix(5) { FileHandle.standardError.write(Data("verify: \(failure)\n".utf8)) }
            figures = ["entries": Double(report.entries), "signatures_checked": Double(report.signaturesChecked),
                       "checkpoints_checked": Double(report.checkpointsChecked), "clean": report.isClean ? 1 : 0]
        case "ed25519":
            // The machine's signature-checking speed, 2 s on one core and 2 s on all: the yardstick beside a phase
            // measured on its own (a VM's speed changes by the hour; a figure is read against the one next to it).
            let sample = try Workload(patients: [PersonalDataReference(ref: "P-0000000000", commitment: String(repeating: "ab", count: 32))])
            let ed = try Ed25519Bench(workload: sample, seconds: 2).run()
            figures = ["one_core": ed.oneCore, "all_cores": ed.allCores, "cpu_us": ed.cpuSecondsPerVerify * 1e6]
        case "verify-since":
            // `verify --since`: from the last stored checkpoint at least 10,000 entries back.
            let n = try ledger.database.size()
            guard let start = try ledger.database.checkpoints(sizes: 1...max(1, n - 10_000)).last else {
                throw LedgerError(.notFound, "no checkpoint 10,000 entries back")
            }
            let report = try ledger.verify(since: start.note)
            for failure in report.failures.prefix(5) { FileHandle.standardError.write(Data("verify --since: \(failure)\n".utf8)) }
            figures = ["entries": Double(report.entries), "entries_after": Double(n - start.treeSize),
                       "signatures_checked": Double(report.signaturesChecked), "clean": report.isClean ? 1 : 0]
        case "integrity":
            // What every report and every CLI append checks first: chain-only verification, the latest
            // checkpoint's signature, and the tables' digest against their seal (or a rebuild without one).
            let report = try ledger.integrity()
            if let problem = report.problem { FileHandle.standardError.write(Data("integrity: \(problem)\n".utf8)) }
            figures = ["clean": report.isClean ? 1 : 0, "sealed": report.sealed ? 1 : 0, "entries": Double(report.size)]
        case "seal":
            // Check (rebuilding the tables if no seal vouches for them) and seal with the facility key.
            let before = try ledger.integrity()
            let watch = Stopwatch()
            try ledger.seal(facilityKey: SimulatedLedger.key("facility"))
            figures = ["clean": before.isClean ? 1 : 0, "was_sealed": before.sealed ? 1 : 0, "seal_seconds": watch.seconds]
        case "leaf-hash":
            // The floor under verify-hashes: SHA-256 of the first 20,000 entries, 2 s on one core.
            let cost = try LeafHashBench(sample: 20_000, seconds: 2).run(ledger)
            figures = ["cpu_us_per_entry": cost.cpuSecondsPerEntry * 1e6, "bytes_per_entry": cost.bytesPerEntry,
                       "mb_per_cpu_s": cost.bytesPerSecond / 1e6]
        case "inventory":
            let inventory = try ledger.inventory()
            figures = ["lots": Double(inventory.lines.count)]
        case "inventory-as-of":
            // Half way through the simulated period: the balances replayed from the movements.
            let asOf = try simulationStart(ledger).adding(milliseconds: try midpoint(ledger))
            let inventory = try ledger.inventory(asOf: asOf)
            figures = ["lots": Double(inventory.lines.count)]
        case "reconcile", "reconcile-verified":
            let report = try ledger.reconcile(verify: phase == "reconcile-verified")
            figures = ["entries": Double(report.entries), "considered": Double(report.entriesConsidered),
                       "findings": Double(report.findings.count), "open": Double(report.open.count)]
        case "reconcile-incremental":
            // The reconciliation kept as entries are appended (what the daemon's route and dashboard answer from):
            // built once, asked again with nothing new, then asked after each of 50 durable one-dose appends.
            let state = ReconciliationState()
            let (first, build) = try Stopwatch.time { try state.run(ledger.database) }
            let afterBuild = ProcStatus.kibibytes("VmHWM") ?? 0
            let beforeStill = state.counters
            let (_, still) = try Stopwatch.time { try state.run(ledger.database) }
            let afterStill = state.counters
            let workload = try Workload(patients: try ClinicBuild.patients(ledger))
            try ledger.requireIntegrityForAppend(facilityKey: workload.facility)
            let appender = AppendBench(workload: workload)
            var answers = Latencies(reservingCapacity: 50)
            var cpu = 0.0
            var last = first
            for k in 0..<50 {
                _ = try appender.oneByOne(ledger, count: 1, seconds: 60, tag: "-inc\(getpid())-\(k)")
                let before = ProcStatus.cpuSeconds()
                let (report, t) = try Stopwatch.time { try state.run(ledger.database) }
                cpu += ProcStatus.cpuSeconds() - before
                answers.add(t)
                last = report
            }
            // What the kept state holds once built and kept up: resident memory now (VmRSS), before the full pass
            // below adds its own. A daemon holds about this much for its reconciliation.
            let residentKept = ProcStatus.kibibytes("VmRSS") ?? 0
            // Each rule's time in the last answer after an append (0 for a rule whose kept output was used).
            let ruleSeconds = state.lastRuleSeconds
            // The last answer against a full recomputation as of the same time.
            let now = last.asOf
            let kept = try state.run(ledger.database, now: now), full = try Reconciler().run(ledger.database, now: now)
            let same = JCS.serializeString(kept.json(all: true)) == JCS.serializeString(full.json(all: true))
            // Sealed again, so that later phases find the tables vouched for, as before this phase appended.
            try ledger.seal(facilityKey: workload.facility)
            for (rule, seconds) in ruleSeconds { figures["rule_\(rule)_ms"] = seconds * 1e3 }
            figures.merge(["entries": Double(last.entries), "findings": Double(last.findings.count), "build_s": build, "still_ms": still * 1e3,
                       "peak_after_build_kib": Double(afterBuild), "resident_kept_kib": Double(residentKept),
                       "after_append_mean_ms": answers.mean * 1e3, "after_append_p95_ms": answers.percentile(95) * 1e3,
                       "after_append_cpu_ms": cpu / 50 * 1e3, "same_as_full": same ? 1 : 0,
                       "builds": Double(state.counters.builds), "answers_kept": Double(state.counters.incremental),
                       "answers_filtered": Double(state.counters.filtered),
                       // Rules answered from their kept output (nothing they read changed) with nothing new, and
                       // over the 50 answers after an append.
                       "still_rules_reused": Double(afterStill.rulesReused - beforeStill.rulesReused),
                       "still_rules_run": Double(afterStill.rulesRun - beforeStill.rulesRun),
                       "after_append_rules_reused": Double(state.counters.rulesReused - afterStill.rulesReused) / 50,
                       "after_append_rules_run": Double(state.counters.rulesRun - afterStill.rulesRun) / 50]) { a, _ in a }
        case "proof":
            // The proof phase on its own (for profiling): 1,000 of each, as the main run does them.
            let cpuBefore = ProcStatus.threadCPUSeconds()
            let proofs = try ProofBench(count: 1_000).run(ledger)
            figures["cpu_us_per_proof"] = (ProcStatus.threadCPUSeconds() - cpuBefore) / 2_000 * 1e6
            for (name, l) in [("inclusion", proofs.inclusion), ("consistency", proofs.consistency)] {
                figures["\(name)_mean_us"] = l.mean * 1e6
                figures["\(name)_p50_us"] = l.percentile(50) * 1e6
                figures["\(name)_p99_us"] = l.percentile(99) * 1e6
                figures["\(name)_max_us"] = l.percentile(100) * 1e6
            }
            figures["tree_size"] = Double(proofs.treeSize)
        case "append", "append-store":
            // 2,000 durable one-entry appends (for profiling the write path on its own): through `Ledger.append`
            // (after its one integrity check), or the store's append alone.
            let workload = try Workload(patients: try ClinicBuild.patients(ledger))
            try ledger.requireIntegrityForAppend(facilityKey: workload.facility)
            let cpuBefore = ProcStatus.cpuSeconds()
            let splitBefore = ProcStatus.userAndSystemSeconds()
            var signing = 0.0
            let latencies = try AppendBench(workload: workload).oneByOne(ledger, count: 2_000, seconds: 60, tag: "-p\(getpid())",
                                                                         checked: phase == "append", signingCPU: &signing)
            let splitAfter = ProcStatus.userAndSystemSeconds()
            let n = Double(latencies.count)
            figures = ["appends": n, "mean_ms": latencies.mean * 1e3,
                       "cpu_ms_per_append": (ProcStatus.cpuSeconds() - cpuBefore) / n * 1e3,
                       "signing_us_per_append": signing / n * 1e6,
                       "user_us_per_append": (splitAfter.user - splitBefore.user) / n * 1e6,
                       "system_us_per_append": (splitAfter.system - splitBefore.system) / n * 1e6]
            // Sealed afterwards (as the command line does after its last append), so the next run's check reads
            // the seal instead of rebuilding every table.
            if phase == "append" { Ledger.sealAppended() } else { try ledger.seal(facilityKey: workload.facility) }
        default:
            throw LedgerError(.invalidArgument, "--only takes one of \(phases.joined(separator: ", ")), not \(phase)")
        }
        return finish(figures)
    }

    /// Milliseconds from the simulation's start to half way to the last entry's time.
    static func midpoint(_ ledger: Ledger) throws -> Int64 {
        let last = try ledger.database.size() - 1
        guard let e = try entry(ledger, last) else { return 0 }
        return (e.statement.time.millisecondsSinceEpoch - (try simulationStart(ledger)).millisecondsSinceEpoch) / 2
    }

    /// The simulated period's first day, read from the ledger (its genesis entry is dated the day before), since
    /// the period's start depends on the ledger's size (`ClinicBuild.start(entries:)`).
    static func simulationStart(_ ledger: Ledger) throws -> Timestamp {
        guard let genesis = try entry(ledger, 0) else { throw LedgerError(.ledgerCorrupt, "the benchmark ledger has no readable genesis entry") }
        return genesis.statement.time.adding(milliseconds: 86_400_000)
    }

    private static func entry(_ ledger: Ledger, _ seq: Int) throws -> Entry? {
        guard let bytes = try ledger.database.entryBytes(seq) else { return nil }
        return try? Entry(json: try JSONParser.parse(bytes))
    }

    /// Runs `phase` in a child process and reads its one-line JSON report.
    static func inChild(_ phase: String, path: String) throws -> Outcome {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["--only", phase, "--ledger", path]
        let out = Pipe()
        child.standardOutput = out
        child.standardInput = FileHandle.nullDevice
        try child.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw LedgerError(.storage, "the \(phase) child process failed (exit status \(child.terminationStatus))")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let object = (try? JSONParser.parse(text))?.objectValue else {
            throw LedgerError(.invalidArgument, "the \(phase) child printed no JSON report: \(text.prefix(200))")
        }
        var figures: [String: Double] = [:]
        for (k, v) in object { if case .number(let d) = v { figures[k] = d } }
        return Outcome(figures: figures, seconds: figures["seconds"] ?? 0, cpuSeconds: figures["cpu_seconds"] ?? 0,
                       baselineKiB: Int(figures["baseline_kib"] ?? 0), peakKiB: Int(figures["peak_kib"] ?? 0))
    }
}
