/// `loss.reported` (DEA Form 106): a theft or loss. Actor: pharmacist or compliance. CLI: `csledger loss`.
/// A theft or loss takes `items` off their lots (expired and quarantined lots may be named); a loss in transit
/// names the lost shipment (`tracking`, `carrier`), which must be in transit or lost, and marks it lost.
public struct LossReported: StatementBody {
    public static let type = DispensingType.lossReported

    public enum Member {
        public static let kind = "kind"
        public static let discovered = "discovered"
        public static let description = "description"
        public static let deaNotified = "dea_notified"
        public static let policeReport = "police_report"
        public static let tracking = "tracking"
        public static let carrier = "carrier"
        public static let items = "items"
        public static let overrideReason = StatementMember.overrideReason
    }

    /// What happened.
    public enum Kind: String, Sendable, CaseIterable {
        case theft, loss
        case inTransit = "in_transit"
    }

    /// Theft, loss, or loss in transit.
    public var kind: Kind
    /// When it was discovered, RFC 3339 UTC as written (`discoveredTime`); not in the future.
    public var discovered: String
    /// What happened, when given; at most 500 characters.
    public var description: String?
    /// When the DEA was notified, RFC 3339 UTC as written, when it was.
    public var deaNotified: String?
    /// The police report's number, when there is one; at most 60 characters.
    public var policeReport: String?
    /// In transit: the lost shipment's tracking number; at most 60 characters.
    public var tracking: String?
    /// In transit: the carrier; at most 60 characters.
    public var carrier: String?
    /// Theft or loss: the lots and quantities taken, `[{lot_id, quantity}]`, each lot once (at most 100).
    public var items: [LotQuantity]?
    /// Why a lot may go below zero. Not checked.
    public var overrideReason: String?
    public var asWritten: [String: JSONValue] = [:]

    public init(kind: Kind, discovered: String, description: String? = nil, deaNotified: String? = nil,
                policeReport: String? = nil, tracking: String? = nil, carrier: String? = nil, items: [LotQuantity]? = nil,
                overrideReason: String? = nil) {
        self.kind = kind
        self.discovered = discovered
        self.description = description
        self.deaNotified = deaNotified
        self.policeReport = policeReport
        self.tracking = tracking
        self.carrier = carrier
        self.items = items
        self.overrideReason = overrideReason
    }

    public init(reading r: BodyReader) throws {
        kind = try r.oneOf(Member.kind)
        discovered = try r.timeText(Member.discovered)
        description = try r.optionalString(Member.description, max: 500)
        deaNotified = r.has(Member.deaNotified) ? try r.timeText(Member.deaNotified) : nil
        policeReport = try r.optionalString(Member.policeReport, max: 60)
        if kind == .inTransit {
            tracking = try r.string(Member.tracking, max: 60)
            carrier = try r.string(Member.carrier, max: 60)
        } else {
            items = try r.read(Member.items, max: 100)
        }
        overrideReason = r.uncheckedString(Member.overrideReason)
    }

    /// `discovered` parsed; nil only for a value built with a time that is not one.
    public var discoveredTime: Timestamp? { Timestamp(discovered) }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.kind, kind.rawValue)
        m.put(Member.discovered, discovered)
        m.put(Member.description, description)
        m.put(Member.deaNotified, deaNotified)
        m.put(Member.policeReport, policeReport)
        m.put(Member.tracking, tracking)
        m.put(Member.carrier, carrier)
        m.put(Member.items, items)
        m.put(Member.overrideReason, overrideReason)
        return m
    }
}
