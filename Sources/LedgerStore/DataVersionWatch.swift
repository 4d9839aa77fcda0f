import Foundation
import GRDBSQLite
import LedgerCore
import Synchronization

/// Tells whether anything was committed to the ledger file since the last look: SQLite's
/// `PRAGMA data_version`, on a read-only connection of its own, which changes whenever any other
/// connection (this process's writer, another process such as `csledger token revoke`) commits.
///
/// For caches of what is read from the file (the daemon's bearer tokens): an answer kept with the
/// version it was read at is still the file's answer while `version()` returns the same number.
package final class DataVersionWatch: Sendable {
    private let connection: Mutex<Connection>

    private struct Connection: @unchecked Sendable {  // used only with the mutex held
        let db: OpaquePointer
        let pragma: OpaquePointer
        let epoch: OpaquePointer
    }

    /// Opens the connection (read-only) to the ledger file at `path`.
    package init(path: String) throws {
        var db: OpaquePointer?
        var rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        var pragma: OpaquePointer?, epoch: OpaquePointer?
        if rc == SQLITE_OK, let db {
            sqlite3_busy_timeout(db, 5_000)
            rc = sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &pragma, nil)
            if rc == SQLITE_OK { rc = sqlite3_prepare_v2(db, "SELECT n FROM auth_epoch WHERE id = 1", -1, &epoch, nil) }
        }
        guard rc == SQLITE_OK, let db, let pragma, let epoch else {
            if let pragma { sqlite3_finalize(pragma) }
            if let db { sqlite3_close_v2(db) }
            throw LedgerError(.storage, "the ledger file \(path) could not be opened (SQLite \(rc))")
        }
        connection = Mutex(Connection(db: db, pragma: pragma, epoch: epoch))
    }

    deinit {
        connection.withLock { c in
            sqlite3_finalize(c.pragma)
            sqlite3_finalize(c.epoch)
            sqlite3_close_v2(c.db)
        }
    }

    /// The current data version; a different number than before means something was committed since.
    package func version() throws -> Int64 {
        try integer(\.pragma, "data version")
    }

    /// The access-control epoch (schema 6): it moves whenever a bearer token or a signer row changes, in
    /// this process or another. A token resolved at one epoch is resolved the same way while it holds.
    package func authEpoch() throws -> Int64 {
        try integer(\.epoch, "access-control epoch")
    }

    /// Steps one of the connection's one-integer statements and resets it.
    private func integer(_ statement: KeyPath<Connection, OpaquePointer>, _ what: String) throws -> Int64 {
        try connection.withLock { c in
            let s = c[keyPath: statement]
            defer { sqlite3_reset(s) }
            guard sqlite3_step(s) == SQLITE_ROW else {
                throw LedgerError(.storage, "the ledger file's \(what) could not be read")
            }
            return sqlite3_column_int64(s, 0)
        }
    }
}
