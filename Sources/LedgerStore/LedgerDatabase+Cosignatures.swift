import Foundation
import GRDB
import LedgerCore

/// Witness cosignatures (c2sp.org/tlog-cosignature) kept beside the checkpoints they cosign
/// (table `cosignatures`, migration 0009). Not part of the signed ledger: nothing here is trusted until a
/// verifier checks a line against a witness key it chose.
extension LedgerDatabase {
    /// One stored cosignature line.
    package struct StoredCosignature: Sendable, Equatable {
        package let treeSize: Int
        package let witness: String
        package let keyID: [UInt8]
        package let time: UInt64
        package let line: NoteSignature
        /// The facility's signed checkpoint note it cosigns, as kept with it.
        package let checkpoint: String
    }

    /// Stores cosignature lines on the checkpoint of `treeSize` entries (a line already kept is kept once).
    /// Lines that are not cosignature-shaped are refused; the caller verifies them against the witness key first.
    package func addCosignatures(treeSize: Int, _ lines: [NoteSignature], received: String) throws {
        let rows = try lines.map { line -> (NoteSignature, Cosignature) in
            guard let c = Cosignature(line) else {
                throw LedgerError(.invalidArgument, "a cosignature line is not a cosignature/v1 (8-byte time and 64-byte signature)")
            }
            return (line, c)
        }
        try writeLocal { db in
            guard let note = try String.fetchOne(db, sql: "SELECT note FROM checkpoints WHERE tree_size = ?", arguments: [treeSize]) else {
                throw LedgerError(.notFound, "the ledger has no checkpoint of \(treeSize) entries to keep a cosignature on")
            }
            for (line, c) in rows {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO cosignatures (tree_size, witness, key_id, time, line, checkpoint, received) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [treeSize, line.keyName, Data(line.keyHash), Int64(c.timestamp), line.line, note, received])
            }
        }
    }

    /// The cosignatures kept on the checkpoint of `treeSize` entries, oldest first.
    package func cosignatures(treeSize: Int) throws -> [StoredCosignature] {
        try read { db in try Self.cosignatures(db, where: "tree_size = ?", [treeSize]) }
    }

    /// Every kept cosignature, by tree size then time.
    package func allCosignatures() throws -> [StoredCosignature] {
        try read { db in try Self.cosignatures(db, where: "1", []) }
    }

    static func cosignatures(_ db: Database, where condition: String, _ args: StatementArguments) throws -> [StoredCosignature] {
        try Row.fetchAll(db, sql: "SELECT tree_size, witness, key_id, time, line, checkpoint FROM cosignatures WHERE \(condition) ORDER BY tree_size, time, witness",
                         arguments: args).compactMap { row in
            let text: String = row[4]
            // A line that no longer parses (the file was edited) is skipped: it would not verify anyway.
            guard let note = try? SignedNote.parse("x\n\n" + text), let line = note.signatures.first else { return nil }
            let key: Data = row[2]
            let time: Int64 = row[3]
            return StoredCosignature(treeSize: row[0], witness: row[1], keyID: Array(key), time: UInt64(max(0, time)), line: line, checkpoint: row[5])
        }
    }

    /// The largest tree size the witness `name` with key id `keyID` cosigned, as kept here (0 if none).
    package func lastCosignedSize(witness name: String, keyID: [UInt8]) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT max(tree_size) FROM cosignatures WHERE witness = ? AND key_id = ?",
                             arguments: [name, Data(keyID)]) ?? 0
        }
    }

    /// The note of `checkpoint` with every kept cosignature line of its tree size appended (each line once).
    package func cosignedNote(_ checkpoint: StoredCheckpoint) throws -> String {
        let extra = try cosignatures(treeSize: checkpoint.treeSize)
        guard !extra.isEmpty else { return checkpoint.note }
        let note = try SignedNote.parse(checkpoint.note)
        var lines = note.signatures
        for c in extra where !lines.contains(c.line) && lines.count < SignedNote.maxSignatures { lines.append(c.line) }
        return try SignedNote(text: note.text, signatures: lines).serialized
    }
}
