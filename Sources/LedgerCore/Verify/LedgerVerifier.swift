import Dispatch

/// Checks a whole ledger against SPEC §2-4, returning every failure with its seq.
///
/// Feed it the stored rows in seq order with `consume(_:)`, in batches of any
/// size; the checks that do not depend on order (parsing, canonical form,
/// hashing, Ed25519) run on all cores, the chain, the enrolment state and the
/// Merkle tree are replayed in order. Then `finish()`.
public struct LedgerVerifier: Sendable {
    /// One stored row: its position and bytes, and the leaf hash the store kept beside them (if any).
    public struct Row: Sendable {
        public let seq: Int
        public let bytes: [UInt8]
        public let storedLeafHash: Hash?
        public init(seq: Int, bytes: [UInt8], storedLeafHash: Hash? = nil) {
            self.seq = seq
            self.bytes = bytes
            self.storedLeafHash = storedLeafHash
        }
    }

    /// Options.
    public struct Options: Sendable {
        /// Check every Ed25519 signature, and each entry's full content: canonical form, statement fields,
        /// signers' enrolment (false: the hash chain, seq order, logged times, the Merkle tree and the
        /// stored checkpoints' roots only; what the leaf hashes commit to is not read).
        public var checkSignatures = true
        /// Most failures kept in the report; the rest are only counted.
        public var failureLimit = 10_000
        /// The origin the ledger must have, if known.
        public var expectedOrigin: String?
        /// Every entry must be covered by a checkpoint the facility key signed (SPEC v2); false only for
        /// checking bare rows that come without their checkpoints.
        public var requireCoverage = true
        public init() {}
    }

    private let options: Options
    private let signatureWork = SignatureWork()
    private var registry = SignerRegistry()
    private var frontier = MerkleFrontier()
    private var expectedSeq = 0
    private var prevLeaf = Hash.zero
    private var lastLogged: Timestamp?
    private var rootsAtSize: [Int: Hash] = [:]
    private var wantedSizes: Set<Int> = []
    /// Stored checkpoints handed in with earlier rows but beyond every row so far (rows were missing before
    /// them): checked once the tree reaches their size, or reported as beyond the ledger at the end.
    private var pendingCheckpoints: [StoredCheckpoint] = []
    /// Every stored checkpoint reached: its size, and whether its root is the entries' root at that size.
    private var storedOutcomes: [(size: Int, matches: Bool)] = []
    /// The first 12 bytes of each statement's SHA-256 and its seq: sorted at the end, equal neighbours are
    /// the same signed statement recorded twice. 16 bytes an entry (16 MB at a million, reserved once when the
    /// caller says how many entries to expect); 96 bits make a chance match between different statements
    /// about 10^-17 at a million entries.
    private var statementKeys: [StatementKey] = []
    /// Checkpoints kept outside, signed by the facility key, whose root is not the entries' (a fork, if the
    /// ledger's own signed checkpoints match the entries).
    private var keptMismatches: [(size: Int, label: String)] = []
    private var report: VerificationReport

    struct StatementKey: Comparable {
        let high: UInt64, low: UInt32, seq: UInt32
        static func < (a: StatementKey, b: StatementKey) -> Bool { (a.high, a.low, a.seq) < (b.high, b.low, b.seq) }
    }

    /// - Parameter checkpointSizes: tree sizes of checkpoints that `finish` will check, so their roots are kept on the way.
    /// - Parameter expectedEntries: how many entries will be consumed, if known (room for the duplicate check is
    ///   reserved once instead of growing by doubling).
    public init(options: Options = Options(), checkpointSizes: some Sequence<Int> = [], expectedEntries: Int = 0) {
        self.options = options
        self.wantedSizes = Set(checkpointSizes)
        if options.checkSignatures, expectedEntries > 0 { statementKeys.reserveCapacity(expectedEntries) }
        self.report = VerificationReport(entries: 0, rootHash: MerkleTree.emptyRoot, signaturesChecked: 0,
                                         checkpointsChecked: 0, failures: [], failuresOmitted: 0)
    }

