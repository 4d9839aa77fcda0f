import Foundation
import GRDB
import LedgerCore

/// An entry row as another store keeps it: the canonical bytes and the leaf hash (checked, never trusted).
package struct MirroredEntry: Sendable, Equatable {
    package let seq: Int
    package let bytes: [UInt8]
    package let leafHash: Hash
    package init(seq: Int, bytes: [UInt8], leafHash: Hash) { (self.seq, self.bytes, self.leafHash) = (seq, bytes, leafHash) }
}

/// A signed checkpoint row as another store keeps it.
package struct MirroredCheckpoint: Sendable, Equatable {
    package let treeSize: Int
    package let note: String
    /// The entry time it was signed at (the SQLite column `created`).
    package let created: String
    package init(treeSize: Int, note: String, created: String) { (self.treeSize, self.note, self.created) = (treeSize, note, created) }
}

/// A row of the personal data kept off the chain (the file's `personal_data`), which entries name by reference.
package struct MirroredPerson: Sendable, Equatable {
    package let ref: String
    package let kind: String
    package let commitment: String
    package let salt: [UInt8]?
    package let data: [UInt8]?
    package let created: String
    package let erased: String?
    package init(ref: String, kind: String, commitment: String, salt: [UInt8]?, data: [UInt8]?, created: String, erased: String?) {
        (self.ref, self.kind, self.commitment, self.salt, self.data, self.created, self.erased) = (ref, kind, commitment, salt, data, created, erased)
    }
}

/// A bearer token row as the store a mirror's ledger is kept in holds it (the file's `api_tokens`: the token's hash,
/// never the token). Not trusted beyond the file's row: see `LedgerDatabase.pullTokens`.
package struct MirroredToken: Sendable, Equatable {
    package let tokenID: String
    package let hash: String
    package let keyID: String
    package let created: String
    package let expires: String?
    package let revoked: String?
    /// `site` or `group`.
    package let scope: String
    package init(tokenID: String, hash: String, keyID: String, created: String, expires: String?, revoked: String?, scope: String) {
        (self.tokenID, self.hash, self.keyID, self.created, self.expires, self.revoked, self.scope) = (tokenID, hash, keyID, created, expires, revoked, scope)
    }
}

/// A dashboard sign-in session as the store a mirror's ledger is kept in holds it: hashes only (of the session id the
/// cookie carries, of the API token it was opened with), and when it ends.
package struct MirroredSession: Sendable, Equatable {
    package let sessionHash: String
    package let tokenHash: String
    package let expires: String
    package init(sessionHash: String, tokenHash: String, expires: String) {
        (self.sessionHash, self.tokenHash, self.expires) = (sessionHash, tokenHash, expires)
    }
}

/// Rows that cross between this file and the store it mirrors.
package struct MirroredRows: Sendable {
    package var entries: [MirroredEntry]
    package var checkpoints: [MirroredCheckpoint]
    /// Personal data rows: written before the entries that may name them (rows this file has are kept).
    package var people: [MirroredPerson] = []
    package init(entries: [MirroredEntry] = [], checkpoints: [MirroredCheckpoint] = []) { (self.entries, self.checkpoints) = (entries, checkpoints) }
}

