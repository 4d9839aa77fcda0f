import CSLedgerKit
import LedgerCore
import Simulation

/// Proof latency against the latest checkpoint: `Ledger.inclusionProof(seq:)` (a C2SP tlog-proof)
/// and `Ledger.consistencyProof(oldSize:)`, at random positions.
struct ProofBench {
    let count: Int

    func run(_ ledger: Ledger) throws -> (inclusion: Latencies, consistency: Latencies, treeSize: Int) {
        let size = try ledger.checkpoint().treeSize
        var rng = SeededRandom(seed: 0x5EED)
        var inclusion = Latencies(reservingCapacity: count)
        var consistency = Latencies(reservingCapacity: count)
        for _ in 0..<count {
            let seq = Int.random(in: 0..<size, using: &rng)
            let (proof, t) = try Stopwatch.time { try ledger.inclusionProof(seq: seq) }
            guard proof.index == seq else { throw LedgerError(.notFound, "inclusion proof for \(seq) names \(proof.index)") }
            inclusion.add(t)
        }
        for _ in 0..<count {
            let old = Int.random(in: 1...size, using: &rng)
            let (proof, t) = try Stopwatch.time { try ledger.consistencyProof(oldSize: old) }
            guard proof.newSize == size else { throw LedgerError(.notFound, "consistency proof to \(proof.newSize), not \(size)") }
            consistency.add(t)
        }
        return (inclusion, consistency, size)
    }
}
