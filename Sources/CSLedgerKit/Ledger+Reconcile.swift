import Dispensing
import Foundation
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
        let ownDEA = counterparts.isEmpty ? nil : try database.entry(0).statement.body["dea_number"]?.stringValue
        return try Reconciler(config: config, counterparts: counterparts, ownDEA: ownDEA).run(database, asOf: asOf, verification: report, now: now)
    }

    /// Resolves an open finding with a signed `finding.resolved` entry by a compliance officer.
    ///
    /// The entry records the finding's evidence fingerprint, so the finding reopens when its evidence changes.
    /// `lossReportSeq` names the `loss.reported` entry filed for it, if any.
    @discardableResult
    public func resolve(findingID: String, reason: String, lossReportSeq: Int? = nil, key: SignerKey, facilityKey: SignerKey,
                        config: ReconciliationConfig = ReconciliationConfig(), time: Timestamp = .now()) throws -> LedgerDatabase.Appended {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 1000 else {
            throw LedgerError(.invalidArgument, "give the reason for resolving the finding (1 to 1000 characters)")
        }
        guard let signer = try database.signers().first(where: { $0.keyID == key.keyID }), signer.revokedSeq == nil else {
            throw LedgerError(.signerNotEnrolled, "key \(key.keyID.short) is not an enrolled, unrevoked signer of this ledger")
        }
        guard signer.role == .compliance else {
            throw LedgerError(.roleNotAllowed, "only a compliance officer may resolve a finding (this key is a \(signer.role.rawValue))")
        }
        if let l = lossReportSeq {
            let type = try database.read { db in try String.fetchOne(db, sql: "SELECT type FROM entries WHERE seq = ?", arguments: [l]) }
            guard type == DispensingType.lossReported else {
                throw LedgerError(.invalidArgument, "--loss-report \(l) must be the seq of a loss.reported entry")
            }
        }
        // Integrity findings need the verification; the others do not.
        var report = try reconcile(asOf: time, config: config, verify: false, now: time)
        if report.finding(findingID) == nil, findingID.hasPrefix("F11-") {
            report = try reconcile(asOf: time, config: config, verify: true, now: time)
        }
        guard let finding = report.finding(findingID) else {
            throw LedgerError(.notFound, "no finding \(findingID.prefix(40)) as of \(time); run csledger reconcile --all to see the ids")
        }
        guard finding.isOpen else {
            throw LedgerError(.invalidArgument, "finding \(findingID) is already resolved (seq \(finding.resolution?.seq ?? 0)) and its evidence has not changed")
        }
        var body: [String: JSONValue] = ["finding_id": .string(finding.id), "reason": .string(trimmed), "evidence": .string(finding.evidence)]
        if let l = lossReportSeq { body["loss_report_seq"] = .number(Double(l)) }
        return try record(type: ReconciliationType.findingResolved, body: body, key: key, facilityKey: facilityKey, time: time)
    }
}
