/// A person kept off the chain, as a statement names them (SPEC §6): a reference such as `P-3FA29C0B1E`
/// and the commitment `SHA-256(salt || JCS(personal data))`, hex. Never personal data itself.
public struct PersonalDataReference: Sendable, Hashable {
    public let ref: String
    public let commitment: String

    public init(ref: String, commitment: String) {
        self.ref = ref
        self.commitment = commitment
    }

    /// `{"ref","commitment"}`, as statements and the API carry it.
    public var json: JSONValue { .object(["ref": .string(ref), "commitment": .string(commitment)]) }
}
