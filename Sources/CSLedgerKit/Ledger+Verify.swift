import Foundation
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
        let prepareOptions = options
        // SQLite is read on its own thread; each batch is hashed (and parsed) on the global queue, several
        // batches at once, while the ones before it go through the ordered checks here.
        enum Item: Sendable {
            case total(Int)
            case batch(LedgerVerifier.Batch, [LedgerVerifier.StoredCheckpoint])
        }
        enum Ready: Sendable {
            case total(Int)
            case batch(LedgerVerifier.Prepared, [LedgerVerifier.StoredCheckpoint])
        }
        let database = self.database
        // Batches consumed go back to the reader to be filled again: no fresh memory (and page faults) per batch.
        let spare = SpareBatches()
        // Small batches keep every core busy to the end; parsed entries (signatures checked) weigh more than bytes.
        let batchSize = checkSignatures ? 512 : 1024
        let pipeline = Prefetch<Item, Ready>(capacity: 8, transform: { item in
            switch item {
            case .total(let n): .total(n)
            case .batch(let rows, let checkpoints): .batch(LedgerVerifier.prepare(rows, options: prepareOptions), checkpoints)
            }
        }) { yield in
            var open = true
            try database.forEachBatchWithCheckpoints(batchSize: batchSize, emptyBatch: { spare.take() },
                                                     start: { open = open && yield(.total($0)) }) { rows, checkpoints in
                open = open && yield(.batch(rows, checkpoints))
            }
        }
        defer { pipeline.cancel() }
        var total = 0
        var done = 0
        while let item = try pipeline.next() {
            // `consume`: the reader can only refill a batch's buffers when nothing here still holds them.
            switch consume item {
            case .total(let n): total = n
            case .batch(let prepared, let checkpoints):
                verifier.consume(prepared, checkpoints: checkpoints)
                let count = prepared.count
                spare.put((consume prepared).rows)
                done += count
                if count > 0 { progress(done, total) }
            }
        }
        for (i, text) in externalCheckpoints.enumerated() {
            verifier.check(checkpoint: text, label: externalCheckpoints.count == 1 ? "checkpoint given" : "checkpoint \(i + 1) given")
        }
        return verifier.finish()
    }
}

/// Emptied batches waiting to be filled again, shared by the consumer (who puts) and the reader (who takes).
private final class SpareBatches: @unchecked Sendable {
    // `batches` is only touched under `lock`.
    private let lock = NSLock()
    private var batches: [LedgerVerifier.Batch] = []

    func put(_ batch: consuming LedgerVerifier.Batch) {
        batch.removeAll()
        lock.lock()
        defer { lock.unlock() }
        // As many as can be in flight: the pipeline's capacity, the one being checked and the one being filled.
        if batches.count < 10 { batches.append(batch) }
    }

    func take() -> LedgerVerifier.Batch? {
        lock.lock()
        defer { lock.unlock() }
        return batches.popLast()
    }
}