    /// A verifier that starts after entry `seq - 1` of a tree already checked up to there (`verify --since`):
    /// `frontier` is that tree's (its root the one a trusted checkpoint signed), `previousLeaf` and
    /// `lastLogged` are entry `seq - 1`'s, and `registry` the enrolment state replayed from the entries before
    /// `seq`; the caller has checked the facility's signature on that checkpoint. The rows consumed must start at `seq`; the report counts every entry of the tree.
    public init(options: Options = Options(), checkpointSizes: some Sequence<Int> = [], resumingAt seq: Int, frontier: MerkleFrontier,
                previousLeaf: Hash, lastLogged: Timestamp?, registry: SignerRegistry) {
        self.init(options: options, checkpointSizes: checkpointSizes)
        self.expectedSeq = seq
        self.frontier = frontier
        self.prevLeaf = previousLeaf
        self.lastLogged = lastLogged
        self.registry = registry
        self.report.entries = seq
        // The starting checkpoint was checked by the caller (signature and root): it covers the first `seq` entries.
        self.storedOutcomes = [(seq, true)]
    }

    /// The enrolment state replayed so far.
    public var signers: SignerRegistry { registry }

    private mutating func fail(_ seq: Int?, _ code: VerificationFailure.Code, _ message: String, treeSize: Int? = nil) {
        if report.failures.count < options.failureLimit {
            report.failures.append(VerificationFailure(seq: seq, treeSize: treeSize, code: code, message: message))
        } else {
            report.failuresOmitted += 1
        }
    }

    /// A checkpoint stored in the ledger: the tree size it commits to and its signed note.
    public struct StoredCheckpoint: Sendable {
        public let treeSize: Int
        public let note: String
        /// The note read as a signed checkpoint (`signedNote` and `body`), or why it is not one (`unreadable`).
        /// Read where the row is read: verification's readers do it on every core, and the ordered checks
        /// only compare. A ledger fed by csledgerd has a checkpoint every few entries, so this is not a small
        /// part of the work.
        let signedNote: SignedNote?
        let body: Checkpoint?
        let unreadable: String?

        public init(treeSize: Int, note: String) {
            self.treeSize = treeSize
            self.note = note
            var signedNote: SignedNote?, body: Checkpoint?, unreadable: String?
            do {
                let parsed = try SignedNote.parse(note)
                body = try Checkpoint(body: parsed.text)
                signedNote = parsed
            } catch {
                unreadable = "\(error)"
            }
            self.signedNote = signedNote
            self.body = body
            self.unreadable = unreadable
        }
    }

    /// Checks the next rows, which must follow the previous batch in seq order, and the stored
    /// checkpoints whose tree size falls within them (size `s` is checked after row `s - 1`).
    public mutating func consume(_ rows: [Row], checkpoints: [StoredCheckpoint] = []) {
        consume(Self.prepare(Batch(rows), options: options, parallel: true), checkpoints: checkpoints)
    }

