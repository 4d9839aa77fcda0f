import Foundation
import LedgerCore
import LedgerStore
import PostgresNIO
import Synchronization

/// A ledger kept in PostgreSQL, the authority over its order, with this process's SQLite mirror of it.
///
/// PostgreSQL holds the signed entries and checkpoints of any number of ledgers (one row each in `ledgers`).
/// Each process keeps a mirror: a ledger file of the usual format, so every check, proof, report and the
/// integrity machinery work on it unchanged. Nothing read from PostgreSQL is trusted: rows pulled into the
/// mirror are checked as the append path checks a new entry (`LedgerDatabase.importMirrored`). An append
/// locks the ledger's head row (`SELECT ... FOR UPDATE`), pulls what the mirror lacks, runs the mirror's
/// append, and stores and commits the new rows in PostgreSQL before the mirror commits (`AppendAuthority`).
package enum PostgresLedger {
    /// Opens the ledger at `address` through the mirror at `mirrorPath` (default `address.defaultMirrorPath`),
    /// building the mirror from PostgreSQL if it is missing and bringing it up to date otherwise.
    ///
    /// The mirror leaves trusted by this process (`LedgerDatabase.trust`) when every row in it was checked:
    /// a mirror built here from nothing (each pulled row checked as the append path checks one), or one that
    /// `isSound` found sound before the rows it lacked were pulled in. Then the first answer or append need not
    /// rebuild the derived tables from every entry to compare them (minutes at a million entries), which it
    /// would have to do after any catch-up, since a seal covers only the size it was made at.
    package static func open(_ address: PostgresAddress, mirrorPath: String?, projections: [any LedgerProjection],
                             isSound: (LedgerDatabase) -> Bool = { _ in false }) throws -> LedgerDatabase {
        let origin = try address.requireOrigin()
        let store = try PostgresStore(address)
        guard try store.headSize(origin: origin) != nil else {
            throw LedgerError(.ledgerMissing, "the database \(address.database) holds no ledger \(origin); create it with `csledger init --ledger \(address)` (csledger ledgers lists those it holds)")
        }
        let path = mirrorPath ?? address.defaultMirrorPath
        let mirror: LedgerDatabase
        if FileManager.default.fileExists(atPath: path) {
            mirror = try LedgerDatabase.open(path: path)
            guard try mirror.meta("origin") == origin else {
                throw LedgerError(.invalidArgument, "the mirror file \(path) holds another ledger than \(origin); give --mirror another path")
            }
        } else {
            try makeFolder(for: path)
            mirror = try LedgerDatabase.create(path: path)
        }
        // Read before any check: another process committing to the mirror afterwards changes it, and the trust goes.
        let version = try mirror.writerDataVersion()
        let checked = try mirror.size() == 0 || isSound(mirror)
        do {
            try store.catchUp(mirror, origin: origin, projections: projections)
        } catch {
            if try mirror.size() == 0 { removeMirror(path) }
            throw error
        }
        if checked { mirror.trust(version: version) }
        mirror.setAppendAuthority(PostgresAuthority(address: address, origin: origin))
        return mirror
    }

    /// Creates the ledger `address` names in PostgreSQL (refusing one that exists) and an empty mirror for it;
    /// the caller appends the genesis entry through the mirror, and calls `discard` if that fails.
    package static func create(_ address: PostgresAddress, mirrorPath: String?) throws -> LedgerDatabase {
        let origin = try address.requireOrigin()
        let store = try PostgresStore(address)
        try store.createLedger(origin: origin)
        let path = mirrorPath ?? address.defaultMirrorPath
        // A mirror left from a ledger of the same address that is gone from the database is no longer a mirror of anything.
        removeMirror(path)
        try makeFolder(for: path)
        let mirror = try LedgerDatabase.create(path: path)
        mirror.setAppendAuthority(PostgresAuthority(address: address, origin: origin))
        return mirror
    }

    /// Removes a ledger `create` made that never received its genesis entry (and its mirror).
    package static func discard(_ address: PostgresAddress, mirrorPath: String?) {
        if let origin = address.origin, let store = try? PostgresStore(address) {
            _ = try? store.session.run("DELETE FROM ledgers WHERE origin = \(origin) AND head_size = 0")
        }
        removeMirror(mirrorPath ?? address.defaultMirrorPath)
    }

    /// The ledgers the database holds: origin and number of entries.
    package static func ledgers(_ address: PostgresAddress) throws -> [(origin: String, size: Int)] {
        let store = try PostgresStore(address)
        return try store.session.run("SELECT origin, head_size FROM ledgers ORDER BY origin").map { row in
            let (origin, size) = try row.decode((String, Int).self)
            return (origin, size)
        }
    }

    /// The number of signed checkpoints PostgreSQL holds for the ledger (one per group commit; the benchmark's group size).
    package static func checkpointCount(_ address: PostgresAddress) throws -> Int {
        let store = try PostgresStore(address)
        return try store.session.run("SELECT count(*) FROM checkpoints WHERE origin = \(try address.requireOrigin())").first.map { try $0.decode(Int.self) } ?? 0
    }

    /// The process id of the server process serving a new connection (on the server's machine; its parent is the
    /// postmaster), for the benchmark's count of PostgreSQL's CPU.
    package static func serverProcess(_ address: PostgresAddress) throws -> Int32 {
        let store = try PostgresStore(address)
        guard let pid = try store.session.run("SELECT pg_backend_pid()").first.map({ try $0.decode(Int32.self) }) else {
            throw LedgerError(.storage, "PostgreSQL did not say which process serves the connection")
        }
        return pid
    }

    /// Every entry and checkpoint of the ledger, as PostgreSQL holds them (one consistent snapshot).
    package static func rows(_ address: PostgresAddress) throws -> MirroredRows {
        let store = try PostgresStore(address)
        return try store.snapshot(origin: try address.requireOrigin(), from: 0)
    }

    /// Copies the rows of a ledger into a new ledger at `address`, all in one PostgreSQL transaction; refuses
    /// an address that already holds that ledger. The caller has checked the rows (they come from a verified file).
    package static func store(_ rows: MirroredRows, at address: PostgresAddress) throws {
        let origin = try address.requireOrigin()
        let store = try PostgresStore(address)
        try store.createLedger(origin: origin, withRows: rows)
    }

    static func makeFolder(for path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        guard !folder.isEmpty else { return }
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw LedgerError(.storage, "cannot create the folder \(folder) for the ledger's local mirror; give --mirror PATH")
        }
    }

    static func removeMirror(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// The PostgreSQL side: schema migrations and the queries the mirror needs.
final class PostgresStore: Sendable {
    let session: PostgresSession

    init(_ address: PostgresAddress) throws {
        session = PostgresSession(address: address)
        try PostgresSchema.migrate(session)
    }

    init(session: PostgresSession) { self.session = session }

    /// The ledger's entry count, or nil when the database holds no such ledger.
    func headSize(origin: String) throws -> Int? {
        try session.run("SELECT head_size FROM ledgers WHERE origin = \(origin)").first.map { try $0.decode(Int.self) }
    }

    func createLedger(origin: String, withRows rows: MirroredRows? = nil) throws {
        try session.run("BEGIN")
        do {
            let inserted = try session.run("INSERT INTO ledgers (origin) VALUES (\(origin)) ON CONFLICT DO NOTHING RETURNING origin")
            guard inserted.first != nil else {
                throw LedgerError(.ledgerExists, "the database \(session.address.database) already holds a ledger \(origin); it was not touched")
            }
            if let rows { try Self.insert(session, origin: origin, rows) }
            try session.run("COMMIT")
        } catch {
            _ = try? session.run("ROLLBACK")
            throw error
        }
    }

    /// Inserts entries and checkpoints and moves the head to the last checkpoint, inside the caller's transaction.
    static func insert(_ session: PostgresSession, origin: String, _ rows: MirroredRows) throws {
        // Many rows to one statement (a mirror's first hand-over carries every person it holds).
        for chunk in stride(from: 0, to: rows.people.count, by: 500) {
            let part = rows.people[chunk..<min(chunk + 500, rows.people.count)]
            var binds = PostgresBindings(capacity: 1 + part.count * 7)
            binds.append(origin)
            var values: [String] = []
            for (i, p) in part.enumerated() {
                let base = 2 + i * 7
                binds.append(p.ref)
                binds.append(p.kind)
                binds.append(p.commitment)
                try binds.append(p.salt.map { Data($0) })
                try binds.append(p.data.map { Data($0) })
                binds.append(p.created)
                binds.append(p.erased)
                values.append("($1, " + (base..<base + 7).map { "$\($0)" }.joined(separator: ", ") + ")")
            }
            try session.run(PostgresQuery(unsafeSQL: "INSERT INTO personal_data (origin, ref, kind, commitment, salt, data, created, erased) VALUES "
                                          + values.joined(separator: ", ") + " ON CONFLICT DO NOTHING", binds: binds))
        }
        let latest = rows.checkpoints.max(by: { $0.treeSize < $1.treeSize })
        // A group commit (its entries and its one checkpoint) goes in one statement, the head moved with it: one
        // round trip to PostgreSQL instead of three, while the head row is locked and every daemon waits.
        if rows.entries.count <= 1000, rows.checkpoints.count == 1, let latest {
            var binds = PostgresBindings(capacity: 5 + rows.entries.count * 3)
            binds.append(origin)
            let entries = try entryValues(rows.entries[...], from: 2, into: &binds)
            let k = 2 + rows.entries.count * 3
            binds.append(latest.treeSize)
            binds.append(latest.note)
            binds.append(latest.created)
            try binds.append(headRoot(latest))
            let entriesPart = entries.isEmpty ? "" : "e AS (INSERT INTO entries (origin, seq, bytes, leaf_hash) VALUES \(entries)), "
            try session.run(PostgresQuery(unsafeSQL: "WITH \(entriesPart)c AS (INSERT INTO checkpoints (origin, size, note, created) VALUES ($1, $\(k), $\(k + 1), $\(k + 2))) "
                                          + "UPDATE ledgers SET head_size = $\(k), head_root = $\(k + 3), updated = now() WHERE origin = $1", binds: binds))
            return
        }
        for chunk in stride(from: 0, to: rows.entries.count, by: 1000) {
            var binds = PostgresBindings(capacity: 1 + 3000)
            binds.append(origin)
            let values = try entryValues(rows.entries[chunk..<min(chunk + 1000, rows.entries.count)], from: 2, into: &binds)
            try session.run(PostgresQuery(unsafeSQL: "INSERT INTO entries (origin, seq, bytes, leaf_hash) VALUES " + values, binds: binds))
        }
        for cp in rows.checkpoints {
            try session.run("INSERT INTO checkpoints (origin, size, note, created) VALUES (\(origin), \(cp.treeSize), \(cp.note), \(cp.created))")
        }
        if let latest {
            let root = headRoot(latest)
            try session.run("UPDATE ledgers SET head_size = \(latest.treeSize), head_root = \(root), updated = now() WHERE origin = \(origin)")
        }
    }

    /// Stores a group commit's entries and its one checkpoint and moves the head to it, in one statement committed on
    /// its own, only if the head is still at `expected` and no other process holds its lock (nothing written otherwise);
    /// true when it was. One round trip instead of four (BEGIN, the head lock, the rows, COMMIT) for a process alone on
    /// its ledger: a head moved or locked meanwhile leaves the UPDATE with no row, and the inserts, which read the rows
    /// it returns, with none either.
    static func insertIfHead(_ session: PostgresSession, origin: String, expected: Int, _ rows: MirroredRows) throws -> Bool {
        guard let latest = rows.checkpoints.first, rows.checkpoints.count == 1, !rows.entries.isEmpty else {
            throw LedgerError(.storage, "a group commit carries its entries and one checkpoint; nothing was written")
        }
        var binds = PostgresBindings(capacity: 6 + rows.entries.count * 3)
        binds.append(origin)
        var values: [String] = []
        for (i, e) in rows.entries.enumerated() {
            let at = 2 + i * 3
            binds.append(e.seq)
            try binds.append(Data(e.bytes))
            try binds.append(Data(e.leafHash.bytes))
            values.append("($\(at)::bigint, $\(at + 1)::bytea, $\(at + 2)::bytea)")
        }
        let k = 2 + rows.entries.count * 3
        binds.append(latest.treeSize)
        binds.append(latest.note)
        binds.append(latest.created)
        try binds.append(headRoot(latest))
        binds.append(expected)
        // The head row is locked without waiting (SKIP LOCKED): the caller holds its mirror's SQLite write lock, and a
        // process holding the head lock may be waiting for that file (two commands sharing a mirror take PostgreSQL's
        // lock first, then the file's), so waiting here could deadlock; a head locked by another counts as moved.
        let sql = "WITH l AS (SELECT origin FROM ledgers WHERE origin = $1 AND head_size = $\(k + 4) FOR UPDATE SKIP LOCKED), "
            + "h AS (UPDATE ledgers SET head_size = $\(k), head_root = $\(k + 3), updated = now() FROM l WHERE ledgers.origin = l.origin RETURNING ledgers.origin), "
            + "e AS (INSERT INTO entries (origin, seq, bytes, leaf_hash) SELECT h.origin, v.seq, v.bytes, v.leaf_hash FROM h, (VALUES "
            + values.joined(separator: ", ") + ") AS v (seq, bytes, leaf_hash)), "
            + "c AS (INSERT INTO checkpoints (origin, size, note, created) SELECT h.origin, $\(k), $\(k + 1), $\(k + 2) FROM h) "
            + "SELECT count(*) FROM h"
        let moved = try session.run(PostgresQuery(unsafeSQL: sql, binds: binds)).first.map { try $0.decode(Int.self) } ?? 0
        return moved == 1
    }

    /// The VALUES list of `entries` (origin `$1`), their seq, bytes and leaf hash bound from `$first` on.
    private static func entryValues(_ entries: ArraySlice<MirroredEntry>, from first: Int, into binds: inout PostgresBindings) throws -> String {
        var values: [String] = []
        for (i, e) in entries.enumerated() {
            binds.append(e.seq)
            try binds.append(Data(e.bytes))
            try binds.append(Data(e.leafHash.bytes))
            values.append("($1, $\(first + i * 3), $\(first + 1 + i * 3), $\(first + 2 + i * 3))")
        }
        return values.joined(separator: ", ")
    }

    /// The root `checkpoint` signs, as the head row keeps it.
    private static func headRoot(_ checkpoint: MirroredCheckpoint) -> Data? {
        (try? SignedNote.parse(checkpoint.note)).flatMap { try? Checkpoint(body: $0.text) }.map { Data($0.rootHash.bytes) }
    }

    /// The entries from `from` on and the checkpoints of more than `from` entries, from one snapshot.
    func snapshot(origin: String, from: Int) throws -> MirroredRows {
        try session.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            let rows = try Self.rows(session, origin: origin, from: from)
            try session.run("COMMIT")
            return rows
        } catch {
            _ = try? session.run("ROLLBACK")
            throw error
        }
    }

    /// Every personal data row of the ledger (a mirror keeps those it has).
    static func people(_ session: PostgresSession, origin: String) throws -> [MirroredPerson] {
        try people(session, origin: origin, storedAfter: 0).rows
    }

    /// The personal data rows of the ledger stored after `storedAfter` (in the order they were stored), and the
    /// last one's place in that order (`storedAfter` when none).
    static func people(_ session: PostgresSession, origin: String, storedAfter: Int64) throws -> (rows: [MirroredPerson], last: Int64) {
        var last = storedAfter
        let rows = try session.run("SELECT ref, kind, commitment, salt, data, created, erased, stored FROM personal_data WHERE origin = \(origin) AND stored > \(storedAfter) ORDER BY stored").map { row in
            let (ref, kind, commitment, salt, data, created, erased, stored) = try row.decode((String, String, String, Data?, Data?, String, String?, Int64).self)
            last = max(last, stored)
            return MirroredPerson(ref: ref, kind: kind, commitment: commitment, salt: salt.map { Array($0) }, data: data.map { Array($0) },
                                  created: created, erased: erased)
        }
        return (rows, last)
    }

    static func rows(_ session: PostgresSession, origin: String, from: Int) throws -> MirroredRows {
        var rows = try pull(session, origin: origin, from: from, to: Int(Int64.max))
        rows.people = try people(session, origin: origin)
        return rows
    }

    /// The entry rows of seqs `from..<end` and the checkpoints of sizes in `from + 1...end`, as PostgreSQL holds
    /// them (checked only when the mirror takes them in); no personal data.
    static func pull(_ session: PostgresSession, origin: String, from: Int, to end: Int) throws -> MirroredRows {
        var rows = MirroredRows()
        // One statement, so one snapshot and one round trip: a group's entries and its checkpoint are committed together,
        // so the checkpoints read cover exactly the entries read (no head read first to bound both queries).
        let query: PostgresQuery = """
            SELECT false, seq, bytes, leaf_hash, NULL::text, NULL::text FROM entries WHERE origin = \(origin) AND seq >= \(from) AND seq < \(end)
            UNION ALL SELECT true, size, NULL::bytea, NULL::bytea, note, created FROM checkpoints WHERE origin = \(origin) AND size > \(from) AND size <= \(end)
            ORDER BY 1, 2
            """
        for row in try session.run(query) {
            let (isCheckpoint, n, bytes, leaf, note, created) = try row.decode((Bool, Int, Data?, Data?, String?, String?).self)
            if isCheckpoint {
                guard let note, let created else { throw LedgerError(.ledgerTampered, "the checkpoint of \(n) entries in PostgreSQL has no note") }
                rows.checkpoints.append(MirroredCheckpoint(treeSize: n, note: note, created: created))
                continue
            }
            guard let bytes, let leaf, let hash = Hash(bytes: leaf) else {
                throw LedgerError(.ledgerTampered, "entry \(n) in PostgreSQL has a leaf hash that is not 32 bytes")
            }
            rows.entries.append(MirroredEntry(seq: n, bytes: Array(bytes), leafHash: hash))
        }
        return rows
    }

    /// Pulls what the mirror lacks and checks it in (`importMirrored`). The database holding fewer entries than
    /// the mirror checked is reported: entries once committed there are gone (a restore from an older backup).
    func catchUp(_ mirror: LedgerDatabase, origin: String, projections: [any LedgerProjection]) throws {
        let have = try mirror.size()
        guard let head = try headSize(origin: origin) else {
            throw LedgerError(.ledgerMissing, "the database no longer holds the ledger \(origin)")
        }
        guard head >= have else {
            throw LedgerError(.ledgerTampered, "PostgreSQL holds \(head) entries of \(origin) but this process's mirror checked \(have): entries committed there are gone (restored from an older backup?); nothing was answered, compare with `csledger verify`")
        }
        guard head > have else {
            // No new entry, but a patient may have been added by another process (`patient add` stores them here at
            // once): their rows are taken when PostgreSQL holds another number of them than this mirror.
            let theirs = try session.run("SELECT count(*) FROM personal_data WHERE origin = \(origin)").first.map { try $0.decode(Int.self) } ?? 0
            if theirs != (try mirror.personalDataCount()) {
                var rows = MirroredRows()
                rows.people = try Self.people(session, origin: origin)
                try mirror.importMirrored(rows, projections: projections)
            }
            return
        }
        // In pieces of about `chunk` entries, each ending at a checkpoint (a piece must be covered by a signed
        // checkpoint to be taken), so that building a mirror of a large ledger holds one piece in memory at a time.
        // Entries and checkpoints are never changed once committed, so the pieces need not come from one snapshot.
        let sizes = try session.run("SELECT size FROM checkpoints WHERE origin = \(origin) AND size > \(have) AND size <= \(head) ORDER BY size")
            .map { try $0.decode(Int.self) }
        var from = have
        var people = try Self.people(session, origin: origin)
        while from < head {
            let end = sizes.last(where: { $0 > from && $0 <= from + chunk }) ?? sizes.first(where: { $0 > from }) ?? head
            guard end > from else { break }
            var rows = try Self.pull(session, origin: origin, from: from, to: end)
            (rows.people, people) = (people, [])
            try mirror.importMirrored(rows, projections: projections)
            from = end
        }
    }

    /// Entries a mirror takes from PostgreSQL in one piece while it catches up ($CSLEDGER_PG_PULL_CHUNK, for tests).
    let chunk = ProcessInfo.processInfo.environment["CSLEDGER_PG_PULL_CHUNK"].flatMap { Int($0) }.map { max($0, 1) } ?? 20_000
}

