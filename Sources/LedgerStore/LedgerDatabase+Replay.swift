import Foundation
import GRDB
import LedgerCore

extension LedgerDatabase {
    /// Rebuilds every table kept for speed from the entries alone: copies this ledger's entries, in order,
    /// into a new ledger file at `path`, replaying the enrolment state and `projections` as the append
    /// path does (no signatures are checked and no checkpoints are made: run `verify` for that).
    ///
    /// Comparing the rebuilt tables with this file's shows that what appends kept equals a recomputation.
    public func replay(into path: String, projections: [any LedgerProjection]) throws -> LedgerDatabase {
        let target = try LedgerDatabase.create(path: path)
        var registry = SignerRegistry()
        // Personal data is not in the chain; copy it so references still resolve.
        let people = try read { db in try Row.fetchAll(db, sql: "SELECT ref, kind, commitment, salt, data, created, erased FROM personal_data") }
        try target.pool.write { db in
            for p in people {
                try db.execute(sql: "INSERT INTO personal_data (ref, kind, commitment, salt, data, created, erased) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: StatementArguments(p.databaseValues))
            }
        }
        try forEachBatch { rows in
            try target.pool.write { db in
                for row in rows {
                    let entry = try Entry.decode(canonicalBytes: row.bytes)
                    try registry.apply(entry.statement, at: entry.seq)
                    try db.execute(
                        sql: "INSERT INTO entries (seq, bytes, leaf_hash, type, actor, time, logged) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [entry.seq, Data(row.bytes), Data(MerkleTree.leafHash(row.bytes).bytes), entry.statement.type,
                                    entry.statement.actor.hex, entry.statement.time.description, entry.logged.description])
                    try db.execute(sql: "INSERT OR IGNORE INTO statement_index (time, hash, seq) VALUES (?, ?, ?)",
                                   arguments: [entry.statement.time.description, Data(Hash.sha256(entry.statement.signingInput).bytes), entry.seq])
                    try Self.recordSigners(db, entry: entry, registry: registry)
                    for p in projections { try p.apply(entry, in: db) }
                }
            }
            return true
        }
        return target
    }
}
