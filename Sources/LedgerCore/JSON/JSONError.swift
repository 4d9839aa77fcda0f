/// Why a JSON text was refused, and where.
///
/// The description is one line meant for people (logs, the command line). It
/// never repeats string values, which may hold personal data; the only text it
/// quotes from the input is an object key, and only up to 40 characters of it.
/// Two errors are equal when their code and offset are equal.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of fault.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The bytes are not well-formed UTF-8 (overlong forms, encoded
        /// surrogates, code points above U+10FFFF, truncated sequences).
        case invalidUTF8
        /// An object names the same key twice (compared after unescaping).
        case duplicateKey
        /// Arrays and objects are nested deeper than `Limits.maxDepth`.
        case tooDeep
        /// The input is longer than `Limits.maxBytes`.
        case tooLarge
        /// A string is longer than `Limits.maxStringBytes` once unescaped.
        case stringTooLong
        /// A byte that cannot stand here (including comments, a trailing
        /// comma, single quotes, bare words, a byte order mark).
        case unexpectedCharacter
        /// A number that breaks the RFC 8259 grammar (leading zero, `+`,
        /// `.5`, `1.`, `1e`).
        case invalidNumber
        /// A backslash escape that RFC 8259 does not define, or a `\u`
        /// without four hex digits.
        case invalidEscape
        /// A `\u` escape naming a lone or mis-paired UTF-16 surrogate.
        case invalidSurrogate
        /// A raw control character (U+0000 to U+001F) inside a string.
        case controlCharacter
        /// Anything but whitespace after the single top-level value.
        case trailingData
        /// The input ends in the middle of a value (or is empty).
        case unexpectedEnd
        /// A number too large for a double, or a `NaN` / `Infinity` literal.
        case nonFiniteNumber
    }

    /// The kind of fault.
    public let code: Code
    /// Zero-based byte offset into the input where the fault was found.
    public let offset: Int
    /// Extra context: what was expected, or the (truncated) duplicate key.
    /// Never holds a string value from the input.
    let detail: String?

    /// Makes an error; `detail` must not contain string values from the input.
    init(_ code: Code, at offset: Int, detail: String? = nil) {
        self.code = code
        self.offset = offset
        self.detail = detail
    }

    /// An error for a duplicate key, quoting at most 40 characters of it.
    static func duplicateKey(_ key: String, at offset: Int) -> JSONError {
        JSONError(.duplicateKey, at: offset, detail: "duplicate key \"\(printable(key))\"")
    }

    /// Equal when code and offset are equal; the wording does not count.
    public static func == (a: JSONError, b: JSONError) -> Bool {
        a.code == b.code && a.offset == b.offset
    }

    /// One line, e.g. `JSON is not valid at byte 17: duplicate key "actor"`.
    public var description: String {
        "JSON is not valid at byte \(offset): \(detail ?? code.summary)"
    }

    /// A key made safe for a one-line message: at most 40 characters, with
    /// control characters, quotes and backslashes escaped.
    static func printable(_ key: String) -> String {
        var out = ""
        var count = 0
        for scalar in key.unicodeScalars {
            if count == 40 {
                out += "…"
                break
            }
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _
            where scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}

extension JSONError.Code {
    /// The default wording for an error of this kind.
    var summary: String {
        switch self {
        case .invalidUTF8: "invalid UTF-8"
        case .duplicateKey: "duplicate key"
        case .tooDeep: "nested too deeply"
        case .tooLarge: "input too large"
        case .stringTooLong: "string too long"
        case .unexpectedCharacter: "unexpected character"
        case .invalidNumber: "malformed number"
        case .invalidEscape: "invalid escape sequence"
        case .invalidSurrogate: "unpaired UTF-16 surrogate escape"
        case .controlCharacter: "unescaped control character in string"
        case .trailingData: "data after the JSON value"
        case .unexpectedEnd: "unexpected end of input"
        case .nonFiniteNumber: "number is not finite"
        }
    }
}