/// The store that decides the order of appends when this file is a mirror of it (a ledger in PostgreSQL).
/// The append path calls it on the writer, in this order:
/// 0. `committed(after:)`: without any lock, what others have committed since `mirrorSize` (immutable once
///    committed), checked and written here first, so that the lock is then held only for what arrives meanwhile;
/// 1. `lock(mirrorSize:)` before the append's transaction: take the ledger's head lock (held until `commit`
///    or `abort`) and return what this file lacks from `mirrorSize` on; it is checked and written here first;
/// 2. `commit(_:)` inside the append's SQLite transaction, before it commits, with the new entries and
///    checkpoint: store them and commit there; a throw rolls this file's transaction back (nothing acknowledged);
/// 3. `abort()` when the append failed or wrote nothing: release the lock and store nothing.
package protocol AppendAuthority: Sendable {
    func committed(after mirrorSize: Int) throws -> MirroredRows
    func lock(mirrorSize: Int) throws -> MirroredRows
    func commit(_ rows: MirroredRows) throws
    func abort()
    /// Takes the head lock now, before the append: the next `lock(mirrorSize:)` keeps it instead of taking it again,
    /// and `commit` or `abort` releases it (see `LedgerDatabase.holdingAppendAuthority`).
    func hold() throws
    /// Stores personal data rows now, committed on their own (ones the store holds already are left as they are).
    func store(people: [MirroredPerson]) throws
    /// Stores bearer token rows now, committed on their own, so that every process serving the ledger finds them: a
    /// token the store holds already is left as it is, except that a revocation in `tokens` is taken (never undone).
    func store(tokens: [MirroredToken]) throws
    /// Marks the token `id` revoked at `time` in the store, committed on its own; false when it holds no active token
    /// with that id.
    func revokeToken(id: String, at time: String) throws -> Bool
    /// The token rows stored or revoked after the place `after` in the store's order of token changes (0: every row),
    /// in that order, and the last one's place (`after` when none).
    func tokenChanges(after: Int64) throws -> (rows: [MirroredToken], last: Int64)
    /// Without any lock and on a connection of its own (any thread), everything others committed since `mirrorSize`
    /// (entries, their checkpoints, personal data): what `committed(after:)` gives, but asked for even when this
    /// process's last append found nobody else appending (a daemon that has not appended since).
    func committedSince(_ mirrorSize: Int) throws -> MirroredRows
    /// Stores a dashboard session (every daemon serving the ledger finds it); `now` lets the store drop those over.
    func storeSession(_ session: MirroredSession, now: String) throws
    /// The session whose id hashes to `hash`, unless it was ended (its expiry is the caller's to check).
    func session(hash: String) throws -> MirroredSession?
    /// Ends the session whose id hashes to `hash` (signed out).
    func endSession(hash: String, at time: String) throws
}

/// A failure of the authority, carried through the append path without being taken for a refused statement.
struct AuthorityFailure: Error {
    let error: any Error
}

extension LedgerDatabase {
    /// Makes every append go through `authority` first (see `AppendAuthority`); nil: this file is the ledger.
    package func setAppendAuthority(_ authority: (any AppendAuthority)?) {
        appendAuthority.withLock { $0 = authority }
    }

    /// `body`, a call to the store this file mirrors: its errors as one of ours (a store's own `LedgerError`s as they
    /// are, any other as a storage error naming this file).
    func authorityCall<T>(_ body: () throws -> T) throws -> T { try Self.authorityCall(path: path, body) }

