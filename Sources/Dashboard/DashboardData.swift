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
    /// The run under way, if any: one reconciliation at a time, so a burst of page loads after an append
    /// waits for one run, not one each.
    private let current = Mutex<BackgroundValue<ReconciliationReport>?>(nil)
    private let runs = Atomic<Int>(0)
    /// When the last run ended and how long it took.
    private let lastRun = Mutex<(ended: ContinuousClock.Instant, took: Duration)?>(nil)
    /// After a run that took T, no new one starts for `pacing` × T while the kept report can still answer: so
    /// while entries keep coming, catching up takes at most 1 / (1 + pacing) of a core from the appends (at a
    /// million entries a run costs seconds of CPU; the counters come first). The pages say how far behind they are.
    package let pacing: Double
    /// The movements' sums by lot and kind, for the inventory now.
    private let keptTotals = Mutex(InventoryReport.KeptTotals())
    /// The movements of the lots whose pages were opened last (at most `keptLots`), each brought up to date
    /// with the new entries when its page is opened again; the most recently opened last.
    private let keptLots = Mutex<[LotSeries]>([])
    /// How many lots' movements are kept (a bulk lot's take a few MB).
    package static let keptLotCount = 8
    /// How long a page waits for a run to take in entries appended since the kept report, before it shows
    /// the kept one marked as behind (the run goes on, and the page reloads itself).
    package let catchUpWait: Duration

    package init(ledger: Ledger, maximumAge: Duration = .seconds(300), reconciliation: ReconciliationState = ReconciliationState(),
                witnesses: [Cosignature.Witness] = [], catchUpWait: Duration = .milliseconds(150), pacing: Double = 1) {
        self.ledger = ledger
        self.state = reconciliation
        self.maximumAge = maximumAge
        self.witnesses = witnesses
        self.catchUpWait = catchUpWait
        self.pacing = pacing
    }

    /// How many times the reconciliation actually ran (tests and the benchmark read it).
    package var reconciliationRuns: Int { runs.load(ordering: .relaxed) }

    /// The reconciliation over every entry (rules 1-10; the integrity gate stands for rule 11): the kept
    /// report when no entry was appended since it was made; otherwise a run that takes in the new entries,
    /// waited for up to `catchUpWait`. A run still going after that leaves the kept report to answer, as of
    /// the entries it covers (`report.entries`; `behind(_:)` tells how many came since), while the run
    /// finishes in the background for the next page. When the last run took longer than `catchUpWait` (a
    /// large ledger while entries are appended), the page does not wait at all: it would only wait in vain.
    /// A report older than `maximumAge` is never shown: findings that fall due by the clock alone (a parcel
    /// in transit too long) need a new run.
    package func reconciliation() throws -> ReconciliationReport {
        try ledger.requireIntegrity()
        let size = try ledger.database.size()
        let k = kept.withLock { $0 }
        if let k, k.size == size, ContinuousClock.now - k.at < maximumAge { return k.report }
        let usable = k.map { ContinuousClock.now - $0.at < maximumAge } ?? false
        guard let run = startRun(paced: usable) else { return k!.report }
        let wait = (lastRun.withLock { $0?.took } ?? .zero) > catchUpWait ? .zero : catchUpWait
        if let k, ContinuousClock.now - k.at < maximumAge, run.value(waitingAtMost: wait) == nil { return k.report }
        return try run.value()
    }

    /// How many entries the ledger holds beyond those `report` covers (0 when it is up to date).
    package func behind(_ report: ReconciliationReport) -> Int {
        max(0, ((try? ledger.database.size()) ?? report.entries) - report.entries)
    }

    /// The run under way, or a new one started on a thread of its own (the rules over a million entries take
    /// seconds of CPU: not a thing to do on the server's few cooperative threads). `paced`: none while the
    /// pause after the last run lasts (`pacing`).
    private func startRun(paced: Bool) -> BackgroundValue<ReconciliationReport>? {
        current.withLock { slot in
            if let run = slot, !run.isDone { return run }
            if paced, let last = lastRun.withLock({ $0 }), ContinuousClock.now < last.ended + last.took * pacing { return nil }
            let run = BackgroundValue { [self] in
                // Keyed by the size read before the run: an entry appended meanwhile makes the next page run again.
                let size = try ledger.database.size()
                let started = ContinuousClock.now
                let report = try ledger.reconcile(verify: false, state: state)
                runs.add(1, ordering: .relaxed)
                let took = ContinuousClock.now - started
                lastRun.withLock { $0 = (ContinuousClock.now, took) }
                kept.withLock { k in
                    if (k?.size ?? -1) <= size { k = Kept(size: size, at: started, report: report) }
                }
                return report
            }
            slot = run
            return run
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

    /// The perpetual inventory now or as of a time, for one lot or all (`Ledger.inventory` checks integrity
    /// itself). Now (the overview, the stock and lot pages), the movements' sums are kept and only new ones read.
    package func inventory(asOf: Timestamp? = nil, lot: String? = nil) throws -> InventoryReport {
        guard asOf == nil else { return try ledger.inventory(asOf: asOf, lot: lot) }
        try ledger.requireIntegrity()
        return try keptTotals.withLock { kept in try InventoryReport.compute(ledger.database, lot: lot, kept: &kept) }
    }

    /// The signers (staff), by key.
    package func signers() throws -> [KeyID: Signer] {
        try ledger.requireIntegrity()
        return Dictionary(try ledger.database.signers().map { ($0.keyID, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// One physical count of a lot: the dispensing record itself.
    package typealias Count = DispensingRecords.Count

    /// A lot's movements (all of them: a page takes the part up to its time with `LotSeries.end(asOf:)`), kept
    /// between pages and brought up to date with the entries appended since, and its counts up to `asOf`.
    package func lotSeries(lotID: String, asOf: Timestamp? = nil) throws -> (series: LotSeries, counts: [Count]) {
        try ledger.requireIntegrity()
        let series = try keptLots.withLock { lots in
            var s = lots.firstIndex { $0.lotID == lotID }.map { lots.remove(at: $0) } ?? LotSeries(lotID: lotID)
            try s.update(ledger.database)
            lots.append(s)
            if lots.count > Self.keptLotCount { lots.removeFirst() }
            return s
        }
        return (series, try DispensingRecords.lotCounts(ledger.database, lotID: lotID, asOf: asOf))
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

    /// Every parcel in transit and the latest `closed` delivered, returned and lost ones each, latest first, with how
    /// many parcels have each status; the delivery entries of the delivered ones listed are read for the
    /// adult-signature and ID-check columns.
    package func shipments(closed: Int = 500) throws -> (list: [Shipment], counts: [String: Int]) {
        try ledger.requireIntegrity()
        let (records, counts) = try DispensingRecords.shipments(ledger.database, latestClosed: closed)
        var list = records.map { Shipment(record: $0) }
        for i in list.indices where list[i].status == "delivered" {
            guard let seq = list[i].closedSeq, let bytes = try ledger.database.entryBytes(seq),
                  let e = try? Entry.decode(canonicalBytes: bytes), let body = try? ShipmentDelivered(statement: e.statement) else { continue }
            list[i].closed = body.deliveredTime ?? e.statement.time
            list[i].ageVerified = body.ageVerified
            list[i].idType = body.idType.rawValue
        }
        return (list, counts)
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
