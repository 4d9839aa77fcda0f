/// What full verification needs from an ordinary entry, read straight from its canonical bytes without
/// building a JSON tree: the header, the signers, the signatures, the statement type and where the
/// statement (the signing input) lies.
///
/// Building `Entry` means a dictionary, strings and arrays for every value of the statement's body,
/// which the verifier never looks at: for a typical entry that cost a tenth as much as its Ed25519
/// checks. Canonical bytes (RFC 8785) leave one way to write an entry:
///
///     {"logged":"…","prev":"…","seq":N,"sigs":[{"key":"…","sig":"…"},…],
///      "statement":{"actor":"…","body":{…},"time":"…","type":"…","v":1[,"witnesses":["…",…]]}}
///
/// so the fields sit in a fixed order. This reader accepts only that shape, checks every field exactly as
/// `Entry(json:)` and `Statement(json:)` would, and returns nil for anything else, and for whatever it
/// does not handle (non-ASCII bytes, very large entries, the statement types that change the enrolment
/// state), so that the full reading decides those, with its own messages.
struct SignedEntryFields: Sendable {
    let header: EntryHeader
    let type: String
    let actor: KeyID
    let witnesses: [KeyID]
    let signatures: [EntrySignature]
    /// The statement's `log` (the ledger it names), if any.
    let log: String?
    /// Where the statement's bytes lie within the entry's.
    let statement: Range<Int>

    /// Everyone who must sign, in order: the actor, then the witnesses.
    var signers: [KeyID] { [actor] + witnesses }

    /// Reads an entry whose bytes `JCS.isCanonical` has already accepted.
    init?(canonical b: UnsafeRawBufferPointer) {
        var ids = KeyIDs()
        self.init(canonical: b, ids: &ids)
    }

