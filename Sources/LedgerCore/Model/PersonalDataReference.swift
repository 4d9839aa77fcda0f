/// A person kept off the chain, as a statement names them (SPEC §6): a reference such as `P-3FA29C0B1E`
/// and the commitment `SHA-256(salt || JCS(personal data))`, hex. Never personal data itself.
public struct PersonalDataReference: BodyObject {
    public enum Member {
        public static let ref = "ref"
        public static let commitment = "commitment"
    }

    /// The reference `csledger patient add` (or the delivery's signer) was given, e.g. `P-3FA29C0B1E`; at most 40 characters.
    public let ref: String
    /// `SHA-256(salt || JCS(personal data))`, 64 lowercase hex characters: binds the entry to the data kept off the chain.
    public let commitment: String
    public var asWritten: [String: JSONValue] = [:]

    public init(ref: String, commitment: String) {
        self.ref = ref
        self.commitment = commitment
    }

    public init(reading r: BodyReader) throws {
        ref = try r.string(Member.ref, max: 40)
        commitment = try r.hex64(Member.commitment)
    }

    public var members: [String: JSONValue] { [Member.ref: .string(ref), Member.commitment: .string(commitment)] }

    /// `{"ref","commitment"}`, as statements and the API carry it.
    public var json: JSONValue { jsonValue }
}
