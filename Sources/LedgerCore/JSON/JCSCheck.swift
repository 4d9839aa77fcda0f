extension JCS {
    /// Whether `bytes` are exactly the canonical (RFC 8785) form of some JSON value, decided in one pass
    /// without building the value: `true` when they certainly are, `false` when they certainly are not,
    /// and `nil` when the quick check cannot tell (numbers other than short integers, keys holding
    /// escapes, nesting deeper than 64), so the caller must parse and re-serialize.
    ///
    /// The verifier calls it on every entry, where re-serializing would cost more than parsing.
    package static func isCanonical(_ bytes: some Collection<UInt8>) -> Bool? {
        let quick = bytes.withContiguousStorageIfAvailable { buffer -> Bool? in
            var scanner = CanonicalScanner(bytes: buffer)
            return scanner.run()
        }
        if let quick { return quick }
        return Array(bytes).withUnsafeBufferPointer { buffer in
            var scanner = CanonicalScanner(bytes: buffer)
            return scanner.run()
        }
    }
}

/// The one-pass check behind `JCS.isCanonical`.
private struct CanonicalScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Why the scan stopped early.
    enum Stop: Error {
        case notCanonical
        case undecided
    }

    mutating func run() -> Bool? {
        do {
            try value(depth: 0)
            return i == bytes.count
        } catch Stop.notCanonical {
            return false
        } catch {
            return nil
        }
    }

    @inline(__always)
    func peek() throws -> UInt8 {
        guard i < bytes.count else { throw Stop.notCanonical }
        return bytes[i]
    }

    mutating func value(depth: Int) throws {
        guard depth < 64 else { throw Stop.undecided }
        switch try peek() {
        case 0x7b: try object(depth: depth)
        case 0x5b: try array(depth: depth)
        case 0x22: _ = try string(isKey: false)
        case 0x74: try literal([0x74, 0x72, 0x75, 0x65])
        case 0x66: try literal([0x66, 0x61, 0x6c, 0x73, 0x65])
        case 0x6e: try literal([0x6e, 0x75, 0x6c, 0x6c])
        case 0x2d, 0x30...0x39: try number()
        default: throw Stop.notCanonical  // whitespace or anything else
        }
    }

    mutating func literal(_ word: [UInt8]) throws {
        guard i + word.count <= bytes.count else { throw Stop.notCanonical }
        for (k, b) in word.enumerated() where bytes[i + k] != b { throw Stop.notCanonical }
        i += word.count
    }

    /// Integers of up to 15 digits are canonical exactly when they have no leading zero and are not -0;
    /// anything longer, or with a fraction or exponent, is left to the full check.
    mutating func number() throws {
        let start = i
        if bytes[i] == 0x2d { i += 1 }
        let digitsStart = i
        while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
        let digits = i - digitsStart
        guard digits > 0 else { throw Stop.notCanonical }
        if i < bytes.count, bytes[i] == 0x2e || bytes[i] == 0x65 || bytes[i] == 0x45 { throw Stop.undecided }
        if bytes[digitsStart] == 0x30 {
            // "0" alone is canonical; "-0" and leading zeros are not.
            guard digits == 1, digitsStart == start else { throw Stop.notCanonical }
        }
        guard digits <= 15 else { throw Stop.undecided }
    }

    mutating func array(depth: Int) throws {
        i += 1
        if try peek() == 0x5d { i += 1; return }
        while true {
            try value(depth: depth + 1)
            let c = try peek()
            i += 1
            if c == 0x5d { return }
            guard c == 0x2c else { throw Stop.notCanonical }
        }
    }

    mutating func object(depth: Int) throws {
        i += 1
        if try peek() == 0x7d { i += 1; return }
        var previousKey: Range<Int>?
        while true {
            guard try peek() == 0x22 else { throw Stop.notCanonical }
            let key = try string(isKey: true)
            if let previousKey {
                // Members must be in strictly increasing UTF-16 order (which also rules out duplicates).
                let ordered = JCS.utf16Precedes(UnsafeBufferPointer(rebasing: bytes[previousKey]), UnsafeBufferPointer(rebasing: bytes[key]))
                guard ordered else { throw Stop.notCanonical }
            }
            previousKey = key
            guard try peek() == 0x3a else { throw Stop.notCanonical }
            i += 1
            try value(depth: depth + 1)
            let c = try peek()
            i += 1
            if c == 0x7d { return }
            guard c == 0x2c else { throw Stop.notCanonical }
        }
    }

    /// Checks a string's escapes and UTF-8; returns the range of its content (between the quotes).
    mutating func string(isKey: Bool) throws -> Range<Int> {
        i += 1
        let start = i
        let count = bytes.count
        while true {
            while i + 8 <= count, ByteScan.isPlainASCIIForInput(ByteScan.load(bytes, i)) { i += 8 }
            guard i < count else { throw Stop.notCanonical }
            let b = bytes[i]
            switch b {
            case 0x22:
                i += 1
                return start..<(i - 1)
            case 0x5c:
                // Keys with escapes would need decoding before comparing: leave them to the full check.
                if isKey { throw Stop.undecided }
                try escape()
            case 0..<0x20:
                throw Stop.notCanonical  // a raw control character is not even valid JSON
            case 0x80...:
                try utf8Sequence()
            default:
                i += 1
            }
        }
    }

    /// JCS writes only `\"`, `\\`, `\b \t \n \f \r`, and `\u00xx` (lowercase hex) for other controls.
    mutating func escape() throws {
        guard i + 1 < bytes.count else { throw Stop.notCanonical }
        switch bytes[i + 1] {
        case 0x22, 0x5c, 0x62, 0x74, 0x6e, 0x66, 0x72:
            i += 2
        case 0x75:
            guard i + 5 < bytes.count, bytes[i + 2] == 0x30, bytes[i + 3] == 0x30 else { throw Stop.notCanonical }
            let h = bytes[i + 4], l = bytes[i + 5]
            guard h == 0x30 || h == 0x31 else { throw Stop.notCanonical }
            guard (0x30...0x39).contains(l) || (0x61...0x66).contains(l) else { throw Stop.notCanonical }
            let code = (h - 0x30) * 16 + ((0x30...0x39).contains(l) ? l - 0x30 : l - 0x61 + 10)
            // The five with short forms must use them.
            guard ![0x08, 0x09, 0x0a, 0x0c, 0x0d].contains(code) else { throw Stop.notCanonical }
            i += 6
        default:
            throw Stop.notCanonical
        }
    }

    /// One well-formed UTF-8 sequence (no overlong forms, no surrogates, at most U+10FFFF).
    mutating func utf8Sequence() throws {
        let b0 = bytes[i]
        let length: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xbf
        switch b0 {
        case 0xc2...0xdf: length = 2
        case 0xe0: length = 3; lo = 0xa0
        case 0xe1...0xec, 0xee...0xef: length = 3
        case 0xed: length = 3; hi = 0x9f
        case 0xf0: length = 4; lo = 0x90
        case 0xf1...0xf3: length = 4
        case 0xf4: length = 4; hi = 0x8f
        default: throw Stop.notCanonical
        }
        guard i + length <= bytes.count else { throw Stop.notCanonical }
        guard (lo...hi).contains(bytes[i + 1]) else { throw Stop.notCanonical }
        for k in 2..<length where !(0x80...0xbf).contains(bytes[i + k]) { throw Stop.notCanonical }
        i += length
    }
}
