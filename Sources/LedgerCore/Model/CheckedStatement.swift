/// A signed statement whose every signature has been verified, and the public keys that verified them.
///
/// Checking Ed25519 signatures is most of the cost of an append. The daemon checks each request's
/// signatures on its own thread as it arrives, so the single writer only has to confirm that the same
/// keys are enrolled and authorised when the entry is written. Only `check` makes one with keys, so a
/// `CheckedStatement` with keys cannot exist unless its signatures verified.
public struct CheckedStatement: Sendable {
    public let signed: SignedStatement
    /// The key each signature was verified with, in signer order; empty when nothing was checked yet.
    public let keys: [SignerPublicKey]
    /// The statement's signing input (its canonical bytes), serialized once for the signature check,
    /// the duplicate check and the entry's bytes.
    public let signingInput: [UInt8]

    /// A statement left for the writer to check in full.
    public init(unchecked signed: SignedStatement) {
        self.signed = signed
        self.keys = []
        self.signingInput = signed.statement.signingInput
    }

    private init(signed: SignedStatement, keys: [SignerPublicKey], signingInput: [UInt8]) {
        self.signed = signed
        self.keys = keys
        self.signingInput = signingInput
    }

    /// Verifies every signature with the public key `publicKey` gives for its key id.
    ///
    /// - Returns: the checked statement; without keys when some signer's key is not known here (the
    ///   writer then checks it in full, e.g. a key enrolled by an entry not yet written).
    /// - Throws: `signatureInvalid` when a signature does not verify, or the signers are not the actor and
    ///   witnesses in order.
    public static func check(_ signed: SignedStatement, publicKey: (KeyID) -> SignerPublicKey?) throws -> CheckedStatement {
        let signers = signed.statement.signers
        guard signed.signatures.map(\.key) == signers else {
            throw LedgerError(.signatureInvalid, "every signer must sign, the actor first and then each witness in order (\(signers.count) needed, \(signed.signatures.count) given)")
        }
        var keys: [SignerPublicKey] = []
        let input = signed.statement.signingInput
        for s in signed.signatures {
            guard let pk = publicKey(s.key), pk.keyID == s.key else { return CheckedStatement(signed: signed, keys: [], signingInput: input) }
            keys.append(pk)
        }
        for (s, pk) in zip(signed.signatures, keys) where s.signature.count != 64 || !pk.isValidSignature(s.signature, for: input) {
            throw LedgerError(.signatureInvalid, "the signature by key \(s.key.short) does not verify: the statement was changed or signed with another key")
        }
        return CheckedStatement(signed: signed, keys: keys, signingInput: input)
    }

    /// A statement taken with the keys `publicKey` gives for its signers, its signatures NOT verified: only for an
    /// entry that a checkpoint signed by the facility key covers, taken all or nothing with that checkpoint (a
    /// mirror pulling rows another csledger checked and the facility key then signed, as the integrity check of
    /// a file trusts them; `csledger verify` still checks every signature). Without keys when a signer's key is
    /// not known here or the signers are not the actor and witnesses in order (then checked in full).
    package static func vouched(_ signed: SignedStatement, publicKey: (KeyID) -> SignerPublicKey?) -> CheckedStatement {
        let input = signed.statement.signingInput
        guard signed.signatures.map(\.key) == signed.statement.signers else { return CheckedStatement(signed: signed, keys: [], signingInput: input) }
        var keys: [SignerPublicKey] = []
        for s in signed.signatures {
            guard let pk = publicKey(s.key), pk.keyID == s.key, s.signature.count == 64 else { return CheckedStatement(signed: signed, keys: [], signingInput: input) }
            keys.append(pk)
        }
        return CheckedStatement(signed: signed, keys: keys, signingInput: input)
    }
}
