import Dispensing
import Foundation
import LedgerAccess
import LedgerCore
import LedgerStore
import Reconciliation
import Synchronization

/// A ledger file on this machine as a `LedgerTarget`. The facility key that signs the new checkpoint is
/// resolved only when something is appended, so lookups, reads and drafts never need it.
package final class LocalLedgerTarget: LedgerTarget {
    package let ledger: Ledger
    /// How reports name the ledger (its file path).
    package let label: String?
    let loadFacilityKey: @Sendable () throws -> SignerKey
    let facilityKey = Mutex<SignerKey?>(nil)

    package init(ledger: Ledger, label: String? = nil, facilityKey: @escaping @Sendable () throws -> SignerKey) {
        self.ledger = ledger
        self.label = label
        self.loadFacilityKey = facilityKey
    }

    // MARK: Writes

    package func append(_ signed: SignedStatement) throws -> AppendReceipt {
        let key = try facilityKey.withLock { cached in
            if let cached { return cached }
            let key = try loadFacilityKey()
            cached = key
            return key
        }
        let appended = try ledger.append([signed], facilityKey: key)[0]
        return AppendReceipt(seq: appended.entry.seq, leafHash: appended.leafHash)
    }

    package func origin() throws -> String { try ledger.origin() }
    package func addPatient(_ data: [String: JSONValue]) throws -> PersonalDataReference {
        try ledger.personalData.add(kind: .patient, data: data)
    }
    package func addDeliverySigner(_ data: [String: JSONValue], signatureImage: [UInt8], imageType: String) throws -> DeliverySigner {
        try ledger.addDeliverySigner(data, signatureImage: signatureImage, imageType: imageType)
    }
    @discardableResult
    package func discardDeliverySigner(_ signer: DeliverySigner) throws -> Bool {
        try ledger.discardDeliverySigner(signer.reference.ref, signatureImageSHA256: signer.signatureImageSHA256)
    }

    // MARK: Lookups

    package func lotID(lot: String, ndc: String?) throws -> String { try ledger.lotID(lot: lot, ndc: ndc) }
    package func prescriptionPatient(rx: String) throws -> String { try ledger.prescriptionPatient(rx: rx) }
    package func patientReference(_ ref: String) throws -> PersonalDataReference { try ledger.personalData.reference(ref) }
    package func signerRole(_ key: KeyID) throws -> Role? { try ledger.database.signers().first { $0.keyID == key }?.role }

    // MARK: Reads

    /// The facility's note with every witness cosignature kept for it.
    package func checkpoint() throws -> String { try ledger.database.cosignedNote(try ledger.checkpoint()) }
    package func inclusionProof(seq: Int) throws -> TlogProof { try ledger.inclusionProof(seq: seq) }
    package func consistencyProof(oldSize: Int) throws -> ConsistencyProof {
        let (newSize, path) = try ledger.consistencyProof(oldSize: oldSize)
        return ConsistencyProof(oldSize: oldSize, newSize: newSize, path: path)
    }

    package func entries(from: Int, limit: Int) throws -> [[UInt8]] {
        guard limit > 0 else { return [] }
        var out: [[UInt8]] = []
        try ledger.database.forEachBatch(range: from...(from + limit - 1), batchSize: limit) { rows in
            out += rows.map(\.bytes)
            return false
        }
        return out
    }

    package func signers() throws -> [SignerSummary] {
        try ledger.database.signers().map {
            SignerSummary(keyID: $0.keyID, name: $0.name, role: $0.role, enrolledSeq: $0.enrolledSeq, revokedSeq: $0.revokedSeq)
        }
    }

    package func inventory(asOf: Timestamp?, lot: String?) throws -> [InventoryLine] {
        try ledger.inventory(asOf: asOf, lot: lot).lines.map(\.summary)
    }

    package func reconciliation(_ request: ReconciliationRequest) throws -> ReconciliationOutput {
        let counterparts = try Self.counterparts(bundles: request.transferBundles)
        let report = try ledger.reconcile(asOf: request.asOf, config: try Self.config(request.configFile), verify: request.verify,
                                          externalCheckpoints: request.checkpoints, counterparts: counterparts)
        let body = request.json ? JCS.serializeString(report.json(all: request.all)) + "\n" : report.text(all: request.all, ledger: label)
        return ReconciliationOutput(body: body, worstOpen: report.worstOpen?.rawValue)
    }

    package func finding(_ id: String, asOf: Timestamp, configFile: String?) throws -> FindingState? {
        let config = try Self.config(configFile)
        // Integrity findings (rule 11) need the verification; the others do not.
        var report = try ledger.reconcile(asOf: asOf, config: config, verify: false, now: asOf)
        if report.finding(id) == nil, id.hasPrefix("F11-") {
            report = try ledger.reconcile(asOf: asOf, config: config, verify: true, now: asOf)
        }
        return report.finding(id).map { FindingState(id: $0.id, isOpen: $0.isOpen, evidence: $0.evidence, resolutionSeq: $0.resolution?.seq) }
    }

    /// The registrants of other exported bundles (folders, already verified), for rule 13 (`reconcile --with`).
    package static func counterparts(bundles: [String]) throws -> [TransferCounterpart] {
        try bundles.map { path -> TransferCounterpart in
            let lines = (try? String(contentsOfFile: (path as NSString).appendingPathComponent("entries.jsonl"), encoding: .utf8)) ?? ""
            let entries = try lines.split(separator: "\n").map { try Entry.decode(canonicalBytes: Array($0.utf8)) }
            guard let c = TransferCounterpart(entries: entries) else {
                throw LedgerError(.invalidArgument, "the bundle \(path.prefix(120)) holds no genesis entry naming its registrant")
            }
            return c
        }
    }

    package static func config(_ path: String?) throws -> ReconciliationConfig {
        try path.map { try ReconciliationConfig.load(path: $0) } ?? ReconciliationConfig()
    }
}

extension InventoryReport.Line {
    /// The line as every reader of a ledger gets it (`LedgerTarget.inventory`, `GET /v1/inventory`).
    package var summary: InventoryLine {
        InventoryLine(lotID: lotID, drug: drug, ndc: ndc, lot: lot, expiry: expiry, unit: unit, status: status,
                      figures: figures.map { InventoryLine.Figure($0.0, $0.1) })
    }
}
