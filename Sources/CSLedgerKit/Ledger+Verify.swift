import LedgerCore
import LedgerStore

extension Ledger {
    /// Verifies the whole ledger file: every entry, the chain, every signature against the enrolment
    /// state at its seq, the Merkle tree, every stored checkpoint, and any checkpoints an auditor kept
    /// (`externalCheckpoints`, note texts). Returns every failure; throws only if the file cannot be read.
    ///
    /// - Parameter progress: called after each batch with (entries done, entries in all).
    public func verify(externalCheckpoints: [String] = [], checkSignatures: Bool = true,
                       progress: (Int, Int) -> Void = { _, _ in }) throws -> VerificationReport {
        var options = LedgerVerifier.Options()
        options.checkSignatures = checkSignatures
        let sizes = externalCheckpoints.compactMap { text -> Int? in
            guard let note = try? SignedNote.parse(text), let cp = try? Checkpoint(body: note.text) else { return nil }
            return cp.size
        }
        var verifier = LedgerVerifier(options: options, checkpointSizes: sizes)
        let total = try database.size()
        var done = 0
        var lastSeq = -1
        try database.forEachBatch { rows in
            guard let first = rows.first, let last = rows.last else { return true }
            let cps = try database.checkpoints(sizes: (first.seq + 1)...(last.seq + 1))
            verifier.consume(rows, checkpoints: cps)
            done += rows.count
            lastSeq = last.seq
            progress(done, total)
            return true
        }
        let beyond = try database.checkpoints(sizes: (lastSeq + 2)...Int.max)
        verifier.consume([], checkpoints: beyond)
        for (i, text) in externalCheckpoints.enumerated() {
            verifier.check(checkpoint: text, label: externalCheckpoints.count == 1 ? "checkpoint given" : "checkpoint \(i + 1) given")
        }
        return verifier.finish()
    }
}
