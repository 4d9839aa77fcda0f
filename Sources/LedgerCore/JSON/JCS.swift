/// The JSON Canonicalization Scheme, RFC 8785: the one byte sequence that
/// SPEC.md signs and hashes for a statement or an entry.
///
/// - No whitespace.
/// - Object members sorted by key, keys compared as arrays of UTF-16 code
///   units (RFC 8785 §3.2.3).
/// - Strings escaped as ECMAScript `JSON.stringify` does (§3.2.2.2): only
///   `"`, `\` and U+0000...U+001F are escaped (`\b \t \n \f \r`, else
///   `\u00xx` in lowercase hex); everything else, including U+2028, U+2029
///   and all non-ASCII, is written as literal UTF-8. Strings are written as
///   they are, without Unicode normalization.
/// - Numbers written as ECMAScript `Number.prototype.toString` does
///   (§3.2.2.3): shortest round-trip digits, `-0` as `0`, plain notation for
///   magnitudes in [1e-6, 1e21), otherwise `1e+21` / `1e-7` style.
public enum JCS: Sendable {
    /// The canonical UTF-8 bytes of `value`.
    ///
    /// - Precondition: every number in `value` is finite (`JSONParser` never
    ///   produces anything else).
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, to: &out)
        return out
    }

    /// Appends the canonical UTF-8 bytes of `value` to `out` (for callers
    /// that prefix the bytes, such as the RFC 9162 leaf hash input).
    ///
    /// - Precondition: every number in `value` is finite.
    public static func serialize(_ value: JSONValue, into out: inout [UInt8]) {
        write(value, to: &out)
    }

    /// The canonical form of `value` as a string.
    ///
    /// - Precondition: every number in `value` is finite.
    public static func serializeString(_ value: JSONValue) -> String {
        String(decoding: serialize(value), as: UTF8.self)
    }

    // MARK: Values

    static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])
        case .bool(let b):
            if b {
                out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
            } else {
                out.append(contentsOf: [0x66, 0x61, 0x6c, 0x73, 0x65])
            }
        case .number(let d):
            writeNumber(d, to: &out)
        case .string(let s):
            writeString(s, to: &out)
        case .array(let elements):
            out.append(0x5b)
            var first = true
            for element in elements {
                if !first { out.append(0x2c) }
                first = false
                write(element, to: &out)
            }
            out.append(0x5d)
        case .object(let members):
            out.append(0x7b)
            if members.count == 1, let only = members.first {
                writeString(only.key, to: &out)
                out.append(0x3a)
                write(only.value, to: &out)
            } else {
                var first = true
                let order = members.indices.sorted { keyPrecedes(members.keys[$0], members.keys[$1]) }
                for index in order {
                    if !first { out.append(0x2c) }
                    first = false
                    writeString(members.keys[index], to: &out)
                    out.append(0x3a)
                    write(members.values[index], to: &out)
                }
            }
            out.append(0x7d)
        }
    }

    // MARK: Member order

    /// Whether key `a` sorts before key `b` when both are compared as arrays
    /// of UTF-16 code units (RFC 8785 §3.2.3).
    static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        let result = a.utf8.withContiguousStorageIfAvailable { ua in
            b.utf8.withContiguousStorageIfAvailable { ub in utf16Precedes(ua, ub) }
        }
        if let result = result ?? nil { return result }
        return a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    /// UTF-16 code unit order computed on well-formed UTF-8.
    ///
    /// Byte order of UTF-8 equals code point order. UTF-16 order differs from
    /// code point order only between a supplementary code point (a surrogate
    /// pair, D800...DBFF first) and one in U+E000...U+FFFF: in UTF-16 the
    /// supplementary one comes first. Both sequences share every byte before
    /// the first difference, so they differ either inside one code point
    /// with the same lead byte (byte order holds) or at two lead bytes, where
    /// the exception is checked.
    static func utf16Precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = min(a.count, b.count)
        var i = 0
        while i < n, a[i] == b[i] { i += 1 }
        if i == n { return a.count < b.count }
        let x = a[i]
        let y = b[i]
        if x & 0xc0 != 0x80 {  // two different lead bytes (y is one too)
            if x >= 0xf0, y == 0xee || y == 0xef { return true }
            if y >= 0xf0, x == 0xee || x == 0xef { return false }
        }
        return x < y
    }

    // MARK: Strings

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        if s.utf8.withContiguousStorageIfAvailable({ writeEscaped($0, to: &out) }) == nil {
            Array(s.utf8).withUnsafeBufferPointer { writeEscaped($0, to: &out) }
        }
        out.append(0x22)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var runStart = 0
        var i = 0
        let count = bytes.count
        while i < count {
            while i + 8 <= count, ByteScan.isPlainForOutput(ByteScan.load(bytes, i)) { i += 8 }
            guard i < count else { break }
            let c = bytes[i]
            if c >= 0x20, c != 0x22, c != 0x5c {
                i += 1
                continue
            }
            if runStart < i {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
            }
            out.append(0x5c)
            switch c {
            case 0x22: out.append(0x22)
            case 0x5c: out.append(0x5c)
            case 0x08: out.append(0x62)  // \b
            case 0x09: out.append(0x74)  // \t
            case 0x0a: out.append(0x6e)  // \n
            case 0x0c: out.append(0x66)  // \f
            case 0x0d: out.append(0x72)  // \r
            default:  // \u00xx
                out.append(contentsOf: [0x75, 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 0x0f)]])
            }
            i += 1
            runStart = i
        }
        if runStart < count {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
        }
    }

    // MARK: Numbers

    /// Writes `d` as ECMAScript's Number::toString(10) does (RFC 8785 §3.2.2.3).
    static func writeNumber(_ d: Double, to out: inout [UInt8]) {
        precondition(d.isFinite, "RFC 8785 cannot represent NaN or infinity")
        if d == 0 {  // also -0
            out.append(0x30)
            return
        }
        // Integers up to 2^53 are exact, and their own shortest digits.
        if d.magnitude <= 9_007_199_254_740_992, d.rounded(.towardZero) == d {
            if d < 0 { out.append(0x2d) }
            writeDecimal(UInt64(d.magnitude), to: &out)
            return
        }
        if d < 0 { out.append(0x2d) }
        let (digits, n) = shortestDigits(d.magnitude)
        layOut(digits: digits, exponent: n, to: &out)
    }

    static func writeDecimal(_ value: UInt64, to out: inout [UInt8]) {
        let start = out.count
        var v = value
        repeat {
            out.append(UInt8(truncatingIfNeeded: v % 10) &+ 0x30)
            v /= 10
        } while v != 0
        out[start...].reverse()
    }

    /// The shortest digits `s` (no leading or trailing zeros) and the exponent
    /// `n` with `d == 0.s × 10^n`, for finite positive `d`.
    ///
    /// Swift's `description` yields the shortest digit string that rounds
    /// back to `d`, and of those the closest to `d`, which is what
    /// ECMAScript asks for; only its layout differs, so it is taken apart here.
    static func shortestDigits(_ d: Double) -> (digits: [UInt8], exponent: Int) {
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var pointAt: Int? = nil
        var exponent = 0
        let text = d.description.utf8
        var index = text.startIndex
        while index != text.endIndex {
            let c = text[index]
            text.formIndex(after: &index)
            if c >= 0x30, c <= 0x39 {
                digits.append(c)
            } else if c == 0x2e {
                pointAt = digits.count
            } else if c == 0x65 || c == 0x45 {
                var negative = false
                while index != text.endIndex {
                    let e = text[index]
                    text.formIndex(after: &index)
                    if e == 0x2d {
                        negative = true
                    } else if e >= 0x30, e <= 0x39 {
                        exponent = exponent * 10 + Int(e - 0x30)
                    }
                }
                if negative { exponent = -exponent }
            }
        }
        var n = (pointAt ?? digits.count) + exponent
        var lead = 0
        while lead < digits.count - 1, digits[lead] == 0x30 { lead += 1 }
        n -= lead
        var trail = digits.count
        while trail > lead + 1, digits[trail - 1] == 0x30 { trail -= 1 }
        return (Array(digits[lead..<trail]), n)
    }

    /// ECMAScript Number::toString steps 6 to 10 for digits `s` (k of them)
    /// and exponent `n`, with the value `0.s × 10^n`.
    static func layOut(digits s: [UInt8], exponent n: Int, to out: inout [UInt8]) {
        let k = s.count
        if k <= n, n <= 21 {
            out.append(contentsOf: s)
            out.append(contentsOf: repeatElement(0x30, count: n - k))
        } else if 0 < n, n <= 21 {
            out.append(contentsOf: s[0..<n])
            out.append(0x2e)
            out.append(contentsOf: s[n...])
        } else if -6 < n, n <= 0 {
            out.append(0x30)
            out.append(0x2e)
            out.append(contentsOf: repeatElement(0x30, count: -n))
            out.append(contentsOf: s)
        } else {
            out.append(s[0])
            if k > 1 {
                out.append(0x2e)
                out.append(contentsOf: s[1...])
            }
            out.append(0x65)
            let e = n - 1
            out.append(e < 0 ? 0x2d : 0x2b)
            writeDecimal(UInt64(e.magnitude), to: &out)
        }
    }
}
