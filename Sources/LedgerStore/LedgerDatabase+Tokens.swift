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

    /// Stores a new token's hash for the signer `keyID`, with its scope (`site` or `group`).
    package func insertToken(id: String, hash: String, keyID: KeyID, created: Timestamp, expires: Timestamp?, scope: String = "site") throws {
        try writeLocal { db in
            try db.execute(sql: "INSERT INTO api_tokens (token_id, token_hash, key_id, created, expires, scope) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [id, hash, keyID.hex, created.description, expires?.description, scope])
        }
    }

    /// Marks the token `id` revoked at `now`; false when there is no active token with that id.
    package func revokeToken(id: String, now: Timestamp) throws -> Bool {
        try writeLocal { db -> Int in
            try db.execute(sql: "UPDATE api_tokens SET revoked = ? WHERE token_id = ? AND revoked IS NULL", arguments: [now.description, id])
            return db.changesCount
        } == 1
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
