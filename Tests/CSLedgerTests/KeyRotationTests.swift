import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// Revoked keys cannot append; the facility key can be handed over with checkpoints verifying across it.
@Suite("Keys: revocation and facility key rotation")
struct KeyRotationTests {
    @Test("a revoked key cannot append, and nothing is written", arguments: Backend.allCases)
    func revokedCannotAppend(_ backend: Backend) throws {
        guard let f = try DispensingLedger.make(backend) else { return }
        let pharmacist = try f.keyID("pharmacist")
        try f.ok(["actor", "revoke", pharmacist, "--reason", "left the clinic", "--key", "Keys/facility.pem"])
        let size = try f.size()
        let r = try f.csledger(DispensingLedger.waste(quantity: "0.1", time: "2026-03-05T12:00:00Z"))
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("csledger: error: ") && r.stderr.contains("revoked"), "\(r.stderr)")
        #expect(try f.size() == size)
        try f.expectVerifies()
    }

    @Test("rotate the facility key, append, verify; old checkpoints still verify; an old-key checkpoint after rotation is refused", arguments: Backend.allCases)
    func rotation(_ backend: Backend) throws {
        guard let l = try CLILedger.make(backend, entries: 3) else { return }
        let before = try l.checkpoint()
        try before.write(toFile: l.dir.path("before.cp"), atomically: true, encoding: .utf8)
        let beforeSize = try l.size()
        #expect(try l.csledger(["keys", "generate", "facility2"]).status == 0)
        let rot = try l.csledger(["facility", "rotate", "--key", "Keys/facility.pem", "--new-key", "Keys/facility2.pem",
                                  "--reason", "scheduled rotation", "--json"])
        try #require(rot.status == 0, "rotate: \(rot.stderr)")
        // Appends now need the new key for the checkpoint (init's recorded path was moved to it).
        let a = try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"after"}"#, "--key", "Keys/facility2.pem"])
        #expect(a.status == 0, "append after rotation: \(a.stderr)")
        // The old key no longer signs checkpoints ...
        let oldCheckpoint = try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"x"}"#, "--key", "Keys/facility2.pem",
                                            "--facility-key", "Keys/facility.pem"])
        #expect(oldCheckpoint.status == 2 && oldCheckpoint.stderr.contains("[signature-invalid]"), "\(oldCheckpoint.stderr)")
        // ... nor entries.
        let oldEntry = try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"x"}"#, "--key", "Keys/facility.pem"])
        #expect(oldEntry.status != 0, "the retired key appended: \(oldEntry.stdout)")
        let v = try l.verify(["--checkpoint", l.dir.path("before.cp")])
        #expect(v.status == 0, "verify across the rotation: \(v.failures)")
        // The latest checkpoint is signed by the new key, not the old one.
        let ledger = try l.place.open()
        let db = ledger.database
        let size = try db.size()
        let latest = try SignedNote.parse(try l.checkpoint())
        let (old, new) = (try l.key("facility"), try KeyFiles.loadPrivateKey(path: l.dir.path("Keys/facility2.pem")))
        #expect(latest.verify(keyName: l.origin, publicKey: new.publicKey.curve25519))
        #expect(!latest.verify(keyName: l.origin, publicKey: old.publicKey.curve25519))
        // A checkpoint made after the rotation with the old key is refused by verify.
        let forged = try CheckpointSigner(origin: l.origin, key: old).sign(size: size, root: try db.rootHash(size: size))
        try forged.write(toFile: l.dir.path("forged.cp"), atomically: true, encoding: .utf8)
        let vf = try l.verify(["--checkpoint", l.dir.path("forged.cp")])
        #expect(vf.status == 1)
        #expect(vf.failures.contains { $0.code == "checkpoint-signature" }, "\(vf.failures)")
        // Consistency from before the rotation to now holds.
        let cons = try ledger.consistencyProof(oldSize: beforeSize)
        let oldRoot = try Checkpoint(body: try SignedNote.parse(before).text).rootHash
        #expect(MerkleTree.verifyConsistency(oldSize: beforeSize, newSize: cons.newSize, oldRoot: oldRoot,
                                             newRoot: try db.rootHash(size: cons.newSize), proof: cons.path))
    }

    @Test("a rotation statement sent to the daemon's write path is refused (its checkpoint signer is the old key)", arguments: Backend.allCases)
    func rotationNeedsNewKeyForCheckpoint(_ backend: Backend) throws {
        guard let l = try CLILedger.make(backend) else { return }
        let ledger = try l.place.open()
        let old = try l.key("facility"), new = SignerKey()
        try ledger.enroll(name: "Next facility key", role: .admin, publicKey: new.publicKey, adminKey: old, facilityKey: old)
        let size = try ledger.database.size()
        let s = try Statement(type: CoreStatementType.facilityKeyRotated, time: .now(), actor: old.keyID, witnesses: [new.keyID], log: try ledger.origin(),
                              body: ["public_key": .string(new.publicKey.base64), "previous_key": .string(old.keyID.hex)])
        let results = try ledger.database.appendEach([try SignedStatement(statement: s, actorKey: old, witnessKeys: [new])],
                                                     checkpointSigner: try ledger.checkpointSigner(facilityKey: old))
        guard case .failure(let e) = results[0] else { Issue.record("rotation accepted with the old key signing the checkpoint"); return }
        #expect(e.code == .signatureInvalid)
        #expect(try ledger.database.size() == size)
        // A rotation not cosigned by the new key is refused too.
        let unsigned = try Statement(type: CoreStatementType.facilityKeyRotated, time: .now(), actor: old.keyID, log: try ledger.origin(),
                                     body: ["public_key": .string(new.publicKey.base64), "previous_key": .string(old.keyID.hex)])
        #expect(throws: LedgerError.self) {
            try ledger.database.append([try SignedStatement(statement: unsigned, actorKey: old)],
                                       checkpointSigner: CheckpointSigner(origin: l.origin, key: new))
        }
        #expect(try ledger.database.size() == size)
    }
}
