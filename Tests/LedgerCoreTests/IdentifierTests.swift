import Foundation
import Testing
@testable import LedgerCore

/// Runs `body`, expecting an `IdentifierError` with `code` whose one-line
/// message contains `fragment` (when given).
func expectIdentifierError(
    _ code: IdentifierError.Code,
    _ fragment: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected an IdentifierError .\(code), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let e as IdentifierError {
        #expect(e.code == code, "got .\(e.code): \(e.message)", sourceLocation: sourceLocation)
        if let fragment {
            #expect(e.message.contains(fragment), "message: \(e.message)", sourceLocation: sourceLocation)
        }
        #expect(!e.message.contains("\n") && !e.message.contains("\r") && !e.message.contains("\u{1D}"),
                "message must be one printable line: \(e.message)", sourceLocation: sourceLocation)
        #expect(e.description == e.message, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected an IdentifierError, got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("IdentifierError")
struct IdentifierErrorTests {
    @Test func equalityIsByCode() {
        #expect(IdentifierError(.invalidDEA, "one") == IdentifierError(.invalidDEA, "two"))
        #expect(IdentifierError(.invalidDEA, "one") != IdentifierError(.deaCheckDigit, "one"))
    }
}

@Suite("DEA numbers")
struct DEANumberTests {
    @Test func validNumber() throws {
        // 1+3+5 = 9, 2*(2+4+6) = 24, 9+24 = 33 -> check digit 3
        let d = try DEANumber("AB1234563")
        #expect(d.text == "AB1234563")
        #expect(d.description == "AB1234563")
        #expect(d.registrantType == "A")
    }

    @Test func lowercaseAndSurroundingWhitespace() throws {
        #expect(try DEANumber(" ab1234563\n").text == "AB1234563")
        #expect(try DEANumber("\tbj1424326 ").text == "BJ1424326")
    }

    @Test func businessNameRegistrantHasNineAsSecondCharacter() throws {
        #expect(try DEANumber("F91234563").text == "F91234563")
    }

    @Test func checkDigitHelper() throws {
        #expect(DEANumber.checkDigit(for: "123456") == 3)
        #expect(DEANumber.checkDigit(for: "142432") == 6)  // 6 + 2*10 = 26
        #expect(DEANumber.checkDigit(for: "000000") == 0)
        #expect(DEANumber.checkDigit(for: "12345") == nil)
        #expect(DEANumber.checkDigit(for: "12345a") == nil)
        #expect(try DEANumber.completing("AB123456").text == "AB1234563")
        #expect(try DEANumber.completing("mz987654").text == "MZ9876547")  // 9+7+5 + 2*(8+6+4) = 57
    }

    @Test(arguments: Array(DEANumber.registrantTypeLetters).sorted())
    func everyRegistrantLetterIsAccepted(letter: Character) throws {
        let d = try DEANumber.completing("\(letter)Q765432")
        #expect(d.registrantType == letter)
        #expect(try DEANumber(d.text) == d)
    }

    @Test func wrongShape() {
        expectIdentifierError(.invalidDEA) { _ = try DEANumber("AB123456") }
        do throws(IdentifierError) {
            _ = try DEANumber("AB123456")
        } catch {
            #expect(error.message == "DEA number AB123456 must be 2 letters and 7 digits")
        }
        for bad in ["", "AB12345634", "A11234563", "1B1234563", "AB 1234563", "AB123456X",
                    "AB1234563-001AB", "ÅB1234563", "AB-1234563", "ABC123456"] {
            expectIdentifierError(.invalidDEA, "must be 2 letters and 7 digits") { _ = try DEANumber(bad) }
        }
    }

    @Test func wrongCheckDigit() {
        do throws(IdentifierError) {
            _ = try DEANumber("AB1234562")
            Issue.record("accepted a wrong check digit")
        } catch {
            #expect(error.code == .deaCheckDigit)
            #expect(error.message == "DEA number AB1234562 has a wrong check digit (expected 3)")
        }
        expectIdentifierError(.deaCheckDigit, "AB1234562") { _ = try DEANumber("ab1234562") }
    }

    @Test func unknownRegistrantLetter() {
        for bad in ["QB1234563", "IB1234563", "ZB1234563", "OB1234563"] {
            expectIdentifierError(.invalidDEA, "not a DEA registrant type letter") { _ = try DEANumber(bad) }
        }
    }

    @Test func completingRefusesWrongShape() {
        expectIdentifierError(.invalidDEA, "2 letters and 6 digits") { _ = try DEANumber.completing("AB12345") }
        expectIdentifierError(.invalidDEA) { _ = try DEANumber.completing("QB123456") }
    }

    @Test func codableAsString() throws {
        let d = try DEANumber("AB1234563")
        let data = try JSONEncoder().encode([d])
        #expect(String(decoding: data, as: UTF8.self) == "[\"AB1234563\"]")
        #expect(try JSONDecoder().decode([DEANumber].self, from: data) == [d])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([DEANumber].self, from: Data("[\"AB1234562\"]".utf8))
        }
    }
}

