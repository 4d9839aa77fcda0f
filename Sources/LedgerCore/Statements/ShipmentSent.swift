/// `shipment.sent`: fills handed to a carrier for the patient's home. Actor: pharmacist. CLI: `csledger ship`.
/// Checked against the ledger: the tracking number is new; each fill is recorded and not shipped yet (or its
/// parcel came back with disposition `restock`); no fill of an in-clinic-only patient.
public struct ShipmentSent: StatementBody {
    public static let type = DispensingType.shipmentSent

    public enum Member {
        public static let carrier = "carrier"
        public static let service = "service"
        public static let tracking = "tracking"
        public static let adultSignatureRequired = "adult_signature_required"
        public static let fills = "fills"
        public static let overrideReason = StatementMember.overrideReason
    }

    /// The carrier, e.g. `UPS`; at most 60 characters.
    public var carrier: String
    /// The carrier's service, e.g. `Next Day Air`; at most 60 characters.
    public var service: String
    /// The tracking number, unique in the ledger; at most 60 characters.
    public var tracking: String
    /// Adult Signature Required: must be `true`, unless `overrideReason` says why not.
    public var adultSignatureRequired: Bool
    /// The fills in the parcel, `[{rx_number, fill_number}]`, at most 20.
    public var fills: [FillReference]
    /// Why the parcel goes without an adult's signature. Not checked beyond being non-empty text.
    public var overrideReason: String?
    public var asWritten: [String: JSONValue] = [:]

    public init(carrier: String, service: String, tracking: String, adultSignatureRequired: Bool, fills: [FillReference],
                overrideReason: String? = nil) {
        self.carrier = carrier
        self.service = service
        self.tracking = tracking
        self.adultSignatureRequired = adultSignatureRequired
        self.fills = fills
        self.overrideReason = overrideReason
    }

    public init(reading r: BodyReader) throws {
        carrier = try r.string(Member.carrier, max: 60)
        service = try r.string(Member.service, max: 60)
        tracking = try r.string(Member.tracking, max: 60)
        adultSignatureRequired = try r.bool(Member.adultSignatureRequired)
        overrideReason = r.uncheckedString(Member.overrideReason)
        if !adultSignatureRequired, overrideReason?.isEmpty ?? true {
            throw r.error(Member.adultSignatureRequired, "must be true: a controlled substance goes to the patient's home only with Adult Signature Required")
        }
        fills = try r.read(Member.fills, max: 20)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.carrier, carrier)
        m.put(Member.service, service)
        m.put(Member.tracking, tracking)
        m.put(Member.adultSignatureRequired, adultSignatureRequired)
        m.put(Member.fills, fills)
        m.put(Member.overrideReason, overrideReason)
        return m
    }
}
