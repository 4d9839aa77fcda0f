import Crypto

/// A SHA-256 digest: leaf hashes, Merkle nodes, key ids, commitments.
///
/// The 32 bytes are held inline (no heap storage), so making, copying and comparing hashes allocates
/// nothing: the verifier handles millions of them.
public struct Hash: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The digest's bytes in memory order (byte 0 first), as four words.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// The 32 digest bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The all-zero hash, the `prev` of the genesis entry.
    public static let zero = Hash(words: (0, 0, 0, 0))

    private init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// Wraps 32 bytes; returns nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.init(words: (0, 0, 0, 0))
        withUnsafeMutableBytes { out in
            if bytes.withContiguousStorageIfAvailable({ out.copyMemory(from: UnsafeRawBufferPointer($0)) }) == nil {
                for (i, b) in bytes.enumerated() { out[i] = b }
            }
        }
    }

    /// Copies exactly 32 bytes (the caller has checked the count).
    init(unchecked raw: UnsafeRawBufferPointer) {
        precondition(raw.count == 32)
        self.init(words: (0, 0, 0, 0))
        withUnsafeMutableBytes { $0.copyMemory(from: raw) }
    }

    init(unchecked bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { Hash(unchecked: $0) }
    }

    /// A finished SHA-256 digest.
    init(_ digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { Hash(unchecked: $0) }
    }

    /// Calls `body` with the 32 bytes.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeMutableBytes(of: &words, body)
    }

    /// SHA-256 of `data`.
    public static func sha256(_ data: some Collection<UInt8>) -> Hash {
        var h = SHA256()
        if let done: Void = data.withContiguousStorageIfAvailable({ h.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
            _ = done
        } else {
            h.update(data: Array(data))
        }
        return Hash(h.finalize())
    }

    /// Parses 64 hex digits (either case).
    public init?(hex: some StringProtocol) {
        guard let b = Hex.decode(hex), b.count == 32 else { return nil }
        self.init(unchecked: b)
    }

    /// Decodes RFC 4648 base64 of 32 bytes.
    public init?(base64: String) {
        guard let b = Base64.decode(base64), b.count == 32 else { return nil }
        self.init(unchecked: b)
    }

    /// Lowercase hex, 64 characters.
    public var hex: String { Hex.encode(bytes) }
    /// RFC 4648 base64 with padding.
    public var base64: String { Base64.encode(bytes) }
    public var description: String { hex }

    public static func == (a: Hash, b: Hash) -> Bool {
        (a.words.0 ^ b.words.0) | (a.words.1 ^ b.words.1) | (a.words.2 ^ b.words.2) | (a.words.3 ^ b.words.3) == 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// Byte-wise order (as the hex strings sort).
    public static func < (a: Hash, b: Hash) -> Bool {
        // Read as big-endian numbers, the words compare in byte order.
        let x = (UInt64(bigEndian: a.words.0), UInt64(bigEndian: a.words.1), UInt64(bigEndian: a.words.2), UInt64(bigEndian: a.words.3))
        let y = (UInt64(bigEndian: b.words.0), UInt64(bigEndian: b.words.1), UInt64(bigEndian: b.words.2), UInt64(bigEndian: b.words.3))
        return x < y
    }
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

    /// Calls `body` with the table of each character's sextet (0xff: not a base64 character).
    static func withReverseTable<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R { reverse.withUnsafeBufferPointer(body) }

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
        Array(text.utf8).withUnsafeBufferPointer { decode(utf8: $0) }
    }

    /// Decodes base64 given as UTF-8 bytes (read in place): `decode(utf8:into:)`, into an array of the size it needs.
    static func decode(utf8 u: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard u.count % 4 == 0 else { return nil }
        var out = [UInt8](repeating: 0, count: u.count / 4 * 3)
        guard let written = out.withUnsafeMutableBytes({ decode(utf8: u, into: $0) }) else { return nil }
        out.removeLast(out.count - written)
        return out
    }
}

/// SHA-256 over bytes given in pieces (the digest of the tables kept beside the entries).
public struct StreamingSHA256: Sendable {
    private var h = SHA256()
    public init() {}
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { h.update(bufferPointer: bytes) }
    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { h.update(bufferPointer: $0) } }
    public func finalize() -> Hash { Hash(h.finalize()) }
}
