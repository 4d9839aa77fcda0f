import GRDB
import LedgerCore

/// One read transaction of the ledger file, for scans that read many rows from one consistent state
/// (the reconciliation reads a million entries in parallel ranges). Rows are handed to callbacks in place,
/// valid until the next row; the SQL stays in the store and in the modules that own each table.
package struct LedgerSnapshot {
    package let db: Database

    /// The number of entries (one past the highest seq).
    package func size() throws -> Int { (try Int.fetchOne(db, sql: "SELECT max(seq) FROM entries")).map { $0 + 1 } ?? 0 }

    /// Every enrolled signer, revoked or not.
    package func signers() throws -> [Signer] { try LedgerDatabase.loadSigners(db) }

    /// The entries with seq in `seqs` (of `types` only, when given), in seq order: `body(seq, bytes)`.
    package func forEachEntry(seqs: Range<Int>, types: [String]?, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard !seqs.isEmpty else { return }
        var sql = "SELECT seq, bytes FROM entries NOT INDEXED WHERE seq >= ? AND seq < ?"
        var arguments: StatementArguments = [seqs.lowerBound, seqs.upperBound]
        if let types {
            sql += " AND type IN (\(types.map { _ in "?" }.joined(separator: ", ")))"
            arguments += StatementArguments(types)
        }
        try RawRows.each(db, sql + " ORDER BY seq", arguments) { row in try body(row.int(0), row.bytes(1)) }
    }
}

extension LedgerDatabase {
    /// Runs `body` in one read transaction (see `LedgerSnapshot`).
    package func readSnapshot<T>(_ body: (LedgerSnapshot) throws -> T) throws -> T {
        try read { db in try body(LedgerSnapshot(db: db)) }
    }
}
