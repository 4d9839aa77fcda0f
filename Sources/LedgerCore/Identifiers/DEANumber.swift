/// A DEA registration number, such as `AB1234563`.
///
/// Two characters then seven digits. The first is a letter naming the kind of
/// registrant; the second is normally the first letter of the registrant's
/// last name, or `9` for registrants using a business name. The last digit is a
/// check digit: the last digit of `(d1 + d3 + d5) + 2 × (d2 + d4 + d6)`.
///
/// Input may be lowercase and may have surrounding whitespace; the stored form
/// is uppercase. The suffix some institutions append for supervised
/// practitioners (`-001AB`) is not part of the registration number and is refused.
package struct DEANumber: Sendable, Hashable, CustomStringConvertible, Codable {
    /// The nine characters, uppercase (`AB1234563`).
    package let text: String

    /// Letters a DEA registration number may start with.
    ///
    /// The DEA's registration record layout lists A, B, F, G (practitioners,
    /// hospitals, pharmacies, teaching institutions), M (mid-level
    /// practitioners), P, R (manufacturers, distributors, researchers, labs,
    /// importers, exporters, reverse distributors, narcotic treatment
    /// programs) and X (the former DATA-waiver numbers, still found in older
    /// records). The remaining letters are business-activity codes that
    /// public references also list as registrant letters; they are accepted
    /// so that a real registration is never refused. I, O, Q, V, W, Y and Z
    /// are refused.
    package static let registrantTypeLetters: Set<Character> = [
        "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N",
        "P", "R", "S", "T", "U", "X",
    ]

    /// Parses and checks a DEA registration number.
    package init(_ text: String) throws(IdentifierError) {
        let trimmed = IdentifierText.trimmed(text)
        let b = trimmed.utf8.map { ($0 >= 0x61 && $0 <= 0x7A) ? $0 - 0x20 : $0 }
        let upper = String(decoding: b, as: UTF8.self)
        func isLetter(_ c: UInt8) -> Bool { c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") }
        guard b.count == 9, isLetter(b[0]), isLetter(b[1]) || b[1] == UInt8(ascii: "9"),
              IdentifierText.isDigits(b[2...])
        else {
            throw IdentifierError(.invalidDEA,
                "DEA number \(IdentifierText.shown(trimmed)) must be 2 letters and 7 digits")
        }
        let first = Character(Unicode.Scalar(b[0]))
        guard Self.registrantTypeLetters.contains(first) else {
            throw IdentifierError(.invalidDEA,
                "DEA number \(upper) starts with \(first), which is not a DEA registrant type letter")
        }
        let digits = b[2...].map { Int($0 - IdentifierText.zero) }
        let expected = Self.checkDigit(digits[0], digits[1], digits[2], digits[3], digits[4], digits[5])
        guard digits[6] == expected else {
            throw IdentifierError(.deaCheckDigit,
                "DEA number \(upper) has a wrong check digit (expected \(expected))")
        }
        self.text = upper
    }

    /// The first letter: the kind of registrant.
    package var registrantType: Character { text.first! }

    /// The nine characters, uppercase.
    package var description: String { text }

    /// The check digit for the first six digits of a registration number,
    /// or nil unless `sixDigits` is exactly six ASCII digits.
    ///
    /// `DEANumber.checkDigit(for: "123456")` is 3, so `AB1234563` is valid.
    package static func checkDigit(for sixDigits: some StringProtocol) -> Int? {
        let b = Array(sixDigits.utf8)
        guard b.count == 6, IdentifierText.isDigits(b) else { return nil }
        let d = b.map { Int($0 - IdentifierText.zero) }
        return checkDigit(d[0], d[1], d[2], d[3], d[4], d[5])
    }

    /// Completes two letters and six digits (`AB123456`) with their check
    /// digit and parses the result; for fixtures and for people who know all
    /// but the last digit.
    package static func completing(_ eightCharacters: String) throws(IdentifierError) -> DEANumber {
        let t = IdentifierText.trimmed(eightCharacters)
        let u = Array(t.utf8)
        guard u.count == 8, let check = checkDigit(for: String(decoding: u[2...], as: UTF8.self)) else {
            throw IdentifierError(.invalidDEA,
                "DEA number prefix \(IdentifierText.shown(t)) must be 2 letters and 6 digits")
        }
        return try DEANumber(t + String(check))
    }

    static func checkDigit(_ d1: Int, _ d2: Int, _ d3: Int, _ d4: Int, _ d5: Int, _ d6: Int) -> Int {
        ((d1 + d3 + d5) + 2 * (d2 + d4 + d6)) % 10
    }

    /// Encodes as the nine-character string.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }

    /// Decodes from a string and checks it.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        do throws(IdentifierError) {
            self = try DEANumber(s)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.message)
        }
    }
}
