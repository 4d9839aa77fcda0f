import GRDB
import LedgerCore

/// The daemon's bearer tokens, kept beside the ledger as SHA-256 hashes (table `api_tokens`, not part of the
/// ledger: docs/RELIABILITY.md §6). The policy (how a token is made, when it is valid) is CSLedgerKit's
/// `APITokens`; the SQL is here.
extension LedgerDatabase {
    /// One issued token as stored (never the token itself).
    package struct TokenRecord: Sendable {
        package let tokenID: String
        package let keyID: String
        package let created: String
        package let expires: String?
        package let revoked: String?
        /// `site` or `group` (schema 10).
        package let scope: String
    }

    /// What a stored token hash resolves to: the token's id, expiry and revocation, and the signer it belongs to.
    package struct TokenHolderRecord: Sendable {
        package let tokenID: String
        package let expires: String?
        package let revoked: String?
        /// `site` or `group` (schema 10).
        package let scope: String
        package let signer: Signer
    }

    /// Stores a new token's hash for the signer `keyID`, with its scope (`site` or `group`). For a ledger kept in
    /// another store (PostgreSQL), the row is stored there first, so that every process serving the ledger finds it,
    /// then here.
    package func insertToken(id: String, hash: String, keyID: KeyID, created: Timestamp, expires: Timestamp?, scope: String = "site") throws {
        if let authority = appendAuthority.withLock({ $0 }) {
            try handOverTokens(to: authority)
            let row = MirroredToken(tokenID: id, hash: hash, keyID: keyID.hex, created: created.description, expires: expires?.description,
                                    revoked: nil, scope: scope)
            try authorityCall { try authority.store(tokens: [row]) }
        }
        try writeLocal { db in
            try db.execute(sql: "INSERT INTO api_tokens (token_id, token_hash, key_id, created, expires, scope) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [id, hash, keyID.hex, created.description, expires?.description, scope])
        }
    }

    /// Marks the token `id` revoked at `now`; false when there is no active token with that id. For a ledger kept in
    /// another store, the revocation is stored there first (where every process serving the ledger pulls it from),
    /// then here; the store's answer decides (this file may not have taken a token issued through another process yet).
    package func revokeToken(id: String, now: Timestamp) throws -> Bool {
        if let authority = appendAuthority.withLock({ $0 }) {
            try handOverTokens(to: authority)
            let revoked = try authorityCall { try authority.revokeToken(id: id, at: now.description) }
            _ = try writeLocal { db in
                try db.execute(sql: "UPDATE api_tokens SET revoked = ? WHERE token_id = ? AND revoked IS NULL", arguments: [now.description, id])
            }
            _ = try pullTokens()
            return revoked
        }
        return try writeLocal { db -> Int in
            try db.execute(sql: "UPDATE api_tokens SET revoked = ? WHERE token_id = ? AND revoked IS NULL", arguments: [now.description, id])
            return db.changesCount
        } == 1
    }

    /// Whether this file's tokens are shared with the other processes serving its ledger (a mirror of a ledger in
    /// PostgreSQL): then `pullTokens` brings in what they issued and revoked.
    package var sharesTokens: Bool { appendAuthority.withLock { $0 } != nil }

    /// The local setting (in `ledger_meta`) that remembers the place of the last token change pulled from the store.
    static let tokensPulledKey = "mirror_tokens_pulled"
    /// The local setting that records that the tokens this file held before they were shared were handed over.
    static let tokensHandedOverKey = "mirror_tokens_handed_over"

    /// Takes in the token rows the ledger's store (PostgreSQL) holds that were stored or revoked since the last pull:
    /// tokens issued and revoked through any process serving the ledger. True when a row here changed. Nothing
    /// without such a store.
    ///
    /// A row there grants no more than a row of this file: it is taken only for a signer this file holds (from the
    /// signed entries, which decide its role, as for any token), with an id that is its hash's first 16 characters,
    /// and a `group` scope only for a compliance signer (as `token issue --group` requires). Once taken, a row's
    /// signer, dates and scope stay as they were; only its revocation is taken, and never undone. A row whose signer
    /// this file does not hold yet (enrolled through another process since this mirror last caught up) is asked for
    /// again at each pull until it does.
    ///
    /// `catchUp` (a daemon's): called when a row names a signer this file does not hold yet, to take in the entries
    /// other processes appended since (`catchUpWithAuthority`); the rows are then offered again.
    @discardableResult
    package func pullTokens(catchUp: (() throws -> Void)? = nil) throws -> Bool {
        guard let authority = appendAuthority.withLock({ $0 }) else { return false }
        try handOverTokens(to: authority)
        let after = try read { db in try String.fetchOne(db, sql: "SELECT value FROM ledger_meta WHERE key = ?", arguments: [Self.tokensPulledKey]) }
            .flatMap { Int64($0) } ?? 0
        let changes: (rows: [MirroredToken], last: Int64)
        changes = try authorityCall { try authority.tokenChanges(after: after) }
        guard !changes.rows.isEmpty else { return false }
        var (changed, complete) = try takeTokens(changes.rows, last: changes.last)
        if !complete, let catchUp {
            try catchUp()
            let again = try takeTokens(changes.rows, last: changes.last)
            changed = changed || again.changed
        }
        return changed
    }

    /// Writes pulled token rows here (see `pullTokens`): whether a row changed, and whether every row's signer was here
    /// (then the place `last` is remembered, and the next pull asks only for later changes).
    private func takeTokens(_ rows: [MirroredToken], last: Int64) throws -> (changed: Bool, complete: Bool) {
        try writeLocal { db -> (Bool, Bool) in
            var changed = false
            var complete = true
            for row in rows {
                guard row.tokenID.count == 16, row.hash.count == 64, row.hash.hasPrefix(row.tokenID), Hex.decode(row.hash) != nil,
                      ["site", "group"].contains(row.scope) else { continue }  // not a row `token issue` writes: never taken
                guard let role = try String.fetchOne(db, sql: "SELECT role FROM signers WHERE key_id = ?", arguments: [row.keyID]) else {
                    complete = false  // its signer is not here yet: asked for again
                    continue
                }
                if row.scope == "group", role != Role.compliance.rawValue { continue }
                try db.execute(sql: "INSERT OR IGNORE INTO api_tokens (token_id, token_hash, key_id, created, expires, revoked, scope) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [row.tokenID, row.hash, row.keyID, row.created, row.expires, row.revoked, row.scope])
                changed = changed || db.changesCount > 0
                if let revoked = row.revoked {
                    try db.execute(sql: "UPDATE api_tokens SET revoked = ? WHERE token_id = ? AND token_hash = ? AND revoked IS NULL",
                                   arguments: [revoked, row.tokenID, row.hash])
                    changed = changed || db.changesCount > 0
                }
            }
            if complete {
                try db.execute(sql: "INSERT OR REPLACE INTO ledger_meta (key, value) VALUES (?, ?)", arguments: [Self.tokensPulledKey, String(last)])
            }
            return (changed, complete)
        }
    }

    /// The dashboard sessions of a ledger kept in another store (PostgreSQL), shared by every daemon serving it; nil
    /// for a ledger file (a daemon keeps its sessions in memory). Each call is one statement there.
    package var sharedSessions: SharedSessions? { appendAuthority.withLock { $0 }.map { SharedSessions(authority: $0, path: path) } }

    /// See `sharedSessions`.
    package struct SharedSessions: Sendable {
        let authority: any AppendAuthority
        let path: String

        package func store(_ session: MirroredSession, now: Timestamp) throws {
            try LedgerDatabase.authorityCall(path: path) { try authority.storeSession(session, now: now.description) }
        }

        package func session(hash: String) throws -> MirroredSession? {
            try LedgerDatabase.authorityCall(path: path) { try authority.session(hash: hash) }
        }

        package func end(hash: String, now: Timestamp) throws {
            try LedgerDatabase.authorityCall(path: path) { try authority.endSession(hash: hash, at: now.description) }
        }
    }

    /// Hands the tokens this file held before its tokens were shared (issued by an older csledger) to the store, once.
    private func handOverTokens(to authority: any AppendAuthority) throws {
        let done = try read { db in try String.fetchOne(db, sql: "SELECT value FROM ledger_meta WHERE key = ?", arguments: [Self.tokensHandedOverKey]) }
        guard done == nil else { return }
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT token_id, token_hash, key_id, created, expires, revoked, scope FROM api_tokens").map {
                MirroredToken(tokenID: $0[0], hash: $0[1], keyID: $0[2], created: $0[3], expires: $0[4], revoked: $0[5], scope: $0[6])
            }
        }
        try authorityCall { try authority.store(tokens: rows) }
        try writeLocal { db in
            try db.execute(sql: "INSERT OR REPLACE INTO ledger_meta (key, value) VALUES (?, ?)", arguments: [Self.tokensHandedOverKey, "1"])
        }
    }

