import Foundation
import Testing

@testable import LedgerCore

/// The strict parser: Wycheproof-style accept/reject vectors, decoded values,
/// number rounding, limits, and error messages.
@Suite("JSONParser")
struct JSONParserTests {
    // MARK: Vectors

    @Test("Accept/reject vectors", arguments: try ParserVectors.load().tests)
    func vector(_ c: ParserVectors.Case) throws {
        let bytes = try c.bytes()
        switch c.result {
        case "valid":
            let value = try JSONParser.parse(bytes)
            // Whatever is accepted has a canonical form that reads back the same.
            let canonical = JCS.serialize(value)
            #expect(try JSONParser.parse(canonical) == value)
            #expect(JCS.serialize(try JSONParser.parse(canonical)) == canonical)
        case "invalid":
            do throws(JSONError) {
                let value = try JSONParser.parse(bytes)
                Issue.record("accepted: \(JCS.serializeString(value))")
            } catch {
                #expect(error.code.rawValue == c.error)
                if let offset = c.offset { #expect(error.offset == offset) }
                #expect(error.description.hasPrefix("JSON is not valid at byte \(error.offset): "))
            }
        default:
            Issue.record("unknown result \(c.result)")
        }
    }

    // MARK: Values

    @Test("Values are decoded as written")
    func values() throws {
        let text = #"{"a":[1,"x",true,false,null,{"b":-2.5e1}],"":{},"e":[]}"#
        let expected: JSONValue = [
            "a": [1, "x", true, false, nil, ["b": .number(-25)]],
            "": [:],
            "e": [],
        ]
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("Escapes decode to the right scalars")
    func escapes() throws {
        let text = #""\"\\\/\b\f\n\r\t\u0000\u0041\u00e9\u20AC\ud83d\ude00\uFFFF""#
        #expect(try JSONParser.parse(text) == .string("\"\\/\u{8}\u{C}\n\r\t\u{0}A\u{E9}\u{20AC}\u{1F600}\u{FFFF}"))
        // Raw UTF-8 after an escape, and a long escaped string.
        let long = "\\n" + String(repeating: "é€😀abc", count: 40)
        #expect(try JSONParser.parse("\"\(long)\"") == .string("\n" + String(repeating: "é€😀abc", count: 40)))
    }

    @Test("Minus zero keeps its sign")
    func minusZero() throws {
        for text in ["-0", "-0.0", "-0e5"] {
            guard case .number(let d) = try JSONParser.parse(text) else {
                Issue.record("not a number")
                continue
            }
            #expect(d == 0 && d.sign == .minus, "\(text)")
        }
        guard case .number(let d) = try JSONParser.parse("0") else { return }
        #expect(d.sign == .plus)
    }

    @Test(
        "Numbers are correctly rounded",
        arguments: [
            ("0.1", 0x3fb9_9999_9999_999a), ("2.2250738585072011e-308", 0x000f_ffff_ffff_ffff),
            ("9007199254740993", 0x4340_0000_0000_0000), ("9007199254740995", 0x4340_0000_0000_0002),
            ("1.7976931348623158e308", 0x7fef_ffff_ffff_ffff), ("5e-324", 0x0000_0000_0000_0001),
            ("2.4703282292062327e-324", 0), ("2.4703282292062328e-324", 1),
            ("0.30000000000000004", 0x3fd3_3333_3333_3334),
            ("123456789012345678901234567890", 0x45f8_ee90_ff6c_373e), ("999999999999999", 0x430c_6bf5_2633_fff8),
        ] as [(String, UInt64)])
    func rounding(_ text: String, _ bits: UInt64) throws {
        guard case .number(let d) = try JSONParser.parse(text) else {
            Issue.record("not a number")
            return
        }
        #expect(d.bitPattern == bits)
    }

    @Test("Parsed doubles equal Swift's own conversion")
    func doublesAgreeWithSwift() throws {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<5000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            // Swift's description is valid JSON for finite doubles ("1e-05", "-1.5", "5e-324").
            let text = d.description
            #expect(try JSONParser.parse(text) == .number(d), "\(text)")
            let integer = Int64.random(in: .min ... .max, using: &rng)
            #expect(try JSONParser.parse(String(integer)) == .number(Double(String(integer))!))
        }
    }

    // MARK: Inputs

    @Test("Any collection of bytes, contiguous or not")
    func inputKinds() throws {
        let text = #"{"seq":42,"prev":"00","sigs":[{"key":"k"}]}"#
        let expected = try JSONParser.parse(text)
        #expect(try JSONParser.parse(Array(text.utf8)) == expected)
        #expect(try JSONParser.parse(ArraySlice(Array(("  " + text).utf8))[2...]) == expected)
        #expect(try JSONParser.parse(Data(text.utf8)) == expected)
        #expect(try JSONParser.parse(text.utf8.lazy.map { $0 }) == expected)  // not contiguous
        #expect(throws: JSONError(.trailingData, at: 2)) {
            try JSONParser.parse([UInt8]("{}}".utf8).lazy.map { $0 })
        }
    }

