import Foundation
import GRDB
import LedgerCore

extension LedgerDatabase {
    /// Refuses `path` unless it is a regular file holding a csledger ledger, before anything opens it for
    /// writing: opening for writing turns on WAL and migrates, which would change a file of another program
    /// (issue 18: `migrate`, `count` and csledgerd wrote csledger's tables into an SQLite file of another
    /// program, and into an empty file). A FIFO or a device is refused instead of blocking on it.
    ///
    /// The check reads the file read-only: it never changes it. A file SQLite cannot read at all is left to
    /// the open that follows, which reports it as damaged (a ledger whose first page was overwritten).
    static func requireLedgerFile(path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw LedgerError(.ledgerMissing, "no ledger at \(path); create one with `csledger init` or pass --ledger")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            let what = switch st.st_mode & S_IFMT {
            case S_IFDIR: "a folder"
            case S_IFIFO: "a FIFO"
            case S_IFCHR, S_IFBLK: "a device"
            case S_IFSOCK: "a socket"
            default: "not a regular file"
            }
            throw LedgerError(.ledgerCorrupt, "\(path) is not a regular file (\(what)); a ledger is an SQLite file, and nothing was read or written")
        }
        // SQLite takes an empty file for an empty database; a ledger always has its first page on disk
        // (turning WAL on writes it), unless its content still sits in the write-ahead log.
        if st.st_size == 0 {
            var wal = stat()
            if stat(path + "-wal", &wal) != 0 || wal.st_size == 0 { throw notALedger(path, "the file is empty") }
        }
        var config = Configuration()
        config.readonly = true
        config.label = "csledger-probe"
        // As every connection to the ledger: wait out a writer, or the recovery of a log left by a killed process.
        config.busyMode = .timeout(30)
        let isLedger: Bool
        do {
            let probe = try DatabaseQueue(path: path, configuration: config)
            isLedger = try probe.read { db in
                guard try db.tableExists("ledger_meta") else { return false }
                return try String.fetchOne(db, sql: "SELECT value FROM ledger_meta WHERE key = 'origin'") != nil
            }
            try probe.close()
        } catch let e as DatabaseError where e.resultCode == .SQLITE_NOTADB || e.resultCode == .SQLITE_CORRUPT {
            return  // damaged or not SQLite: the open reports it as it always did
        } catch {
            throw LedgerError.storage(error, path: path)
        }
        guard isLedger else { throw notALedger(path, "an SQLite file without csledger's tables or genesis entry") }
    }

    static func notALedger(_ path: String, _ why: String) -> LedgerError {
        LedgerError(.ledgerCorrupt, "\(path) is not a csledger ledger (\(why)); it was left as it was")
    }
}
