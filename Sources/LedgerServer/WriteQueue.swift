import CSLedgerKit
import Dispatch
import LedgerCore
import LedgerStore
import ServiceLifecycle
import Synchronization

/// The daemon's one writer. Requests that arrive while a transaction is being
/// written wait together and go into the next one (group commit): one fsync and
/// one checkpoint for all of them, each statement still checked on its own.
/// A request is answered only after its transaction is durable.
public final class WriteQueue: Service, Sendable {
    typealias Outcome = Result<LedgerDatabase.Appended, LedgerError>
    private struct Pending {
        let statement: CheckedStatement
        let reply: CheckedContinuation<Outcome, Never>
    }

    private let ledger: Ledger
    private let signer: CheckpointSigner
    private let pending = Mutex<[Pending]>([])
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let accepting = Atomic<Bool>(true)

    public init(ledger: Ledger, checkpointSigner: CheckpointSigner) {
        self.ledger = ledger
        self.signer = checkpointSigner
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Appends one statement with the next group; returns its entry or why it was refused.
    public func submit(_ statement: SignedStatement) async -> Result<LedgerDatabase.Appended, LedgerError> {
        await submit(CheckedStatement(unchecked: statement))
    }

    /// Appends one statement whose signatures the caller verified; the writer only confirms the keys.
    public func submit(_ statement: CheckedStatement) async -> Result<LedgerDatabase.Appended, LedgerError> {
        await withCheckedContinuation { (reply: CheckedContinuation<Outcome, Never>) in
            guard accepting.load(ordering: .acquiring) else {
                reply.resume(returning: .failure(LedgerError(.storage, "the server is shutting down; try again")))
                return
            }
            pending.withLock { $0.append(Pending(statement: statement, reply: reply)) }
            wake.yield()
        }
    }

    /// Writes groups until graceful shutdown, then finishes what is queued.
    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakeups {
                await drain()
            }
            await drain()
        } onGracefulShutdown: {
            self.wake.finish()
        }
        accepting.store(false, ordering: .releasing)
        await drain()
    }

    private func drain() async {
        while true {
            let group: [Pending] = pending.withLock { queue in
                let n = min(queue.count, APIConfiguration.maxGroup)
                let head = Array(queue.prefix(n))
                queue.removeFirst(n)
                return head
            }
            if group.isEmpty { return }
            let outcomes = await write(group.map(\.statement))
            for (p, o) in zip(group, outcomes) { p.reply.resume(returning: o) }
        }
    }

    /// Runs the blocking SQLite transaction off the cooperative thread pool.
    private func write(_ statements: [CheckedStatement]) async -> [Outcome] {
        let ledger = self.ledger, signer = self.signer
        return await withCheckedContinuation { (done: CheckedContinuation<[Outcome], Never>) in
            DispatchQueue.global(qos: .userInitiated).async {
                do {
                    done.resume(returning: try ledger.database.appendEach(checked: statements, checkpointSigner: signer, projections: ledger.projections))
                } catch let e as LedgerError {
                    done.resume(returning: statements.map { _ in .failure(e) })
                } catch {
                    done.resume(returning: statements.map { _ in .failure(LedgerError(.storage, "the ledger could not be written")) })
                }
            }
        }
    }
}
