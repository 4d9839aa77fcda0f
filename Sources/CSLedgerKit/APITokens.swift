import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// Bearer tokens for csledgerd, stored as SHA-256 hashes beside the ledger.
///
/// A token identifies an enrolled signer to the daemon; it never lets anyone
/// sign: every write still carries that signer's Ed25519 signature.
public struct APITokens: Sendable {
    let database: LedgerDatabase

    public init(database: LedgerDatabase) { self.database = database }

    /// A token as issued (shown once) and its id (for revoking).
    public struct Issued: Sendable {
        public let token: String
        public let tokenID: String
    }

    /// What a valid token resolves to.
    public struct Holder: Sendable {
        public let tokenID: String
        public let signer: Signer
        /// When the token stops being valid, if it expires.
        public let expires: Timestamp?
    }

    static func hash(_ token: String) -> String { Hash.sha256(Array(token.utf8)).hex }

    /// Issues a token for an enrolled, unrevoked signer.
    public func issue(for key: KeyID, expires: Timestamp?, now: Timestamp = .now()) throws -> Issued {
        guard let signer = try database.signers().first(where: { $0.keyID == key }), signer.revokedSeq == nil else {
            throw LedgerError(.signerNotEnrolled, "key \(key.short) is not an enrolled, unrevoked signer of this ledger")
        }
        if let expires, expires <= now { throw LedgerError(.invalidArgument, "the expiry must be in the future") }
        var rng = SystemRandomNumberGenerator()
        let raw = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let token = "csl_" + Base64.encode(raw).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let h = Self.hash(token)
        let id = String(h.prefix(16))
        try database.writeLocal { db in
            try db.execute(sql: "INSERT INTO api_tokens (token_id, token_hash, key_id, created, expires) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, h, signer.keyID.hex, now.description, expires?.description])
        }
        return Issued(token: token, tokenID: id)
    }

    /// Withdraws a token by its id.
    public func revoke(tokenID: String, now: Timestamp = .now()) throws {
        let changed = try database.writeLocal { db -> Int in
            try db.execute(sql: "UPDATE api_tokens SET revoked = ? WHERE token_id = ? AND revoked IS NULL", arguments: [now.description, tokenID])
            return db.changesCount
        }
        guard changed == 1 else { throw LedgerError(.notFound, "no active token with id \(tokenID.prefix(20))") }
    }

    /// The signer a presented token stands for, or nil if it is unknown, revoked, expired, or its signer was revoked.
    public func holder(of token: String, now: Timestamp = .now()) throws -> Holder? {
        guard token.hasPrefix("csl_"), token.utf8.count < 100 else { return nil }
        let h = Self.hash(token)
        // The daemon asks this on every request: one statement (consistent by itself), prepared once.
        return try database.readSingleStatement { db -> Holder? in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT t.token_id, t.expires, t.revoked, s.public_key, s.name, s.role, s.enrolled_seq, s.revoked_seq
                FROM api_tokens t JOIN signers s ON s.key_id = t.key_id WHERE t.token_hash = ?
                """), arguments: [h]), (row[2] as String?) == nil else { return nil }
            let expires = (row[1] as String?).flatMap({ Timestamp($0) })
            if let expires, expires <= now { return nil }
            let s = try LedgerDatabase.signer(row, from: 3)
            guard s.revokedSeq == nil else { return nil }
            return Holder(tokenID: row[0], signer: s, expires: expires)
        }
    }

    /// Issued tokens (ids, signers, dates; never the tokens).
    public func list() throws -> [(tokenID: String, keyID: String, created: String, expires: String?, revoked: String?)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT token_id, key_id, created, expires, revoked FROM api_tokens ORDER BY created").map {
                (tokenID: $0[0], keyID: $0[1], created: $0[2], expires: $0[3], revoked: $0[4])
            }
        }
    }
}
