import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore
import LedgerStore
import Reconciliation

extension RemoteLedger {
    /// Resolves an open finding on the server as `Ledger.resolve` does on a file: the same checks,
    /// then a `finding.resolved` statement signed here by the compliance officer's key.
    @discardableResult
    public func resolve(findingID: String, reason: String, lossReportSeq: Int? = nil, key: SignerKey,
                        time: Timestamp = .now()) throws -> AppendReceipt {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 1000 else {
            throw LedgerError(.invalidArgument, "give the reason for resolving the finding (1 to 1000 characters)")
        }
        guard let role = try signerRole(key.keyID) else {
            throw LedgerError(.signerNotEnrolled, "key \(key.keyID.short) is not an enrolled, unrevoked signer of this ledger")
        }
        guard role == .compliance else {
            throw LedgerError(.roleNotAllowed, "only a compliance officer may resolve a finding (this key is a \(role.rawValue))")
        }
        if let l = lossReportSeq {
            let entry = try entries(from: l, limit: 1).first.flatMap { try? JSONParser.parse($0) }
            guard entry?["seq"]?.integerValue == l, entry?["statement"]?["type"]?.stringValue == DispensingType.lossReported else {
                throw LedgerError(.invalidArgument, "--loss-report \(l) must be the seq of a loss.reported entry")
            }
        }
        let report = try reconciliation(asOf: time.description, all: true, verify: findingID.hasPrefix("F11-"), text: false)
        let findings = (try? JSONParser.parse(report.body))?["findings"]?.arrayValue ?? []
        guard let finding = findings.first(where: { $0["id"]?.stringValue == findingID }),
              let evidence = finding["evidence"]?.stringValue else {
            throw LedgerError(.notFound, "no finding \(findingID.prefix(40)) as of \(time); run csledger reconcile --all to see the ids")
        }
        guard finding["status"]?.stringValue != "resolved" else {
            let seq = finding["resolution"]?["seq"]?.integerValue ?? 0
            throw LedgerError(.invalidArgument, "finding \(findingID) is already resolved (seq \(seq)) and its evidence has not changed")
        }
        var body: [String: JSONValue] = ["finding_id": .string(findingID), "reason": .string(trimmed), "evidence": .string(evidence)]
        if let l = lossReportSeq { body["loss_report_seq"] = .number(Double(l)) }
        let statement = try Statement(type: ReconciliationType.findingResolved, time: time, actor: key.keyID, log: try origin(), body: body)
        return try append(try SignedStatement(statement: statement, actorKey: key))
    }
}
