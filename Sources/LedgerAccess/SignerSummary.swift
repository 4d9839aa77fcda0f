import LedgerCore

/// An enrolled signer as `csledger actor list` and `GET /v1/signers` show it (one definition for both).
package struct SignerSummary: Sendable, Equatable {
    package let keyID: KeyID
    package let name: String
    package let role: Role
    package let enrolledSeq: Int
    package let revokedSeq: Int?

    package init(keyID: KeyID, name: String, role: Role, enrolledSeq: Int, revokedSeq: Int?) {
        self.keyID = keyID
        self.name = name
        self.role = role
        self.enrolledSeq = enrolledSeq
        self.revokedSeq = revokedSeq
    }

    /// `{"key_id","name","role","enrolled_seq"[,"revoked_seq"]}`.
    package var json: JSONValue {
        var o: [String: JSONValue] = ["key_id": .string(keyID.hex), "name": .string(name), "role": .string(role.rawValue),
                                      "enrolled_seq": .number(Double(enrolledSeq))]
        if let r = revokedSeq { o["revoked_seq"] = .number(Double(r)) }
        return .object(o)
    }

    /// Reads the JSON form; nil when it is not one.
    package init?(json: JSONValue) {
        guard let k = json["key_id"]?.stringValue.flatMap({ KeyID($0) }), let name = json["name"]?.stringValue,
              let r = json["role"]?.stringValue, let role = try? Role(parsing: r), let enrolled = json["enrolled_seq"]?.integerValue else { return nil }
        self.init(keyID: k, name: name, role: role, enrolledSeq: enrolled, revokedSeq: json["revoked_seq"]?.integerValue)
    }
}