    /// The checks that need no order, for one batch: every leaf hash and, as `options` ask, each entry's
    /// fixed-place header (chain only) or its full reading (parse, canonical form, fields, signing input).
    /// Touches no verifier state, so batches can be prepared on other threads while earlier ones are
    /// consumed; `parallel` spreads this one batch over all cores.
    public static func prepare(_ batch: Batch, options: Options, parallel: Bool = false) -> Prepared {
        let n = batch.count
        let checkSignatures = options.checkSignatures
        var leaves = [Hash](repeating: .zero, count: n)
        var headers = [EntryHeader?](repeating: nil, count: n)
        var decoded = [Decoded?](repeating: nil, count: n)
        batch.storage.withUnsafeBytes { all in
            leaves.withUnsafeMutableBufferPointer { leavesOut in
                headers.withUnsafeMutableBufferPointer { headersOut in
                    decoded.withUnsafeMutableBufferPointer { decodedOut in
                        let (leaves, headers, decoded) = (leavesOut, headersOut, decodedOut)
                        // Key ids read before are handed out again (one table per thread: the serial loop's, or
                        // none across indices when spread over all cores).
                        let body = { (i: Int, ids: inout SignedEntryFields.KeyIDs) in
                            let range = batch.range(i)
                            let bytes = UnsafeRawBufferPointer(rebasing: all[range])
                            leaves[i] = MerkleTree.leafHash(prefixed: UnsafeRawBufferPointer(rebasing: all[batch.leafInput(i)]))
                            // Chain-only: the fixed-place header is all the chain needs (the genesis entry is read in
                            // full for the origin and facility key the checkpoints are checked against).
                            if !checkSignatures, batch.seqs[i] != 0, let header = EntryHeader(canonical: bytes) {
                                headers[i] = header
                            } else {
                                decoded[i] = Self.decode(bytes, storage: batch.storage, range: range, genesis: batch.seqs[i] == 0, ids: &ids)
                            }
                        }
                        if parallel {
                            // Each index writes only its own slots of the three buffers.
                            Self.parallel(n) { i in
                                var ids = SignedEntryFields.KeyIDs()
                                body(i, &ids)
                            }
                        } else {
                            var ids = SignedEntryFields.KeyIDs()
                            for i in 0..<n { body(i, &ids) }
                        }
                    }
                }
            }
        }
        return Prepared(batch: batch, checkSignatures: checkSignatures, leaves: leaves, headers: headers, decoded: decoded)
    }

    /// The full reading of one entry: parse, canonical form, fields, and where its signing input lies.
    /// `genesis`: stored at seq 0, where the entry must create the ledger.
    static func decode(_ bytes: UnsafeRawBufferPointer, storage: [UInt8], range: Range<Int>, genesis: Bool,
                       ids: inout SignedEntryFields.KeyIDs) -> Decoded {
        var d = Decoded()
        let buffer = bytes.assumingMemoryBound(to: UInt8.self)
        // The one-pass check settles almost every entry; anything it cannot vouch for is re-serialized.
        let canonical = JCS.isCanonical(buffer)
        // An ordinary canonical entry needs no JSON tree: its fields are read in place.
        if canonical == true, !genesis, let fields = SignedEntryFields(canonical: bytes, ids: &ids) {
            d.fields = fields
            d.signingInput = storage[(range.lowerBound + fields.statement.lowerBound)..<(range.lowerBound + fields.statement.upperBound)]
            d.statementHash = SHA256Direct.hash(UnsafeRawBufferPointer(rebasing: bytes[fields.statement]))
            return d
        }
        do {
            let json = try JSONParser.parse(buffer)
            d.notCanonical = canonical == true ? false : !JCS.serialize(json).elementsEqual(buffer)
            let e = try Entry(json: json)
            d.entry = e
            // In a canonical entry the statement's canonical bytes stand in it verbatim: point at them.
            if !d.notCanonical, let r = Entry.statementRange(inCanonical: bytes) {
                d.signingInput = storage[(range.lowerBound + r.lowerBound)..<(range.lowerBound + r.upperBound)]
            } else {
                d.signingInput = e.statement.signingInput[...]
            }
            d.statementHash = d.signingInput.withUnsafeBytes { SHA256Direct.hash($0) }
        } catch let e as LedgerError {
            d.error = e.message
        } catch {
            d.error = "the entry is not valid JSON (\(error))"
        }
        return d
    }

