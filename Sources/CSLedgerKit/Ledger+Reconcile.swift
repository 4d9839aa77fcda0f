import Dispensing
import Foundation
import LedgerAccess
import LedgerCore
import LedgerStore
import Reconciliation

extension Ledger {
    /// Runs every reconciliation rule (docs/RECONCILIATION.md) as of `asOf` (event time; default now).
    /// With `verify`, the ledger is verified first and each failure becomes a rule 11 finding.
    public func reconcile(asOf: Timestamp? = nil, config: ReconciliationConfig = ReconciliationConfig(),
                          verify: Bool = true, externalCheckpoints: [String] = [],
                          counterparts: [TransferCounterpart] = [], now: Timestamp = .now()) throws -> ReconciliationReport {
        let report = verify ? try self.verify(externalCheckpoints: externalCheckpoints) : nil
        // The rules read the tables kept beside the entries: only once they are known to be what the entries give.
        // (A ledger that fails verification gets its rule 11 findings only when asked to verify.)
        if report?.isClean ?? true { try requireIntegrity() }
        let ownDEA = counterparts.isEmpty ? nil : try database.entry(0).statement.body[LedgerCreated.Member.deaNumber]?.stringValue
        return try Reconciler(config: config, counterparts: counterparts, ownDEA: ownDEA).run(database, asOf: asOf, verification: report, now: now)
    }

    /// `reconcile` with the default configuration from `state`, the reconciliation kept as entries are appended
    /// (the daemon's): only the entries appended since its last answer are read. The same report as `reconcile`
    /// (`reconcile --full`), which a test checks after random appends.
    package func reconcile(asOf: Timestamp? = nil, verify: Bool = true, state: ReconciliationState,
                          now: Timestamp = .now()) throws -> ReconciliationReport {
        let report = verify ? try self.verify() : nil
        if report?.isClean ?? true { try requireIntegrity() }
        return try state.run(database, asOf: asOf, verification: report, now: now)
    }

    /// Resolves an open finding with a signed `finding.resolved` entry by a compliance officer, with the
    /// checks every target makes (`LedgerTarget.resolve`, their one home).
    ///
    /// The entry records the finding's evidence fingerprint, so the finding reopens when its evidence changes.
    /// `lossReportSeq` names the `loss.reported` entry filed for it, if any.
    @discardableResult
    public func resolve(findingID: String, reason: String, lossReportSeq: Int? = nil, key: SignerKey, facilityKey: SignerKey,
                        configFile: String? = nil, time: Timestamp = .now()) throws -> AppendReceipt {
        try LocalLedgerTarget(ledger: self) { facilityKey }
            .resolve(findingID: findingID, reason: reason, lossReportSeq: lossReportSeq, key: key, configFile: configFile, time: time)
    }
}
