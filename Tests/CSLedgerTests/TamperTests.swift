import Foundation
import Testing
@testable import LedgerCore

/// Tampering with a real ledger file through the sqlite3 binary is reported at the right seq.
/// The fixture has entries 0 (genesis), 1-2 (enrolments) and 3-8 (notes).
@Suite("Tampering is caught at the right seq")
struct TamperTests {
    @Test("a clean ledger verifies, and the append-only triggers refuse edits")
    func cleanLedger() throws {
        let l = try CLILedger(entries: 6)
        let v = try l.verify()
        #expect(v.status == 0)
        #expect(v.failures.isEmpty)
        #expect(v.json["entries"]?.integerValue == 9)
        let r = try l.sqlite("UPDATE entries SET type = 'x' WHERE seq = 3;")
        #expect(r.status != 0)
        #expect(r.stderr.contains("append-only"))
    }

    @Test("one byte of an entry's body changed")
    func bodyByteChanged() throws {
        let l = try CLILedger(entries: 6)
        try l.dropTriggers()
        try l.sqlite("UPDATE entries SET bytes = CAST(replace(CAST(bytes AS TEXT), 'hello', 'hellp') AS BLOB) WHERE seq = 5;")
        let v = try l.verify()
        #expect(v.status == 1)
        let first = try #require(v.failures.first)
        #expect(first.seq == 5)
        #expect(v.failures.contains { $0.seq == 5 && $0.code == "signature-invalid" })
        #expect(v.failures.contains { $0.seq == 6 && $0.code == "prev-mismatch" })
        #expect(v.failures.contains { $0.size == 6 && $0.code == "checkpoint-root-mismatch" })
        #expect(!v.failures.contains { ($0.seq ?? 99) < 5 })
    }

