import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore
import LedgerPostgres

/// The whole run: every measurement in turn, on one simulated clinic ledger of `options.entries` entries.
///
/// Order matters: the ledger is built first, then verified, inventoried, reconciled and proved against
/// at exactly its built size; only then do the append phases (one process, two processes, the daemon)
/// add to it.
struct Benchmark {
    let options: BenchOptions
    let directory: String
    private(set) var results: [BenchResult] = []
    private let started = Stopwatch()

    init(options: BenchOptions, directory: String) {
        self.options = options
        self.directory = directory
    }

    var ledgerPath: String { directory + "/ledger.sqlite" }

    func say(_ text: String) {
        FileHandle.standardError.write(Data("[\(String(format: "%6.1f", started.seconds)) s] \(text)\n".utf8))
    }

    private mutating func add(_ name: String, _ value: Double, _ unit: String, limit: Double? = nil, limitIs: String? = nil) {
        results.append(BenchResult(name, value, unit, limit: limit, limitIs: limitIs))
    }

    private mutating func child(_ phase: String, _ name: String) throws -> ChildBench.Outcome {
        say("\(phase) in a child process")
        let o = try ChildBench.inChild(phase, path: ledgerPath)
        add("\(name).time", o.seconds, "s")
        add("\(name).peak_rss", o.peakMiB, "MiB")
        return o
    }

