import LedgerCore

/// HTML built by interpolation, escaped in one place.
///
/// Every `String` interpolated into an `HTML` literal is escaped (`&`, `<`, `>`, `"`, `'`); only another
/// `HTML` value goes in as it is. So text from the ledger (names, reasons, lot numbers, statement bodies)
/// cannot become markup, whatever it holds, and no page builds markup any other way.
package struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    package private(set) var raw: String

    /// Markup written by this module (a literal, or pieces already built as `HTML`).
    init(trusted: String) { raw = trusted }

    package init(stringLiteral value: String) { raw = value }

    package init(stringInterpolation: StringInterpolation) { raw = stringInterpolation.out }

    package var description: String { raw }

    package static let empty = HTML(trusted: "")

    /// Text for an element's content or a quoted attribute value (`HTMLText.escape`, the one escaping function).
    package static func escape(_ text: String) -> String { HTMLText.escape(text) }

    /// Joins pieces of markup.
    package static func join(_ parts: [HTML], separator: HTML = .empty) -> HTML {
        HTML(trusted: parts.map(\.raw).joined(separator: separator.raw))
    }

    package static func + (a: HTML, b: HTML) -> HTML { HTML(trusted: a.raw + b.raw) }
    package static func += (a: inout HTML, b: HTML) { a.raw += b.raw }

    package struct StringInterpolation: StringInterpolationProtocol {
        var out = ""
        package init(literalCapacity: Int, interpolationCount: Int) { out.reserveCapacity(literalCapacity + interpolationCount * 16) }
        package mutating func appendLiteral(_ literal: String) { out += literal }
        /// Text: escaped.
        package mutating func appendInterpolation(_ text: String) { out += HTML.escape(text) }
        package mutating func appendInterpolation(_ text: Substring) { out += HTML.escape(String(text)) }
        package mutating func appendInterpolation(_ n: Int) { out += String(n) }
        /// Markup: as it is.
        package mutating func appendInterpolation(_ html: HTML) { out += html.raw }
        package mutating func appendInterpolation(_ parts: [HTML]) { for p in parts { out += p.raw } }
        /// A number with at most `digits` decimals.
        package mutating func appendInterpolation(_ d: Double, digits: Int = 2) { out += Format.number(d, digits) }
    }
}

/// Numbers and URLs for pages.
package enum Format {
    /// At most `digits` decimals, no trailing zeros.
    package static func number(_ d: Double, _ digits: Int = 2) -> String {
        guard d.isFinite else { return d > 0 ? "∞" : "-∞" }
        var s = String(format: "%.\(digits)f", d)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// Percent-encodes a path segment or query value (everything but unreserved characters).
    package static func urlComponent(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    /// Decodes `%XX` and `+` (form bodies and query strings).
    package static func formDecode(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "+") { bytes.append(0x20) } else if b == UInt8(ascii: "%"), it.count >= 2,
                let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else { bytes.append(b) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `a=1&b=2` as a dictionary (the last value of a repeated name wins).
    package static func form(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in s.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            out[formDecode(kv[0])] = kv.count > 1 ? formDecode(kv[1]) : ""
        }
        return out
    }
}

extension String {
    func leftPadded(_ n: Int, with c: Character = "0") -> String { count >= n ? self : String(repeating: c, count: n - count) + self }
}
