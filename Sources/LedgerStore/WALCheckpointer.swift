import Foundation
import GRDB
import GRDBSQLite
import LedgerCore
import Synchronization

/// Copies committed WAL frames into the main ledger file on a thread of its own, so that the daemon's
/// one writer does not do it inside a commit.
///
/// SQLite's automatic checkpoint runs in the committing connection: every 1,000 pages of WAL, one
/// group commit also copied those pages into the main file and fsynced it, and every request of that
/// group waited for it. While this runs, the writer's automatic checkpoint is moved up to
/// `writerThreshold` pages and a second connection (`synchronous = FULL`, as the writer) checkpoints
/// `PASSIVE`ly every `interval`: it never blocks the writer or the readers, and is skipped when nothing
/// new was committed. A passive checkpoint cannot end a WAL that is written to while it runs, so the
/// writer still checkpoints once the WAL reaches `writerThreshold` pages, by then only the last few
/// frames, which lets the next transaction start the WAL file from its beginning again.
///
/// Durability is unchanged: an entry is durable when its commit's WAL frames are fsynced, by the writer,
/// before it is acknowledged; a checkpoint only moves durable pages and fsyncs the main file before
/// SQLite lets the WAL be reused.
package final class WALCheckpointer: Sendable {
    /// Pages the WAL may hold before the writer checkpoints itself (64 MiB at 4 KiB pages).
    package static let defaultWriterThreshold = 16_384
    /// SQLite's own default, restored on `stop`.
    static let sqliteDefaultThreshold = 1_000

    private struct State {
        var stopping = false
        var started = false
        var ended = false
        /// Frames in the WAL and frames copied to the main file, after the last pass.
        var framesInWAL: Int32 = 0
        var framesCopied: Int32 = 0
        var passes = 0
    }

    private let database: LedgerDatabase
    private let interval: Duration
    private let writerThreshold: Int
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - interval: time between two passive checkpoints.
    ///   - writerThreshold: WAL pages at which the writer's own automatic checkpoint runs.
    package init(database: LedgerDatabase, interval: Duration = .milliseconds(25), writerThreshold: Int = WALCheckpointer.defaultWriterThreshold) {
        self.database = database
        self.interval = interval
        self.writerThreshold = writerThreshold
    }

    /// Raises the writer's automatic checkpoint threshold and starts the checkpointing thread.
    package func start() throws {
        let first = state.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        guard first else { return }
        let connection = try openConnection()
        try database.setWriterAutoCheckpoint(pages: writerThreshold)
        let handle = ConnectionHandle(connection)
        let thread = Thread { [self] in
            Thread.current.name = "ledger-wal-ckpt"  // in ps, top and perf (Linux keeps at most 15 characters)
            loop(handle.connection)
            sqlite3_close_v2(handle.connection)
            state.withLock { $0.ended = true }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Ends the thread after one last pass and gives the writer SQLite's default threshold back.
    package func stop() {
        let running = state.withLock { s -> Bool in
            guard s.started, !s.stopping else { return false }
            s.stopping = true
            return true
        }
        guard running else { return }
        wake.signal()
        done.wait()
        try? database.setWriterAutoCheckpoint(pages: Self.sqliteDefaultThreshold)
    }

    /// Frames in the WAL and frames already copied into the main file, as the last pass found them,
    /// and how many passes ran (for tests and diagnostics).
    package var progress: (framesInWAL: Int, framesCopied: Int, passes: Int) {
        state.withLock { (Int($0.framesInWAL), Int($0.framesCopied), $0.passes) }
    }

    private func loop(_ connection: OpaquePointer) {
        let nanoseconds = max(1_000_000, Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000))
        while true {
            let stopping = state.withLock { $0.stopping }
            checkpoint(connection)
            if stopping { return }
            _ = wake.wait(timeout: .now() + .nanoseconds(nanoseconds))
        }
    }

    /// One passive checkpoint; a failure (busy: another checkpoint runs; I/O) leaves it to the next pass
    /// or to the writer's own checkpoint, and never touches what was committed.
    private func checkpoint(_ connection: OpaquePointer) {
        var log: Int32 = 0, copied: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &copied)
        state.withLock { s in
            s.passes += 1
            if rc == SQLITE_OK { (s.framesInWAL, s.framesCopied) = (log, copied) }
        }
    }

    private func openConnection() throws -> OpaquePointer {
        var connection: OpaquePointer?
        let rc = sqlite3_open_v2(database.path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let connection else {
            if let connection { sqlite3_close_v2(connection) }
            throw LedgerError(.storage, "the ledger file \(database.path) could not be opened for checkpoints (SQLite \(rc))")
        }
        // Checkpoints fsync the WAL before copying and the main file before the WAL may be reused.
        guard sqlite3_exec(connection, "PRAGMA synchronous = FULL", nil, nil, nil) == SQLITE_OK else {
            sqlite3_close_v2(connection)
            throw LedgerError(.storage, "the ledger file \(database.path) could not be set up for checkpoints")
        }
        return connection
    }
}

/// The checkpoint connection, handed to its thread (used by that thread alone).
private struct ConnectionHandle: @unchecked Sendable {
    let connection: OpaquePointer
    init(_ connection: OpaquePointer) { self.connection = connection }
}

extension LedgerDatabase {
    /// Sets the writer connection's automatic checkpoint threshold (`PRAGMA wal_autocheckpoint`), in WAL pages.
    func setWriterAutoCheckpoint(pages: Int) throws {
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(max(0, pages))") }
        } catch { throw LedgerError.storage(error, path: path) }
    }
}
