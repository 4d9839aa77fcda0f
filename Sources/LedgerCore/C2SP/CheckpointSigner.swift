/// Signs the ledger's checkpoints with the facility key (SPEC §4): a C2SP
/// signed note whose key name is the ledger's origin.
public struct CheckpointSigner: Sendable {
    public let origin: String
    public let key: SignerKey
    /// The facility key's id, worked out once: the writer compares it for every group it commits.
    public let keyID: KeyID
    /// The note signature's key hash (origin and public key), worked out once.
    private let noteKeyHash: [UInt8]

    public init(origin: String, key: SignerKey) {
        self.origin = origin
        self.key = key
        self.keyID = key.keyID
        self.noteKeyHash = SignedNote.keyHash(name: origin, publicKey: key.publicKey.raw)
    }

    /// The signed checkpoint note for a tree of `size` entries with root `root`.
    public func sign(size: Int, root: Hash) throws -> String {
        let body = try Checkpoint(origin: origin, size: size, rootHash: root).body
        try NoteSignature.checkKeyName(origin)
        let sig = NoteSignature(unchecked: origin, keyHash: noteKeyHash, signature: key.sign(Array(body.utf8)))
        return try SignedNote(text: body, signatures: [sig]).serialized
    }
}
