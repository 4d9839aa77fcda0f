import Foundation
import GRDB
import GRDBSQLite
import LedgerCore

/// The tables kept beside the entries, checked against the signed entries.
///
/// Every table of the file is derived from the entries except the few listed in `notDerived` (the signed
/// checkpoints, the seals, personal data and tokens kept off the chain, SQLite's and GRDB's own): a table
/// added by a later migration is covered without anyone remembering to add it here.
extension LedgerDatabase {
    /// Tables that are not a function of the entries.
    static let notDerived: Set<String> = ["checkpoints", "cosignatures", "state_seals", "personal_data", "api_tokens", "auth_epoch", "grdb_migrations"]
    /// Rows of `ledger_meta` copied from the genesis entry (the others are local settings).
    static let derivedMetaKeys = ["created", "facility_key_id", "log_required_from", "origin"]

    /// One derived table: its name, the columns compared (all but `entries.bytes`, which the Merkle tree
    /// covers), the primary-key columns that name a row, and a column that names the entry it comes from.
    struct DerivedTable {
        let name: String
        let columns: [String]
        let key: [String]
        let seqColumn: String?
        /// Rows of it that are derived (`ledger_meta`: only the genesis entry's).
        let filter: String?

        func select(schema: String = "main") -> String {
            "SELECT \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM \(schema).\"\(name)\"\(filter.map { " WHERE \($0)" } ?? "")"
        }
    }

    static func derivedTables(_ db: Database) throws -> [DerivedTable] { try derivedTables(db, schema: "main") }

