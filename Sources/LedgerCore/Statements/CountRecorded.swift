/// `count.recorded`: a blind physical count of one lot. Actor: pharmacist, clinician or compliance; one witness
/// (the second counter). CLI: `csledger count`. The ledger keeps the expected balance beside the count; the
/// reconciliation reports any variance.
public struct CountRecorded: StatementBody {
    public static let type = DispensingType.countRecorded

    public enum Member {
        public static let lotID = "lot_id"
        public static let unit = "unit"
        public static let counted = "counted"
    }

    /// The lot id; expired and quarantined lots may be counted. At most 60 characters.
    public var lotID: String
    /// The unit, when given; it must be the lot's.
    public var unit: String?
    /// What was on the shelf, in the lot's unit (may be zero).
    public var counted: Quantity
    public var asWritten: [String: JSONValue] = [:]

    public init(lotID: String, unit: String? = nil, counted: Quantity) {
        self.lotID = lotID
        self.unit = unit
        self.counted = counted
    }

    public init(reading r: BodyReader) throws {
        lotID = try r.string(Member.lotID, max: 60)
        unit = try r.optionalString(Member.unit, max: 20)
        counted = try r.quantity(Member.counted, allowZero: true)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.lotID, lotID)
        m.put(Member.unit, unit)
        m.put(Member.counted, counted)
        return m
    }
}
