import Dispensing
import LedgerCore

/// Another registrant's ledger, as its exported bundle shows it: its DEA number and the receipts it recorded.
/// Given to `reconcile --with BUNDLE`, it lets rule 13 match this ledger's transfers out with their receipts there,
/// and its receipts from this registrant with transfers out here.
public struct TransferCounterpart: Sendable {
    public struct Receipt: Sendable {
        public let seq: Int
        public let supplierDEA: String
        public let invoice: String
        public let lotID: String
        public let micros: Int64
    }

    /// The other registrant's DEA number, name and ledger origin (from its genesis entry).
    public let dea: String
    public let name: String
    public let origin: String
    public let receipts: [Receipt]
    /// The latest event time its entries cover.
    public let lastTime: Timestamp?

    /// Reads the entries of a bundle (its `entries.jsonl`, already verified), or of another site's checked ledger;
    /// nil when they hold no genesis entry. `lastTime`, when given, is the latest event time of the whole ledger
    /// (for a caller that passes only the entries this reads: the genesis, receipts and corrections).
    public init?(entries: [Entry], lastTime: Timestamp? = nil) {
        guard let genesis = entries.first(where: { $0.seq == 0 }), let dea = genesis.statement.body[LedgerCreated.Member.deaNumber]?.stringValue else { return nil }
        self.dea = dea
        name = genesis.statement.body[LedgerCreated.Member.facilityName]?.stringValue ?? ""
        origin = genesis.statement.body[LedgerCreated.Member.origin]?.stringValue ?? ""
        let corrected = Set(entries.filter { $0.statement.type == DispensingType.entryCorrected }.compactMap { $0.statement.body[EntryCorrected.Member.corrects]?.integerValue })
        receipts = entries.filter { $0.statement.type == DispensingType.lotReceived && !corrected.contains($0.seq) }.compactMap { e in
            let b = e.statement.body
            guard let ndc = b[LotReceived.Member.ndc]?.stringValue.flatMap({ try? NDC($0) }), let lot = b[LotReceived.Member.lot]?.stringValue,
                  let q = b[LotReceived.Member.quantity]?.stringValue.flatMap({ try? Quantity(parsing: $0) }) else { return nil }
            return Receipt(seq: e.seq, supplierDEA: b[LotReceived.Member.supplier]?[Party.Member.deaNumber]?.stringValue ?? "", invoice: b[LotReceived.Member.invoice]?.stringValue ?? "",
                           lotID: DispensingProjection.lotID(ndc: ndc, lot: lot), micros: q.micros)
        }
        self.lastTime = lastTime ?? entries.map(\.statement.time).max()
    }
}

extension Run {
    // MARK: Rule 13: transfers between registrants

    /// Transfers out with no matching receipt in the receiving registrant's bundle, and that bundle's receipts from
    /// this registrant with no transfer out here.
    mutating func transfers() {
        guard !counterparts.isEmpty, let own = ownDEA else { return }
        let basis = "21 CFR 1307.11 and 1304.22(a)-(b) (distribution between registrants, recorded by both, with an invoice naming both DEA numbers)"
        let outs = facts.live(DispensingType.transferOut)
        for other in counterparts {
            var matched = Set<Int>()
            for t in outs where t.body.string(TransferOut.Member.to, Party.Member.deaNumber) == other.dea {
                let invoice = t.string(TransferOut.Member.invoice) ?? ""
                for item in t.body.objects(TransferOut.Member.items) {
                    guard let lot = item.string(LotQuantity.Member.lotID), let q = item.string(LotQuantity.Member.quantity), let micros = (try? Quantity(parsing: q))?.micros else { continue }
                    let candidates = other.receipts.filter { $0.supplierDEA == own && $0.invoice == invoice && $0.lotID == lot }
                    candidates.forEach { matched.insert($0.seq) }
                    let received = candidates.reduce(Int64(0)) { $0 + $1.micros }
                    guard received != micros else { continue }
                    let missing = candidates.isEmpty
                    add(rule: 13, check: missing ? "transfer-not-received" : "transfer-quantity-differs", subject: "\(t.seq)|\(lot)", severity: .warning,
                        title: missing ? "Transfer at seq \(t.seq) to \(other.dea): no receipt of lot \(lot) in their ledger"
                                       : "Transfer at seq \(t.seq) to \(other.dea): lot \(lot) received as \(facts.quantity(received, lot))",
                        detail: "Seq \(t.seq) (\(t.time.short), invoice \(invoice)) transferred \(facts.quantity(micros, lot)) of lot \(lot) to \(other.name) (\(other.dea), ledger \(other.origin)). "
                            + (missing ? "Their ledger holds no receipt of that lot from \(own) with that invoice"
                                       : "Their receipts of it with that invoice (seq \(candidates.map { String($0.seq) }.joined(separator: ", "))) add up to \(facts.quantity(received, lot))")
                            + (other.lastTime.map { " (their entries go up to \($0.short))." } ?? "."),
                        time: t.time, entries: [t.seq], lot: lot, people: [t.actor],
                        expected: "a receipt of \(facts.quantity(micros, lot)) from \(own), invoice \(invoice)",
                        found: missing ? "no receipt" : "\(facts.quantity(received, lot)) received", basis: basis,
                        action: "Ask \(other.name) whether the stock arrived and was recorded; if it did not arrive, it is an in-transit loss to report on DEA Form 106 (csledger loss).")
                }
            }
            // Their receipts from us that no transfer out here accounts for.
            for r in other.receipts where r.supplierDEA == own && !matched.contains(r.seq) {
                add(rule: 13, check: "receipt-without-transfer-out", subject: "\(other.dea)|\(r.seq)", severity: .warning,
                    title: "\(other.dea) recorded a receipt from this registrant with no transfer out here (their seq \(r.seq))",
                    detail: "\(other.name) (\(other.dea)) recorded at their seq \(r.seq) a receipt of \(facts.quantity(r.micros, r.lotID)) of lot \(r.lotID) from \(own), invoice \(r.invoice); this ledger has no transfer.out of that lot with that invoice.",
                    time: nil, entries: [], lot: r.lotID, people: [],
                    expected: "a transfer.out to \(other.dea), invoice \(r.invoice)", found: "none", basis: basis,
                    action: "Find the transfer in this registrant's records and record it (csledger transfer-out), or ask \(other.name) to correct their receipt.")
            }
        }
    }
}
