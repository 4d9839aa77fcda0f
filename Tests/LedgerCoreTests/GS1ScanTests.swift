import Foundation
import Testing
@testable import LedgerCore

private let gs = "\u{1D}"
private let gtin = "00312345678906"  // "03" + NDC 1234567890, check digit 6

@Suite("Expiry dates")
struct ExpiryDateTests {
    @Test func isoForm() throws {
        let d = try ExpiryDate(iso: "2027-12-31")
        #expect((d.year, d.month, d.day) == (2027, 12, 31))
        #expect(d.description == "2027-12-31")
        #expect(try ExpiryDate(iso: "2028-02-29").description == "2028-02-29")
        #expect(try ExpiryDate(iso: " 2000-02-29\n").description == "2000-02-29")
    }

    @Test(arguments: ["", "2027-02-29", "1900-02-29", "2027-2-28", "27-02-28", "2027-13-01", "2027-00-10",
                      "2027-04-31", "2027-01-00", "2027/01/01", "20270101", "2027-01-01T00:00:00Z", "0000-01-01"])
    func invalidIso(input: String) {
        expectIdentifierError(.invalidExpiry) { _ = try ExpiryDate(iso: input) }
    }

    @Test func fromParts() throws {
        #expect(try ExpiryDate(year: 2024, month: 2, day: 29).description == "2024-02-29")
        expectIdentifierError(.invalidExpiry, "2023-02-29 is not a calendar date") {
            _ = try ExpiryDate(year: 2023, month: 2, day: 29)
        }
    }

    @Test(arguments: [
        ("271231", "2027-12-31"),
        ("271200", "2027-12-31"),
        ("280200", "2028-02-29"),  // leap year
        ("270200", "2027-02-28"),
        ("000200", "2000-02-29"),  // divisible by 400
        ("270400", "2027-04-30"),
        ("270115", "2027-01-15"),
    ])
    func gs1Form(input: String, expected: String) throws {
        #expect(try ExpiryDate(gs1: input).description == expected)
    }

    @Test(arguments: ["271301", "270001", "270230", "270431", "27123", "2712310", "27-231", ""])
    func invalidGS1Form(input: String) {
        expectIdentifierError(.invalidExpiry) { _ = try ExpiryDate(gs1: input) }
    }

    @Test func gs1CenturyRule() throws {
        #expect(ExpiryDate.gs1Year(76, referenceYear: 2026) == 2076)
        #expect(ExpiryDate.gs1Year(77, referenceYear: 2026) == 1977)
        #expect(ExpiryDate.gs1Year(0, referenceYear: 2026) == 2000)
        #expect(ExpiryDate.gs1Year(30, referenceYear: 2080) == 2130)
        #expect(ExpiryDate.gs1Year(31, referenceYear: 2080) == 2031)
        #expect(ExpiryDate.gs1Year(99, referenceYear: 2000) == 1999)
        #expect(ExpiryDate.gs1Year(50, referenceYear: 2000) == 2050)
        #expect(ExpiryDate.gs1Year(1, referenceYear: 1999) == 2001)
        #expect(try ExpiryDate(gs1: "771231", referenceYear: 2026).year == 1977)
        #expect(try ExpiryDate(gs1: "771231").year == 2077)
        #expect(try ExpiryDate(gs1: "000200", referenceYear: 2026).description == "2000-02-29")
    }

    @Test func expiryIsEndOfDay() throws {
        let d = try ExpiryDate(iso: "2027-12-31")
        #expect(!d.isExpired(onYear: 2027, month: 12, day: 31))
        #expect(!d.isExpired(onYear: 2027, month: 1, day: 31))
        #expect(d.isExpired(onYear: 2028, month: 1, day: 1))
        #expect(!d.isExpired(on: d))
        #expect(d.isExpired(on: try ExpiryDate(iso: "2028-01-01")))
        #expect(!d.isExpired(on: try ExpiryDate(iso: "2026-06-30")))
    }

