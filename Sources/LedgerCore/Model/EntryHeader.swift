/// The first three members of an entry's canonical bytes, read without parsing the rest:
/// `{"logged":"<24-char time>","prev":"<64 hex>","seq":<n>,"sigs":...`.
///
/// JCS sorts an entry's members `logged`, `prev`, `seq`, `sigs`, `statement`, and `logged` is always
/// written with exactly three fractional digits, so in a canonical entry these sit at fixed places.
/// The hash-chain-only verification reads them to follow the chain; anything that does not have
/// this exact shape is handed to the full parser, which says what is wrong with it.
package struct EntryHeader: Sendable, Equatable {
    package let logged: Timestamp
    package let prev: Hash
    package let seq: Int

    /// For tests and callers that already know the fields.
    package init(logged: Timestamp, prev: Hash, seq: Int) {
        self.logged = logged
        self.prev = prev
        self.seq = seq
    }

    // The fixed words around the three values: `{"logged":"`, `","prev":"`, `","seq":`, `,"sigs":`.
    private static let headLength = 11, prevKeyLength = 10, seqKeyLength = 8, sigsKeyLength = 8
    /// Where the digits of `seq` begin.
    static let seqOffset = headLength + 24 + prevKeyLength + 64 + seqKeyLength

    /// Reads the header; nil when the bytes do not start in the canonical shape.
    package init?(canonical bytes: [UInt8]) {
        guard let h = bytes.withUnsafeBytes({ EntryHeader(canonical: $0) }) else { return nil }
        self = h
    }

    /// Reads the header from bytes in place (a database page, a batch buffer), allocating nothing;
    /// nil when the bytes do not start in the canonical shape.
    package init?(canonical b: UnsafeRawBufferPointer) {
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
        // Eight digits at a time: the digits are random, so a branch per digit would mispredict half the time.
        let hexOK = prev.withUnsafeMutableBytes { out -> Bool in
            var valid = true
            for k in 0..<8 {
                let word = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: prevAt + 8 * k, as: UInt64.self))
                guard let four = Self.hexWord(word) else {
                    valid = false
                    break
                }
                withUnsafeBytes(of: four.littleEndian) { out.baseAddress!.advanced(by: 4 * k).copyMemory(from: $0.baseAddress!, byteCount: 4) }
            }
            return valid
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
    static func canonicalTime(_ b: UnsafeRawBufferPointer, at offset: Int) -> Timestamp? {
        Timestamp(canonicalUTF8: b.assumingMemoryBound(to: UInt8.self), at: offset)
    }

    /// Eight lowercase hex digits (the first in the lowest byte) as four bytes (the first in the lowest byte);
    /// nil if any is not a lowercase hex digit. Every byte is handled at once, within the word.
    @inline(__always)
    static func hexWord(_ x: UInt64) -> UInt32? {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        guard x & highs == 0 else { return nil }
        // For bytes below 0x80: the high bit of each byte of `atLeast(n)` says whether that byte is >= n.
        @inline(__always) func atLeast(_ n: UInt64) -> UInt64 { (x &+ (0x80 &- n) &* ones) & highs }
        let digit = atLeast(0x30) & ~atLeast(0x3a)
        let letter = atLeast(0x61) & ~atLeast(0x67)
        guard digit | letter == highs else { return nil }
        // '0'...'9' are 0x30...0x39 and 'a'...'f' 0x61...0x66: the low nibble, plus 9 for a letter.
        let value = (x & (ones &* 0x0f)) &+ (letter >> 7) &* 9
        // Pairs of nibbles into bytes: in each 16-bit lane the first digit (low byte) is the high nibble.
        let lanes = ((value << 4) & 0x00f0_00f0_00f0_00f0) | ((value >> 8) & 0x000f_000f_000f_000f)
        return UInt32(truncatingIfNeeded: lanes & 0xff) | UInt32(truncatingIfNeeded: (lanes >> 16) & 0xff) << 8
            | UInt32(truncatingIfNeeded: (lanes >> 32) & 0xff) << 16 | UInt32(truncatingIfNeeded: (lanes >> 48) & 0xff) << 24
    }
}
