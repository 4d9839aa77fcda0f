import Crypto

/// A SHA-256 digest: leaf hashes, Merkle nodes, key ids, commitments.
public struct Hash: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    /// The all-zero hash, the `prev` of the genesis entry.
    public static let zero = Hash(unchecked: [UInt8](repeating: 0, count: 32))

    /// Wraps 32 bytes; returns nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.bytes = Array(bytes)
    }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// SHA-256 of `data`.
    public static func sha256(_ data: some Collection<UInt8>) -> Hash {
        var h = SHA256()
        if let done: Void = data.withContiguousStorageIfAvailable({ h.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
            _ = done
        } else {
            h.update(data: Array(data))
        }
        return Hash(unchecked: Array(h.finalize()))
    }

    /// Parses 64 hex digits (either case).
    public init?(hex: some StringProtocol) {
        guard let b = Hex.decode(hex), b.count == 32 else { return nil }
        self.bytes = b
    }

    /// Decodes RFC 4648 base64 of 32 bytes.
    public init?(base64: String) {
        guard let b = Base64.decode(base64), b.count == 32 else { return nil }
        self.bytes = b
    }

    /// Lowercase hex, 64 characters.
    public var hex: String { Hex.encode(bytes) }
    /// RFC 4648 base64 with padding.
    public var base64: String { Base64.encode(bytes) }
    public var description: String { hex }

    public static func < (a: Hash, b: Hash) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

/// Lowercase hexadecimal.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}

/// RFC 4648 base64 with padding; decoding is strict (no whitespace, canonical padding).
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [UInt8] = {
        var r = [UInt8](repeating: 0xff, count: 256)
        for (i, c) in alphabet.enumerated() { r[Int(c)] = UInt8(i) }
        return r
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let b = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((b.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= b.count {
            let n = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = b.count - i
        if rest == 1 {
            let n = UInt32(b[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], 0x3d, 0x3d]
        } else if rest == 2 {
            let n = UInt32(b[i]) << 16 | UInt32(b[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], 0x3d]
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 4 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(u.count / 4 * 3)
        var i = 0
        while i < u.count {
            let last = i + 4 == u.count
            var vals = [UInt32](repeating: 0, count: 4)
            var pad = 0
            for j in 0..<4 {
                let c = u[i + j]
                if c == 0x3d {
                    guard last, j >= 2 else { return nil }
                    pad += 1
                    continue
                }
                guard pad == 0 else { return nil }
                let v = reverse[Int(c)]
                guard v != 0xff else { return nil }
                vals[j] = UInt32(v)
            }
            let n = vals[0] << 18 | vals[1] << 12 | vals[2] << 6 | vals[3]
            out.append(UInt8(n >> 16 & 0xff))
            if pad < 2 { out.append(UInt8(n >> 8 & 0xff)) }
            if pad < 1 { out.append(UInt8(n & 0xff)) }
            // Canonical: the bits dropped by padding must be zero.
            if pad == 1, n & 0xff != 0 { return nil }
            if pad == 2, n & 0xffff != 0 { return nil }
            i += 4
        }
        return out
    }
}
