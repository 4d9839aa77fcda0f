/// Signs the ledger's checkpoints with the facility key (SPEC §4): a C2SP
/// signed note whose key name is the ledger's origin.
public struct CheckpointSigner: Sendable {
    public let origin: String
    public let key: SignerKey

    public init(origin: String, key: SignerKey) {
        self.origin = origin
        self.key = key
    }

    /// The signed checkpoint note for a tree of `size` entries with root `root`.
    public func sign(size: Int, root: Hash) throws -> String {
        let body = try Checkpoint(origin: origin, size: size, rootHash: root).body
        let sig = try SignedNote.sign(text: body, keyName: origin, privateKey: key.curve25519)
        return try SignedNote(text: body, signatures: [sig]).serialized
    }
}
