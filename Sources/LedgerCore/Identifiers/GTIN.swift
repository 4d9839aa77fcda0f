/// A GS1 Global Trade Item Number, kept as 14 digits (GTIN-14).
///
/// GTIN-8, GTIN-12 (UPC-A) and GTIN-13 (EAN-13) are accepted and padded on
/// the left with zeros, which keeps their check digit. The last digit must be
/// the GS1 modulo-10 check digit.
///
/// A US drug package carries its NDC inside the GTIN: indicator digit, `03`,
/// the ten NDC digits without hyphens, check digit (see `ndc10Digits`).
package struct GTIN: Sendable, Hashable, CustomStringConvertible, Codable {
    /// The 14 digits.
    package let digits: String

    /// Parses 8, 12, 13 or 14 digits (surrounding whitespace is ignored) and
    /// checks the check digit.
    package init(_ text: String) throws(IdentifierError) {
        let t = IdentifierText.trimmed(text)
        let b = Array(t.utf8)
        guard IdentifierText.isDigits(b), [8, 12, 13, 14].contains(b.count) else {
            throw IdentifierError(.invalidGTIN,
                "GTIN \(IdentifierText.shown(t)) must be 14 digits (or 8, 12 or 13)")
        }
        let padded = [UInt8](repeating: IdentifierText.zero, count: 14 - b.count) + b
        let expected = Self.checkDigit(padded[..<13])
        guard Int(padded[13] - IdentifierText.zero) == expected else {
            throw IdentifierError(.gtinCheckDigit,
                "GTIN \(t) has a wrong check digit (expected \(expected))")
        }
        self.digits = String(decoding: padded, as: UTF8.self)
    }

    /// The GS1 check digit for the digits before it (any length, for example
    /// 13 for a GTIN-14), or nil unless `digitsWithoutCheck` is all ASCII digits.
    ///
    /// Weights 3 and 1 alternate from the rightmost digit leftwards; the check
    /// digit brings the weighted sum up to a multiple of 10.
    package static func checkDigit(for digitsWithoutCheck: some StringProtocol) -> Int? {
        let b = Array(digitsWithoutCheck.utf8)
        guard IdentifierText.isDigits(b) else { return nil }
        return checkDigit(b[...])
    }

    static func checkDigit(_ b: ArraySlice<UInt8>) -> Int {
        var sum = 0
        for (i, c) in b.reversed().enumerated() {
            sum += Int(c - IdentifierText.zero) * (i % 2 == 0 ? 3 : 1)
        }
        return (10 - sum % 10) % 10
    }

    /// The US GTIN-14 of a drug package from its ten NDC digits (no hyphens):
    /// indicator, `03`, the ten digits, check digit.
    ///
    /// `indicator` is 0 for the unit of sale; 1 to 8 mark higher packaging levels.
    package static func make(ndc10digits: String, indicator: Int = 0) throws(IdentifierError) -> GTIN {
        let b = Array(ndc10digits.utf8)
        guard b.count == 10, IdentifierText.isDigits(b) else {
            throw IdentifierError(.invalidNDC,
                "NDC \(IdentifierText.shown(ndc10digits)) must be 10 digits without hyphens to make a GTIN")
        }
        guard (0...9).contains(indicator) else {
            throw IdentifierError(.invalidGTIN, "GTIN indicator \(indicator) must be a single digit")
        }
        let body = "\(indicator)03" + ndc10digits
        return try GTIN(body + String(checkDigit(for: body)!))
    }

    /// The ten NDC digits (digits 4 to 13) when this is a US NDC-based GTIN
    /// (`03` after the indicator), otherwise nil. The NDC's layout (4-4-2,
    /// 5-3-2 or 5-4-1) cannot be told from them: match them against a known
    /// NDC with `NDC.matchesGTIN(_:)`.
    package var ndc10Digits: String? {
        let b = Array(digits.utf8)
        guard b[1] == UInt8(ascii: "0"), b[2] == UInt8(ascii: "3") else { return nil }
        return String(decoding: b[3..<13], as: UTF8.self)
    }

    /// The packaging indicator (first digit).
    package var indicator: Int { Int(digits.utf8.first! - IdentifierText.zero) }

    /// The 14 digits.
    package var description: String { digits }

    /// Encodes as the 14-digit string.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(digits)
    }

    /// Decodes from a string of digits and checks it.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        do throws(IdentifierError) {
            self = try GTIN(s)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.message)
        }
    }
}
