import Foundation
import LedgerCore
import Synchronization

/// The dashboard's sign-in sessions, kept in the daemon's memory only (nothing is written to the ledger file).
///
/// A session stands for the API token its holder signed in with: every page load resolves that token again
/// (through `TokenCache`, which sees every revocation and expiry at the next request), so revoking the token,
/// revoking its signer or the token's expiry ends the session. A session also ends after `lifetime`, at
/// sign-out, and when the daemon stops. The cookie carries only a random session id, never the token.
final class DashboardSessions: Sendable {
    struct Session: Sendable {
        let token: String
        let expires: Timestamp
    }

    /// The longest a session lasts (a working shift).
    static let lifetime: Int64 = 8 * 3_600_000
    /// Most sessions kept; the oldest go first beyond it.
    static let capacity = 4_096

    private let state = Mutex<[String: Session]>([:])

    /// A new session for `token`, ending at its expiry or after `lifetime`; its id and how many seconds it lasts.
    func create(token: String, tokenExpires: Timestamp?, now: Timestamp = .now()) -> (id: String, seconds: Int) {
        var end = now.adding(milliseconds: Self.lifetime)
        if let t = tokenExpires, t < end { end = t }
        var rng = SystemRandomNumberGenerator()
        let raw = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let id = Base64.encode(raw).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        state.withLock { s in
            s = s.filter { $0.value.expires > now }
            if s.count >= Self.capacity, let oldest = s.min(by: { $0.value.expires < $1.value.expires })?.key { s[oldest] = nil }
            s[id] = Session(token: token, expires: end)
        }
        return (id, max(1, Int((end.millisecondsSinceEpoch - now.millisecondsSinceEpoch) / 1000)))
    }

    /// The token of a live session, or nil (an unknown or expired id; an expired one is forgotten).
    func token(for id: String, now: Timestamp = .now()) -> String? {
        state.withLock { s in
            guard let session = s[id] else { return nil }
            guard session.expires > now else { s[id] = nil; return nil }
            return session.token
        }
    }

    func end(_ id: String) { state.withLock { $0[id] = nil } }

    /// Forgets a session whose token no longer resolves (revoked, expired, signer revoked).
    func endAll(token: String) { state.withLock { s in s = s.filter { $0.value.token != token } } }
}
