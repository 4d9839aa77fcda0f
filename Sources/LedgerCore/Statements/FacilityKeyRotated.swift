/// `facility.key_rotated`: the facility key hands over to a new key. Actor: the current facility key; its only
/// witness: the new key. CLI: `csledger facility rotate`. Checked against the ledger (`SignerRegistry`): the
/// actor is the facility key in force, `previous_key` names it, and the new key is an enrolled admin, not
/// revoked. Checkpoints from the tree that includes this entry on are signed by the new key; the old key is
/// retired (revoked at this seq).
public struct FacilityKeyRotated: StatementBody {
    public static let type = CoreStatementType.facilityKeyRotated

    public enum Member {
        public static let publicKey = "public_key"
        public static let previousKey = "previous_key"
        public static let reason = "reason"
    }

    /// The new facility key (Ed25519, base64 of 32 bytes), already enrolled as an admin.
    public var publicKey: SignerPublicKey
    /// The key id of the facility key being replaced (64 lowercase hex characters).
    public var previousKey: KeyID
    /// Why, when given (never checked, only reported).
    public var reason: String?
    public var asWritten: [String: JSONValue] = [:]

    /// A rotation csledger records: an empty reason is left out.
    public init(publicKey: SignerPublicKey, previousKey: KeyID, reason: String? = nil) {
        self.publicKey = publicKey
        self.previousKey = previousKey
        self.reason = reason?.isEmpty == false ? reason : nil
    }

    public init(reading r: BodyReader) throws {
        guard let pkText = r.body[Member.publicKey]?.stringValue, let pk = try? SignerPublicKey(base64: pkText) else {
            throw LedgerError(.invalidBody, "facility.key_rotated needs the new key's \"public_key\" (base64 of 32 bytes)")
        }
        guard let previous = r.body[Member.previousKey]?.stringValue.flatMap({ KeyID($0) }) else {
            throw Self.previousKeyMissing
        }
        publicKey = pk
        previousKey = previous
        reason = r.uncheckedString(Member.reason)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [Member.publicKey: .string(publicKey.base64), Member.previousKey: .string(previousKey.hex)]
        m.put(Member.reason, reason)
        return m
    }

    /// The refusal of a body without a key id in `previous_key` (the registry names the key it expects instead).
    public static let previousKeyMissing = LedgerError(.invalidBody, "facility.key_rotated must name the key it replaces in \"previous_key\"")

    /// The refusal of a rotation whose `previous_key` is not `expected`, the facility key in force.
    public static func wrongPreviousKey(expected: KeyID) -> LedgerError {
        LedgerError(.invalidBody, "facility.key_rotated must name the key it replaces in \"previous_key\" (\(expected.short))")
    }

    /// The new key a rotation names, read as leniently as the append path always has (nil when absent or not a key).
    public static func newKey(of statement: Statement) -> SignerPublicKey? {
        guard statement.type == type else { return nil }
        return statement.body[Member.publicKey]?.stringValue.flatMap { try? SignerPublicKey(base64: $0) }
    }
}
