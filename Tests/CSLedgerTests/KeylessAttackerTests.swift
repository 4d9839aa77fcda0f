import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// Someone who can write the ledger file but holds no key: they delete, reorder, insert, replay and truncate
/// entries, recompute every `prev`, leaf hash and Merkle node so that only signatures can catch them, drop
/// the checkpoints that no longer match, and change the tables kept beside the entries. Every change goes
/// in through the `sqlite3` binary, as theirs would. `verify` must name the seq, the reports must refuse
/// to answer (exit 1), and an append must refuse to sign over it (exit 3) and write nothing.
@Suite("A keyless attacker with write access to the file is caught")
struct KeylessAttackerTests {
    /// A dispensing ledger with every kind of table row: a fill shipped, a dose, a count, a waste, a loss.
    static func richLedger() throws -> DispensingLedger {
        let l = try DispensingLedger.make()
        typealias D = DispensingLedger
        try l.record(D.dispense(time: "2026-03-04T10:00:00Z"))
        try l.record(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-04T11:00:00Z"))
        try l.record(["count", "--lot", D.tabletLot, "--counted", "84", "--time", "2026-03-05T09:00:00Z"] + D.pharmacist + D.witnessed)
        try l.record(D.waste(quantity: "0.5", time: "2026-03-05T10:00:00Z"))
        try l.record(["loss", "--lot", "\(D.vialLot)=1", "--kind", "loss", "--discovered", "2026-03-05T12:00:00Z",
                      "--description", "vial broke", "--time", "2026-03-05T12:00:00Z"] + D.pharmacist)
        // A revoked key, for the attacker to un-revoke.
        try l.ok(["actor", "revoke", try l.keyID("witness2"), "--reason", "left", "--key", "Keys/facility.pem"])
        return l
    }

    /// Rewrites the entries as the attacker wants them (`edit` gets every entry, decoded), then recomputes each
    /// seq, `prev`, leaf hash, the statement index and the whole Merkle tree, keeps only the checkpoints whose
    /// root still matches, and writes it all with sqlite3. Returns the new number of entries.
    @discardableResult
    static func rewrite(_ path: String, sqlite: (String) throws -> Void, _ edit: (inout [Entry]) -> Void) throws -> Int {
        let db = try LedgerDatabase.open(path: path, readOnly: true)
        var entries: [Entry] = []
        try db.forEachBatch { rows in
            entries += try rows.map { try Entry.decode(canonicalBytes: $0.bytes) }
            return true
        }
        let stored = try db.checkpoints()
        try db.close()
        edit(&entries)
        var sql = """
            DROP TRIGGER IF EXISTS entries_append_only_update; DROP TRIGGER IF EXISTS entries_append_only_delete;
            DROP TRIGGER IF EXISTS merkle_tree_append_only_update; DROP TRIGGER IF EXISTS merkle_tree_append_only_delete;
            DROP TRIGGER IF EXISTS checkpoints_append_only_update; DROP TRIGGER IF EXISTS checkpoints_append_only_delete;
            PRAGMA foreign_keys = OFF; BEGIN;
            DELETE FROM entries; DELETE FROM merkle_tree; DELETE FROM statement_index;

            """
        var prev = Hash.zero
        var frontier = MerkleFrontier()
        var roots: [Int: Hash] = [:]
        for (i, old) in entries.enumerated() {
            let e = Entry(seq: i, prev: prev, logged: old.logged, signed: SignedStatement(statement: old.statement, signatures: old.signatures))
            let bytes = e.canonicalBytes
            let leaf = MerkleTree.leafHash(bytes)
            let s = e.statement
            sql += "INSERT INTO entries VALUES (\(i), X'\(Hex.encode(bytes))', X'\(leaf.hex)', '\(s.type)', '\(s.actor.hex)', '\(s.time)', '\(e.logged)');\n"
            sql += "INSERT OR IGNORE INTO statement_index VALUES ('\(s.time)', X'\(Hash.sha256(s.signingInput).hex)', \(i));\n"
            for node in frontier.append(leaf) {
                sql += "INSERT INTO merkle_tree VALUES (\(MerkleTree.subtreeEnd(level: node.level, index: node.index)), \(node.level), X'\(node.hash.hex)');\n"
            }
            roots[frontier.size] = frontier.root
            prev = leaf
        }
        for cp in stored {
            let note = try SignedNote.parse(cp.note)
            let body = try Checkpoint(body: note.text)
            if roots[cp.treeSize] != body.rootHash { sql += "DELETE FROM checkpoints WHERE tree_size = \(cp.treeSize);\n" }
        }
        sql += "COMMIT;\n"
        try sqlite(sql)
        return entries.count
    }

    /// Every way the file refuses to be used after tampering: reports exit 1 (ledger-tampered), an append
    /// exits 3 and adds nothing.
    static func expectRefusedEverywhere(_ l: DispensingLedger, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try l.size()
        for args in [["inventory"], ["reconcile", "--no-verify"], ["export", "biennial-inventory", "--date", "2026-03-31", "--out", "bi-\(UUID().uuidString)"]] {
            let r = try l.csledger(args)
            #expect(r.status == 1, "\(args[0]) must refuse: \(r.stdout) \(r.stderr)", sourceLocation: sourceLocation)
            #expect(r.stderr.contains("ledger-tampered") && r.stderr.contains("csledger verify"), "\(args[0]): \(r.stderr)", sourceLocation: sourceLocation)
            #expect(!r.stdout.contains(DispensingLedger.tabletLot), "\(args[0]) printed figures: \(r.stdout)", sourceLocation: sourceLocation)
        }
        let w = try l.csledger(DispensingLedger.waste(quantity: "0.1", time: "2026-03-06T10:00:00Z"))
        #expect(w.status == 3, "an append must be refused: \(w.stderr)", sourceLocation: sourceLocation)
        #expect(w.stderr.contains("csledger verify"), "\(w.stderr)", sourceLocation: sourceLocation)
        #expect(try l.size() == before, "nothing may be written", sourceLocation: sourceLocation)
    }

    /// The attacker's sqlite3: read-write, foreign keys off (as the binary's default), stdin for long scripts.
    static func attack(_ l: DispensingLedger, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try CLI.run("sqlite3", [l.ledgerPath], in: l.root, stdin: Data(sql.utf8))
        #expect(r.status == 0 && !r.stderr.contains("Error"), "sqlite3: \(r.stderr)", sourceLocation: sourceLocation)
    }

    func failures(_ l: DispensingLedger) throws -> (status: Int32, failures: [(seq: Int?, code: String, message: String)]) {
        let r = try l.csledger(["verify", "--json"])
        let json = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return (r.status, (json["failures"]?.arrayValue ?? []).map { ($0["seq"]?.integerValue, $0["code"]?.stringValue ?? "", $0["message"]?.stringValue ?? "") })
    }

    @Test("the rich ledger is clean: verify, reports and appends all work, and it carries a seal")
    func clean() throws {
        let l = try Self.richLedger()
        try l.expectVerifies()
        #expect(try l.csledger(["inventory"]).status == 0)
        #expect(try l.sqlite("SELECT count(*) FROM state_seals").contains("1"))
    }

    @Test("a loss.reported entry deleted and everything after it rechained: uncovered from that seq")
    func deleteAndRechain() throws {
        let l = try Self.richLedger()
        let lossSeq = try l.size() - 1
        let waste = lossSeq - 1
        try Self.rewrite(l.ledgerPath, sqlite: { try Self.attack(l, $0) }) { $0.remove(at: waste) }
        let v = try failures(l)
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.code == "uncovered" && $0.seq == waste }, "\(v.failures)")
        // The chain itself holds: only the signatures' absence gives it away.
        #expect(!v.failures.contains { $0.code == "prev-mismatch" || $0.code == "signature-invalid" })
        try Self.expectRefusedEverywhere(l)
    }

    @Test("two entries swapped and rechained")
    func reorder() throws {
        let l = try Self.richLedger()
        let n = try l.size()
        try Self.rewrite(l.ledgerPath, sqlite: { try Self.attack(l, $0) }) { $0.swapAt(n - 3, n - 2) }
        let v = try failures(l)
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.code == "uncovered" && $0.seq == n - 3 }, "\(v.failures)")
        try Self.expectRefusedEverywhere(l)
    }

    @Test("a signed entry replayed at the end: a duplicate and uncovered")
    func replayAtEnd() throws {
        let l = try Self.richLedger()
        let n = try l.size()
        try Self.rewrite(l.ledgerPath, sqlite: { try Self.attack(l, $0) }) { $0.append($0[n - 2]) }
        let v = try failures(l)
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.code == "duplicate-statement" && $0.seq == n && $0.message.contains("seq \(n - 2)") }, "\(v.failures)")
        #expect(v.failures.contains { $0.code == "uncovered" && $0.seq == n })
        try Self.expectRefusedEverywhere(l)
    }

    @Test("entries truncated and rechained, every checkpoint deleted")
    func everyCheckpointDeleted() throws {
        let l = try Self.richLedger()
        try Self.attack(l, "DROP TRIGGER checkpoints_append_only_delete; DELETE FROM checkpoints; DELETE FROM state_seals;")
        let v = try failures(l)
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.code == "uncovered" && $0.seq == 0 }, "\(v.failures)")
        try Self.expectRefusedEverywhere(l)
    }

    @Test("the statement index emptied, then the same signed draft submitted again: refused")
    func replayThroughSubmit() throws {
        let l = try DispensingLedger.make()
        typealias D = DispensingLedger
        try l.ok(D.waste(quantity: "0.5", time: "2026-03-05T10:00:00Z", witnesses: []) + ["--witness", "$W", "--draft", "d.json"])
        try l.ok(["cosign", "d.json", "--key", "Keys/witness.pem"])
        try l.ok(["submit", "d.json"])
        let n = try l.size()
        try Self.attack(l, "DELETE FROM statement_index;")
        let again = try l.csledger(["submit", "d.json"])
        #expect(again.status != 0, "a replay must be refused: \(again.stdout)")
        #expect(try l.size() == n)
        let v = try failures(l)
        #expect(v.failures.contains { $0.code == "derived-mismatch" && $0.message.contains("statement_index") }, "\(v.failures)")
    }

    /// Every table kept beside the entries, and every column copied out of them, changed in turn.
    static let derivedChanges: [(what: String, sql: String)] = [
        ("entries.type", "UPDATE entries SET type = 'note.recorded' WHERE seq = (SELECT max(seq) FROM entries WHERE type = 'loss.reported')"),
        ("entries.time", "UPDATE entries SET time = '2020-01-01T00:00:00.000Z' WHERE seq = (SELECT max(seq) FROM entries)"),
        ("entries.actor", "UPDATE entries SET actor = '\(String(repeating: "cd", count: 32))' WHERE seq = (SELECT max(seq) FROM entries)"),
        ("entries.logged", "UPDATE entries SET logged = '2020-01-01T00:00:00.000Z' WHERE seq = (SELECT max(seq) FROM entries)"),
        ("entries.leaf_hash", "UPDATE entries SET leaf_hash = zeroblob(32) WHERE seq = 3"),
        ("movements deleted", "DELETE FROM movements WHERE kind = 'lost'"),
        ("movements.micros", "UPDATE movements SET micros = micros * 2 WHERE kind = 'dispensed'"),
        ("counts.expected_micros", "UPDATE counts SET expected_micros = expected_micros + 6000000"),
        ("lots.on_hand_micros", "UPDATE lots SET on_hand_micros = on_hand_micros + 100000000"),
        ("lots.status", "UPDATE lots SET status = 'recalled'"),
        ("prescriptions.fills", "UPDATE prescriptions SET fills = 0, dispensed_micros = 0"),
        ("fills deleted", "DELETE FROM fills"),
        ("shipments.status", "UPDATE shipments SET status = 'delivered'"),
        ("signers.revoked_seq (a revoked key un-revoked)", "UPDATE signers SET revoked_seq = NULL"),
        ("signers added (an attacker's key)", "INSERT INTO signers SELECT '\(String(repeating: "ab", count: 32))', public_key, 'Mallory', 'admin', 5, NULL FROM signers LIMIT 1"),
        ("signers.role", "UPDATE signers SET role = 'admin' WHERE role = 'witness'"),
        ("statement_index deleted", "DELETE FROM statement_index WHERE seq > 5"),
        ("merkle_tree node", "DROP TRIGGER merkle_tree_append_only_update; UPDATE merkle_tree SET hash = zeroblob(32) WHERE ends = 2 AND level = 1"),
        ("ledger_meta facility", "UPDATE ledger_meta SET value = (SELECT key_id FROM signers WHERE role = 'witness' LIMIT 1) WHERE key = 'facility_key_id'"),
        ("corrections added", "INSERT INTO corrections VALUES (3, 4)"),
    ]

    @Test("each derived table or copied column changed: verify names it, reports refuse, appends refuse", arguments: derivedChanges.indices)
    func derivedTableChanged(_ i: Int) throws {
        let (what, sql) = Self.derivedChanges[i]
        let l = try Self.richLedger()
        try Self.attack(l, "DROP TRIGGER IF EXISTS entries_append_only_update; PRAGMA foreign_keys = OFF; \(sql);")
        let v = try failures(l)
        #expect(v.status == 1, "\(what): verify must fail")
        #expect(v.failures.contains { ["derived-mismatch", "stored-hash-mismatch", "not-allowed"].contains($0.code) }, "\(what): \(v.failures)")
        try Self.expectRefusedEverywhere(l)
        _ = what
    }
}

