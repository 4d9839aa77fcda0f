import Foundation
import GRDB
import LedgerCore

extension LedgerDatabase {
    /// An entry the rules refused when the tables were rebuilt from the entries (a replayed or reordered entry
    /// breaks them): its seq and why.
    package struct ReplayRefusal: Sendable {
        package let seq: Int
        package let message: String
    }

    /// Rebuilds every table kept for speed from the entries alone: copies this ledger's entries, in order,
    /// into a new ledger file at `path`, replaying the enrolment state, the Merkle tree, the statement index
    /// and `projections` as the append path does (no signatures are checked and no checkpoints are made:
    /// run `verify` for that). An entry the rules refuse is copied without its effect on the tables and
    /// reported in `refusals`.
    ///
    /// Comparing the rebuilt tables with this file's shows that what appends kept equals a recomputation.
    package func replay(into path: String, projections: [any LedgerProjection]) throws -> LedgerDatabase {
        try rebuild(into: path, projections: projections).database
    }

    /// `replay`, also returning the entries the rules refused.
    package func rebuild(into path: String, projections: [any LedgerProjection]) throws -> (database: LedgerDatabase, refusals: [ReplayRefusal]) {
        let target = try LedgerDatabase.create(path: path)
        let refusals = try Self.rebuild(into: target, projections: projections, source: self)
        return (target, refusals)
    }

    /// Replays the entries `source` streams (`forEachBatch`-like) into the empty ledger file `target`.
    static func rebuild(into target: LedgerDatabase, projections: [any LedgerProjection], source: LedgerDatabase?,
                        people: [Row]? = nil, rows batches: ((([LedgerVerifier.Row]) throws -> Bool) throws -> Void)? = nil) throws -> [ReplayRefusal] {
        var registry = SignerRegistry()
        var frontier = MerkleFrontier()
        var refused: [ReplayRefusal] = []
        // Personal data is not in the chain; copy it so references still resolve.
        let people = try people ?? source!.read { db in try Row.fetchAll(db, sql: "SELECT ref, kind, commitment, salt, data, created, erased FROM personal_data") }
        try target.pool.write { db in
            for p in people {
                try db.execute(sql: "INSERT INTO personal_data (ref, kind, commitment, salt, data, created, erased) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: StatementArguments(p.databaseValues))
            }
        }
        try (batches ?? { try source!.forEachBatch($0) }) { rows in
            try target.pool.write { db in
                for row in rows {
                    let leaf = MerkleTree.leafHash(row.bytes)
                    let entry: Entry
                    do { entry = try Entry.decode(canonicalBytes: row.bytes) } catch {
                        refused.append(ReplayRefusal(seq: row.seq, message: "the entry cannot be read: \(error)"))
                        continue
                    }
                    try db.execute(
                        sql: "INSERT INTO entries (seq, bytes, leaf_hash, type, actor, time, logged) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [row.seq, Data(row.bytes), Data(leaf.bytes), entry.statement.type,
                                    entry.statement.actor.hex, entry.statement.time.description, entry.logged.description])
                    try db.execute(sql: "INSERT OR IGNORE INTO statement_index (time, hash, seq) VALUES (?, ?, ?)",
                                   arguments: [entry.statement.time.description, Data(Hash.sha256(entry.statement.signingInput).bytes), row.seq])
                    for node in frontier.append(leaf) {
                        try db.execute(sql: "INSERT INTO merkle_tree (ends, level, hash) VALUES (?, ?, ?)",
                                       arguments: [MerkleTree.subtreeEnd(level: node.level, index: node.index), node.level, Data(node.hash.bytes)])
                    }
                    // The entry's effect on the tables, all or nothing.
                    try Self.inEntrySavepoint(db) {
                        do {
                            var next = registry
                            try next.apply(entry.statement, at: entry.seq)
                            try Self.recordSigners(db, entry: entry, registry: next)
                            for p in projections { try p.apply(entry, in: db) }
                            registry = next
                            return .commit
                        } catch let e as LedgerError {
                            refused.append(ReplayRefusal(seq: row.seq, message: e.message))
                            return .rollback
                        }
                    }
                }
            }
            return true
        }
        return refused
    }

    /// Closes the file's connections (a scratch copy, before it is read by another connection or removed).
    package func close() throws {
        try pool.close()
    }
}
