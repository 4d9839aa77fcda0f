import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore
import LedgerStore
import Reconciliation
import Synchronization

/// What the dashboard's pages read, each read behind the integrity gate (`Ledger.requireIntegrity`): no page
/// is ever answered from a table that disagrees with the signed entries.
///
/// The reconciliation (every rule over every entry) is the costly read: its facts are kept as entries are
/// appended (`ReconciliationState`: each run reads only the new entries), and its report is kept, keyed by the
/// ledger's size, and reused until an entry is appended or `maximumAge` passes (some findings are due
/// by the clock alone, e.g. a parcel in transit too long, so a kept report also ages out).
package final class DashboardData: Sendable {
    package let ledger: Ledger
    package let maximumAge: Duration
    /// The witnesses whose cosignatures the overview shows (csledgerd's `--witness` list): a line in the
    /// file counts only when it verifies against one of these keys.
    package let witnesses: [Cosignature.Witness]
    /// The reconciliation's facts, extended after each append.
    package let state: ReconciliationState
    private struct Kept: Sendable {
        let size: Int
        let at: ContinuousClock.Instant
        let report: ReconciliationReport
    }
    private let kept = Mutex<Kept?>(nil)
    /// One reconciliation at a time: a burst of page loads after an append waits for one run, not one each.
    private let running = Mutex<Void>(())
    private let runs = Atomic<Int>(0)

    package init(ledger: Ledger, maximumAge: Duration = .seconds(300), reconciliation: ReconciliationState = ReconciliationState(),
                witnesses: [Cosignature.Witness] = []) {
        self.ledger = ledger
        self.state = reconciliation
        self.maximumAge = maximumAge
        self.witnesses = witnesses
    }

    /// How many times the reconciliation actually ran (tests and the benchmark read it).
    package var reconciliationRuns: Int { runs.load(ordering: .relaxed) }

    /// The reconciliation as of now over every entry (rules 1-10; the integrity gate stands for rule 11).
    package func reconciliation() throws -> ReconciliationReport {
        try ledger.requireIntegrity()
        func fresh() throws -> ReconciliationReport? {
            let size = try ledger.database.size()
            return kept.withLock { slot in
                guard let k = slot, k.size == size, ContinuousClock.now - k.at < maximumAge else { return nil }
                return k.report
            }
        }
        if let r = try fresh() { return r }
        return try running.withLock { _ in
            if let r = try fresh() { return r }
            let size = try ledger.database.size()
            let started = ContinuousClock.now
            let report = try ledger.reconcile(verify: false, state: state)
            runs.add(1, ordering: .relaxed)
            // Keyed by the size read before the run: an entry appended meanwhile makes the next page run it again.
            kept.withLock { $0 = Kept(size: size, at: started, report: report) }
            return report
        }
    }

    /// The latest signed checkpoint: its size, and when its last entry was logged.
    package func checkpoint() throws -> (size: Int, time: Timestamp?) {
        try ledger.requireIntegrity()
        let cp = try ledger.checkpoint()
        let time = try ledger.database.entryBytes(cp.treeSize - 1).flatMap { try? Entry.decode(canonicalBytes: $0) }?.logged
        return (cp.treeSize, time)
    }

    /// What one witness has vouched for: the largest checkpoint of this ledger it validly cosigned.
    package struct WitnessView: Sendable {
        package let name: String
        /// The size of the largest checkpoint it cosigned, nil if none verifies.
        package let treeSize: Int?
        /// The time in its cosignature.
        package let time: Timestamp?
        /// False when the checkpoint it cosigned is not the one this ledger holds at that size: the witness
        /// saw another history (a fork), which the officer must know first.
        package let matchesLedger: Bool
    }

    /// Each configured witness's largest valid cosignature, checked against the ledger's own signed
    /// checkpoint of that size (behind the integrity gate).
    package func witnessCosignatures() throws -> [WitnessView] {
        guard !witnesses.isEmpty else { return [] }
        try ledger.requireIntegrity()
        let cosigned = try CosignedCheckpoint.valid(in: ledger.database, witnesses: witnesses)
        return try witnesses.map { w in
            guard let c = cosigned.first(where: { $0.cosigners.contains { $0.name == w.name } }),
                  let line = c.cosigners.first(where: { $0.name == w.name }) else {
                return WitnessView(name: w.name, treeSize: nil, time: nil, matchesLedger: true)
            }
            let own = try ledger.database.checkpoint(size: c.checkpoint.size).flatMap { try? SignedNote.parse($0.note) }
            return WitnessView(name: w.name, treeSize: c.checkpoint.size,
                               time: Timestamp(millisecondsSinceEpoch: Int64(clamping: line.time) * 1000),
                               matchesLedger: own?.text == c.note.text)
        }
    }

    /// The perpetual inventory now or as of a time (`Ledger.inventory` checks integrity itself).
    package func inventory(asOf: Timestamp? = nil, lot: String? = nil) throws -> InventoryReport {
        try ledger.inventory(asOf: asOf, lot: lot)
    }

    /// The signers (staff), by key.
    package func signers() throws -> [KeyID: Signer] {
        try ledger.requireIntegrity()
        return Dictionary(try ledger.database.signers().map { ($0.keyID, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// One change to a lot's balance.
    package struct Movement: Sendable {
        package let seq: Int
        package let kind: String
        package let micros: Int64
        package let time: Timestamp
        /// The balance after it (event-time order, then seq).
        package let balance: Int64
    }

    /// One physical count of a lot.
    /// One physical count of a lot: the dispensing record itself.
    package typealias Count = DispensingRecords.Count

    /// A lot's movements and counts up to `asOf` (event time; all when nil), in event-time order.
    package func lotHistory(lotID: String, asOf: Timestamp? = nil) throws -> (movements: [Movement], counts: [Count]) {
        try ledger.requireIntegrity()
        let (moves, counts) = try DispensingRecords.lotHistory(ledger.database, lotID: lotID, asOf: asOf)
        var balance: Int64 = 0
        return (moves.map { m in
                    balance += m.micros
                    return Movement(seq: m.seq, kind: m.kind, micros: m.micros, time: m.time, balance: balance)
                },
                counts)
    }

    /// A parcel (the `shipments` record, whose fields it reads through), with what its delivery entry says about
    /// the adult signature and the ID check.
    @dynamicMemberLookup
    package struct Shipment: Sendable {
        package let record: DispensingRecords.Shipment
        package subscript<T>(dynamicMember field: KeyPath<DispensingRecords.Shipment, T>) -> T { record[keyPath: field] }
        /// From the closing entry (delivered ones): when, whether the age was verified, and the ID seen.
        package var closed: Timestamp?
        package var ageVerified: Bool?
        package var idType: String?
    }

    /// Every parcel, latest first; the delivery entries of the latest `details` delivered ones are read for
    /// the adult-signature and ID-check columns.
    package func shipments(details: Int = 500) throws -> [Shipment] {
        try ledger.requireIntegrity()
        var list = try DispensingRecords.shipments(ledger.database).map { Shipment(record: $0) }
        var read = 0
        for i in list.indices where list[i].status == "delivered" && read < details {
            read += 1
            guard let seq = list[i].closedSeq, let bytes = try ledger.database.entryBytes(seq),
                  let e = try? Entry.decode(canonicalBytes: bytes), let body = try? ShipmentDelivered(statement: e.statement) else { continue }
            list[i].closed = body.deliveredTime ?? e.statement.time
            list[i].ageVerified = body.ageVerified
            list[i].idType = body.idType.rawValue
        }
        return list
    }

    /// One entry as its page shows it.
    package struct EntryView: Sendable {
        package let entry: Entry
        package let leafHash: Hash
    }

    package func entry(_ seq: Int) throws -> EntryView? {
        try ledger.requireIntegrity()
        guard let bytes = try ledger.database.entryBytes(seq), let e = try? Entry.decode(canonicalBytes: bytes) else { return nil }
        return EntryView(entry: e, leafHash: MerkleTree.leafHash(bytes))
    }

    /// The C2SP tlog-proof of entry `seq` in the latest checkpoint (what `csledger prove` writes).
    package func inclusionProof(_ seq: Int) throws -> String {
        try ledger.requireIntegrity()
        return try ledger.inclusionProof(seq: seq).serialized
    }
}