@Suite("NDC")
struct NDCTests {
    @Test(arguments: [
        ("1234-5678-90", "01234567890", "4-4-2"),
        ("12345-678-90", "12345067890", "5-3-2"),
        ("12345-6789-0", "12345678900", "5-4-1"),
        ("12345-6789-01", "12345678901", "5-4-2"),
        ("0409-4276-01", "00409427601", "4-4-2"),
        ("00409-4276-01", "00409427601", "5-4-2"),
        ("12345678901", "12345678901", "5-4-2"),
    ])
    func normalizedTo11(input: String, expected: String, layout: String) throws {
        let n = try NDC(input)
        #expect(n.normalized11 == expected)
        #expect(n.normalized == expected)
        #expect(n.layout.description == layout)
        #expect(n.layout == NDC.Layout(layout))
    }

    @Test func hyphenatedKeepsTheWrittenLayout() throws {
        let n = try NDC("1234-5678-90")
        #expect(n.hyphenated == "1234-5678-90")
        #expect(n.description == "1234-5678-90")
        #expect(n.labeler == "1234" && n.product == "5678" && n.package == "90")
        #expect(n.tenDigits == "1234567890")
        #expect(try NDC("12345678901").hyphenated == "12345-6789-01")
        #expect(try NDC(" 12345-678-90 ").hyphenated == "12345-678-90")
    }

    @Test func twelveDigitLayoutIsKeptAsIs() throws {
        let n = try NDC("123456-7890-12")
        #expect(n.layout == .sixFourTwo)
        #expect(n.normalized == "123456789012")
        #expect(n.normalized11 == nil)
        #expect(n.tenDigits == nil)
        #expect(n.hyphenated == "123456-7890-12")
        #expect(n.layout.normalizedLayout == .sixFourTwo)
    }

    @Test func plainTenDigitsNeedALayout() throws {
        expectIdentifierError(.ambiguousNDC, "hyphens") { _ = try NDC("1234567890") }
        let n = try NDC("1234567890", layout: .fiveThreeTwo)
        #expect(n.hyphenated == "12345-678-90")
        #expect(n.normalized11 == "12345067890")
        #expect(try NDC("1234567890", layout: .fourFourTwo).normalized11 == "01234567890")
        #expect(try NDC("1234567890", layout: .fiveFourOne).normalized11 == "12345678900")
        expectIdentifierError(.invalidNDC, "does not fit the layout 5-4-2") {
            _ = try NDC("1234567890", layout: .fiveFourTwo)
        }
    }

    @Test func plainTwelveDigitsAreRefusedAsPossibleUPC() {
        expectIdentifierError(.ambiguousNDC, "6-4-2") { _ = try NDC("312345678906") }
    }

    @Test func layoutGivenMustMatchHyphens() throws {
        expectIdentifierError(.invalidNDC, "is in the layout 4-4-2, not 5-3-2") {
            _ = try NDC("1234-5678-90", layout: .fiveThreeTwo)
        }
        #expect(try NDC("12345-678-90", layout: .fiveThreeTwo).layout == .fiveThreeTwo)
        #expect(try NDC("12345678901", layout: .fiveFourTwo).layout == .fiveFourTwo)
    }

    @Test(arguments: ["", "-", "1234-567-89", "123-4567-890", "12345-678-9A", "1234--5678",
                      "1234-5678-90-1", "12345 678 90", "12345_678_90", "1234567-8-90", "123456789",
                      "1234567890123", "１２３４-５６７８-９０", "NDC 1234-5678-90"])
    func invalidForms(input: String) {
        expectIdentifierError(.invalidNDC) { _ = try NDC(input) }
    }

    @Test func equalityIsByNormalizedForm() throws {
        let a = try NDC("1234-5678-90")
        let b = try NDC("01234-5678-90")
        let c = try NDC("01234567890")
        #expect(a == b && b == c)
        #expect(Set([a, b, c]).count == 1)
        #expect(try NDC("12345-678-90") != NDC("1234-5678-90"))
    }

    @Test func layouts() {
        #expect(NDC.Layout.all.map(\.description) == ["4-4-2", "5-3-2", "5-4-1", "5-4-2", "6-4-2"])
        #expect(NDC.Layout("5-3-2") == .fiveThreeTwo)
        #expect(NDC.Layout("3-3-3") == nil)
        #expect(NDC.Layout.fourFourTwo.digitCount == 10)
        #expect(NDC.Layout.fourFourTwo.normalizedLayout == .fiveFourTwo)
    }

    @Test func codableKeepsTheLayout() throws {
        let ndcs = [try NDC("1234-5678-90"), try NDC("12345-678-90"), try NDC("123456-7890-12")]
        let data = try JSONEncoder().encode(ndcs)
        #expect(String(decoding: data, as: UTF8.self) == "[\"1234-5678-90\",\"12345-678-90\",\"123456-7890-12\"]")
        let back = try JSONDecoder().decode([NDC].self, from: data)
        #expect(back.map(\.hyphenated) == ndcs.map(\.hyphenated))
    }
}

