import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore
import LedgerStore
import Simulation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The ledger under test: made with the real CLI, appended to by real processes that get killed.
final class HarnessLedger: @unchecked Sendable {
    // Safe: used from the harness's main thread only; client threads get copies of the values they need.
    let dir: URL
    let csledger: String
    let csledgerd: String
    var path: String { dir.appendingPathComponent("ledger.sqlite").path }
    private var token = ""
    /// Signs the raw notes posted to csledgerd: the facility key, an admin (only an admin may record a type the ledger does not know).
    private var noteSigner: SignerKey?
    static let vialLot = "CRASHV1"

    init(dir: URL, csledger: String, csledgerd: String) {
        self.dir = dir
        self.csledger = csledger
        self.csledgerd = csledgerd
    }

    @discardableResult
    private func must(_ args: [String]) throws -> String {
        let r = try Child.run(csledger, args + ["--ledger", path].filter { _ in !args.starts(with: ["keys"]) }, in: dir)
        guard r.status == 0 else { throw HarnessFailure("setup `csledger \(args.prefix(2).joined(separator: " "))` failed: \(r.stderr)") }
        return r.stdout
    }

    /// Keys, genesis, a pharmacist and a witness, a received vial lot to waste from, and an API token (the facility key's).
    func setUp() throws {
        for name in ["facility", "pharmacist", "witness"] { try must(["keys", "generate", name]) }
        try must(["init", "--origin", "crash.example.org/ledger", "--facility-name", "Crash Test Clinic",
                  "--dea-number", "BD1234563", "--key", "Keys/facility.pem"])
        try must(["actor", "enroll", "--name", "Pharmacist", "--role", "pharmacist", "--public-key", "Keys/pharmacist.pub.pem", "--key", "Keys/facility.pem"])
        try must(["actor", "enroll", "--name", "Witness", "--role", "witness", "--public-key", "Keys/witness.pub.pem", "--key", "Keys/facility.pem"])
        try must(receive(lot: Self.vialLot, containers: 1000))
        let key = try KeyFiles.loadPrivateKey(path: dir.appendingPathComponent("Keys/facility.pem").path)
        noteSigner = key
        let t = try must(["token", "issue", "--actor", key.keyID.hex, "--json"])
        guard let tok = try JSONParser.parse(t.trimmingCharacters(in: .whitespacesAndNewlines))["token"]?.stringValue else {
            throw HarnessFailure("token issue printed no token")
        }
        token = tok
    }

    func receive(lot: String, containers: Int) -> [String] {
        ["receive", "--supplier-name", "Gulf Coast Pharma", "--supplier-address", "1 Wholesale Way, Columbus, OH",
         "--supplier-dea", "RD2345672", "--invoice", "INV-\(lot)", "--drug", "Ketamine HCl", "--strength", "50 mg/mL",
         "--form", "injection, solution", "--ndc", "70000-123-10", "--lot", lot, "--expiry", "2030-03-31",
         "--containers", String(containers), "--units-per-container", "10", "--unit", "mL",
         "--key", "Keys/pharmacist.pem", "--witness-key", "Keys/witness.pem"]
    }

