import CSLedgerKit
import LedgerCore
import LedgerStore
import Synchronization

/// Bearer tokens already resolved to their signer, so that a request does not read the token and
/// signer tables each time.
///
/// A kept answer is used only while the file's access-control epoch is the one it was read at, and
/// never after the token's expiry. The epoch (schema 6) is moved by triggers whenever a token or a
/// signer row changes: `csledger token revoke` in another process, an `actor.revoked` appended by the
/// daemon or by the CLI. Looking at it costs one small read, and only after a commit: while
/// `PRAGMA data_version` (`DataVersionWatch`) is unchanged nothing was committed, so not even that.
/// A revoked or expired token is therefore refused at the next request, exactly as without the cache.
/// Only valid tokens are kept, at most `capacity` of them.
final class TokenCache: Sendable {
    private struct State {
        var kept: [String: APITokens.Holder] = [:]
        /// The access-control epoch the kept answers were read at, and the data version it was read at.
        var epoch: Int64 = -1
        var version: Int64 = -1
    }

    static let capacity = 1_024

    private let tokens: APITokens
    private let watch: DataVersionWatch
    private let state = Mutex(State())

    init(tokens: APITokens, watch: DataVersionWatch) {
        self.tokens = tokens
        self.watch = watch
    }

    /// The signer `token` stands for, or nil if it is unknown, revoked, expired, or its signer was revoked.
    func holder(of token: String, now: Timestamp = .now()) throws -> APITokens.Holder? {
        // The version first, then the epoch: a change committed after either read moves the version, so
        // the next request looks again.
        let version = try watch.version()
        var epoch = state.withLock { $0.version == version ? $0.epoch : nil }
        if epoch == nil {
            let current = try watch.authEpoch()
            state.withLock { s in
                if s.epoch != current { s.kept.removeAll(keepingCapacity: true) }
                s.epoch = current
                s.version = version
            }
            epoch = current
        }
        if let kept = state.withLock({ s in s.epoch == epoch ? s.kept[token] : nil }) {
            if let e = kept.expires, e <= now { return nil }
            return kept
        }
        guard let holder = try tokens.holder(of: token, now: now) else { return nil }
        state.withLock { s in
            // Kept only if no newer epoch was seen meanwhile (the answer may predate it).
            guard s.epoch == epoch else { return }
            if s.kept.count >= Self.capacity { s.kept.removeAll(keepingCapacity: true) }
            s.kept[token] = holder
        }
        return holder
    }
}
