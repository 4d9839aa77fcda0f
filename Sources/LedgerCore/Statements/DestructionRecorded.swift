/// `destruction.recorded` (DEA Form 41): stock destroyed. Actor: pharmacist or compliance; two witnesses.
/// CLI: `csledger destroy`. Each lot's balance goes down by its quantity; expired and quarantined lots may be named.
public struct DestructionRecorded: StatementBody {
    public static let type = DispensingType.destructionRecorded

    public enum Member {
        public static let method = "method"
        public static let location = "location"
        public static let reason = "reason"
        public static let items = "items"
        public static let overrideReason = StatementMember.overrideReason
    }

    /// How it was destroyed; at most 120 characters.
    public var method: String
    /// Where; at most 200 characters.
    public var location: String
    /// Why, when given; at most 300 characters.
    public var reason: String?
    /// The lots and quantities destroyed, `[{lot_id, quantity}]`, each lot once (at most 100). The NDC, name,
    /// strength and form come from the lot.
    public var items: [LotQuantity]
    /// Why a lot may go below zero. Not checked.
    public var overrideReason: String?
    public var asWritten: [String: JSONValue] = [:]

    public init(method: String, location: String, reason: String? = nil, items: [LotQuantity], overrideReason: String? = nil) {
        self.method = method
        self.location = location
        self.reason = reason
        self.items = items
        self.overrideReason = overrideReason
    }

    public init(reading r: BodyReader) throws {
        method = try r.string(Member.method, max: 120)
        location = try r.string(Member.location, max: 200)
        reason = try r.optionalString(Member.reason, max: 300)
        items = try r.read(Member.items, max: 100)
        overrideReason = r.uncheckedString(Member.overrideReason)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.method, method)
        m.put(Member.location, location)
        m.put(Member.reason, reason)
        m.put(Member.items, items)
        m.put(Member.overrideReason, overrideReason)
        return m
    }
}
