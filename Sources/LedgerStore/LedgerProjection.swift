import GRDB
import LedgerCore

/// A table kept for speed beside the entries (inventory, signers ...).
///
/// `apply` runs inside the append transaction, after the entry is inserted:
/// it may read the current state, refuse the entry by throwing (then nothing
/// is written), and write its own rows. Verification never trusts these
/// tables; they can always be rebuilt from the entries.
package protocol LedgerProjection: Sendable {
    /// Checks `entry` against the state so far and records its effect.
    func apply(_ entry: Entry, in db: Database) throws
}
