import LedgerCore

/// The registrant's identifiers besides its name and DEA number: recorded at `init` (genesis body) and changed
/// by `facility.updated`. Reports read the genesis body with each later update laid over it.
public enum RegistrantIdentity {
    /// The body fields, in the order reports show them.
    public static let fields = ["facility_name", "address", "npi", "ncpdp", "state_license"]

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

    /// The registrant as of entry `limit` (exclusive): the genesis body with every `facility.updated` body before it laid over it.
    public static func merged(genesis: [String: JSONValue], updates: [[String: JSONValue]]) -> [String: JSONValue] {
        var out = genesis
        for u in updates { for key in fields { if let v = u[key] { out[key] = v } } }
        return out
    }
}

extension DispensingProjection {
    /// `facility.updated`: new values for some of the registrant's identifiers.
    func updateFacility(_ c: Context, _ r: BodyReader) throws {
        var given = 0
        if r.has("facility_name") { _ = try r.string("facility_name"); given += 1 }
        if r.has("address") { _ = try r.string("address", max: 300); given += 1 }
        if r.has("state_license") { _ = try r.string("state_license", max: 40); given += 1 }
        if r.has("npi") {
            given += 1
            if let p = RegistrantIdentity.npiProblem(try r.string("npi", max: 10)) { throw r.error("npi", p) }
        }
        if r.has("ncpdp") {
            given += 1
            if let p = RegistrantIdentity.ncpdpProblem(try r.string("ncpdp", max: 7)) { throw r.error("ncpdp", p) }
        }
        _ = try r.optionalString("reason", max: 500)
        guard given > 0 else { throw c.fail("name at least one of \(RegistrantIdentity.fields.joined(separator: ", ")) to change") }
    }
}
