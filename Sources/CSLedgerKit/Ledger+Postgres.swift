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

    /// True when `path` names a ledger in PostgreSQL of which this process keeps no mirror at `mirror` (or the
    /// default place): `verifyStore` then checks it without building one.
    package static func isPostgresWithoutMirror(_ path: String, mirror: String?) -> Bool {
        guard PostgresAddress.isAddress(path), let address = try? PostgresAddress(path), address.origin != nil else { return false }
        return !FileManager.default.fileExists(atPath: mirror ?? address.defaultMirrorPath)
    }

    /// The origin a postgresql:// address names (its `ledger=`), if it names one.
    package static func postgresOrigin(_ path: String) -> String? { (try? PostgresAddress(path))?.origin }

    /// `verify` of a ledger in PostgreSQL (`path` a postgresql:// address naming it), its rows read straight from
    /// PostgreSQL by every core (`PostgresScan`) into the same verifier as a file's: every entry, the chain,
    /// every signature against the enrolment state at its seq, the Merkle tree, every stored checkpoint and the
    /// `externalCheckpoints` given. No mirror is built: for a process that has none, building one would check
    /// every row through the append path before verification could start. The tables a mirror keeps beside
    /// the entries are the mirror's, checked where a mirror is opened.
    package static func verifyStore(path: String, externalCheckpoints: [String] = [], checkSignatures: Bool = true,
                                    progress: (Int, Int) -> Void = { _, _ in }) throws -> VerificationReport {
        let scan = try PostgresScan(try PostgresAddress(path), chunkRows: checkSignatures ? 512 : 1024)
        var options = LedgerVerifier.Options()
        options.checkSignatures = checkSignatures
        let readOptions = options
        return try verifyChunks(options: options, entries: scan.entries, expectedEntries: scan.rows, chunkCount: scan.chunkCount,
                                checkpointsBeyond: scan.checkpointsBeyond, externalCheckpoints: externalCheckpoints,
                                progress: progress) { reader, readers, deliver in
            let connection = scan.reader()
            for k in stride(from: reader, to: scan.chunkCount, by: readers) {
                let (prepared, checkpoints) = try connection.chunk(k, options: readOptions)
                guard deliver(k, prepared, checkpoints) else { return }
            }
        }
    }
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
