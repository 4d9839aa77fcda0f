/// `waste.recorded`: drug wasted outside a dose (a broken vial, an expired opened one). Actor: pharmacist or
/// clinician; one witness. CLI: `csledger waste`. The lot's balance goes down by `quantity`.
public struct WasteRecorded: StatementBody {
    public static let type = DispensingType.wasteRecorded

    public enum Member {
        public static let lotID = "lot_id"
        public static let unit = "unit"
        public static let quantity = "quantity"
        public static let reason = "reason"
        public static let method = "method"
        public static let overrideReason = StatementMember.overrideReason
    }

    /// The lot id, usable at the statement's time; at most 60 characters.
    public var lotID: String
    /// The unit, when given; it must be the lot's.
    public var unit: String?
    /// The amount wasted, in the lot's unit.
    public var quantity: Quantity
    /// Why; at most 300 characters.
    public var reason: String
    /// How it was made unrecoverable; at most 120 characters.
    public var method: String
    /// Why the lot may go below zero (`--override-reason`). Not checked.
    public var overrideReason: String?
    public var asWritten: [String: JSONValue] = [:]

    public init(lotID: String, unit: String? = nil, quantity: Quantity, reason: String, method: String, overrideReason: String? = nil) {
        self.lotID = lotID
        self.unit = unit
        self.quantity = quantity
        self.reason = reason
        self.method = method
        self.overrideReason = overrideReason
    }

    public init(reading r: BodyReader) throws {
        lotID = try r.string(Member.lotID, max: 60)
        unit = try r.optionalString(Member.unit, max: 20)
        quantity = try r.quantity(Member.quantity)
        reason = try r.string(Member.reason, max: 300)
        method = try r.string(Member.method, max: 120)
        overrideReason = r.uncheckedString(Member.overrideReason)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.lotID, lotID)
        m.put(Member.unit, unit)
        m.put(Member.quantity, quantity)
        m.put(Member.reason, reason)
        m.put(Member.method, method)
        m.put(Member.overrideReason, overrideReason)
        return m
    }
}
