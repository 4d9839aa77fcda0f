/// `entry.corrected`: an earlier dispensing record was wrong. Actor: pharmacist, clinician or compliance.
/// CLI: `csledger correct`. The original stays; its effect on the inventory (and a fill's count against its
/// prescription) is reversed. Checked against the ledger: an earlier dispensing record, not already corrected,
/// not a `patient.policy_set` or `facility.updated`.
public struct EntryCorrected: StatementBody {
    public static let type = DispensingType.entryCorrected

    public enum Member {
        public static let corrects = "corrects"
        public static let reason = "reason"
    }

    /// The seq of the entry corrected.
    public var corrects: Int
    /// Why; at most 500 characters.
    public var reason: String
    public var asWritten: [String: JSONValue] = [:]

    public init(corrects: Int, reason: String) {
        self.corrects = corrects
        self.reason = reason
    }

    public init(reading r: BodyReader) throws {
        corrects = try r.integer(Member.corrects, 0...Int.max / 2)
        reason = try r.string(Member.reason, max: 500)
    }

    public var members: [String: JSONValue] { [Member.corrects: .number(Double(corrects)), Member.reason: .string(reason)] }
}
