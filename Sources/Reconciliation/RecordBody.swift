import LedgerCore

/// A statement body as the rules read it: its JSON bytes (canonical form, no whitespace between
/// tokens), with a member found in the bytes when a rule asks for it.
///
/// The rules read a few members of each record, and most records are read by one or two rules.
/// Parsing every body of a million-entry ledger into dictionaries of values was half the time of a
/// reconciliation and most of its memory; one array of bytes per record is a quarter of that memory
/// and costs nothing to build.
struct RecordBody: Sendable {
    /// The object's bytes, `{` to `}`.
    let bytes: [UInt8]

    /// A body whose bytes are known to be a JSON object without whitespace (`canonicalEnd` said so).
    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The body of a statement decoded by the full parser: its canonical form.
    init(_ object: [String: JSONValue]) { bytes = JCS.serialize(.object(object)) }

    /// The member `key`, parsed; nil when absent.
    subscript(key: String) -> JSONValue? {
        bytes.withUnsafeBufferPointer { b in
            Self.range(b, key).flatMap { r in try? JSONParser.parseValue(in: b, at: r.lowerBound).value }
        }
    }

    /// The string member `key`; nil when absent or not a string.
    func string(_ key: String) -> String? {
        bytes.withUnsafeBufferPointer { b in Self.range(b, key).flatMap { Self.string(b, $0) } }
    }

    /// The string member `inner` of the object member `key` (a patient's `ref`, say).
    func string(_ key: String, _ inner: String) -> String? {
        bytes.withUnsafeBufferPointer { b in
            Self.range(b, key).flatMap { Self.range(b, inner, object: $0.lowerBound) }.flatMap { Self.string(b, $0) }
        }
    }

    /// The objects in the array member `key` (a dispensing's lots, a parcel's fills); empty when absent.
    func objects(_ key: String) -> [RecordBody] {
        bytes.withUnsafeBufferPointer { b in
            guard let r = Self.range(b, key), r.count >= 2, b[r.lowerBound] == Self.openBracket else { return [] }
            var out: [RecordBody] = []
            var i = r.lowerBound + 1
            while i < r.upperBound, b[i] != Self.closeBracket {
                let end = Self.valueEnd(b, i)
                // Items that are not objects are passed over, as the rules always have.
                if b[i] == Self.openBrace { out.append(RecordBody(bytes: Array(UnsafeBufferPointer(rebasing: b[i..<end])))) }
                i = end
                guard i < r.upperBound, b[i] == Self.comma else { break }
                i += 1
            }
            return out
        }
    }

    /// Calls `visit` with each member's name and the bytes of its value, in order, in one pass.
    func forEachMember(_ visit: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void) {
        bytes.withUnsafeBufferPointer { b in
            guard b.count >= 2, b[0] == Self.openBrace else { return }
            var i = 1
            while i < b.count, b[i] == Self.quote {
                let keyEnd = Self.stringEnd(b, i)
                let name = UnsafeBufferPointer(rebasing: b[(i + 1)..<max(i + 1, keyEnd - 1)])
                i = keyEnd
                guard i < b.count, b[i] == Self.colon else { return }
                i += 1
                let end = Self.valueEnd(b, i)
                visit(name, UnsafeBufferPointer(rebasing: b[i..<end]))
                i = end
                guard i < b.count, b[i] == Self.comma else { return }
                i += 1
            }
        }
    }

    /// The integer member `key`; nil when absent or not an integer.
    func integer(_ key: String) -> Int? {
        bytes.withUnsafeBufferPointer { b in
            guard let r = Self.range(b, key), !r.isEmpty else { return nil }
            // Plain digits (what integers look like in canonical form) are read here; anything else
            // (an exponent, a fraction) goes to the parser.
            var i = r.lowerBound, value = 0
            let negative = b[i] == 0x2d
            if negative { i += 1 }
            guard r.upperBound - i >= 1, r.upperBound - i <= 15 else { return (try? JSONParser.parseValue(in: b, at: r.lowerBound).value)?.integerValue }
            while i < r.upperBound {
                let d = b[i] &- 0x30
                guard d < 10 else { return (try? JSONParser.parseValue(in: b, at: r.lowerBound).value)?.integerValue }
                value = value * 10 + Int(d)
                i += 1
            }
            return negative ? -value : value
        }
    }

