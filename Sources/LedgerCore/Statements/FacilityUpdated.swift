/// `facility.updated`: new values for some of the registrant's identifiers. Actor: admin (the facility key is
/// one). CLI: `csledger facility update`. Exports read the genesis body with each update laid over it. The DEA
/// number is not changed this way. It cannot be corrected: record the right details in another update.
public struct FacilityUpdated: StatementBody {
    public static let type = DispensingType.facilityUpdated

    public enum Member {
        public static let facilityName = "facility_name"
        public static let address = "address"
        public static let npi = "npi"
        public static let ncpdp = "ncpdp"
        public static let stateLicense = "state_license"
        public static let reason = "reason"
    }

    /// The members an update may change, in the order reports show them (the genesis body has them too).
    public static let identifiers = [Member.facilityName, Member.address, Member.npi, Member.ncpdp, Member.stateLicense]

    /// The registrant's name; at most 200 characters.
    public var facilityName: String?
    /// One line, "street, city, ST ZIP"; at most 300 characters.
    public var address: String?
    /// The NPI: 10 digits, the last the Luhn check digit over "80840" and the first nine.
    public var npi: String?
    /// The NCPDP provider id: 7 digits.
    public var ncpdp: String?
    /// The state licence number; at most 40 characters.
    public var stateLicense: String?
    /// Why, when given; at most 500 characters.
    public var reason: String?
    public var asWritten: [String: JSONValue] = [:]

    public init(facilityName: String? = nil, address: String? = nil, npi: String? = nil, ncpdp: String? = nil,
                stateLicense: String? = nil, reason: String? = nil) {
        self.facilityName = facilityName
        self.address = address
        self.npi = npi
        self.ncpdp = ncpdp
        self.stateLicense = stateLicense
        self.reason = reason
    }

    public init(reading r: BodyReader) throws {
        facilityName = try r.optionalString(Member.facilityName)
        address = try r.optionalString(Member.address, max: 300)
        stateLicense = try r.optionalString(Member.stateLicense, max: 40)
        npi = try r.optionalString(Member.npi, max: 10)
        if let npi, let p = Self.npiProblem(npi) { throw r.error(Member.npi, p) }
        ncpdp = try r.optionalString(Member.ncpdp, max: 7)
        if let ncpdp, let p = Self.ncpdpProblem(ncpdp) { throw r.error(Member.ncpdp, p) }
        reason = try r.optionalString(Member.reason, max: 500)
        guard facilityName != nil || address != nil || npi != nil || ncpdp != nil || stateLicense != nil else {
            throw LedgerError(.invalidBody, "\(Self.type): name at least one of \(Self.identifiers.joined(separator: ", ")) to change")
        }
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.facilityName, facilityName)
        m.put(Member.address, address)
        m.put(Member.npi, npi)
        m.put(Member.ncpdp, ncpdp)
        m.put(Member.stateLicense, stateLicense)
        m.put(Member.reason, reason)
        return m
    }

    /// The problem with an NPI, or nil: 10 digits whose last is the Luhn check digit over "80840" and the first nine.
    public static func npiProblem(_ npi: String) -> String? {
        guard npi.count == 10, npi.allSatisfy({ $0.isASCII && $0.isNumber }) else { return "must be 10 digits" }
        let digits = Array("80840" + npi.prefix(9)).compactMap { Int(String($0)) }
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            let v = i % 2 == 0 ? d * 2 : d
            sum += v > 9 ? v - 9 : v
        }
        let check = (10 - sum % 10) % 10
        return Int(String(npi.last!)) == check ? nil : "has a wrong check digit (expected \(check))"
    }

    /// The problem with an NCPDP provider id, or nil: 7 digits.
    public static func ncpdpProblem(_ ncpdp: String) -> String? {
        ncpdp.count == 7 && ncpdp.allSatisfy({ $0.isASCII && $0.isNumber }) ? nil : "must be 7 digits"
    }
}