    /// Checks the next prepared batch (from `prepare` with this verifier's options), which must follow
    /// the previous one in seq order, and the stored checkpoints whose tree size falls within it.
    public mutating func consume(_ prepared: Prepared, checkpoints: [StoredCheckpoint] = []) {
        precondition(prepared.checkSignatures == options.checkSignatures, "a batch prepared with other options")
        let rows = prepared.batch
        if rows.isEmpty {
            // Checkpoints past the last entry: the ledger lost its tail.
            let checkpoints = pendingCheckpoints + checkpoints
            pendingCheckpoints = []
            for cp in checkpoints where cp.treeSize > frontier.size {
                report.checkpointsChecked += 1
                fail(nil, .checkpointBeyondLedger, "a stored checkpoint commits to \(cp.treeSize) entries but the ledger holds only \(frontier.size): entries were removed from the end", treeSize: cp.treeSize)
            }
            return
        }
        var pendingCheckpoints = (self.pendingCheckpoints + checkpoints).sorted { $0.treeSize < $1.treeSize }[...]
        // 2. In order: positions, chain, time, enrolment state, Merkle tree; collect signature checks.
        var jobs: [SignatureWork.Job] = []
        // About one and a half signatures an entry: no regrowing while the batch is walked.
        if options.checkSignatures { jobs.reserveCapacity(rows.count * 2) }
        let checkRoots = !wantedSizes.isEmpty
        for i in 0..<rows.count {
            let seq = rows.seqs[i]
            let leaf = prepared.leaves[i]
            if seq != expectedSeq {
                if seq > expectedSeq {
                    fail(expectedSeq, .seqGap, seq - expectedSeq == 1 ? "entry \(expectedSeq) is missing" : "entries \(expectedSeq) to \(seq - 1) are missing")
                } else {
                    fail(seq, .seqGap, "entry \(seq) is stored twice or out of order")
                }
            }
            expectedSeq = seq + 1
            if let stored = rows.storedLeafHashes[i], stored != leaf {
                fail(seq, .storedHashMismatch, "the stored leaf hash does not match the entry's bytes")
            }
            if let h = prepared.headers[i] {
                if h.seq != seq { fail(seq, .seqMismatch, "the entry says it is seq \(h.seq) but is stored at seq \(seq)") }
                if h.prev != prevLeaf { fail(seq, .prevMismatch, "prev does not match the hash of entry \(seq - 1): the chain is broken here") }
                if let last = lastLogged, h.logged < last {
                    fail(seq, .timeBackwards, "logged at \(h.logged), before the previous entry (\(last))")
                }
                lastLogged = max(lastLogged ?? h.logged, h.logged)
            } else if let d = prepared.decoded(i) {
                if d.notCanonical { fail(seq, .notCanonical, "the entry's bytes are not in canonical (RFC 8785) form") }
                if let error = d.error {
                    fail(seq, .malformedEntry, error)
                } else if let e = d.entry {
                    checkSigned(seq: seq, entrySeq: e.seq, prev: e.prev, logged: e.logged, actor: e.statement.actor,
                                witnesses: e.statement.witnesses, signatures: e.signatures, statement: e.statement,
                                log: e.statement.log, message: d.signingInput, jobs: &jobs)
                } else if let f = d.fields {
                    checkSigned(seq: seq, entrySeq: f.header.seq, prev: f.header.prev, logged: f.header.logged,
                                actor: f.actor, witnesses: f.witnesses, signatures: f.signatures, statement: nil, log: f.log, message: d.signingInput, jobs: &jobs)
                }
                // (Seq numbers past 2^32 - 1, four billion entries, are beyond any ledger this keeps in memory.)
                if let h = d.statementHash, let seq32 = UInt32(exactly: seq) {
                    h.withUnsafeBytes { b in
                        statementKeys.append(StatementKey(high: b.loadUnaligned(as: UInt64.self), low: b.loadUnaligned(fromByteOffset: 8, as: UInt32.self), seq: seq32))
                    }
                }
            }
            prevLeaf = leaf
            frontier.append(leaf) { _, _, _ in }
            report.entries += 1
            if checkRoots, wantedSizes.contains(frontier.size) { rootsAtSize[frontier.size] = frontier.root }
            while let cp = pendingCheckpoints.first, cp.treeSize <= frontier.size {
                pendingCheckpoints.removeFirst()
                report.checkpointsChecked += 1
                guard cp.treeSize == frontier.size else {
                    fail(nil, .checkpointMalformed, "a stored checkpoint's size does not match an entry boundary", treeSize: cp.treeSize)
                    continue
                }
                guard let (note, body) = checkStructure(cp, label: "stored checkpoint") else { continue }
                if body.rootHash != frontier.root {
                    fail(nil, .checkpointRootMismatch,
                         "the stored checkpoint of size \(cp.treeSize) does not match the entries: an entry at or before seq \(cp.treeSize - 1) was changed", treeSize: cp.treeSize)
                }
                if let sig = note.signatures.first(where: { $0.keyName == body.origin }), let f = registry.facility {
                    storedOutcomes.append((cp.treeSize, body.rootHash == frontier.root))
                    if options.checkSignatures {
                        jobs.append(SignatureWork.Job(seq: nil, treeSize: cp.treeSize, key: f.publicKey, signature: Signature64(sig.signature),
                                                      message: Array(note.text.utf8)[...]))
                    }
                } else {
                    fail(nil, .checkpointSignature, "the stored checkpoint carries no signature by this ledger's facility key", treeSize: cp.treeSize)
                }
            }
        }
        // Not reached yet: the next rows may reach them (when rows are missing, the tree lags the seq numbers).
        self.pendingCheckpoints = Array(pendingCheckpoints)
        // 3. Ed25519, in the background on all cores, while the next batches are read and decoded. A bounded
        //    number of chunks waits, so memory stays flat; `finish` collects the outcome.
        guard options.checkSignatures, !jobs.isEmpty else { return }
        report.signaturesChecked += jobs.count
        // Handed over as made: each job already holds its message (a slice of the batch's buffer), so the entry's
        // reading is not copied again per signature to find it.
        signatureWork.submit(jobs)
    }

