/// Eight-bytes-at-a-time tests used to skip over plain string content
/// quickly in the parser and the JCS writer.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether some byte of `w` is below `n` (exact for n <= 128).
    @inline(__always)
    static func hasByteBelow(_ w: UInt64, _ n: UInt8) -> Bool {
        (w &- ones &* UInt64(n)) & ~w & highs != 0
    }

    /// Whether some byte of `w` equals `b`.
    @inline(__always)
    static func hasByte(_ w: UInt64, _ b: UInt8) -> Bool {
        let x = w ^ (ones &* UInt64(b))
        return (x &- ones) & ~x & highs != 0
    }

    /// Whether the eight bytes need no escaping in JCS output: none is `"`,
    /// `\` or below U+0020 (bytes of multi-byte UTF-8 sequences are fine).
    @inline(__always)
    static func isPlainForOutput(_ w: UInt64) -> Bool {
        !(hasByteBelow(w, 0x20) || hasByte(w, 0x22) || hasByte(w, 0x5c))
    }

    /// Whether the eight bytes are ASCII string content needing no further
    /// attention from the parser: no `"`, `\`, control or non-ASCII byte.
    @inline(__always)
    static func isPlainASCIIForInput(_ w: UInt64) -> Bool {
        w & highs == 0 && isPlainForOutput(w)
    }

    /// The eight bytes at `offset`, which must be in bounds.
    @inline(__always)
    static func load(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> UInt64 {
        UnsafeRawPointer(bytes.baseAddress.unsafelyUnwrapped + offset).loadUnaligned(as: UInt64.self)
    }
}
