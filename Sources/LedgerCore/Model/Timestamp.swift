/// An instant as the ledger writes it: RFC 3339, UTC, `Z`, milliseconds
/// (`2026-11-23T14:05:09.120Z`). Stored as milliseconds since 1970-01-01.
///
/// Parsing accepts RFC 3339 UTC with 0 to 9 fractional digits (truncated to
/// milliseconds) so people may type `2026-11-23T14:05:09Z`; formatting always
/// writes exactly three.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    /// A cut-off as people type it (`--as-of`, `as_of=`): a UTC time, or a date `YYYY-MM-DD` meaning the end of
    /// that day (its last millisecond), so that everything recorded on that day counts. The one home of that rule.
    public init?(cutOff text: String) {
        guard let t = Timestamp(text, allowDate: true) else { return nil }
        self = text.utf8.count == 10 ? t.endOfDay : t
    }

    /// The last millisecond of this instant's UTC day.
    public var endOfDay: Timestamp {
        let day: Int64 = 86_400_000
        let start = millisecondsSinceEpoch - ((millisecondsSinceEpoch % day) + day) % day
        return Timestamp(millisecondsSinceEpoch: start + day - 1)
    }

    /// Parses an RFC 3339 UTC timestamp, or a plain date `YYYY-MM-DD` (midnight UTC) when `allowDate` is set.
    public init?(_ text: String, allowDate: Bool = false) {
        let u = Array(text.utf8)
        func num(_ a: Int, _ n: Int) -> Int? {
            guard a + n <= u.count else { return nil }
            var v = 0
            for i in a..<(a + n) {
                guard (0x30...0x39).contains(u[i]) else { return nil }
                v = v * 10 + Int(u[i] - 0x30)
            }
            return v
        }
        guard u.count >= 10, let y = num(0, 4), u[4] == 0x2d, let mo = num(5, 2), u[7] == 0x2d, let d = num(8, 2),
              (1...12).contains(mo), d >= 1, d <= Timestamp.daysInMonth(year: y, month: mo) else { return nil }
        if u.count == 10 {
            guard allowDate else { return nil }
            self.millisecondsSinceEpoch = Timestamp.daysFromCivil(y, mo, d) * 86_400_000
            return
        }
        guard u.count >= 20, u[10] == 0x54, let h = num(11, 2), u[13] == 0x3a, let mi = num(14, 2), u[16] == 0x3a,
              let s = num(17, 2), h < 24, mi < 60, s < 60 else { return nil }
        var i = 19
        var ms = 0
        if u[i] == 0x2e {
            i += 1
            let start = i
            while i < u.count, (0x30...0x39).contains(u[i]) { i += 1 }
            let digits = i - start
            guard (1...9).contains(digits) else { return nil }
            for k in 0..<3 { ms = ms * 10 + (k < digits ? Int(u[start + k] - 0x30) : 0) }
        }
        guard i == u.count - 1, u[i] == 0x5a else { return nil }
        let days = Timestamp.daysFromCivil(y, mo, d)
        self.millisecondsSinceEpoch = ((days * 24 + Int64(h)) * 60 + Int64(mi)) * 60_000 + Int64(s) * 1000 + Int64(ms)
    }

    /// Reads the 24 bytes at `offset` in exactly the form the ledger writes (`YYYY-MM-DDTHH:MM:SS.mmmZ`),
    /// without making a string; nil for anything else (a caller with other text uses `init?(_:)`).
    public init?(canonicalUTF8 b: UnsafeBufferPointer<UInt8>, at offset: Int) {
        guard offset >= 0, offset + 24 <= b.count else { return nil }
        func num(_ at: Int, _ count: Int) -> Int? {
            var v = 0
            for k in 0..<count {
                let c = b[offset + at + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard b[offset + 4] == 0x2d, b[offset + 7] == 0x2d, b[offset + 10] == 0x54, b[offset + 13] == 0x3a, b[offset + 16] == 0x3a,
              b[offset + 19] == 0x2e, b[offset + 23] == 0x5a,
              let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2),
              let ms = num(20, 3), (1...12).contains(mo), d >= 1, d <= Timestamp.daysInMonth(year: y, month: mo), h < 24, mi < 60, s < 60
        else { return nil }
        let days = Timestamp.daysFromCivil(y, mo, d)
        self.millisecondsSinceEpoch = ((days * 24 + Int64(h)) * 60 + Int64(mi)) * 60_000 + Int64(s) * 1000 + Int64(ms)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public var description: String {
        let (days, msOfDay) = millisecondsSinceEpoch.quotientAndRemainderFloored(dividingBy: 86_400_000)
        let (y, m, d) = Timestamp.civilFromDays(days)
        let h = msOfDay / 3_600_000, mi = msOfDay / 60_000 % 60, s = msOfDay / 1000 % 60, ms = msOfDay % 1000
        guard (0...9999).contains(y) else {
            return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(ms, 3))Z"
        }
        // Written digit by digit into the string's own storage: every append formats several of these
        // (entry, index, movements, checkpoint, the answer), and interpolation allocates for each part.
        return String(unsafeUninitializedCapacity: 24) { b in
            func put(_ v: Int64, _ width: Int, at start: Int) {
                var v = v
                for i in stride(from: start + width - 1, through: start, by: -1) {
                    b[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                    v /= 10
                }
            }
            put(y, 4, at: 0); b[4] = 0x2D; put(m, 2, at: 5); b[7] = 0x2D; put(d, 2, at: 8); b[10] = 0x54
            put(h, 2, at: 11); b[13] = 0x3A; put(mi, 2, at: 14); b[16] = 0x3A; put(s, 2, at: 17); b[19] = 0x2E
            put(ms, 3, at: 20); b[23] = 0x5A
            return 24
        }
    }

    /// The calendar date in UTC, `YYYY-MM-DD`.
    public var dateString: String {
        let (days, _) = millisecondsSinceEpoch.quotientAndRemainderFloored(dividingBy: 86_400_000)
        let (y, m, d) = Timestamp.civilFromDays(days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// The calendar date in UTC as (year, month, day).
    public var civilDate: (year: Int, month: Int, day: Int) {
        let (days, _) = millisecondsSinceEpoch.quotientAndRemainderFloored(dividingBy: 86_400_000)
        let c = Timestamp.civilFromDays(days)
        return (Int(c.0), Int(c.1), Int(c.2))
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }

    /// This instant plus `ms` milliseconds.
    public func adding(milliseconds ms: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + ms) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

private func pad(_ v: Int64, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

extension Int64 {
    fileprivate func quotientAndRemainderFloored(dividingBy d: Int64) -> (Int64, Int64) {
        var (q, r) = quotientAndRemainder(dividingBy: d)
        if r < 0 { q -= 1; r += d }
        return (q, r)
    }
}