    /// The ordered checks of one signed entry stored at `seq`: its own seq, prev, time, its signers against the
    /// enrolment state before it, and (given its statement) what it changes in that state; the signatures
    /// to check go to `jobs` (`message`: the statement's signing input).
    private mutating func checkSigned(seq: Int, entrySeq: Int, prev: Hash, logged: Timestamp, actor: KeyID, witnesses: some Collection<KeyID>,
                                      signatures: some Collection<some SignatureOfKey>, statement: Statement?, log: String?,
                                      message: ArraySlice<UInt8>, jobs: inout [SignatureWork.Job]) {
        if entrySeq != seq { fail(seq, .seqMismatch, "the entry says it is seq \(entrySeq) but is stored at seq \(seq)") }
        if prev != prevLeaf {
            fail(seq, .prevMismatch, seq == 0 ? "the first entry's prev must be all zeros"
                : "prev does not match the hash of entry \(seq - 1): the chain is broken here")
        }
        if let last = lastLogged, logged < last {
            fail(seq, .timeBackwards, "logged at \(logged), before the previous entry (\(last))")
        }
        lastLogged = max(lastLogged ?? logged, logged)
        // Signers: order, enrolment, revocation (against the state before this entry).
        // The actor, then the witnesses, compared in place (no array of signers built per entry).
        if signatures.count != 1 + witnesses.count || signatures.first?.key != actor
            || !signatures.dropFirst().elementsEqual(witnesses, by: { $0.key == $1 }) {
            fail(seq, .signersMismatch, "the signatures do not match the actor and witnesses in order")
        }
        var genesisKey: SignerPublicKey?
        if seq == 0, let statement, statement.type == CoreStatementType.ledgerCreated {
            genesisKey = LedgerCreated.publicKey(of: statement)
        }
        for s in signatures {
            if let g = genesisKey, s.key == g.keyID {
                jobs.append(SignatureWork.Job(seq: seq, treeSize: nil, key: g, signature: s.signature64, message: message))
                continue
            }
            guard let signer = registry[s.key] else {
                fail(seq, .signerUnknown, "signed by key \(s.key.short), which is not enrolled")
                continue
            }
            if let problem = registry.authorizationProblem(s.key, at: seq) {
                fail(seq, signer.revokedSeq != nil ? .signerRevoked : .signerUnknown, "signed by \(problem)")
            }
            jobs.append(SignatureWork.Job(seq: seq, treeSize: nil, key: signer.publicKey, signature: s.signature64, message: message))
        }
        // v2: the statement names this ledger (checked against the state before it; genesis and upgrade check themselves).
        if seq > 0, let problem = registry.logProblem(log: log, at: seq) {
            fail(seq, .wrongLedger, problem)
        }
        // Without a statement (read in place) the entry is none the enrolment state acts on, and not at seq 0.
        if let statement {
            do { try registry.apply(statement, at: seq) } catch let err as LedgerError {
                fail(seq, .notAllowed, err.message)
            } catch {
                fail(seq, .notAllowed, "\(error)")
            }
        }
        if seq == 0, let expected = options.expectedOrigin, let origin = registry.origin, origin != expected {
            fail(0, .notAllowed, "the ledger's origin is \(origin), not \(expected)")
        }
    }

