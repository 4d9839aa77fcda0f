import Dispensing
import LedgerCore

/// Who may record a statement of a type the ledger does not know: only an admin. The ledger checks a type
/// it knows (the core types, the dispensing records, `finding.resolved`) against that type's own rules when
/// it is appended; a type it does not know carries no rules, so only an admin may record it (tooling, tests).
///
/// `csledger append` and csledgerd's `POST /v1/statements` both apply it, so the command line and the daemon
/// answer the same statement the same way (issue 18: the daemon recorded `note.recorded` from a pharmacist).
package enum RawStatementRule {
    /// True for a type the ledger checks and projects.
    package static func isKnown(_ type: String) -> Bool {
        CoreStatementType.all.contains(type) || DispensingType.isKnown(type)
    }

    /// Throws `roleNotAllowed` when a signer of `role` may not record a statement of `type` as it is.
    package static func check(type: String, role: Role) throws {
        guard role != .admin, !isKnown(type) else { return }
        throw LedgerError(.roleNotAllowed, "only an enrolled admin may record a statement of a type the ledger does not know (\(type.prefix(60))); this key is a \(role.rawValue)")
    }
}
