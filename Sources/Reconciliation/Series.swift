import LedgerCore

/// The series behind the reconciliation's statistical rules, kept so that a reader (the dashboard) can draw
/// why a rule fired: the same numbers the rules compared, not a second computation of them.

/// One one-sided CUSUM as a rule ran it: the observations, the statistic after each, the reference it
/// subtracted and the threshold it compared with, and where it raised its alarms.
public struct CusumSeries: Sendable {
    /// `lot-loss-pattern` (per lot, weekly losses in containers) or `waste-pattern` (per person, waste share per dose).
    public let check: String
    /// The lot id, or the person's key id (hex).
    public let subject: String
    /// Per observation, a label (the week's Monday, or the dose's seq) and the entries in it.
    public let labels: [String]
    public let entries: [[Int]]
    /// The observations and Sᵢ = max(0, Sᵢ₋₁ + xᵢ − reference).
    public let values: [Double]
    public let statistic: [Double]
    public let reference: Double
    public let threshold: Double
    /// Per alarm: the observation index where it fired, the entry it fired at, and the finding it raised.
    public let alarms: [Alarm]

    public struct Alarm: Sendable {
        public let index: Int
        public let seq: Int
        public let findingID: String
    }
}

/// One person's activity in one calendar quarter for one of rule 10's rates, and the robust z-score the rule
/// computed when the person and their peers were numerous enough to compare.
public struct PeerActivity: Sendable {
    /// `waste` (waste share per dose), `counts` (share of counts with a variance) or `corrections` (per record).
    public let metric: String
    public let quarter: String
    /// The peer group (a role, or `counter`).
    public let group: String
    public let person: KeyID
    /// Activities (doses, counts, records) and the rate over them.
    public let n: Int
    public let rate: Double
    /// Set when the comparison ran: the peers' median and scale, the z-score and the threshold.
    public let z: Double?
    public let median: Double?
    public let scale: Double?
    public let threshold: Double
    /// The minimum activity to take part.
    public let minimum: Int
}

extension Stats {
    /// The path of the one-sided CUSUM `cusum` reports on: Sᵢ = max(0, Sᵢ₋₁ + xᵢ − reference), S₋₁ = 0.
    public static func cusumPath(_ x: [Double], reference: Double) -> [Double] {
        var s = 0.0
        return x.map { v in
            s = max(0, s + v - reference)
            return s
        }
    }
}
