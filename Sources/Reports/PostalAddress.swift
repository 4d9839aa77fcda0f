import Foundation
import LedgerCore

/// A US postal address read from a person's off-chain data: `address_line_1`, `city`, `state`, `zip` when
/// recorded separately, else parsed from the one-line `address` as `csledger patient add` takes it
/// (`"12 Elm St, Austin, TX 78701"`: street lines, city, then state and ZIP).
struct PostalAddress {
    var line1 = "", line2 = "", city = "", zip = ""
    var state: String?

    init(_ data: [String: JSONValue]) {
        if let s = data["state"]?.stringValue {
            state = Self.stateCode(s)
            line1 = data["address_line_1"]?.stringValue ?? data["address"]?.stringValue ?? ""
            line2 = data["address_line_2"]?.stringValue ?? ""
            city = data["city"]?.stringValue ?? ""
            zip = data["zip"]?.stringValue ?? ""
            return
        }
        let parts = (data["address"]?.stringValue ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count >= 3 else { return }
        let last = parts[parts.count - 1].split(separator: " ").map(String.init)
        guard let code = last.first.flatMap(Self.stateCode) else { return }
        state = code
        zip = last.dropFirst().joined(separator: " ").filter { $0.isNumber || $0 == "-" }
        city = parts[parts.count - 2]
        let street = parts.dropLast(2)
        line1 = street.first ?? ""
        line2 = street.dropFirst().joined(separator: ", ")
    }

    /// Two capital letters, or nil.
    static func stateCode(_ s: String) -> String? {
        let u = s.trimmingCharacters(in: .whitespaces)
        guard u.count == 2, u.allSatisfy({ $0.isASCII && $0.isUppercase }) else { return nil }
        return u
    }
}
