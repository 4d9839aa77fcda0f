import Foundation
import LedgerCore
import LedgerStore

extension Ledger {
    /// The seq from which every statement must name this ledger (`log`), or nil for a ledger that has not
    /// adopted interchange format v2 yet.
    public func logRequiredFrom() throws -> Int? {
        try database.meta("log_required_from").flatMap { Int($0) }
    }

    /// Adopts interchange format v2 on a ledger created before it: one `ledger.upgraded` entry, signed by the
    /// facility key, from whose seq on every statement must name the ledger. Entries before it keep
    /// verifying as they are. Returns the entry's seq, or nil when the ledger requires it already.
    @discardableResult
    public func adoptStatementsNameTheirLedger(facilityKey: SignerKey, time: Timestamp = .now()) throws -> Int? {
        if try logRequiredFrom() != nil { return nil }
        let seq = try database.size()
        let appended = try record(type: CoreStatementType.ledgerUpgraded,
                                  body: LedgerUpgraded(logRequiredFrom: seq).body,
                                  key: facilityKey, facilityKey: facilityKey, time: time)
        return appended.entry.seq
    }

    /// What `repair` changed.
    public struct RepairReport: Sendable {
        /// Rows that differed, per table (before the repair).
        public let changedRows: [String: Int]
        public let entries: Int
    }

    /// Rebuilds every table kept beside the entries from the signed entries and seals them: for a file whose
    /// entries verify (every signature, the chain, every entry covered) but whose tables were damaged or
    /// changed. Refuses (exit 1) when the entries themselves fail verification: then only a backup helps.
    public func repair(facilityKey: SignerKey) throws -> RepairReport {
        let report = try verify(checkSignatures: true)
        let entryFailures = report.failures.filter { $0.code != .derivedMismatch }
        if let first = entryFailures.first {
            throw LedgerError(.ledgerTampered, "the entries themselves fail verification (\(first)); rebuilding the tables cannot help: restore the file from a backup (docs/RELIABILITY.md)")
        }
        if let f = try self.facilityKey(atTreeSize: report.entries, origin: try origin()), f.keyID != facilityKey.keyID {
            throw LedgerError(.signatureInvalid, "the facility key given is not the one this ledger's entries name (\(f.keyID.short))")
        }
        var changed: [String: Int] = [:]
        for f in report.failures where f.code == .derivedMismatch {
            let table = f.message.split(separator: ",").first.map { String($0.dropFirst("table ".count)) } ?? "?"
            changed[table, default: 0] += 1
        }
        try database.rebuildDerivedTables(projections: projections)
        database.trust(version: try database.writerDataVersion())
        try seal(facilityKey: facilityKey)
        return RepairReport(changedRows: changed, entries: report.entries)
    }
}
