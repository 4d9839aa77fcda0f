import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

@Suite("Appending")
struct AppendTests {
    /// In PostgreSQL each process has a mirror of its own, as processes on two machines have (`sharedMirror` below is
    /// the case of one machine).
    @Test("two processes appending 500 entries each at once: 1,000 entries, one chain, verification clean", arguments: Backend.allCases)
    func concurrentProcesses(_ backend: Backend) throws {
        guard let l = try CLILedger.make(backend) else { return }
        try Self.appendAtOnce(l, each: 500, ownMirrors: true)
    }

    /// Two commands run at once on one machine use the same (default) mirror of a ledger in PostgreSQL: a command that
    /// finds the other has written to it checks it again (with PostgreSQL's head lock held, so that its append comes
    /// next) and goes on. Short: the starvation that lock cures (500 appends on each side, where one side found the
    /// other had written again after every check and gave up with `ledger-changed`) takes minutes to show.
    @Test("one append while another process keeps appending through the same mirror of a ledger in PostgreSQL: both succeed, one chain")
    func sharedMirror() throws {
        guard let l = try CLILedger.make(.postgres) else { return }
        let before = try l.size()
        let root = l.root, env = l.place.env
        nonisolated(unsafe) var busy: CLI.Result?
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            busy = try? CLI.csledger(["append", "--type", "test.note", "--body", #"{"text":"busy"}"#, "--key", "Keys/facility.pem", "--repeat", "400"],
                                     in: root, env: env)
            group.leave()
        }
        // Once the other is well under way (its first 20 entries are in PostgreSQL).
        let deadline = Date().addingTimeInterval(60)
        while try l.size() < before + 20, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let one = try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"one"}"#, "--key", "Keys/facility.pem"])
        group.wait()
        #expect(one.status == 0, "\(one.stderr)")
        #expect(busy?.status == 0, "\(busy?.stderr ?? "did not run")")
        let v = try l.verify()
        #expect(v.status == 0 && v.failures.isEmpty, "\(v.failures)")
        #expect(v.json["entries"]?.integerValue == before + 401)
    }

    /// Runs two `append --repeat each` at once on `l` (with mirrors of their own, for a ledger in PostgreSQL, when
    /// `ownMirrors`); both must succeed and the ledger verify with every entry.
    static func appendAtOnce(_ l: CLILedger, each: Int, ownMirrors: Bool) throws {
        let before = try l.size()
        // Each process its own body: two statements signed with the same key, body and millisecond are the same
        // signed bytes, and the second is rightly refused as recorded twice (it happened once in CI).
        let args = (0..<2).map { i in ["append", "--type", "test.note", "--body", #"{"text":"load \#(i)"}"#, "--key", "Keys/facility.pem", "--repeat", String(each)] }
        let root = l.root
        let envs = (0..<2).map { i in
            l.place.env.merging(ownMirrors && l.place.mirror != nil ? ["CSLEDGER_MIRROR": l.dir.path("mirror-\(i).sqlite")] : [:]) { $1 }
        }
        let group = DispatchGroup()
        nonisolated(unsafe) var results: [CLI.Result?] = [nil, nil]
        for i in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                results[i] = try? CLI.csledger(args[i], in: root, env: envs[i])
                group.leave()
            }
        }
        group.wait()
        for r in results { #expect(r?.status == 0, "\(r?.stderr ?? "did not run")") }
        let v = try l.verify()
        #expect(v.status == 0)
        #expect(v.json["entries"]?.integerValue == before + 2 * each)
        #expect(v.failures.isEmpty)
    }

    @Test("two connections appending in turn: each sees the other's entries and revocations, and the chain stays one", arguments: Backend.allCases)
    func alternatingConnections(_ backend: Backend) throws {
        let dir = try TempDir()
        guard let place = backend.place(in: dir, origin: backend.origin("alt.example/ledger")) else { return }
        let facility = SignerKey(), pharmacist = SignerKey()
        let a = try Ledger.create(path: place.address, origin: place.origin, facilityName: "Alt", deaNumber: "BD1234563", facilityKey: facility,
                                  mirror: place.mirror)
        // A second connection: in PostgreSQL, with a mirror of its own (as another process has).
        let b = try place.open(mirror: dir.path("b.sqlite"))
        try a.enroll(name: "Pharmacist", role: .pharmacist, publicKey: pharmacist.publicKey, adminKey: facility, facilityKey: facility)
        for i in 0..<20 {
            let appended = try (i % 3 == 0 ? b : a).record(type: "test.note", body: ["n": .number(Double(i))], key: facility, facilityKey: facility)
            #expect(appended.entry.seq == 2 + i)
        }
        // a kept its tip after its last append; b revokes the pharmacist: a must see it.
        try a.record(type: "test.note", body: ["by": "pharmacist"], key: pharmacist, facilityKey: facility)
        try b.revoke(keyID: pharmacist.keyID, reason: nil, adminKey: facility, facilityKey: facility)
        #expect(throws: LedgerError(.signerRevoked, "")) {
            try a.record(type: "test.note", body: ["by": "pharmacist"], key: pharmacist, facilityKey: facility)
        }
        try a.record(type: "test.note", body: ["last": true], key: facility, facilityKey: facility)
        let report = try place.open(readOnly: true, mirror: dir.path("check.sqlite")).verify()
        #expect(report.isClean, "\(report.failures)")
        #expect(report.entries == 25)
    }

    @Test("a group with refused statements (the daemon's group commit): the others are written in order, each refusal is its own, the ledger verifies", arguments: Backend.allCases)
    func groupWithRefusals(_ backend: Backend) throws {
        let dir = try TempDir()
        guard let place = backend.place(in: dir, origin: backend.origin("group.example/ledger")) else { return }
        let facility = SignerKey(), stranger = SignerKey()
        let ledger = try Ledger.create(path: place.address, origin: place.origin, facilityName: "Group", deaNumber: "BD1234563",
                                       facilityKey: facility, mirror: place.mirror)
        let signer = try ledger.checkpointSigner(facilityKey: facility)
        func note(_ n: Int, key: SignerKey = facility) throws -> SignedStatement {
            try SignedStatement(statement: Statement(type: "test.note", time: .now(), actor: key.keyID, log: place.origin, body: ["n": .number(Double(n))]), actorKey: key)
        }
        // Accepted whole: consecutive seq numbers, one checkpoint.
        let first = try ledger.database.appendEach([note(1), note(2), note(3)], checkpointSigner: signer)
        #expect(first.map { (try? $0.get())?.entry.seq } == [1, 2, 3])
        let earlier = try note(4)
        _ = try ledger.database.appendEach([earlier], checkpointSigner: signer)
        let checkpointsBefore = try ledger.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM checkpoints") }

        // A replay, an unenrolled signer and a duplicate inside the group, between good statements.
        let twice = try note(6)
        let mixed = try ledger.database.appendEach([note(5), earlier, twice, note(7, key: stranger), twice, note(8)], checkpointSigner: signer)
        #expect(mixed.map { (try? $0.get())?.entry.seq } == [5, nil, 6, nil, nil, 7])
        #expect(mixed[1].failureMessage?.contains("already in the ledger at seq 4") == true)
        #expect((try? mixed[3].get()) == nil && mixed[3].failureCode == .signerNotEnrolled)
        #expect(mixed[4].failureMessage?.contains("already in the ledger at seq 6") == true)
        #expect(try ledger.database.size() == 8)
        let checkpointsAfter = try ledger.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM checkpoints") }
        #expect(checkpointsAfter == (checkpointsBefore ?? 0) + 1)

        // A lone refused statement writes nothing, not even a checkpoint.
        let lone = try ledger.database.appendEach([note(9, key: stranger)], checkpointSigner: signer)
        #expect(lone.first?.failureCode == .signerNotEnrolled)
        #expect(try ledger.database.size() == 8)
        #expect(try ledger.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM checkpoints") } == checkpointsAfter)

        #expect(try place.size() == 8)
        let report = try place.open(readOnly: true, mirror: dir.path("check.sqlite")).verify()
        #expect(report.isClean, "\(report.failures)")
        #expect(report.entries == 8)
    }

    @Test("a failed append writes nothing: the checkpoint is unchanged", arguments: Backend.allCases, [
        (["append", "--type", "test.note", "--body", "{}", "--key", "Keys/stranger.pem"], "signer-not-enrolled"),
        (["append", "--type", "test.note", "--body", #"{"a":1,"a":2}"#, "--key", "Keys/facility.pem"], "invalid-argument"),
        (["append", "--type", "test.note", "--body", "[1,2]", "--key", "Keys/facility.pem"], "invalid-argument"),
        (["append", "--type", "Not A Type", "--body", "{}", "--key", "Keys/facility.pem"], "invalid-statement"),
        (["append", "--type", "test.note", "--body", "{}", "--key", "Keys/pharmacist.pem"], "role-not-allowed"),
        (["actor", "enroll", "--name", "X", "--role", "janitor", "--public-key", "Keys/stranger.pub.pem", "--key", "Keys/facility.pem"], "invalid-argument"),
        (["actor", "enroll", "--name", "X", "--role", "witness", "--public-key", "Keys/stranger.pub.pem", "--key", "Keys/pharmacist.pem"], "role-not-allowed"),
        (["actor", "enroll", "--name", "X", "--role", "witness", "--public-key", "Keys/witness.pub.pem", "--key", "Keys/facility.pem"], "already-enrolled"),
        (["append", "--type", "test.note", "--body", "{}", "--key", "Keys/facility.pem", "--witness-key", "Keys/facility.pem"], "witness-is-actor"),
        (["append", "--type", "test.note", "--body", "{}", "--key", "Keys/facility.pem", "--facility-key", "Keys/pharmacist.pem"], "signature-invalid"),
        (["actor", "revoke", "0000", "--key", "Keys/facility.pem"], "invalid-argument"),
    ] as [([String], String)])
    func failedAppendWritesNothing(_ backend: Backend, _ command: ([String], String)) throws {
        let (args, code) = command
        guard let l = try CLILedger.make(backend, entries: 1) else { return }
        #expect(try l.csledger(["keys", "generate", "stranger"]).status == 0)
        let before = try l.checkpoint()
        let r = try l.csledger(args)
        #expect(r.status != 0)
        #expect(r.stderr.hasSuffix("[\(code)]\n"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(try l.checkpoint() == before)
        #expect(try l.verify().status == 0)
    }

    // File only: the file's messages and files (PostgresStoreTests refuses a second init of a ledger in PostgreSQL).
    @Test("init refuses to overwrite a ledger, and a bad DEA number leaves no file")
    func initRefuses() throws {
        let l = try CLILedger()
        let before = try l.checkpoint()
        let again = try l.csledger(["init", "--origin", "o.example/l", "--facility-name", "F", "--dea-number", CLILedger.dea, "--key", "Keys/facility.pem"])
        #expect(again.status == 3)
        #expect(again.stderr.contains("already exists"))
        #expect(try l.checkpoint() == before)
        let bad = try l.csledger(["init", "--ledger", "other.sqlite", "--origin", "o.example/l", "--facility-name", "F",
                                  "--dea-number", "BD1234560", "--key", "Keys/facility.pem"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("check digit"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: l.dir.path("other.sqlite")))
    }

    // File only: about files.
    @Test("a file that is not a ledger, and a missing ledger, get clear errors")
    func notALedger() throws {
        let d = try TempDir()
        try Data("this is not a database, just some text that is long enough to look like one".utf8).write(to: URL(fileURLWithPath: d.path("junk.sqlite")))
        let r = try CLI.csledger(["verify", "--ledger", "junk.sqlite"], in: d.url)
        #expect(r.status == 3)
        #expect(r.stderr.contains("damaged") || r.stderr.contains("not a csledger"), "\(r.stderr)")
        let m = try CLI.csledger(["verify"], in: d.url)
        #expect(m.status == 3)
        #expect(m.stderr.contains("no ledger at ledger.sqlite"))
    }
}

@Suite("Reading and proving")
struct ReadTests {
    @Test("log prints each entry's exact canonical bytes, filtered by seq and type", arguments: Backend.allCases)
    func log(_ backend: Backend) throws {
        guard let l = try CLILedger.make(backend, entries: 3) else { return }
        let all = try l.csledger(["log"])
        var expected = Data()
        for seq in 0..<6 { expected += Data(try l.place.entryBytes(seq)) + Data([0x0a]) }
        #expect(all.stdoutBytes == expected)
        let some = try l.csledger(["log", "--from", "2", "--to", "4", "--type", "test.note"])
        #expect(some.stdout.split(separator: "\n").count == 2)
    }

    @Test("inclusion proofs (tlog-proof and JSON) and consistency proofs verify against the signed checkpoint", arguments: Backend.allCases)
    func proofs(_ backend: Backend) throws {
        guard let l = try CLILedger.make(backend, entries: 10) else { return }
        let facility = try l.key("facility").publicKey
        let early = try SignedNote.parse(try l.csledger(["checkpoint"]).stdout)
        #expect(try l.csledger(["append", "--type", "test.note", "--body", "{}", "--key", "Keys/facility.pem", "--repeat", "7"]).status == 0)
        for seq in [0, 5, 12, 19] {
            let text = try l.csledger(["prove", "inclusion", String(seq)]).stdout
            let proof = try TlogProof.parse(text)
            #expect(proof.checkpoint.verify(keyName: l.origin, publicKey: facility.curve25519))
            let cp = try Checkpoint(body: proof.checkpoint.text)
            let leaf = MerkleTree.leafHash(try l.place.entryBytes(seq))
            #expect(MerkleTree.verifyInclusion(leaf: leaf, index: seq, size: cp.size, proof: proof.path, root: cp.rootHash))
            let json = try JSONParser.parse(try l.csledger(["prove", "inclusion", String(seq), "--json"]).stdout)
            #expect(json["leaf_index"]?.integerValue == seq)
            #expect(json["path"]?.arrayValue?.compactMap { $0.stringValue.flatMap(Hash.init(base64:)) } == proof.path)
        }
        let oldCp = try Checkpoint(body: early.text)
        let c = try JSONParser.parse(try l.csledger(["prove", "consistency", String(oldCp.size)]).stdout)
        let newCp = try Checkpoint(body: try SignedNote.parse(try l.checkpoint()).text)
        let path = try #require(c["path"]?.arrayValue?.compactMap { $0.stringValue.flatMap(Hash.init(base64:)) })
        #expect(c["new_size"]?.integerValue == newCp.size)
        #expect(MerkleTree.verifyConsistency(oldSize: oldCp.size, newSize: newCp.size, oldRoot: oldCp.rootHash, newRoot: newCp.rootHash, proof: path))
        let bad = try l.csledger(["prove", "inclusion", "999"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("not covered"))
    }

    // File only: the demo makes a ledger file.
    @Test("the demo builds, verifies and leaves files openssl can check")
    func demo() throws {
        let d = try TempDir()
        let r = try CLI.csledger(["demo", "--dir", "demo"], in: d.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("OK"))
        let again = try CLI.csledger(["demo", "--dir", "demo"], in: d.url)
        #expect(again.status == 0, "a second demo run replaces the first: \(again.stderr)")
        let line = try #require(again.stdout.split(separator: "\n").first { $0.contains("openssl pkeyutl") })
        let args = line.trimmingCharacters(in: .whitespaces).split(separator: " ").dropFirst().map(String.init)
        let o = try CLI.run("openssl", args, in: d.url)
        #expect(o.status == 0, "\(o.stdout) \(o.stderr)")
        let v = try CLI.csledger(["verify", "--ledger", "demo/ledger.sqlite", "--checkpoint", "demo/checkpoint.txt"], in: d.url)
        #expect(v.status == 0, "\(v.stdout)")
    }
}

extension Result where Failure == LedgerError {
    var failureMessage: String? { if case .failure(let e) = self { return e.message }; return nil }
    var failureCode: LedgerError.Code? { if case .failure(let e) = self { return e.code }; return nil }
}
