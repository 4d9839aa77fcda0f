import GRDB
import LedgerCore

extension LedgerError {
    /// Translates a SQLite or GRDB error into a sentence a person can act on.
    /// Never includes bound values (they may hold patient data).
    static func storage(_ error: any Error, path: String) -> LedgerError {
        if let e = error as? LedgerError { return e }
        guard let db = error as? DatabaseError else {
            return LedgerError(.storage, "the ledger file \(path) could not be used: \(type(of: error))")
        }
        switch db.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return LedgerError(.ledgerCorrupt, "the ledger file \(path) is damaged (SQLite reports it is not a valid database); restore it from a backup and run verify")
        case .SQLITE_READONLY:
            return LedgerError(.ledgerReadOnly, "the ledger file \(path) is read-only; nothing was written")
        case .SQLITE_FULL:
            return LedgerError(.diskFull, "the disk holding \(path) is full; nothing was written")
        case .SQLITE_CANTOPEN:
            return LedgerError(.ledgerMissing, "the ledger file \(path) cannot be opened (missing folder or no permission)")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return LedgerError(.storage, "the ledger file \(path) stayed locked by another writer; nothing was written, try again")
        case .SQLITE_IOERR:
            return LedgerError(.storage, "the disk failed while using \(path) (I/O error); nothing was written")
        case .SQLITE_CONSTRAINT:
            return LedgerError(.storage, "the ledger file \(path) refused a write that breaks its rules (\(db.message ?? "constraint"))")
        default:
            return LedgerError(.storage, "the ledger file \(path) could not be used (SQLite error \(db.resultCode.rawValue))")
        }
    }
}
