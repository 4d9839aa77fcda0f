import LedgerCore

/// The registrant's identifiers besides its name and DEA number: recorded at `init` (genesis body) and changed
/// by `facility.updated` (`FacilityUpdated`). Reports read the genesis body with each later update laid over it.
package enum RegistrantIdentity {
    /// The body fields, in the order reports show them.
    package static let fields = FacilityUpdated.identifiers

    /// The problem with an NPI, or nil: 10 digits whose last is the Luhn check digit over "80840" and the first nine.
    package static func npiProblem(_ npi: String) -> String? { FacilityUpdated.npiProblem(npi) }

    /// The problem with an NCPDP provider id, or nil: 7 digits.
    package static func ncpdpProblem(_ ncpdp: String) -> String? { FacilityUpdated.ncpdpProblem(ncpdp) }

    /// The registrant as of entry `limit` (exclusive): the genesis body with every `facility.updated` body before it laid over it.
    package static func merged(genesis: [String: JSONValue], updates: [[String: JSONValue]]) -> [String: JSONValue] {
        var out = genesis
        for u in updates { for key in fields { if let v = u[key] { out[key] = v } } }
        return out
    }
}
