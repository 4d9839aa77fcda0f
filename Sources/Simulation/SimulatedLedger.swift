import CSLedgerKit
import Dispatch
import Foundation
import LedgerCore
import LedgerStore

/// A ledger written through the real append path (signatures, enrolment, the dispensing projection,
/// checkpoints) with statements dated in the past. The ledger's clock (`logged`) is simulated too, so a
/// record written "the same evening" looks that way: every batch is appended with a clock the caller sets.
///
/// Statements are staged one by one (each learns its seq at once) and signed on all cores when the batch
/// is flushed, so a million-entry ledger is built in minutes.
package final class SimulatedLedger {
    package let ledger: Ledger
    package let origin: String
    package private(set) var keys: [String: SignerKey] = [:]
    package private(set) var nextSeq = 0
    package private(set) var lastClock: Timestamp
    /// Anything the owner wants kept alive as long as the ledger (a temporary folder, say).
    package var keepAlive: AnyObject?

    private struct Pending {
        let statement: Statement
        let actor: SignerKey
        let witnesses: [SignerKey]
    }
    private var pending: [Pending] = []

    /// Deterministic keys: the same name always gives the same key.
    package static func key(_ name: String) -> SignerKey {
        // A SHA-256 digest is always a valid Ed25519 seed.
        try! SignerKey(seed: Hash.sha256(Array("csledger reconciliation fixture \(name)".utf8)).bytes)
    }

    /// Creates the ledger file at `path` (genesis at `created`) and enrols `people` as (key name, person's name, role).
    /// The origin simulated ledgers get unless told otherwise.
    package static let defaultOrigin = "recon.test.example/ledger"

    package init(path: String, origin: String = SimulatedLedger.defaultOrigin, created: Timestamp,
                people: [(String, String, Role)]) throws {
        self.origin = origin
        let facility = Self.key("facility")
        keys["facility"] = facility
        let db = try LedgerDatabase.create(path: path)
        let genesis = try Statement(type: CoreStatementType.ledgerCreated, time: created, actor: facility.keyID, log: origin, body: LedgerCreated(
            origin: origin, publicKey: facility.publicKey, facilityName: "Reconciliation Test Clinic", deaNumber: "BD1234563").body)
        let clock = created.adding(milliseconds: 60_000)
        try db.append([try SignedStatement(statement: genesis, actorKey: facility)],
                      checkpointSigner: CheckpointSigner(origin: origin, key: facility), clock: { clock })
        ledger = Ledger(database: db)
        nextSeq = 1
        lastClock = clock
        for (name, person, role) in people {
            let k = Self.key(name)
            keys[name] = k
            try stage(ActorEnrolled(name: person, role: role, publicKey: k.publicKey), by: "facility", at: created)
        }
        try flush(clock: created.adding(milliseconds: 120_000))
    }

    /// The key called `name`.
    package func key(named name: String) throws -> SignerKey {
        guard let k = keys[name] else { throw LedgerError(.invalidArgument, "the simulation has no key called \(name)") }
        return k
    }

    /// Builds a statement of a typed body and queues it for signing; returns the seq it will have.
    @discardableResult
    package func stage(_ body: some StatementBody, by actor: String, witnesses: [String] = [], at time: Timestamp) throws -> Int {
        try stage(type(of: body).type, body.body, by: actor, witnesses: witnesses, at: time)
    }

    /// Builds a statement and queues it for signing; returns the seq it will have.
    @discardableResult
    package func stage(_ type: String, _ body: [String: JSONValue], by actor: String, witnesses: [String] = [],
                      at time: Timestamp) throws -> Int {
        let a = try key(named: actor)
        let w = try witnesses.map { try key(named: $0) }
        let statement = try Statement(type: type, time: time, actor: a.keyID, witnesses: w.map(\.keyID), log: origin, body: body)
        pending.append(Pending(statement: statement, actor: a, witnesses: w))
        defer { nextSeq += 1 }
        return nextSeq
    }

    /// Signs the queued statements (on all cores) and appends them in one transaction, with the ledger's clock at
    /// `clock` (or the latest statement's time, if later).
    /// Seals the tables as they stand with the facility key (see `Ledger.seal`): readers then need no rebuild.
    package func seal() throws {
        try ledger.seal(facilityKey: keys["facility"]!)
    }

    package func flush(clock: Timestamp) throws {
        guard !pending.isEmpty else { return }
        // Never before the latest statement staged: a busy day's last records may run past the usual hour.
        let c = max(clock, lastClock, pending.map(\.statement.time).max()!)
        let batch = pending
        pending = []
        do {
            // Signed and their signatures checked on all cores; the writer confirms the keys are enrolled.
            let checked = try Self.sign(batch, publicKeys: publicKeys)
            try ledger.database.append(checked: checked, checkpointSigner: ledger.checkpointSigner(facilityKey: keys["facility"]!),
                                       projections: ledger.projections, clock: { c })
        } catch {
            nextSeq -= batch.count  // nothing was written
            throw error
        }
        lastClock = c
    }

    /// The public keys of every key the simulation has (enrolled or not: the writer decides).
    private var publicKeys: [KeyID: SignerPublicKey] {
        Dictionary(uniqueKeysWithValues: keys.values.map { ($0.keyID, $0.publicKey) })
    }

    private static func sign(_ batch: [Pending], publicKeys: [KeyID: SignerPublicKey]) throws -> [CheckedStatement] {
        let results = ParallelSlots<Result<CheckedStatement, any Error>>(count: batch.count)
        DispatchQueue.concurrentPerform(iterations: min(batch.count, 64)) { chunk in
            let lo = batch.count * chunk / min(batch.count, 64), hi = batch.count * (chunk + 1) / min(batch.count, 64)
            for i in lo..<hi {
                let p = batch[i]
                results[i] = Result {
                    try CheckedStatement.check(try SignedStatement(statement: p.statement, actorKey: p.actor, witnessKeys: p.witnesses),
                                               publicKey: { publicKeys[$0] })
                }
            }
        }
        return try results.values.map { try $0.get() }
    }

    /// Adds a key for a name (e.g. a second key for the same person) without enrolling it.
    @discardableResult
    package func addKey(_ name: String) -> SignerKey {
        let k = Self.key(name)
        keys[name] = k
        return k
    }

    /// Writes every key as PEM files into `directory` (for CLI tests).
    package func writeKeyFiles(directory: String) throws {
        for (name, k) in keys { try KeyFiles.generate(name: name, directory: directory, key: k) }
    }
}

