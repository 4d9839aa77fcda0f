/// An exact decimal amount of drug or units (never binary floating point).
///
/// Held as a whole number of millionths (`micros`), so six digits after the
/// point are exact and sums never drift. Written as a plain decimal string,
/// `"12.5"`, `"500"`, `"0.000001"`, which is also its JSON form (SPEC.md §2).
///
/// Parsing accepts digits, optionally a point and 1 to 6 more digits, and a
/// leading `-` only when negatives are asked for (adjustments). It refuses
/// `+`, exponents, grouping separators, surrounding spaces, `.5`, `5.`,
/// `NaN`, more than 6 digits after the point and values beyond ±9223372036854.775807.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// Digits after the point that are kept exactly.
    public static let fractionDigits = 6
    /// Micros in one unit (10^6).
    public static let microsPerUnit: Int64 = 1_000_000

    /// The amount in millionths: `12.5` is 12_500_000.
    public let micros: Int64

    /// Zero.
    public static let zero = Quantity(micros: 0)

    /// A quantity of `micros` millionths.
    public init(micros: Int64) {
        self.micros = micros
    }

    /// A whole number of units, such as a count of vials.
    public init(whole: Int) throws(IdentifierError) {
        let (v, overflow) = Int64(whole).multipliedReportingOverflow(by: Self.microsPerUnit)
        guard !overflow else {
            throw IdentifierError(.invalidQuantity, "quantity \(whole) is too large (at most \(Quantity(micros: .max)))")
        }
        self.micros = v
    }

    /// Parses a decimal string such as `"12.5"`.
    ///
    /// - Parameter allowNegative: accept a leading `-` (adjustments and
    ///   corrections); by default a quantity cannot be negative.
    public init(parsing text: String, allowNegative: Bool = false) throws(IdentifierError) {
        let b = Array(text.utf8)
        let n = b.count
        // The errors are built only when needed: quantities are parsed on every dispensing record.
        var shown: String { IdentifierText.quoted(text) }
        var notDecimal: IdentifierError {
            IdentifierError(.invalidQuantity, "quantity \(shown) is not a decimal number such as 12.5")
        }
        var i = 0
        let negative = n > 0 && b[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        let intStart = i
        while i < n, IdentifierText.isDigit(b[i]) { i += 1 }
        let intEnd = i
        var fracStart = i, fracEnd = i
        if i < n, b[i] == UInt8(ascii: ".") {
            i += 1
            fracStart = i
            while i < n, IdentifierText.isDigit(b[i]) { i += 1 }
            fracEnd = i
            guard fracEnd > fracStart else { throw notDecimal }
        }
        guard intEnd > intStart, i == n else { throw notDecimal }
        guard fracEnd - fracStart <= Self.fractionDigits else {
            throw IdentifierError(.invalidQuantity,
                "quantity \(shown) has more than \(Self.fractionDigits) digits after the point")
        }
        guard !negative || allowNegative else {
            throw IdentifierError(.invalidQuantity, "quantity \(shown) must not be negative")
        }
        var tooLarge: IdentifierError {
            IdentifierError(.invalidQuantity, "quantity \(shown) is too large (at most \(Quantity(micros: .max)))")
        }
        var v: Int64 = 0
        for c in b[intStart..<intEnd] {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - IdentifierText.zero))
            guard !o1, !o2 else { throw tooLarge }
            v = a
        }
        var frac: Int64 = 0
        for k in 0..<Self.fractionDigits {
            let p = fracStart + k
            frac = frac * 10 + (p < fracEnd ? Int64(b[p] - IdentifierText.zero) : 0)
        }
        let (scaled, o1) = v.multipliedReportingOverflow(by: Self.microsPerUnit)
        let (total, o2) = scaled.addingReportingOverflow(frac)
        guard !o1, !o2 else { throw tooLarge }
        self.micros = negative ? -total : total
    }

    /// Greater than zero.
    public var isPositive: Bool { micros > 0 }
    /// Less than zero.
    public var isNegative: Bool { micros < 0 }
    /// Exactly zero.
    public var isZero: Bool { micros == 0 }

    /// The canonical decimal string: no trailing zeros after the point, no
    /// trailing point, `-` for negatives: `"12.5"`, `"500"`, `"0"`, `"-0.25"`.
    public var description: String {
        let magnitude = micros.magnitude
        let unit = UInt64(Self.microsPerUnit)
        var out = micros < 0 ? "-" : ""
        out += String(magnitude / unit)
        var frac = magnitude % unit
        if frac != 0 {
            var digits = Self.fractionDigits
            while frac % 10 == 0 {
                frac /= 10
                digits -= 1
            }
            let s = String(frac)
            out += "." + String(repeating: "0", count: digits - s.count) + s
        }
        return out
    }

    // MARK: - Arithmetic (exact; nil or an error on overflow)

    /// `self + other`, or nil on overflow.
    public func adding(_ other: Quantity) -> Quantity? {
        let (v, o) = micros.addingReportingOverflow(other.micros)
        return o ? nil : Quantity(micros: v)
    }

    /// `self - other`, or nil on overflow. The result may be negative.
    public func subtracting(_ other: Quantity) -> Quantity? {
        let (v, o) = micros.subtractingReportingOverflow(other.micros)
        return o ? nil : Quantity(micros: v)
    }

    /// `self × count` (containers × units per container), or nil on overflow.
    public func multiplied(by count: Int) -> Quantity? {
        let (v, o) = micros.multipliedReportingOverflow(by: Int64(count))
        return o ? nil : Quantity(micros: v)
    }

    /// `-self`, or nil for the one value whose negation overflows.
    public func negated() -> Quantity? {
        micros == .min ? nil : Quantity(micros: -micros)
    }

    /// Exact sum; throws `.quantityOverflow` when out of range.
    public static func + (lhs: Quantity, rhs: Quantity) throws(IdentifierError) -> Quantity {
        guard let r = lhs.adding(rhs) else { throw overflow(lhs, "+", rhs) }
        return r
    }

    /// Exact difference (may be negative); throws `.quantityOverflow` when out of range.
    public static func - (lhs: Quantity, rhs: Quantity) throws(IdentifierError) -> Quantity {
        guard let r = lhs.subtracting(rhs) else { throw overflow(lhs, "-", rhs) }
        return r
    }

    /// Exact product with a count; throws `.quantityOverflow` when out of range.
    public static func * (lhs: Quantity, rhs: Int) throws(IdentifierError) -> Quantity {
        guard let r = lhs.multiplied(by: rhs) else { throw overflow(lhs, "×", rhs) }
        return r
    }

    /// Exact product with a count; throws `.quantityOverflow` when out of range.
    public static func * (lhs: Int, rhs: Quantity) throws(IdentifierError) -> Quantity {
        try rhs * lhs
    }

    static func overflow(_ a: some CustomStringConvertible, _ op: String, _ b: some CustomStringConvertible) -> IdentifierError {
        IdentifierError(.quantityOverflow, "quantity \(a) \(op) \(b) is out of range")
    }

    /// Smaller amounts first.
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.micros < rhs.micros }

    // MARK: - Codable: a JSON string

    /// Encodes as the canonical decimal string.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// Decodes from a decimal string. Negative values are accepted here (they
    /// are written for adjustments); check `isNegative` where they are not allowed.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        do throws(IdentifierError) {
            self = try Quantity(parsing: s, allowNegative: true)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.message)
        }
    }
}
