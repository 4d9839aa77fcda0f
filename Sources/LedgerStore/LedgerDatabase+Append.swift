import Foundation
import GRDB
import GRDBSQLite
import LedgerCore

extension Timestamp {
    /// The current time, to the millisecond.
    public static func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

/// The end of the ledger as the last append on this connection left it: what the next append would
/// otherwise read again (size, last leaf and time, Merkle frontier, signers).
struct AppendTip: Sendable {
    /// `PRAGMA data_version` when it was current; any other connection's commit changes it.
    let dataVersion: Int
    let size: Int
    let origin: String
    let facility: KeyID
    let registry: SignerRegistry
    let prev: Hash
    let lastLogged: Timestamp
    let frontier: MerkleFrontier
}

extension LedgerDatabase {
    /// The origin the last append on this connection read under the write lock (the genesis entry's, which
    /// never changes), or nil when no tip is kept. `Ledger.append` names its checkpoint signer with it rather
    /// than reading `ledger_meta` in a read transaction of its own, which cost about a third of a single
    /// append's CPU; the append still compares the signer's origin with the file's (re-read whenever another
    /// connection has committed), so a stale value is refused, never signed.
    package var keptOrigin: String? { appendTip.withLock { $0?.origin } }

    /// How far a statement's own time may lie ahead of the ledger's clock.
    static let allowedClockSkewMilliseconds: Int64 = 5 * 60 * 1000

    /// Appends signed statements as consecutive entries, in one transaction, and issues one new signed checkpoint.
    ///
    /// Everything is checked before anything is written: each signer is enrolled and not revoked, every
    /// signature verifies, enrolment rules hold, and every projection accepts the entry. If any check
    /// fails, nothing is written and the ledger's checkpoint is unchanged. Two processes appending at the
    /// same time are serialised by SQLite's write lock, so the chain never forks.
    @discardableResult
    package func append(_ statements: [SignedStatement], checkpointSigner: CheckpointSigner,
                       projections: [any LedgerProjection] = [],
                       clock: @Sendable () -> Timestamp = { Timestamp.now() }) throws -> [Appended] {
        try append(checked: statements.map(CheckedStatement.init(unchecked:)), checkpointSigner: checkpointSigner,
                   projections: projections, clock: clock)
    }

    /// `append` (all or nothing) for statements whose signatures were already verified on other cores
    /// (`CheckedStatement.check`): the writer confirms each signer is enrolled with the key that verified.
    @discardableResult
    package func append(checked statements: [CheckedStatement], checkpointSigner: CheckpointSigner,
                       projections: [any LedgerProjection] = [],
                       clock: @Sendable () -> Timestamp = { Timestamp.now() }) throws -> [Appended] {
        guard !statements.isEmpty else { return [] }
        do {
            return try pool.writeWithoutTransaction { db in
                var result: [Appended] = []
                var tip: AppendTip?
                let authority = try lockAuthority(db, projections: projections)
                defer { if authority != nil { Self.endAuthorityAppend(db) } }
                do {
                    try Self.inImmediateTransaction(db) {
                        let (outcomes, newTip) = try appendInTransaction(db, statements, checkpointSigner, projections, clock, isolated: false,
                                                                         authority: authority)
                        result = try outcomes.map { try $0.get() }
                        tip = newTip
                    }
                } catch {
                    authority?.abort()
                    throw error
                }
                appendTip.withLock { $0 = tip }
                return result
            }
        } catch {
            appendTip.withLock { $0 = nil }
            if let failure = error as? AuthorityFailure { throw LedgerError(converting: failure.error) ?? LedgerError.storage(failure.error, path: path) }
            throw LedgerError.storage(error, path: path)
        }
    }

