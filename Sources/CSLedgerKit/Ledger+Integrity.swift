import Foundation
import LedgerCore
import LedgerStore
import Synchronization

/// The check every answer and every append stands on: the file holds exactly what the facility key
/// signed, and the tables kept beside the entries are what those entries give.
///
/// 1. The hash chain and the Merkle tree of every entry, and the latest checkpoint: it covers every entry,
///    its root is the entries' root, and it is signed by the facility key the entries name (the genesis
///    key, or the key a signed `facility.key_rotated` entry handed over to).
/// 2. The derived tables: their digest equals the one the facility key sealed for that very checkpoint;
///    or, without such a seal, every table rebuilt from the entries equals the file's, row by row.
///
/// Anyone who can write the file but holds no key can remove, reorder, insert or replay entries, or change
/// any table, but cannot make step 1 or 2 pass again. Costs about a chain-only verification and one read of
/// the tables (a second or two at a million entries); `verify` does the same with every signature.
extension Ledger {
    /// What `integrity()` found.
    public struct IntegrityReport: Sendable {
        /// Entries covered by the latest signed checkpoint (all of them, when clean).
        public let size: Int
        public let root: Hash
        /// The first problem, in words, or nil when clean.
        public let problem: String?
        /// The facility key in force at `size` (the one that must sign the next checkpoint).
        public let facility: SignerPublicKey?
        /// True when a seal vouched for the tables (false: they were rebuilt from the entries and compared).
        public let sealed: Bool
        public var isClean: Bool { problem == nil }
    }

    /// Checks the file (see the type's documentation) without changing it.
    public func integrity() throws -> IntegrityReport {
        // The tables' digest is read on a connection of its own while the chain is checked on every core.
        let database = self.database
        let digest = BackgroundValue { try database.derivedDigest() }
        let chain = try verify(checkSignatures: false)
        func refused(_ problem: String) -> IntegrityReport {
            IntegrityReport(size: chain.coveredSize, root: chain.rootHash, problem: problem, facility: nil, sealed: false)
        }
        if let first = chain.failures.first {
            return refused("the entries do not match the ledger's signed checkpoints (\(first))")
        }
        guard let latest = try database.checkpoint(size: chain.entries) else {
            return refused("no signed checkpoint covers all \(chain.entries) entries")
        }
        guard let facility = try facilityKey(atTreeSize: chain.entries, origin: origin()) else {
            return refused("the facility key that must sign the latest checkpoint cannot be found in the entries")
        }
        guard let note = try? SignedNote.parse(latest.note), note.verify(keyName: try origin(), publicKey: facility.curve25519) else {
            return refused("the latest checkpoint (\(latest.treeSize) entries) is not signed by the facility key \(facility.keyID.short) the entries name")
        }
        if let seal = try database.latestSeal(), seal.size == chain.entries, seal.root == chain.rootHash,
           seal.isValid(origin: try origin(), facility: facility), try digest.value() == seal.digest {
            return IntegrityReport(size: chain.entries, root: chain.rootHash, problem: nil, facility: facility, sealed: true)
        }
        let derived = try database.checkDerivedTables(projections: projections, limit: 1)
        if let m = derived.mismatches.first {
            return refused("a table kept beside the entries disagrees with them: \(m)\(m.seq.map { " (seq \($0))" } ?? "")")
        }
        if let r = derived.refusals.first {
            return refused("entry \(r.seq) breaks the ledger's rules when the entries are replayed: \(r.message)")
        }
        return IntegrityReport(size: chain.entries, root: chain.rootHash, problem: nil, facility: facility, sealed: false)
    }

    /// `integrity()`, again if another process appended while it ran (the check reads the file more than
    /// once; a tampered file fails every time, a growing one passes once it holds still).
    func settledIntegrity() throws -> IntegrityReport {
        var before = try database.size()
        var report = try integrity()
        for _ in 0..<3 where !report.isClean {
            let now = try database.size()
            guard now != before else { break }
            before = now
            report = try integrity()
        }
        return report
    }

    /// Throws `ledger-tampered` (exit 1) unless `integrity()` is clean: for every command that answers from the file.
    public func requireIntegrity() throws {
        if database.isTrusted() { return }
        let version = try? database.writerDataVersion()
        let report = try settledIntegrity()
        if report.isClean, let version { database.trust(version: version) }
        if let problem = report.problem {
            throw LedgerError(.ledgerTampered, "\(problem); nothing was answered from this file: run `csledger verify` to see every problem, then restore the file from a backup or rebuild its tables with `csledger repair` (docs/RELIABILITY.md)")
        }
    }

