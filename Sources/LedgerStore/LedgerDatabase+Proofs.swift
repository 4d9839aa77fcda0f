import GRDB
import GRDBSQLite
import LedgerCore

extension LedgerDatabase {
    /// RFC 9162 inclusion proof of entry `index` in the tree of `size` entries.
    package func inclusionProof(index: Int, size: Int) throws -> [Hash] {
        try read { db in try Self.withTreeNodes(db) { try MerkleTree.inclusionProof(index: index, size: size, subtree: $0) } }
    }

    /// RFC 9162 consistency proof between the trees of `oldSize` and `newSize` entries.
    package func consistencyProof(oldSize: Int, newSize: Int) throws -> [Hash] {
        try read { db in try Self.withTreeNodes(db) { try MerkleTree.consistencyProof(oldSize: oldSize, newSize: newSize, subtree: $0) } }
    }

    /// The Merkle root of the first `size` entries, from the stored tree nodes.
    package func rootHash(size: Int) throws -> Hash {
        try read { db in try Self.withTreeNodes(db) { try MerkleTree.rootHash(size: size, subtree: $0) } }
    }

    /// The newest stored checkpoint and, from the same snapshot, the inclusion proof of entry `index` in
    /// its tree; nil when there is no checkpoint, or it does not cover `index` (the proof is then empty).
    package func inclusionProofAtLatestCheckpoint(index: Int) throws -> (checkpoint: StoredCheckpoint, path: [Hash])? {
        try read { db in
            guard let cp = try Self.latestCheckpoint(db) else { return nil }
            guard index >= 0, index < cp.treeSize else { return (cp, []) }
            return (cp, try Self.withTreeNodes(db) { try MerkleTree.inclusionProof(index: index, size: cp.treeSize, subtree: $0) })
        }
    }

    /// The newest stored checkpoint and, from the same snapshot, the consistency proof from the tree of
    /// `oldSize` entries to its tree; nil when there is no checkpoint, or `oldSize` is not in 1...its size.
    package func consistencyProofToLatestCheckpoint(oldSize: Int) throws -> (checkpoint: StoredCheckpoint, path: [Hash])? {
        try read { db in
            guard let cp = try Self.latestCheckpoint(db) else { return nil }
            guard oldSize >= 1, oldSize <= cp.treeSize else { return (cp, []) }
            return (cp, try Self.withTreeNodes(db) { try MerkleTree.consistencyProof(oldSize: oldSize, newSize: cp.treeSize, subtree: $0) })
        }
    }

    /// Runs `body` with a lookup of stored tree nodes that goes straight to SQLite: one statement prepared
    /// for the whole proof, two integers bound and the 32 bytes copied from the row per node. A proof at a
    /// million entries reads 20 to 40 nodes; through GRDB's generic fetch (argument checks, a `Data` per
    /// value, a statement-cache lookup) those reads cost several times what SQLite itself does.
    static func withTreeNodes<T>(_ db: Database, _ body: (MerkleTree.SubtreeLookup) throws -> T) throws -> T {
        let statement = try db.cachedStatement(sql: "SELECT hash FROM merkle_tree WHERE ends = ? AND level = ?")
        let raw = statement.sqliteStatement
        defer { sqlite3_reset(raw) }
        return try body { level, index in
            sqlite3_reset(raw)
            sqlite3_bind_int64(raw, 1, Int64(MerkleTree.subtreeEnd(level: level, index: index)))
            sqlite3_bind_int64(raw, 2, Int64(level))
            let rc = sqlite3_step(raw)
            if rc == SQLITE_ROW {
                // sqlite3_column_blob first, then sqlite3_column_bytes, as SQLite's documentation asks.
                if let start = sqlite3_column_blob(raw, 0), let h = Hash(bytes: UnsafeRawBufferPointer(start: start, count: Int(sqlite3_column_bytes(raw, 0)))) {
                    return h
                }
            } else if rc != SQLITE_DONE {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            throw LedgerError(.ledgerCorrupt, "the ledger's tree node (\(level), \(index)) is missing; run verify")
        }
    }
}
