/// What the ledger records (SPEC §3):
/// `{"seq":N,"prev":"<hex>","logged":"<time>","statement":{...},"sigs":[...]}`.
///
/// The entry's bytes are its RFC 8785 canonical form; its leaf hash is
/// `SHA-256(0x00 || bytes)`, and the next entry's `prev` is that hash.
public struct Entry: Sendable, Hashable {
    /// Position in the ledger, from 0.
    public let seq: Int
    /// Leaf hash of the previous entry; all zeros for the genesis entry.
    public let prev: Hash
    /// When the ledger recorded it.
    public let logged: Timestamp
    public let statement: Statement
    /// The actor's signature first, then the witnesses'.
    public let signatures: [EntrySignature]

    public init(seq: Int, prev: Hash, logged: Timestamp, signed: SignedStatement) {
        self.seq = seq
        self.prev = prev
        self.logged = logged
        self.statement = signed.statement
        self.signatures = signed.signatures
    }

    /// The statement with its signatures.
    public var signed: SignedStatement { SignedStatement(statement: statement, signatures: signatures) }

    /// The JSON form.
    public var json: JSONValue {
        .object([
            "seq": .number(Double(seq)), "prev": .string(prev.hex), "logged": .string(logged.description),
            "statement": statement.json, "sigs": .array(signatures.map(\.json)),
        ])
    }

    /// The canonical bytes that are hashed into the chain and the Merkle tree.
    public var canonicalBytes: [UInt8] { JCS.serialize(json) }

    /// `canonicalBytes`, reusing the statement's canonical bytes (its signing input, already serialized
    /// by whoever checked its signatures) instead of serializing the statement again.
    ///
    /// JCS orders an entry's members `logged`, `prev`, `seq`, `sigs`, `statement`, and a member's value is
    /// serialized the same wherever it stands, so the entry's bytes are those of the other four members
    /// with `,"statement":` and the statement's bytes spliced in before the closing brace.
    ///
    /// - Precondition: `statementBytes` is `statement.signingInput`.
    public func canonicalBytes(statementBytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(statementBytes.count + 160 + 110 * signatures.count)
        JCS.serialize(.object(["seq": .number(Double(seq)), "prev": .string(prev.hex), "logged": .string(logged.description),
                               "sigs": .array(signatures.map(\.json))]), into: &out)
        out.removeLast()  // the closing brace
        out.append(contentsOf: #","statement":"#.utf8)
        out.append(contentsOf: statementBytes)
        out.append(0x7d)
        return out
    }

    /// The statement's canonical bytes within an entry's canonical bytes, without parsing them again.
    ///
    /// JCS orders an entry's members `logged`, `prev`, `seq`, `sigs`, `statement`, and nothing before
    /// `statement` can hold the text `,"statement":` (a timestamp, hex, a number, key ids and base64), so
    /// the statement runs from its first occurrence to the entry's closing brace. Returns nil when the
    /// bytes do not have that shape. Only for bytes already known to be a canonical entry.
    public static func statementBytes(inCanonical bytes: [UInt8]) -> [UInt8]? {
        bytes.withUnsafeBytes { b in statementRange(inCanonical: b).map { Array(b[$0]) } }
    }

    /// Where `statementBytes(inCanonical:)` lies in the entry's bytes, found in place.
    public static func statementRange(inCanonical b: UnsafeRawBufferPointer) -> Range<Int>? {
        let marker: StaticString = #","statement":"#
        let m = UnsafeRawBufferPointer(start: marker.utf8Start, count: marker.utf8CodeUnitCount)
        guard b.count > m.count + 2, b[b.count - 1] == 0x7d else { return nil }
        var i = 0
        let last = b.count - m.count
        while i < last {
            if b[i] == 0x2c, b[i + 1] == 0x22, b[i + 2] == 0x73 {
                var k = 3
                while k < m.count, b[i + k] == m[k] { k += 1 }
                if k == m.count { return (i + m.count)..<(b.count - 1) }
            }
            i += 1
        }
        return nil
    }

    /// Reads an entry from its stored bytes, which must be exactly its canonical form.
    public static func decode(canonicalBytes bytes: some Collection<UInt8>) throws -> Entry {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            throw LedgerError(.ledgerCorrupt, "the entry is not valid JSON (\(error))")
        }
        let entry = try Entry(json: json)
        // The one-pass check settles almost every entry; only what it cannot vouch for is re-serialized and compared.
        guard JCS.isCanonical(bytes) == true || Self.equal(JCS.serialize(json), bytes) else {
            throw LedgerError(.ledgerCorrupt, "the entry's bytes are not in canonical (RFC 8785) form")
        }
        return entry
    }

    /// Byte equality without going element by element through the generic collection (an entry is read a
    /// million times in a verification).
    private static func equal(_ a: [UInt8], _ b: some Collection<UInt8>) -> Bool {
        b.withContiguousStorageIfAvailable { y in a.withUnsafeBufferPointer { x in x.count == y.count && x.elementsEqual(y) } }
            ?? a.elementsEqual(b)
    }

    /// Reads an entry from its JSON form, refusing unknown members and malformed fields.
    public init(json: JSONValue) throws {
        guard let o = json.objectValue else { throw LedgerError(.ledgerCorrupt, "an entry must be a JSON object") }
        for key in o.keys where !["seq", "prev", "logged", "statement", "sigs"].contains(key) {
            throw LedgerError(.ledgerCorrupt, "an entry has an unknown member \"\(key.printablePrefix(40))\"")
        }
        guard let seq = o["seq"]?.integerValue, seq >= 0 else { throw LedgerError(.ledgerCorrupt, "entry \"seq\" must be a whole number from 0") }
        guard let p = o["prev"]?.stringValue, p.utf8.count == 64, p.lowercased() == p, let prev = Hash(hex: p) else {
            throw LedgerError(.ledgerCorrupt, "entry \"prev\" must be 64 lowercase hex characters")
        }
        guard let ls = o["logged"]?.stringValue, let logged = Timestamp(ls), logged.description == ls else {
            throw LedgerError(.ledgerCorrupt, "entry \"logged\" must be UTC with milliseconds")
        }
        guard let st = o["statement"] else { throw LedgerError(.ledgerCorrupt, "an entry needs a \"statement\"") }
        let statement = try Statement(json: st)
        guard let sigArray = o["sigs"]?.arrayValue else { throw LedgerError(.ledgerCorrupt, "entry \"sigs\" must be a list") }
        var sigs: [EntrySignature] = []
        for s in sigArray {
            guard let so = s.objectValue, so.count == 2, let k = so["key"]?.stringValue, let key = KeyID(k),
                  let b = so["sig"]?.stringValue, let sig = Base64.decode(b), sig.count == 64 else {
                throw LedgerError(.ledgerCorrupt, "each signature must be {\"key\": key id, \"sig\": base64 of 64 bytes}")
            }
            sigs.append(EntrySignature(key: key, signature: sig))
        }
        self.seq = seq
        self.prev = prev
        self.logged = logged
        self.statement = statement
        self.signatures = sigs
    }
}