/// The facility key signing two histories is a fork, and `verify` says so (it is not a keyless attacker's
/// doing: only the key's holder can make the second note).
@Suite("A fork: the facility key signed two different trees")
struct ForkTests {
    @Test("a checkpoint kept by an inspector, signed by the facility key over another root of the same size: checkpoint-fork")
    func sameSizeOtherRoot() throws {
        let l = try DispensingLedger.make()
        let size = try l.size()
        let other = try CheckpointSigner(origin: "test.example.org/ledger", key: try l.key("facility"))
            .sign(size: size, root: Hash.sha256(Array("another history".utf8)))
        try other.write(toFile: l.dir.path("other.txt"), atomically: true, encoding: .utf8)
        let r = try l.csledger(["verify", "--json", "--checkpoint", "other.txt"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("checkpoint-fork"), "\(r.stdout)")
        // A forged note (not the facility key's) is a mismatch, not a fork.
        let forged = try CheckpointSigner(origin: "test.example.org/ledger", key: SignerKey())
            .sign(size: size, root: Hash.sha256(Array("another history".utf8)))
        try forged.write(toFile: l.dir.path("forged.txt"), atomically: true, encoding: .utf8)
        let f = try l.csledger(["verify", "--json", "--checkpoint", "forged.txt"])
        #expect(f.status == 1)
        #expect(!f.stdout.contains("checkpoint-fork"), "\(f.stdout)")
    }
}
