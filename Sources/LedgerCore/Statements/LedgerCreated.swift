/// `ledger.created`: the genesis entry, always seq 0. Actor: the facility key it enrols (the only signer). CLI:
/// `csledger init`. Checked against the ledger (`SignerRegistry`): it is the first entry and only the first, and
/// its actor is the key it names; a `log`, when given, is its own origin.
///
/// Reading checks only what the verifier has always checked (the origin and the key), so every ledger ever
/// created keeps verifying; `csledger init` checks the name, the DEA number and the identifiers before it signs.
public struct LedgerCreated: StatementBody {
    public static let type = CoreStatementType.ledgerCreated

    public enum Member {
        public static let origin = "origin"
        public static let publicKey = "public_key"
        public static let facilityName = "facility_name"
        public static let deaNumber = "dea_number"
        public static let address = FacilityUpdated.Member.address
        public static let npi = FacilityUpdated.Member.npi
        public static let ncpdp = FacilityUpdated.Member.ncpdp
        public static let stateLicense = FacilityUpdated.Member.stateLicense
    }

    /// The ledger's name (C2SP origin): printable ASCII without spaces or `+`, at most 255 bytes, such as
    /// `clinic.example.org/ledger`. Checkpoints and (v2) every statement name it.
    public var origin: String
    /// The facility key (Ed25519, base64 of 32 bytes): the genesis actor, and the signer of checkpoints until a
    /// `facility.key_rotated` hands over.
    public var publicKey: SignerPublicKey
    /// The registrant's name as registered; when absent the origin stands for it.
    public var facilityName: String?
    /// The registrant's DEA registration number (checked by `csledger init`).
    public var deaNumber: String?
    /// One line, "street, city, ST ZIP", when given at creation.
    public var address: String?
    /// The NPI (10 digits), when given at creation.
    public var npi: String?
    /// The NCPDP provider id (7 digits), when given at creation.
    public var ncpdp: String?
    /// The state licence number, when given at creation.
    public var stateLicense: String?
    public var asWritten: [String: JSONValue] = [:]

    public init(origin: String, publicKey: SignerPublicKey, facilityName: String?, deaNumber: String?,
                address: String? = nil, npi: String? = nil, ncpdp: String? = nil, stateLicense: String? = nil) {
        self.origin = origin
        self.publicKey = publicKey
        self.facilityName = facilityName
        self.deaNumber = deaNumber
        self.address = address
        self.npi = npi
        self.ncpdp = ncpdp
        self.stateLicense = stateLicense
    }

    public init(reading r: BodyReader) throws {
        guard let origin = r.body[Member.origin]?.stringValue, SignerRegistry.isValidOrigin(origin) else {
            throw LedgerError(.invalidBody, "ledger.created needs an \"origin\" (a name without spaces, such as clinic.example.org/ledger)")
        }
        guard let pkText = r.body[Member.publicKey]?.stringValue else {
            throw LedgerError(.invalidBody, "ledger.created needs the facility \"public_key\"")
        }
        self.origin = origin
        publicKey = try SignerPublicKey(base64: pkText)
        facilityName = r.uncheckedString(Member.facilityName)
        deaNumber = r.uncheckedString(Member.deaNumber)
        address = r.uncheckedString(Member.address)
        npi = r.uncheckedString(Member.npi)
        ncpdp = r.uncheckedString(Member.ncpdp)
        stateLicense = r.uncheckedString(Member.stateLicense)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [Member.origin: .string(origin), Member.publicKey: .string(publicKey.base64)]
        m.put(Member.facilityName, facilityName)
        m.put(Member.deaNumber, deaNumber)
        m.put(Member.address, address)
        m.put(Member.npi, npi)
        m.put(Member.ncpdp, ncpdp)
        m.put(Member.stateLicense, stateLicense)
        return m
    }

    /// The facility key a genesis statement names, read as leniently as the signature checks always have (the
    /// key alone, nil when absent or not a key), for code that looks only at it.
    public static func publicKey(of statement: Statement) -> SignerPublicKey? {
        statement.body[Member.publicKey]?.stringValue.flatMap { try? SignerPublicKey(base64: $0) }
    }
}
