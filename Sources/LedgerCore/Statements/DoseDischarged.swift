/// `dose.discharged`: the end of a monitored clinic dose; the statement's `time` is when the patient left, fit
/// to go. Actor: clinician (the one who discharged). CLI: `csledger discharge`. Checked against the ledger: an
/// earlier, uncorrected `dose.administered`, not already discharged, not after this statement's time.
public struct DoseDischarged: StatementBody {
    public static let type = DispensingType.doseDischarged

    public enum Member {
        public static let doseSeq = "dose_seq"
    }

    /// The seq of the `dose.administered` entry.
    public var doseSeq: Int
    public var asWritten: [String: JSONValue] = [:]

    public init(doseSeq: Int) { self.doseSeq = doseSeq }

    public init(reading r: BodyReader) throws {
        doseSeq = try r.integer(Member.doseSeq, 0...(Int.max / 2))
    }

    public var members: [String: JSONValue] { [Member.doseSeq: .number(Double(doseSeq))] }
}
