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

    init(rules: Int) { slots = Mutex([Kept?](repeating: nil, count: rules)) }

    /// Rules answered from their kept output, and rules run, so far.
    var counts: (reused: Int, run: Int) { tally.withLock { $0 } }

    func clear() { slots.withLock { $0 = [Kept?](repeating: nil, count: $0.count) } }

    /// The kept output of `rule`, if it was computed over facts of this or an earlier generation and nothing it
    /// read changed since (nor the as-of time, if it read it).
    func reuse(_ rule: Int, for facts: Facts) -> Run.Output? {
        let found = slots.withLock { $0[rule] }
        let version = facts.version
        guard let k = found, k.generation <= version.generation, version.unchanged(k.reads, since: k.generation),
              !k.reads.read(.asOf) || k.asOf == facts.asOf else {
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
