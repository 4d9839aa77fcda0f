/// An error a person can act on: a stable code that scripts and tests match,
/// and one sentence that says what is wrong in words a pharmacist understands.
///
/// Messages never contain patient data or key bytes. Two errors are equal
/// when their codes are equal.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable identifiers, grouped by what went wrong.
    public enum Code: String, Sendable, CaseIterable {
        // Keys
        case keyFileMissing = "key-file-missing"
        case keyFileUnreadable = "key-file-unreadable"
        case keyFilePermissions = "key-file-permissions"
        case keyFileInvalid = "key-file-invalid"
        case keyFileExists = "key-file-exists"
        case publicKeyInvalid = "public-key-invalid"
        // Ledger file
        case ledgerExists = "ledger-exists"
        case ledgerMissing = "ledger-missing"
        case ledgerCorrupt = "ledger-corrupt"
        case ledgerReadOnly = "ledger-read-only"
        /// The file disagrees with its signed entries and checkpoints (a table changed, entries not covered):
        /// nothing is answered or appended from it until `csledger verify` and a person have looked.
        case ledgerTampered = "ledger-tampered"
        /// Someone else committed to the file since this process last checked it (the append was not made; the
        /// caller checks the file and tries again).
        case ledgerChanged = "ledger-changed"
        case diskFull = "disk-full"
        case storage = "storage"
        // Statements and signers
        case invalidStatement = "invalid-statement"
        case invalidBody = "invalid-body"
        case invalidArgument = "invalid-argument"
        case signatureInvalid = "signature-invalid"
        case signerNotEnrolled = "signer-not-enrolled"
        case signerRevoked = "signer-revoked"
        case roleNotAllowed = "role-not-allowed"
        case witnessIsActor = "witness-is-actor"
        case alreadyEnrolled = "already-enrolled"
        /// A statement signed for another ledger (its `log` names another origin), or naming none where it must.
        case wrongLedger = "wrong-ledger"
        // Reads and proofs
        case notFound = "not-found"
        case checkpointInvalid = "checkpoint-invalid"
        case proofInvalid = "proof-invalid"
        // A ledger server (csledger --server, csledgerd): the codes the daemon sends, which the client decodes
        case tokenInvalid = "token-invalid"
        /// The daemon did not accept the bearer token (unknown, expired or revoked).
        case invalidToken = "invalid-token"
        /// The route needs a bearer token and none was sent.
        case unauthenticated = "unauthenticated"
        /// A posted statement's actor is not the signer the token belongs to.
        case actorMismatch = "actor-mismatch"
        /// A request body is not JSON, or not the shape the route takes.
        case invalidJSON = "invalid-json"
        case bodyTooLarge = "body-too-large"
        case requestTimeout = "request-timeout"
        /// The daemon cannot read its ledger file yet.
        case notReady = "not-ready"
        /// A delivery signer an entry refers to stays on file.
        case inUse = "in-use"
        case serverUnreachable = "server-unreachable"
        case serverRefused = "server-refused"
        case serverUnavailable = "server-unavailable"
    }

    public let code: Code
    /// One sentence, no patient data, no key bytes.
    public let message: String

    /// The lower-level error this one stands for, if any (a parser's own error, kept for programs and tests;
    /// the message already says what a person needs).
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// Any error in the one family: a ledger error as it is; the parsers' own errors (identifiers, JSON, signed
    /// notes, Merkle arguments) as the invalid input they report, with themselves as the cause; nil for anything
    /// else (the caller knows what it was doing).
    public init?(converting error: any Error) {
        switch error {
        case let e as LedgerError: self = e
        case let e as IdentifierError: self.init(.invalidArgument, e.description, cause: e)
        case let e as JSONError: self.init(.invalidArgument, e.description, cause: e)
        case let e as NoteError: self.init(.checkpointInvalid, e.description, cause: e)
        case let e as MerkleError: self.init(.invalidArgument, e.description, cause: e)
        case let e as StatementSubmission.Refusal: self.init(e.code, e.message, cause: e)
        default: return nil
        }
    }

    public var description: String { "\(message) [\(code.rawValue)]" }

    public static func == (a: LedgerError, b: LedgerError) -> Bool { a.code == b.code }
}
