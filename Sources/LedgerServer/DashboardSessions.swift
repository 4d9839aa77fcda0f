import Foundation
import LedgerCore
import LedgerStore
import Synchronization

/// The dashboard's sign-in sessions: in the daemon's memory for a ledger file (nothing is written to the ledger file);
/// for a ledger in PostgreSQL, in PostgreSQL (`dashboard_sessions`), shared by every daemon serving that ledger, so a
/// person signed in through one daemon is signed in at every daemon behind the same load balancer, and signing out at
/// any of them ends the session at all of them.
///
/// A session stands for the API token its holder signed in with, known by its SHA-256 only: every page load resolves
/// that token again (`TokenCache.holder(hash:)`, which sees every revocation and expiry at the next request, and, for a
/// ledger in PostgreSQL, a revocation made through any process within the tokens' bound), so revoking the token,
/// revoking its signer or the token's expiry ends the session, everywhere. A session also ends after `lifetime`, at
/// sign-out, and, in memory, when the daemon stops. The cookie carries only a random session id, never the token;
/// PostgreSQL holds only the id's hash and the token's.
///
/// Shared sessions are read in PostgreSQL (one statement): call `create`, `tokenHash` and `end` off the event loops
/// when `isShared`.
final class DashboardSessions: Sendable {
    struct Session: Sendable {
        let tokenHash: String
        let expires: Timestamp
    }

    /// The longest a session lasts (a working shift).
    static let lifetime: Int64 = 8 * 3_600_000
    /// Most sessions kept in memory; the oldest go first beyond it.
    static let capacity = 4_096

    private let state = Mutex<[String: Session]>([:])
    /// The sessions of a ledger in PostgreSQL (nil: this daemon's memory).
    private let shared: LedgerDatabase.SharedSessions?

    init(shared: LedgerDatabase.SharedSessions? = nil) { self.shared = shared }

    var isShared: Bool { shared != nil }

    /// A new session for the token stored as `tokenHash`, ending at its expiry or after `lifetime`; its id and how
    /// many seconds it lasts.
    func create(tokenHash: String, tokenExpires: Timestamp?, now: Timestamp = .now()) throws -> (id: String, seconds: Int) {
        var end = now.adding(milliseconds: Self.lifetime)
        if let t = tokenExpires, t < end { end = t }
        var rng = SystemRandomNumberGenerator()
        let raw = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let id = Base64.encode(raw).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        if let shared {
            try shared.store(MirroredSession(sessionHash: Self.hash(id), tokenHash: tokenHash, expires: end.description), now: now)
        } else {
            state.withLock { s in
                s = s.filter { $0.value.expires > now }
                if s.count >= Self.capacity, let oldest = s.min(by: { $0.value.expires < $1.value.expires })?.key { s[oldest] = nil }
                s[id] = Session(tokenHash: tokenHash, expires: end)
            }
        }
        return (id, max(1, Int((end.millisecondsSinceEpoch - now.millisecondsSinceEpoch) / 1000)))
    }

    /// The token hash of a live session, or nil (an unknown, ended or expired id; an expired one is forgotten).
    func tokenHash(for id: String, now: Timestamp = .now()) throws -> String? {
        if let shared {
            // Only what `create` makes is looked for (43 characters of base64url).
            guard id.utf8.count == 43, id.utf8.allSatisfy({ Self.idCharacters.contains($0) }) else { return nil }
            guard let session = try shared.session(hash: Self.hash(id)), let expires = Timestamp(session.expires), expires > now else { return nil }
            return session.tokenHash
        }
        return state.withLock { s in
            guard let session = s[id] else { return nil }
            guard session.expires > now else { s[id] = nil; return nil }
            return session.tokenHash
        }
    }

    func end(_ id: String, now: Timestamp = .now()) throws {
        if let shared {
            guard id.utf8.count == 43, id.utf8.allSatisfy({ Self.idCharacters.contains($0) }) else { return }
            try shared.end(hash: Self.hash(id), now: now)
        } else {
            state.withLock { $0[id] = nil }
        }
    }

    /// Forgets the sessions (in memory) of a token that no longer resolves (revoked, expired, signer revoked). Shared
    /// sessions need not be: each page load resolves their token again at every daemon.
    func endAll(tokenHash: String) { state.withLock { s in s = s.filter { $0.value.tokenHash != tokenHash } } }

    private static let idCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func hash(_ id: String) -> String { Hash.sha256(Array(id.utf8)).hex }
}
