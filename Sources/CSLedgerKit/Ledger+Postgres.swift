import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore

extension Ledger {
    /// For a ledger in PostgreSQL (`path` a postgresql:// address): checks that PostgreSQL's rows are the ones this
    /// process's mirror checked (`PostgresLedger.compare`); for a file, nothing. `verify` calls it.
    package func compareWithStore(path: String) throws {
        guard PostgresAddress.isAddress(path) else { return }
        try PostgresLedger.compare(try PostgresAddress(path), mirror: database)
    }

    /// True when `path` names a ledger in PostgreSQL rather than a file.
    package static func isPostgres(_ path: String) -> Bool { PostgresAddress.isAddress(path) }
}

extension Ledger {
    /// What `copy` moved.
    package struct CopySummary: Sendable {
        package let origin: String
        package let entries: Int
        package let checkpoints: Int
        /// The root of the latest checkpoint, the same on both sides.
        package let root: Hash
    }

    /// Copies a whole ledger (its signed entries and checkpoints, byte for byte) from `source` to `destination`,
    /// each a ledger file or a postgresql:// address. The source must pass the integrity check; the copy is
    /// checked on arrival as a new mirror checks rows (every signature, the chain, every checkpoint) and its root
    /// compared with the source's. Refuses a destination that exists; leaves none behind when it fails.
    /// Kept only beside a file, and not copied: personal data, API tokens and settings.
    package static func copy(from source: String, to destination: String) throws -> CopySummary {
        guard source != destination else { throw LedgerError(.invalidArgument, "--from and --to are the same ledger") }
        let from = try Ledger.open(path: source, readOnly: true, mirror: isPostgres(source) ? scratchMirror() : nil)
        defer { if isPostgres(source) { removeScratch(from.database) } }
        try from.requireIntegrity()
        let origin = try from.origin()
        let rows = try from.database.mirroredRows()
        guard let latest = rows.checkpoints.last, latest.treeSize == rows.entries.count,
              let root = (try? SignedNote.parse(latest.note)).flatMap({ try? Checkpoint(body: $0.text) })?.rootHash else {
            throw LedgerError(.ledgerCorrupt, "the source's latest checkpoint does not cover all its entries; run verify")
        }
        let arrived: Hash
        if isPostgres(destination) {
            var address = try PostgresAddress(destination)
            if address.origin == nil { address = address.with(origin: origin) }
            guard address.origin == origin else {
                throw LedgerError(.invalidArgument, "the destination names the ledger \(address.origin ?? "") but the source is \(origin); leave ledger= out or give the same origin")
            }
            try PostgresLedger.store(rows, at: address)
            let check = scratchMirror()
            do {
                let mirror = try PostgresLedger.open(address, mirrorPath: check, projections: defaultProjections)
                defer { removeScratch(mirror) }
                arrived = try Ledger(database: mirror).checkpointRoot()
            } catch {
                PostgresLedger.drop(address)
                throw error
            }
        } else {
            let db = try LedgerDatabase.create(path: destination)
            do {
                try db.importMirrored(rows, projections: defaultProjections)
                let copy = Ledger(database: db)
                try copy.requireIntegrity()
                arrived = try copy.checkpointRoot()
            } catch {
                try? db.close()
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: destination + suffix) }
                throw error
            }
        }
        guard arrived == root else {
            throw LedgerError(.ledgerCorrupt, "the copy's root differs from the source's; the copy is not to be used")
        }
        return CopySummary(origin: origin, entries: rows.entries.count, checkpoints: rows.checkpoints.count, root: root)
    }

    /// The root hash the latest checkpoint signs.
    func checkpointRoot() throws -> Hash {
        let cp = try checkpoint()
        guard let body = (try? SignedNote.parse(cp.note)).flatMap({ try? Checkpoint(body: $0.text) }) else {
            throw LedgerError(.ledgerCorrupt, "the latest checkpoint cannot be read; run verify")
        }
        return body.rootHash
    }

    /// The ledgers at `path`: every ledger a PostgreSQL database holds, or the one a file holds; origin and entries.
    package static func ledgers(at path: String) throws -> [(origin: String, entries: Int)] {
        if isPostgres(path) {
            return try PostgresLedger.ledgers(try PostgresAddress(path)).map { ($0.origin, $0.size) }
        }
        let l = try Ledger.open(path: path, readOnly: true)
        return [(try l.origin(), try l.database.size())]
    }

    private static func scratchMirror() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("csledger-copy-\(getpid())-\(UUID().uuidString).sqlite").path
    }

    private static func removeScratch(_ db: LedgerDatabase) {
        try? db.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db.path + suffix) }
    }
}

extension Ledger {
    /// For a ledger in PostgreSQL: erases `ref`'s personal data there as well (after the mirror's own erasure).
    package func erasePersonalDataInStore(path: String, ref: String) throws {
        guard PostgresAddress.isAddress(path) else { return }
        try PostgresLedger.erase(try PostgresAddress(path), ref: ref, at: Timestamp.now().description)
    }
}
