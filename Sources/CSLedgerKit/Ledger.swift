import Dispensing
import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore

/// A ledger file and what people do with it: create, enrol, append, verify, prove.
///
/// Every write goes through `append`, which signs a new checkpoint with the
/// facility key in the same transaction.
public struct Ledger: Sendable {
    package let database: LedgerDatabase
    /// The projections (tables kept for speed) every append updates: the dispensing records.
    package var projections: [any LedgerProjection] = Ledger.defaultProjections
    /// The projections of a ledger opened as it is (`open`, `create`).
    package static var defaultProjections: [any LedgerProjection] { [DispensingProjection()] }

    package init(database: LedgerDatabase) { self.database = database }

    /// The personal data kept off the chain beside this ledger.
    package var personalData: PersonalData { PersonalData(database: database) }

    /// The schema migrations the ledger file at `path` still needs (`open` for writing applies them).
    public static func pendingMigrations(path: String) throws -> [String] {
        if PostgresAddress.isAddress(path) { return [] }  // the mirror is built by this csledger
        return try LedgerDatabase.pendingMigrations(path: path)
    }

    /// Opens the ledger at `path`: a ledger file, or a ledger in PostgreSQL (`postgresql://USER@HOST:PORT/DB?ledger=ORIGIN`)
    /// through this process's local mirror of it (`mirror`, default in the cache folder; see `PostgresLedger`), which
    /// is brought up to date, every row checked, before this returns. The one place a `--ledger` becomes a ledger.
    public static func open(path: String, readOnly: Bool = false, mirror: String? = nil) throws -> Ledger {
        if PostgresAddress.isAddress(path) {
            // A mirror kept from an earlier run is checked (against its seal, or rebuilt) before the rows it lacks come in.
            return Ledger(database: try PostgresLedger.open(try PostgresAddress(path), mirrorPath: mirror, projections: defaultProjections,
                                                            isSound: { (try? Ledger(database: $0).integrity().isClean) ?? false }))
        }
        return Ledger(database: try LedgerDatabase.open(path: path, readOnly: readOnly))
    }

    /// The ledger's origin (its unique name, the checkpoint key name).
    public func origin() throws -> String {
        guard let o = try database.meta("origin") else { throw LedgerError(.ledgerCorrupt, "the ledger has no origin recorded") }
        return o
    }

    /// The facility key id recorded at creation.
    public func facilityKeyID() throws -> KeyID {
        guard let k = try database.meta("facility_key_id").flatMap(KeyID.init) else {
            throw LedgerError(.ledgerCorrupt, "the ledger has no facility key recorded")
        }
        return k
    }