    /// Reads an entry whose bytes `JCS.isCanonical` has already accepted; its key ids come from `ids` when
    /// they were read before (the same entries' reader, one thread).
    init?(canonical b: UnsafeRawBufferPointer, ids: inout KeyIDs) {
        // Within the parser's limits (input and string sizes), and plain ASCII: the parser compares
        // member names by Unicode equivalence, which this reader does not repeat.
        guard b.count <= 1 << 18, Self.isASCII(b), let header = EntryHeader(canonical: b) else { return nil }
        var r = Reader(bytes: b)
        swap(&r.ids, &ids)
        defer { swap(&r.ids, &ids) }
        // After the header: `"seq":<digits>` ends where `,"sigs":[` begins.
        r.i = EntryHeader.seqOffset
        while r.i < b.count, (0x30...0x39).contains(b[r.i]) { r.i += 1 }
        guard r.expect(#","sigs":["#) else { return nil }
        var signatures: [EntrySignature] = []
        if !r.expect("]") {
            repeat {
                guard r.expect(#"{"key":""#), let key = r.keyID(), r.expect(#"","sig":""#),
                      let sig = r.base64(), sig.count == 64, r.expect(#""}"#) else { return nil }
                signatures.append(EntrySignature(key: key, signature: sig))
            } while r.expect(",")
            guard r.expect("]") else { return nil }
        }
        guard r.expect(#","statement":"#) else { return nil }
        let statementStart = r.i
        guard r.expect(#"{"actor":""#), let actor = r.keyID(), r.expect(#"","body":"#), r.peek() == 0x7b, r.skipValue() else { return nil }
        var log: String?
        if r.expect(#","log":""#) {
            // An origin: printable ASCII without escapes (anything else is left to the full reading).
            guard let l = r.plainString(), SignerRegistry.isValidOrigin(l) else { return nil }
            log = l
        }
        guard r.expect(#","time":""#), r.time(), r.expect(#"","type":""#), let type = r.plainString(),
              r.expect(#","v":1"#) else { return nil }
        var witnesses: [KeyID] = []
        if r.expect(#","witnesses":["#) {
            // Present means a non-empty list of key ids.
            repeat {
                guard r.expect("\""), let k = r.keyID(), r.expect("\"") else { return nil }
                witnesses.append(k)
            } while r.expect(",")
            guard r.expect("]") else { return nil }
        }
        guard r.expect("}") else { return nil }
        let statementEnd = r.i
        guard r.expect("}"), r.i == b.count else { return nil }
        // The rules Statement.init enforces, and no statement the enrolment state must read.
        guard Statement.isValidType(type), !witnesses.contains(actor), Self.allDifferent(witnesses),
              !Self.changesSigners.contains(type) else { return nil }
        self.header = header
        self.type = type
        self.actor = actor
        self.witnesses = witnesses
        self.signatures = signatures
        self.log = log
        self.statement = statementStart..<statementEnd
    }

    /// Types `SignerRegistry.apply` acts on; entries of these are read in full.
    static let changesSigners: Set<String> = [
        CoreStatementType.ledgerCreated, CoreStatementType.actorEnrolled, CoreStatementType.actorRevoked,
        CoreStatementType.facilityKeyRotated, CoreStatementType.ledgerUpgraded,
    ]

    /// No key twice (lists of witnesses are short: compared pairwise, without a set).
    private static func allDifferent(_ keys: [KeyID]) -> Bool {
        for i in keys.indices {
            for j in keys.indices where j > i && keys[i] == keys[j] { return false }
        }
        return true
    }

    private static func isASCII(_ b: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        var high: UInt64 = 0
        while i + 8 <= b.count {
            high |= b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < b.count {
            high |= UInt64(b[i])
            i += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// Key ids already read, handed out again for the same 64 characters. A ledger has a few dozen signers,
    /// and an entry names two to four: without this, each was a new 64-byte string, allocated here and freed
    /// on the thread that checks the entry, and two of them compared byte by byte instead of found to be the
    /// same storage.
    struct KeyIDs {
        private var known: [(prefix: UInt64, id: KeyID)] = []
        init() {}

        /// The key id of `text`, 64 lowercase hex characters (checked by the caller).
        mutating func id(_ text: UnsafeRawBufferPointer) -> KeyID {
            let prefix = text.loadUnaligned(as: UInt64.self)
            for k in known where k.prefix == prefix {
                var hex = k.id.hex
                if hex.withUTF8({ UnsafeRawBufferPointer($0).elementsEqual(text) }) { return k.id }
            }
            let id = KeyID(checkedHex: String(decoding: text, as: UTF8.self))
            // Bounded: a ledger with more signers than this reads the others as before.
            if known.count < 256 { known.append((prefix, id)) }
            return id
        }
    }

    /// A bounds-checked cursor over the bytes.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var i = 0
        var ids = KeyIDs()

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

        /// Steps over `word` if it comes next.
        mutating func expect(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            let w = word.utf8Start
            for k in 0..<n where bytes[i + k] != w[k] { return false }
            i += n
            return true
        }

        /// 64 lowercase hex digits.
        mutating func keyID() -> KeyID? {
            guard i + 64 <= bytes.count else { return nil }
            let text = UnsafeRawBufferPointer(rebasing: bytes[i..<(i + 64)])
            guard text.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
            i += 64
            return ids.id(text)
        }

        /// String content up to the closing quote, which must hold no escape; the cursor ends on the quote.
        mutating func plainContent() -> UnsafeRawBufferPointer? {
            let start = i
            while i < bytes.count, bytes[i] != 0x22 {
                guard bytes[i] != 0x5c else { return nil }
                i += 1
            }
            guard i < bytes.count else { return nil }
            return UnsafeRawBufferPointer(rebasing: bytes[start..<i])
        }

        /// A string's content without escapes, and its closing quote.
        mutating func plainString() -> String? {
            guard let content = plainContent() else { return nil }
            i += 1
            return String(decoding: content, as: UTF8.self)
        }

        /// Base64 up to the closing quote (left for the caller), decoded strictly.
        mutating func base64() -> [UInt8]? {
            guard let content = plainContent() else { return nil }
            return Base64.decode(utf8: content.assumingMemoryBound(to: UInt8.self))
        }

        /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, the only form `Timestamp(_:)` reads back to the same text.
        mutating func time() -> Bool {
            guard i + 24 <= bytes.count, EntryHeader.canonicalTime(bytes, at: i) != nil else { return false }
            i += 24
            return true
        }

        /// Steps over one JSON value (already known to be valid canonical JSON).
        mutating func skipValue() -> Bool {
            var depth = 0
            while i < bytes.count {
                switch bytes[i] {
                case 0x22:
                    i += 1
                    while i < bytes.count, bytes[i] != 0x22 { i += bytes[i] == 0x5c ? 2 : 1 }
                    guard i < bytes.count else { return false }
                case 0x7b, 0x5b:
                    depth += 1
                case 0x7d, 0x5d:
                    depth -= 1
                    guard depth > 0 else {
                        i += 1
                        return depth == 0
                    }
                default:
                    guard depth > 0 else { return false }
                }
                i += 1
            }
            return false
        }
    }
}
