/// The facility key's seal over the tables a ledger file keeps beside its entries: "these tables, whose
/// digest is `digest`, are what the entries of the tree (`size`, `root`) give".
///
/// Only the facility key (the same key that signs checkpoints) can make one, so a reader that finds the
/// tables' digest equal to a sealed one whose tree is the ledger's latest checkpoint can answer from them;
/// anyone who changes a table without the key is caught. Signed bytes:
///
///     csledger.derived-state/v1\n<origin>\n<size>\n<b64 root>\n<b64 digest>\n
package struct StateSeal: Sendable, Equatable {
    package let size: Int
    package let root: Hash
    package let digest: Hash
    package let keyID: KeyID
    package let signature: [UInt8]

    package init(size: Int, root: Hash, digest: Hash, keyID: KeyID, signature: [UInt8]) {
        self.size = size
        self.root = root
        self.digest = digest
        self.keyID = keyID
        self.signature = signature
    }

    /// Seals `digest` for the tree (`size`, `root`) of the ledger `origin` with the facility key.
    package init(origin: String, size: Int, root: Hash, digest: Hash, facilityKey: SignerKey) {
        self.init(size: size, root: root, digest: digest, keyID: facilityKey.keyID,
                  signature: facilityKey.sign(Self.message(origin: origin, size: size, root: root, digest: digest)))
    }

    /// The bytes the facility key signs.
    package static func message(origin: String, size: Int, root: Hash, digest: Hash) -> [UInt8] {
        Array("csledger.derived-state/v1\n\(origin)\n\(size)\n\(root.base64)\n\(digest.base64)\n".utf8)
    }

    /// True when `facility` made this seal for the ledger `origin`.
    package func isValid(origin: String, facility: SignerPublicKey) -> Bool {
        facility.keyID == keyID && signature.count == 64
            && facility.isValidSignature(signature, for: Self.message(origin: origin, size: size, root: root, digest: digest))
    }
}
