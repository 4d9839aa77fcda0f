/// An Ed25519 signature's 64 bytes, held in place: verification reads one or more per entry, and an array
/// each (allocated on the reader, freed on the thread that checks it) cost more than reading them.
struct Signature64: Sendable, Equatable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    /// Exactly 64 bytes; nil for any other length.
    init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 64 else { return nil }
        Swift.withUnsafeMutableBytes(of: &words) { out in
            for (i, b) in bytes.enumerated() { out[i] = b }
        }
    }

    /// Strict base64 (as `Base64.decode`) of exactly 64 bytes, given as UTF-8 bytes; nil for anything else.
    init?(base64 text: UnsafeRawBufferPointer) {
        guard text.count == 88 else { return nil }
        let n = Swift.withUnsafeMutableBytes(of: &words) { Base64.decode(utf8: text.assumingMemoryBound(to: UInt8.self), into: $0) }
        guard n == 64 else { return nil }
    }

    /// Calls `body` with the 64 bytes.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    static func == (a: Signature64, b: Signature64) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
    }
}

/// Up to four values held in place, in order: an entry's witnesses, or its signatures (an entry read in place
/// has at most this many signers; one with more is read in full).
struct InPlaceList<Element: Sendable>: Sendable, RandomAccessCollection {
    static var capacity: Int { 4 }
    private var e0, e1, e2, e3: Element?
    private(set) var count = 0

    init() {}

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(i: Int) -> Element {
        precondition(i >= 0 && i < count)
        switch i {
        case 0: return e0!
        case 1: return e1!
        case 2: return e2!
        default: return e3!
        }
    }

    /// Adds `x` at the end; false (and nothing added) when the list is full.
    mutating func append(_ x: Element) -> Bool {
        switch count {
        case 0: e0 = x
        case 1: e1 = x
        case 2: e2 = x
        case 3: e3 = x
        default: return false
        }
        count += 1
        return true
    }
}

/// One signature of an entry read in place: the key id and the 64 bytes.
struct FieldSignature: Sendable, Equatable {
    let key: KeyID
    let signature: Signature64
}

/// A signature as the verifier takes it from either reading of an entry: the key id, and the 64 bytes (nil
/// when the entry holds another number of bytes, which no key verifies).
protocol SignatureOfKey {
    var key: KeyID { get }
    var signature64: Signature64? { get }
}

extension FieldSignature: SignatureOfKey {
    var signature64: Signature64? { signature }
}

extension EntrySignature: SignatureOfKey {
    var signature64: Signature64? { Signature64(signature) }
}

extension Base64 {
    /// Decodes strict base64 (as `decode(utf8:)`) into `out`; the number of bytes written, or nil when the text
    /// is not strict base64 or decodes to more than `out` holds.
    static func decode(utf8 u: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard u.count % 4 == 0 else { return nil }
        return withReverseTable { reverse in decode(utf8: u, into: out, reverse: reverse) }
    }

    private static func decode(utf8 u: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableRawBufferPointer,
                               reverse: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0, o = 0
        while i < u.count {
            let last = i + 4 == u.count
            var n: UInt32 = 0
            var pad = 0
            for j in 0..<4 {
                let c = u[i + j]
                n <<= 6
                if c == 0x3d {
                    guard last, j >= 2 else { return nil }
                    pad += 1
                    continue
                }
                guard pad == 0 else { return nil }
                let v = reverse[Int(c)]
                guard v != 0xff else { return nil }
                n |= UInt32(v)
            }
            let bytes = 3 - pad
            guard o + bytes <= out.count else { return nil }
            out[o] = UInt8(n >> 16 & 0xff)
            if pad < 2 { out[o + 1] = UInt8(n >> 8 & 0xff) }
            if pad < 1 { out[o + 2] = UInt8(n & 0xff) }
            // Canonical: the bits dropped by padding must be zero.
            if pad == 1, n & 0xff != 0 { return nil }
            if pad == 2, n & 0xffff != 0 { return nil }
            o += bytes
            i += 4
        }
        return o
    }
}
