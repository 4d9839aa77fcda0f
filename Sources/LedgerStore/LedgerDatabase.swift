import Foundation
import GRDB
import GRDBSQLite
import LedgerCore
import LedgerMigrations
import Synchronization

/// The ledger file: an SQLite database (WAL, synchronous=FULL, foreign keys)
/// whose schema comes from `Migrations/`. All writes go through `append`.
public final class LedgerDatabase: Sendable {
    /// The file's path.
    package let path: String
    let pool: DatabasePool
    /// Kept by `append` between transactions on the writer connection (see `AppendTip`); any other write
    /// through this connection clears it.
    let appendTip = Mutex<AppendTip?>(nil)
    /// The writer's data version when the file was last found sound (`trust(version:)`); see `isTrusted`.
    let trustedVersion = Mutex<Int?>(nil)
    /// When true, `append` refuses (`ledger-changed`) unless the file is as this process last found it sound.
    let requireTrust = Mutex(false)
    /// The store this file mirrors, which orders and keeps every append (`AppendAuthority`); nil for a plain file.
    let appendAuthority = Mutex<(any AppendAuthority)?>(nil)

    /// An entry just appended, with its leaf hash.
    public struct Appended: Sendable {
        public let entry: Entry
        public let leafHash: Hash
    }

    /// A stored checkpoint: its tree size and signed note.
    public typealias StoredCheckpoint = LedgerVerifier.StoredCheckpoint

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    static func configuration(readOnly: Bool) -> Configuration {
        var config = Configuration()
        config.readonly = readOnly
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(30)
        config.label = "csledger"
        config.prepareDatabase { db in
            // Every acknowledged entry is on disk: fsync the WAL at each commit.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if !db.configuration.readonly {
                // The writer's page cache (SQLite's default is 2 MiB). A group commit touches a few random
                // index pages per entry (statement hashes, movements); with too small a cache they are read
                // again for every entry and, once the transaction outgrows the cache, spilled to the WAL
                // and written more than once. Readers keep the default (the verifier's memory target).
                try db.execute(sql: "PRAGMA cache_size = -65536")
                // Each entry of a group is written in its own savepoint, and SQLite keeps the pages a
                // savepoint changes in a sub-journal so it can roll them back: in memory, not a temp file
                // written (page by page, twice per page) for every entry.
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
            }
        }
        return config
    }

    /// Creates a new, empty ledger file with the schema. Refuses an existing file.
    package static func create(path: String) throws -> LedgerDatabase {
        if FileManager.default.fileExists(atPath: path) {
            throw LedgerError(.ledgerExists, "a ledger already exists at \(path); it was not touched")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration(readOnly: false))
            try syncEveryCommit(pool)
            try migrator.migrate(pool)
            return LedgerDatabase(path: path, pool: pool)
        } catch {
            throw LedgerError.storage(error, path: path)
        }
    }

    /// Opens an existing ledger file, applying any migrations it lacks (unless read-only).
    package static func open(path: String, readOnly: Bool = false) throws -> LedgerDatabase {
        try requireLedgerFile(path: path)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration(readOnly: readOnly))
            if !readOnly { try syncEveryCommit(pool) }
            try pool.read { db in
                // Touch the file so a non-database fails here, with a clear error.
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
            }
            let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded {
                throw LedgerError(.storage, "the ledger file \(path) was written by a newer csledger; upgrade csledger to use it")
            }
            if !readOnly {
                try migrator.migrate(pool)
            } else {
                let complete = try pool.read { db in try migrator.hasCompletedMigrations(db) }
                if !complete {
                    throw LedgerError(.storage, "the ledger file \(path) was written by an older csledger; run `csledger migrate` once to upgrade it (every entry is kept)")
                }
            }
            let db = LedgerDatabase(path: path, pool: pool)
            guard try db.meta("origin") != nil else {
                throw LedgerError(.ledgerCorrupt, "\(path) is an SQLite file but not a csledger ledger (no genesis entry)")
            }
            return db
        } catch {
            throw LedgerError.storage(error, path: path)
        }
    }

    /// `synchronous = FULL` on the writer connection, again: GRDB's `DatabasePool` sets `NORMAL` on it when
    /// it turns WAL on, after `prepareDatabase` ran, and with `NORMAL` a commit is not fsynced (only
    /// checkpoints are), so an acknowledged entry could be lost to a power cut.
    static func syncEveryCommit(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            guard try Int.fetchOne(db, sql: "PRAGMA synchronous") == 2 else {
                throw LedgerError(.storage, "SQLite refused synchronous = FULL on the ledger file; appends would not be durable")
            }
        }
    }

    /// The writer connection's `PRAGMA synchronous` (2 is FULL: every commit fsynced), for tests.
    package func writerSynchronousLevel() throws -> Int {
        do { return try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 } } catch {
            throw LedgerError.storage(error, path: path)
        }
    }

    /// The schema migrations the ledger file at `path` has not had yet, in the order they would run
    /// (opening it for writing runs them).
    package static func pendingMigrations(path: String) throws -> [String] {
        try requireLedgerFile(path: path)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration(readOnly: true))
            let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
            return LedgerMigrations.all.map(\.identifier).filter { !applied.contains($0) }
        } catch {
            throw LedgerError.storage(error, path: path)
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        for migration in LedgerMigrations.all {
            let sql = migration.sql
            m.registerMigration(migration.identifier) { db in try db.execute(sql: sql) }
        }
        return m
    }

    // MARK: - Reads

    /// A value recorded about this ledger (`origin`, `facility_key_id`, ...).
    package func meta(_ key: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM ledger_meta WHERE key = ?", arguments: [key]) }
    }

    /// Runs a read against a consistent snapshot, mapping errors to `LedgerError`.
    package func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw LedgerError.storage(error, path: path) }
    }

    /// A read made of a single SQL statement, which SQLite runs on one consistent snapshot by itself, so it
    /// needs no BEGIN and COMMIT around it (the daemon makes one such read per request, for its token).
    package func readSingleStatement<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.unsafeRead(body) } catch { throw LedgerError.storage(error, path: path) }
    }

    /// The number of entries.
    package func size() throws -> Int {
        try read { db in try Self.size(db) }
    }

    static func size(_ db: Database) throws -> Int {
        (try Int.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM entries"))).map { $0 + 1 } ?? 0
    }

    /// The entry at `seq`, decoded.
    package func entry(_ seq: Int) throws -> Entry {
        guard let bytes = try entryBytes(seq) else { throw LedgerError(.notFound, "there is no entry \(seq) in this ledger") }
        return try Entry.decode(canonicalBytes: bytes)
    }

    /// The bytes of the entries of `types` below seq `limit` whose statement time is within `from...to` (either end
    /// open when nil), in seq order.
    package func entryBytes(types: [String], below limit: Int, from: Timestamp? = nil, to: Timestamp? = nil) throws -> [[UInt8]] {
        guard !types.isEmpty else { return [] }
        var sql = "SELECT bytes FROM entries WHERE type IN (\(types.map { _ in "?" }.joined(separator: ","))) AND seq < ?"
        var args: [any DatabaseValueConvertible] = types
        args.append(limit)
        if let from { sql += " AND time >= ?"; args.append(from.description) }
        if let to { sql += " AND time <= ?"; args.append(to.description) }
        sql += " ORDER BY seq"
        return try read { db in try Data.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { Array($0) } }
    }

    /// The stored canonical bytes of the entry at `seq`, or nil.
    package func entryBytes(_ seq: Int) throws -> [UInt8]? {
        try read { db in
            (try Data.fetchOne(db, sql: "SELECT bytes FROM entries WHERE seq = ?", arguments: [seq])).map { Array($0) }
        }
    }

    /// Streams stored rows in seq order, in batches, from one snapshot.
    /// - Parameters:
    ///   - range: the seq numbers wanted (default all).
    ///   - type: only entries of this type.
    ///   - body: called with each batch; return false to stop.
    package func forEachBatch(range: ClosedRange<Int>? = nil, type: String? = nil, batchSize: Int = 4096,
                             _ body: ([LedgerVerifier.Row]) throws -> Bool) throws {
        try read { db in try Self.scan(db, range: range, type: type, batchSize: batchSize, body) }
    }

    /// The latest statement (event) time of any entry, from the index of statement times; nil when empty.
    /// A derived table: call after the integrity check.
    package func latestStatementTime() throws -> Timestamp? {
        try read { db in try String.fetchOne(db, sql: "SELECT max(time) FROM statement_index").flatMap { Timestamp($0) } }
    }

    static func scan(_ db: Database, schema: String = "main", range: ClosedRange<Int>? = nil, type: String? = nil, batchSize: Int,
                     _ body: ([LedgerVerifier.Row]) throws -> Bool) throws {
        var sql = "SELECT seq, bytes, leaf_hash FROM \(schema).entries"
        var conditions: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if let range {
            conditions.append("seq BETWEEN ? AND ?")
            args += [range.lowerBound, range.upperBound]
        }
        if let type {
            conditions.append("type = ?")
            args.append(type)
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY seq"
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
        var batch: [LedgerVerifier.Row] = []
        batch.reserveCapacity(batchSize)
        while let row = try cursor.next() {
            // One copy of each blob, straight from SQLite's buffer.
            let bytes = try row.withUnsafeData(atIndex: 1) { $0.map { [UInt8]($0) } ?? [] }
            let leaf = try row.withUnsafeData(atIndex: 2) { $0.flatMap { Hash(bytes: [UInt8]($0)) } }
            batch.append(LedgerVerifier.Row(seq: row[0], bytes: bytes, storedLeafHash: leaf))
            if batch.count == batchSize {
                guard try body(batch) else { return }
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { _ = try body(batch) }
    }

    static func checkpoints(_ db: Database, _ sizes: ClosedRange<Int>) throws -> [StoredCheckpoint] {
        try Row.fetchAll(db, sql: "SELECT tree_size, note FROM checkpoints WHERE tree_size BETWEEN ? AND ? ORDER BY tree_size",
                         arguments: [sizes.lowerBound, sizes.upperBound]).map { StoredCheckpoint(treeSize: $0[0], note: $0[1]) }
    }

    /// The stored checkpoints with a tree size in `sizes`, by tree size.
    package func checkpoints(sizes: ClosedRange<Int> = 0...Int.max) throws -> [StoredCheckpoint] {
        try read { db in try Self.checkpoints(db, sizes) }
    }

    /// The newest stored checkpoint.
    package func latestCheckpoint() throws -> StoredCheckpoint? {
        try read { db in try Self.latestCheckpoint(db) }
    }

    static func latestCheckpoint(_ db: Database) throws -> StoredCheckpoint? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT tree_size, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1")).map {
            StoredCheckpoint(treeSize: $0[0], note: $0[1])
        }
    }

    /// The stored checkpoint of exactly `size` entries, if one was issued.
    package func checkpoint(size: Int) throws -> StoredCheckpoint? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT tree_size, note FROM checkpoints WHERE tree_size = ?", arguments: [size]).map {
                StoredCheckpoint(treeSize: $0[0], note: $0[1])
            }
        }
    }

    /// The enrolled signers (from the table kept beside the entries).
    package func signers() throws -> [Signer] {
        try read { db in try Self.loadSigners(db) }
    }

    /// One signer by key id, from the signer table.
    package static func signer(_ db: Database, _ key: KeyID) throws -> Signer? {
        try loadSigners(db, where: key).first
    }

    static func loadSigners(_ db: Database, where key: KeyID? = nil) throws -> [Signer] {
        let filter = key == nil ? "" : " WHERE key_id = ?"
        let args: StatementArguments = key.map { [$0.hex] } ?? []
        return try Row.fetchAll(db.cachedStatement(sql: "SELECT public_key, name, role, enrolled_seq, revoked_seq FROM signers\(filter) ORDER BY enrolled_seq"),
                                arguments: args).map { row in try signer(row, from: 0) }
    }

    /// The signer in `row`'s columns `public_key, name, role, enrolled_seq, revoked_seq`, from column `first`.
    package static func signer(_ row: Row, from first: Int) throws -> Signer {
        let raw: Data = row[first]
        let roleText: String = row[first + 2]
        guard let role = Role(rawValue: roleText) else {
            throw LedgerError(.ledgerCorrupt, "the signer table holds an unknown role; run verify")
        }
        return Signer(publicKey: try SignerPublicKey(raw: raw), name: row[first + 1], role: role, enrolledSeq: row[first + 3], revokedSeq: row[first + 4])
    }

    static func subtree(_ db: Database, _ level: Int, _ index: Int) throws -> Hash {
        guard let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM merkle_tree WHERE ends = ? AND level = ?"),
                                           arguments: [MerkleTree.subtreeEnd(level: level, index: index), level]),
              let h = Hash(bytes: data) else {
            throw LedgerError(.ledgerCorrupt, "the ledger's tree node (\(level), \(index)) is missing; run verify")
        }
        return h
    }
}

extension LedgerDatabase {
    /// Keys of `ledger_meta` written by the genesis entry; they never change.
    static let fixedMetaKeys: Set<String> = ["origin", "facility_key_id", "created", "log_required_from"]

    /// Records a local setting (not part of the signed ledger), such as where the facility key file is.
    package func setSetting(_ key: String, _ value: String) throws {
        guard !Self.fixedMetaKeys.contains(key) else {
            throw LedgerError(.invalidArgument, "\(key) is fixed by the genesis entry and cannot be changed")
        }
        appendTip.withLock { $0 = nil }
        do {
            try pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO ledger_meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
        } catch { throw LedgerError.storage(error, path: path) }
    }
}

extension LedgerDatabase {
    /// Writes to tables that are NOT part of the signed ledger (personal data, settings), in one transaction.
    /// Entries, tree nodes and checkpoints are written only by `append`.
    package func writeLocal<T>(_ body: (Database) throws -> T) throws -> T {
        appendTip.withLock { $0 = nil }
        do { return try pool.write(body) } catch { throw LedgerError.storage(error, path: path) }
    }
}
