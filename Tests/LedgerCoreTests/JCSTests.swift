import Foundation
import Testing

@testable import LedgerCore

/// RFC 8785 canonical serialization: the RFC's own examples, project vectors
/// checked against Node.js (V8), and round-trip properties.
@Suite("JCS (RFC 8785)")
struct JCSTests {
    // MARK: RFC 8785 Appendix B

    @Test("Appendix B number serialization", arguments: try JCSVectors.rfc().numbers)
    func appendixB(_ row: JCSVectors.NumberRow) throws {
        let bits = try #require(UInt64(row.ieee, radix: 16))
        let d = Double(bitPattern: bits)
        guard let expected = row.expected else {
            // NaN and Infinity rows: JCS must refuse them; JSONValue never
            // carries them because the parser refuses them first.
            #expect(!d.isFinite)
            return
        }
        #expect(JCS.serializeString(.number(d)) == expected)
        // The canonical text reads back as the same double (-0 reads as 0).
        let back = try JSONParser.parse(expected)
        #expect(back == .number(d))
        if d != 0 { #expect(back == .number(Double(bitPattern: bits))) }
    }

    // MARK: RFC 8785 sections 3.2.2 to 3.2.4

    @Test("RFC 8785 examples", arguments: try JCSVectors.rfc().canonicalization)
    func rfcExample(_ example: JCSVectors.RFCExample) throws {
        let input = try JCSVectors.data("jcs/\(example.inputFile)")
        let value = try JSONParser.parse(input)
        let canonical = JCS.serialize(value)
        #expect(String(decoding: canonical, as: UTF8.self) == example.expected)
        #expect(Array(example.expected.utf8) == canonical)
        if let lines = example.expectedHex {
            let hex = lines.joined().filter { !$0.isWhitespace }
            #expect(Hex.decode(hex) == canonical)
        }
        if let order = example.expectedValueOrder {
            let text = JCS.serializeString(value)
            let positions = order.map { text.range(of: "\"\($0)\"")?.lowerBound }
            #expect(!positions.contains(nil))
            let found = positions.compactMap { $0 }
            #expect(found == found.sorted())
        }
        // Canonical input is a fixed point.
        #expect(JCS.serialize(try JSONParser.parse(canonical)) == canonical)
    }

    // MARK: Project vectors

    @Test("Canonical form vectors", arguments: try JCSVectors.canonical().cases)
    func canonicalCase(_ c: JCSVectors.CanonicalCase) throws {
        let value = try JSONParser.parse(c.input)
        #expect(JCS.serializeString(value) == c.expected)
        let again = try JSONParser.parse(c.expected)
        #expect(JCS.serializeString(again) == c.expected)
        #expect(again == value)
    }

    // MARK: Numbers

    @Test(
        "Numbers follow ECMAScript Number.prototype.toString",
        arguments: [
            (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.0, "-1"), (0.5, "0.5"), (-2.25, "-2.25"),
            (9_007_199_254_740_992.0, "9007199254740992"), (9_007_199_254_740_994.0, "9007199254740994"),
            (1_152_921_504_606_846_976.0, "1152921504606847000"),
            (-9_223_372_036_854_775_808.0, "-9223372036854776000"),
            (18_446_744_073_709_551_616.0, "18446744073709552000"), (1e20, "100000000000000000000"),
            (1e21, "1e+21"), (1.5e300, "1.5e+300"), (0.1 + 0.2, "0.30000000000000004"),
            (1.0 / 3.0, "0.3333333333333333"),
            (1e-6, "0.000001"), (1e-7, "1e-7"), (-1e-7, "-1e-7"), (1.23456e-8, "1.23456e-8"), (123.456, "123.456"),
            (4.5, "4.5"), (Double.leastNonzeroMagnitude, "5e-324"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
        ] as [(Double, String)])
    func numbers(_ d: Double, _ expected: String) {
        #expect(JCS.serializeString(.number(d)) == expected)
    }

    @Test("Integer-valued doubles match the general algorithm")
    func integerFastPath() {
        // The fast path (|d| <= 2^53) must agree with the shortest-digits path.
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let magnitude = Double(rng.next() >> UInt64(11 + rng.next() % 50))
            for d in [magnitude, -magnitude] where d != 0 {
                var fast: [UInt8] = []
                JCS.writeNumber(d, to: &fast)
                var general: [UInt8] = d < 0 ? [0x2d] : []
                let (digits, exponent) = JCS.shortestDigits(d.magnitude)
                JCS.layOut(digits: digits, exponent: exponent, to: &general)
                #expect(fast == general, "\(d)")
            }
        }
    }

    // MARK: Strings and keys

    @Test("Keys are ordered by UTF-16 code units")
    func keyOrder() {
        let samples = [
            "", "a", "b", "aa", "A", "\r", "1", "\u{80}", "\u{F6}", "\u{20AC}", "\u{1F600}", "\u{FB33}", "\u{D7FF}",
            "\u{E000}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}", "a\u{10000}", "a\u{FFFF}", "a\u{E000}b", "\u{7F}",
        ]
        for a in samples {
            for b in samples {
                #expect(
                    JCS.keyPrecedes(a, b) == a.utf16.lexicographicallyPrecedes(b.utf16),
                    "\(a.debugDescription) \(b.debugDescription)")
            }
        }
        var rng = SplitMix64(seed: 11)
        for _ in 0..<5000 {
            let a = rng.string(maxLength: 4)
            let b = rng.string(maxLength: 4)
            #expect(JCS.keyPrecedes(a, b) == a.utf16.lexicographicallyPrecedes(b.utf16))
        }
    }