    mutating func run() throws {
        if options.postgresOnly {
            say("reusing \(ledgerPath), PostgreSQL phases only")
            let workload = try Workload(patients: try ClinicBuild.patients(try Ledger.open(path: ledgerPath)))
            add("ledger.entries", Double(try Ledger.open(path: ledgerPath, readOnly: true).database.size()), "entries")
            try runPostgresDaemon(workload)
            say("done")
            return
        }
        if options.daemonOnly {
            say("reusing \(ledgerPath), daemon phase only")
            let workload = try Workload(patients: try ClinicBuild.patients(try Ledger.open(path: ledgerPath)))
            add("ledger.entries", Double(try Ledger.open(path: ledgerPath, readOnly: true).database.size()), "entries")
            try runDaemon(workload)
            try runDashboard(workload)
            say("done")
            return
        }
        let cores = Parallel.cores

        // 1. The ceiling for everything that checks signatures.
        say("Ed25519 verification: 3 s on one core, then 3 s on \(cores) cores")
        let sample = try Workload(patients: [PersonalData.Reference(ref: "P-0000000000", commitment: String(repeating: "ab", count: 32))])
        let ed = try Ed25519Bench(workload: sample, seconds: 3).run()
        add("ed25519.verify.one_core", ed.oneCore, "verifications/s")
        add("ed25519.verify.all_cores", ed.allCores, "verifications/s", limit: ed.oneCore * Double(cores), limitIs: "\(cores) x one core")
        add("ed25519.verify.cpu_cost", ed.cpuSecondsPerVerify * 1e6, "us CPU")

        // 2. The simulated clinic's ledger, through the real append path.
        let patients: [PersonalData.Reference]
        if options.reuse, FileManager.default.fileExists(atPath: ledgerPath) {
            say("reusing \(ledgerPath)")
            patients = try ClinicBuild.patients(try Ledger.open(path: ledgerPath))
        } else {
            say("building the simulated clinic's ledger: \(options.entries) entries, one transaction per business day")
            var decile = 0
            let build = try ClinicBuild.build(path: ledgerPath, entries: options.entries) { [self] done in
                if done * 10 / options.entries > decile {
                    decile = done * 10 / options.entries
                    say("  \(done) / \(options.entries)")
                }
            }
            add("build.entries_per_s", Double(build.entries) / build.seconds, "entries/s")
            add("build.cpu_per_entry", build.cpuSeconds / Double(build.entries) * 1e6, "us CPU")
            add("build.business_days", Double(build.businessDays), "days")
            patients = build.patients
        }
        let n = try Ledger.open(path: ledgerPath, readOnly: true).database.size()
        add("ledger.entries", Double(n), "entries")
        // The tables kept beside the entries, checked and sealed by the facility key (a reused ledger from an
        // older build has no seal: then this rebuilds them from the entries first, and says so).
        let sealed = try child("seal", "seal")
        add("seal.check_seconds", sealed.seconds - sealed["seal_seconds"], "s")
        add("seal.was_sealed", sealed["was_sealed"], "1 = a seal vouched for the tables, 0 = rebuilt from the entries")
        add("seal.sign_seconds", sealed["seal_seconds"], "s (digest of every table, one signature)")
        let gate = try child("integrity", "integrity")
        add("integrity.check", gate.seconds, "s (before every report and every CLI append)")
        add("integrity.clean", gate["clean"], "1 = clean")
        let fileBytes = Self.fileBytes(ledgerPath)
        add("storage.file_per_entry", Double(fileBytes) / Double(n), "bytes")
        add("storage.file", Double(fileBytes) / 1_048_576, "MiB")

        // 3. Full verification: signatures, canonical form, chain, Merkle tree, every stored checkpoint.
        //    Ed25519 is measured again right after it, and its limit is the mean of the two measurements:
        //    a VM's speed can drift within the minute verification takes, and one measurement before it
        //    would skew the ratio whichever way the speed moved.
        let full = try child("verify", "verify.full")
        try expectClean(full, entries: n)
        say("Ed25519 verification again: 3 s on one core, then 3 s on \(cores) cores")
        let edAfter = try Ed25519Bench(workload: sample, seconds: 3).run()
        add("ed25519.verify.one_core_after", edAfter.oneCore, "verifications/s")
        add("ed25519.verify.all_cores_after", edAfter.allCores, "verifications/s", limit: edAfter.oneCore * Double(cores),
            limitIs: "\(cores) x one core")
        let oneCore = (ed.oneCore + edAfter.oneCore) / 2, allCores = (ed.allCores + edAfter.allCores) / 2
        add("verify.full.entries", full["entries"] / full.seconds, "entries/s")
        add("verify.full.signatures", full["signatures_checked"] / full.seconds, "signatures/s", limit: oneCore * Double(cores),
            limitIs: "\(cores) x one-core Ed25519, before and after; target 0.9")
        add("verify.full.vs_all_cores", full["signatures_checked"] / full.seconds, "signatures/s", limit: allCores,
            limitIs: "Ed25519 on all cores, before and after")
        add("verify.full.signatures_checked", full["signatures_checked"], "signatures")
        add("verify.full.checkpoints_checked", full["checkpoints_checked"], "checkpoints")
        add("verify.full.cpu_busy", full.cpuSeconds / full.seconds, "cores", limit: Double(cores), limitIs: "cores")
        add("verify.full.peak_rss_target", full.peakMiB, "MiB", limit: 100, limitIs: "target (under)")

        // 3b. verify --since: the entries after a checkpoint about 10,000 entries back, and what they depend on.
        let since = try child("verify-since", "verify.since")
        add("verify.since.seconds", since.seconds, "s", limit: 2, limitIs: "target (under), last 10,000 entries")
        add("verify.since.entries_after", since["entries_after"], "entries")
        add("verify.since.clean", since["clean"], "1 = clean")

        // 4. Hash chain, Merkle tree and checkpoints only.
        let hashes = try child("verify-hashes", "verify.hashes")
        try expectClean(hashes, entries: n)
        add("verify.hashes.entries", hashes["entries"] / hashes.seconds, "entries/s", limit: 1_000_000, limitIs: "target")
        add("verify.hashes.cpu_per_entry", hashes.cpuSeconds / hashes["entries"] * 1e6, "us CPU")
        let floor = try child("leaf-hash", "verify.hashes.leaf_hash")
        add("verify.hashes.leaf_hash.cpu_per_entry", floor["cpu_us_per_entry"], "us CPU", limit: hashes.cpuSeconds / hashes["entries"] * 1e6,
            limitIs: "verify.hashes.cpu_per_entry (SHA-256 alone, one core)")
        add("verify.hashes.leaf_hash.bytes_per_entry", floor["bytes_per_entry"], "bytes")

        // 5. Inventory and reconciliation.
        let inventory = try child("inventory", "inventory.now")
        add("inventory.now.lots", inventory["lots"], "lots")
        let asOf = try child("inventory-as-of", "inventory.as_of")
        add("inventory.as_of.lots", asOf["lots"], "lots")
        let recon = try child("reconcile", "reconcile.rules")
        add("reconcile.rules.time_target", recon.seconds, "s", limit: 5, limitIs: "target (under)")
        add("reconcile.rules.entries_considered", recon["considered"], "entries")
        add("reconcile.rules.findings", recon["findings"], "findings")
        // The reconciliation kept as entries are appended (issue 24 item 3): built once, then each answer reads
        // only the new entries and runs the rules over the kept facts.
        let kept = try child("reconcile-incremental", "reconcile.kept")
        add("reconcile.kept.build", kept["build_s"], "s")
        // The phase's peak (reconcile.kept.peak_rss) includes a full pass run beside the kept state at the end, for
        // the comparison; these two are the kept state's own: the peak up to the end of its first build, and the
        // resident memory after the 50 answers, before that full pass.
        add("reconcile.kept.peak_after_build", kept["peak_after_build_kib"] / 1024, "MiB")
        add("reconcile.kept.resident", kept["resident_kept_kib"] / 1024, "MiB", limit: 256, limitIs: "goal (under)")
        add("reconcile.kept.nothing_new", kept["still_ms"], "ms", limit: 1_000, limitIs: "target (under)")
        add("reconcile.kept.after_append.mean", kept["after_append_mean_ms"], "ms")
        add("reconcile.kept.after_append.p95", kept["after_append_p95_ms"], "ms", limit: 300, limitIs: "dashboard goal (under)")
        add("reconcile.kept.after_append.cpu", kept["after_append_cpu_ms"], "ms CPU")
        add("reconcile.kept.same_as_full", kept["same_as_full"], "1 = same findings as a full pass")
        add("reconcile.kept.nothing_new.rules_run", kept["still_rules_run"], "rules (the others' outputs kept: nothing they read changed)")
        add("reconcile.kept.after_append.rules_run", kept["after_append_rules_run"], "rules per answer")
        // Where an answer's time goes: each rule's wall time in the last answer after an append (they run side by
        // side on the cores; about 0 for a rule whose kept output was used).
        for (name, value) in kept.figures.sorted(by: { $0.key < $1.key }) where name.hasPrefix("rule_") {
            add("reconcile.kept.\(name.dropLast(3))", value, "ms")
        }

        // 6. Proofs at n entries.
        say("proofs: 1,000 inclusion and 1,000 consistency at \(n) entries")
        do {
            let proofs = try ProofBench(count: 1_000).run(try Ledger.open(path: ledgerPath))
            for (name, l) in [("inclusion", proofs.inclusion), ("consistency", proofs.consistency)] {
                add("proof.\(name).mean", l.mean * 1e6, "us", limit: 1_000, limitIs: "target (under)")
                add("proof.\(name).p99", l.percentile(99) * 1e6, "us", limit: 1_000, limitIs: "target (under)")
            }
        }

        // 7. One durable transaction per entry (fsync and a signed checkpoint each); the disk's fsync rate first.
        let workload = try Workload(patients: patients)
        let appends = AppendBench(workload: workload)
        say("disk: 4 KiB write + fsync for 2 s")
        let fsyncRate = try FsyncBench(directory: directory, seconds: 2).run()
        add("disk.fsync", fsyncRate, "fsyncs/s")
        say("durable appends, one process: up to \(options.singleAppends) one-entry transactions, 20 s at most")
        // The check every writing process makes once (timed above as integrity.check), before the timed appends and
        // outside their CPU: counted in, it added its seconds (3.6 s at 1M entries) to the appends' CPU, so that
        // the CPU per append seemed to grow with the ledger.
        let writer = try Ledger.open(path: ledgerPath)
        try writer.requireIntegrityForAppend(facilityKey: workload.facility)
        let cpuBefore = ProcStatus.cpuSeconds()
        var signing = 0.0
        let single = try appends.oneByOne(writer, count: options.singleAppends, seconds: 20, signingCPU: &signing)
        let singleRate = Double(single.count) / single.total
        add("append.one_per_tx", singleRate, "appends/s", limit: fsyncRate, limitIs: "disk fsyncs/s")
        add("append.one_per_tx.cpu", (ProcStatus.cpuSeconds() - cpuBefore) / Double(single.count) * 1e3, "ms CPU")
        // Of that CPU, the actor's signature on each statement (made before the ledger sees it); the rest is the append.
        add("append.one_per_tx.cpu.signing", signing / Double(single.count) * 1e6, "us CPU")
        add("append.one_per_tx.p50", single.percentile(50) * 1e3, "ms")
        add("append.one_per_tx.p99", single.percentile(99) * 1e3, "ms")
        say("two processes' worth of writers (own connections) for 10 s")
        let two = try appends.concurrent(path: ledgerPath, writers: 2, seconds: 10)
        add("append.two_writers", Double(two.appends) / two.seconds, "appends/s", limit: singleRate, limitIs: "one writer")
        add("append.two_writers.p99", two.latencies.percentile(99) * 1e3, "ms")
        // Every write since the check above was this process's own: seal the tables as they now stand, as the
        // command line does when its command is done, so that csledgerd starts on a sealed file.
        try writer.seal(facilityKey: workload.facility)

        // 7b. A witness (c2sp.org/tlog-witness) cosigning a growing log, its state durable before each answer.
        say("witness: add-checkpoint one at a time (durable state), up to 10 s")
        let w = try WitnessBench(directory: directory, seconds: 10, requests: 30_000).run()
        add("witness.add_checkpoint", Double(w.requests) / w.seconds, "requests/s", limit: 1_000, limitIs: "target (over), one core")
        add("witness.add_checkpoint.p50", w.latencies.percentile(50) * 1e3, "ms")
        add("witness.add_checkpoint.p99", w.latencies.percentile(99) * 1e3, "ms")
        say("witness: the same over loopback HTTP to csledger witness serve, up to 10 s")
        let wh = try WitnessBench(directory: directory, seconds: 10, requests: 30_000, overHTTP: true).run()
        add("witness.add_checkpoint.http", Double(wh.requests) / wh.seconds, "requests/s", limit: 1_000, limitIs: "target (over), one log's requests in order")
        add("witness.add_checkpoint.http.p50", wh.latencies.percentile(50) * 1e3, "ms")
        add("witness.add_checkpoint.http.p99", wh.latencies.percentile(99) * 1e3, "ms")

        // 8. Through the daemon: group commit over loopback HTTP.
        try runDaemon(workload)
        // 9. The dashboard's pages, the ledger holding still and while appends go on.
        try runDashboard(workload)
        say("done")
    }