    /// One CLI round: two workers run appends, receipts and wastes back to back until the kill moment,
    /// when whatever is running gets SIGKILL. Returns whether a process was killed.
    func cliRound(_ round: Int, delay: Double, acks: AckLog, rng: inout SeededRandom) throws -> Bool {
        let deadline = Date().addingTimeInterval(delay)
        let killedAny = SharedFlag()
        let group = DispatchGroup()
        let seeds = (0..<2).map { _ in rng.next() }
        for worker in 0..<2 {
            let commands = self.commandSource(round: round, worker: worker, seed: seeds[worker])
            let csledger = self.csledger, dir = self.dir
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                var n = 0
                while Date() < deadline {
                    let args = commands(n)
                    n += 1
                    do {
                        let child = try Child(csledger, args, in: dir)
                        switch child.waitOrKill(deadline: deadline) {
                        case .killed:
                            killedAny.set()
                        case let .exited(status, stdout, stderr):
                            guard status == 0 else {
                                acks.problem("`csledger \(args[0])` failed without being killed (exit \(status)): \(stderr)")
                                return
                            }
                            let json = try JSONParser.parse(stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                            guard let seq = json["seq"]?.integerValue, let leaf = json["leaf_hash"]?.stringValue else {
                                acks.problem("`csledger \(args[0])` printed no seq: \(stdout)")
                                return
                            }
                            acks.add(.init(seq: seq, leafHash: leaf, via: "csledger \(args[0])"))
                        }
                    } catch {
                        acks.problem("cannot run csledger: \(error)")
                        return
                    }
                }
            }
        }
        group.wait()
        return killedAny.isSet
    }

    /// The n-th command a CLI worker runs: mostly raw appends (some with --repeat), receipts of new lots, wastes.
    private func commandSource(round: Int, worker: Int, seed: UInt64) -> @Sendable (Int) -> [String] {
        let path = self.path
        let receiveArgs = { (lot: String) in self.receive(lot: lot, containers: 2) }
        let receives = (0..<64).map { receiveArgs("R\(round)W\(worker)N\($0)") }
        return { n in
            var rng = SeededRandom(seed: seed &+ UInt64(n))
            let common = ["--ledger", path, "--json"]
            switch rng.next() % 10 {
            case 0..<5:
                let repeats = rng.next() % 3 == 0 ? String(2 + rng.next() % 8) : "1"
                return ["append", "--type", "test.note", "--body", #"{"round":"\#(round)","worker":"\#(worker)","n":"\#(n)"}"#,
                        "--key", "Keys/facility.pem", "--repeat", repeats] + common
            case 5..<7:
                return receives[n % receives.count] + common
            default:
                // Distinct reasons: two workers may sign in the same millisecond, and an identical signed statement
                // is (rightly) refused as recorded twice.
                return ["waste", "--lot", Self.vialLot, "--quantity", "0.01", "--reason", "remainder of opened vial r\(round)w\(worker)n\(n)",
                        "--method", "drug disposal container", "--key", "Keys/pharmacist.pem", "--witness-key", "Keys/witness.pem"] + common
            }
        }
    }

