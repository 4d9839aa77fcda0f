/// One measured figure: what it is, its value and unit, and the limit or target it is held against.
struct BenchResult: Sendable {
    /// A stable dotted name, such as `verify.full.signatures`.
    let name: String
    let value: Double
    let unit: String
    /// The ceiling or target the figure is compared with, in the same unit.
    let limit: Double?
    /// What the limit is, in a few words.
    let limitIs: String?

    init(_ name: String, _ value: Double, _ unit: String, limit: Double? = nil, limitIs: String? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
        self.limit = limit
        self.limitIs = limitIs
    }

    /// `value / limit`: for rates, the share of the ceiling reached; for latencies, the share of the target used.
    var ratio: Double? {
        guard let limit, limit > 0 else { return nil }
        return value / limit
    }
}
