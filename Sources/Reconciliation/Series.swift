import LedgerCore

/// The series behind the reconciliation's statistical rules, kept so that a reader (the dashboard) can draw
/// why a rule fired: the same numbers the rules compared, not a second computation of them.

/// One one-sided CUSUM as a rule ran it: the observations, the statistic after each, the reference it
/// subtracted and the threshold it compared with, and where it raised its alarms.
package struct CusumSeries: Sendable {
    /// `lot-loss-pattern` (per lot, weekly losses in containers) or `waste-pattern` (per person, waste share per dose).
    package let check: String
    /// The lot id, or the person's key id (hex).
    package let subject: String
    /// Per observation, a label (the week's Monday, or the dose's seq) and the entries in it.
    package let labels: [String]
    package let entries: [[Int]]
    /// The observations and Sᵢ = max(0, Sᵢ₋₁ + xᵢ − reference).
    package let values: [Double]
    package let statistic: [Double]
    package let reference: Double
    package let threshold: Double
    /// Per alarm: the observation index where it fired, the entry it fired at, and the finding it raised.
    package let alarms: [Alarm]

    package struct Alarm: Sendable {
        package let index: Int
        package let seq: Int
        package let findingID: String
    }
}

/// One person's activity in one calendar quarter for one of rule 10's rates, and the robust z-score the rule
/// computed when the person and their peers were numerous enough to compare.
package struct PeerActivity: Sendable {
    /// `waste` (waste share per dose), `counts` (share of counts with a variance) or `corrections` (per record).
    package let metric: String
    package let quarter: String
    /// The peer group (a role, or `counter`).
    package let group: String
    package let person: KeyID
    /// Activities (doses, counts, records) and the rate over them.
    package let n: Int
    package let rate: Double
    /// Set when the comparison ran: the peers' median and scale, the z-score and the threshold.
    package let z: Double?
    package let median: Double?
    package let scale: Double?
    package let threshold: Double
    /// The minimum activity to take part.
    package let minimum: Int
}

extension Stats {
    /// The path of the one-sided CUSUM `cusum` reports on: Sᵢ = max(0, Sᵢ₋₁ + xᵢ − reference), S₋₁ = 0 (the
    /// statistic of `Cusum`, observation by observation: one definition).
    package static func cusumPath(_ x: [Double], reference: Double) -> [Double] {
        var run = Cusum(reference: reference, threshold: .infinity)
        return x.map { v in
            run.step(v)
            return run.statistic
        }
    }
}

/// One person's time from a draw to the record of its waste, beside peers of the same role (issue 22, the
/// staff page). The draw and its waste are one `dose.administered` statement (`drawn = given + wasted`): the
/// statement's `time` is when the dose was drawn and given, the entry's `logged` when the ledger wrote it, the
/// record of the waste (a clock the person cannot set). For each uncorrected dose with something wasted, the
/// minutes between the two; rule 5's `waste-recorded-late` reports one longer than `late_waste_hours`, this
/// figure shows the habit behind it. A figure, not a rule: no finding comes of it. A standalone
/// `waste.recorded` names no draw, so it is not counted here (rule 5 times it against its own `time`).
package struct WasteDelay: Sendable {
    package let person: KeyID
    /// The peer group: the person's role (`unknown` when the key is not enrolled).
    package let group: String
    /// Doses with something wasted.
    package let wastes: Int
    /// Minutes from draw to the waste's record: the median (mean of the two middle values for an even count),
    /// the 90th percentile (nearest rank: the ⌈0.9 n⌉-th smallest) and the longest, with its entry.
    package let median: Double
    package let p90: Double
    package let longest: Double
    package let longestSeq: Int
    /// Upper bounds in hours of the ranges counted in `counts` (the last range is everything above the last bound).
    package let boundsHours: [Double]
    package let counts: [Int]
    /// The median of the medians of everyone in the group (this person included), and how many they are.
    package let peerMedian: Double
    package let peers: Int
}
