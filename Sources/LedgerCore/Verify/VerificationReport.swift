/// One thing that does not hold, with where it is.
public struct VerificationFailure: Sendable, Hashable, CustomStringConvertible {
    /// Stable identifiers for scripts and tests.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case seqGap = "seq-gap"
        case seqMismatch = "seq-mismatch"
        case malformedEntry = "malformed-entry"
        case notCanonical = "not-canonical"
        case prevMismatch = "prev-mismatch"
        case storedHashMismatch = "stored-hash-mismatch"
        case timeBackwards = "time-backwards"
        case signersMismatch = "signers-mismatch"
        case signatureInvalid = "signature-invalid"
        case signerUnknown = "signer-unknown"
        case signerRevoked = "signer-revoked"
        case notAllowed = "not-allowed"
        case emptyLedger = "empty-ledger"
        case checkpointMalformed = "checkpoint-malformed"
        case checkpointSignature = "checkpoint-signature"
        case checkpointRootMismatch = "checkpoint-root-mismatch"
        case checkpointBeyondLedger = "checkpoint-beyond-ledger"
        case checkpointOrigin = "checkpoint-origin"
        /// Entries that no signed checkpoint covers (after the latest one, or a ledger with none).
        case uncovered = "uncovered"
        /// Two checkpoints signed by the facility key that cannot both be true: it signed two histories.
        case checkpointFork = "checkpoint-fork"
        /// A statement for another ledger, or one that does not name its ledger where v2 requires it.
        case wrongLedger = "wrong-ledger"
        /// The same signed statement recorded more than once.
        case duplicateStatement = "duplicate-statement"
        /// A table kept beside the entries (or a column copied out of them) disagrees with the signed entries.
        case derivedMismatch = "derived-mismatch"
    }

    /// The entry it concerns, if any (checkpoint failures name the tree size instead).
    public let seq: Int?
    /// The checkpoint's tree size, for checkpoint failures.
    public let treeSize: Int?
    public let code: Code
    /// One sentence.
    public let message: String

    public init(seq: Int?, treeSize: Int? = nil, code: Code, message: String) {
        self.seq = seq
        self.treeSize = treeSize
        self.code = code
        self.message = message
    }

    public var description: String {
        if let seq { return "seq \(seq): \(message) [\(code.rawValue)]" }
        if let treeSize { return "checkpoint of size \(treeSize): \(message) [\(code.rawValue)]" }
        return "\(message) [\(code.rawValue)]"
    }
}

/// The outcome of verifying a ledger: what was checked and every failure found.
public struct VerificationReport: Sendable {
    /// Entries read.
    public var entries: Int
    /// Merkle root over all entries read.
    public var rootHash: Hash
    /// Signatures checked with Ed25519.
    public var signaturesChecked: Int
    /// Stored and external checkpoints checked.
    public var checkpointsChecked: Int
    /// Every failure, in seq order; at most `failureLimit`, with `failuresOmitted` counting the rest.
    public var failures: [VerificationFailure]
    public var failuresOmitted: Int
    /// The size of the latest checkpoint that is signed by the facility key and matches the entries (0: none).
    public var coveredSize: Int = 0

    /// True when nothing failed.
    public var isClean: Bool { failures.isEmpty && failuresOmitted == 0 }
}