    static func authorityCall<T>(path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw LedgerError(converting: error) ?? LedgerError.storage(error, path: path) }
    }

    /// Runs `body` (a check of this file, then an append) with the authority's head lock held from the start: no other
    /// process appends to the ledger meanwhile, so none can commit to this file (when it shares this mirror) between
    /// the check and the append and have the append refused as `ledger-changed` once more. Without an authority, or
    /// once `body` has appended (which releases the lock), just `body`.
    package func holdingAppendAuthority<T>(_ body: () throws -> T) throws -> T {
        guard let authority = appendAuthority.withLock({ $0 }) else { return try body() }
        try authorityCall { try authority.hold() }
        defer { authority.abort() }
        // The process that held the lock before commits to PostgreSQL first, then (at once) to this file when it shares
        // it: wait for that (an empty write transaction waits for SQLite's write lock), so that the check sees it.
        do { try pool.writeWithoutTransaction { db in try db.inTransaction(.immediate) { .commit } } } catch {
            throw LedgerError.storage(error, path: path)
        }
        return try body()
    }

    /// Takes in what other processes committed to the authority since this file's last entry, checked as any pulled row
    /// (`importMirrored`); nothing without an authority. For a daemon that has not appended since: its next append
    /// would take them anyway; a token whose signer another process enrolled meanwhile needs them now.
    package func catchUpWithAuthority(projections: [any LedgerProjection]) throws {
        guard let authority = appendAuthority.withLock({ $0 }) else { return }
        let rows: MirroredRows
        rows = try authorityCall { try authority.committedSince(try size()) }
        guard !rows.entries.isEmpty || !rows.people.isEmpty else { return }
        try importMirrored(rows, projections: projections)
    }

    /// Stores the personal data row `ref` in the authority now (a ledger in PostgreSQL), so that every other process
    /// finds it there (and it is kept there, safe from the loss of this file), rather than with this process's next
    /// append; nothing without an authority.
    package func handOverPerson(_ ref: String) throws {
        guard let authority = appendAuthority.withLock({ $0 }) else { return }
        let people = try read { db in
            try Self.people(db, createdFrom: "", ref: ref)
        }
        try authorityCall { try authority.store(people: people) }
    }

    /// The authority's head lock and catch-up, before an append on the writer `db`; returns the authority to hand
    /// the new rows to, or nil when this file is the ledger.
    ///
    /// Until `endAuthorityAppend`, this connection's commits do not wait for the disk (`synchronous = NORMAL`,
    /// still atomic and crash-safe in WAL mode): the authority holds every entry durably before this file
    /// commits, and a mirror that loses its last commits to a power cut pulls them back at its next open. So a
    /// group commit waits for one fsync (PostgreSQL's), not three.
    func lockAuthority(_ db: Database, projections: [any LedgerProjection]) throws -> (any AppendAuthority)? {
        guard let authority = appendAuthority.withLock({ $0 }) else { return nil }
        do {
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            func take(_ missing: MirroredRows) throws {
                guard !missing.entries.isEmpty || !missing.checkpoints.isEmpty else { return }
                try db.inTransaction(.immediate) {
                    try Self.importRows(db, missing, projections: projections)
                    return .commit
                }
                appendTip.withLock { $0 = nil }
            }
            // What other processes committed is checked in before the lock: with several daemons on one ledger,
            // the lock (which every append of every daemon waits for) is then held for one group, not for
            // checking in everything the others appended since this daemon's last append.
            try take(try authority.committed(after: try Self.size(db)))
            try take(try authority.lock(mirrorSize: try Self.size(db)))
        } catch {
            authority.abort()
            Self.endAuthorityAppend(db)
            throw error
        }
        return authority
    }

    /// Every commit on this connection fsynced again (what else the writer does, a patient's record, is this
    /// file's alone), after an append that `lockAuthority` began.
    static func endAuthorityAppend(_ db: Database) {
        try? db.execute(sql: "PRAGMA synchronous = FULL")
    }

    /// Hands the entries from `start` and the new checkpoint to the authority, inside the append's transaction.
    static func handOver(_ db: Database, to authority: (any AppendAuthority)?, from start: Int, checkpoint: MirroredCheckpoint) throws {
        guard let authority else { return }
        var rows = MirroredRows(checkpoints: [checkpoint])
        // Personal data added here since the last hand-over goes with it (before the entries that name it). Rows made
        // at the marker's time are looked at again (another may have been made in the same millisecond), but those
        // handed over already are not sent again: before, the newest row went with every group commit, one more
        // statement while the head lock was held.
        let meta = try db.cachedStatement(sql: "SELECT value FROM ledger_meta WHERE key = ?")
        let marker = try String.fetchOne(meta, arguments: [peopleMarkerKey]) ?? ""
        let atMarker = Set((try String.fetchOne(meta, arguments: [peopleAtMarkerKey]) ?? "").split(separator: "\n").map(String.init))
        rows.people = try people(db, createdFrom: marker).filter { !($0.created == marker && atMarker.contains($0.ref)) }
        if let newest = rows.people.map(\.created).max() {
            let refs = rows.people.filter { $0.created == newest }.map(\.ref) + (newest == marker ? Array(atMarker) : [])
            let store = try db.cachedStatement(sql: "INSERT OR REPLACE INTO ledger_meta (key, value) VALUES (?, ?)")
            try store.execute(arguments: [peopleMarkerKey, newest])
            try store.execute(arguments: [peopleAtMarkerKey, refs.sorted().joined(separator: "\n")])
        }
        let rowsFrom = try db.cachedStatement(sql: "SELECT seq, bytes, leaf_hash FROM entries WHERE seq >= ? ORDER BY seq")
        for row in try Row.fetchAll(rowsFrom, arguments: [start]) {
            guard let leaf = Hash(bytes: row[2] as Data) else { throw LedgerError(.ledgerCorrupt, "an entry just written has no leaf hash") }
            rows.entries.append(MirroredEntry(seq: row[0], bytes: Array(row[1] as Data), leafHash: leaf))
        }
        do { try authority.commit(rows) } catch { throw AuthorityFailure(error: error) }
    }

    /// Writes rows read from the store this file mirrors, checked as the append path checks a new entry: each
    /// entry must be the next seq, chained to the last one, by signers enrolled and authorised at that seq,
    /// accepted by the rules and `projections`, and its bytes exactly those the append path would write; each
    /// checkpoint must be signed by the facility key and sign the entries' root at its size, and the last one
    /// must cover every entry. Rows this file already holds must be equal. All or nothing: so every entry taken
    /// is covered by a checkpoint the facility key signed, which vouches for its statement's signatures as it
    /// does in a file's integrity check (`precheck`); `csledger verify` checks each of them.
    package func importMirrored(_ rows: MirroredRows, projections: [any LedgerProjection]) throws {
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try Self.importRows(db, rows, projections: projections)
                    return .commit
                }
                appendTip.withLock { $0 = nil }
            }
        } catch {
            appendTip.withLock { $0 = nil }
            throw LedgerError.storage(error, path: path)
        }
    }

    /// The local setting (in `ledger_meta`) that remembers the newest personal data row handed over.
    static let peopleMarkerKey = "mirror_people_handed_over"
    /// The local setting with the references of the rows made at that time that were handed over (one a line).
    static let peopleAtMarkerKey = "mirror_people_handed_over_refs"

    /// The number of personal data rows this file holds (erased ones included).
    package func personalDataCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM personal_data") ?? 0 }
    }

    /// Personal data rows made at or after `createdFrom` (and only `ref`'s, when given).
    static func people(_ db: Database, createdFrom: String, ref: String? = nil) throws -> [MirroredPerson] {
        try Row.fetchAll(db, sql: "SELECT ref, kind, commitment, salt, data, created, erased FROM personal_data WHERE created >= ? AND (? IS NULL OR ref = ?) ORDER BY created",
                         arguments: [createdFrom, ref, ref]).map { r in
            MirroredPerson(ref: r[0], kind: r[1], commitment: r[2], salt: (r[3] as Data?).map { Array($0) }, data: (r[4] as Data?).map { Array($0) },
                           created: r[5], erased: r[6])
        }
    }

    static func importRows(_ db: Database, _ rows: MirroredRows, projections: [any LedgerProjection]) throws {
        // Personal data first: entries name it. A reference this file holds is kept as it is (its own erasure stands).
        // A file that held none has nothing of its own to hand over: every row it now holds came from the store, so
        // the hand-over marker moves past them (else a new mirror's first append sent every patient back).
        if !rows.people.isEmpty, try Int.fetchOne(db, sql: "SELECT count(*) FROM personal_data") == 0,
           try String.fetchOne(db, sql: "SELECT value FROM ledger_meta WHERE key = ?", arguments: [peopleMarkerKey]) == nil,
           let newest = rows.people.map(\.created).max() {
            let refs = rows.people.filter { $0.created == newest }.map(\.ref).sorted()
            try db.execute(sql: "INSERT OR REPLACE INTO ledger_meta (key, value) VALUES (?, ?), (?, ?)",
                           arguments: [peopleMarkerKey, newest, peopleAtMarkerKey, refs.joined(separator: "\n")])
        }
        for p in rows.people {
            try db.execute(sql: "INSERT OR IGNORE INTO personal_data (ref, kind, commitment, salt, data, created, erased) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [p.ref, p.kind, p.commitment, p.salt.map { Data($0) }, p.data.map { Data($0) }, p.created, p.erased])
        }
        let start = try size(db)
        var registry = SignerRegistry()
        var prev = Hash.zero
        var lastLogged = Timestamp(millisecondsSinceEpoch: 0)
        if start > 0 {
            let meta = try db.cachedStatement(sql: "SELECT value FROM ledger_meta WHERE key = ?")
            guard let o = try String.fetchOne(meta, arguments: ["origin"]),
                  let fk = try String.fetchOne(meta, arguments: ["facility_key_id"]), let f = KeyID(fk) else {
                throw LedgerError(.ledgerCorrupt, "the mirror has entries but no origin or facility key recorded; remove it to have it built again")
            }
            let logFrom = try String.fetchOne(meta, arguments: ["log_required_from"]).flatMap { Int($0) }
            registry = SignerRegistry(origin: o, signers: try loadSigners(db), facilityKey: f, logRequiredFrom: logFrom)
            guard let last = try Row.fetchOne(db, sql: "SELECT leaf_hash, logged FROM entries WHERE seq = ?", arguments: [start - 1]),
                  let leaf = Hash(bytes: last[0] as Data), let logged = Timestamp(last[1] as String) else {
                throw LedgerError(.ledgerCorrupt, "the mirror's last entry cannot be read; remove it to have it built again")
            }
            (prev, lastLogged) = (leaf, logged)
        }
        var frontier = try MerkleFrontier(size: start, subtree: { try subtree(db, $0, $1) })
        let checkpoints = Dictionary(rows.checkpoints.map { ($0.treeSize, $0) }, uniquingKeysWith: { a, _ in a })
        var checkedAt: Set<Int> = []
        func checkCheckpoint(_ cp: MirroredCheckpoint) throws {
            guard let origin = registry.origin, let facility = registry.facility else {
                throw LedgerError(.ledgerTampered, "a checkpoint of \(cp.treeSize) entries comes before the ledger's genesis entry")
            }
            guard let note = try? SignedNote.parse(cp.note), let body = try? Checkpoint(body: note.text),
                  body.origin == origin, body.size == frontier.size, body.rootHash == frontier.root,
                  note.verify(keyName: origin, publicKey: facility.publicKey.curve25519) else {
                throw LedgerError(.ledgerTampered, "the checkpoint of \(cp.treeSize) entries read from the ledger's store is not the facility key's signature over those entries; nothing was taken from it")
            }
            if let existing = try String.fetchOne(db, sql: "SELECT note FROM checkpoints WHERE tree_size = ?", arguments: [cp.treeSize]) {
                guard existing == cp.note else {
                    throw LedgerError(.ledgerTampered, "the ledger's store holds a checkpoint of \(cp.treeSize) entries other than the one this mirror holds")
                }
            } else {
                try db.execute(sql: "INSERT INTO checkpoints (tree_size, note, created) VALUES (?, ?, ?)", arguments: [cp.treeSize, cp.note, cp.created])
            }
            checkedAt.insert(cp.treeSize)
        }
        var expected = start
        let sorted = rows.entries.sorted(by: { $0.seq < $1.seq })
        let prechecked = Self.precheck(sorted.filter { $0.seq >= start }, registry: registry)
        for row in sorted {
            if row.seq < start {
                guard let held = try Data.fetchOne(db, sql: "SELECT bytes FROM entries WHERE seq = ?", arguments: [row.seq]),
                      Array(held) == row.bytes else {
                    throw LedgerError(.ledgerTampered, "entry \(row.seq) in the ledger's store differs from the one this mirror checked before")
                }
                continue
            }
            guard row.seq == expected else {
                throw LedgerError(.ledgerTampered, "the ledger's store skips from entry \(expected - 1) to \(row.seq)")
            }
            let entry: Entry
            let checked: CheckedStatement
            if let done = prechecked[row.seq - start] {
                (entry, checked) = done
            } else {
                do { entry = try Entry.decode(canonicalBytes: row.bytes) } catch {
                    throw LedgerError(.ledgerTampered, "entry \(row.seq) in the ledger's store cannot be read: \(error)")
                }
                checked = CheckedStatement(unchecked: entry.signed)
            }
            guard entry.seq == row.seq else { throw LedgerError(.ledgerTampered, "entry \(row.seq) in the ledger's store says it is seq \(entry.seq)") }
            do {
                _ = try appendOne(db, checked, seq: row.seq, registry: &registry, frontier: &frontier,
                                  prev: &prev, lastLogged: &lastLogged, projections: projections, clock: { entry.logged },
                                  checkpointSigner: nil, expectedBytes: row.bytes)
            } catch let e as LedgerError where e.code != .storage && e.code != .diskFull {
                throw LedgerError(.ledgerTampered, "entry \(row.seq) in the ledger's store was refused: \(e.message)")
            }
            expected += 1
            if let cp = checkpoints[frontier.size] { try checkCheckpoint(cp) }
        }
        for cp in rows.checkpoints where !checkedAt.contains(cp.treeSize) {
            guard cp.treeSize <= start else {
                throw LedgerError(.ledgerTampered, "the ledger's store holds a checkpoint of \(cp.treeSize) entries but not those entries")
            }
            guard let existing = try String.fetchOne(db, sql: "SELECT note FROM checkpoints WHERE tree_size = ?", arguments: [cp.treeSize]),
                  existing == cp.note else {
                throw LedgerError(.ledgerTampered, "the ledger's store holds a checkpoint of \(cp.treeSize) entries that this mirror never checked")
            }
        }
        if expected > start, try latestCheckpoint(db)?.treeSize != expected {
            throw LedgerError(.ledgerTampered, "no signed checkpoint in the ledger's store covers its \(expected) entries")
        }
    }
}

