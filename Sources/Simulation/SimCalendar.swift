import LedgerCore

/// Times in a simulation: business day `i` (0 = the start day, a Monday) and hours into that day.
package struct SimCalendar: Sendable {
    package let start: Timestamp

    package init(start: Timestamp) { self.start = start }

    /// Calendar day offset of business day `i` (weekends skipped).
    package func dayOffset(_ i: Int) -> Int { (i / 5) * 7 + i % 5 }

    package func at(_ i: Int, _ hours: Double) -> Timestamp {
        start.adding(milliseconds: Int64((Double(dayOffset(i)) * 24 + hours) * 3_600_000))
    }
}
