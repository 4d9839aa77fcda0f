/// `actor.revoked`: a signer's key loses its authority from this entry on (what it signed before stays valid).
/// Actor: an admin. CLI: `csledger signer revoke`. Checked against the ledger (`SignerRegistry`): the actor is an
/// admin, the key is enrolled and not yet revoked, and it is not the facility key (which signs checkpoints).
public struct ActorRevoked: StatementBody {
    public static let type = CoreStatementType.actorRevoked

    public enum Member {
        public static let key = "key"
        public static let reason = "reason"
    }

    /// The key id revoked (64 lowercase hex characters, the SHA-256 of the public key).
    public var key: KeyID
    /// Why, when given (never checked, only reported).
    public var reason: String?
    public var asWritten: [String: JSONValue] = [:]

    /// A revocation csledger records: an empty reason is left out.
    public init(key: KeyID, reason: String? = nil) {
        self.key = key
        self.reason = reason?.isEmpty == false ? reason : nil
    }

    public init(reading r: BodyReader) throws {
        guard let k = r.body[Member.key]?.stringValue, let key = KeyID(k) else {
            throw LedgerError(.invalidBody, "actor.revoked needs the \"key\" id to revoke")
        }
        self.key = key
        reason = r.uncheckedString(Member.reason)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [Member.key: .string(key.hex)]
        m.put(Member.reason, reason)
        return m
    }
}