extension LedgerDatabase {
    /// Decodes the rows on every core, ahead of the append path, and finds each signer's key: the rows are taken
    /// all or nothing with the checkpoints the facility key signed over them (`importRows`), so their statements'
    /// signatures are vouched for as the integrity check of a file vouches for them, not verified one by one
    /// (`CheckedStatement.vouched`); the append path still checks that each signer was enrolled and authorised at
    /// that seq with that very key. The keys are those `registry` holds and those the rows' own core statements
    /// enrol: a key id is the SHA-256 of its key, so a key found by id is the signer's key wherever it was read.
    /// Slot nil: the row is left for the append path to decode and check in full (and to refuse in its own words).
    static func precheck(_ rows: [MirroredEntry], registry: SignerRegistry) -> [(Entry, CheckedStatement)?] {
        guard !rows.isEmpty else { return [] }
        let entries = ParallelSlots<Entry?>(count: rows.count)
        DispatchQueue.concurrentPerform(iterations: rows.count) { i in entries[i] = .some(try? Entry.decode(canonicalBytes: rows[i].bytes)) }
        let decoded = entries.values
        var keys: [KeyID: SignerPublicKey] = [:]
        for signer in registry.signers.values { keys[signer.keyID] = signer.publicKey }
        for case let e? in decoded where CoreStatementType.all.contains(e.statement.type) {
            if let text = e.statement.body["public_key"]?.stringValue, let key = try? SignerPublicKey(base64: text) { keys[key.keyID] = key }
        }
        let known = keys
        let checked = ParallelSlots<CheckedStatement?>(count: rows.count)
        DispatchQueue.concurrentPerform(iterations: rows.count) { i in
            checked[i] = .some(decoded[i].map { e in CheckedStatement.vouched(e.signed, publicKey: { known[$0] }) })
        }
        return zip(decoded, checked.values).map { e, c in e.flatMap { e in c.map { (e, $0) } } }
    }

    /// Every entry and checkpoint of this file as rows (what `store copy` moves), from one snapshot.
    package func mirroredRows() throws -> MirroredRows {
        try read { db in
            var rows = MirroredRows()
            try Self.scan(db, batchSize: 4096) { batch in
                for r in batch {
                    guard let leaf = r.storedLeafHash else { throw LedgerError(.ledgerCorrupt, "entry \(r.seq) has no leaf hash; run verify") }
                    rows.entries.append(MirroredEntry(seq: r.seq, bytes: r.bytes, leafHash: leaf))
                }
                return true
            }
            for row in try Row.fetchAll(db, sql: "SELECT tree_size, note, created FROM checkpoints ORDER BY tree_size") {
                rows.checkpoints.append(MirroredCheckpoint(treeSize: row[0], note: row[1], created: row[2]))
            }
            rows.people = try Self.people(db, createdFrom: "")
            return rows
        }
    }
}
