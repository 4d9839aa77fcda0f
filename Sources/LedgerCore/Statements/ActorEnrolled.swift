import Foundation

/// `actor.enrolled`: a signer's key joins the ledger with a role. Actor: an admin. CLI: `csledger signer add`.
/// Checked against the ledger (`SignerRegistry`): the actor is an admin, and the key was never enrolled (a
/// revoked key cannot come back). The key may sign from the next entry on.
public struct ActorEnrolled: StatementBody {
    public static let type = CoreStatementType.actorEnrolled

    public enum Member {
        public static let name = "name"
        public static let role = "role"
        public static let publicKey = "public_key"
    }

    /// The signer's name as reports show it; 1 to 200 characters when csledger records it (`enrolling`).
    public var name: String
    /// What the key may sign (admin, pharmacist, clinician, compliance, regulator, witness).
    public var role: Role
    /// The signer's key (Ed25519, base64 of 32 bytes).
    public var publicKey: SignerPublicKey
    public var asWritten: [String: JSONValue] = [:]

    public init(name: String, role: Role, publicKey: SignerPublicKey) {
        self.name = name
        self.role = role
        self.publicKey = publicKey
    }

    /// The body of an enrolment csledger records, after checking the name (trimmed, 1 to 200 characters).
    public static func enrolling(name: String, role: Role, publicKey: SignerPublicKey) throws -> ActorEnrolled {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 200 else {
            throw LedgerError(.invalidArgument, "the signer's name must be 1 to 200 characters")
        }
        return ActorEnrolled(name: trimmed, role: role, publicKey: publicKey)
    }

    public init(reading r: BodyReader) throws {
        guard let name = r.body[Member.name]?.stringValue, !name.isEmpty else {
            throw LedgerError(.invalidBody, "actor.enrolled needs the signer's \"name\"")
        }
        guard let roleText = r.body[Member.role]?.stringValue else {
            throw LedgerError(.invalidBody, "actor.enrolled needs a \"role\"")
        }
        let role = try Role(parsing: roleText)
        guard let pkText = r.body[Member.publicKey]?.stringValue else {
            throw LedgerError(.invalidBody, "actor.enrolled needs the signer's \"public_key\"")
        }
        self.name = name
        self.role = role
        publicKey = try SignerPublicKey(base64: pkText)
    }

    public var members: [String: JSONValue] {
        [Member.name: .string(name), Member.role: .string(role.rawValue), Member.publicKey: .string(publicKey.base64)]
    }
}
