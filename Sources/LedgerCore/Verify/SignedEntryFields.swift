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
    /// Held in place (an entry read in place has at most `InPlaceList.capacity` signers).
    let witnesses: InPlaceList<KeyID>
    let signatures: InPlaceList<FieldSignature>
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
        var signatures = InPlaceList<FieldSignature>()
        if !r.expect("]") {
            repeat {
                guard r.expect(#"{"key":""#), let key = r.keyID(), r.expect(#"","sig":""#),
                      let sig = r.signature(), r.expect(#""}"#), signatures.append(FieldSignature(key: key, signature: sig)) else { return nil }
            } while r.expect(",")
            guard r.expect("]") else { return nil }
        }
        guard r.expect(#","statement":"#) else { return nil }
        let statementStart = r.i
        guard r.expect(#"{"actor":""#), let actor = r.keyID(), r.expect(#"","body":"#), r.peek() == 0x7b, r.skipValue() else { return nil }
        var log: String?
        if r.expect(#","log":""#) {
            // An origin: printable ASCII without escapes (anything else is left to the full reading).
            guard let content = r.plainContent(), let l = r.ids.origin(content) else { return nil }
            r.i += 1
            log = l
        }
        // A type the rules accept and none the enrolment state acts on (`KeyIDs.type`).
        guard r.expect(#","time":""#), r.time(), r.expect(#"","type":""#), let typeText = r.plainContent(),
              let type = r.ids.type(typeText) else { return nil }
        r.i += 1
        guard r.expect(#","v":1"#) else { return nil }
        var witnesses = InPlaceList<KeyID>()
        if r.expect(#","witnesses":["#) {
            // Present means a non-empty list of key ids.
            repeat {
                guard r.expect("\""), let k = r.keyID(), r.expect("\""), witnesses.append(k) else { return nil }
            } while r.expect(",")
            guard r.expect("]") else { return nil }
        }
        guard r.expect("}") else { return nil }
        let statementEnd = r.i
        guard r.expect("}"), r.i == b.count else { return nil }
        // The rules Statement.init enforces (the type's were checked as it was read).
        guard !witnesses.contains(actor), Self.allDifferent(witnesses) else { return nil }
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
    private static func allDifferent(_ keys: InPlaceList<KeyID>) -> Bool {
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

    /// Key ids already read, handed out again for the same 64 characters; likewise statement types and
    /// origins. A ledger has a few dozen signers, a few dozen types and one origin, and an entry names two to
    /// four key ids, a type and its origin: without this, each was a new string, allocated here and freed on
    /// the thread that checks the entry, and two of them compared byte by byte instead of found to be the
    /// same storage. Characters are compared eight bytes at a time.
    struct KeyIDs {
        /// Each known key id's 64 characters, back to back, and its first 8 as a word (compared first).
        private var knownText: [UInt8] = []
        private var known: [(prefix: UInt64, id: KeyID)] = []
        /// Types and origins already read and accepted: the characters back to back, and for each its place
        /// in them, its first and last 8 bytes (fewer: zero-padded) as words, and the string.
        private var textBytes: [UInt8] = []
        private var texts: [(kind: UInt8, start: Int, count: Int, head: UInt64, tail: UInt64, text: String)] = []
        init() {}

        /// The key id of `text`, 64 lowercase hex characters (checked by the caller).
        mutating func id(_ text: UnsafeRawBufferPointer) -> KeyID {
            let prefix = text.loadUnaligned(as: UInt64.self)
            for (n, k) in known.enumerated() where k.prefix == prefix {
                if knownText.withUnsafeBytes({ Self.equal(UnsafeRawBufferPointer(rebasing: $0[(n * 64)..<(n * 64 + 64)]), text) }) {
                    return k.id
                }
            }
            let id = KeyID(checkedHex: String(decoding: text, as: UTF8.self))
            // Bounded: a ledger with more signers than this reads the others as before.
            if known.count < 256 {
                known.append((prefix, id))
                knownText.append(contentsOf: text)
            }
            return id
        }

        /// A statement type that `Statement.isValidType` accepts and that `SignedEntryFields.changesSigners`
        /// does not hold, as a string; nil for any other.
        mutating func type(_ text: UnsafeRawBufferPointer) -> String? {
            intern(text, kind: 0) { Statement.isValidType($0) && !SignedEntryFields.changesSigners.contains($0) }
        }

        /// An origin `SignerRegistry.isValidOrigin` accepts, as a string; nil for anything else.
        mutating func origin(_ text: UnsafeRawBufferPointer) -> String? {
            intern(text, kind: 1) { SignerRegistry.isValidOrigin($0) }
        }

        /// The string of `text` read before as the same kind, or a new one if `accept` takes it (kept, up to 256).
        private mutating func intern(_ text: UnsafeRawBufferPointer, kind: UInt8, accept: (String) -> Bool) -> String? {
            let (head, tail) = Self.ends(text)
            for t in texts where t.head == head && t.tail == tail && t.count == text.count && t.kind == kind {
                if textBytes.withUnsafeBytes({ Self.equal(UnsafeRawBufferPointer(rebasing: $0[t.start..<(t.start + t.count)]), text) }) {
                    return t.text
                }
            }
            let string = String(decoding: text, as: UTF8.self)
            guard accept(string) else { return nil }
            if texts.count < 256 {
                texts.append((kind, textBytes.count, text.count, head, tail, string))
                textBytes.append(contentsOf: text)
            }
            return string
        }

        /// The first and the last 8 bytes of `text` as words (a shorter text: its bytes, zero-padded, twice).
        private static func ends(_ text: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
            guard text.count < 8 else {
                return (text.loadUnaligned(as: UInt64.self), text.loadUnaligned(fromByteOffset: text.count - 8, as: UInt64.self))
            }
            var w: UInt64 = 0
            for (k, b) in text.enumerated() { w |= UInt64(b) << (8 * k) }
            return (w, w)
        }

        /// Whether two byte strings of the same length are equal, eight bytes at a time.
        private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
            guard a.count == b.count else { return false }
            var k = 0, diff: UInt64 = 0
            while k + 8 <= a.count {
                diff |= a.loadUnaligned(fromByteOffset: k, as: UInt64.self) ^ b.loadUnaligned(fromByteOffset: k, as: UInt64.self)
                k += 8
            }
            while k < a.count {
                diff |= UInt64(a[k] ^ b[k])
                k += 1
            }
            return diff == 0
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
            // Eight digits at a time (`EntryHeader.hexWord` accepts exactly 0-9 and a-f).
            for k in stride(from: 0, to: 64, by: 8) {
                guard EntryHeader.hexWord(UInt64(littleEndian: text.loadUnaligned(fromByteOffset: k, as: UInt64.self))) != nil else { return nil }
            }
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

        /// Base64 of 64 bytes up to the closing quote (left for the caller), decoded strictly.
        mutating func signature() -> Signature64? {
            guard let content = plainContent() else { return nil }
            return Signature64(base64: content)
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
                    // Eight bytes at a time while none is a quote or a backslash.
                    while i + 8 <= bytes.count {
                        let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                        guard !ByteScan.hasByte(w, 0x22), !ByteScan.hasByte(w, 0x5c) else { break }
                        i += 8
                    }
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
