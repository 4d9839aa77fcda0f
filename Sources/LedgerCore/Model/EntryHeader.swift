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
            guard let logged = Timestamp(String(decoding: b[loggedAt..<prevKeyAt], as: UTF8.self)) else { return nil }
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
        guard let parsed, parsed.0.description.utf8.elementsEqual(bytes[loggedAt..<prevKeyAt]) else { return nil }
        (logged, prev, seq) = parsed
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