    /// Appends statements that arrived together from different people (the daemon's group commit): one
    /// transaction and one checkpoint for all, but each statement is checked on its own, so a refused one
    /// does not hold back the others. Returns each statement's entry or the reason it was refused.
    package func appendEach(_ statements: [SignedStatement], checkpointSigner: CheckpointSigner,
                           projections: [any LedgerProjection] = [],
                           clock: @Sendable () -> Timestamp = { Timestamp.now() }) throws -> [Result<Appended, LedgerError>] {
        try appendEach(checked: statements.map(CheckedStatement.init(unchecked:)), checkpointSigner: checkpointSigner,
                       projections: projections, clock: clock)
    }

    /// `appendEach` for statements whose signatures were already verified (`CheckedStatement.check`): the
    /// writer confirms that each signer is enrolled and authorised with the very key that verified, and
    /// skips the Ed25519 work, so the one writer spends its time writing.
    package func appendEach(checked statements: [CheckedStatement], checkpointSigner: CheckpointSigner,
                           projections: [any LedgerProjection] = [],
                           clock: @Sendable () -> Timestamp = { Timestamp.now() }) throws -> [Result<Appended, LedgerError>] {
        guard !statements.isEmpty else { return [] }
        do {
            return try pool.writeWithoutTransaction { db in
                var result: [Result<Appended, LedgerError>] = []
                var tip: AppendTip?
                let authority = try lockAuthority(db, projections: projections)
                defer { if authority != nil { Self.endAuthorityAppend(db) } }
                var handedOver = false
                defer { if !handedOver { authority?.abort() } }
                // Nearly every group is accepted whole, so it is first written without a savepoint per entry
                // (each savepoint copies every page its entry changes into SQLite's sub-journal, and most
                // entries change the same last pages). If a statement is refused, that transaction is rolled
                // back, nothing of it remains, and the group is written again with a savepoint per entry, so
                // that the others still go in. A lone statement's refusal is its answer.
                do {
                    try Self.inImmediateTransaction(db) {
                        (result, tip) = try appendInTransaction(db, statements, checkpointSigner, projections, clock, isolated: false,
                                                                authority: authority)
                    }
                    handedOver = result.contains { if case .success = $0 { true } else { false } }
                    appendTip.withLock { $0 = tip }
                    return result
                } catch let changed as LedgerError where changed.code == .ledgerChanged {
                    throw changed
                } catch let refusal as LedgerError where statements.count == 1 {
                    return [.failure(refusal)]
                } catch is LedgerError {
                    // Written again below, one savepoint per entry.
                }
                try Self.inImmediateTransaction(db) {
                    (result, tip) = try appendInTransaction(db, statements, checkpointSigner, projections, clock, isolated: true,
                                                            authority: authority)
                }
                handedOver = result.contains { if case .success = $0 { true } else { false } }
                appendTip.withLock { $0 = tip }
                return result
            }
        } catch {
            appendTip.withLock { $0 = nil }
            if let failure = error as? AuthorityFailure { throw LedgerError(converting: failure.error) ?? LedgerError.storage(failure.error, path: path) }
            throw LedgerError.storage(error, path: path)
        }
    }