    /// SHA-256 over every derived table, row by row in key order: each table's name, then each value as a
    /// type byte, an 8-byte length and its bytes. Equal tables give equal digests.
    static func derivedDigest(_ db: Database) throws -> Hash {
        // Every value is written in place into one fixed buffer, hashed each time it fills: the same bytes as
        // when they were appended to an array one value at a time, which cost a third of this function's time.
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: DigestInput.capacity, alignment: 8)
        defer { storage.deallocate() }
        var input = DigestInput(buffer: storage)
        for table in try derivedTables(db) {
            Array("table \(table.name)\n".utf8).withUnsafeBytes { input.bytes($0) }
            let sql = table.select() + " ORDER BY " + table.key.map { "\"\($0)\"" }.joined(separator: ", ")
            let statement = try db.makeStatement(sql: sql)
            let handle = statement.sqliteStatement
            let n = Int32(table.columns.count)
            while true {
                let rc = sqlite3_step(handle)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: "reading \(table.name)") }
                for c in 0..<n {
                    let type = sqlite3_column_type(handle, c)
                    input.byte(UInt8(type))
                    switch type {
                    case SQLITE_INTEGER:
                        input.word(UInt64(bitPattern: sqlite3_column_int64(handle, c)))
                    case SQLITE_NULL:
                        break
                    case SQLITE_FLOAT:
                        input.word(sqlite3_column_double(handle, c).bitPattern)
                    default:
                        // Text and blobs: their length, then their bytes (SQLite converts neither when asked for a blob).
                        let p = sqlite3_column_blob(handle, c)
                        let len = Int(sqlite3_column_bytes(handle, c))
                        input.word(UInt64(len))
                        if let p, len > 0 { input.bytes(UnsafeRawBufferPointer(start: p, count: len)) }
                    }
                }
            }
        }
        return input.finalize()
    }

    /// The latest checkpoint and the digest of every derived table, from one snapshot (what a seal signs).
    package func latestCheckpointAndDigest() throws -> (StoredCheckpoint, Hash)? {
        try read { db in
            guard let cp = try Self.latestCheckpoint(db) else { return nil }
            return (cp, try Self.derivedDigest(db))
        }
    }

    /// The digest of every derived table, from one snapshot.
    package func derivedDigest() throws -> Hash {
        try read { db in try Self.derivedDigest(db) }
    }

    /// A row of a derived table that the signed entries do not give, or a row they give that is missing.
    package struct DerivedMismatch: Sendable, CustomStringConvertible {
        package let table: String
        /// The row's key, as `column=value` pairs.
        package let row: String
        /// The entry the row comes from, when the table names one.
        package let seq: Int?
        /// True: the file has this row and the entries do not give it (changed or added); false: missing.
        package let inFileOnly: Bool

        package var description: String {
            "table \(table), row \(row): " + (inFileOnly ? "the file holds a row the signed entries do not give (changed or added)"
                                                        : "a row the signed entries give is missing or was changed")
        }
    }

    /// What rebuilding the derived tables from the entries found: rows that differ, entries the rules refuse.
    package struct DerivedCheck: Sendable {
        package var mismatches: [DerivedMismatch]
        package var refusals: [ReplayRefusal]
        package var isClean: Bool { mismatches.isEmpty && refusals.isEmpty }
    }

    /// Rebuilds every derived table from the entries alone in a scratch file (as `replay` does) and compares
    /// each with this file's, row by row. Returns every difference (at most `limit`), naming table, row and seq.
    ///
    /// The entries replayed and the tables compared come from one read transaction on the file, so an
    /// append by another process meanwhile changes neither side.
    package func checkDerivedTables(projections: [any LedgerProjection], limit: Int = 1000) throws -> DerivedCheck {
        let scratch = ScratchFile.path(purpose: "rebuild")
        defer { ScratchFile.remove(scratch) }
        let target = try LedgerDatabase.create(path: scratch)
        let queue = try DatabaseQueue(path: ":memory:")
        return try queue.inDatabase { db in
            try db.execute(sql: "ATTACH DATABASE ? AS file", arguments: [path])
            try db.execute(sql: "ATTACH DATABASE ? AS rebuilt", arguments: [scratch])
            var check = DerivedCheck(mismatches: [], refusals: [])
            try db.inTransaction(.deferred) {
                let people = try Row.fetchAll(db, sql: "SELECT ref, kind, commitment, salt, data, created, erased FROM file.personal_data")
                let refusals = try Self.rebuild(into: target, projections: projections, source: nil, people: people) { body in
                    try Self.scan(db, schema: "file", batchSize: 4096, body)
                }
                try target.close()
                check = DerivedCheck(mismatches: try Self.compare(db, limit: limit), refusals: refusals)
                return .commit
            }
            return check
        }
    }

    /// The derived tables of schema `file` that differ from those of schema `rebuilt`, on one connection.
    static func compare(_ db: Database, limit: Int) throws -> [DerivedMismatch] {
        var out: [DerivedMismatch] = []
        let tables = try Self.derivedTables(db, schema: "rebuilt")
        let fileColumns = Dictionary(grouping: try Row.fetchAll(db, sql: """
            SELECT m.name AS t, p.name AS c FROM file.sqlite_master m, pragma_table_info(m.name, 'file') p WHERE m.type = 'table'
            """), by: { $0["t"] as String }).mapValues { Set($0.map { $0["c"] as String }) }
        for table in tables {
            // A table dropped, or a column dropped or renamed, is a difference too (and cannot be compared).
            guard let columns = fileColumns[table.name], table.columns.allSatisfy(columns.contains) else {
                out.append(DerivedMismatch(table: table.name, row: "(the whole table: it is missing or changed its columns)", seq: nil, inFileOnly: false))
                continue
            }
            for (a, b, inFileOnly) in [("file", "rebuilt", true), ("rebuilt", "file", false)] where out.count < limit {
                let sql = table.select(schema: a) + " EXCEPT " + table.select(schema: b) + " LIMIT \(limit - out.count)"
                for row in try Row.fetchAll(db, sql: sql) {
                    let key = table.key.map { "\($0)=\(Self.describe(row[$0] as DatabaseValue))" }.joined(separator: ", ")
                    let seq: Int? = table.seqColumn.flatMap { c in (row[c] as Int?).map { c == "ends" ? $0 - 1 : $0 } }
                    out.append(DerivedMismatch(table: table.name, row: key, seq: seq, inFileOnly: inFileOnly))
                }
            }
        }
        return out
    }

    static func derivedTables(_ db: Database, schema: String) throws -> [DerivedTable] {
        let names = try String.fetchAll(db, sql: "SELECT name FROM \(schema).sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return try names.filter { !notDerived.contains($0) }.map { name in
            let info = try Row.fetchAll(db, sql: "SELECT name, pk FROM pragma_table_info(?, ?) ORDER BY cid", arguments: [name, schema])
            let columns = info.map { $0["name"] as String }.filter { !(name == "entries" && $0 == "bytes") }
            let key = info.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }.map { $0["name"] as String }
            let seq = ["seq", "received_seq", "enrolled_seq", "sent_seq", "corrected_seq", "ends"].first { columns.contains($0) }
            let filter = name == "ledger_meta" ? "key IN (\(derivedMetaKeys.map { "'\($0)'" }.joined(separator: ", ")))" : nil
            return DerivedTable(name: name, columns: columns, key: key.isEmpty ? columns : key, seqColumn: seq, filter: filter)
        }
    }

    private static func describe(_ v: DatabaseValue) -> String {
        switch v.storage {
        case .null: return "NULL"
        case .int64(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return s.count > 40 ? String(s.prefix(40)) + "…" : s
        case .blob(let d): return d.count == 32 ? Hash(bytes: [UInt8](d))?.hex.prefix(16).appending("…") ?? "blob" : "blob of \(d.count) bytes"
        }
    }

    // MARK: Seals

    /// The newest seal stored, if any.
    package func latestSeal() throws -> StateSeal? {
        try read { db in try Self.latestSeal(db) }
    }

    static func latestSeal(_ db: Database) throws -> StateSeal? {
        guard try db.tableExists("state_seals"),
              let row = try Row.fetchOne(db, sql: "SELECT tree_size, root, digest, signature, key_id FROM state_seals ORDER BY tree_size DESC LIMIT 1"),
              let root = Hash(bytes: [UInt8](row[1] as Data)), let digest = Hash(bytes: [UInt8](row[2] as Data)),
              let key = KeyID(row[4] as String) else { return nil }
        return StateSeal(size: row[0], root: root, digest: digest, keyID: key, signature: [UInt8](row[3] as Data))
    }

    /// `PRAGMA data_version` on the writer connection: it changes whenever another connection (another
    /// process, someone with `sqlite3`) commits, never for this process's own appends.
    package func writerDataVersion() throws -> Int {
        do {
            return try pool.writeWithoutTransaction { db in try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? -1 }
        } catch { throw LedgerError.storage(error, path: path) }
    }

    /// Records that the file was found sound (checked against its signed entries) at writer data version
    /// `version` (read before the check began).
    package func trust(version: Int) { trustedVersion.withLock { $0 = version } }

    /// From now on `append` refuses (`ledger-changed`, nothing written) whenever anyone else has committed
    /// since the file was last found sound: the check costs nothing more than the data version each
    /// transaction reads anyway.
    package func requireTrustBeforeAppend() { requireTrust.withLock { $0 = true } }

    /// True when the file was found sound and nobody but this process has committed since: the tables are
    /// as this process checked and then wrote them.
    package func isTrusted() -> Bool {
        guard let trusted = trustedVersion.withLock({ $0 }), let now = try? writerDataVersion() else { return false }
        return trusted == now
    }

    /// Stores `seal` (replacing an older one of the same size). Written on the writer connection like an
    /// append, so it does not count as another process's commit.
    package func store(seal: StateSeal) throws {
        try writeSeal { db in
            try db.execute(sql: "INSERT OR REPLACE INTO state_seals (tree_size, root, digest, signature, key_id) VALUES (?, ?, ?, ?, ?)",
                           arguments: [seal.size, Data(seal.root.bytes), Data(seal.digest.bytes), Data(seal.signature), seal.keyID.hex])
            // Older seals say nothing the newest does not.
            try db.execute(sql: "DELETE FROM state_seals WHERE tree_size < ?", arguments: [seal.size])
        }
    }

    private func writeSeal(_ body: (Database) throws -> Void) throws {
        do { try pool.write(body) } catch { throw LedgerError.storage(error, path: path) }
    }
}