    @Test func ordering() throws {
        let a = try ExpiryDate(iso: "2027-01-31")
        let b = try ExpiryDate(iso: "2027-02-01")
        let c = try ExpiryDate(iso: "2028-01-01")
        #expect(a < b && b < c)
        #expect([c, a, b].sorted() == [a, b, c])
    }

    @Test func codable() throws {
        let d = try ExpiryDate(iso: "2027-06-30")
        let data = try JSONEncoder().encode([d])
        #expect(String(decoding: data, as: UTF8.self) == "[\"2027-06-30\"]")
        #expect(try JSONDecoder().decode([ExpiryDate].self, from: data) == [d])
    }
}

@Suite("GS1 scans")
struct GS1ScanTests {
    @Test func dataMatrixWithSymbologyPrefix() throws {
        let s = try GS1Scan.parse("]d201\(gtin)17271231" + "10LOT42")
        #expect(s.gtin.digits == gtin)
        #expect(s.expiry?.description == "2027-12-31")
        #expect(s.lot == "LOT42")
        #expect(s.serial == nil)
        #expect(s.gtin.ndc10Digits == "1234567890")
    }

    @Test func groupSeparatorEndsVariableFields() throws {
        let s = try GS1Scan.parse("]d201\(gtin)17271231" + "10LOT42\(gs)21SER-0001/x")
        #expect(s.lot == "LOT42")
        #expect(s.serial == "SER-0001/x")
        let t = try GS1Scan.parse("]d201\(gtin)21ABC123\(gs)10L.7")
        #expect(t.serial == "ABC123" && t.lot == "L.7" && t.expiry == nil)
    }

    @Test func lotBeforeExpiry() throws {
        let s = try GS1Scan.parse("01\(gtin)10A1B2C3\(gs)17280229" + "21S1")
        #expect(s.lot == "A1B2C3")
        #expect(s.expiry?.description == "2028-02-29")
        #expect(s.serial == "S1")
    }

    @Test func expiryDayZeroIsLastDayOfMonth() throws {
        #expect(try GS1Scan.parse("01\(gtin)17280200").expiry?.description == "2028-02-29")
        #expect(try GS1Scan.parse("01\(gtin)17270200").expiry?.description == "2027-02-28")
        #expect(try GS1Scan.parse("01\(gtin)17271100" + "10X").expiry?.description == "2027-11-30")
    }

    @Test func humanReadableForm() throws {
        let s = try GS1Scan.parse("(01)00312345678906(17)271231(10)LOT42")
        #expect(s.gtin.digits == gtin)
        #expect(s.expiry?.description == "2027-12-31")
        #expect(s.lot == "LOT42")
        let t = try GS1Scan.parse("(01) 00312345678906 (17) 280200 (10) L(1) (21) 12345")
        #expect(t.expiry?.description == "2028-02-29")
        #expect(t.lot == "L(1)")
        #expect(t.serial == "12345")
    }

    @Test func otherSymbologyPrefixesAndScannerLineEnd() throws {
        for prefix in ["]C1", "]Q3", "]e0", "]J1", ""] {
            let s = try GS1Scan.parse(prefix + "01\(gtin)17271231" + "10LOT42\r\n")
            #expect(s.lot == "LOT42")
        }
        // FNC1 delivered as a leading GS, and a GS after a fixed-length field.
        let s = try GS1Scan.parse("]d2\(gs)01\(gtin)\(gs)17271231\(gs)10LOT42")
        #expect(s.lot == "LOT42" && s.expiry?.year == 2027)
    }

    @Test func wellKnownAIsAreSkipped() throws {
        let s = try GS1Scan.parse("01\(gtin)11250101" + "13250102" + "15270101" + "16270101" + "17271231"
            + "7003" + "2712312359" + "10L1\(gs)71512345-678-90\(gs)240ADD\(gs)91internal\(gs)21S9")
        #expect(s.lot == "L1" && s.serial == "S9" && s.expiry?.description == "2027-12-31")
        let t = try GS1Scan.parse("(01)00312345678906(11)250101(10)L1")
        #expect(t.lot == "L1")
        expectIdentifierError(.invalidScan, "(11) production date") {
            _ = try GS1Scan.parse("01\(gtin)11251301")
        }
    }