    @Test("verify --chain-only: no signatures checked, yet a changed byte is caught at its seq")
    func chainOnly() throws {
        let l = try CLILedger(entries: 6)
        let clean = try l.verify(["--chain-only"])
        #expect(clean.status == 0)
        #expect(clean.json["chain_only"] == .bool(true))
        #expect(clean.json["signatures_checked"]?.integerValue == 0)
        #expect(clean.json["entries"]?.integerValue == 9)
        try l.dropTriggers()
        try l.sqlite("UPDATE entries SET bytes = CAST(replace(CAST(bytes AS TEXT), 'hello', 'hellp') AS BLOB) WHERE seq = 5;")
        let v = try l.verify(["--chain-only"])
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.seq == 5 && $0.code == "stored-hash-mismatch" })
        #expect(v.failures.contains { $0.seq == 6 && $0.code == "prev-mismatch" })
        #expect(v.failures.contains { $0.size == 6 && $0.code == "checkpoint-root-mismatch" })
        #expect(!v.failures.contains { $0.code == "signature-invalid" })
    }

    @Test("a row deleted")
    func rowDeleted() throws {
        let l = try CLILedger(entries: 6)
        try l.dropTriggers()
        try l.sqlite("DELETE FROM entries WHERE seq = 4;")
        let v = try l.verify()
        #expect(v.status == 1)
        #expect(v.failures.first?.seq == 4)
        #expect(v.failures.contains { $0.seq == 4 && $0.code == "seq-gap" })
        #expect(v.failures.contains { $0.seq == 5 && $0.code == "prev-mismatch" })
    }

    @Test("a row inserted in the middle")
    func rowInserted() throws {
        let l = try CLILedger(entries: 6)
        try l.dropTriggers()
        // Make room at seq 4 and put a copy of entry 3 there (a replayed entry).
        try l.sqlite("""
            UPDATE entries SET seq = seq + 1000 WHERE seq >= 4;
            UPDATE entries SET seq = seq - 999 WHERE seq >= 1000;
            INSERT INTO entries SELECT 4, bytes, leaf_hash, type, actor, time, logged FROM entries WHERE seq = 3;
            """)
        let v = try l.verify()
        #expect(v.status == 1)
        #expect(v.failures.first?.seq == 4)
        #expect(v.failures.contains { $0.seq == 4 && $0.code == "seq-mismatch" })
        #expect(v.failures.contains { $0.seq == 4 && $0.code == "prev-mismatch" })
    }

    @Test("two rows swapped")
    func rowsSwapped() throws {
        let l = try CLILedger(entries: 6)
        try l.dropTriggers()
        try l.sqlite("""
            UPDATE entries SET seq = 1000 WHERE seq = 4;
            UPDATE entries SET seq = 4 WHERE seq = 5;
            UPDATE entries SET seq = 5 WHERE seq = 1000;
            """)
        let v = try l.verify()
        #expect(v.status == 1)
        #expect(v.failures.first?.seq == 4)
        #expect(v.failures.contains { $0.seq == 4 && $0.code == "seq-mismatch" })
        #expect(v.failures.contains { $0.seq == 5 && $0.code == "seq-mismatch" })
    }

    @Test("the tail truncated, against a checkpoint kept earlier")
    func tailTruncated() throws {
        let l = try CLILedger(entries: 6)
        let kept = l.dir.path("kept-checkpoint.txt")
        try l.checkpoint().write(toFile: kept, atomically: true, encoding: .utf8)
        try l.dropTriggers()
        // A careful attacker removes the entries, their tree nodes and the checkpoints that mention them.
        try l.sqlite("""
            DELETE FROM entries WHERE seq >= 6;
            DELETE FROM checkpoints WHERE tree_size > 6;
            DELETE FROM merkle_tree WHERE ends > 6;
            DELETE FROM statement_index WHERE seq >= 6;
            """)
        // The ledger is self-consistent now: only the checkpoint kept outside catches it.
        #expect(try l.verify().status == 0)
        let v = try l.verify(["--checkpoint", kept])
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.size == 9 && $0.code == "checkpoint-beyond-ledger" })
    }

    @Test("an entry signed by a key that was never enrolled")
    func unenrolledKey() throws {
        let l = try CLILedger(entries: 3)
        let stranger = SignerKey()
        let seq = try l.forgeEntry(signedBy: stranger)
        let v = try l.verify()
        #expect(v.status == 1)
        // Everything found is at the forged seq: the signer, and that no signed checkpoint covers it.
        #expect(Set(v.failures.map(\.seq)) == [seq])
        #expect(v.failures.contains { $0.code == "uncovered" })
        #expect(v.failures.contains { $0.code == "signer-unknown" })
    }

    @Test("an entry signed by a key after its revocation")
    func revokedKey() throws {
        let l = try CLILedger(entries: 3)
        let pharmacist = try l.key("pharmacist")
        let r = try l.csledger(["actor", "revoke", pharmacist.keyID.hex, "--reason", "left the pharmacy", "--key", "Keys/facility.pem"])
        #expect(r.status == 0, "\(r.stderr)")
        // csledger itself refuses the revoked key ...
        let refused = try l.csledger(["append", "--type", "test.note", "--body", "{}", "--key", "Keys/pharmacist.pem"])
        #expect(refused.status != 0)
        // ... so the attacker writes the entry into the file directly.
        let seq = try l.forgeEntry(signedBy: pharmacist)
        let v = try l.verify()
        #expect(v.status == 1)
        // Everything found is at the forged seq: the signer, and that no signed checkpoint covers it.
        #expect(Set(v.failures.map(\.seq)) == [seq])
        #expect(v.failures.contains { $0.code == "uncovered" })
        #expect(v.failures.contains { $0.code == "signer-revoked" })
    }

    @Test("a checkpoint's signature replaced is reported by tree size")
    func checkpointForged() throws {
        let l = try CLILedger(entries: 2)
        try l.dropTriggers()
        let other = SignerKey()
        let body = try Checkpoint(origin: "test.example.org/ledger", size: 5, rootHash: Hash.sha256([1])).body
        let sig = try SignedNote.sign(text: body, keyName: "test.example.org/ledger", privateKey: other.curve25519)
        let note = try SignedNote(text: body, signatures: [sig]).serialized
        try l.sqlite("UPDATE checkpoints SET note = '\(note)' WHERE tree_size = 5;")
        let v = try l.verify()
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.size == 5 && $0.code == "checkpoint-root-mismatch" })
        #expect(v.failures.contains { $0.size == 5 && $0.code == "checkpoint-signature" })
    }

    @Test("a stored checkpoint that is not a signed note is reported by tree size, with and without signatures", arguments: [false, true])
    func checkpointGarbled(chainOnly: Bool) throws {
        let l = try CLILedger(entries: 3)
        try l.dropTriggers()
        try l.sqlite("UPDATE checkpoints SET note = 'not a note' WHERE tree_size = 5;")
        let v = try l.verify(chainOnly ? ["--chain-only"] : [])
        #expect(v.status == 1)
        let malformed = v.failures.filter { $0.code == "checkpoint-malformed" }
        #expect(malformed.count == 1)
        #expect(malformed.first?.size == 5)
        // The other checkpoints are still checked, and nothing else is reported.
        #expect(v.failures.count == 1, "\(v.failures)")
    }
}