    private mutating func runDaemon(_ workload: Workload) throws {
        guard !options.clients.isEmpty else { return }
        say("daemon: csledgerd on loopback, \(options.clients.map(String.init).joined(separator: ", ")) clients"
            + (options.witnesses > 0 ? ", asking \(options.witnesses) witnesses to cosign each checkpoint" : ""))
        var bench = DaemonBench(workload: workload, ledgerPath: ledgerPath, directory: directory)
        let origin = try Ledger.open(path: ledgerPath, readOnly: true).origin()
        let witnesses = try (0..<options.witnesses).map { k in
            try WitnessProcess(directory: directory, origin: origin, logPublicKey: workload.facility.publicKey, port: 45_000 + Int(getpid() % 10_000) + k)
        }
        defer { for w in witnesses { w.stop() } }
        bench.witnessArguments = witnesses.flatMap { ["--witness", "\($0.url)=\($0.name)=\($0.publicKeyPath)"] }
        let outcomes = try bench.run(clientCounts: options.clients, seconds: options.daemonSeconds, say: say)
        for o in outcomes {
            add("daemon.c\(o.clients).appends", o.rate, "appends/s", limit: 5_000,
                limitIs: options.witnesses > 0 ? "target; \(options.witnesses) witnesses asked" : "target")
            add("daemon.c\(o.clients).p50", o.latencies.percentile(50) * 1e3, "ms")
            add("daemon.c\(o.clients).p99", o.latencies.percentile(99) * 1e3, "ms")
            add("daemon.c\(o.clients).daemon_cpu", o.daemonCPUSeconds / Double(max(o.acknowledged, 1)) * 1e6, "us CPU/append")
            add("daemon.c\(o.clients).client_cpu", o.clientCPUSeconds / Double(max(o.acknowledged, 1)) * 1e6, "us CPU/append")
            if o.refused > 0 { add("daemon.c\(o.clients).refused", Double(o.refused), "requests") }
        }
        try runPostgresDaemon(workload)
    }

