/// `shipment.lost`: the carrier lost a parcel. Actor: pharmacist or compliance. CLI: `csledger lost-in-transit`.
/// The shipment must be in transit; its contents stay out of stock; report it with `loss.reported` (`in_transit`).
public struct ShipmentLost: StatementBody {
    public static let type = DispensingType.shipmentLost

    public enum Member {
        public static let tracking = "tracking"
        public static let reason = "reason"
    }

    /// The shipment's tracking number; at most 60 characters.
    public var tracking: String
    /// What the carrier said; at most 300 characters.
    public var reason: String
    public var asWritten: [String: JSONValue] = [:]

    public init(tracking: String, reason: String) {
        self.tracking = tracking
        self.reason = reason
    }

    public init(reading r: BodyReader) throws {
        tracking = try r.string(Member.tracking, max: 60)
        reason = try r.string(Member.reason, max: 300)
    }

    public var members: [String: JSONValue] { [Member.tracking: .string(tracking), Member.reason: .string(reason)] }
}
