/// The expiry date of a lot: a calendar date, valid through the end of that day.
///
/// Typed as ISO 8601 `YYYY-MM-DD`; scanned as GS1 `YYMMDD` (AI 17), where day
/// `00` means the last day of the month. `description` is `YYYY-MM-DD`.
public struct ExpiryDate: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// Year, 1 to 9999.
    public let year: Int
    /// Month, 1 to 12.
    public let month: Int
    /// Day of the month, 1 to 28, 29, 30 or 31.
    public let day: Int

    /// A date from its parts; refuses dates that are not on the Gregorian calendar.
    public init(year: Int, month: Int, day: Int) throws(IdentifierError) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Self.daysIn(year: year, month: month)).contains(day)
        else {
            throw IdentifierError(.invalidExpiry,
                "expiry date \(year)-\(Self.two(month))-\(Self.two(day)) is not a calendar date")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` (surrounding whitespace is ignored).
    public init(iso text: String) throws(IdentifierError) {
        let t = IdentifierText.trimmed(text)
        let b = Array(t.utf8)
        let dash = UInt8(ascii: "-")
        guard b.count == 10, b[4] == dash, b[7] == dash,
              IdentifierText.isDigits(b[0..<4]), IdentifierText.isDigits(b[5..<7]),
              IdentifierText.isDigits(b[8..<10])
        else {
            throw IdentifierError(.invalidExpiry,
                "expiry date \(IdentifierText.shown(t)) must be written YYYY-MM-DD")
        }
        let y = IdentifierText.value(b[0..<4])
        let m = IdentifierText.value(b[5..<7])
        let d = IdentifierText.value(b[8..<10])
        guard y >= 1, (1...12).contains(m), (1...Self.daysIn(year: y, month: m)).contains(d) else {
            throw IdentifierError(.invalidExpiry, "expiry date \(t) is not a calendar date")
        }
        self.year = y
        self.month = m
        self.day = d
    }

    /// Parses GS1 `YYMMDD` (AI 17). Day `00` means the last day of the month.
    ///
    /// - Parameter referenceYear: the current year, for the GS1 General
    ///   Specifications' century rule (section 7.12): a two-digit year 51 to
    ///   99 years ahead of the reference year's is in the previous century,
    ///   50 to 99 years behind it in the next, otherwise in the reference
    ///   year's century. When nil, the year is 20YY.
    public init(gs1 yymmdd: String, referenceYear: Int? = nil) throws(IdentifierError) {
        let b = Array(yymmdd.utf8)
        guard b.count == 6, IdentifierText.isDigits(b) else {
            throw IdentifierError(.invalidExpiry,
                "expiry date \(IdentifierText.shown(yymmdd)) must be 6 digits YYMMDD")
        }
        let yy = IdentifierText.value(b[0..<2])
        let m = IdentifierText.value(b[2..<4])
        let d = IdentifierText.value(b[4..<6])
        let y = referenceYear.map { Self.gs1Year(yy, referenceYear: $0) } ?? 2000 + yy
        guard (1...12).contains(m), y >= 1, y <= 9999 else {
            throw IdentifierError(.invalidExpiry, "expiry date \(yymmdd) (YYMMDD) has no month \(m)")
        }
        let last = Self.daysIn(year: y, month: m)
        guard d <= last else {
            throw IdentifierError(.invalidExpiry,
                "expiry date \(yymmdd) (YYMMDD) is not a calendar date: \(y)-\(Self.two(m)) has \(last) days")
        }
        self.year = y
        self.month = m
        self.day = d == 0 ? last : d
    }

    /// The four-digit year of GS1 two-digit year `yy` read in `referenceYear`
    /// (GS1 General Specifications, section 7.12).
    ///
    /// With reference year 2026: `76` is 2076, `77` is 1977, `00` is 2000.
    public static func gs1Year(_ yy: Int, referenceYear: Int) -> Int {
        let century = referenceYear - ((referenceYear % 100) + 100) % 100
        let difference = yy - (referenceYear - century)
        if difference >= 51 { return century - 100 + yy }
        if difference <= -50 { return century + 100 + yy }
        return century + yy
    }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// Days in a month (1 to 12) of a year.
    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Whether the lot is expired on the given calendar day: true from the
    /// day after the expiry date on (the expiry day itself is still usable).
    public func isExpired(onYear year: Int, month: Int, day: Int) -> Bool {
        (year, month, day) > (self.year, self.month, self.day)
    }

    /// Whether the lot is expired on `date`: true when `date` is after the expiry date.
    public func isExpired(on date: ExpiryDate) -> Bool { date > self }

    /// Earlier dates first.
    public static func < (lhs: ExpiryDate, rhs: ExpiryDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + Self.two(month) + "-" + Self.two(day)
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Encodes as `YYYY-MM-DD`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// Decodes from `YYYY-MM-DD`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        do throws(IdentifierError) {
            self = try ExpiryDate(iso: s)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.message)
        }
    }
}
