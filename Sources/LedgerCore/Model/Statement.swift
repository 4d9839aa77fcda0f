/// What a person asserts and signs (SPEC §2):
/// `{"v":1,"type":...,"time":...,"actor":...,"witnesses":[...],"log":...,"body":{...}}`.
///
/// The signing input is the RFC 8785 canonical form of this object. `log` (interchange format v2) names the
/// ledger the statement is for, by its origin, so that a signed statement cannot be replayed into another ledger.
public struct Statement: Sendable, Hashable {
    /// Format version; always 1.
    public let version: Int
    /// The entry type, e.g. `dose.administered`.
    public let type: String
    /// When the actor says it happened.
    public let time: Timestamp
    /// Who asserts it.
    public let actor: KeyID
    /// Who witnessed it, in signing order; never the actor.
    public let witnesses: [KeyID]
    /// The type-specific fields (an object).
    public let body: [String: JSONValue]
    /// The origin of the ledger this statement is for (v2); nil in statements made before a ledger adopted v2.
    public let log: String?

    /// Builds a statement, checking the rules every statement follows.
    public init(type: String, time: Timestamp, actor: KeyID, witnesses: [KeyID] = [], log: String? = nil,
                body: [String: JSONValue]) throws {
        guard Statement.isValidType(type) else {
            throw LedgerError(.invalidStatement, "statement type \"\(type.printablePrefix(40))\" is not a dotted lowercase name such as dose.administered")
        }
        if witnesses.contains(actor) {
            throw LedgerError(.witnessIsActor, "a witness must be a different person from the one recording the event")
        }
        // Pairwise: witnesses are one to a few, and every statement read or written passes here.
        if witnesses.indices.contains(where: { i in witnesses[(i + 1)...].contains(witnesses[i]) }) {
            throw LedgerError(.invalidStatement, "the same witness is listed twice")
        }
        if let log, !SignerRegistry.isValidOrigin(log) {
            throw LedgerError(.invalidStatement, "statement \"log\" must be a ledger origin (printable, no spaces or '+'), not \"\(log.printablePrefix(40))\"")
        }
        self.log = log
        self.version = 1
        self.type = type
        self.time = time
        self.actor = actor
        self.witnesses = witnesses
        self.body = body
    }

    /// Reads a statement from its JSON form, refusing unknown members and malformed fields.
    public init(json: JSONValue) throws {
        guard let o = json.objectValue else { throw LedgerError(.invalidStatement, "a statement must be a JSON object") }
        for key in o.keys where !["v", "type", "time", "actor", "witnesses", "log", "body"].contains(key) {
            throw LedgerError(.invalidStatement, "a statement has an unknown member \"\(key.printablePrefix(40))\"")
        }
        guard o["v"]?.integerValue == 1 else { throw LedgerError(.invalidStatement, "statement version \"v\" must be 1") }
        guard let type = o["type"]?.stringValue else { throw LedgerError(.invalidStatement, "a statement needs a \"type\"") }
        guard let ts = o["time"]?.stringValue, let time = Timestamp(ts), time.description == ts else {
            throw LedgerError(.invalidStatement, "statement \"time\" must be UTC with milliseconds, like 2026-11-23T14:05:09.120Z")
        }
        guard let a = o["actor"]?.stringValue, let actor = KeyID(a) else {
            throw LedgerError(.invalidStatement, "statement \"actor\" must be a key id (64 lowercase hex characters)")
        }
        var witnesses: [KeyID] = []
        if let w = o["witnesses"] {
            guard let arr = w.arrayValue, !arr.isEmpty else {
                throw LedgerError(.invalidStatement, "statement \"witnesses\" must be a non-empty list of key ids, or left out")
            }
            for item in arr {
                guard let s = item.stringValue, let k = KeyID(s) else {
                    throw LedgerError(.invalidStatement, "every witness must be a key id (64 lowercase hex characters)")
                }
                witnesses.append(k)
            }
        }
        guard let body = o["body"]?.objectValue else { throw LedgerError(.invalidStatement, "statement \"body\" must be a JSON object") }
        var log: String?
        if let l = o["log"] {
            guard let text = l.stringValue else { throw LedgerError(.invalidStatement, "statement \"log\" must be a string, the ledger's origin") }
            log = text
        }
        try self.init(type: type, time: time, actor: actor, witnesses: witnesses, log: log, body: body)
    }

