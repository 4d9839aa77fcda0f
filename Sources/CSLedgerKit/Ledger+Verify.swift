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
        // SQLite is read on its own thread, a batch ahead of the verification.
        enum Item: Sendable {
            case total(Int)
            case batch([LedgerVerifier.Row], [LedgerVerifier.StoredCheckpoint])
        }
        let database = self.database
        let reader = Prefetch<Item> { yield in
            var open = true
            try database.forEachBatchWithCheckpoints(start: { open = open && yield(.total($0)) }) { rows, checkpoints in
                open = open && yield(.batch(rows, checkpoints))
            }
        }
        defer { reader.cancel() }
        var total = 0
        var done = 0
        while let item = try reader.next() {
            switch item {
            case .total(let n): total = n
            case .batch(let rows, let checkpoints):
                verifier.consume(rows, checkpoints: checkpoints)
                done += rows.count
                if !rows.isEmpty { progress(done, total) }
            }
        }
        for (i, text) in externalCheckpoints.enumerated() {
            verifier.check(checkpoint: text, label: externalCheckpoints.count == 1 ? "checkpoint given" : "checkpoint \(i + 1) given")
        }
        return verifier.finish()
    }
}