    /// Creates a ledger file: the schema, the genesis entry (`ledger.created`) signed by the facility key,
    /// and the first checkpoint. Refuses an existing file; on any failure leaves no file behind.
    public static func create(path: String, origin: String, facilityName: String, deaNumber: String,
                              facilityKey: SignerKey, extraBody: [String: JSONValue] = [:],
                              time: Timestamp = .now(), mirror: String? = nil) throws -> Ledger {
        guard SignerRegistry.isValidOrigin(origin) else {
            throw LedgerError(.invalidArgument, "origin \"\(origin.prefix(60))\" must be a name without spaces or '+', such as clinic.example.org/ledger")
        }
        let dea: DEANumber
        do { dea = try DEANumber(deaNumber) } catch { throw LedgerError(.invalidArgument, "\(error)") }
        guard !facilityName.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw LedgerError(.invalidArgument, "the facility name must not be empty")
        }
        let genesis = LedgerCreated(origin: origin, publicKey: facilityKey.publicKey, facilityName: facilityName, deaNumber: dea.description)
        let body = extraBody.merging(genesis.body) { _, typed in typed }
        let statement = try Statement(type: CoreStatementType.ledgerCreated, time: time, actor: facilityKey.keyID, log: origin, body: body)
        let signed = try SignedStatement(statement: statement, actorKey: facilityKey)
        let postgres = PostgresAddress.isAddress(path) ? try PostgresAddress(path) : nil
        if let postgres, try postgres.requireOrigin() != origin {
            throw LedgerError(.invalidArgument, "the address names the ledger \(postgres.origin ?? "") but --origin is \(origin.prefix(60)); give the same origin in both")
        }
        let db = try postgres.map { try PostgresLedger.create($0, mirrorPath: mirror) } ?? LedgerDatabase.create(path: path)
        do {
            let ledger = Ledger(database: db)
            try db.append([signed], checkpointSigner: CheckpointSigner(origin: origin, key: facilityKey))
            try ledger.seal(facilityKey: facilityKey)
            return ledger
        } catch {
            if let postgres { PostgresLedger.discard(postgres, mirrorPath: mirror); throw error }
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw error
        }
    }

    /// The signer of this ledger's checkpoints, after checking `facilityKey` is the facility's.
    package func checkpointSigner(facilityKey: SignerKey) throws -> CheckpointSigner {
        let expected = try facilityKeyID()
        guard facilityKey.keyID == expected else {
            throw LedgerError(.signatureInvalid, "the facility key given (\(facilityKey.keyID.short)) is not this ledger's facility key (\(expected.short))")
        }
        return CheckpointSigner(origin: try origin(), key: facilityKey)
    }

    /// Appends signed statements (one transaction, one new checkpoint).
    @discardableResult
    public func append(_ statements: [SignedStatement], facilityKey: SignerKey) throws -> [LedgerDatabase.Appended] {
        // Never sign a checkpoint over a history or tables nobody checked (an append never launders): the
        // store refuses while anyone else has committed since this process checked the file; check, and again.
        // (The store compares the key with the facility key the checked file names.)
        let signer = CheckpointSigner(origin: try database.keptOrigin ?? origin(), key: facilityKey)
        let appended = try appendRetryingWhileChanged(facilityKey: facilityKey) {
            try database.append(statements, checkpointSigner: signer, projections: projections)
        }
        Self.unsealed.withLock { $0[database.path] = (self, facilityKey) }
        return appended
    }

    /// Signs `body` as a statement of `type` by `key` (and witnesses), then appends it.
    @discardableResult
    package func record(type: String, body: [String: JSONValue], key: SignerKey, witnessKeys: [SignerKey] = [],
                       facilityKey: SignerKey, time: Timestamp = .now()) throws -> LedgerDatabase.Appended {
        let statement = try Statement(type: type, time: time, actor: key.keyID, witnesses: witnessKeys.map(\.keyID), log: try origin(), body: body)
        let signed = try SignedStatement(statement: statement, actorKey: key, witnessKeys: witnessKeys)
        return try append([signed], facilityKey: facilityKey)[0]
    }

    /// Signs a typed body (its statement type is the body's) by `key` (and witnesses), then appends it.
    @discardableResult
    public func record(_ body: some StatementBody, key: SignerKey, witnessKeys: [SignerKey] = [],
                       facilityKey: SignerKey, time: Timestamp = .now()) throws -> LedgerDatabase.Appended {
        try record(type: type(of: body).type, body: body.body, key: key, witnessKeys: witnessKeys, facilityKey: facilityKey, time: time)
    }

    /// Enrols a signer (an `actor.enrolled` entry signed by an admin).
    @discardableResult
    public func enroll(name: String, role: Role, publicKey: SignerPublicKey, adminKey: SignerKey,
                       facilityKey: SignerKey) throws -> LedgerDatabase.Appended {
        try record(type: CoreStatementType.actorEnrolled, body: try ActorEnrolled.enrolling(name: name, role: role, publicKey: publicKey).body,
                   key: adminKey, facilityKey: facilityKey)
    }

    /// Revokes a signer (an `actor.revoked` entry signed by an admin); its later signatures no longer count.
    @discardableResult
    public func revoke(keyID: KeyID, reason: String?, adminKey: SignerKey, facilityKey: SignerKey) throws -> LedgerDatabase.Appended {
        try record(type: CoreStatementType.actorRevoked, body: ActorRevoked(key: keyID, reason: reason).body, key: adminKey, facilityKey: facilityKey)
    }

    /// The facility's private key, found the one way every command and the daemon find it: the path given
    /// (`--facility-key`, else `$CSLEDGER_FACILITY_KEY`), else the signer's own key when it is the facility's,
    /// else the path recorded at init. `purpose` says what it signs, for the error when none is found.
    package func facilityKey(path given: String?, signer: SignerKey? = nil, purpose: String = "the new checkpoint") throws -> SignerKey {
        if let path = given ?? ProcessInfo.processInfo.environment["CSLEDGER_FACILITY_KEY"] {
            return try KeyFiles.loadPrivateKey(path: path)
        }
        if let signer, signer.keyID == (try facilityKeyID()) { return signer }
        guard let recorded = try database.meta("facility_key_path") else {
            throw LedgerError(.keyFileMissing, "the facility key is needed to sign \(purpose); pass --facility-key PATH")
        }
        return try KeyFiles.loadPrivateKey(path: recorded)
    }

    /// The latest signed checkpoint note.
    public func checkpoint() throws -> LedgerDatabase.StoredCheckpoint {
        guard let cp = try database.latestCheckpoint() else {
            throw LedgerError(.ledgerCorrupt, "the ledger has no signed checkpoint; run verify")
        }
        return cp
    }

    /// A C2SP tlog-proof that entry `seq` is in the tree of the latest checkpoint.
    public func inclusionProof(seq: Int) throws -> TlogProof {
        // The checkpoint and the proof come from one snapshot (one read), so they always agree.
        guard let (cp, path) = try database.inclusionProofAtLatestCheckpoint(index: seq) else {
            throw LedgerError(.ledgerCorrupt, "the ledger has no signed checkpoint; run verify")
        }
        guard seq >= 0, seq < cp.treeSize else {
            throw LedgerError(.notFound, "entry \(seq) is not covered by the latest checkpoint (\(cp.treeSize) entries)")
        }
        return try TlogProof(index: seq, path: path, checkpoint: try SignedNote.parse(cp.note))
    }

    /// An RFC 9162 consistency proof from `oldSize` to the latest checkpoint.
    public func consistencyProof(oldSize: Int) throws -> (newSize: Int, path: [Hash]) {
        guard let (cp, path) = try database.consistencyProofToLatestCheckpoint(oldSize: oldSize) else {
            throw LedgerError(.ledgerCorrupt, "the ledger has no signed checkpoint; run verify")
        }
        guard oldSize >= 1, oldSize <= cp.treeSize else {
            throw LedgerError(.invalidArgument, "the old size must be between 1 and \(cp.treeSize), the latest checkpoint's size")
        }
        return (cp.treeSize, path)
    }

    /// The lot id for a lot number printed on the label (and the NDC when the number is not unique).
    package func lotID(lot: String, ndc: String?) throws -> String {
        try InventoryReport.lotID(database, lot: lot, ndc: ndc)
    }

    /// The inventory at `asOf` (event time), for one lot or all.
    public func inventory(asOf: Timestamp? = nil, lot: String? = nil) throws -> InventoryReport {
        try requireIntegrity()
        return try InventoryReport.compute(database, asOf: asOf, lot: lot)
    }

    /// The patient reference on prescription `rx`.
    package func prescriptionPatient(rx: String) throws -> String {
        guard let ref = try PrescriptionLookup.patient(database, rx: rx) else {
            throw LedgerError(.notFound, "prescription \(rx.prefix(40)) is not recorded; record it with `csledger rx add` first")
        }
        return ref
    }

    /// The folder beside the ledger file for files whose hash an entry records (`<ledger>.files`).
    package var filesDirectory: URL { URL(fileURLWithPath: database.path + ".files") }

    /// Keeps a copy of `data` beside the ledger as `<ledger>.files/<folder>/<sha256>.<ext>`.
    package func keepFile(_ data: Data, sha256: String, folder: String, extension ext: String) throws {
        let dir = filesDirectory.appendingPathComponent(folder)
        let safeExt = ext.filter { $0.isLetter || $0.isNumber }.prefix(8)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let url = dir.appendingPathComponent(safeExt.isEmpty ? sha256 : "\(sha256).\(safeExt)")
            if !FileManager.default.fileExists(atPath: url.path) { try data.write(to: url, options: .atomic) }
        } catch {
            throw LedgerError(.storage, "cannot keep the file in \(dir.path)")
        }
    }
}
