import Foundation
import LedgerCore
import LedgerStore

/// Bearer tokens for csledgerd, stored as SHA-256 hashes beside the ledger.
///
/// A token identifies an enrolled signer to the daemon; it never lets anyone
/// sign: every write still carries that signer's Ed25519 signature.
package struct APITokens: Sendable {
    let database: LedgerDatabase

    package init(database: LedgerDatabase) { self.database = database }

    /// What a token reaches. `site`: the API of the ledger it was issued for (every token before schema 10).
    /// `group`: that too, and the reconciliation of every ledger (site) of the PostgreSQL database that ledger is
    /// kept in (`GET /v1/sites/reconciliation`); issued only for a compliance signer of a ledger in PostgreSQL.
    package enum Scope: String, Sendable, CaseIterable {
        case site, group
    }

    /// A token as issued (shown once) and its id (for revoking).
    package struct Issued: Sendable {
        package let token: String
        package let tokenID: String
    }

    /// What a valid token resolves to.
    package struct Holder: Sendable {
        package let tokenID: String
        package let signer: Signer
        /// When the token stops being valid, if it expires.
        package let expires: Timestamp?
        package let scope: Scope
    }

    /// The SHA-256 (hex) a token is stored as.
    package static func hash(_ token: String) -> String { Hash.sha256(Array(token.utf8)).hex }

    /// Issues a token for an enrolled, unrevoked signer. A `group` token only for a compliance officer (the caller
    /// checks that the ledger is in PostgreSQL: a file holds one site).
    package func issue(for key: KeyID, expires: Timestamp?, scope: Scope = .site, now: Timestamp = .now()) throws -> Issued {
        guard let signer = try database.signers().first(where: { $0.keyID == key }), signer.revokedSeq == nil else {
            throw LedgerError(.signerNotEnrolled, "key \(key.short) is not an enrolled, unrevoked signer of this ledger")
        }
        if scope == .group, signer.role != .compliance {
            throw LedgerError(.invalidArgument, "--group is for a compliance officer's token; key \(key.short) is a \(signer.role.rawValue)")
        }
        if let expires, expires <= now { throw LedgerError(.invalidArgument, "the expiry must be in the future") }
        var rng = SystemRandomNumberGenerator()
        let raw = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let token = "csl_" + Base64.encode(raw).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let h = Self.hash(token)
        let id = String(h.prefix(16))
        try database.insertToken(id: id, hash: h, keyID: signer.keyID, created: now, expires: expires, scope: scope.rawValue)
        return Issued(token: token, tokenID: id)
    }

    /// Withdraws a token by its id.
    package func revoke(tokenID: String, now: Timestamp = .now()) throws {
        guard try database.revokeToken(id: tokenID, now: now) else { throw LedgerError(.notFound, "no active token with id \(tokenID.prefix(20))") }
    }

    /// The signer a presented token stands for, or nil if it is unknown, revoked, expired, or its signer was revoked.
    package func holder(of token: String, now: Timestamp = .now()) throws -> Holder? {
        guard token.hasPrefix("csl_"), token.utf8.count < 100 else { return nil }
        return try holder(hash: Self.hash(token), now: now)
    }

    /// The signer the token stored as `hash` stands for, or nil (as `holder(of:)`): a dashboard session knows its
    /// token by hash only.
    package func holder(hash h: String, now: Timestamp = .now()) throws -> Holder? {
        guard let record = try database.tokenHolder(hash: h), record.revoked == nil else { return nil }
        let expires = record.expires.flatMap { Timestamp($0) }
        if let expires, expires <= now { return nil }
        guard record.signer.revokedSeq == nil, let scope = Scope(rawValue: record.scope) else { return nil }
        return Holder(tokenID: record.tokenID, signer: record.signer, expires: expires, scope: scope)
    }

    /// Issued tokens (ids, signers, dates; never the tokens). For a ledger in PostgreSQL, those issued and revoked through
    /// every process serving it (pulled first).
    package func list() throws -> [(tokenID: String, keyID: String, created: String, expires: String?, revoked: String?, scope: String)] {
        try database.pullTokens()
        return try database.tokens().map { (tokenID: $0.tokenID, keyID: $0.keyID, created: $0.created, expires: $0.expires, revoked: $0.revoked, scope: $0.scope) }
    }
}