    /// The JSON form (witnesses left out when there are none).
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "v": .number(Double(version)), "type": .string(type), "time": .string(time.description),
            "actor": .string(actor.hex), "body": .object(body),
        ]
        if !witnesses.isEmpty { o["witnesses"] = .array(witnesses.map { .string($0.hex) }) }
        if let log { o["log"] = .string(log) }
        return .object(o)
    }

    /// The signing input: the canonical (RFC 8785) bytes of `json`.
    public var signingInput: [UInt8] { JCS.serialize(json) }

    /// Everyone who must sign, in order: the actor, then the witnesses.
    public var signers: [KeyID] { [actor] + witnesses }

    /// Refuses a statement for another ledger: one that names another origin, or (where the ledger requires
    /// it, `required`) none. `origin` is the ledger's own.
    public func checkLog(origin: String, required: Bool) throws {
        if let log, log != origin {
            throw LedgerError(.wrongLedger, "this statement was signed for the ledger \(log.printablePrefix(80)), not this one (\(origin)); it cannot be recorded here")
        }
        if log == nil, required {
            throw LedgerError(.wrongLedger, "this statement does not name the ledger it is for (member \"log\", the origin \(origin)); sign it again with a current csledger")
        }
    }

    /// At least two dot-separated parts, each a lowercase letter then lowercase letters, digits or `_`;
    /// at most 64 bytes. (One pass over the bytes: the verifier asks for every entry.)
    static func isValidType(_ t: String) -> Bool {
        guard t.utf8.count <= 64 else { return false }
        var parts = 1
        var atPartStart = true
        for c in t.utf8 {
            if atPartStart {
                guard (0x61...0x7a).contains(c) else { return false }
                atPartStart = false
            } else if c == 0x2e {
                parts += 1
                atPartStart = true
            } else {
                guard (0x61...0x7a).contains(c) || (0x30...0x39).contains(c) || c == 0x5f else { return false }
            }
        }
        return parts >= 2 && !atPartStart
    }
}

/// One signature on a statement: the signer's key id and 64 signature bytes.
public struct EntrySignature: Sendable, Hashable {
    public let key: KeyID
    public let signature: [UInt8]

    public init(key: KeyID, signature: [UInt8]) {
        self.key = key
        self.signature = signature
    }

    var json: JSONValue { .object(["key": .string(key.hex), "sig": .string(Base64.encode(signature))]) }
}

/// A statement with the signatures of everyone who must sign it, ready to append.
public struct SignedStatement: Sendable, Hashable {
    public let statement: Statement
    /// The actor's signature first, then the witnesses' in statement order.
    public let signatures: [EntrySignature]

    public init(statement: Statement, signatures: [EntrySignature]) {
        self.statement = statement
        self.signatures = signatures
    }

    /// Signs `statement` with the actor's key and every witness key given (in statement order).
    public init(statement: Statement, actorKey: SignerKey, witnessKeys: [SignerKey] = []) throws {
        guard actorKey.keyID == statement.actor else {
            throw LedgerError(.signatureInvalid, "the signing key is not the statement's actor")
        }
        guard witnessKeys.map(\.keyID) == statement.witnesses else {
            throw LedgerError(.signatureInvalid, "the witness keys given do not match the statement's witnesses")
        }
        let input = statement.signingInput
        self.statement = statement
        self.signatures = ([actorKey] + witnessKeys).map { EntrySignature(key: $0.keyID, signature: $0.sign(input)) }
    }

    /// Adds one witness's signature (remote cosigning). The key must be a listed witness who has not signed yet.
    public func cosigned(by key: SignerKey) throws -> SignedStatement {
        let signers = statement.signers
        guard let position = signers.firstIndex(of: key.keyID), position > 0 else {
            throw LedgerError(.signatureInvalid, "this key is not a witness of the statement")
        }
        guard !signatures.contains(where: { $0.key == key.keyID }) else {
            throw LedgerError(.signatureInvalid, "this witness has already signed")
        }
        var sigs = signatures + [EntrySignature(key: key.keyID, signature: key.sign(statement.signingInput))]
        sigs.sort { signers.firstIndex(of: $0.key)! < signers.firstIndex(of: $1.key)! }
        return SignedStatement(statement: statement, signatures: sigs)
    }

    /// Checks that every signer signed, in order, with a valid signature, given each signer's public key.
    /// Returns the problems found (empty when all hold).
    public func signatureProblems(publicKey: (KeyID) -> SignerPublicKey?) -> [String] {
        var problems: [String] = []
        let signers = statement.signers
        if signatures.map(\.key) != signers {
            problems.append("the signatures do not match the actor and witnesses in order (expected \(signers.count), found \(signatures.count))")
        }
        let input = statement.signingInput
        for s in signatures {
            guard let pk = publicKey(s.key) else {
                problems.append("signature by key \(s.key.short) which is not enrolled")
                continue
            }
            if s.signature.count != 64 || !pk.isValidSignature(s.signature, for: input) {
                problems.append("signature by key \(s.key.short) does not verify")
            }
        }
        return problems
    }
}
