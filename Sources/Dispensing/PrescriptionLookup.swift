import GRDB
import LedgerCore
import LedgerStore

/// Questions about recorded prescriptions that a recording command asks before it signs (the table is the
/// dispensing projection's; its SQL stays in this module).
package enum PrescriptionLookup {
    /// The patient reference prescription `rx` names; nil when it is not recorded.
    package static func patient(_ database: LedgerDatabase, rx: String) throws -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT patient_ref FROM prescriptions WHERE rx_number = ?", arguments: [rx])
        }
    }

    /// The seq of the entry that recorded prescription `rx`; nil when it is not recorded.
    package static func seq(_ database: LedgerDatabase, rx: String) throws -> Int? {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT seq FROM prescriptions WHERE rx_number = ?", arguments: [rx]) }
    }
}