    @Test("Strings: only quote, backslash and C0 controls are escaped")
    func stringEscaping() {
        for scalar in (0..<0x2100).compactMap({ Unicode.Scalar(UInt32($0)) }) {
            let text = JCS.serializeString(.string(String(scalar)))
            switch scalar.value {
            case 0x08: #expect(text == #""\b""#)
            case 0x09: #expect(text == #""\t""#)
            case 0x0a: #expect(text == #""\n""#)
            case 0x0c: #expect(text == #""\f""#)
            case 0x0d: #expect(text == #""\r""#)
            case 0x22: #expect(text == #""\"""#)
            case 0x5c: #expect(text == #""\\""#)
            case 0..<0x20: #expect(text == "\"\\u00\(String(format: "%02x", scalar.value))\"")
            default: #expect(text == "\"\(scalar)\"")
            }
        }
        // Long strings exercise the eight-bytes-at-a-time scan.
        let long = String(repeating: "abcdefgh", count: 5) + "\u{1}\"\\é" + String(repeating: "x", count: 9)
        #expect(
            JCS.serializeString(.string(long)) == "\"" + String(repeating: "abcdefgh", count: 5) + "\\u0001\\\"\\\\é"
                + String(repeating: "x", count: 9) + "\"")
    }

    @Test("Strings are written without Unicode normalization")
    func noNormalization() {
        let nfd = JSONValue.string("e\u{301}")
        let nfc = JSONValue.string("\u{E9}")
        #expect(JCS.serialize(nfd) == [0x22, 0x65, 0xcc, 0x81, 0x22])
        #expect(JCS.serialize(nfc) == [0x22, 0xc3, 0xa9, 0x22])
    }

    // MARK: API

    @Test("serializeString and serialize(into:) agree with serialize")
    func apiAgreement() {
        let value: JSONValue = ["b": [1, "x", nil, true], "a": ["c": false]]
        let bytes = JCS.serialize(value)
        #expect(JCS.serializeString(value) == #"{"a":{"c":false},"b":[1,"x",null,true]}"#)
        #expect(String(decoding: bytes, as: UTF8.self) == JCS.serializeString(value))
        var prefixed: [UInt8] = [0x00]
        JCS.serialize(value, into: &prefixed)
        #expect(prefixed == [0x00] + bytes)
    }

    // MARK: Round trips

    @Test("parse(serialize(v)) == v and serialize is idempotent, on random values")
    func randomRoundTrip() throws {
        var rng = SplitMix64(seed: 2026)
        for _ in 0..<1500 {
            let value = rng.value(depth: 0)
            let bytes = JCS.serialize(value)
            let back = try JSONParser.parse(bytes)
            #expect(back == value)
            #expect(JCS.serialize(back) == bytes)
        }
    }

    @Test("Random doubles survive serialize and parse bit for bit")
    func randomDoubles() throws {
        var rng = SplitMix64(seed: 99)
        var checked = 0
        while checked < 20000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite, d != 0 else { continue }
            let text = JCS.serializeString(.number(d))
            guard case .number(let back) = try JSONParser.parse(text) else {
                Issue.record("not a number: \(text)")
                return
            }
            #expect(back.bitPattern == d.bitPattern, "\(text)")
            checked += 1
        }
    }
}