    private func appendInTransaction(_ db: Database, _ statements: [CheckedStatement], _ checkpointSigner: CheckpointSigner,
                                     _ projections: [any LedgerProjection], _ clock: () -> Timestamp,
                                     isolated: Bool, authority: (any AppendAuthority)?) throws -> ([Result<Appended, LedgerError>], AppendTip?) {
        // SQLite changes `data_version` when another connection (another process) has committed; this
        // connection's own commits leave it alone. Unchanged since our last append: the tip kept then is
        // still the ledger's end, and this transaction need not read it again.
        let version = try BoundStatement(db, "PRAGMA data_version").firstRow { $0.int(0) } ?? -1
        // Nothing is signed over a file someone else changed since this process checked it (`trust(version:)`).
        if requireTrust.withLock({ $0 }), trustedVersion.withLock({ $0 }) != version {
            throw LedgerError(.ledgerChanged, "the ledger file was changed by another process since it was checked; it must be checked again before anything is appended")
        }
        let start: Int
        var origin = "", facility: KeyID?
        var registry = SignerRegistry()
        var prev = Hash.zero
        var lastLogged = Timestamp(millisecondsSinceEpoch: 0)
        var frontier: MerkleFrontier
        if let kept = appendTip.withLock({ $0 }), kept.dataVersion == version {
            (start, origin, facility, registry) = (kept.size, kept.origin, kept.facility, kept.registry)
            (prev, lastLogged, frontier) = (kept.prev, kept.lastLogged, kept.frontier)
        } else {
            start = try Self.size(db)
            if start > 0 {
                let meta = try db.cachedStatement(sql: "SELECT value FROM ledger_meta WHERE key = ?")
                guard let o = try String.fetchOne(meta, arguments: ["origin"]),
                      let fk = try String.fetchOne(meta, arguments: ["facility_key_id"]),
                      let f = KeyID(fk) else {
                    throw LedgerError(.ledgerCorrupt, "the ledger file has entries but no origin or facility key recorded; run verify")
                }
                (origin, facility) = (o, f)
                let logFrom = try String.fetchOne(meta, arguments: ["log_required_from"]).flatMap { Int($0) }
                registry = SignerRegistry(origin: o, signers: try Self.loadSigners(db), facilityKey: f, logRequiredFrom: logFrom)
                guard let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT leaf_hash, logged FROM entries WHERE seq = ?"), arguments: [start - 1]),
                      let leaf = Hash(bytes: last[0] as Data), let logged = Timestamp(last[1] as String) else {
                    throw LedgerError(.ledgerCorrupt, "the last entry of the ledger file cannot be read; run verify")
                }
                prev = leaf
                lastLogged = logged
            }
            frontier = try MerkleFrontier(size: start, subtree: { try Self.subtree(db, $0, $1) })
        }
        if let facility {
            // A batch that rotates the facility key is signed by the new key (checked per statement in appendOne).
            let rotatesToSigner = statements.contains { Self.rotationTarget($0.signed.statement) == checkpointSigner.keyID }
            guard checkpointSigner.origin == origin, checkpointSigner.keyID == facility || rotatesToSigner else {
                throw LedgerError(.signatureInvalid, "the facility key given is not this ledger's facility key (\(facility.short)); checkpoints must be signed by it")
            }
        }
        // The tip is kept only while the signers are those read from the file (no enrolment, revocation,
        // rotation or genesis written since); a group that changes them makes the next one read again.
        var keepable = facility != nil
        var results: [Result<Appended, LedgerError>] = []
        var written = 0
        for signed in statements {
            guard isolated else {
                results.append(.success(try Self.appendOne(db, signed, seq: start + written, registry: &registry, frontier: &frontier,
                                                       prev: &prev, lastLogged: &lastLogged, projections: projections, clock: clock,
                                                       checkpointSigner: checkpointSigner)))
                written += 1
                if Self.changesSigners(signed.signed.statement) { keepable = false }
                continue
            }
            var outcome: Result<Appended, LedgerError>?
            // A storage failure (disk full, I/O) is not the statement's fault: it fails the whole group.
            try Self.inEntrySavepoint(db) {
                do {
                    outcome = .success(try Self.appendOne(db, signed, seq: start + written, registry: &registry, frontier: &frontier,
                                                     prev: &prev, lastLogged: &lastLogged, projections: projections, clock: clock,
                                                     checkpointSigner: checkpointSigner))
                    return .commit
                } catch let e as LedgerError {
                    outcome = .failure(e)
                    return .rollback
                }
            }
            if case .success = outcome {
                written += 1
                if Self.changesSigners(signed.signed.statement) { keepable = false }
            }
            results.append(outcome ?? .failure(LedgerError(.storage, "the statement could not be written")))
        }
        func tip() -> AppendTip? {
            guard keepable, let facility else { return nil }
            return AppendTip(dataVersion: version, size: start + written, origin: origin, facility: facility, registry: registry,
                             prev: prev, lastLogged: lastLogged, frontier: frontier)
        }
        guard written > 0 else { return (results, tip()) }
        guard let origin = registry.origin, checkpointSigner.origin == origin,
              checkpointSigner.keyID == registry.facility?.keyID else {
            throw LedgerError(.signatureInvalid, "the facility key given is not this ledger's facility key")
        }
        let note = try checkpointSigner.sign(size: frontier.size, root: frontier.root)
        let insertCheckpoint = try BoundStatement(db, "INSERT INTO checkpoints (tree_size, note, created) VALUES (?, ?, ?)")
        insertCheckpoint.bind(1, frontier.size)
        insertCheckpoint.bind(2, note)
        insertCheckpoint.bind(3, lastLogged.description)
        try insertCheckpoint.run()
        // A mirrored ledger: the authority stores and commits the new rows first; if it cannot, this file's
        // transaction is rolled back and nothing is acknowledged.
        try Self.handOver(db, to: authority, from: start,
                          checkpoint: MirroredCheckpoint(treeSize: frontier.size, note: note, created: lastLogged.description))
        return (results, tip())
    }

