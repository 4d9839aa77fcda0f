import LedgerCore

extension LedgerTarget {
    /// Resolves an open reconciliation finding with a `finding.resolved` statement signed here by a
    /// compliance officer. The one home of resolve's checks, for a ledger file and a daemon alike:
    /// a reason, an enrolled compliance officer, a `loss.reported` entry when one is named, and a finding
    /// that exists and is open; the statement records the evidence fingerprint the officer saw, so the
    /// finding reopens when its evidence changes.
    @discardableResult
    package func resolve(findingID: String, reason: String, lossReportSeq: Int? = nil, key: SignerKey,
                        configFile: String? = nil, time: Timestamp) throws -> AppendReceipt {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 1000 else {
            throw LedgerError(.invalidArgument, "give the reason for resolving the finding (1 to 1000 characters)")
        }
        guard let signer = try signers().first(where: { $0.keyID == key.keyID }), signer.revokedSeq == nil else {
            throw LedgerError(.signerNotEnrolled, "key \(key.keyID.short) is not an enrolled, unrevoked signer of this ledger")
        }
        guard signer.role == .compliance else {
            throw LedgerError(.roleNotAllowed, "only a compliance officer may resolve a finding (this key is a \(signer.role.rawValue))")
        }
        if let l = lossReportSeq {
            guard try entryType(seq: l) == DispensingType.lossReported else {
                throw LedgerError(.invalidArgument, "--loss-report \(l) must be the seq of a loss.reported entry")
            }
        }
        guard let finding = try finding(findingID, asOf: time, configFile: configFile) else {
            throw LedgerError(.notFound, "no finding \(findingID.prefix(40)) as of \(time); run csledger reconcile --all to see the ids")
        }
        guard finding.isOpen else {
            throw LedgerError(.invalidArgument, "finding \(findingID) is already resolved (seq \(finding.resolutionSeq ?? 0)) and its evidence has not changed")
        }
        let body = FindingResolved(findingID: finding.id, reason: trimmed, evidence: finding.evidence, lossReportSeq: lossReportSeq)
        let statement = try Statement(type: FindingResolved.type, time: time, actor: key.keyID, log: try origin(), body: body.body)
        return try append(try SignedStatement(statement: statement, actorKey: key))
    }
}
