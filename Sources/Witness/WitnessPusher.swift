import CSLedgerKit
import Foundation
import LedgerCore
import LedgerStore
import Logging
import ServiceLifecycle
import Synchronization

/// csledgerd's background service that gets each new checkpoint cosigned by the configured witnesses.
///
/// Every `interval` it looks at the latest checkpoint and, for each witness whose last kept cosignature is
/// older, sends it (`WitnessPush`). Appends never wait for it: it only reads the ledger and keeps the lines
/// it gets. A witness that fails is retried with backoff (the interval doubled per failure in a row, at most
/// 5 minutes); `status()` says for each witness what it last cosigned and its last error (`/v1/health`).
package final class WitnessPusher: Service, Sendable {
    package let endpoints: [WitnessEndpoint]
    let ledger: Ledger
    let interval: Duration
    let logger: Logger
    let client: WitnessClient
    let state: Mutex<[String: Status]>

    /// What is known about one witness.
    package struct Status: Sendable {
        package var cosignedSize: Int?
        package var cosignedAt: String?
        package var lastError: String?
        package var lastErrorAt: String?
        package var failures = 0
        package var nextAttempt = ContinuousClock.now
    }

    package init(ledger: Ledger, endpoints: [WitnessEndpoint], interval: Duration, logger: Logger) {
        self.ledger = ledger
        self.endpoints = endpoints
        self.interval = interval
        self.logger = logger
        self.client = WitnessClient()
        var initial: [String: Status] = [:]
        for e in endpoints {
            var s = Status()
            if let size = try? ledger.database.lastCosignedSize(witness: e.witness.name, keyID: e.witness.keyID), size > 0 { s.cosignedSize = size }
            initial[e.url + " " + e.witness.name] = s
        }
        state = Mutex(initial)
    }

    static func key(_ e: WitnessEndpoint) -> String { e.url + " " + e.witness.name }

    package func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await round()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        await client.shutdown()
    }

    /// One pass: every witness that is due and behind the latest checkpoint, concurrently.
    func round() async {
        guard let latest = try? ledger.database.latestCheckpoint() else { return }
        let now = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for e in endpoints {
                let s = state.withLock { $0[Self.key(e)] ?? Status() }
                guard s.nextAttempt <= now, (s.cosignedSize ?? 0) < latest.treeSize else { continue }
                group.addTask { await self.push(e) }
            }
        }
    }

    func push(_ e: WitnessEndpoint) async {
        do {
            let result = try await WitnessPush.push(ledger: ledger, to: e, client: client)
            state.withLock {
                var s = $0[Self.key(e)] ?? Status()
                s.cosignedSize = result?.treeSize ?? s.cosignedSize
                s.cosignedAt = Timestamp.now().description
                s.failures = 0
                s.nextAttempt = .now
                $0[Self.key(e)] = s
            }
            logger.debug("witness cosigned", metadata: ["witness": "\(e.witness.name)", "size": "\(result?.treeSize ?? 0)"])
        } catch {
            let message = (error as? LedgerError)?.message ?? "\(error)"
            let wait: Duration = state.withLock {
                var s = $0[Self.key(e)] ?? Status()
                s.failures += 1
                s.lastError = message
                s.lastErrorAt = Timestamp.now().description
                let factor = 1 << min(s.failures - 1, 10)
                let wait = min(interval * factor, .seconds(300))
                s.nextAttempt = .now + wait
                $0[Self.key(e)] = s
                return wait
            }
            logger.warning("witness failed", metadata: ["witness": "\(e.witness.name)", "url": "\(e.url)", "error": "\(message)", "retry_in": "\(wait)"])
        }
    }

    /// For `/v1/health`: one object per witness.
    package func status() -> [JSONValue] {
        let snapshot = state.withLock { $0 }
        return endpoints.map { e in
            let s = snapshot[Self.key(e)] ?? Status()
            var o: [String: JSONValue] = ["name": .string(e.witness.name), "url": .string(e.url)]
            o["cosigned_size"] = s.cosignedSize.map { .number(Double($0)) } ?? .null
            o["cosigned_at"] = s.cosignedAt.map { .string($0) } ?? .null
            o["last_error"] = s.lastError.map { .string($0) } ?? .null
            o["last_error_at"] = s.lastErrorAt.map { .string($0) } ?? .null
            o["failures_in_a_row"] = .number(Double(s.failures))
            return .object(o)
        }
    }
}