    /// `Database.inTransaction(.immediate)` with BEGIN and COMMIT prepared once per connection: GRDB parses both
    /// again for every transaction, which was about a twentieth of a single append's CPU. An error thrown by
    /// `body` or by COMMIT rolls the transaction back (if SQLite has not already) and is thrown again.
    static func inImmediateTransaction(_ db: Database, _ body: () throws -> Void) throws {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            try body()
            // As GRDB: a transaction SQLite rolled back by itself (an I/O error, a full disk) is an error, not a commit.
            guard sqlite3_get_autocommit(db.sqliteConnection) == 0 else {
                throw DatabaseError(resultCode: .SQLITE_ABORT, message: "Transaction was aborted")
            }
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
        } catch {
            if sqlite3_get_autocommit(db.sqliteConnection) == 0 { try? db.rollback() }
            throw error
        }
    }

    /// `Database.inSavepoint` with its three statements prepared once per connection (GRDB parses them
    /// again for every call, twice per entry of a group); inside a transaction only. An error thrown by
    /// `body` rolls the savepoint back and is thrown again.
    static func inEntrySavepoint(_ db: Database, _ body: () throws -> Database.TransactionCompletion) throws {
        try db.cachedStatement(sql: "SAVEPOINT ledger_entry").execute()
        let completion: Database.TransactionCompletion
        do { completion = try body() } catch {
            try? db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT ledger_entry").execute()
            try? db.cachedStatement(sql: "RELEASE SAVEPOINT ledger_entry").execute()
            throw error
        }
        if completion == .rollback {
            try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT ledger_entry").execute()
        }
        try db.cachedStatement(sql: "RELEASE SAVEPOINT ledger_entry").execute()
    }

    /// True for the statements that change who may sign (and the registry kept between appends).
    static func changesSigners(_ statement: LedgerCore.Statement) -> Bool {
        [CoreStatementType.ledgerCreated, CoreStatementType.actorEnrolled, CoreStatementType.actorRevoked,
         CoreStatementType.facilityKeyRotated, CoreStatementType.ledgerUpgraded].contains(statement.type)
    }