    /// `requireIntegrity` before an append: a file that fails it gets no new entry (exit 3), and the facility
    /// key given must be the one the entries name.
    package func requireIntegrityForAppend(facilityKey: SignerKey) throws {
        // This process checked the file before its first append and no one else has written since.
        if database.isTrusted() { return }
        let version = try database.writerDataVersion()
        let report = try settledIntegrity()
        if report.isClean { database.trust(version: version) }
        if let problem = report.problem {
            throw LedgerError(.ledgerCorrupt, "\(problem); nothing was written: run `csledger verify`, then restore the file from a backup or record the damage as docs/RELIABILITY.md says")
        }
        if let f = report.facility, f.keyID != facilityKey.keyID {
            throw LedgerError(.signatureInvalid, "the facility key given (\(facilityKey.keyID.short)) is not the one this ledger's entries name (\(f.keyID.short)); checkpoints must be signed by it")
        }
    }

    /// Runs `append` with the store told to refuse it (`ledger-changed`, nothing written) if anyone else committed
    /// to the file since this process found it sound; then checks the file again and retries (`retryingWhileChanged`).
    /// A retry's check and append run with the append authority's head lock held (a ledger in PostgreSQL): processes
    /// sharing one mirror (two commands run at once with the default mirror) then take turns, where otherwise the one
    /// re-checking would find the other had committed to the mirror again meanwhile, every time, until it gave up.
    package func appendRetryingWhileChanged<T>(facilityKey: SignerKey, _ append: () throws -> T) throws -> T {
        database.requireTrustBeforeAppend()
        return try Self.retryingWhileChanged { changed in
            guard changed else { return try append() }
            return try database.holdingAppendAuthority {
                try requireIntegrityForAppend(facilityKey: facilityKey)
                return try append()
            }
        }
    }

    /// Runs `append` (told whether the file changed since the last try), again while another process keeps
    /// committing between this process's check and its append (`ledger-changed`); a few tries, then the error.
    package static func retryingWhileChanged<T>(_ append: (Bool) throws -> T) throws -> T {
        var changed = false
        for _ in 0..<20 {
            do { return try append(changed) } catch let e as LedgerError where e.code == .ledgerChanged {
                changed = true
            }
        }
        throw LedgerError(.ledgerChanged, "other processes kept writing to the ledger file while this one checked it; nothing was written, try again (or write through csledgerd)")
    }

    /// Ledgers this process appended to and has not sealed since, by path (one seal per process, not per
    /// append: a seal reads every table, and a process may append many times).
    static let unsealed = Mutex<[String: (Ledger, SignerKey)]>([:])

    /// Seals every ledger this process appended to (the command line calls it once its command is done).
    /// A ledger someone else wrote to meanwhile is checked first, and left unsealed if it fails.
    package static func sealAppended() {
        let pending = unsealed.withLock { p in defer { p = [:] }; return p }
        for (ledger, key) in pending.values { try? ledger.sealIfSound(facilityKey: key) }
    }

    /// Seals the tables as they now stand, if this process found them sound and nobody else has written since
    /// (csledgerd at start and when it stops): a table changed behind its back is never sealed.
    package func sealIfSound(facilityKey: SignerKey) throws {
        try requireIntegrityForAppend(facilityKey: facilityKey)
        try seal(facilityKey: facilityKey)
    }

    /// Seals the tables as they now stand with the facility key (after a checked append or a repair), so the
    /// next reader need not rebuild them. Call only after `integrity()` was clean before this process wrote.
    package func seal(facilityKey: SignerKey) throws {
        let (size, root, digest) = try sealInputs()
        try database.store(seal: StateSeal(origin: try origin(), size: size, root: root, digest: digest, facilityKey: facilityKey))
    }

    private func sealInputs() throws -> (Int, Hash, Hash) {
        guard let (cp, digest) = try database.latestCheckpointAndDigest(), let note = try? SignedNote.parse(cp.note),
              let body = try? Checkpoint(body: note.text) else {
            throw LedgerError(.ledgerCorrupt, "the ledger has no signed checkpoint to seal its tables with; run csledger verify")
        }
        return (cp.treeSize, body.rootHash, digest)
    }

    /// The facility key that signs the checkpoint of `treeSize` entries, from the entries themselves: the
    /// genesis entry's key, then each `facility.key_rotated` entry's in turn (each read from its bytes, which
    /// the chain check has tied to the signed root).
    func facilityKey(atTreeSize treeSize: Int, origin: String) throws -> SignerPublicKey? {
        guard let genesisBytes = try database.entryBytes(0), let genesis = try? Entry.decode(canonicalBytes: genesisBytes),
              genesis.statement.type == CoreStatementType.ledgerCreated,
              var key = LedgerCreated.publicKey(of: genesis.statement) else { return nil }
        var rotations: [Int] = []
        try database.forEachBatch(type: CoreStatementType.facilityKeyRotated) { rows in
            rotations += rows.map(\.seq)
            return true
        }
        for seq in rotations where seq < treeSize {
            guard let bytes = try database.entryBytes(seq), let e = try? Entry.decode(canonicalBytes: bytes),
                  e.statement.actor == key.keyID, let nextKey = FacilityKeyRotated.newKey(of: e.statement) else { continue }
            key = nextKey
        }
        return key
    }
}
