import CSLedgerKit
import Foundation
import LedgerCore

/// Durable appends through the daemon: the built `csledgerd` (found beside this binary) serves the
/// ledger on a loopback port; `clients` threads, each with its own keep-alive connection and a
/// clinician's bearer token, POST statements signed beforehand (so that signing does not compete with
/// the daemon for the two cores) and wait for each answer, which comes only once the entry is durable.
struct DaemonBench {
    let workload: Workload
    let ledgerPath: String
    let directory: String
    /// For a ledger in PostgreSQL: one mirror for each daemon (each daemon reads its clients' tokens from its own),
    /// built and sealed by `preparedMirrors`; empty for a ledger file (one daemon).
    var mirrors: [String] = []
    /// `--witness URL=NAME=PUB` arguments for csledgerd.
    var witnessArguments: [String] = []
    /// The number of signed checkpoints the ledger holds (one per group commit), to give the mean group size.
    var checkpointCount: (@Sendable () throws -> Int)?
    /// The process id of the database server on this machine (PostgreSQL's postmaster), whose CPU, with its
    /// children's, is counted during each load.
    var serverPID: Int32?

    struct Outcome {
        let clients: Int
        let acknowledged: Int
        let refused: Int
        let seconds: Double
        let latencies: Latencies
        /// CPU time the daemon and this process (the clients) used during the load.
        var daemonCPUSeconds = 0.0
        var clientCPUSeconds = 0.0
        /// CPU time the database server used (PostgreSQL's processes), when it runs on this machine.
        var serverCPUSeconds: Double?
        /// Group commits (checkpoints signed) during the load, when counted.
        var groups: Int?
        var rate: Double { Double(acknowledged) / seconds }
    }

