import Dispensing
import LedgerCore

/// The biennial inventory (21 CFR 1304.11) at close of business on a date: per lot the drug, form,
/// units per container, full containers and the quantity in an opened container, with the last count,
/// as `biennial-inventory.csv`. The on-hand figures are `csledger inventory --as-of` at that moment.
package enum BiennialInventory {
    /// The inventory as of `asOf` (event time).
    package static func build(source: ExportSource, asOf: Timestamp) throws -> (files: [ReportFile], seqs: Set<Int>) {
        let report = try InventoryReport.compute(source.database, asOf: asOf)
        var seqs = try movementSeqs(source: source, to: asOf)
        let lastCounts = try DispensingRecords.lastCounts(source.database, asOf: asOf, below: source.limit)
        var rows: [[String]] = []
        for line in report.lines {
            let l = try source.lot(line.lotID)
            seqs.insert(l.receivedSeq)
            let perContainer = (try source.entry(l.receivedSeq)).flatMap { try? LotReceived(statement: $0.statement) }?.unitsPerContainer ?? .zero
            var full = 0, open = line.onHand
            if perContainer.isPositive, line.onHand.isPositive {
                full = Int(line.onHand.micros / perContainer.micros)
                open = Quantity(micros: line.onHand.micros % perContainer.micros)
            }
            let count = lastCounts[line.lotID]
            if let c = count { seqs.insert(c.0) }
            rows.append([l.ndc, l.ndc11, l.drug, l.strength, l.form, l.lot, l.expiry, line.status, l.unit, perContainer.description,
                         line.onHand.description, String(full), open.description, String(l.receivedSeq),
                         count.map { Quantity(micros: $0.1).description } ?? "", count.map { String($0.0) } ?? ""])
        }
        let header = ["ndc", "ndc11", "drug", "strength", "form", "lot", "expiry", "status", "unit", LotReceived.Member.unitsPerContainer, "on_hand",
                      "full_containers", "open_container_quantity", "received_seq", "last_count", "last_count_seq"]
        let note = "Biennial inventory of \(source.facilityName) (DEA \(source.deaNumber)) at close of business \(asOf.dateString) (\(asOf.description)).\n"
            + "Schedule III: quantities in opened containers are exact from the ledger, not estimated.\n"
        return ([ReportFile(path: "biennial-inventory.csv", text: CSV.text(header: header, rows: rows)),
                 ReportFile(path: "README.txt", text: note)], seqs)
    }

    /// The entries that moved stock up to `to` (the inventory at `to` is computed from exactly these).
    static func movementSeqs(source: ExportSource, to: Timestamp) throws -> Set<Int> {
        try DispensingRecords.movementSeqs(source.database, asOf: to, below: source.limit)
    }
}