    @Test func truncatedInput() {
        expectIdentifierError(.invalidScan, "truncated") { _ = try GS1Scan.parse("]d201\(gtin)172712") }
        expectIdentifierError(.invalidScan, "(01) GTIN needs 14 digits, found 13") {
            _ = try GS1Scan.parse("]d2010031234567890")
        }
        expectIdentifierError(.invalidScan, "ends inside an application identifier") {
            _ = try GS1Scan.parse("01\(gtin)1")
        }
        expectIdentifierError(.invalidScan, "truncated") { _ = try GS1Scan.parse("(01)00312345678906(17)2712") }
        expectIdentifierError(.invalidScan, "ends inside its symbology identifier") { _ = try GS1Scan.parse("]d") }
    }

    @Test func badCheckDigit() {
        expectIdentifierError(.gtinCheckDigit, "GS1 scan (01): GTIN 00312345678907 has a wrong check digit (expected 6)") {
            _ = try GS1Scan.parse("]d20100312345678907" + "17271231")
        }
        expectIdentifierError(.gtinCheckDigit) { _ = try GS1Scan.parse("(01)00312345678900") }
    }

    @Test func unknownAI() {
        expectIdentifierError(.unknownAI, "unknown application identifier (400)") {
            _ = try GS1Scan.parse("01\(gtin)400PO-1")
        }
        expectIdentifierError(.unknownAI, "(8200)") { _ = try GS1Scan.parse("01\(gtin)8200http") }
        expectIdentifierError(.unknownAI, "(02)") { _ = try GS1Scan.parse("02\(gtin)3712") }
        expectIdentifierError(.unknownAI, "(3103)") { _ = try GS1Scan.parse("01\(gtin)3103000750") }
        expectIdentifierError(.unknownAI, "(400)") { _ = try GS1Scan.parse("(01)00312345678906(400)PO1") }
    }

    @Test func missingGTIN() {
        expectIdentifierError(.invalidScan, "no GTIN (01)") { _ = try GS1Scan.parse("]d217271231" + "10LOT42") }
        expectIdentifierError(.invalidScan, "no GTIN (01)") { _ = try GS1Scan.parse("(10)LOT42") }
    }

    @Test func emptyOrNotGS1() {
        expectIdentifierError(.invalidScan, "empty") { _ = try GS1Scan.parse("") }
        expectIdentifierError(.invalidScan, "empty") { _ = try GS1Scan.parse("]d2\r\n") }
        expectIdentifierError(.invalidScan, "]d1") { _ = try GS1Scan.parse("]d101\(gtin)") }
        expectIdentifierError(.invalidScan, "where an application identifier should start") {
            _ = try GS1Scan.parse("01\(gtin)X17271231")
        }
        expectIdentifierError(.invalidScan, "in parentheses") { _ = try GS1Scan.parse("(1)2345") }
        expectIdentifierError(.invalidScan, "(01) GTIN must be 14 digits, found 23") {
            _ = try GS1Scan.parse("(01)\(gtin)17271231(")
        }
        expectIdentifierError(.invalidScan, "(01) GTIN must be 14 digits, found 15") {
            _ = try GS1Scan.parse("(01)\(gtin)7")
        }
    }

