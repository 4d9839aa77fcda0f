// ASCII bytes used by the reader.
private let quote: UInt8 = 0x22  // "
private let backslash: UInt8 = 0x5c  // \
private let slash: UInt8 = 0x2f  // /
private let comma: UInt8 = 0x2c  // ,
private let colon: UInt8 = 0x3a  // :
private let openBracket: UInt8 = 0x5b  // [
private let closeBracket: UInt8 = 0x5d  // ]
private let openBrace: UInt8 = 0x7b  // {
private let closeBrace: UInt8 = 0x7d  // }
private let minus: UInt8 = 0x2d  // -
private let plus: UInt8 = 0x2b  // +
private let dot: UInt8 = 0x2e  // .
private let zero: UInt8 = 0x30  // 0
private let nine: UInt8 = 0x39  // 9

/// Reads one JSON text from a contiguous UTF-8 buffer; the engine behind
/// `JSONParser.parse`. Works on raw bytes with one reusable scratch buffer
/// for strings that contain escapes.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let end: Int
    let limits: JSONParser.Limits
    var pos = 0
    var depth = 0
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits) {
        self.bytes = bytes
        self.end = bytes.count
        self.limits = limits
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if pos < end {
            throw JSONError(.trailingData, at: pos)
        }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            switch bytes[pos] {
            case 0x20, 0x0a, 0x0d, 0x09: pos += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONError) -> JSONValue {
        guard pos < end else { throw JSONError(.unexpectedEnd, at: pos) }
        switch bytes[pos] {
        case quote: return .string(try parseString())
        case openBrace: return try parseObject()
        case openBracket: return try parseArray()
        case minus, zero...nine: return .number(try parseNumber())
        case 0x74:
            try expectLiteral("true")
            return .bool(true)
        case 0x66:
            try expectLiteral("false")
            return .bool(false)
        case 0x6e:
            try expectLiteral("null")
            return .null
        case plus, dot: throw JSONError(.invalidNumber, at: pos)
        case 0x4e, 0x49:  // N, I
            if startsWith(at: pos, "NaN") || startsWith(at: pos, "Infinity") {
                throw JSONError(.nonFiniteNumber, at: pos)
            }
            throw JSONError(.unexpectedCharacter, at: pos, detail: "unexpected character, expected a value")
        case 0x80...0xff:
            throw JSONError(
                .unexpectedCharacter, at: pos, detail: "unexpected character, expected a value (non-ASCII byte)")
        default:
            throw JSONError(.unexpectedCharacter, at: pos, detail: "unexpected character, expected a value")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for i in 0..<n {
            guard pos + i < end else { throw JSONError(.unexpectedEnd, at: pos + i) }
            guard bytes[pos + i] == w[i] else {
                throw JSONError(.unexpectedCharacter, at: pos + i, detail: "unexpected character, expected a value")
            }
        }
        pos += n
    }

    mutating func enter() throws(JSONError) {
        depth += 1
        if depth > limits.maxDepth {
            throw JSONError(.tooDeep, at: pos, detail: "nested deeper than \(limits.maxDepth) levels")
        }
    }

    mutating func parseArray() throws(JSONError) -> JSONValue {
        try enter()
        pos += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if pos < end, bytes[pos] == closeBracket {
            pos += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard pos < end else { throw JSONError(.unexpectedEnd, at: pos) }
            let c = bytes[pos]
            pos += 1
            if c == comma {
                skipWhitespace()
                if pos < end, bytes[pos] == closeBracket {
                    throw JSONError(
                        .unexpectedCharacter, at: pos,
                        detail: "unexpected character, expected a value (trailing comma)")
                }
                continue
            }
            if c == closeBracket { break }
            throw JSONError(.unexpectedCharacter, at: pos - 1, detail: "unexpected character, expected ',' or ']'")
        }
        depth -= 1
        return .array(elements)
    }

    mutating func parseObject() throws(JSONError) -> JSONValue {
        try enter()
        pos += 1  // {
        skipWhitespace()
        if pos < end, bytes[pos] == closeBrace {
            pos += 1
            depth -= 1
            return .object([:])
        }
        var members = [String: JSONValue](minimumCapacity: 8)
        while true {
            guard pos < end else { throw JSONError(.unexpectedEnd, at: pos) }
            guard bytes[pos] == quote else {
                let trailing = bytes[pos] == closeBrace ? " (trailing comma)" : ""
                throw JSONError(
                    .unexpectedCharacter, at: pos, detail: "unexpected character, expected a member name\(trailing)")
            }
            let keyOffset = pos
            let key = try parseString()
            skipWhitespace()
            guard pos < end else { throw JSONError(.unexpectedEnd, at: pos) }
            guard bytes[pos] == colon else {
                throw JSONError(.unexpectedCharacter, at: pos, detail: "unexpected character, expected ':'")
            }
            pos += 1
            skipWhitespace()
            let value = try parseValue()
            if members.updateValue(value, forKey: key) != nil {
                throw JSONError.duplicateKey(key, at: keyOffset)
            }
            skipWhitespace()
            guard pos < end else { throw JSONError(.unexpectedEnd, at: pos) }
            let c = bytes[pos]
            pos += 1
            if c == comma {
                skipWhitespace()
                continue
            }
            if c == closeBrace { break }
            throw JSONError(.unexpectedCharacter, at: pos - 1, detail: "unexpected character, expected ',' or '}'")
        }
        depth -= 1
        return .object(members)
    }

    // MARK: Strings

    /// Parses a string starting at the opening quote.
    mutating func parseString() throws(JSONError) -> String {
        let start = pos + 1
        var i = start
        // Fast path: no escapes. Validate UTF-8 and look for the closing quote.
        while i < end {
            while i + 8 <= end, ByteScan.isPlainASCIIForInput(ByteScan.load(bytes, i)) { i += 8 }
            guard i < end else { break }
            let c = bytes[i]
            if c == quote {
                let length = i - start
                if length > limits.maxStringBytes {
                    throw JSONError(.stringTooLong, at: pos)
                }
                pos = i + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            }
            if c == backslash { break }
            if c < 0x20 { throw JSONError(.controlCharacter, at: i) }
            if c < 0x80 {
                i += 1
            } else {
                i += try utf8SequenceLength(at: i)
            }
        }
        guard i < end else { throw JSONError(.unexpectedEnd, at: end) }
        return try parseEscapedString(from: start, firstEscape: i)
    }

    /// The slow path: the string holds at least one escape, at `firstEscape`.
    mutating func parseEscapedString(from start: Int, firstEscape: Int) throws(JSONError) -> String {
        let openQuote = start - 1
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<firstEscape]))
        var i = firstEscape
        while true {
            guard i < end else { throw JSONError(.unexpectedEnd, at: end) }
            let c = bytes[i]
            if c == quote {
                i += 1
                break
            }
            if c == backslash {
                i = try appendEscape(at: i)
            } else if c < 0x20 {
                throw JSONError(.controlCharacter, at: i)
            } else if c < 0x80 {
                scratch.append(c)
                i += 1
            } else {
                let n = try utf8SequenceLength(at: i)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<(i + n)]))
                i += n
            }
            if scratch.count > limits.maxStringBytes {
                throw JSONError(.stringTooLong, at: openQuote)
            }
        }
        pos = i
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Decodes the escape at `i` (a backslash) into `scratch`; returns the
    /// offset after it.
    mutating func appendEscape(at i: Int) throws(JSONError) -> Int {
        guard i + 1 < end else { throw JSONError(.unexpectedEnd, at: end) }
        let e = bytes[i + 1]
        switch e {
        case quote, backslash, slash: scratch.append(e)
        case 0x62: scratch.append(0x08)  // b
        case 0x66: scratch.append(0x0c)  // f
        case 0x6e: scratch.append(0x0a)  // n
        case 0x72: scratch.append(0x0d)  // r
        case 0x74: scratch.append(0x09)  // t
        case 0x75:  // u
            let unit = try hex4(at: i + 2, escapeAt: i)
            switch unit {
            case 0xd800...0xdbff:
                // A high surrogate must be followed at once by an escaped low one.
                guard i + 6 < end else { throw JSONError(.unexpectedEnd, at: end) }
                guard bytes[i + 6] == backslash else { throw JSONError(.invalidSurrogate, at: i) }
                guard i + 7 < end else { throw JSONError(.unexpectedEnd, at: end) }
                guard bytes[i + 7] == 0x75 else { throw JSONError(.invalidSurrogate, at: i) }
                let low = try hex4(at: i + 8, escapeAt: i + 6)
                guard (0xdc00...0xdfff).contains(low) else {
                    throw JSONError(.invalidSurrogate, at: i)
                }
                let scalar = 0x10000 + ((UInt32(unit) - 0xd800) << 10) + (UInt32(low) - 0xdc00)
                appendUTF8(scalar)
                return i + 12
            case 0xdc00...0xdfff:
                throw JSONError(.invalidSurrogate, at: i)
            default:
                appendUTF8(UInt32(unit))
                return i + 6
            }
        default:
            throw JSONError(.invalidEscape, at: i)
        }
        return i + 2
    }

    /// Reads four hex digits at `i` for the `\u` escape that starts at `escapeAt`.
    func hex4(at i: Int, escapeAt: Int) throws(JSONError) -> UInt16 {
        var value: UInt16 = 0
        for k in 0..<4 {
            guard i + k < end else { throw JSONError(.unexpectedEnd, at: end) }
            let c = bytes[i + k]
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x41...0x46: digit = c - 0x41 + 10
            case 0x61...0x66: digit = c - 0x61 + 10
            default: throw JSONError(.invalidEscape, at: escapeAt)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    mutating func appendUTF8(_ v: UInt32) {
        switch v {
        case 0..<0x80:
            scratch.append(UInt8(v))
        case 0x80..<0x800:
            scratch.append(UInt8(0xc0 | v >> 6))
            scratch.append(UInt8(0x80 | v & 0x3f))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xe0 | v >> 12))
            scratch.append(UInt8(0x80 | v >> 6 & 0x3f))
            scratch.append(UInt8(0x80 | v & 0x3f))
        default:
            scratch.append(UInt8(0xf0 | v >> 18))
            scratch.append(UInt8(0x80 | v >> 12 & 0x3f))
            scratch.append(UInt8(0x80 | v >> 6 & 0x3f))
            scratch.append(UInt8(0x80 | v & 0x3f))
        }
    }

    /// Checks the multi-byte UTF-8 sequence whose lead byte (>= 0x80) is at
    /// `i` against Unicode Table 3-7 and returns its length.
    @inline(__always)
    func utf8SequenceLength(at i: Int) throws(JSONError) -> Int {
        let lead = bytes[i]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xbf
        switch lead {
        case 0xc2...0xdf: length = 2
        case 0xe0:
            length = 3
            low = 0xa0
        case 0xe1...0xec, 0xee...0xef: length = 3
        case 0xed:
            length = 3
            high = 0x9f  // no UTF-16 surrogates
        case 0xf0:
            length = 4
            low = 0x90  // no overlongs
        case 0xf1...0xf3: length = 4
        case 0xf4:
            length = 4
            high = 0x8f  // nothing above U+10FFFF
        default: throw JSONError(.invalidUTF8, at: i)  // continuation, C0, C1, F5...FF
        }
        guard i + length <= end else {
            // Truncated: report the end only if the bytes present are a valid prefix.
            var k = i + 1
            if k < end {
                guard (low...high).contains(bytes[k]) else { throw JSONError(.invalidUTF8, at: i) }
                k += 1
                while k < end {
                    guard bytes[k] & 0xc0 == 0x80 else { throw JSONError(.invalidUTF8, at: i) }
                    k += 1
                }
            }
            throw JSONError(.unexpectedEnd, at: end)
        }
        guard (low...high).contains(bytes[i + 1]) else { throw JSONError(.invalidUTF8, at: i) }
        for k in 2..<length where bytes[i + k] & 0xc0 != 0x80 {
            throw JSONError(.invalidUTF8, at: i)
        }
        return length
    }

    // MARK: Numbers

    @inline(__always)
    func isDigit(_ c: UInt8) -> Bool { c &- zero < 10 }

    /// Parses a number per RFC 8259 §6 into the nearest double.
    mutating func parseNumber() throws(JSONError) -> Double {
        let start = pos
        var i = pos
        let negative = bytes[i] == minus
        if negative {
            i += 1
            guard i < end else { throw JSONError(.unexpectedEnd, at: end) }
            if bytes[i] == 0x49, startsWith(at: i, "Infinity") {
                throw JSONError(.nonFiniteNumber, at: start)
            }
        }
        var mantissa: UInt64 = 0
        let intStart = i
        let first = bytes[i]
        if first == zero {
            i += 1
            if i < end, isDigit(bytes[i]) {
                throw JSONError(.invalidNumber, at: start, detail: "malformed number (leading zero)")
            }
        } else if isDigit(first) {
            while i < end, isDigit(bytes[i]) {
                mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- zero)
                i += 1
            }
        } else {
            throw JSONError(.invalidNumber, at: start)
        }
        let intDigits = i - intStart
        var simple = true
        if i < end, bytes[i] == dot {
            simple = false
            i += 1
            guard i < end else { throw JSONError(.unexpectedEnd, at: end) }
            guard isDigit(bytes[i]) else { throw JSONError(.invalidNumber, at: start) }
            while i < end, isDigit(bytes[i]) { i += 1 }
        }
        if i < end, bytes[i] | 0x20 == 0x65 {  // e or E
            simple = false
            i += 1
            guard i < end else { throw JSONError(.unexpectedEnd, at: end) }
            if bytes[i] == plus || bytes[i] == minus {
                i += 1
                guard i < end else { throw JSONError(.unexpectedEnd, at: end) }
            }
            guard isDigit(bytes[i]) else { throw JSONError(.invalidNumber, at: start) }
            while i < end, isDigit(bytes[i]) { i += 1 }
        }
        pos = i
        // Integers of up to 15 digits are exact in a double.
        if simple, intDigits <= 15 {
            if negative {
                return mantissa == 0 ? -0.0 : -Double(mantissa)
            }
            return Double(mantissa)
        }
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let value = Double(literal), value.isFinite else {
            throw JSONError(.nonFiniteNumber, at: start, detail: "number too large for a double")
        }
        return value
    }

    /// Whether the input holds `word` at offset `at`.
    func startsWith(at: Int, _ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard end - at >= n else { return false }
        let w = word.utf8Start
        for k in 0..<n where bytes[at + k] != w[k] { return false }
        return true
    }
}
