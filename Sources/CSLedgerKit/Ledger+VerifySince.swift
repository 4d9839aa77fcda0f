import Foundation
import LedgerCore
import LedgerStore

extension Ledger {
    /// Why `verify(since:)` refused its starting checkpoint.
    public struct SinceRefusal: Error, Sendable { public let message: String }

    /// Verifies only what followed a checkpoint the caller verified before (`verify --since`): the checkpoint
    /// is signed by the facility key in force at its size; the stored tree at its size has its root (the
    /// ledger extends it; otherwise `SinceRefusal`); the consistency proof from it to the latest checkpoint
    /// holds; and the later entries are checked as a full verify checks them (bytes, chain, signatures
    /// against the enrolment state, the Merkle tree, every later stored checkpoint, coverage). What they
    /// depend on comes from entries before the checkpoint, each proven in its signed tree by an inclusion
    /// proof: the enrolment entries (found by their stored type) and the entry just before it.
    public func verify(since noteText: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> VerificationReport {
        guard let note = try? SignedNote.parse(noteText), let since = try? Checkpoint(body: note.text) else {
            throw LedgerError(.invalidArgument, "the --since file is not a signed checkpoint")
        }
        let origin = try self.origin()
        guard since.origin == origin else { throw SinceRefusal(message: "the checkpoint is for \(since.origin), not this ledger (\(origin))") }
        let m = since.size
        guard m >= 1 else { throw SinceRefusal(message: "the checkpoint is of an empty tree") }
        let latest = try checkpoint()
        guard let latestBody = try? Checkpoint(body: try SignedNote.parse(latest.note).text) else {
            throw LedgerError(.ledgerCorrupt, "the latest stored checkpoint cannot be read; run a full verify")
        }
        guard m <= latest.treeSize else {
            throw SinceRefusal(message: "the checkpoint commits to \(m) entries but the ledger's latest checkpoint has \(latest.treeSize): entries were removed from the end")
        }
        // The ledger extends the checkpoint: the stored tree at its size has its root.
        let frontier = try database.frontier(size: m)
        guard frontier.root == since.rootHash else {
            throw SinceRefusal(message: "the ledger's first \(m) entries are not the ones the checkpoint commits to (another root): this ledger does not extend it")
        }
        let proof = try database.consistencyProof(oldSize: m, newSize: latest.treeSize)
        guard m == latest.treeSize ? latestBody.rootHash == since.rootHash
                : MerkleTree.verifyConsistency(oldSize: m, newSize: latest.treeSize, oldRoot: since.rootHash, newRoot: latestBody.rootHash, proof: proof) else {
            throw SinceRefusal(message: "the consistency proof from \(m) entries to the latest checkpoint does not verify: this ledger does not extend it")
        }
        // What the later entries depend on, each proven in the checkpoint's tree.
        func proven(_ seq: Int) throws -> (entry: Entry, leaf: Hash) {
            guard let bytes = try database.entryBytes(seq) else { throw SinceRefusal(message: "entry \(seq) is missing") }
            let leaf = MerkleTree.leafHash(bytes)
            guard MerkleTree.verifyInclusion(leaf: leaf, index: seq, size: m, proof: try database.inclusionProof(index: seq, size: m), root: since.rootHash) else {
                throw SinceRefusal(message: "entry \(seq) is not the one the checkpoint commits to")
            }
            do { return (try Entry.decode(canonicalBytes: bytes), leaf) } catch { throw SinceRefusal(message: "entry \(seq) cannot be read: \(error)") }
        }
        var registry = SignerRegistry()
        var coreSeqs: [Int] = []
        for type in CoreStatementType.all.sorted() {
            try database.forEachBatch(range: 0...(m - 1), type: type) { rows in coreSeqs += rows.map(\.seq); return true }
        }
        for seq in coreSeqs.sorted() {
            let e = try proven(seq).entry
            do { try registry.apply(e.statement, at: seq) } catch {
                throw SinceRefusal(message: "entry \(seq) does not apply to the enrolment state (\(error)); run a full verify")
            }
        }
        guard let facility = registry.facility(atTreeSize: m), note.verify(keyName: origin, publicKey: facility.publicKey.curve25519) else {
            throw SinceRefusal(message: "the checkpoint is not signed by the facility key in force at \(m) entries")
        }
        let (previous, previousLeaf) = try proven(m - 1)
        // The later entries, as a full verify checks them.
        var verifier = LedgerVerifier(resumingAt: m, frontier: frontier, previousLeaf: previousLeaf, lastLogged: previous.logged, registry: registry)
        let total = latest.treeSize
        var done = m
        var checkpoints = try database.checkpoints(sizes: (m + 1)...Int.max).map { LedgerVerifier.StoredCheckpoint(treeSize: $0.treeSize, note: $0.note) }[...]
        try database.forEachBatch(range: m...Int.max, batchSize: 1024) { rows in
            let last = (rows.last?.seq ?? m) + 1
            var within: [LedgerVerifier.StoredCheckpoint] = []
            while let c = checkpoints.first, c.treeSize <= last { within.append(c); checkpoints.removeFirst() }
            verifier.consume(rows, checkpoints: within)
            done += rows.count
            progress(done, total)
            return true
        }
        verifier.consume([], checkpoints: Array(checkpoints))
        return verifier.finish()
    }
}
