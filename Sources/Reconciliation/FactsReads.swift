import LedgerCore

/// What one rule read of the facts in one run: which parts (the as-of time, the entries, the doses, the
/// movements, ...) and which types' live records.
///
/// The kept reconciliation (`ReconciliationState`) keeps each rule's output with what the rule read, and gives
/// the same output again while none of that changed (`FactsVersion.unchanged`): a rule is a function of the
/// facts it reads, so this is exact by construction, whatever the rule does. Nothing is declared by hand: the
/// facts note every read (`Facts.asOf`, `Facts.live(_:)`, ...), so a rule that starts reading a new part is
/// watched for it at once. A rule that reads the as-of time runs again whenever that time differs (its checks
/// depend on the clock: a parcel becomes overdue while nothing is appended).
///
/// One instance is used by one rule on one thread.
final class FactsReads: @unchecked Sendable {
    /// The parts of `Facts` that change as a whole (the live records are watched by type).
    enum Part: Int, CaseIterable, Sendable {
        case asOf, created, totalEntries, entries, doses, corrected, corrections, signers, lots, movements, counts
    }

    private(set) var parts: UInt32 = 0
    private(set) var types: Set<String> = []

    func note(_ part: Part) { parts |= 1 << UInt32(part.rawValue) }
    func note(type: String) { types.insert(type) }
    /// Adds what a value this rule used was computed from (`Run.derived`).
    func note(_ seen: Seen) {
        parts |= seen.parts
        types.formUnion(seen.types)
    }

    /// What was read, as kept beside a rule's output.
    var seen: Seen { Seen(parts: parts, types: types) }

    struct Seen: Sendable, Equatable {
        let parts: UInt32
        let types: Set<String>

        func read(_ part: Part) -> Bool { parts & (1 << UInt32(part.rawValue)) != 0 }
    }
}

/// When each part of the kept facts last changed: the generation (one per extension that added entries) at
/// which `Facts.extend` last changed it.
struct FactsVersion: Sendable {
    var generation: Int
    /// The generation the facts were read at from the first entry: everything in them is that new at least.
    let base: Int
    var stamps: [Int]
    var typeStamps: [String: Int] = [:]

    init(base: Int = 0) {
        generation = base
        self.base = base
        stamps = [Int](repeating: base, count: FactsReads.Part.allCases.count)
    }

    /// None of what `reads` names changed after `generation` (the as-of time is compared by the caller).
    func unchanged(_ reads: FactsReads.Seen, since generation: Int) -> Bool {
        guard base <= generation else { return false }
        for part in FactsReads.Part.allCases where part != .asOf && reads.read(part) {
            if stamps[part.rawValue] > generation { return false }
        }
        for type in reads.types where (typeStamps[type] ?? base) > generation { return false }
        return true
    }
}