    /// Parses a checkpoint note and checks its origin; records a failure and returns nil when it is unusable.
    private mutating func checkStructure(_ noteText: String, label: String, treeSize: Int?) -> (SignedNote, Checkpoint)? {
        let note: SignedNote
        let cp: Checkpoint
        do {
            note = try SignedNote.parse(noteText)
            cp = try Checkpoint(body: note.text)
        } catch {
            fail(nil, .checkpointMalformed, "the \(label) is not a valid signed checkpoint (\(error))", treeSize: treeSize)
            return nil
        }
        return checkStructure(note, cp, label: label, treeSize: treeSize)
    }

    /// `checkStructure` of a stored checkpoint, read already.
    private mutating func checkStructure(_ stored: StoredCheckpoint, label: String) -> (SignedNote, Checkpoint)? {
        guard let note = stored.signedNote, let cp = stored.body else {
            fail(nil, .checkpointMalformed, "the \(label) is not a valid signed checkpoint (\(stored.unreadable ?? "unreadable"))", treeSize: stored.treeSize)
            return nil
        }
        return checkStructure(note, cp, label: label, treeSize: stored.treeSize)
    }

    private mutating func checkStructure(_ note: SignedNote, _ cp: Checkpoint, label: String, treeSize: Int?) -> (SignedNote, Checkpoint)? {
        guard let origin = registry.origin, registry.facility != nil else {
            fail(nil, .checkpointMalformed, "the \(label) cannot be checked: the ledger has no valid genesis entry", treeSize: cp.size)
            return nil
        }
        if cp.origin != origin {
            fail(nil, .checkpointOrigin, "the \(label) is for \(cp.origin), not this ledger (\(origin))", treeSize: cp.size)
            return nil
        }
        if let treeSize, cp.size != treeSize {
            fail(nil, .checkpointMalformed, "the \(label) is stored as size \(treeSize) but says \(cp.size)", treeSize: treeSize)
            return nil
        }
        return (note, cp)
    }

    /// Checks a checkpoint kept outside the ledger (by an auditor) against the entries read:
    /// signed by the facility key, and the ledger still holds exactly the entries it commits to.
    /// Call after all rows are consumed; announce its size in `init(checkpointSizes:)`.
    public mutating func check(checkpoint noteText: String, label: String = "checkpoint") {
        report.checkpointsChecked += 1
        // The facility key in force at the checkpoint's size: a key rotated out later still vouches for older checkpoints.
        guard let (note, cp) = checkStructure(noteText, label: label, treeSize: nil), let facility = registry.facility(atTreeSize: cp.size) else { return }
        let size = cp.size
        if !note.verify(keyName: cp.origin, publicKey: facility.publicKey.curve25519) {
            fail(nil, .checkpointSignature, "the \(label) is not signed by this ledger's facility key", treeSize: size)
        }
        if size > report.entries {
            fail(nil, .checkpointBeyondLedger,
                 "the \(label) commits to \(size) entries but the ledger holds only \(report.entries): entries were removed from the end", treeSize: size)
            return
        }
        let root = size == report.entries ? frontier.root : rootsAtSize[size]
        guard let root else {
            fail(nil, .checkpointMalformed, "the \(label)'s size was not announced before verification", treeSize: size)
            return
        }
        if root != cp.rootHash {
            fail(nil, .checkpointRootMismatch,
                 "the \(label) of size \(size) does not match the ledger's entries: an entry at or before seq \(size - 1) was changed", treeSize: size)
            if note.verify(keyName: cp.origin, publicKey: facility.publicKey.curve25519) { keptMismatches.append((size, label)) }
        }
    }

