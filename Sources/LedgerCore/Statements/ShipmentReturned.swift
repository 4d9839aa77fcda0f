/// `shipment.returned`: a parcel came back. Actor: pharmacist. CLI: `csledger return`. The shipment must be in
/// transit; the parcel's quantities go back to the lots they were dispensed from.
public struct ShipmentReturned: StatementBody {
    public static let type = DispensingType.shipmentReturned

    public enum Member {
        public static let tracking = "tracking"
        public static let disposition = "disposition"
        public static let reason = "reason"
    }

    /// What happens to the parcel's contents.
    public enum Disposition: String, Sendable, CaseIterable {
        /// Back on the shelf; the fill may be shipped again.
        case restock
        /// Kept apart; the fill cannot go out again.
        case quarantine
    }

    /// The shipment's tracking number; at most 60 characters.
    public var tracking: String
    /// Restock or quarantine.
    public var disposition: Disposition
    /// Why it came back; at most 300 characters.
    public var reason: String
    public var asWritten: [String: JSONValue] = [:]

    public init(tracking: String, disposition: Disposition, reason: String) {
        self.tracking = tracking
        self.disposition = disposition
        self.reason = reason
    }

    public init(reading r: BodyReader) throws {
        tracking = try r.string(Member.tracking, max: 60)
        disposition = try r.oneOf(Member.disposition)
        reason = try r.string(Member.reason, max: 300)
    }

    public var members: [String: JSONValue] {
        [Member.tracking: .string(tracking), Member.disposition: .string(disposition.rawValue), Member.reason: .string(reason)]
    }
}