/// The append path's authority (`AppendAuthority`): the head row lock, the catch-up, and the commit in PostgreSQL.
final class PostgresAuthority: AppendAuthority {
    let session: PostgresSession
    let origin: String
    /// The head size read under the lock, while a transaction is open.
    private let open = Mutex<Int?>(nil)
    /// The lock was taken by `hold()`, and the next `lock(mirrorSize:)` keeps it.
    private let held = Mutex(false)

    /// Where the ledger is (personal data is stored on a connection of its own, beside any append's transaction).
    let address: PostgresAddress
    /// Personal data: the place (`stored`) of the last row this mirror took in, and of the last one the open
    /// transaction pulled (taken as the new one once that transaction commits). 0: none yet, pull every row.
    private let peopleTaken = Mutex<(taken: Int64, pulled: Int64?)>((0, nil))
    /// Whether the last head lock found entries another process had appended since this mirror's last append
    /// (`committed(after:)` looks for more only then, and the next append takes the head lock only then).
    private let othersAppended = Mutex(true)
    /// The open append took no head lock (`open` holds the head it expects): its commit moves the head only from
    /// there, in one statement (`PostgresStore.insertIfHead`), or refuses as `ledger-changed`.
    private let unlocked = Mutex(false)

    init(address: PostgresAddress, origin: String) {
        session = PostgresSession(address: address)
        self.address = address
        self.origin = origin
    }

