import CSLedgerKit
import Foundation
import LedgerCore
import LedgerStore
import ServiceLifecycle
import Synchronization

/// The daemon's one writer. Requests that arrive while a transaction is being
/// written wait together and go into the next one (group commit): one fsync and
/// one checkpoint for all of them, each statement still checked on its own.
/// A request is answered only after its transaction is durable.
///
/// The writer is a thread of its own, not a task: SQLite blocks it for the whole
/// transaction and its fsync, which must not hold up a thread of the cooperative
/// pool, and a thread that sleeps on a semaphore costs one wake-up per group instead
/// of a task hop and a dispatch hop per group.
package final class WriteQueue: Service, Sendable {
    typealias Outcome = Result<LedgerDatabase.Appended, LedgerError>
    private struct Pending {
        let statement: CheckedStatement
        let reply: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var pending: [Pending] = []
        /// False once shutdown began: new statements are refused, queued ones are still written.
        var accepting = true
        /// The writer sleeps on `wake`; whoever makes it runnable again signals once.
        var writerAsleep = false
        /// Told when the writer thread has written everything and ended.
        var stopped: CheckedContinuation<Void, Never>?
        var writerEnded = false
        var writerStarted = false
    }

    private let ledger: Ledger
    private let signer: CheckpointSigner
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Copies the WAL into the main file beside the writer, not inside its commits.
    private let checkpointer: WALCheckpointer

    package init(ledger: Ledger, checkpointSigner: CheckpointSigner) {
        self.ledger = ledger
        self.signer = checkpointSigner
        self.checkpointer = WALCheckpointer(database: ledger.database)
    }

    /// Appends one statement with the next group; returns its entry or why it was refused.
    package func submit(_ statement: SignedStatement) async -> Result<LedgerDatabase.Appended, LedgerError> {
        await submit(CheckedStatement(unchecked: statement))
    }

    /// Appends one statement whose signatures the caller verified; the writer only confirms the keys.
    package func submit(_ statement: CheckedStatement) async -> Result<LedgerDatabase.Appended, LedgerError> {
        await withCheckedContinuation { (reply: CheckedContinuation<Outcome, Never>) in
            let (accepted, signal) = state.withLock { s -> (Bool, Bool) in
                guard s.accepting else { return (false, false) }
                s.pending.append(Pending(statement: statement, reply: reply))
                let signal = s.writerAsleep
                s.writerAsleep = false
                return (true, signal)
            }
            guard accepted else {
                reply.resume(returning: .failure(LedgerError(.storage, "the server is shutting down; try again")))
                return
            }
            if signal { wake.signal() }
        }
    }

    /// Writes groups until graceful shutdown, then finishes what is queued.
    package func run() async throws {
        try checkpointer.start()
        defer { checkpointer.stop() }
        startWriter()
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (stopped: CheckedContinuation<Void, Never>) in
                    let ended = state.withLock { s -> Bool in
                        if s.writerEnded { return true }
                        s.stopped = stopped
                        return false
                    }
                    if ended { stopped.resume() }
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
        // Every queued write is written: seal the tables as they stand, so that readers after the daemon
        // (the command line, the next start) need not rebuild them. Not over a file changed behind our back.
        do { try ledger.sealIfSound(facilityKey: signer.key) } catch {
            FileHandle.standardError.write(Data("csledgerd: the tables were not sealed on shutdown: \(error)\n".utf8))
        }
    }

    /// Refuses new statements and lets the writer end once the queue is empty.
    private func stop() {
        let signal = state.withLock { s -> Bool in
            s.accepting = false
            let signal = s.writerAsleep
            s.writerAsleep = false
            return signal
        }
        if signal { wake.signal() }
    }

    private func startWriter() {
        let first = state.withLock { s -> Bool in
            defer { s.writerStarted = true }
            return !s.writerStarted
        }
        guard first else { return }
        let thread = Thread { [self] in
            Thread.current.name = "ledger-writer"  // in ps, top and perf
            writerLoop()
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    private func writerLoop() {
        while true {
            let group: [Pending]? = state.withLock { s in
                if s.pending.isEmpty {
                    if !s.accepting { return nil }
                    s.writerAsleep = true
                    return []
                }
                if s.pending.count <= APIConfiguration.maxGroup {
                    defer { s.pending = [] }
                    return s.pending
                }
                let head = Array(s.pending.prefix(APIConfiguration.maxGroup))
                s.pending.removeFirst(APIConfiguration.maxGroup)
                return head
            }
            guard let group else { break }
            if group.isEmpty {
                wake.wait()
                continue
            }
            let outcomes = write(group.map(\.statement))
            for (p, o) in zip(group, outcomes) { p.reply.resume(returning: o) }
        }
        let stopped = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.writerEnded = true
            defer { s.stopped = nil }
            return s.stopped
        }
        stopped?.resume()
    }

    /// One transaction for the group; a storage failure fails every statement in it.
    private func write(_ statements: [CheckedStatement]) -> [Outcome] {
        do {
            // Nothing is signed over a file someone else changed since it was last found sound: the store
            // refuses the group then (the data version it reads anyway), and the file is checked again first.
            return try ledger.appendRetryingWhileChanged(facilityKey: signer.key) {
                try ledger.database.appendEach(checked: statements, checkpointSigner: signer, projections: ledger.projections)
            }
        } catch let e as LedgerError {
            return statements.map { _ in .failure(e) }
        } catch {
            return statements.map { _ in .failure(LedgerError(.storage, "the ledger could not be written")) }
        }
    }
}