    @Test("Offsets count UTF-8 bytes")
    func byteOffsets() {
        #expect(throws: JSONError(.duplicateKey, at: 8)) { try JSONParser.parse(#"{"é":1,"é":2}"#) }
        #expect(throws: JSONError(.unexpectedCharacter, at: 7)) { try JSONParser.parse(#"["€",]"#) }
    }

    // MARK: Limits

    @Test("Nesting depth limit")
    func depth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(ok)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONError(.tooDeep, at: 64)) { try JSONParser.parse(deep) }
        let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(throws: JSONError(.tooDeep, at: 5 * 64)) { try JSONParser.parse(objects) }
        let shallow = JSONParser.Limits(maxDepth: 2)
        _ = try JSONParser.parse("[[1]]", limits: shallow)
        #expect(throws: JSONError(.tooDeep, at: 2)) { try JSONParser.parse("[[[1]]]", limits: shallow) }
        // Hostile nesting fails cleanly instead of exhausting the stack.
        let hostile = [UInt8](repeating: 0x5b, count: 200_000)
        #expect(throws: JSONError(.tooDeep, at: 64)) { try JSONParser.parse(hostile) }
    }

    @Test("Input size limit")
    func size() throws {
        let limits = JSONParser.Limits(maxBytes: 4)
        _ = try JSONParser.parse("[10]", limits: limits)
        #expect(throws: JSONError(.tooLarge, at: 4)) { try JSONParser.parse("[100]", limits: limits) }
        let big = "\"" + String(repeating: "a", count: 1 << 20) + "\""
        #expect(throws: JSONError(.tooLarge, at: 1 << 20)) { try JSONParser.parse(big) }
        #expect(JSONParser.Limits().maxBytes == 1 << 20)
        #expect(JSONParser.Limits().maxDepth == 64)
    }

    @Test("String length limit, before and after unescaping")
    func stringLength() throws {
        let limits = JSONParser.Limits(maxStringBytes: 4)
        _ = try JSONParser.parse(#"["abcd","\u00e9\u00e9"]"#, limits: limits)
        #expect(throws: JSONError(.stringTooLong, at: 1)) { try JSONParser.parse(#"["abcde"]"#, limits: limits) }
        #expect(throws: JSONError(.stringTooLong, at: 1)) { try JSONParser.parse(#"["\u0061bcde"]"#, limits: limits) }
        #expect(throws: JSONError(.stringTooLong, at: 1)) { try JSONParser.parse(#"{"abcde":1}"#, limits: limits) }
        #expect(throws: JSONError(.stringTooLong, at: 1)) { try JSONParser.parse(#"["ééé"]"#, limits: limits) }
    }

    // MARK: Errors

    @Test("Error descriptions are one line and name short keys")
    func descriptions() {
        do throws(JSONError) {
            _ = try JSONParser.parse(#"{"actor":"a","body":{},"actor":"b"}"#)
            Issue.record("accepted")
        } catch {
            #expect(error.description == #"JSON is not valid at byte 23: duplicate key "actor""#)
        }
        let longKey = String(repeating: "k", count: 50)
        do throws(JSONError) {
            _ = try JSONParser.parse("{\"\(longKey)\":1,\"\(longKey)\":2}")
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasSuffix("duplicate key \"\(String(repeating: "k", count: 40))…\""))
        }
        do throws(JSONError) {
            _ = try JSONParser.parse(#"{"a\nb\"":1,"a\nb\"":2}"#)
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasSuffix(#"duplicate key "a\u{a}b\"""#))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("Error descriptions never repeat string values")
    func noValuesInErrors() {
        let secret = "Jane Q. Patient 1970-01-01"
        let inputs = [
            "{\"name\":\"\(secret)\u{1}\"}", "{\"name\":\"\(secret)\\x\"}", "{\"name\":\"\(secret)",
            "{\"name\":\"\(secret)\" \"x\"}", "[\"\(secret)\",]", "{\"name\":\"\(secret)\",\"name\":\"\(secret)\"}",
            "{\"name\":\"\(secret)\\ud800\"}", "[\"\(secret)\"] x",
        ]
        for input in inputs {
            do throws(JSONError) {
                _ = try JSONParser.parse(input)
                Issue.record("accepted \(input.count) bytes")
            } catch {
                #expect(!error.description.contains("Jane"))
                #expect(!error.description.contains("1970"))
            }
        }
    }

    @Test("Errors are equal by code and offset")
    func equality() {
        #expect(JSONError(.duplicateKey, at: 3, detail: "x") == JSONError(.duplicateKey, at: 3))
        #expect(JSONError(.duplicateKey, at: 3) != JSONError(.duplicateKey, at: 4))
        #expect(JSONError(.duplicateKey, at: 3) != JSONError(.tooDeep, at: 3))
        #expect(JSONError(.tooDeep, at: 0).description == "JSON is not valid at byte 0: nested too deeply")
    }

    // MARK: Robustness

    @Test("Mutated entries never crash; what parses round-trips")
    func mutations() throws {
        let statement =
            #"{"v":1,"type":"dose.administered","actor":"é€😀","witnesses":["a\u00e9"],"#
            + #""body":{"q":"12.5","n":-1.5e-3}}"#
        let text =
            #"{"seq":42,"prev":"\#(String(repeating: "0", count: 64))","logged":"2026-11-23T14:05:09.377Z","#
            + #""statement":\#(statement),"sigs":[{"key":"k","sig":"c2ln"}]}"#
        let entry = Array(text.utf8)
        _ = try JSONParser.parse(entry)
        var rng = SplitMix64(seed: 1)
        let interesting: [UInt8] = [
            0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x2d, 0x2e, 0x65, 0x75, 0x00,
            0x1f, 0x80, 0xc0, 0xed, 0xf0, 0xf4, 0xff, 0x20,
        ]
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = entry
            for _ in 0...Int(rng.next() % 3) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = interesting[Int(rng.next() % UInt64(interesting.count))]
                case 1: bytes.remove(at: i)
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                }
            }
            let value: JSONValue
            do throws(JSONError) {
                value = try JSONParser.parse(bytes)
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
                continue
            }
            accepted += 1
            let canonical = JCS.serialize(value)
            #expect(try JSONParser.parse(canonical) == value)
            #expect(JCS.serialize(try JSONParser.parse(canonical)) == canonical)
        }
        #expect(accepted > 0)
    }
}

// MARK: - Vector file

/// The Wycheproof-style file `Vectors/jcs/parser.json`.
enum ParserVectors {
    struct File: Decodable {
        let numberOfTests: Int
        let tests: [Case]
    }

    /// One input with the verdict it must get.
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let tcId: Int
        let comment: String
        let input: String?
        let inputHex: String?
        let result: String
        let error: String?
        let offset: Int?

        var testDescription: String { "tcId \(tcId): \(comment)" }

        func bytes() throws -> [UInt8] {
            if let inputHex { return try #require(Hex.decode(inputHex)) }
            return Array(try #require(input).utf8)
        }
    }

    static func load() throws -> File {
        let file = try JCSVectors.decode(File.self, "jcs/parser.json")
        try #require(file.tests.count == file.numberOfTests)
        return file
    }
}