    /// Whether the member `key` is the literal `true`.
    func isTrue(_ key: String) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            guard let r = Self.range(b, key), r.count == 4 else { return false }
            return b[r.lowerBound] == 0x74  // t: a literal of four letters starting with t is `true`
        }
    }

    /// Every member, parsed (tests compare it with what the full parser reads).
    var object: [String: JSONValue]? {
        bytes.withUnsafeBufferPointer { b in (try? JSONParser.parseValue(in: b, at: 0).value)?.objectValue }
    }

    // MARK: Finding members in the bytes

    private static let quote: UInt8 = 0x22, backslash: UInt8 = 0x5c, comma: UInt8 = 0x2c, colon: UInt8 = 0x3a
    private static let openBrace: UInt8 = 0x7b, closeBrace: UInt8 = 0x7d, openBracket: UInt8 = 0x5b, closeBracket: UInt8 = 0x5d

    /// The value range of member `key` of the object that starts at `object`.
    private static func range(_ b: UnsafeBufferPointer<UInt8>, _ key: String, object: Int = 0) -> Range<Int>? {
        var key = key
        return key.withUTF8 { k in
            guard object < b.count, b[object] == openBrace else { return nil }
            var i = object + 1
            while i < b.count, b[i] == quote {
                let keyEnd = stringEnd(b, i)
                let start = i + 1
                var same = keyEnd - 1 - start == k.count
                if same {
                    for j in 0..<k.count where b[start + j] != k[j] {
                        same = false
                        break
                    }
                }
                i = keyEnd
                guard i < b.count, b[i] == colon else { return nil }
                i += 1
                let end = valueEnd(b, i)
                if same { return i..<end }
                i = end
                guard i < b.count, b[i] == comma else { return nil }
                i += 1
            }
            return nil
        }
    }

    /// The string whose JSON form is at `r`.
    private static func string(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String? {
        guard r.count >= 2, b[r.lowerBound] == quote else { return nil }
        let content = UnsafeBufferPointer(rebasing: b[(r.lowerBound + 1)..<(r.upperBound - 1)])
        if !content.contains(backslash) { return String(decoding: content, as: UTF8.self) }
        return (try? JSONParser.parseValue(in: b, at: r.lowerBound).value)?.stringValue
    }

    /// Just after the string that opens at `i`.
    private static func stringEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i + 1
        while j < b.count {
            let c = b[j]
            if c == quote { return j + 1 }
            j += c == backslash ? 2 : 1
        }
        return b.count
    }

    /// Just after the value that starts at `i`.
    private static func valueEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        guard i < b.count else { return b.count }
        switch b[i] {
        case quote: return stringEnd(b, i)
        case openBrace, openBracket:
            var depth = 0, j = i
            while j < b.count {
                switch b[j] {
                case quote:
                    j = stringEnd(b, j)
                    continue
                case openBrace, openBracket: depth += 1
                case closeBrace, closeBracket:
                    depth -= 1
                    if depth == 0 { return j + 1 }
                default: break
                }
                j += 1
            }
            return b.count
        default:
            var j = i
            while j < b.count, b[j] != comma, b[j] != closeBrace, b[j] != closeBracket { j += 1 }
            return j
        }
    }

    // MARK: Checking bytes in place

    /// Just after the object that starts at `i`, when it is in the plain canonical form this type reads
    /// without the parser: members in strictly ascending order of their names, strings of printable
    /// ASCII without escapes, integers of up to 15 digits, `true`, `false`, `null`, nesting at most 16
    /// deep. Everything this accepts, the strict parser accepts and reads the same way; anything else
    /// (nil) is for the parser to decide.
    static func canonicalEnd(_ b: UnsafeBufferPointer<UInt8>, object i: Int) -> Int? {
        guard i < b.count, b[i] == openBrace else { return nil }
        return valueCheck(b, i, depth: 0)
    }

    private static func valueCheck(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, depth: Int) -> Int? {
        guard i < b.count, depth <= 16 else { return nil }
        switch b[i] {
        case quote: return plainStringEnd(b, i)
        case openBrace:
            var j = i + 1
            guard j < b.count else { return nil }
            if b[j] == closeBrace { return j + 1 }
            var previous: Range<Int>? = nil
            while true {
                guard let keyEnd = plainStringEnd(b, j) else { return nil }
                let name = (j + 1)..<(keyEnd - 1)
                if let p = previous, !ascending(b, p, name) { return nil }
                previous = name
                guard keyEnd < b.count, b[keyEnd] == colon, let end = valueCheck(b, keyEnd + 1, depth: depth + 1), end < b.count else { return nil }
                if b[end] == closeBrace { return end + 1 }
                guard b[end] == comma else { return nil }
                j = end + 1
            }
        case openBracket:
            var j = i + 1
            guard j < b.count else { return nil }
            if b[j] == closeBracket { return j + 1 }
            while true {
                guard let end = valueCheck(b, j, depth: depth + 1), end < b.count else { return nil }
                if b[end] == closeBracket { return end + 1 }
                guard b[end] == comma else { return nil }
                j = end + 1
            }
        case 0x74: return literal(b, i, "true")
        case 0x66: return literal(b, i, "false")
        case 0x6e: return literal(b, i, "null")
        default:
            // -?(0|[1-9][0-9]{0,14}), then a delimiter.
            var j = i
            if b[j] == 0x2d { j += 1 }
            let digits = j
            while j < b.count, b[j] &- 0x30 < 10 { j += 1 }
            let count = j - digits
            guard count >= 1, count <= 15, count == 1 || b[digits] != 0x30, j < b.count,
                  b[j] == comma || b[j] == closeBrace || b[j] == closeBracket else { return nil }
            return j
        }
    }

    /// Just after the string at `i` when it is printable ASCII without escapes.
    private static func plainStringEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard i < b.count, b[i] == quote else { return nil }
        var j = i + 1
        while j < b.count {
            let c = b[j]
            if c == quote { return j + 1 }
            guard c >= 0x20, c < 0x7f, c != backslash else { return nil }
            j += 1
        }
        return nil
    }

    private static func literal(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ word: StaticString) -> Int? {
        let n = word.utf8CodeUnitCount
        guard i + n < b.count else { return nil }
        let w = word.utf8Start
        for k in 0..<n where b[i + k] != w[k] { return nil }
        let after = b[i + n]
        return after == comma || after == closeBrace || after == closeBracket ? i + n : nil
    }

    /// Whether the ASCII name at `a` sorts strictly before the one at `c` (RFC 8785 order for ASCII).
    private static func ascending(_ b: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ c: Range<Int>) -> Bool {
        for k in 0..<min(a.count, c.count) where b[a.lowerBound + k] != b[c.lowerBound + k] {
            return b[a.lowerBound + k] < b[c.lowerBound + k]
        }
        return a.count < c.count
    }
}