@Suite("GTIN")
struct GTINTests {
    @Test(arguments: [
        ("09506000134352", "09506000134352"),  // GS1 DataMatrix example GTIN
        ("4006381333931", "04006381333931"),   // EAN-13
        ("036000291452", "00036000291452"),    // UPC-A
        ("96385074", "00000096385074"),        // GTIN-8
        ("00312345678906", "00312345678906"),
        (" 00312345678906\n", "00312345678906"),
    ])
    func validGTINs(input: String, digits: String) throws {
        let g = try GTIN(input)
        #expect(g.digits == digits)
        #expect(g.description == digits)
    }

    @Test func checkDigits() {
        #expect(GTIN.checkDigit(for: "0950600013435") == 2)
        #expect(GTIN.checkDigit(for: "400638133393") == 1)
        #expect(GTIN.checkDigit(for: "03600029145") == 2)
        #expect(GTIN.checkDigit(for: "9638507") == 4)
        #expect(GTIN.checkDigit(for: "0031234567890") == 6)
        #expect(GTIN.checkDigit(for: "12a") == nil)
    }

    @Test func wrongCheckDigit() {
        expectIdentifierError(.gtinCheckDigit, "GTIN 09506000134353 has a wrong check digit (expected 2)") {
            _ = try GTIN("09506000134353")
        }
        expectIdentifierError(.gtinCheckDigit, "(expected 1)") { _ = try GTIN("4006381333932") }
    }

    @Test(arguments: ["", "123", "0950600013435X", "095060001343521", "12345678901", "0950600013435 2", "-9506000134352"])
    func wrongShape(input: String) {
        expectIdentifierError(.invalidGTIN) { _ = try GTIN(input) }
    }

    @Test func fromNDC() throws {
        let g = try GTIN.make(ndc10digits: "1234567890")
        #expect(g.digits == "00312345678906")
        #expect(g.indicator == 0)
        #expect(g.ndc10Digits == "1234567890")
        let case1 = try GTIN.make(ndc10digits: "1234567890", indicator: 5)
        #expect(case1.digits.hasPrefix("5031234567890"))
        #expect(case1.ndc10Digits == "1234567890")
        expectIdentifierError(.invalidNDC) { _ = try GTIN.make(ndc10digits: "1234-5678-90") }
        expectIdentifierError(.invalidNDC) { _ = try GTIN.make(ndc10digits: "12345678901") }
        expectIdentifierError(.invalidGTIN) { _ = try GTIN.make(ndc10digits: "1234567890", indicator: 10) }
    }

    @Test func nonNDCGTINHasNoNDC() throws {
        #expect(try GTIN("09506000134352").ndc10Digits == nil)
        expectIdentifierError(.invalidNDC, "holds no NDC") {
            _ = try NDC(gtin: GTIN("09506000134352"), layout: .fourFourTwo)
        }
    }

    @Test func ndcMatchesItsGTIN() throws {
        let g = try GTIN("00312345678906")
        #expect(NDC.ndc10Digits(inGTIN: g) == "1234567890")
        #expect(try NDC("1234-5678-90").matchesGTIN(g))
        // The GTIN cannot tell 1234-5678-90 from 12345-678-90: both have these ten digits.
        #expect(try NDC("12345-678-90").matchesGTIN(g))
        #expect(try NDC("12345-6789-0").matchesGTIN(g))
        #expect(try !NDC("1234-5678-91").matchesGTIN(g))
        // Known only in 11 or 12 digits: the ten digits are unknown, so no match.
        #expect(try !NDC("01234-5678-90").matchesGTIN(g))
        #expect(try !NDC("123456-7890-12").matchesGTIN(g))
        #expect(try !NDC("1234-5678-90").matchesGTIN(GTIN("09506000134352")))
        // Every GTIN indicator level matches.
        #expect(try NDC("1234-5678-90").matchesGTIN(GTIN.make(ndc10digits: "1234567890", indicator: 3)))
    }

    @Test func ndcFromGTINWithLayout() throws {
        let g = try GTIN("00312345678906")
        #expect(try NDC(gtin: g, layout: .fourFourTwo).hyphenated == "1234-5678-90")
        #expect(try NDC(gtin: g, layout: .fiveThreeTwo).normalized11 == "12345067890")
        expectIdentifierError(.invalidNDC, "not a 10-digit layout") { _ = try NDC(gtin: g, layout: .fiveFourTwo) }
    }

    @Test func codableAsString() throws {
        let g = try GTIN("036000291452")
        let data = try JSONEncoder().encode([g])
        #expect(String(decoding: data, as: UTF8.self) == "[\"00036000291452\"]")
        #expect(try JSONDecoder().decode([GTIN].self, from: data) == [g])
    }
}
