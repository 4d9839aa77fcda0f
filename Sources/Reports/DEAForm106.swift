import Dispensing
import LedgerCore

/// The data of DEA Form 106 (theft or loss of controlled substances) for one `loss.reported` entry,
/// as `dea106.csv`: one row per lot and quantity lost. For a parcel lost in transit the rows are the
/// lots of the fills the parcel held, with the carrier and tracking number.
package enum DEAForm106 {
    /// The report for the loss at `seq`. Refuses a seq that is not a loss report.
    package static func build(source: ExportSource, seq: Int) throws -> (files: [ReportFile], seqs: Set<Int>, time: Timestamp) {
        guard let e = try source.entry(seq) else {
            throw LedgerError(.notFound, "there is no entry \(seq) in the ledger (it holds \(source.limit) entries); give the seq of a loss report")
        }
        guard e.statement.type == LossReported.type else {
            throw LedgerError(.invalidArgument, "entry \(seq) is a \(e.statement.type), not a theft or loss report (loss.reported); give the seq of a loss report")
        }
        var seqs: Set<Int> = [seq]
        let corrected = try source.corrections()[seq]
        if let c = corrected { seqs.insert(c.seq) }
        let b = try LossReported(statement: e.statement)
        var rows: [[String]] = []
        let (items, more) = try itemsAndSources(of: e, source: source)
        seqs.formUnion(more)
        for (id, q) in items {
            let l = try source.lot(id)
            seqs.insert(l.receivedSeq)
            rows.append([source.facilityName, source.deaNumber, String(seq), e.statement.time.description, b.kind.rawValue, b.discovered,
                         l.ndc, l.ndc11, l.drug, l.strength, l.form, l.lot, q.description, l.unit, String(l.receivedSeq),
                         b.carrier ?? "", b.tracking ?? "", b.deaNotified ?? "", b.policeReport ?? "", b.description ?? "", source.name(e.statement.actor),
                         corrected.map { String($0.seq) } ?? "", source.address, source.stateLicense,
                         String(b.discovered.prefix(10)), e.logged.dateString, e.logged.description])
        }
        let header = ["registrant", "dea_number", "seq", "recorded", "kind", "discovered", "ndc", "ndc11", "drug", "strength", "form", "lot",
                      "quantity", "unit", "received_seq", "carrier", "tracking", "dea_notified", "police_report", "description", "recorded_by",
                      "corrected_by_seq", "registrant_address", "registrant_state_license", "discovered_date", "recorded_date", "logged"]
        return ([ReportFile(path: "dea106.csv", text: CSV.text(header: header, rows: rows))], seqs, e.statement.time)
    }

    /// The lots and quantities a loss report concerns.
    static func items(of e: Entry, source: ExportSource) throws -> [(String, Quantity)] {
        try itemsAndSources(of: e, source: source).0
    }

    /// The lots and quantities, and the entries they come from (for in transit: the shipment and its fills).
    static func itemsAndSources(of e: Entry, source: ExportSource) throws -> ([(String, Quantity)], Set<Int>) {
        let b = try LossReported(statement: e.statement)
        guard b.kind == .inTransit else { return ((b.items ?? []).map { ($0.lotID, $0.quantity) }, []) }
        let tracking = b.tracking ?? ""
        let parcel = try DispensingRecords.parcelContents(source.database, tracking: tracking, below: source.limit)
        return (parcel.items.map { ($0.lotID, Quantity(micros: $0.micros)) }, parcel.seqs)
    }
}