extension LedgerDatabase {
    /// The triggers the migrations create (append-only entries, tree and checkpoints; the access-control epoch).
    static let schemaTriggers: [String] = [
        "CREATE TRIGGER IF NOT EXISTS entries_append_only_update BEFORE UPDATE ON entries BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS entries_append_only_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS merkle_tree_append_only_update BEFORE UPDATE ON merkle_tree BEGIN SELECT RAISE(ABORT, 'ledger tree nodes are append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS merkle_tree_append_only_delete BEFORE DELETE ON merkle_tree BEGIN SELECT RAISE(ABORT, 'ledger tree nodes are append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS checkpoints_append_only_update BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS checkpoints_append_only_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS signers_epoch_insert AFTER INSERT ON signers BEGIN UPDATE auth_epoch SET n = n + 1; END",
        "CREATE TRIGGER IF NOT EXISTS signers_epoch_update AFTER UPDATE ON signers BEGIN UPDATE auth_epoch SET n = n + 1; END",
        "CREATE TRIGGER IF NOT EXISTS signers_epoch_delete AFTER DELETE ON signers BEGIN UPDATE auth_epoch SET n = n + 1; END",
    ]

    /// Replaces every derived table with its rebuild from the entries (one transaction; the entries' bytes,
    /// the checkpoints, personal data and tokens are not touched). The append-only triggers are lifted for
    /// the transaction and put back as the migrations made them. For `csledger repair`, after a clean verification.
    package func rebuildDerivedTables(projections: [any LedgerProjection]) throws {
        let scratch = ScratchFile.path(purpose: "repair")
        defer { ScratchFile.remove(scratch) }
        let (rebuilt, refusals) = try rebuild(into: scratch, projections: projections)
        try rebuilt.close()
        if let r = refusals.first {
            throw LedgerError(.ledgerTampered, "entry \(r.seq) breaks the ledger's rules when replayed (\(r.message)); the tables cannot be rebuilt")
        }
        appendTip.withLock { $0 = nil }
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                try db.execute(sql: "ATTACH DATABASE ? AS rebuilt", arguments: [scratch])
                defer { try? db.execute(sql: "DETACH DATABASE rebuilt") }
                try db.inTransaction(.immediate) {
                    let tables = try Self.derivedTables(db, schema: "rebuilt")
                    let names = tables.map(\.name)
                    let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name IN (\(names.map { "'\($0)'" }.joined(separator: ",")))")
                    for t in triggers { try db.execute(sql: "DROP TRIGGER main.\"\(t["name"] as String)\"") }
                    for table in tables {
                        let columns = (table.name == "entries" ? ["seq", "bytes"] + table.columns.filter { $0 != "seq" } : table.columns)
                            .map { "\"\($0)\"" }.joined(separator: ", ")
                        try db.execute(sql: "DELETE FROM main.\"\(table.name)\"\(table.filter.map { " WHERE \($0)" } ?? "")")
                        try db.execute(sql: "INSERT INTO main.\"\(table.name)\" (\(columns)) SELECT \(columns) FROM rebuilt.\"\(table.name)\"\(table.filter.map { " WHERE \($0)" } ?? "")")
                    }
                    // The schema's own triggers, as the migrations made them (whatever was dropped or added since).
                    for sql in Self.schemaTriggers { try db.execute(sql: sql) }
                    return .commit
                }
            }
        } catch let e as LedgerError { throw e } catch { throw LedgerError.storage(error, path: path) }
    }
}

/// What `derivedDigest` hashes, gathered in a fixed buffer (its caller's) and handed to SHA-256 whenever it fills.
private struct DigestInput {
    static let capacity = 1 << 16
    private var hasher = StreamingSHA256()
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0

    init(buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    mutating func byte(_ b: UInt8) {
        if used == Self.capacity { flush() }
        buffer[used] = b
        used += 1
    }

    /// Eight bytes, big-endian.
    mutating func word(_ v: UInt64) {
        if used + 8 > Self.capacity { flush() }
        buffer.storeBytes(of: v.bigEndian, toByteOffset: used, as: UInt64.self)
        used += 8
    }

    mutating func bytes(_ p: UnsafeRawBufferPointer) {
        guard let base = p.baseAddress, p.count > 0 else { return }
        if used + p.count > Self.capacity { flush() }
        if p.count > Self.capacity {
            hasher.update(p)
            return
        }
        (buffer.baseAddress! + used).copyMemory(from: base, byteCount: p.count)
        used += p.count
    }

    private mutating func flush() {
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
        used = 0
    }

    mutating func finalize() -> Hash {
        flush()
        return hasher.finalize()
    }
}