    /// Checks and writes one entry; on success advances the chain state, on failure throws and leaves it unchanged.
    /// `expectedBytes`: the entry as another store holds it (a mirror's import): the bytes written must be these.
    static func appendOne(_ db: Database, _ checked: CheckedStatement, seq: Int, registry: inout SignerRegistry,
                          frontier: inout MerkleFrontier, prev: inout Hash, lastLogged: inout Timestamp,
                          projections: [any LedgerProjection], clock: () -> Timestamp,
                          checkpointSigner: CheckpointSigner?, expectedBytes: [UInt8]? = nil) throws -> Appended {
        let signed = checked.signed
        let statement = signed.statement
        try Self.checkSignatures(checked, at: seq, registry: registry)
        // Every text field, of every type, is plain text: what is written is later printed to terminals.
        if let field = TerminalText.fieldWithControl(in: .object(statement.body)) {
            throw LedgerError(.invalidBody, "\(statement.type): \(field) holds a control character (such as ESC or a line break); text must be plain")
        }
        if let checkpointSigner, statement.type == CoreStatementType.facilityKeyRotated, Self.rotationTarget(statement) != checkpointSigner.keyID {
            throw LedgerError(.signatureInvalid, "after a facility key rotation the checkpoint must be signed by the new facility key; use `csledger facility rotate`")
        }
        if seq > 0, let problem = registry.logProblem(statement, at: seq) {
            throw LedgerError(.wrongLedger, "\(problem); it was not recorded")
        }
        var newRegistry = registry
        try newRegistry.apply(statement, at: seq)
        let logged = max(clock(), lastLogged)
        if statement.time.millisecondsSinceEpoch > logged.millisecondsSinceEpoch + Self.allowedClockSkewMilliseconds {
            throw LedgerError(.invalidStatement, "the statement's time \(statement.time) is in the future (now \(logged))")
        }
        let statementHash = Hash.sha256(checked.signingInput)
        let statementTime = statement.time.description
        let lookup = try BoundStatement(db, "SELECT seq FROM statement_index WHERE time = ? AND hash = ?")
        lookup.bind(1, statementTime)
        statementHash.withUnsafeBytes { lookup.bind(2, blob: $0) }
        if let earlier = try lookup.firstRow({ $0.int(0) }) {
            throw LedgerError(.invalidStatement, "this signed statement is already in the ledger at seq \(earlier); it was not recorded twice")
        }
        let entry = Entry(seq: seq, prev: prev, logged: logged, signed: signed)
        let bytes = entry.canonicalBytes(statementBytes: checked.signingInput)
        if let expectedBytes, expectedBytes != bytes {
            throw LedgerError(.ledgerTampered, "entry \(seq) is not the entry its statement, the previous leaf and its time give")
        }
        let leaf = MerkleTree.leafHash(bytes)
        let insertEntry = try BoundStatement(db, "INSERT INTO entries (seq, bytes, leaf_hash, type, actor, time, logged) VALUES (?, ?, ?, ?, ?, ?, ?)")
        insertEntry.bind(1, seq)
        insertEntry.bind(2, blob: bytes)
        leaf.withUnsafeBytes { insertEntry.bind(3, blob: $0) }
        insertEntry.bind(4, statement.type)
        insertEntry.bind(5, statement.actor.hex)
        insertEntry.bind(6, statementTime)
        insertEntry.bind(7, logged.description)
        try insertEntry.run()
        let insertIndex = try BoundStatement(db, "INSERT INTO statement_index (time, hash, seq) VALUES (?, ?, ?)")
        insertIndex.bind(1, statementTime)
        statementHash.withUnsafeBytes { insertIndex.bind(2, blob: $0) }
        insertIndex.bind(3, seq)
        try insertIndex.run()
        var newFrontier = frontier
        for node in newFrontier.append(leaf) {
            let insertNode = try BoundStatement(db, "INSERT INTO merkle_tree (ends, level, hash) VALUES (?, ?, ?)")
            insertNode.bind(1, MerkleTree.subtreeEnd(level: node.level, index: node.index))
            insertNode.bind(2, node.level)
            node.hash.withUnsafeBytes { insertNode.bind(3, blob: $0) }
            try insertNode.run()
        }
        try Self.recordSigners(db, entry: entry, registry: newRegistry)
        for p in projections { try p.apply(entry, in: db) }
        registry = newRegistry
        frontier = newFrontier
        prev = leaf
        lastLogged = logged
        return Appended(entry: entry, leafHash: leaf)
    }

