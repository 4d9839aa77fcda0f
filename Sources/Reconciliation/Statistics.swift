import Foundation
import LedgerCore

/// The business calendar the deadlines use: Monday to Friday, UTC, minus configured holidays.
package struct BusinessCalendar: Sendable {
    let holidays: Set<Int64>

    package init(holidays: [String] = []) {
        self.holidays = Set(holidays.compactMap { Timestamp($0, allowDate: true).map { Self.day($0) } })
    }

    static let msPerDay: Int64 = 86_400_000

    /// Days since 1970-01-01 of the UTC date of `t`.
    static func day(_ t: Timestamp) -> Int64 {
        let ms = t.millisecondsSinceEpoch
        return ms >= 0 ? ms / msPerDay : (ms - msPerDay + 1) / msPerDay
    }

    /// True on Monday to Friday that is not a holiday.
    package func isBusinessDay(_ day: Int64) -> Bool {
        // 1970-01-01 was a Thursday (weekday 4, Sunday = 0).
        let weekday = ((day % 7) + 7 + 4) % 7
        return weekday != 0 && weekday != 6 && !holidays.contains(day)
    }

    /// The end (last millisecond) of the `n`-th business day after the date of `t`; with n = 0, the end of
    /// the date of `t` itself. "Within one business day of discovery" means by `deadline(after: discovered, 1)`.
    package func deadline(after t: Timestamp, businessDays n: Int) -> Timestamp {
        var day = Self.day(t)
        var k = 0
        while k < n {
            day += 1
            if isBusinessDay(day) { k += 1 }
        }
        return Timestamp(millisecondsSinceEpoch: (day + 1) * Self.msPerDay - 1)
    }

    /// Business days from the date of `a` to the date of `b` (0 on the same day or when `b` is earlier).
    package func businessDays(from a: Timestamp, to b: Timestamp) -> Int {
        var day = Self.day(a)
        let end = Self.day(b)
        var n = 0
        while day < end {
            day += 1
            if isBusinessDay(day) { n += 1 }
        }
        return n
    }
}

/// The statistics the reconciliation shows, kept simple enough to check by hand.
package enum Stats {
    /// The median (mean of the two middle values for an even count); 0 for no values.
    package static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    /// The median absolute deviation from the median.
    package static func mad(_ values: [Double]) -> Double {
        let m = median(values)
        return median(values.map { abs($0 - m) })
    }

    /// Robust z-scores: (x − median) / max(1.4826 × MAD, floor). 1.4826 × MAD estimates the standard
    /// deviation for normal data; the floor keeps near-identical peers from making small differences look large.
    package static func robustZ(_ values: [Double], floor: Double) -> (median: Double, mad: Double, scale: Double, z: [Double]) {
        let m = median(values)
        let d = mad(values)
        let scale = max(1.4826 * d, floor, 1e-12)
        return (m, d, scale, values.map { ($0 - m) / scale })
    }

    /// One excursion of a one-sided CUSUM: where it started, where it first passed the threshold, its peak.
    package struct Excursion: Sendable, Equatable {
        /// Index of the first observation of the run (the statistic left zero there).
        package let start: Int
        /// Index where the statistic first exceeded the threshold.
        package let alarm: Int
        /// Index of the last observation of the run (the statistic back at zero, or the last observation).
        package let end: Int
        /// Highest value reached.
        package let peak: Double
        /// Value at the alarm.
        package let atAlarm: Double
    }

    /// One-sided (upper) CUSUM: S₀ = 0, Sᵢ = max(0, Sᵢ₋₁ + xᵢ − reference), alarm when Sᵢ > threshold
    /// and the run holds at least `minimumEvents` events (`events[i]` per observation, 1 each by default).
    /// Returns each run that raised an alarm (a run lasts until S returns to zero).
    package static func cusum(_ x: [Double], events: [Int]? = nil, reference: Double, threshold: Double,
                             minimumEvents: Int = 1) -> [Excursion] {
        var run = Cusum(reference: reference, threshold: threshold, minimumEvents: minimumEvents)
        for (i, v) in x.enumerated() { run.step(v, events: events?[i] ?? 1) }
        return run.excursions
    }

    /// The one-sided CUSUM of `cusum`, one observation at a time: a series that grows (a person's doses) steps
    /// through its new observations only, and its excursions and statistic are those of `cusum` over all of them.
    package struct Cusum: Sendable, Equatable {
        package let reference: Double
        package let threshold: Double
        package let minimumEvents: Int
        /// Observations taken in so far.
        package private(set) var count = 0
        /// The statistic after the last observation (Sᵢ).
        package private(set) var statistic = 0.0
        /// The runs that raised an alarm and ended (the statistic back at zero).
        package private(set) var closed: [Excursion] = []
        private var start: Int?
        private var alarm: Int?
        private var atAlarm = 0.0
        private var peak = 0.0
        private var events = 0

        package init(reference: Double, threshold: Double, minimumEvents: Int = 1) {
            self.reference = reference
            self.threshold = threshold
            self.minimumEvents = minimumEvents
        }

        /// Takes in the next observation (`events`: how many events it holds, for `minimumEvents`).
        package mutating func step(_ v: Double, events n: Int = 1) {
            let i = count
            count += 1
            let next = max(0, statistic + v - reference)
            if next > 0, statistic == 0 { start = i; peak = 0; alarm = nil; events = 0 }
            statistic = next
            if statistic > 0 { events += n }
            peak = max(peak, statistic)
            if alarm == nil, statistic > threshold, events >= minimumEvents { alarm = i; atAlarm = statistic }
            if statistic == 0 {
                if let a = alarm, let st = start { closed.append(Excursion(start: st, alarm: a, end: i, peak: peak, atAlarm: atAlarm)) }
                start = nil
                alarm = nil
            }
        }

        /// Every run that raised an alarm: the closed ones, and the one still going (ending at the last observation).
        package var excursions: [Excursion] {
            guard let a = alarm, let st = start else { return closed }
            return closed + [Excursion(start: st, alarm: a, end: count - 1, peak: peak, atAlarm: atAlarm)]
        }
    }
}

/// Formats a number for people: at most `digits` decimals, no trailing zeros.
func fmt(_ d: Double, _ digits: Int = 3) -> String {
    guard d.isFinite else { return d > 0 ? "∞" : "-∞" }
    var s = String(format: "%.\(digits)f", d)
    if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    if s == "-0" { s = "0" }
    return s
}
