import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// `csledger migrate` adopts interchange format v2 on an older ledger with one signed entry; `csledger
/// repair` rebuilds tables that were changed, and refuses when the entries themselves were.
@Suite("Upgrading to v2, and repairing derived tables")
struct UpgradeAndRepairTests {
    @Test("a ledger made before v2 (no log anywhere) adopts it with one signed ledger.upgraded entry; older entries keep verifying")
    func adoptV2() throws {
        let dir = try TempDir()
        #expect(try CLI.csledger(["keys", "generate", "facility"], in: dir.url).status == 0)
        let facility = try KeyFiles.loadPrivateKey(path: dir.path("Keys/facility.pem"))
        let path = dir.path("old.sqlite")
        do {
            // The way csledger wrote ledgers before v2: no statement names its ledger.
            let db = try LedgerDatabase.create(path: path)
            let signer = CheckpointSigner(origin: "old.example.org/ledger", key: facility)
            let genesis = try Statement(type: CoreStatementType.ledgerCreated, time: .now(), actor: facility.keyID, body: [
                "origin": "old.example.org/ledger", "public_key": .string(facility.publicKey.base64),
                "facility_name": "Old Clinic", "dea_number": "BD1234563"])
            try db.append([try SignedStatement(statement: genesis, actorKey: facility)], checkpointSigner: signer)
            let note = try Statement(type: "test.note", time: .now(), actor: facility.keyID, body: ["text": "before v2"])
            try db.append([try SignedStatement(statement: note, actorKey: facility)], checkpointSigner: signer)
            try db.close()
        }
        let before = try CLI.csledger(["verify", "--ledger", path], in: dir.url)
        #expect(before.status == 0, "\(before.stdout)")
        let m = try CLI.csledger(["migrate", "--ledger", path, "--facility-key", "Keys/facility.pem"], in: dir.url)
        #expect(m.status == 0, "\(m.stderr)")
        #expect(m.stdout.contains("recorded ledger.upgraded at seq 2"), "\(m.stdout)")
        let again = try CLI.csledger(["migrate", "--ledger", path, "--facility-key", "Keys/facility.pem"], in: dir.url)
        #expect(again.stdout.contains("nothing to do"), "\(again.stdout)")
        let after = try CLI.csledger(["verify", "--ledger", path], in: dir.url)
        #expect(after.status == 0, "\(after.stdout)")
        // From seq 2 on, a statement must name the ledger; one that does not is refused.
        let unnamed = try Statement(type: "test.note", time: .now(), actor: facility.keyID, body: ["text": "after v2, unnamed"])
        try Draft(signed: try SignedStatement(statement: unnamed, actorKey: facility)).write(path: dir.path("d.json"))
        let r = try CLI.csledger(["submit", "d.json", "--ledger", path, "--facility-key", "Keys/facility.pem"], in: dir.url)
        #expect(r.status == 2 && r.stderr.contains("wrong-ledger"), "\(r.stderr)")
        let named = try CLI.csledger(["append", "--type", "test.note", "--body", #"{"text":"after v2"}"#, "--key", "Keys/facility.pem",
                                      "--ledger", path], in: dir.url)
        #expect(named.status == 0, "\(named.stderr)")
        #expect(try CLI.csledger(["verify", "--ledger", path], in: dir.url).status == 0)
    }

    @Test("a lot's balance and a movement changed: repair names the tables, rebuilds them, seals; verify, reports and appends work again")
    func repairTables() throws {
        let l = try KeylessAttackerTests.richLedger()
        let damage = try CLI.run("sqlite3", [l.ledgerPath], in: l.root, stdin: Data("""
            UPDATE lots SET on_hand_micros = on_hand_micros + 100000000; DELETE FROM movements WHERE kind = 'lost';
            DROP TRIGGER merkle_tree_append_only_update; UPDATE merkle_tree SET hash = zeroblob(32) WHERE ends = 2 AND level = 1;
            """.utf8))
        #expect(damage.status == 0, "\(damage.stderr)")
        #expect(try l.csledger(["inventory"]).status == 1)
        let r = try l.csledger(["repair"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("lots:") && r.stdout.contains("movements:") && r.stdout.contains("merkle_tree:"), "\(r.stdout)")
        try l.expectVerifies()
        #expect(try l.csledger(["inventory"]).status == 0)
        try l.record(DispensingLedger.waste(quantity: "0.1", time: "2026-03-06T10:00:00Z"))
        try l.expectVerifies()
        // The append-only triggers are back.
        #expect(try l.sqlite("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'merkle_tree_append_only_update'") == "1")
    }

    @Test("repair refuses when the entries themselves were changed: only a backup helps")
    func repairRefusesEntries() throws {
        let l = try KeylessAttackerTests.richLedger()
        let n = try l.size()
        try KeylessAttackerTests.rewrite(l.ledgerPath, sqlite: { try KeylessAttackerTests.attack(l, $0) }) { $0.remove(at: n - 2) }
        let r = try l.csledger(["repair"])
        #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("backup"), "\(r.stderr)")
    }
}