    /// The token stored with this hash and its signer (one statement, prepared once: the daemon asks on every request).
    package func tokenHolder(hash: String) throws -> TokenHolderRecord? {
        try readSingleStatement { db -> TokenHolderRecord? in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT t.token_id, t.expires, t.revoked, t.scope, s.public_key, s.name, s.role, s.enrolled_seq, s.revoked_seq
                FROM api_tokens t JOIN signers s ON s.key_id = t.key_id WHERE t.token_hash = ?
                """), arguments: [hash]) else { return nil }
            return TokenHolderRecord(tokenID: row[0], expires: row[1], revoked: row[2], scope: row[3], signer: try Self.signer(row, from: 4))
        }
    }

    /// Every issued token, oldest first.
    package func tokens() throws -> [TokenRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT token_id, key_id, created, expires, revoked, scope FROM api_tokens ORDER BY created").map {
                TokenRecord(tokenID: $0[0], keyID: $0[1], created: $0[2], expires: $0[3], revoked: $0[4], scope: $0[5])
            }
        }
    }

    /// How many entries of `type` hold `text` in their bytes (a hash a statement records, for instance).
    package func entryCount(type: String, containing text: String) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM entries WHERE type = ? AND instr(CAST(bytes AS TEXT), ?) > 0",
                             arguments: [type, text]) ?? 0
        }
    }
}