    func store(people: [MirroredPerson]) throws {
        guard !people.isEmpty else { return }
        var rows = MirroredRows()
        rows.people = people
        // Under the ledger's row lock, as every personal data row is stored (their `stored` order is then the order
        // of commits, which the pulls under that lock rely on).
        let own = PostgresSession(address: address)
        try own.run("BEGIN")
        do {
            _ = try own.run("SELECT head_size FROM ledgers WHERE origin = \(origin) FOR UPDATE")
            try PostgresStore.insert(own, origin: origin, rows)
            try own.run("COMMIT")
        } catch {
            _ = try? own.run("ROLLBACK")
            throw error
        }
    }

    /// The connection token changes are pulled on (a daemon asks every second, and at a token it does not know) and
    /// dashboard sessions are read on: single statements, outside any append's transaction.
    private let tokenSession = Mutex<PostgresSession?>(nil)

    private func sideSession() -> PostgresSession {
        tokenSession.withLock { s in
            if let s { return s }
            let made = PostgresSession(address: address)
            s = made
            return made
        }
    }

    func committedSince(_ mirrorSize: Int) throws -> MirroredRows {
        let side = sideSession()
        guard let head = try side.run("SELECT head_size FROM ledgers WHERE origin = \(origin)").first.map({ try $0.decode(Int.self) }),
              head > mirrorSize else { return MirroredRows() }
        // As in `committed(after:)`: the rows below `head` are all there, the last covered by its checkpoint; personal
        // data read without the lock leaves `taken` where it was.
        var rows = try PostgresStore.pull(side, origin: origin, from: mirrorSize, to: head)
        rows.people = try PostgresStore.people(side, origin: origin, storedAfter: peopleTaken.withLock { $0.taken }).rows
        return rows
    }

