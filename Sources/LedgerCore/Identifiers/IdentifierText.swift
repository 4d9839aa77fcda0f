/// Small ASCII helpers shared by the identifier parsers. No locale, no Foundation.
enum IdentifierText {
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")

    /// `text` without surrounding spaces, tabs, carriage returns and line feeds.
    /// Nothing else is stripped: a GS (0x1D) or a no-break space stays.
    static func trimmed(_ text: some StringProtocol) -> String {
        let scalars = Array(text.unicodeScalars)
        func isSpace(_ u: Unicode.Scalar) -> Bool { u == " " || u == "\t" || u == "\r" || u == "\n" }
        var start = 0
        var end = scalars.count
        while start < end, isSpace(scalars[start]) { start += 1 }
        while end > start, isSpace(scalars[end - 1]) { end -= 1 }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start..<end])
        return String(out)
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= zero && b <= nine }

    static func isDigits(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isDigit)
    }

    /// Whether `text` is non-empty and made only of ASCII digits.
    static func isDigits(_ text: some StringProtocol) -> Bool {
        isDigits(text.utf8)
    }

    /// Decimal value of a run of ASCII digits (caller has checked they are digits and few).
    static func value(_ bytes: some Collection<UInt8>) -> Int {
        bytes.reduce(0) { $0 * 10 + Int($1 - zero) }
    }

    /// Whether `b` is in the GS1 AI encodable character set 82:
    /// `!"%&'()*+,-./0-9:;<=>?A-Z_a-z`.
    static func isCSET82(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "!"), UInt8(ascii: "\""),
             UInt8(ascii: "%")...UInt8(ascii: "?"),
             UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "_"),
             UInt8(ascii: "a")...UInt8(ascii: "z"):
            return true
        default:
            return false
        }
    }

    /// How a value appears inside an error message: as is when it is short
    /// printable ASCII without spaces, otherwise quoted with control and
    /// non-ASCII characters escaped (`\u{1D}`), so the message stays on one line.
    static func shown(_ text: some StringProtocol) -> String {
        let limit = 48
        let scalars = Array(text.unicodeScalars)
        let plain = !scalars.isEmpty && scalars.count <= limit
            && scalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
        return plain ? String(text) : quoted(text)
    }

    /// `text` in double quotes with control and non-ASCII characters escaped,
    /// cut after 48 characters.
    static func quoted(_ text: some StringProtocol) -> String {
        let scalars = Array(text.unicodeScalars)
        let limit = 48
        return "\"" + scalars.prefix(limit).map(escaped).joined() + (scalars.count > limit ? "…" : "") + "\""
    }

    /// One scalar written for a message: printable ASCII as is, the rest as `\u{XX}`.
    static func escaped(_ u: Unicode.Scalar) -> String {
        if u == "\"" { return "\\\"" }
        if u == "\\" { return "\\\\" }
        if u.value >= 0x20 && u.value < 0x7F { return String(Character(u)) }
        return "\\u{" + hex(u.value) + "}"
    }

    /// Uppercase hexadecimal without leading zeros (at least two digits).
    static func hex(_ v: UInt32) -> String {
        let digits = Array("0123456789ABCDEF")
        var v = v
        var out: [Character] = []
        repeat {
            out.append(digits[Int(v & 0xF)])
            v >>= 4
        } while v > 0
        if out.count < 2 { out.append("0") }
        return String(out.reversed())
    }
}
