/// `shipment.delivered`: the carrier's proof of delivery. Actor: pharmacist. CLI: `csledger deliver`.
/// Checked against the ledger: the shipment is in transit; delivered not before it was sent, not in the future;
/// the signer is on file.
public struct ShipmentDelivered: StatementBody {
    public static let type = DispensingType.shipmentDelivered

    public enum Member {
        public static let tracking = "tracking"
        public static let delivered = "delivered"
        public static let signer = "signer"
        public static let ageVerified = "age_verified"
        public static let idType = "id_type"
        public static let signatureImageSHA256 = "signature_image_sha256"
    }

    /// The kind of identification the carrier checked.
    public enum IDType: String, Sendable, CaseIterable {
        case driversLicense = "drivers_license", stateID = "state_id", passport, militaryID = "military_id", other, none
    }

    /// The shipment's tracking number; at most 60 characters.
    public var tracking: String
    /// When it was delivered, RFC 3339 UTC, as written (`deliveredTime`).
    public var delivered: String
    /// The adult who signed, `{ref, commitment}` (name, ID digits and issuing state kept off the chain).
    public var signer: PersonalDataReference
    /// The carrier checked the signer is 21 or older.
    public var ageVerified: Bool
    /// The identification checked.
    public var idType: IDType
    /// SHA-256 of the signature image, 64 lowercase hex; the file is kept in `<ledger>.files/proof-of-delivery/`.
    public var signatureImageSHA256: String
    public var asWritten: [String: JSONValue] = [:]

    public init(tracking: String, delivered: String, signer: PersonalDataReference, ageVerified: Bool, idType: IDType,
                signatureImageSHA256: String) {
        self.tracking = tracking
        self.delivered = delivered
        self.signer = signer
        self.ageVerified = ageVerified
        self.idType = idType
        self.signatureImageSHA256 = signatureImageSHA256
    }

    public init(reading r: BodyReader) throws {
        tracking = try r.string(Member.tracking, max: 60)
        delivered = try r.timeText(Member.delivered)
        signer = try r.read(Member.signer)
        ageVerified = try r.bool(Member.ageVerified)
        idType = try r.oneOf(Member.idType)
        signatureImageSHA256 = try r.hex64(Member.signatureImageSHA256)
    }

    /// `delivered` parsed; nil only for a value built with a time that is not one.
    public var deliveredTime: Timestamp? { Timestamp(delivered) }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.tracking, tracking)
        m.put(Member.delivered, delivered)
        m.put(Member.signer, signer)
        m.put(Member.ageVerified, ageVerified)
        m.put(Member.idType, idType.rawValue)
        m.put(Member.signatureImageSHA256, signatureImageSHA256)
        return m
    }
}
