import LedgerCore

/// The data of DEA Form 41 (registrants inventory of drugs surrendered / destroyed) for one
/// `destruction.recorded` entry: one row per lot destroyed, with the registrant, method, location
/// and the two witnesses, as `dea41.csv`.
package enum DEAForm41 {
    /// The report for the destruction at `seq`. Refuses a seq that is not a destruction.
    package static func build(source: ExportSource, seq: Int) throws -> (files: [ReportFile], seqs: Set<Int>, time: Timestamp) {
        guard let e = try source.entry(seq) else {
            throw LedgerError(.notFound, "there is no entry \(seq) in the ledger (it holds \(source.limit) entries); give the seq of a destruction")
        }
        guard e.statement.type == DestructionRecorded.type else {
            throw LedgerError(.invalidArgument, "entry \(seq) is a \(e.statement.type), not a destruction (destruction.recorded); give the seq of a destruction")
        }
        var seqs: Set<Int> = [seq]
        let corrected = try source.corrections()[seq]
        if let c = corrected { seqs.insert(c.seq) }
        let b = try DestructionRecorded(statement: e.statement)
        var rows: [[String]] = []
        for item in b.items {
            let l = try source.lot(item.lotID)
            seqs.insert(l.receivedSeq)
            let w = e.statement.witnesses
            rows.append([source.facilityName, source.deaNumber, String(seq), e.statement.time.description, l.ndc, l.ndc11, l.drug, l.strength, l.form,
                         l.lot, l.expiry, item.quantity.description, l.unit, String(l.receivedSeq), b.method, b.location, b.reason ?? "",
                         source.name(e.statement.actor), w.count > 0 ? source.name(w[0]) : "", w.count > 1 ? source.name(w[1]) : "",
                         corrected.map { String($0.seq) } ?? "", source.address, source.stateLicense])
        }
        let header = ["registrant", "dea_number", "seq", "destroyed", "ndc", "ndc11", "drug", "strength", "form", "lot", "expiry", "quantity", "unit",
                      "received_seq", "method", "location", "reason", "recorded_by", "witness_1", "witness_2", "corrected_by_seq",
                      "registrant_address", "registrant_state_license"]
        return ([ReportFile(path: "dea41.csv", text: CSV.text(header: header, rows: rows))], seqs, e.statement.time)
    }
}
