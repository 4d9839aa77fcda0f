import Foundation
import Testing
@testable import LedgerCore

private func q(_ s: String) throws -> Quantity { try Quantity(parsing: s, allowNegative: true) }

@Suite("Quantity")
struct QuantityTests {
    @Test(arguments: [
        ("12.5", "12.5", Int64(12_500_000)),
        ("0.25", "0.25", 250_000),
        ("500", "500", 500_000_000),
        ("0.000001", "0.000001", 1),
        ("12.50", "12.5", 12_500_000),
        ("1.000000", "1", 1_000_000),
        ("0", "0", 0),
        ("0.0", "0", 0),
        ("007", "7", 7_000_000),
        ("10.010", "10.01", 10_010_000),
        ("9223372036854.775807", "9223372036854.775807", Int64.max),
    ])
    func parseAndFormat(input: String, canonical: String, micros: Int64) throws {
        let v = try Quantity(parsing: input)
        #expect(v.micros == micros)
        #expect(v.description == canonical)
        #expect(try Quantity(parsing: v.description) == v)
    }

    @Test(arguments: ["", "-", "+1", "1e3", "1E3", ".5", "5.", "1,5", "1,000", " 1", "1 ", "\t1", "NaN", "nan",
                      "inf", "Infinity", "--1", "1.2.3", "0x10", "١", "½", "12.5 mg", "1_000", "-.5", "abc", "−1"])
    func notADecimal(input: String) {
        expectIdentifierError(.invalidQuantity, "is not a decimal number such as 12.5") {
            _ = try Quantity(parsing: input, allowNegative: true)
        }
    }

    @Test func messages() {
        do throws(IdentifierError) {
            _ = try Quantity(parsing: "abc")
            Issue.record("accepted abc")
        } catch {
            #expect(error.message == "quantity \"abc\" is not a decimal number such as 12.5")
        }
        expectIdentifierError(.invalidQuantity, "quantity \"\" is not a decimal number") { _ = try Quantity(parsing: "") }
        expectIdentifierError(.invalidQuantity, "\"\\u{0A}1\"") { _ = try Quantity(parsing: "\n1") }
    }

    @Test func tooManyFractionDigits() {
        expectIdentifierError(.invalidQuantity, "more than 6 digits after the point") {
            _ = try Quantity(parsing: "0.0000001")
        }
        expectIdentifierError(.invalidQuantity, "more than 6 digits") { _ = try Quantity(parsing: "1.0000000") }
    }

    @Test func overflow() {
        for big in ["9223372036854.775808", "9223372036855", "99999999999999999999", "100000000000000000000000.5"] {
            expectIdentifierError(.invalidQuantity, "too large") { _ = try Quantity(parsing: big) }
        }
        expectIdentifierError(.invalidQuantity, "too large") { _ = try Quantity(parsing: "-9223372036854.775808", allowNegative: true) }
        expectIdentifierError(.invalidQuantity, "too large") { _ = try Quantity(whole: Int.max) }
    }

    @Test func negativesOnlyWhenAllowed() throws {
        expectIdentifierError(.invalidQuantity, "must not be negative") { _ = try Quantity(parsing: "-1") }
        expectIdentifierError(.invalidQuantity, "must not be negative") { _ = try Quantity(parsing: "-0") }
        let v = try Quantity(parsing: "-0.50", allowNegative: true)
        #expect(v.description == "-0.5")
        #expect(v.isNegative && !v.isPositive && !v.isZero)
        #expect(try Quantity(parsing: "-0", allowNegative: true) == .zero)
        #expect(try Quantity(parsing: "-0", allowNegative: true).description == "0")
        #expect(try q("-9223372036854.775807").micros == -Int64.max)
    }

    @Test func signPredicates() throws {
        #expect(try Quantity(parsing: "0.000001").isPositive)
        #expect(!Quantity.zero.isPositive && Quantity.zero.isZero && !Quantity.zero.isNegative)
        #expect(Quantity.zero.description == "0")
    }

    @Test func exactArithmetic() throws {
        // 0.1 + 0.2 is exactly 0.3 here, unlike binary floating point.
        #expect(try q("0.1") + q("0.2") == q("0.3"))
        #expect(try (q("0.1") + q("0.2")).description == "0.3")
        #expect(try (q("1") - q("1.5")).description == "-0.5")
        #expect(try (q("0.5") * 3).description == "1.5")
        #expect(try (4 * q("2.25")).description == "9")
        #expect(try (q("10") * 0).isZero)
        #expect(try (q("500") - q("500")) == .zero)
        #expect(try q("0.000001").adding(q("0.000002"))?.description == "0.000003")
        #expect(try q("3").subtracting(q("5"))?.description == "-2")
        #expect(try q("2.5").multiplied(by: -2)?.description == "-5")
        #expect(try q("-2.5").negated()?.description == "2.5")
        var total = Quantity.zero
        for _ in 0..<1000 { total = try total + q("0.001") }
        #expect(total.description == "1")
    }

    @Test func arithmeticOverflow() throws {
        let max = Quantity(micros: .max)
        let tiny = try q("0.000001")
        #expect(max.adding(tiny) == nil)
        #expect(Quantity(micros: .min).subtracting(tiny) == nil)
        #expect(max.multiplied(by: 2) == nil)
        #expect(Quantity(micros: .min).negated() == nil)
        expectIdentifierError(.quantityOverflow, "out of range") { _ = try max + tiny }
        expectIdentifierError(.quantityOverflow) { _ = try Quantity(micros: .min) - tiny }
        expectIdentifierError(.quantityOverflow) { _ = try max * 2 }
        #expect(Quantity(micros: .min).description == "-9223372036854.775808")
    }

    @Test func wholeUnits() throws {
        #expect(try Quantity(whole: 12).description == "12")
        #expect(try Quantity(whole: -3).description == "-3")
        #expect(try Quantity(whole: 0) == .zero)
    }

    @Test func comparisonIsNumeric() throws {
        #expect(try q("2") < q("10"))
        #expect(try q("9.999999") < q("10"))
        #expect(try q("-1") < q("0"))
        #expect(try q("12.5") == q("12.500000"))
        #expect(try [q("10"), q("2"), q("-0.5"), q("2.000001")].sorted().map(\.description) == ["-0.5", "2", "2.000001", "10"])
        #expect(try Set([q("1.0"), q("1"), q("1.000")]).count == 1)
    }

    @Test func codableAsJSONString() throws {
        let values = [try q("12.5"), try q("500"), try q("-0.25"), .zero]
        let data = try JSONEncoder().encode(values)
        #expect(String(decoding: data, as: UTF8.self) == "[\"12.5\",\"500\",\"-0.25\",\"0\"]")
        #expect(try JSONDecoder().decode([Quantity].self, from: data) == values)
        #expect(try JSONDecoder().decode([Quantity].self, from: Data("[\"12.50\"]".utf8)) == [q("12.5")])
        // A JSON number is refused: quantities travel as strings.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Quantity].self, from: Data("[12.5]".utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Quantity].self, from: Data("[\"1e3\"]".utf8)) }
    }
}
