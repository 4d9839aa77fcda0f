import Dispensing
import Foundation
import LedgerCore

extension Run {
    // MARK: Rule 10: per-person outliers, per calendar quarter

    /// `2025-Q1`.
    static func quarter(_ t: Timestamp) -> String { quarter(number: quarterNumber(t)) }

    /// Quarters counted from year 0: year × 4 + (quarter − 1).
    static func quarterNumber(_ t: Timestamp) -> Int {
        let (y, m, _) = t.civilDate
        return y * 4 + (m - 1) / 3
    }

    static func quarter(number: Int) -> String { "\(number / 4)-Q\(number % 4 + 1)" }

    /// Per calendar quarter, each person's rate is compared with their peers' with a robust z-score
    /// (x − median) / max(1.4826 × MAD, floor); only people with enough activity take part, and only
    /// when enough of them do. Peers share a role; every counter is a peer of every other. Three rates:
    /// waste share per dose (clinicians), share of counts with a variance (both counters), corrections
    /// per record (the person who records the correction).
    /// One person's activity in one quarter for one metric: how many, their values' sum, the entries that count.
    struct Activity: Sendable {
        var n = 0
        var sum = 0.0
        var seqs: [Int] = []
        /// Each value, by seq, when a later correction may take one out (the doses' waste shares).
        var values: [Double] = []
        var rate: Double { n == 0 ? 0 : sum / Double(n) }
        mutating func add(_ value: Double, _ seq: Int?) {
            n += 1
            sum += value
            if let seq { seqs.append(seq) }
        }
    }

    /// (metric, quarter, person): metric is the index in `metrics` below.
    struct Slot: Hashable, Sendable { let metric: Int; let quarter: Int; let person: KeyID }

    /// The doses' waste shares (metric 0) and the records and corrections (metric 2) of each person and quarter,
    /// through the entries in seq order; a dose corrected later leaves its slot, whose sum is then added up again
    /// in seq order (so the figures are exactly those of a pass over the uncorrected doses).
    struct OutlierTally: Sendable {
        var data: [Slot: Activity] = [:]

        mutating func take(_ e: Record) {
            let quarter = Run.quarterNumber(e.time)
            if e.type == DispensingType.doseAdministered, let share = Dose(e).share {
                let slot = Slot(metric: 0, quarter: quarter, person: e.actor)
                data[slot, default: Activity()].add(share, e.seq)
                data[slot]!.values.append(share)
            }
            // A corrected dose: its slot is the one whose doses (in seq order) hold its seq.
            if e.type == DispensingType.entryCorrected, let c = e.integer(EntryCorrected.Member.corrects),
               let (slot, i) = data.lazy.compactMap({ slot, a -> (Slot, Int)? in
                   guard slot.metric == 0 else { return nil }
                   var (low, high) = (0, a.seqs.count)
                   while low < high {
                       let mid = (low + high) / 2
                       if a.seqs[mid] < c { low = mid + 1 } else { high = mid }
                   }
                   return low < a.seqs.count && a.seqs[low] == c ? (slot, low) : nil
               }).first, var a = data[slot] {
                a.seqs.remove(at: i)
                a.values.remove(at: i)
                var again = Activity()
                for (seq, value) in zip(a.seqs, a.values) { again.add(value, seq) }
                again.values = a.values
                data[slot] = again.n == 0 ? nil : again
            }
            // Corrections per record: every dispensing record a person wrote counts as one activity.
            if e.type != ReconciliationType.findingResolved {
                let isCorrection = e.type == DispensingType.entryCorrected
                data[Slot(metric: 2, quarter: quarter, person: e.actor), default: Activity()].add(isCorrection ? 1 : 0, isCorrection ? e.seq : nil)
            }
        }
    }

