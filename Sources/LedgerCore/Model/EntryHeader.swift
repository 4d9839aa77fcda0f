/// The first three members of an entry's canonical bytes, read without parsing the rest:
/// `{"logged":"<24-char time>","prev":"<64 hex>","seq":<n>,"sigs":...`.
///
/// JCS sorts an entry's members `logged`, `prev`, `seq`, `sigs`, `statement`, and `logged` is always
/// written with exactly three fractional digits, so in a canonical entry these sit at fixed places.
/// The hash-chain-only verification reads them to follow the chain; anything that does not have
/// this exact shape is handed to the full parser, which says what is wrong with it.
public struct EntryHeader: Sendable, Equatable {
    public let logged: Timestamp
    public let prev: Hash
    public let seq: Int

    /// For tests and callers that already know the fields.
    public init(logged: Timestamp, prev: Hash, seq: Int) {
        self.logged = logged
        self.prev = prev
        self.seq = seq
    }

    private static let head = Array(#"{"logged":""#.utf8)
    private static let prevKey = Array(#"","prev":""#.utf8)
    private static let seqKey = Array(#"","seq":"#.utf8)
    private static let sigsKey = Array(#","sigs":"#.utf8)

    /// Reads the header; nil when the bytes do not start in the canonical shape.
    public init?(canonical bytes: [UInt8]) {
        let loggedAt = Self.head.count, prevKeyAt = loggedAt + 24, prevAt = prevKeyAt + Self.prevKey.count
        let seqKeyAt = prevAt + 64, seqAt = seqKeyAt + Self.seqKey.count
        guard bytes.count > seqAt + 1 + Self.sigsKey.count else { return nil }
        let parsed: (Timestamp, Hash, Int)? = bytes.withUnsafeBufferPointer { b in
            func matches(_ word: [UInt8], at offset: Int) -> Bool {
                for k in 0..<word.count where b[offset + k] != word[k] { return false }
                return true
            }
            guard matches(Self.head, at: 0), matches(Self.prevKey, at: prevKeyAt), matches(Self.seqKey, at: seqKeyAt) else { return nil }
            guard let logged = Self.canonicalTime(b, at: loggedAt) else { return nil }
            var prev = [UInt8](repeating: 0, count: 32)
            for k in 0..<32 {
                guard let hi = Self.nibble(b[prevAt + 2 * k]), let lo = Self.nibble(b[prevAt + 2 * k + 1]) else { return nil }
                prev[k] = hi << 4 | lo
            }
            var i = seqAt
            var seq = 0
            while i < b.count, (0x30...0x39).contains(b[i]), i - seqAt < 16 {
                seq = seq * 10 + Int(b[i] - 0x30)
                i += 1
            }
            guard i > seqAt, b[seqAt] != 0x30 || i == seqAt + 1, i + Self.sigsKey.count <= b.count, matches(Self.sigsKey, at: i) else { return nil }
            return (logged, Hash(unchecked: prev), seq)
        }
        guard let parsed else { return nil }
        (logged, prev, seq) = parsed
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` at `offset`, read from the bytes: a valid date and time in exactly this
    /// fixed-width form is the one way the ledger writes that instant, so nothing else needs comparing.
    private static func canonicalTime(_ b: UnsafeBufferPointer<UInt8>, at offset: Int) -> Timestamp? {
        func num(_ at: Int, _ count: Int) -> Int? {
            var v = 0
            for k in 0..<count {
                let c = b[offset + at + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard b[offset + 4] == 0x2d, b[offset + 7] == 0x2d, b[offset + 10] == 0x54, b[offset + 13] == 0x3a, b[offset + 16] == 0x3a,
              b[offset + 19] == 0x2e, b[offset + 23] == 0x5a,
              let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
              let ms = num(20, 3), (1...12).contains(mo), d >= 1, d <= Timestamp.daysInMonth(year: y, month: mo), h < 24, mi < 60, s < 60
        else { return nil }
        let days = Timestamp.daysFromCivil(y, mo, d)
        return Timestamp(millisecondsSinceEpoch: ((days * 24 + Int64(h)) * 60 + Int64(mi)) * 60_000 + Int64(s) * 1000 + Int64(ms))
    }

    /// Lowercase hex only, as the canonical form writes it.
    @inline(__always)
    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