    func storeSession(_ session: MirroredSession, now: String) throws {
        let side = sideSession()
        // Sessions over are dropped as new ones come (one row per sign-in otherwise, for ever).
        try side.run("DELETE FROM dashboard_sessions WHERE origin = \(origin) AND (expires <= \(now) OR ended IS NOT NULL)")
        try side.run("""
            INSERT INTO dashboard_sessions (origin, session_hash, token_hash, expires)
            VALUES (\(origin), \(session.sessionHash), \(session.tokenHash), \(session.expires))
            """)
    }

    func session(hash: String) throws -> MirroredSession? {
        try sideSession().run("SELECT token_hash, expires FROM dashboard_sessions WHERE origin = \(origin) AND session_hash = \(hash) AND ended IS NULL")
            .first.map { row in
                let (token, expires) = try row.decode((String, String).self)
                return MirroredSession(sessionHash: hash, tokenHash: token, expires: expires)
            }
    }

    func endSession(hash: String, at time: String) throws {
        try sideSession().run("UPDATE dashboard_sessions SET ended = \(time) WHERE origin = \(origin) AND session_hash = \(hash) AND ended IS NULL")
    }

    /// Runs `body` in a transaction of its own connection holding the ledger's token lock: every token write of a
    /// ledger takes it, so within one ledger the order of `changed` is the order of commits (see 0004_api_tokens.sql).
    private func withTokenLock<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let own = PostgresSession(address: address)
        try own.run("BEGIN")
        do {
            try own.run("SELECT pg_advisory_xact_lock(\(PostgresSchema.tokenLockKey), hashtext(\(origin)))")
            let result = try body(own)
            try own.run("COMMIT")
            return result
        } catch {
            _ = try? own.run("ROLLBACK")
            throw error
        }
    }

    func store(tokens: [MirroredToken]) throws {
        guard !tokens.isEmpty else { return }
        try withTokenLock { own in
            for t in tokens {
                // A token already there is left as it is, but a revocation is taken (and moves it in the order of changes).
                try own.run("""
                    INSERT INTO api_tokens (origin, token_id, token_hash, key_id, created, expires, revoked, scope)
                    VALUES (\(origin), \(t.tokenID), \(t.hash), \(t.keyID), \(t.created), \(t.expires), \(t.revoked), \(t.scope))
                    ON CONFLICT (origin, token_id) DO UPDATE SET revoked = EXCLUDED.revoked, changed = nextval('api_token_changes')
                    WHERE api_tokens.revoked IS NULL AND EXCLUDED.revoked IS NOT NULL AND api_tokens.token_hash = EXCLUDED.token_hash
                    """)
            }
        }
    }

    func revokeToken(id: String, at time: String) throws -> Bool {
        try withTokenLock { own in
            try own.run("""
                UPDATE api_tokens SET revoked = \(time), changed = nextval('api_token_changes')
                WHERE origin = \(origin) AND token_id = \(id) AND revoked IS NULL RETURNING token_id
                """).first != nil
        }
    }

    func tokenChanges(after: Int64) throws -> (rows: [MirroredToken], last: Int64) {
        var last = after
        let rows = try sideSession().run("""
            SELECT token_id, token_hash, key_id, created, expires, revoked, scope, changed FROM api_tokens
            WHERE origin = \(origin) AND changed > \(after) ORDER BY changed
            """).map { row in
            let (id, hash, key, created, expires, revoked, scope, changed) = try row.decode((String, String, String, String, String?, String?, String, Int64).self)
            last = max(last, changed)
            return MirroredToken(tokenID: id, hash: hash, keyID: key, created: created, expires: expires, revoked: revoked, scope: scope)
        }
        return (rows, last)
    }

    func committed(after mirrorSize: Int) throws -> MirroredRows {
        // A daemon alone on its ledger found nothing new under the last lock: no round trip to look again.
        guard othersAppended.withLock({ $0 }), open.withLock({ $0 }) == nil else { return MirroredRows() }
        // Entries and checkpoints are committed together and read from one snapshot: the last entry read is covered by
        // the last checkpoint read.
        var rows = try PostgresStore.pull(session, origin: origin, from: mirrorSize, to: Int(Int64.max))
        guard !rows.entries.isEmpty else { return MirroredRows() }
        // Personal data read without the lock: `taken` does not move (a row stored by a transaction still open
        // may come before one read here); `lock` reads them again, and a row taken twice is kept once.
        rows.people = try PostgresStore.people(session, origin: origin, storedAfter: peopleTaken.withLock { $0.taken }).rows
        return rows
    }

    func hold() throws {
        abort()
        try session.run("BEGIN")
        do {
            let head = try lockedHead()
            open.withLock { $0 = head }
            held.withLock { $0 = true }
        } catch {
            _ = try? session.run("ROLLBACK")
            throw error
        }
    }

    /// The head size, read with the ledger's row locked (`FOR UPDATE`) in the open transaction.
    private func lockedHead() throws -> Int {
        guard let head = try session.run("SELECT head_size FROM ledgers WHERE origin = \(origin) FOR UPDATE").first.map({ try $0.decode(Int.self) }) else {
            throw LedgerError(.ledgerMissing, "the database no longer holds the ledger \(origin); nothing was written")
        }
        return head
    }

    func lock(mirrorSize: Int) throws -> MirroredRows {
        // Held since `hold()`: the same transaction goes on (locking the row again is a no-op).
        if !held.withLock({ h in defer { h = false }; return h }) {
            abort()
            // Alone on the ledger at the last look (the last append found nothing of others'): no lock, no round trip.
            // The commit moves the head only from `mirrorSize` (which this mirror holds, checked), in the statement that
            // stores the rows; if another process appended meanwhile, nothing is written and the append is tried again
            // under the lock (`ledger-changed`), which also finds entries gone from PostgreSQL.
            if !othersAppended.withLock({ $0 }) {
                open.withLock { $0 = mirrorSize }
                unlocked.withLock { $0 = true }
                return MirroredRows()
            }
            try session.run("BEGIN")
        }
        do {
            let head = try lockedHead()
            guard head >= mirrorSize else {
                throw LedgerError(.ledgerTampered, "PostgreSQL holds \(head) entries of \(origin) but this process's mirror checked \(mirrorSize): entries committed there are gone (restored from an older backup?); nothing was written")
            }
            othersAppended.withLock { $0 = head > mirrorSize }
            guard head > mirrorSize else {
                open.withLock { $0 = head }
                return MirroredRows()
            }
            var missing = try PostgresStore.pull(session, origin: origin, from: mirrorSize, to: Int(Int64.max))
            // Only the personal data stored since this mirror's last pull: rows are stored under this same lock.
            let people = try PostgresStore.people(session, origin: origin, storedAfter: peopleTaken.withLock { $0.taken })
            missing.people = people.rows
            peopleTaken.withLock { $0.pulled = people.last }
            open.withLock { $0 = head }
            return missing
        } catch {
            _ = try? session.run("ROLLBACK")
            throw error
        }
    }

    func commit(_ rows: MirroredRows) throws {
        guard let head = open.withLock({ $0 }) else {
            throw LedgerError(.storage, "the PostgreSQL head lock was not held; nothing was written")
        }
        let withoutLock = unlocked.withLock { u in defer { u = false }; return u }
        guard rows.entries.first?.seq == head else {
            if !withoutLock { _ = try? session.run("ROLLBACK") }
            open.withLock { $0 = nil }
            throw LedgerError(.ledgerChanged, "the mirror's new entries do not start at PostgreSQL's head; nothing was written, try again")
        }
        if withoutLock {
            let changed = LedgerError(.ledgerChanged, "another process appended to the ledger in PostgreSQL meanwhile; nothing was written, try again")
            if rows.people.isEmpty, rows.checkpoints.count == 1, rows.entries.count <= 1000 {
                defer { open.withLock { $0 = nil } }
                let moved: Bool
                do { moved = try PostgresStore.insertIfHead(session, origin: origin, expected: head, rows) } catch {
                    // Perhaps committed all the same (the answer lost): the next append looks under the lock.
                    othersAppended.withLock { $0 = true }
                    throw error
                }
                guard moved else {
                    othersAppended.withLock { $0 = true }
                    throw changed
                }
                return
            }
            // Personal data rows are stored only under the head lock (their stored order is then the order of commits):
            // take it now; the head must still be where this append began.
            do {
                try session.run("BEGIN")
                // Not waiting for a lock held by another process, as in `insertIfHead` (this file's write lock is held).
                let locked = try session.run("SELECT head_size FROM ledgers WHERE origin = \(origin) FOR UPDATE SKIP LOCKED").first.map { try $0.decode(Int.self) }
                guard locked == head else { throw changed }
            } catch {
                othersAppended.withLock { $0 = true }
                open.withLock { $0 = nil }
                _ = try? session.run("ROLLBACK")
                throw error
            }
        }
        do {
            try PostgresStore.insert(session, origin: origin, rows)
            try session.run("COMMIT")
            open.withLock { $0 = nil }
            peopleTaken.withLock { p in
                if let pulled = p.pulled { p.taken = max(p.taken, pulled) }
                p.pulled = nil
            }
        } catch {
            open.withLock { $0 = nil }
            _ = try? session.run("ROLLBACK")
            throw error
        }
    }

    func abort() {
        peopleTaken.withLock { $0.pulled = nil }
        let wasHeld = held.withLock { h in defer { h = false }; return h }
        let withoutLock = unlocked.withLock { u in defer { u = false }; return u }
        guard open.withLock({ o in defer { o = nil }; return o }) != nil || wasHeld else { return }
        // No transaction was begun for an append that took no lock.
        if withoutLock && !wasHeld { return }
        _ = try? session.run("ROLLBACK")
    }
}

