import Dispensing
import LedgerCore
import LedgerStore

/// The inspection package for a period (21 CFR 1304): receipts, the dispensing and administration log,
/// wastes, destructions, losses, counts, corrections and per-lot accountability as CSV, and `report.html`
/// for people. Patients appear only by reference.
///
/// Accountability per lot: opening + received + returned + adjusted − dispensed − administered − wasted − destroyed − transferred
/// − lost = closing, where opening is the inventory just before the period and closing the inventory at its end,
/// both exactly as `csledger inventory --as-of` computes them.
package struct InspectionReport: Sendable {
    /// The ledger's verification, as the report states it.
    package struct Integrity: Sendable {
        package let entries: Int
        package let signaturesChecked: Int
        package let checkpointsChecked: Int
        package let failures: [String]
        package init(entries: Int, signaturesChecked: Int, checkpointsChecked: Int, failures: [String]) {
            self.entries = entries
            self.signaturesChecked = signaturesChecked
            self.checkpointsChecked = checkpointsChecked
            self.failures = failures
        }
    }

    /// One lot's figures over the period.
    package struct Accountability: Sendable {
        package let line: InventoryReport.Line
        package var opening = Quantity.zero
        package var received = Quantity.zero, returned = Quantity.zero, adjusted = Quantity.zero
        package var dispensed = Quantity.zero, administered = Quantity.zero, wasted = Quantity.zero
        package var destroyed = Quantity.zero, lost = Quantity.zero
        package var closing = Quantity.zero
        /// Handed to other registrants (a column after closing, added in schema 8).
        package var transferred = Quantity.zero

        /// The figures in the order of accountability.csv.
        package var figures: [(String, Quantity)] {
            [("opening", opening), ("received", received), ("returned", returned), ("adjusted", adjusted), ("dispensed", dispensed),
             ("administered", administered), ("wasted", wasted), ("destroyed", destroyed), ("lost", lost), ("closing", closing),
             ("transferred", transferred)]
        }

        /// The figure names, as accountability.csv's columns.
        package static let names = ["opening", "received", "returned", "adjusted", "dispensed", "administered", "wasted", "destroyed", "lost", "closing", "transferred"]

        /// opening + in − out, which must equal closing.
        package var computedClosing: Quantity {
            Quantity(micros: opening.micros + received.micros + returned.micros + adjusted.micros - dispensed.micros
                     - administered.micros - wasted.micros - destroyed.micros - lost.micros - transferred.micros)
        }
    }

    package let files: [ReportFile]
    /// The entries the report rows come from.
    package let seqs: Set<Int>
    package let accountability: [Accountability]

    /// Builds the package for event times `from...to` (inclusive).
    package static func build(source: ExportSource, from: Timestamp, to: Timestamp, integrity: Integrity,
                             checkpoint: String, generated: Timestamp) throws -> InspectionReport {
        var seqs = Set<Int>()
        let corrections = try source.corrections(to: to)
        func corrected(_ e: Entry) -> String {
            guard let c = corrections[e.seq] else { return "" }
            seqs.insert(c.seq)
            return String(c.seq)
        }
        func witness(_ e: Entry, _ i: Int) -> String { i < e.statement.witnesses.count ? source.name(e.statement.witnesses[i]) : "" }
        func lotCells(_ id: String) throws -> [String] {
            let l = try source.lot(id)
            return [l.ndc, "\(l.drug) \(l.strength) \(l.form)", l.lot, l.unit]
        }
        let types = [LotReceived.type, PrescriptionDispensed.type, DoseAdministered.type, WasteRecorded.type, DestructionRecorded.type,
                     LossReported.type, CountRecorded.type, EntryCorrected.type, ShipmentSent.type, TransferOut.type]
        var byType: [String: [Entry]] = [:]
        for e in try source.entries(types: types, from: from, to: to) {
            byType[e.statement.type, default: []].append(e)
            seqs.insert(e.seq)
        }

        var receipts: [[String]] = []
        for e in byType[LotReceived.type] ?? [] {
            let b = try LotReceived(statement: e.statement)
            let ndc = try NDC(b.ndc)
            let id = DispensingProjection.lotID(ndc: ndc, lot: b.lot)
            receipts.append([String(e.seq), e.statement.time.description] + (try lotCells(id)) + [
                b.expiry, String(b.containers), b.unitsPerContainer.description, b.quantity.description,
                b.supplier.name, b.supplier.address, b.supplier.deaNumber, b.invoice, source.name(e.statement.actor), witness(e, 0),
                b.gtin ?? "", b.serial ?? "", corrected(e)])
        }
        var fills: [[String]] = []
        for e in byType[PrescriptionDispensed.type] ?? [] {
            let b = try PrescriptionDispensed(statement: e.statement)
            for item in b.lots {
                fills.append([String(e.seq), e.statement.time.description, b.rxNumber, String(b.fillNumber), b.patient.ref] + (try lotCells(item.lotID)) + [
                              item.quantity.description, String(b.daysSupply), source.name(e.statement.actor), corrected(e)])
            }
        }
        var doses: [[String]] = []
        var wastes: [[String]] = []
        for e in byType[DoseAdministered.type] ?? [] {
            let b = try DoseAdministered(statement: e.statement)
            doses.append([String(e.seq), e.statement.time.description, b.patient.ref, b.order]
                         + (try lotCells(b.lotID)) + [b.drawn.description, b.given.description, b.wasted?.description ?? "",
                                                       source.name(e.statement.actor), witness(e, 0), corrected(e)])
            if b.wastedAmount.isPositive {
                wastes.append([String(e.seq), e.statement.time.description, "dose remainder"] + (try lotCells(b.lotID))
                              + [b.wastedAmount.description, "rest of a dose (order \(b.order))", b.wasteMethod ?? "", source.name(e.statement.actor),
                                 witness(e, 0), corrected(e)])
            }
        }
        for e in byType[WasteRecorded.type] ?? [] {
            let b = try WasteRecorded(statement: e.statement)
            wastes.append([String(e.seq), e.statement.time.description, "waste"] + (try lotCells(b.lotID))
                          + [b.quantity.description, b.reason, b.method, source.name(e.statement.actor), witness(e, 0), corrected(e)])
        }
        wastes.sort { Int($0[0])! < Int($1[0])! }
        var destructions: [[String]] = []
        for e in byType[DestructionRecorded.type] ?? [] {
            let b = try DestructionRecorded(statement: e.statement)
            for item in b.items {
                destructions.append([String(e.seq), e.statement.time.description] + (try lotCells(item.lotID))
                                    + [item.quantity.description, b.method, b.location, b.reason ?? "",
                                       source.name(e.statement.actor), witness(e, 0), witness(e, 1), corrected(e)])
            }
        }
        var losses: [[String]] = []
        for e in byType[LossReported.type] ?? [] {
            let b = try LossReported(statement: e.statement)
            let common = [b.kind.rawValue, b.discovered]
            let tail = [b.tracking ?? "", b.carrier ?? "", b.deaNotified ?? "", b.policeReport ?? "", b.description ?? "", source.name(e.statement.actor),
                        corrected(e)]
            let items = try DEAForm106.items(of: e, source: source)
            for (id, quantity) in items {
                losses.append([String(e.seq), e.statement.time.description] + common + (try lotCells(id)) + [quantity.description] + tail)
            }
            if items.isEmpty { losses.append([String(e.seq), e.statement.time.description] + common + ["", "", "", "", ""] + tail) }
        }
        var counts: [[String]] = []
        let expected = try DispensingRecords.expectedCounts(source.database)
        // A count with a variance is a reconciliation finding (rule 1, count-variance, about the lot and the first count
        // of a run of counts showing the same variance); its resolution, if any, is the compliance officer's approval.
        var resolutions: [String: (Entry, FindingResolved)] = [:]
        for r in try source.entries(types: [FindingResolved.type]) {
            let b = try FindingResolved(statement: r.statement)
            resolutions[b.findingID] = (r, b)
        }
        var runStart: [String: (seq: Int, variance: Int64)] = [:]
        for e in byType[CountRecorded.type] ?? [] {
            let b = try CountRecorded(statement: e.statement)
            let counted = b.counted
            let exp: Quantity? = expected[e.seq].map { Quantity(micros: $0) }
            let variance: String = exp.map { Quantity(micros: counted.micros - $0.micros).description } ?? ""
            var cells: [String] = [exp?.description ?? "", counted.description, variance, source.name(e.statement.actor), witness(e, 0), corrected(e)]
            let lotID = b.lotID
            var resolution = ["", "", "", ""]
            if let exp, counted.micros != exp.micros {
                let v = counted.micros - exp.micros
                let start = runStart[lotID].flatMap { $0.variance == v ? $0.seq : nil } ?? e.seq
                runStart[lotID] = (start, v)
                let id = Self.countFindingID(lotID: lotID, firstSeq: start)
                if let (r, rb) = resolutions[id] {
                    seqs.insert(r.seq)
                    resolution = [rb.reason, source.name(r.statement.actor), String(r.seq), id]
                } else {
                    resolution = ["", "", "", id]
                }
            } else {
                runStart[lotID] = nil
            }
            cells += resolution
            counts.append([String(e.seq), e.statement.time.description] + (try lotCells(lotID)) + cells)
        }
        // Transfers between registrants: out (transfer.out), and in (receipts marked transfer_in).
        var transfers: [[String]] = []
        for e in byType[TransferOut.type] ?? [] {
            let b = try TransferOut(statement: e.statement)
            for item in b.items {
                transfers.append([String(e.seq), e.statement.time.description, "out", b.to.name, b.to.deaNumber, b.invoice]
                                 + (try lotCells(item.lotID)) + [item.quantity.description, b.reason ?? "", source.name(e.statement.actor), corrected(e)])
            }
        }
        for e in byType[LotReceived.type] ?? [] {
            let b = try LotReceived(statement: e.statement)
            guard b.transferIn == true else { continue }
            let id = DispensingProjection.lotID(ndc: try NDC(b.ndc), lot: b.lot)
            transfers.append([String(e.seq), e.statement.time.description, "in", b.supplier.name, b.supplier.deaNumber, b.invoice]
                             + (try lotCells(id)) + [b.quantity.description, "", source.name(e.statement.actor), corrected(e)])
        }
        transfers.sort { Int($0[0])! < Int($1[0])! }
        // Parcels sent in the period, with what became of them (as far as the checkpoint goes).
        var shipments: [[String]] = []
        let closings = try source.entries(types: [ShipmentDelivered.type, ShipmentReturned.type, ShipmentLost.type])
        func closedTracking(_ c: Entry) throws -> String {
            switch c.statement.type {
            case ShipmentDelivered.type: return try ShipmentDelivered(statement: c.statement).tracking
            case ShipmentReturned.type: return try ShipmentReturned(statement: c.statement).tracking
            default: return try ShipmentLost(statement: c.statement).tracking
            }
        }
        for e in byType[ShipmentSent.type] ?? [] {
            let b = try ShipmentSent(statement: e.statement)
            let tracking = b.tracking
            let fillsText = b.fills.map { "\($0.rxNumber)/\($0.fillNumber)" }.joined(separator: " ")
            var row = [String(e.seq), e.statement.time.description, tracking, b.carrier, b.service, fillsText,
                       b.adultSignatureRequired ? "true" : "false", b.overrideReason ?? "", source.name(e.statement.actor)]
            if let c = try closings.first(where: { try $0.seq > e.seq && closedTracking($0) == tracking }) {
                seqs.insert(c.seq)
                let delivered = try? ShipmentDelivered(statement: c.statement)
                let returned = try? ShipmentReturned(statement: c.statement)
                let lost = try? ShipmentLost(statement: c.statement)
                let status = ["shipment.delivered": "delivered", "shipment.returned": "returned", "shipment.lost": "lost"][c.statement.type] ?? ""
                row += [status, String(c.seq), c.statement.time.description, delivered?.delivered ?? "", delivered?.signer.ref ?? "",
                        delivered.map { $0.ageVerified ? "true" : "false" } ?? "", delivered?.idType.rawValue ?? "",
                        delivered?.signatureImageSHA256 ?? "", returned?.disposition.rawValue ?? "", returned?.reason ?? lost?.reason ?? "",
                        source.name(c.statement.actor)]
            } else {
                row += ["in_transit"] + Array(repeating: "", count: 10)
            }
            shipments.append(row)
        }
        var fixes: [[String]] = []
        for e in byType[EntryCorrected.type] ?? [] {
            let b = try EntryCorrected(statement: e.statement)
            let target = b.corrects
            seqs.insert(target)
            let type = (try source.entry(target))?.statement.type ?? ""
            fixes.append([String(e.seq), e.statement.time.description, String(target), type, b.reason, source.name(e.statement.actor)])
        }

        // The opening and closing balances come from every stock movement up to the period's end.
        seqs.formUnion(try BiennialInventory.movementSeqs(source: source, to: to))
        // Accountability: the inventory just before the period and at its end.
        let opening = try InventoryReport.compute(source.database, asOf: from.adding(milliseconds: -1))
        let closing = try InventoryReport.compute(source.database, asOf: to)
        let before = Dictionary(opening.lines.map { ($0.lotID, $0) }, uniquingKeysWith: { a, _ in a })
        var lines: [Accountability] = []
        for c in closing.lines {
            let o = before[c.lotID]
            func d(_ k: KeyPath<InventoryReport.Line, Quantity>) -> Quantity { Quantity(micros: c[keyPath: k].micros - (o?[keyPath: k].micros ?? 0)) }
            var a = Accountability(line: c)
            a.opening = o?.onHand ?? .zero
            a.received = d(\.received); a.returned = d(\.returned); a.adjusted = d(\.adjusted)
            a.dispensed = d(\.dispensed); a.administered = d(\.administered); a.wasted = d(\.wasted)
            a.destroyed = d(\.destroyed); a.lost = d(\.lost); a.transferred = d(\.transferred)
            a.closing = c.onHand
            guard a.computedClosing == a.closing else {
                throw LedgerError(.ledgerCorrupt, "lot \(c.lotID) does not balance over the period (\(a.computedClosing) computed, \(a.closing) on the books); run verify")
            }
            lines.append(a)
        }
        let accountabilityRows = lines.map { a in
            [a.line.ndc, a.line.drug, a.line.lot, a.line.unit] + a.figures.map { $0.1.description }
        }

        let lotHeader = ["ndc", "drug", "lot", "unit"]
        let tables: [(String, String, [String], [[String]])] = [
            ("receipts.csv", "Receipts", ["seq", "time"] + lotHeader + ["expiry", "containers", LotReceived.Member.unitsPerContainer, "quantity", "supplier_name",
                                                                         "supplier_address", "supplier_dea", "invoice", "received_by", "verified_by",
                                                                         "gtin", "serial", "corrected_by_seq"], receipts),
            ("dispensing.csv", "Dispensing (prescription fills)", ["seq", "time", "rx_number", "fill_number", "patient_ref"] + lotHeader
                + ["quantity", "days_supply", "pharmacist", "corrected_by_seq"], fills),
            ("administrations.csv", "Administrations in the clinic", ["seq", "time", "patient_ref", "order"] + lotHeader
                + ["drawn", "given", "wasted", "clinician", "witness", "corrected_by_seq"], doses),
            ("wastes.csv", "Wastes", ["seq", "time", "source"] + lotHeader + ["quantity", "reason", "method", "by", "witness", "corrected_by_seq"], wastes),
            ("destructions.csv", "Destructions (DEA Form 41)", ["seq", "time"] + lotHeader + ["quantity", "method", "location", "reason", "by",
                                                                                               "witness_1", "witness_2", "corrected_by_seq"], destructions),
            ("losses.csv", "Thefts and losses (DEA Form 106)", ["seq", "time", "kind", "discovered"] + lotHeader + ["quantity", "tracking", "carrier",
                                                                 "dea_notified", "police_report", "description", "by", "corrected_by_seq"], losses),
            ("counts.csv", "Physical counts", ["seq", "time"] + lotHeader + ["expected", "counted", "variance", "by", "witness", "corrected_by_seq",
                                                                              "resolution", "approved_by", "resolution_seq", "finding_id"], counts),
            ("shipments.csv", "Shipments and deliveries", ["seq", "time", "tracking", "carrier", "service", "fills", "adult_signature_required",
                                                            "override_reason", "shipped_by", "status", "closed_seq", "closed_time", "delivered",
                                                            "signer_ref", "age_verified", "id_type", "signature_image_sha256",
                                                            "return_disposition", "return_reason", "closed_by"], shipments),
            ("transfers.csv", "Transfers between registrants", ["seq", "time", "direction", "registrant_name", "registrant_dea", "invoice"] + lotHeader
                + ["quantity", "reason", "by", "corrected_by_seq"], transfers),
            ("corrections.csv", "Corrections", ["seq", "time", "corrects_seq", "corrected_type", "reason", "by"], fixes),
            ("accountability.csv", "Accountability per lot", lotHeader + Accountability.names, accountabilityRows),
        ]
        var files = tables.map { ReportFile(path: $0.0, text: CSV.text(header: $0.2, rows: $0.3)) }
        let html = InspectionHTML(source: source, from: from, to: to, integrity: integrity, checkpoint: checkpoint, generated: generated,
                                  tables: tables.map { ($0.1, $0.0, $0.2, $0.3) }, accountability: lines, entries: seqs.count)
        files.append(ReportFile(path: "report.html", text: html.render()))
        return InspectionReport(files: files, seqs: seqs, accountability: lines)
    }

    /// The id the reconciliation gives a count-variance finding (rule 1) about `lotID` starting at count `firstSeq`
    /// (`Finding.makeID` in the Reconciliation module: "F01-" and 10 hex of SHA-256 over rule, check and subject).
    static func countFindingID(lotID: String, firstSeq: Int) -> String {
        "F01-" + Hash.sha256(Array("1|count-variance|\(lotID)|\(firstSeq)".utf8)).hex.prefix(10)
    }
}