    /// The daemon phase on the same ledger in PostgreSQL (`--postgres URL`): the ledger copied in (checked on
    /// arrival), a mirror built from it (checked), then the same load through one csledgerd.
    private mutating func runPostgresDaemon(_ workload: Workload) throws {
        guard let database = options.postgres else { return }
        let origin = try Ledger.open(path: ledgerPath, readOnly: true).origin()
        let address = database + (database.contains("?") ? "&" : "?") + "ledger=\(origin)"
        PostgresLedger.drop(try PostgresAddress(address))
        say("postgres: copying the ledger into \(database), checked on arrival")
        var watch = Stopwatch()
        let copied = try Ledger.copy(from: ledgerPath, to: address)
        add("postgres.copy_in", Double(copied.entries) / watch.seconds, "entries/s")
        func mirrorPath(_ d: Int) -> String { directory + "/postgres-mirror-\(getpid())-\(d).sqlite" }
        func removeMirrors() {
            for d in 0..<3 { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: mirrorPath(d) + suffix) } }
        }
        removeMirrors()
        defer { removeMirrors() }
        say("postgres: building a mirror from it (every row checked)")
        watch = Stopwatch()
        _ = try Ledger.open(path: address, mirror: mirrorPath(0))
        add("postgres.mirror_build", Double(copied.entries) / watch.seconds, "entries/s")
        say("postgres: verify reading from PostgreSQL (no mirror, every signature checked)")
        let verify = try ChildBench.inChild("postgres-verify", path: address)
        try expectClean(verify, entries: copied.entries)
        let sample = try Workload(patients: [PersonalData.Reference(ref: "P-0000000000", commitment: String(repeating: "ab", count: 32))])
        let ed = try Ed25519Bench(workload: sample, seconds: 2).run()
        add("postgres.verify.signatures", verify["signatures_checked"] / verify.seconds, "signatures/s", limit: ed.oneCore * Double(Parallel.cores),
            limitIs: "\(Parallel.cores) x one-core Ed25519 just after; target 0.8")
        add("postgres.verify.peak", verify.peakMiB, "MiB")
        for daemons in options.postgresDaemons {
            say("postgres: \(daemons) csledgerd on loopback, one ledger, \(options.clients.map { String($0 * daemons) }.joined(separator: ", ")) clients")
            var bench = DaemonBench(workload: workload, ledgerPath: address, directory: directory, mirrors: (0..<daemons).map(mirrorPath))
            let pg = try PostgresAddress(address)
            bench.checkpointCount = { try PostgresLedger.checkpointCount(pg) }
            // PostgreSQL on this machine: the server process of a connection is a child of the postmaster.
            bench.serverPID = (try? PostgresLedger.serverProcess(pg)).flatMap { ProcStatus.parent(of: $0) }
            let outcomes = try bench.run(clientCounts: options.clients.map { $0 * daemons }, seconds: options.daemonSeconds, say: say)
            let name = daemons == 1 ? "postgres.daemon" : "postgres.daemons\(daemons)"
            for o in outcomes {
                add("\(name).c\(o.clients).appends", o.rate, "appends/s", limit: daemons == 1 ? 3_000 : 5_000, limitIs: "target")
                add("\(name).c\(o.clients).p50", o.latencies.percentile(50) * 1e3, "ms")
                add("\(name).c\(o.clients).p99", o.latencies.percentile(99) * 1e3, "ms")
                add("\(name).c\(o.clients).daemon_cpu", o.daemonCPUSeconds / Double(max(o.acknowledged, 1)) * 1e6, "us CPU/append")
                if let server = o.serverCPUSeconds {
                    add("\(name).c\(o.clients).postgres_cpu", server / Double(max(o.acknowledged, 1)) * 1e6, "us CPU/append (PostgreSQL's processes)")
                }
                if let groups = o.groups, groups > 0 {
                    add("\(name).c\(o.clients).group", Double(o.acknowledged) / Double(groups), "entries per group commit (\(groups) groups)")
                }
                if o.refused > 0 { add("\(name).c\(o.clients).refused", Double(o.refused), "requests") }
            }
        }
    }

    private mutating func runDashboard(_ workload: Workload) throws {
        guard options.pageLoads > 0 else { return }
        say("dashboard: csledgerd on loopback, a compliance officer signed in")
        let o = try DashboardBench(workload: workload, ledgerPath: ledgerPath, directory: directory)
            .run(loads: options.pageLoads, appendsPerSecond: options.pageAppendRate, say: say)
        for p in o.pages {
            add("dashboard.\(p.page).first", p.first * 1e3, "ms (first load; \(p.bytes / 1024) KiB of HTML)")
            add("dashboard.\(p.page).still.p95", p.still.percentile(95) * 1e3, "ms", limit: 300, limitIs: "goal")
            add("dashboard.\(p.page).appending.p95", p.appending.percentile(95) * 1e3, "ms", limit: 300, limitIs: "goal")
        }
        add("dashboard.appends", Double(o.appended) / o.appendSeconds, "appends/s while the pages loaded")
    }

    private func expectClean(_ o: ChildBench.Outcome, entries: Int) throws {
        guard o.clean, Int(o["entries"]) == entries else {
            throw LedgerError(.ledgerCorrupt, "verification of the benchmark ledger failed or read \(Int(o["entries"])) of \(entries) entries")
        }
    }

    /// Bytes of the ledger file plus its WAL, if any.
    static func fileBytes(_ path: String) -> Int {
        ["", "-wal"].reduce(0) { sum, suffix in
            let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? NSNumber)?.intValue
            return sum + (size ?? 0)
        }
    }
}
