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
        // The tables' digest is read on a connection of its own while the entries are checked, unless this process
        // made the tables itself (then no core is spent on it: `derivedTableFailures` does not ask for it).
        let database = self.database
        let digest = checkSignatures && !database.isTrusted() ? BackgroundValue { try database.derivedDigest() } : nil
        // Small chunks keep every core busy to the end; parsed entries (signatures checked) weigh more than bytes.
        var report = try verify(externalCheckpoints: externalCheckpoints, checkSignatures: checkSignatures,
                                chunkRows: checkSignatures ? 512 : 1024, progress: progress)
        if checkSignatures {
            report.failures += try derivedTableFailures(report, digest: { try digest?.value() ?? database.derivedDigest() })
            report.failures.sort { ($0.seq ?? Int.max, $0.treeSize ?? 0) < ($1.seq ?? Int.max, $1.treeSize ?? 0) }
        }
        return report
    }

    /// Every table kept beside the entries, checked against them: nothing when the facility key sealed these
    /// very tables for the checkpoint that covers every entry, or when this process made them from checked entries
    /// (`LedgerDatabase.isTrusted`); otherwise each table rebuilt from the entries
    /// and compared with the file's, every difference named by table, row and seq. `digest` gives the tables'
    /// digest (read while the entries were checked).
    func derivedTableFailures(_ report: VerificationReport, digest: () throws -> Hash) throws -> [VerificationFailure] {
        // This process built the tables itself from entries it checked (a mirror of a ledger in PostgreSQL, pulled
        // in row by row through the append path's checks), and nobody else has committed to the file since.
        if report.entries > 0, report.coveredSize == report.entries, database.isTrusted() { return [] }
        if report.entries > 0, report.coveredSize == report.entries, let seal = try database.latestSeal(), seal.size == report.entries,
           seal.root == report.rootHash, let facility = try facilityKey(atTreeSize: report.entries, origin: try origin()),
           seal.isValid(origin: try origin(), facility: facility), try digest() == seal.digest {
            return []
        }
        let check = try database.checkDerivedTables(projections: projections)
        return check.mismatches.map { m in
            VerificationFailure(seq: m.seq, code: .derivedMismatch, message: m.description + ": the table does not match the signed entries")
        } + check.refusals.map { r in
            VerificationFailure(seq: r.seq, code: .notAllowed, message: "replayed in order, the entry breaks the ledger's rules: \(r.message)")
        }
    }

    /// `verify`, reading the ledger in chunks of `chunkRows` seq numbers (tests use tiny chunks, so that a
    /// small ledger goes through many chunks and every reader).
    func verify(externalCheckpoints: [String] = [], checkSignatures: Bool, chunkRows: Int,
                progress: (Int, Int) -> Void = { _, _ in }) throws -> VerificationReport {
        var options = LedgerVerifier.Options()
        options.checkSignatures = checkSignatures
        let database = self.database
        let readOptions = options
        let plan = try database.scanPlan(chunkSize: chunkRows)
        // Room for the duplicate check, reserved once: the entry count comes from the file, which may lie (a seq of
        // 10^12), so it is bounded by what a file of this size can hold (an entry takes well over 128 bytes).
        let fileBytes = ((try? FileManager.default.attributesOfItem(atPath: database.path)[.size]) as? Int) ?? 0
        return try Self.verifyChunks(options: options, entries: plan.entries, expectedEntries: min(plan.entries, fileBytes / 128),
                                     chunkCount: plan.chunkCount, checkpointsBeyond: plan.checkpointsBeyond,
                                     externalCheckpoints: externalCheckpoints, progress: progress) { reader, readers, deliver in
            try database.readChunks(plan, stride(from: reader, to: plan.chunkCount, by: readers), options: readOptions, deliver)
        }
    }

    /// Runs `LedgerVerifier` over a ledger read in `chunkCount` chunks: every core reads (and hashes, and
    /// parses) its share of the chunks on its own connection, `read(reader, readers, deliver)` handing each
    /// chunk `k` over with the stored checkpoints that fall in it (`deliver` returns false once the consumer has
    /// stopped); the chain, the enrolment state and the Merkle tree are replayed here, in order. Then
    /// `checkpointsBeyond` (stored checkpoints that commit to more entries than there are) and any checkpoints
    /// an auditor kept (`externalCheckpoints`, note texts) are checked. The one loop behind every full verification,
    /// whichever store the rows come from.
    static func verifyChunks(options: LedgerVerifier.Options, entries: Int, expectedEntries: Int, chunkCount: Int,
                             checkpointsBeyond: [LedgerVerifier.StoredCheckpoint], externalCheckpoints: [String],
                             progress: (Int, Int) -> Void,
                             read: @escaping @Sendable (_ reader: Int, _ readers: Int,
                                                        _ deliver: (Int, LedgerVerifier.Prepared, [LedgerVerifier.StoredCheckpoint]) -> Bool) throws -> Void)
        throws -> VerificationReport {
        let sizes = externalCheckpoints.compactMap { text -> Int? in
            guard let note = try? SignedNote.parse(text), let cp = try? Checkpoint(body: note.text) else { return nil }
            return cp.size
        }
        var verifier = LedgerVerifier(options: options, checkpointSizes: sizes, expectedEntries: expectedEntries)
        let readers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, chunkCount))
        // How far readers may run ahead of the ordered checks. A reader held back while the consumer waits
        // for the other reader's chunk leaves a core idle; chain-only chunks are small (hashes and headers,
        // about 150 KB), so they get more room: 16 per reader measured 3-4% faster than 4, for 8 MB.
        let ahead = options.checkSignatures ? 4 : 16
        let chunks = OrderedChunks<Chunk>(count: chunkCount, readers: readers, capacity: ahead * readers) { reader, deliver in
            try read(reader, readers) { k, prepared, checkpoints in deliver(k, Chunk(prepared: prepared, checkpoints: checkpoints)) }
        }
        defer { chunks.cancel() }
        var done = 0
        // The checkpoints of chunks without a row (entries missing) go with the next rows.
        var carried: [LedgerVerifier.StoredCheckpoint] = []
        while let chunk = try chunks.next() {
            let count = chunk.prepared.count
            guard count > 0 else {
                carried += chunk.checkpoints
                continue
            }
            verifier.consume(chunk.prepared, checkpoints: carried + chunk.checkpoints)
            carried = []
            done += count
            progress(done, entries)
        }
        verifier.consume([], checkpoints: carried + checkpointsBeyond)
        for (i, text) in externalCheckpoints.enumerated() {
            verifier.check(checkpoint: text, label: externalCheckpoints.count == 1 ? "checkpoint given" : "checkpoint \(i + 1) given")
        }
        return verifier.finish()
    }
}

/// One chunk of the ledger, prepared, with the stored checkpoints that fall within it.
private struct Chunk: Sendable {
    let prepared: LedgerVerifier.Prepared
    let checkpoints: [LedgerVerifier.StoredCheckpoint]
}
