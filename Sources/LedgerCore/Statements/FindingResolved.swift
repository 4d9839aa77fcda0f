/// `finding.resolved`: a compliance officer's resolution of a reconciliation finding (not a stock event; it
/// cannot be corrected). Actor: compliance. CLI: `csledger resolve`.
public struct FindingResolved: StatementBody {
    public static let type = DispensingType.findingResolved

    public enum Member {
        public static let findingID = "finding_id"
        public static let reason = "reason"
        public static let evidence = "evidence"
        public static let lossReportSeq = "loss_report_seq"
    }

    /// The finding's stable id, as the reconciliation reports it; at most 40 characters.
    public var findingID: String
    /// What was found and done; at most 1000 characters.
    public var reason: String
    /// A reference to the evidence kept (a hash, a document number), when given; at most 64 characters.
    public var evidence: String?
    /// The seq of the `loss.reported` entry the finding led to, when it did (an earlier entry).
    public var lossReportSeq: Int?
    public var asWritten: [String: JSONValue] = [:]

    public init(findingID: String, reason: String, evidence: String? = nil, lossReportSeq: Int? = nil) {
        self.findingID = findingID
        self.reason = reason
        self.evidence = evidence
        self.lossReportSeq = lossReportSeq
    }

    public init(reading r: BodyReader) throws {
        findingID = try r.string(Member.findingID, max: 40)
        reason = try r.string(Member.reason, max: 1000)
        evidence = try r.optionalString(Member.evidence, max: 64)
        lossReportSeq = try r.optionalInteger(Member.lossReportSeq, 0...(Int.max / 2))
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.findingID, findingID)
        m.put(Member.reason, reason)
        m.put(Member.evidence, evidence)
        m.put(Member.lossReportSeq, lossReportSeq)
        return m
    }
}