extension PostgresLedger {
    /// Compares every row PostgreSQL holds for the ledger with what this process's mirror checked: the same
    /// entries, byte for byte, and the same checkpoints. A row changed there after the mirror took it would not
    /// otherwise be seen by this process (its mirror keeps the checked copy), though any new mirror refuses it.
    /// Reads in chunks of `chunk` entries. Throws `ledger-tampered` at the first difference.
    package static func compare(_ address: PostgresAddress, mirror: LedgerDatabase, chunk: Int = 50_000) throws {
        let origin = try address.requireOrigin()
        let store = try PostgresStore(address)
        let size = try mirror.size()
        guard let head = try store.headSize(origin: origin) else {
            throw LedgerError(.ledgerTampered, "the database no longer holds the ledger \(origin)")
        }
        guard head == size else {
            throw LedgerError(.ledgerTampered, "PostgreSQL says the ledger has \(head) entries but this process's mirror checked \(size)")
        }
        var from = 0
        while from < size {
            let to = min(from + chunk, size) - 1
            var theirs: [(Int, Data)] = []
            for row in try store.session.run("SELECT seq, bytes FROM entries WHERE origin = \(origin) AND seq BETWEEN \(from) AND \(to) ORDER BY seq") {
                theirs.append(try row.decode((Int, Data).self))
            }
            var i = 0
            try mirror.forEachBatch(range: from...to) { rows in
                for row in rows {
                    guard i < theirs.count, theirs[i].0 == row.seq else {
                        throw LedgerError(.ledgerTampered, "entry \(row.seq) is missing from PostgreSQL (this process's mirror checked it); compare with a backup")
                    }
                    guard Array(theirs[i].1) == row.bytes else {
                        throw LedgerError(.ledgerTampered, "entry \(row.seq) in PostgreSQL differs from the one this process checked and keeps in its mirror; PostgreSQL's row was changed")
                    }
                    i += 1
                }
                return true
            }
            guard i == theirs.count else {
                throw LedgerError(.ledgerTampered, "PostgreSQL holds entries between \(from) and \(to) that this process's mirror does not")
            }
            from = to + 1
        }
        let notes = Dictionary(try mirror.checkpoints().map { ($0.treeSize, $0.note) }, uniquingKeysWith: { a, _ in a })
        for row in try store.session.run("SELECT size, note FROM checkpoints WHERE origin = \(origin) ORDER BY size") {
            let (cpSize, note) = try row.decode((Int, String).self)
            guard notes[cpSize] == note else {
                throw LedgerError(.ledgerTampered, "the checkpoint of \(cpSize) entries in PostgreSQL is not the one this process checked")
            }
        }
    }
}