    /// The daemon binary next to this one.
    static func daemonPath() throws -> String {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let path = me.deletingLastPathComponent().appendingPathComponent("csledgerd").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw LedgerError(.invalidArgument, "csledgerd is not built beside csledger-bench (\(path)); run swift build -c release")
        }
        return path
    }

    /// Starts the daemon, runs each client count for `seconds`, stops it with SIGTERM; checks that it
    /// exits cleanly and that the ledger grew by exactly the acknowledged entries.
    /// With several daemons (`mirrors`), client c talks to daemon c mod the number of daemons.
    func run(clientCounts: [Int], seconds: Double, say: (String) -> Void) throws -> [Outcome] {
        let mirrorPaths: [String?] = mirrors.isEmpty ? [nil] : mirrors
        let ledgers = try mirrorPaths.map { try Ledger.open(path: ledgerPath, mirror: $0) }
        // A mirror built here is sealed with the facility key, as a daemon seals its own when it stops, so that
        // the daemon starting on it checks the seal rather than rebuilding every table from the entries.
        if !mirrors.isEmpty { for l in ledgers { try l.seal(facilityKey: workload.facility) } }
        // tokens[d][k]: clinician k's token at daemon d.
        let tokens = try ledgers.map { ledger in
            try workload.clinicians.map { try APITokens(database: ledger.database).issue(for: $0.keyID, expires: nil).token }
        }
        let keyDir = directory + "/Keys"
        let facilityPath = try KeyFiles.generate(name: "bench-facility-\(getpid())-\(UUID().uuidString.prefix(6))", directory: keyDir, key: workload.facility).privatePath
        let ports = mirrorPaths.indices.map { 20_000 + Int(getpid() % 20_000) + 7 * $0 }
        var daemons: [Process] = []
        defer { for d in daemons where d.isRunning { d.terminate() } }
        for (d, mirror) in mirrorPaths.enumerated() {
            let daemon = Process()
            daemon.executableURL = URL(fileURLWithPath: try Self.daemonPath())
            daemon.arguments = ["--ledger", ledgerPath, "--listen", "127.0.0.1:\(ports[d])", "--facility-key", facilityPath, "--log-level", "warning"]
                + (mirror.map { ["--mirror", $0] } ?? []) + witnessArguments
            daemon.standardInput = FileHandle.nullDevice
            try daemon.run()
            daemons.append(daemon)
        }
        for port in ports { try waitReady(port: port) }
        let sizeBefore = try ledgers[0].database.size()
        var outcomes: [Outcome] = []
        for (level, clients) in clientCounts.enumerated() {
            // Enough signed statements for 9,000 appends/s; each client takes its own share.
            let perClient = Int(9_000 * seconds) / clients + 1
            say("  \(clients) clients: signing \(perClient * clients) statements first")
            // A terminal signs a dose just before it sends it, so the statements reach the daemon in the
            // order of their times. Signed beforehand here, each gets the time it would have had: the
            // k-th statement of every client the same millisecond, k milliseconds after signing began.
            let firstTime = Timestamp.now().millisecondsSinceEpoch
            let bodies = Parallel.map(clients * perClient) { i -> [UInt8] in
                // Client c sends statements signed by clinician c (mod 4), with that clinician's token.
                let time = Timestamp(millisecondsSinceEpoch: firstTime + Int64(i % perClient))
                let signed = try! workload.signed(i, signer: i / perClient, tag: "-\(getpid())-\(level)", time: time)
                return JCS.serialize(.object(["statement": signed.statement.json, "sigs": .array(signed.signatures.map {
                    .object(["key": .string($0.key.hex), "sig": .string(Base64.encode($0.signature))])
                })]))
            }
            say("  \(clients) clients: appending for \(Int(seconds)) s")
            func daemonsCPU() -> Double { daemons.reduce(0) { $0 + (ProcStatus.cpuSeconds(pid: $1.processIdentifier) ?? 0) } }
            let groupsBefore = try checkpointCount?()
            let serverBefore = serverPID.flatMap { ProcStatus.treeCPUSeconds(root: $0) }
            let daemonBefore = daemonsCPU()
            let clientBefore = ProcStatus.cpuSeconds()
            var outcome = try load(ports: ports, clients: clients, tokens: tokens, bodies: bodies, perClient: perClient, seconds: seconds)
            outcome.daemonCPUSeconds = daemonsCPU() - daemonBefore
            outcome.clientCPUSeconds = ProcStatus.cpuSeconds() - clientBefore
            if let serverBefore, let pid = serverPID, let after = ProcStatus.treeCPUSeconds(root: pid) { outcome.serverCPUSeconds = after - serverBefore }
            // Counted after the last acknowledgement: a group still in flight then is counted or not, one either way.
            if let groupsBefore, let after = try checkpointCount?() { outcome.groups = after - groupsBefore }
            outcomes.append(outcome)
        }
        for daemon in daemons {
            daemon.terminate()  // SIGTERM: the daemon finishes what is queued and exits
            daemon.waitUntilExit()
            guard daemon.terminationStatus == 0 else {
                throw LedgerError(.storage, "csledgerd exited with status \(daemon.terminationStatus) after SIGTERM")
            }
        }
        // A mirror learns of the other daemons' entries when it catches up: open it again.
        let grown = try Ledger.open(path: ledgerPath, mirror: mirrorPaths[0]).database.size() - sizeBefore
        let acknowledged = outcomes.reduce(0) { $0 + $1.acknowledged }
        guard grown == acknowledged else {
            throw LedgerError(.ledgerCorrupt, "the daemon acknowledged \(acknowledged) appends but the ledger grew by \(grown)")
        }
        return outcomes
    }

    private func waitReady(port: Int) throws {
        let watch = Stopwatch()
        while watch.seconds < 120 {
            if let client = try? HTTPClient(port: port), let (status, _) = try? client.request("GET", "/readyz", token: nil), status == 200 { return }
            usleep(50_000)
        }
        throw LedgerError(.storage, "csledgerd did not become ready on port \(port) within 120 s")
    }

    private func load(ports: [Int], clients: Int, tokens: [[String]], bodies: [[UInt8]], perClient: Int, seconds: Double) throws -> Outcome {
        final class Shared: @unchecked Sendable {
            // Each client thread writes only its own slot; read after every thread has finished.
            var latencies: [[Double]]
            var refused: [Int]
            var errors: [String?]
            init(_ n: Int) { latencies = Array(repeating: [], count: n); refused = Array(repeating: 0, count: n); errors = Array(repeating: nil, count: n) }
        }
        let shared = Shared(clients)
        let group = DispatchGroup()
        let start = Stopwatch()
        for c in 0..<clients {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let client = try HTTPClient(port: ports[c % ports.count])
                    let daemonTokens = tokens[c % ports.count]
                    let token = daemonTokens[c % daemonTokens.count]
                    var mine: [Double] = []
                    mine.reserveCapacity(perClient)
                    for k in 0..<perClient {
                        if start.seconds >= seconds { break }
                        let t = Stopwatch()
                        let (status, body) = try client.request("POST", "/v1/statements", token: token, body: bodies[c * perClient + k])
                        if status == 201 { mine.append(t.seconds) } else {
                            shared.refused[c] += 1
                            if shared.errors[c] == nil { shared.errors[c] = "HTTP \(status): \(String(decoding: body.prefix(200), as: UTF8.self))" }
                        }
                    }
                    shared.latencies[c] = mine
                } catch {
                    shared.errors[c] = "\(error)"
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        let elapsed = start.seconds
        var all = Latencies()
        for l in shared.latencies { for s in l { all.add(s) } }
        if let e = shared.errors.compactMap({ $0 }).first, all.count == 0 { throw LedgerError(.storage, "the daemon load failed: \(e)") }
        if let e = shared.errors.compactMap({ $0 }).first { FileHandle.standardError.write(Data("daemon load: \(e)\n".utf8)) }
        return Outcome(clients: clients, acknowledged: all.count, refused: shared.refused.reduce(0, +), seconds: elapsed, latencies: all)
    }
}