    @Test func lotAndSerialCharacterSet() {
        expectIdentifierError(.invalidLot, "has a space at position 4, outside the GS1 character set 82") {
            _ = try GS1Scan.parse("01\(gtin)10LOT 42")
        }
        expectIdentifierError(.invalidLot, "\"#\" at position 4") { _ = try GS1Scan.parse("01\(gtin)10LOT#42") }
        expectIdentifierError(.invalidLot, "\"\\u{E9}\"") { _ = try GS1Scan.parse("01\(gtin)10LOTé") }
        expectIdentifierError(.invalidLot, "\"\\u{1E}\"") { _ = try GS1Scan.parse("01\(gtin)10LOT\u{1E}1") }
        expectIdentifierError(.invalidSerial, "\"$\"") { _ = try GS1Scan.parse("01\(gtin)21AB$") }
        expectIdentifierError(.invalidLot, "is empty") { _ = try GS1Scan.parse("01\(gtin)10\(gs)21X") }
        expectIdentifierError(.invalidSerial, "is empty") { _ = try GS1Scan.parse("(01)\(gtin)(21)") }
        let allowed = "!\"%&'()*+,-./09:;<=>?AZ_az"
        #expect(throws: Never.self) { _ = try GS1Scan.parse("01\(gtin)10\(allowed.prefix(20))") }
    }

    @Test func lotAndSerialLength() throws {
        let twenty = String(repeating: "A", count: 20)
        #expect(try GS1Scan.parse("01\(gtin)10\(twenty)\(gs)21\(twenty)").serial == twenty)
        expectIdentifierError(.invalidLot, "longer than 20 characters") {
            _ = try GS1Scan.parse("01\(gtin)10\(twenty)B")
        }
        // A missing GS makes the lot swallow the serial.
        expectIdentifierError(.invalidLot, "GS separator missing") {
            _ = try GS1Scan.parse("01\(gtin)10LOT4221SERIAL0000000000001")
        }
        expectIdentifierError(.invalidSerial, "longer than 20") {
            _ = try GS1Scan.parse("(01)\(gtin)(21)\(twenty)X")
        }
    }

    @Test func invalidExpiry() {
        expectIdentifierError(.invalidExpiry, "GS1 scan (17)") { _ = try GS1Scan.parse("01\(gtin)17271301") }
        expectIdentifierError(.invalidExpiry) { _ = try GS1Scan.parse("01\(gtin)17270230") }
        expectIdentifierError(.invalidScan, "must be digits") { _ = try GS1Scan.parse("01\(gtin)1727A231") }
    }

    @Test func repeatedAI() throws {
        expectIdentifierError(.invalidScan, "(10) twice") { _ = try GS1Scan.parse("01\(gtin)10A\(gs)10B") }
        #expect(try GS1Scan.parse("01\(gtin)10A\(gs)10A").lot == "A")
    }

    @Test func referenceYearForCentury() throws {
        #expect(try GS1Scan.parse("01\(gtin)17771231", referenceYear: 2026).expiry?.year == 1977)
        #expect(try GS1Scan.parse("01\(gtin)17761231", referenceYear: 2026).expiry?.year == 2076)
        #expect(try GS1Scan.parse("01\(gtin)17771231").expiry?.year == 2077)
    }

    @Test func roundTripThroughBothForms() throws {
        let s = try GS1Scan(gtin: GTIN(gtin), expiry: ExpiryDate(iso: "2028-02-29"), lot: "LOT42", serial: "S/1")
        #expect(s.elementString == "01\(gtin)17280229" + "10LOT42\(gs)21S/1")
        #expect(s.humanReadable == "(01)\(gtin)(17)280229(10)LOT42(21)S/1")
        #expect(try GS1Scan.parse("]d2" + s.elementString) == s)
        #expect(try GS1Scan.parse(s.humanReadable) == s)
        let bare = try GS1Scan(gtin: GTIN(gtin), lot: "L")
        #expect(bare.elementString == "01\(gtin)10L")
        #expect(try GS1Scan.parse(bare.elementString) == bare)
    }

    @Test func memberwiseInitChecksLotAndSerial() throws {
        let g = try GTIN(gtin)
        expectIdentifierError(.invalidLot) { _ = try GS1Scan(gtin: g, lot: "a b") }
        expectIdentifierError(.invalidSerial) { _ = try GS1Scan(gtin: g, serial: String(repeating: "1", count: 21)) }
    }
}