extension PostgresLedger {
    /// Removes a ledger and all its rows from the database (a copy that failed its check on arrival).
    package static func drop(_ address: PostgresAddress) {
        guard let origin = address.origin, let store = try? PostgresStore(address) else { return }
        do {
            try store.session.run("BEGIN")
            try store.session.run("DELETE FROM personal_data WHERE origin = \(origin)")
            try store.session.run("DELETE FROM api_tokens WHERE origin = \(origin)")
            try store.session.run("DELETE FROM dashboard_sessions WHERE origin = \(origin)")
            try store.session.run("DELETE FROM checkpoints WHERE origin = \(origin)")
            try store.session.run("DELETE FROM entries WHERE origin = \(origin)")
            try store.session.run("DELETE FROM ledgers WHERE origin = \(origin)")
            try store.session.run("COMMIT")
        } catch {
            _ = try? store.session.run("ROLLBACK")
        }
    }
}

extension PostgresLedger {
    /// Erases a person's data in PostgreSQL too (data and salt gone, the time kept), as `PersonalData.erase` does in
    /// a mirror. Other processes' mirrors keep their copy until they are built anew.
    package static func erase(_ address: PostgresAddress, ref: String, at time: String) throws {
        let store = try PostgresStore(address)
        try store.session.run("UPDATE personal_data SET data = NULL, salt = NULL, erased = \(time) WHERE origin = \(try address.requireOrigin()) AND ref = \(ref) AND erased IS NULL")
    }
}
