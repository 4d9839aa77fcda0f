import CSLedgerKit
import Foundation
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
///
/// For a ledger in PostgreSQL the tokens are shared by every daemon serving it (`LedgerDatabase.pullTokens`): a
/// token this daemon does not know is looked for there before it is refused (`holder(of:)`, async), and what was
/// issued or revoked through any process is pulled every `pullInterval` by a thread of its own, whose commit to the
/// mirror moves the epoch above. So a revoked token stops working here within `pullInterval` and one pull of the
/// revocation reaching PostgreSQL. A daemon that has not reached PostgreSQL for `staleAfter` cannot tell whether its
/// tokens were revoked: it asks PostgreSQL at each request, and answers 503 (server-unavailable) until it can.
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

    /// How often a daemon of a ledger in PostgreSQL pulls the token changes made through other processes.
    static let pullInterval: Duration = .seconds(1)
    /// How long since its last pull a daemon still answers from the tokens it has.
    static let staleAfter: Duration = .seconds(10)

    /// Pulls of token changes (a ledger in PostgreSQL): one at a time, on this queue, never on the event loops.
    private let pullQueue = DispatchQueue(label: "csledgerd.token-pull")
    private struct Pulls {
        /// When the last pull that succeeded began.
        var lastStarted: ContinuousClock.Instant?
        /// When the last pull began, and how it failed (nil: it did not).
        var lastTried: (started: ContinuousClock.Instant, error: (any Error)?)?
        var stopped = false
    }
    private let pulls = Mutex(Pulls())
    /// The mirror whose tokens are shared (nil for a ledger file).
    private let shared: LedgerDatabase?
    /// Takes into the mirror the entries other processes appended (a pulled token's signer enrolled meanwhile).
    private let catchUp: (@Sendable () throws -> Void)?

    init(tokens: APITokens, watch: DataVersionWatch, database: LedgerDatabase? = nil, catchUp: (@Sendable () throws -> Void)? = nil) {
        self.tokens = tokens
        self.watch = watch
        self.catchUp = catchUp
        shared = database.flatMap { $0.sharesTokens ? $0 : nil }
        if shared != nil { startPulling() }
    }

    deinit { pulls.withLock { $0.stopped = true } }

    /// The signer `token` stands for, or nil if it is unknown, revoked, expired, or its signer was revoked. For a ledger
    /// in PostgreSQL, a token not found here is looked for there first (tokens issued through another process).
    func holder(of token: String) async throws -> APITokens.Holder? {
        guard shared != nil else { return try holder(of: token, now: .now()) }
        let asked = ContinuousClock.now
        if isFresh(asked), let holder = try holder(of: token, now: .now()) { return holder }
        guard token.hasPrefix("csl_"), token.utf8.count < 100 else { return nil }
        try await pull(after: asked)
        return try holder(of: token, now: .now())
    }

    /// The signer the token stored as `hash` stands for (a dashboard session's), read from the mirror each time (not
    /// kept), or nil; for a ledger in PostgreSQL, looked for there too before nil, as `holder(of:)` does.
    func holder(hash: String) async throws -> APITokens.Holder? {
        guard shared != nil else { return try tokens.holder(hash: hash) }
        let asked = ContinuousClock.now
        if isFresh(asked), let holder = try tokens.holder(hash: hash) { return holder }
        try await pull(after: asked)
        return try tokens.holder(hash: hash)
    }

    /// Whether the last pull began less than `staleAfter` before `now`.
    private func isFresh(_ now: ContinuousClock.Instant) -> Bool {
        pulls.withLock { $0.lastStarted.map { now - $0 < Self.staleAfter } ?? false }
    }

    /// Waits for a pull begun after `instant` (one that began meanwhile for another request is enough).
    private func pull(after instant: ContinuousClock.Instant) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pullQueue.async { continuation.resume(with: Result { try self.pullOnQueue(after: instant) }) }
        }
    }

    /// A pull, unless one began after `instant` (requests waiting together share one pull, and its failure: with
    /// PostgreSQL out of reach they do not wait for one connection attempt each).
    private func pullOnQueue(after instant: ContinuousClock.Instant) throws {
        guard let shared else { return }
        if let last = pulls.withLock({ $0.lastTried }), last.started > instant {
            if let error = last.error { throw error }
            return
        }
        let started = ContinuousClock.now
        do {
            try shared.pullTokens(catchUp: catchUp)
        } catch {
            pulls.withLock { $0.lastTried = (started, error) }
            throw error
        }
        pulls.withLock { p in
            p.lastStarted = started
            p.lastTried = (started, nil)
        }
    }

    /// The thread that pulls every `pullInterval` (ending once this cache is gone).
    private func startPulling() {
        pullQueue.async { [weak self] in _ = try? self?.pullOnQueue(after: .now) }
        let thread = Thread { [weak self] in
            while true {
                Thread.sleep(forTimeInterval: Double(Self.pullInterval.components.seconds) + Double(Self.pullInterval.components.attoseconds) / 1e18)
                guard let cache = self, !cache.pulls.withLock({ $0.stopped }) else { return }
                cache.pullQueue.sync { _ = try? cache.pullOnQueue(after: .now) }
            }
        }
        thread.name = "csledgerd.token-pull"
        thread.start()
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
