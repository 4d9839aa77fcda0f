/// Durations of repeated operations, in seconds, with their mean and percentiles.
struct Latencies: Sendable {
    private(set) var samples: [Double] = []

    init(reservingCapacity n: Int = 0) { samples.reserveCapacity(n) }

    mutating func add(_ seconds: Double) { samples.append(seconds) }

    var count: Int { samples.count }
    var total: Double { samples.reduce(0, +) }
    var mean: Double { samples.isEmpty ? 0 : total / Double(samples.count) }

    /// The nearest-rank percentile `p` (0...100); 0 when there are no samples.
    func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let s = samples.sorted()
        let rank = Int((p / 100 * Double(s.count)).rounded(.up))
        return s[min(max(rank, 1), s.count) - 1]
    }
}
