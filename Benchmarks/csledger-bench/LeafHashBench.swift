import CSLedgerKit
import LedgerCore

/// The floor under hash-only verification: what the leaf hashes alone cost (SHA-256 of `0x00 || entry
/// bytes`, `MerkleTree.leafHash` in place), on one core, over the ledger's real entries held in memory.
struct LeafHashBench {
    struct Cost {
        /// CPU time of one leaf hash (thread CPU clock), in seconds.
        let cpuSecondsPerEntry: Double
        let bytesPerEntry: Double
        /// Bytes hashed per CPU second.
        var bytesPerSecond: Double { bytesPerEntry / cpuSecondsPerEntry }
    }

    /// Entries read from the start of the ledger and hashed round-robin.
    let sample: Int
    let seconds: Double

    func run(_ ledger: Ledger) throws -> Cost {
        var entries: [[UInt8]] = []
        try ledger.database.forEachBatch(range: 0...(sample - 1)) { rows in
            entries += rows.map(\.bytes)
            return true
        }
        guard !entries.isEmpty else { throw LedgerError(.notFound, "the ledger has no entries to hash") }
        var hashed = 0, bytes = 0
        var sink = Hash.zero
        let cpuBefore = ProcStatus.threadCPUSeconds()
        let watch = Stopwatch()
        repeat {
            for e in entries {
                let leaf = e.withUnsafeBytes { MerkleTree.leafHash($0) }
                if leaf < sink { sink = leaf }
                bytes += e.count
            }
            hashed += entries.count
        } while watch.seconds < seconds
        let cpu = ProcStatus.threadCPUSeconds() - cpuBefore
        precondition(sink != Hash(bytes: [UInt8](repeating: 0xff, count: 32)), "unreachable; keeps the hashing")
        return Cost(cpuSecondsPerEntry: cpu / Double(hashed), bytesPerEntry: Double(bytes) / Double(hashed))
    }
}