// MARK: - Vector files

/// Loads the known-answer files under `Vectors/jcs/`.
enum JCSVectors {
    struct RFCFile: Decodable {
        let canonicalization: [RFCExample]
        let numbers: [NumberRow]
    }

    /// One row of RFC 8785 Appendix B.
    struct NumberRow: Decodable, Sendable, CustomTestStringConvertible {
        let ieee: String
        let expected: String?
        let comment: String
        var testDescription: String { "\(ieee) -> \(expected ?? "error") \(comment)" }
    }

    /// An RFC 8785 input file with its expected canonical form.
    struct RFCExample: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let inputFile: String
        let expected: String
        let expectedHex: [String]?
        let expectedValueOrder: [String]?
        var testDescription: String { name }
    }

    struct CanonicalFile: Decodable {
        let cases: [CanonicalCase]
    }

    /// A project vector: JSON text and its canonical form.
    struct CanonicalCase: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let input: String
        let expected: String
        var testDescription: String { name }
    }

    static func url(_ path: String) throws -> URL {
        let directory = try #require(Bundle.module.url(forResource: "Vectors", withExtension: nil))
        return directory.appendingPathComponent(path)
    }

    static func data(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(path)))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: url(path)))
    }

    static func rfc() throws -> RFCFile { try decode(RFCFile.self, "jcs/rfc8785.json") }
    static func canonical() throws -> CanonicalFile { try decode(CanonicalFile.self, "jcs/canonical.json") }
}

// MARK: - Seeded randomness

/// A small deterministic generator so that random tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A string mixing ASCII, controls, quotes, and scalars from every
    /// UTF-8 length class, including both sides of the UTF-16 surrogate gap.
    mutating func string(maxLength: Int) -> String {
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7e, 0x00...0x1f, 0x22...0x22, 0x5c...0x5c, 0x80...0x7ff, 0x800...0xd7ff, 0xe000...0xffff,
            0x10000...0x10ffff, 0x2028...0x2029,
        ]
        var s = ""
        for _ in 0..<Int.random(in: 0...maxLength, using: &self) {
            let range = ranges[Int.random(in: 0..<ranges.count, using: &self)]
            s.unicodeScalars.append(Unicode.Scalar(UInt32.random(in: range, using: &self))!)
        }
        return s
    }

    /// A finite double: random bits, a small integer, or a short decimal.
    mutating func number() -> Double {
        switch next() % 4 {
        case 0:
            let d = Double(bitPattern: next())
            return d.isFinite ? d : 1.5
        case 1: return Double(Int64.random(in: -1_000_000...1_000_000, using: &self))
        case 2: return Double(Int64.random(in: -99999...99999, using: &self)) / 100
        default: return [0.0, -0.0, 1e21, 1e-7, 9_007_199_254_740_993.0][Int(next() % 5)]
        }
    }

    mutating func value(depth: Int) -> JSONValue {
        switch next() % (depth > 3 ? 4 : 6) {
        case 0: return [.null, .bool(true), .bool(false)][Int(next() % 3)]
        case 1: return .number(number())
        case 2, 3: return .string(string(maxLength: 12))
        case 4: return .array((0..<Int(next() % 5)).map { _ in value(depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int(next() % 6) { members[string(maxLength: 6)] = value(depth: depth + 1) }
            return .object(members)
        }
    }
}