    /// One daemon round: start csledgerd, three clients POST signed statements as fast as they are answered,
    /// SIGKILL the daemon `delay` seconds after it is ready. Returns true (the daemon is always killed).
    func daemonRound(_ round: Int, delay: Double, acks: AckLog, rng: inout SeededRandom) throws -> Bool {
        let port = LoopbackHTTP.freePort()
        let daemon = try Child(csledgerd, ["--ledger", path, "--listen", "127.0.0.1:\(port)", "--facility-key", "Keys/facility.pem",
                                           "--log-level", "error"], in: dir, logPath: dir.appendingPathComponent("csledgerd.log").path)
        let readyBy = Date().addingTimeInterval(20)
        while (try? LoopbackHTTP.request(port: port, method: "GET", path: "/healthz", timeoutSeconds: 2))?.status != 200 {
            guard Date() < readyBy, daemon.process.isRunning else {
                daemon.kill()
                throw HarnessFailure("csledgerd did not start (see \(dir.path)/csledgerd.log)")
            }
            usleep(5_000)
        }
        guard let key = noteSigner else { throw HarnessFailure("not set up") }
        let stop = SharedFlag()
        let group = DispatchGroup()
        let token = self.token
        for client in 0..<3 {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                var n = 0
                while !stop.isSet {
                    n += 1
                    let body: [UInt8]
                    do {
                        let s = try Statement(type: "test.note", time: .now(), actor: key.keyID, log: "crash.example.org/ledger",
                                              body: ["round": .string("\(round)"), "client": .string("\(client)"), "n": .string("\(n)")])
                        body = Array(Draft(signed: try SignedStatement(statement: s, actorKey: key)).fileText.utf8)
                    } catch {
                        acks.problem("cannot sign: \(error)")
                        return
                    }
                    guard let r = try? LoopbackHTTP.request(port: port, method: "POST", path: "/v1/statements",
                                                            headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                                            body: body) else {
                        // Cut off by the kill (or refused after it): not acknowledged, so nothing to check.
                        if !stop.isSet { usleep(1_000) }
                        continue
                    }
                    guard r.status == 201, let json = try? JSONParser.parse(r.body),
                          let seq = json["seq"]?.integerValue, let leaf = json["leaf_hash"]?.stringValue else {
                        acks.problem("csledgerd answered \(r.status) without being killed: \(String(decoding: r.body, as: UTF8.self))")
                        return
                    }
                    acks.add(.init(seq: seq, leafHash: leaf, via: "csledgerd"))
                }
            }
        }
        usleep(useconds_t(delay * 1_000_000))
        daemon.kill()
        stop.set()
        group.wait()
        return true
    }

    /// After a kill: verify, every acknowledged entry present with identical bytes, checkpoint = tree size,
    /// one stored hash and one tree leaf per entry, and (with `replay`) the inventory equal to a replay.
    func check(acks: AckLog, replay: Bool, round: Int) throws -> Int {
        let v = try Child.run(csledger, ["verify", "--json", "--ledger", path], in: dir)
        guard v.status == 0 else { throw HarnessFailure("after kill \(round) the ledger does not verify: \(v.stdout)\(v.stderr)") }
        let report = try JSONParser.parse(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let db = try LedgerDatabase.open(path: path, readOnly: true)
        let size = try db.size()
        guard report["entries"]?.integerValue == size else { throw HarnessFailure("verify saw \(report["entries"]?.integerValue ?? -1) entries, the file holds \(size)") }
        guard let cp = try db.latestCheckpoint(), cp.treeSize == size else {
            throw HarnessFailure("after kill \(round) the latest checkpoint does not cover all \(size) entries: a partial append remains")
        }
        guard try db.rootHash(size: size).base64 == report["root"]?.stringValue else {
            throw HarnessFailure("after kill \(round) the stored Merkle nodes disagree with the entries")
        }
        let counts = try db.read { d in
            try [Int.fetchOne(d, sql: "SELECT count(*) FROM entries"), Int.fetchOne(d, sql: "SELECT count(*) FROM statement_index"),
                 Int.fetchOne(d, sql: "SELECT count(*) FROM merkle_tree WHERE level = 0")]
        }
        guard counts.allSatisfy({ $0 == size }) else {
            throw HarnessFailure("after kill \(round): \(size) entries but rows entries/statement_index/leaves = \(counts)")
        }
        var seen = Set<Int>()
        for ack in acks.all {
            guard seen.insert(ack.seq).inserted else { throw HarnessFailure("seq \(ack.seq) was acknowledged twice") }
            guard let bytes = try db.entryBytes(ack.seq) else {
                throw HarnessFailure("after kill \(round) acknowledged entry \(ack.seq) (\(ack.via)) is missing")
            }
            guard MerkleTree.leafHash(bytes).hex == ack.leafHash else {
                throw HarnessFailure("after kill \(round) acknowledged entry \(ack.seq) (\(ack.via)) has different bytes")
            }
        }
        if replay {
            let replayPath = dir.appendingPathComponent("replay-\(round).sqlite").path
            defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: replayPath + s) } }
            let rebuilt = try db.replay(into: replayPath, projections: [DispensingProjection()])
            guard try InventoryReport.compute(db) == InventoryReport.compute(rebuilt) else {
                throw HarnessFailure("after kill \(round) the inventory kept by appends differs from a replay of the entries")
            }
        }
        return size
    }
}
