import LedgerCore
import Synchronization

/// Each rule's output from the kept reconciliation's latest run of it, with what the rule read then
/// (`FactsReads`): while none of that changed, the rule is not run again.
///
/// Owned by `ReconciliationState`, emptied whenever it reads its facts again from the first entry.
final class RuleOutputs: Sendable {
    private struct Kept: Sendable {
        /// The generation of the facts the rule ran over.
        let generation: Int
        let asOf: Timestamp
        let reads: FactsReads.Seen
        let output: Run.Output
    }

    private let slots: Mutex<[Kept?]>
    private let tally = Mutex<(reused: Int, run: Int)>((0, 0))

    /// A value a rule derives from the facts whatever the time (`Run.derived`), with what it read.
    private struct Derived: @unchecked Sendable {  // `value` is the Sendable value `Run.derived` was given
        let generation: Int
        let asOf: Timestamp
        /// What the value was computed for besides the facts (the week of the answer's time, say); 0 for nothing.
        let key: Int64
        let reads: FactsReads.Seen
        let value: Any
    }
    private let derivations = Mutex<[String: Derived]>([:])

    /// A fold over the movements (`Run.foldMovements`): its state after the first `count` of them.
    private struct Fold: @unchecked Sendable {  // `state` is the Sendable state `Run.foldMovements` was given
        /// The build the movements were read in (`FactsVersion.base`): within one, they are only ever appended to.
        let base: Int
        let generation: Int
        let count: Int
        let state: Any
    }
    private let folds = Mutex<[String: Fold]>([:])

    init(rules: Int) { slots = Mutex([Kept?](repeating: nil, count: rules)) }

    /// The kept state of fold `name` and how many movements it took in, if `facts` are of the same build and no
    /// older than when it was kept. It is taken out: the caller, which keeps its next state under the same name,
    /// then holds the only copy and changes it in place (a list of a million movements is not copied to add one).
    /// An answer running beside it meanwhile finds none and starts from the beginning, as after a build.
    func takeFold<S: Sendable>(_ name: String, for facts: Facts) -> (state: S, count: Int)? {
        let version = facts.version
        let taken = folds.withLock { all -> Fold? in
            guard let f = all[name], f.base == version.base, f.generation <= version.generation else { return nil }
            all[name] = nil
            return f
        }
        guard let f = taken, let state = f.state as? S else { return nil }
        return (state, f.count)
    }

    func keep<S: Sendable>(fold name: String, _ state: S, count: Int, for facts: Facts) {
        let kept = Fold(base: facts.version.base, generation: facts.version.generation, count: count, state: state)
        folds.withLock { all in
            if let old = all[name], old.base == kept.base, old.generation > kept.generation { return }
            all[name] = kept
        }
    }

    /// Rules answered from their kept output, and rules run, so far.
    var counts: (reused: Int, run: Int) { tally.withLock { $0 } }

    func clear() {
        slots.withLock { $0 = [Kept?](repeating: nil, count: $0.count) }
        derivations.withLock { $0 = [:] }
        folds.withLock { $0 = [:] }
    }

    /// The kept value named `name` with what computing it read, if still valid for `facts` (as a rule output is)
    /// and computed for the same `key`.
    func derived<T: Sendable>(_ name: String, key: Int64 = 0, for facts: Facts) -> (value: T, reads: FactsReads.Seen)? {
        guard let d = derivations.withLock({ $0[name] }), d.key == key, let value = d.value as? T,
              Self.valid(generation: d.generation, asOf: d.asOf, reads: d.reads, for: facts) else { return nil }
        return (value, d.reads)
    }

    /// Keeps a derived value, unless one over newer facts was kept already.
    func keep<T: Sendable>(derived name: String, _ value: T, key: Int64 = 0, reads: FactsReads.Seen, for facts: Facts) {
        let kept = Derived(generation: facts.version.generation, asOf: facts.asOf, key: key, reads: reads, value: value)
        derivations.withLock { all in
            // A value over older facts does not replace one over newer facts; for the same facts, the later key (a
            // later week) wins, as answers move forward in time.
            if let old = all[name], old.generation > kept.generation || (old.generation == kept.generation && old.key > kept.key) { return }
            all[name] = kept
        }
    }

    /// Computed over facts of this or an earlier generation, none of what it read changed since, nor the as-of
    /// time if it read it. `facts` is not watched (reading its time here is not a rule's read).
    private static func valid(generation: Int, asOf: Timestamp, reads: FactsReads.Seen, for facts: Facts) -> Bool {
        let version = facts.version
        return generation <= version.generation && version.unchanged(reads, since: generation)
            && (!reads.read(.asOf) || asOf == facts.asOf)
    }

    /// The kept output of `rule`, if it was computed over facts of this or an earlier generation and nothing it
    /// read changed since (nor the as-of time, if it read it).
    func reuse(_ rule: Int, for facts: Facts) -> Run.Output? {
        guard let k = slots.withLock({ $0[rule] }), Self.valid(generation: k.generation, asOf: k.asOf, reads: k.reads, for: facts) else {
            tally.withLock { $0.run += 1 }
            return nil
        }
        tally.withLock { $0.reused += 1 }
        return k.output
    }

    /// Keeps what `rule` found over `facts`, unless a run over newer facts kept its output already.
    func keep(_ rule: Int, _ output: Run.Output, reads: FactsReads.Seen, for facts: Facts) {
        let kept = Kept(generation: facts.version.generation, asOf: facts.asOf, reads: reads, output: output)
        slots.withLock { slots in
            if let old = slots[rule], old.generation > kept.generation { return }
            slots[rule] = kept
        }
    }
}
