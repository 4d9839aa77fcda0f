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

    // The fixed words around the three values: `{"logged":"`, `","prev":"`, `","seq":`, `,"sigs":`.
    private static let headLength = 11, prevKeyLength = 10, seqKeyLength = 8, sigsKeyLength = 8

    /// Reads the header; nil when the bytes do not start in the canonical shape.
    public init?(canonical bytes: [UInt8]) {
        guard let h = bytes.withUnsafeBytes({ EntryHeader(canonical: $0) }) else { return nil }
        self = h
    }

    /// Reads the header from bytes in place (a database page, a batch buffer), allocating nothing;
    /// nil when the bytes do not start in the canonical shape.
    public init?(canonical b: UnsafeRawBufferPointer) {
        let loggedAt = Self.headLength, prevKeyAt = loggedAt + 24, prevAt = prevKeyAt + Self.prevKeyLength
        let seqKeyAt = prevAt + 64, seqAt = seqKeyAt + Self.seqKeyLength
        guard b.count > seqAt + 1 + Self.sigsKeyLength else { return nil }
        @inline(__always) func matches(_ word: StaticString, at offset: Int) -> Bool {
            let w = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            for k in 0..<w.count where b[offset + k] != w[k] { return false }
            return true
        }
        guard matches(#"{"logged":""#, at: 0), matches(#"","prev":""#, at: prevKeyAt), matches(#"","seq":"#, at: seqKeyAt),
              let logged = Self.canonicalTime(b, at: loggedAt) else { return nil }
        var prev = Hash.zero
        let hexOK = prev.withUnsafeMutableBytes { out -> Bool in
            // Branch-free (hex digits are random, so branches would mispredict half the time): every
            // digit is decoded, and one flag says whether all of them were lowercase hex.
            var bad: UInt8 = 0
            for k in 0..<32 {
                let (hi, hiBad) = Self.hexValue(b[prevAt + 2 * k])
                let (lo, loBad) = Self.hexValue(b[prevAt + 2 * k + 1])
                out[k] = hi << 4 | lo
                bad |= hiBad | loBad
            }
            return bad == 0
        }
        guard hexOK else { return nil }
        var i = seqAt
        var seq = 0
        while i < b.count, (0x30...0x39).contains(b[i]), i - seqAt < 16 {
            seq = seq * 10 + Int(b[i] - 0x30)
            i += 1
        }
        guard i > seqAt, b[seqAt] != 0x30 || i == seqAt + 1, i + Self.sigsKeyLength <= b.count, matches(#","sigs":"#, at: i) else { return nil }
        self.logged = logged
        self.prev = prev
        self.seq = seq
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` at `offset`, read from the bytes: a valid date and time in exactly this
    /// fixed-width form is the one way the ledger writes that instant, so nothing else needs comparing.
    private static func canonicalTime(_ b: UnsafeRawBufferPointer, at offset: Int) -> Timestamp? {
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

    /// A lowercase hex digit's value, and 1 if `c` is not one (else 0); computed without branches.
    @inline(__always)
    private static func hexValue(_ c: UInt8) -> (value: UInt8, bad: UInt8) {
        let digit = c &- 0x30, letter = c &- 0x61
        let isDigit: UInt8 = digit < 10 ? 1 : 0, isLetter: UInt8 = letter < 6 ? 1 : 0
        return (isDigit == 1 ? digit : letter &+ 10, (isDigit | isLetter) ^ 1)
    }
}