    /// The report; call once, after every row and checkpoint.
    public mutating func finish() -> VerificationReport {
        for cp in pendingCheckpoints {
            fail(nil, .checkpointBeyondLedger, "a stored checkpoint commits to \(cp.treeSize) entries but the ledger holds only \(frontier.size): entries were removed from the end", treeSize: cp.treeSize)
        }
        pendingCheckpoints = []
        var badCheckpointSizes = Set<Int>()
        for bad in signatureWork.finish() {
            if let size = bad.treeSize {
                badCheckpointSizes.insert(size)
                fail(nil, .checkpointSignature, "the stored checkpoint's signature does not verify with the facility key", treeSize: size)
            } else {
                fail(bad.seq, .signatureInvalid, "the signature by key \(bad.key.keyID.short) does not verify: the statement was changed or signed with another key")
            }
        }
        if report.entries == 0 { fail(nil, .emptyLedger, "the ledger has no entries, not even the genesis entry") }
        checkCoverage(badCheckpointSizes: badCheckpointSizes)
        checkDuplicates()
        report.rootHash = frontier.root
        report.failures.sort { ($0.seq ?? Int.max, $0.treeSize ?? 0) < ($1.seq ?? Int.max, $1.treeSize ?? 0) }
        return report
    }

    /// v2: every entry is covered by a checkpoint the facility key signed and the entries match; two signed
    /// checkpoints that cannot both hold are a fork. (Chain only, checkpoints' signatures are not checked.)
    private mutating func checkCoverage(badCheckpointSizes: Set<Int>) {
        let good = storedOutcomes.filter { $0.matches && !badCheckpointSizes.contains($0.size) }
        let covered = good.map(\.size).max() ?? 0
        report.coveredSize = covered
        if options.requireCoverage, report.entries > 0, covered < report.entries {
            fail(covered, .uncovered, covered == 0
                ? "no checkpoint signed by the facility key covers the ledger: entries 0 to \(report.entries - 1) are vouched for by no signature"
                : "entries \(covered) to \(report.entries - 1) follow the latest signed checkpoint (\(covered) entries): no signature vouches for them; they were added, or the checkpoints that covered them removed, without the facility key")
        }
        guard covered > 0 else { return }
        let forks = storedOutcomes.filter { !$0.matches && !badCheckpointSizes.contains($0.size) && $0.size <= covered }.map { ($0.size, "stored checkpoint") }
            + keptMismatches.filter { $0.size <= covered }.map { ($0.size, $0.label) }
        for (size, label) in forks where options.checkSignatures {
            fail(nil, .checkpointFork, "the facility key signed two histories: the \(label) of size \(size) and the ledger's checkpoint of size \(covered) both carry its signature but cannot both be true (keep both notes: together they prove it)", treeSize: size)
        }
    }

    /// v2: a signed statement is recorded once; every later copy is reported with the seq of the first.
    private mutating func checkDuplicates() {
        guard statementKeys.count > 1 else { return }
        statementKeys.sort()
        var i = 0
        while i < statementKeys.count {
            var j = i + 1
            while j < statementKeys.count, statementKeys[j].high == statementKeys[i].high, statementKeys[j].low == statementKeys[i].low {
                fail(Int(statementKeys[j].seq), .duplicateStatement, "the same signed statement as seq \(statementKeys[i].seq) is recorded again (a replay)")
                j += 1
            }
            i = j
        }
        statementKeys = []
    }

    /// Runs `body(i)` for i in 0..<n on all cores, in chunks.
    static func parallel(_ n: Int, _ body: (Int) -> Void) {
        if n < 64 {
            for i in 0..<n { body(i) }
            return
        }
        let chunks = min(n, 64)
        withoutActuallyEscaping(body) { body in
            // Safe: concurrentPerform returns only after every iteration has finished, and callers
            // give each index its own output slot, so no two threads touch the same memory.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = n * c / chunks, hi = n * (c + 1) / chunks
                for i in lo..<hi { shared.value(i) }
            }
        }
    }
}

/// Carries a value into a concurrent closure; see the call site for why that is safe there.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