    static func checkSignatures(_ checked: CheckedStatement, at seq: Int, registry: SignerRegistry) throws {
        let signed = checked.signed
        let statement = signed.statement
        guard signed.signatures.map(\.key) == statement.signers else {
            throw LedgerError(.signatureInvalid, "every signer must sign, the actor first and then each witness in order (\(statement.signers.count) needed, \(signed.signatures.count) given)")
        }
        var keys: [KeyID: SignerPublicKey] = [:]
        if seq == 0, let key = LedgerCreated.publicKey(of: statement) {
            keys[key.keyID] = key
        }
        for key in statement.signers where keys[key] == nil {
            if let problem = registry.authorizationProblem(key, at: seq) {
                let revoked = registry[key]?.revokedSeq != nil
                throw LedgerError(revoked ? .signerRevoked : .signerNotEnrolled,
                                  "\(key == statement.actor ? "the signer" : "a witness"): \(problem)")
            }
            keys[key] = registry[key]?.publicKey
        }
        // Verified already with exactly the keys enrolled for these signers: nothing more to check.
        if !checked.keys.isEmpty, checked.keys.map(\.keyID) == statement.signers, statement.signers.allSatisfy({ keys[$0] != nil }),
           zip(checked.keys, statement.signers).allSatisfy({ keys[$0.1] == $0.0 }) {
            return
        }
        let problems = signed.signatureProblems(publicKey: { keys[$0] })
        if let first = problems.first { throw LedgerError(.signatureInvalid, first) }
    }

    static func recordSigners(_ db: Database, entry: Entry, registry: SignerRegistry) throws {
        let s = entry.statement
        switch s.type {
        case CoreStatementType.ledgerCreated:
            guard let f = registry.facility, let origin = registry.origin else { return }
            try insertSigner(db, f, enrolledSeq: entry.seq)
            for (k, v) in [("origin", origin), ("facility_key_id", f.keyID.hex), ("created", entry.logged.description)] {
                try db.execute(sql: "INSERT INTO ledger_meta (key, value) VALUES (?, ?)", arguments: [k, v])
            }
            if let from = registry.logRequiredFrom {
                try db.execute(sql: "INSERT INTO ledger_meta (key, value) VALUES ('log_required_from', ?)", arguments: [String(from)])
            }
        case CoreStatementType.ledgerUpgraded:
            if let from = registry.logRequiredFrom {
                try db.execute(sql: "INSERT OR REPLACE INTO ledger_meta (key, value) VALUES ('log_required_from', ?)", arguments: [String(from)])
            }
        case CoreStatementType.actorEnrolled:
            guard let key = try? ActorEnrolled(checking: s.body).publicKey, let signer = registry[key.keyID] else { return }
            try insertSigner(db, signer, enrolledSeq: entry.seq)
        case CoreStatementType.actorRevoked:
            guard let k = s.body[ActorRevoked.Member.key]?.stringValue else { return }
            try db.execute(sql: "UPDATE signers SET revoked_seq = ? WHERE key_id = ?", arguments: [entry.seq, k])
        case CoreStatementType.facilityKeyRotated:
            // The old key is retired at this seq; the new one signs checkpoints from here on.
            guard let previous = s.body[FacilityKeyRotated.Member.previousKey]?.stringValue, let f = registry.facility else { return }
            try db.execute(sql: "UPDATE signers SET revoked_seq = ? WHERE key_id = ?", arguments: [entry.seq, previous])
            try db.execute(sql: "UPDATE ledger_meta SET value = ? WHERE key = 'facility_key_id'", arguments: [f.keyID.hex])
        default:
            break
        }
    }

    /// The key id a `facility.key_rotated` statement hands over to, or nil for any other statement.
    static func rotationTarget(_ statement: LedgerCore.Statement) -> KeyID? {
        FacilityKeyRotated.newKey(of: statement)?.keyID
    }

    private static func insertSigner(_ db: Database, _ s: Signer, enrolledSeq: Int) throws {
        try db.execute(
            sql: "INSERT INTO signers (key_id, public_key, name, role, enrolled_seq) VALUES (?, ?, ?, ?, ?)",
            arguments: [s.keyID.hex, Data(s.publicKey.raw), s.name, s.role.rawValue, enrolledSeq])
    }
}