    mutating func outliers() {
        // Only the entries appended since the last answer are taken in (`foldEntries`).
        var data = foldEntries("outliers", from: OutlierTally()) { $0.take($1) }.data
        // The counts' slots (metric 1), derived from the counts alone: an answer after a dose does not read every
        // count again.
        let counted: [Slot: Activity] = derived("outliers.counts") { facts in
            var slots: [Slot: Activity] = [:]
            for e in facts.live(DispensingType.countRecorded) {
                guard let c = facts.counts[e.seq] else { continue }
                let variance = c.counted != c.expected
                for p in e.people {
                    slots[Slot(metric: 1, quarter: Self.quarterNumber(e.time), person: p), default: Activity()].add(variance ? 1 : 0, variance ? e.seq : nil)
                }
            }
            return slots
        }
        data.merge(counted) { _, counts in counts }  // the entries' tally holds no slot of metric 1
        let metrics: [(key: String, minimum: Int, floor: Double, name: String, unit: String)] = [
            ("waste", config.outlierMinimumDoses, config.outlierWasteScaleFloor, "waste share per dose", "doses"),
            ("counts", config.outlierMinimumCounts, config.outlierCountScaleFloor, "share of counts with a variance", "counts"),
            ("corrections", config.outlierMinimumRecords, config.outlierCorrectionScaleFloor, "corrections per record", "records"),
        ]
        // Peers share a role (clinicians with clinicians); every counter is a peer of every other.
        var comparisons: [(metric: Int, quarter: String, group: String, people: [KeyID: Activity])] = []
        var byMetric: [Int: [Int: [KeyID: Activity]]] = [:]
        for (slot, activity) in data { byMetric[slot.metric, default: [:]][slot.quarter, default: [:]][slot.person] = activity }
        for (i, m) in metrics.enumerated() {
            for (qn, everyone) in byMetric[i] ?? [:] {
                let q = Self.quarter(number: qn)
                let groups = Dictionary(grouping: everyone) { m.key == "counts" ? "counter" : (facts.signers[$0.key]?.role?.rawValue ?? "unknown") }
                for (group, people) in groups { comparisons.append((i, q, group, Dictionary(uniqueKeysWithValues: people.map { ($0.key, $0.value) }))) }
            }
        }
        for c in comparisons {
            let m = metrics[c.metric], q = c.quarter
            let eligible = c.people.filter { $0.value.n >= m.minimum }.sorted { $0.key < $1.key }
            let compared = eligible.count >= config.outlierMinimumPeers
            let stats = compared ? Stats.robustZ(eligible.map(\.value.rate), floor: m.floor) : nil
            for (person, activity) in c.people {
                let i = compared ? eligible.firstIndex { $0.key == person } : nil
                peers.append(PeerActivity(metric: m.key, quarter: q, group: c.group, person: person, n: activity.n, rate: activity.rate,
                                          z: i.flatMap { stats?.z[$0] }, median: i == nil ? nil : stats?.median,
                                          scale: i == nil ? nil : stats?.scale, threshold: config.outlierZ, minimum: m.minimum))
            }
            guard let (median, mad, scale, z) = stats else { continue }
            let rates = eligible.map(\.value.rate)
            let peers = c.group == "counter" ? "counters" : "\(c.group)s"
            for (i, (person, activity)) in eligible.enumerated() where z[i] > config.outlierZ {
                let name = facts.signers[person]?.name ?? person.short
                add(rule: 10, check: "outlier-\(m.key)", subject: "\(person.hex)|\(q)", severity: .warning,
                    title: "\(name) stands out from peers in \(q): \(m.name) \(fmt(rates[i], 3)) against a median of \(fmt(median, 3))",
                    detail: "In \(q), the \(m.name) of \(who(person)) was \(fmt(rates[i], 3)) over \(activity.n) \(m.unit); the \(eligible.count) \(peers) with at least \(m.minimum) \(m.unit) had a median of \(fmt(median, 3)) (MAD \(fmt(mad, 3))). Robust z-score \(fmt(z[i], 2)) = (\(fmt(rates[i], 3)) − \(fmt(median, 3))) / \(fmt(scale, 3)), above the threshold of \(fmt(config.outlierZ, 1)).",
                    time: nil, entries: activity.seqs, people: [person],
                    expected: "robust z-score at most \(fmt(config.outlierZ, 1))", found: "robust z-score \(fmt(z[i], 2))",
                    figures: [Figure("statistic", "robust z-score of \(m.name) against peers"), Figure("quarter", q),
                              Figure("value", fmt(rates[i], 4)), Figure("peer median", fmt(median, 4)), Figure("MAD", fmt(mad, 4)),
                              Figure("scale", fmt(scale, 4)), Figure("z", fmt(z[i], 2)), Figure("threshold", fmt(config.outlierZ, 1)),
                              Figure("peers", "\(eligible.count) \(peers)"), Figure(m.unit, "\(activity.n)")],
                    basis: "21 CFR 1301.76(b)(3) (losses associated with access by specific individuals); 21 CFR 1301.71(a); ASHP Guidelines on Preventing Diversion of Controlled Substances (2022): compare individuals with peers, normalised per activity",
                    action: "Look for an ordinary explanation first (different patients, shifts or duties). If there is none, review this person's records for the quarter with the diversion team, confidentially.",
                    evidence: "outlier-\(m.key)|\(person.hex)|\(q)")
            }
        }
    }

    // MARK: Rule 11: integrity

    mutating func integrity(_ report: VerificationReport) {
        for f in report.failures {
            let subject = "\(f.code.rawValue)|\(f.seq.map(String.init) ?? "-")|\(f.treeSize.map(String.init) ?? "-")"
            let at = f.seq.map { "seq \($0)" } ?? f.treeSize.map { "the checkpoint of size \($0)" } ?? "the ledger"
            add(rule: 11, check: f.code.rawValue, subject: subject, severity: .critical,
                title: "Integrity: \(at): \(f.code.rawValue)",
                detail: "Verification failed at \(at): \(f.message).",
                time: nil, entries: f.seq.map { [$0] } ?? [], people: [],
                expected: "every entry, signature and checkpoint verifies", found: f.message,
                figures: f.treeSize.map { [Figure("checkpoint size", "\($0)")] } ?? [],
                basis: "21 CFR 1304.04 (records kept complete, readily retrievable, never altered); the ledger's signed checkpoints (docs/FORMATS.md)",
                action: "Do not rely on the records from \(at) on. Secure the ledger file and its backups, compare with the last checkpoint given to an inspector (csledger verify --checkpoint FILE), restore from a backup that verifies, and find out who had access to the file.")
        }
        if report.failuresOmitted > 0 {
            add(rule: 11, check: "failures-omitted", subject: "omitted", severity: .critical,
                title: "Integrity: \(report.failuresOmitted) more verification failures",
                detail: "Verification stopped listing failures after \(report.failures.count); \(report.failuresOmitted) more were found.",
                time: nil, entries: [], people: [], expected: "no failures", found: "\(report.failures.count + report.failuresOmitted) failures",
                basis: "21 CFR 1304.04", action: "Run csledger verify for the full list; treat the ledger as damaged.",
                evidence: "failures-omitted|\(report.failuresOmitted)")
        }
    }
}
