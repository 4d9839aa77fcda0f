import CSLedgerKit
import LedgerCore
import LedgerStore
import Synchronization

/// Bearer tokens already resolved to their signer, so that a request does not read the token and
/// signer tables each time.
///
/// A kept answer is used only while nothing has been committed to the ledger file since it was read
/// (`DataVersionWatch`: any commit, by this daemon's writer or by another process such as
/// `csledger token revoke` or an `actor.revoked` appended by the CLI, makes the next request read the
/// tables again), and never after the token's expiry. So a revoked or expired token is refused exactly
/// as without the cache. Only valid tokens are kept, at most `capacity` of them.
final class TokenCache: Sendable {
    private struct Kept {
        let holder: APITokens.Holder
        let version: Int64
    }

    static let capacity = 1_024

    private let tokens: APITokens
    private let watch: DataVersionWatch
    private let kept = Mutex<[String: Kept]>([:])

    init(tokens: APITokens, watch: DataVersionWatch) {
        self.tokens = tokens
        self.watch = watch
    }

    /// The signer `token` stands for, or nil if it is unknown, revoked, expired, or its signer was revoked.
    func holder(of token: String, now: Timestamp = .now()) throws -> APITokens.Holder? {
        // The version first: a commit after this point makes the answer read below be read again next time.
        let version = try watch.version()
        if let k = kept.withLock({ $0[token] }), k.version == version {
            if let e = k.holder.expires, e <= now { return nil }
            return k.holder
        }
        guard let holder = try tokens.holder(of: token, now: now) else {
            kept.withLock { _ = $0.removeValue(forKey: token) }
            return nil
        }
        kept.withLock { k in
            if k.count >= Self.capacity { k.removeAll(keepingCapacity: true) }
            k[token] = Kept(holder: holder, version: version)
        }
        return holder
    }
}
