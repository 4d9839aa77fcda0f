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
public struct InspectionReport: Sendable {
    /// The ledger's verification, as the report states it.
    public struct Integrity: Sendable {
        public let entries: Int
        public let signaturesChecked: Int
        public let checkpointsChecked: Int
        public let failures: [String]
        public init(entries: Int, signaturesChecked: Int, checkpointsChecked: Int, failures: [String]) {
            self.entries = entries
            self.signaturesChecked = signaturesChecked
            self.checkpointsChecked = checkpointsChecked
            self.failures = failures
        }
    }

    /// One lot's figures over the period.
    public struct Accountability: Sendable {
        public let line: InventoryReport.Line
        public var opening = Quantity.zero
        public var received = Quantity.zero, returned = Quantity.zero, adjusted = Quantity.zero
        public var dispensed = Quantity.zero, administered = Quantity.zero, wasted = Quantity.zero
        public var destroyed = Quantity.zero, lost = Quantity.zero
        public var closing = Quantity.zero
        /// Handed to other registrants (a column after closing, added in schema 8).
        public var transferred = Quantity.zero

        /// The figures in the order of accountability.csv.
        public var figures: [(String, Quantity)] {
            [("opening", opening), ("received", received), ("returned", returned), ("adjusted", adjusted), ("dispensed", dispensed),
             ("administered", administered), ("wasted", wasted), ("destroyed", destroyed), ("lost", lost), ("closing", closing),
             ("transferred", transferred)]
        }

        /// The figure names, as accountability.csv's columns.
        public static let names = ["opening", "received", "returned", "adjusted", "dispensed", "administered", "wasted", "destroyed", "lost", "closing", "transferred"]

        /// opening + in − out, which must equal closing.
        public var computedClosing: Quantity {
            Quantity(micros: opening.micros + received.micros + returned.micros + adjusted.micros - dispensed.micros
                     - administered.micros - wasted.micros - destroyed.micros - lost.micros - transferred.micros)
        }
    }

    public let files: [ReportFile]
    /// The entries the report rows come from.
    public let seqs: Set<Int>
    public let accountability: [Accountability]

    /// Builds the package for event times `from...to` (inclusive).
    public static func build(source: ExportSource, from: Timestamp, to: Timestamp, integrity: Integrity,
                             checkpoint: String, generated: Timestamp) throws -> InspectionReport {
        var seqs = Set<Int>()
        let corrections = try source.corrections(to: to)
        func corrected(_ e: Entry) -> String {
            guard let c = corrections[e.seq] else { return "" }
            seqs.insert(c.seq)
            return String(c.seq)
        }
        func q(_ e: Entry, _ key: String) -> String { e.statement.body[key]?.stringValue ?? "" }
        func witness(_ e: Entry, _ i: Int) -> String { i < e.statement.witnesses.count ? source.name(e.statement.witnesses[i]) : "" }
        func lotCells(_ id: String) throws -> [String] {
            let l = try source.lot(id)
            return [l.ndc, "\(l.drug) \(l.strength) \(l.form)", l.lot, l.unit]
        }
        let types = ["lot.received", "rx.dispensed", "dose.administered", "waste.recorded", "destruction.recorded",
                     "loss.reported", "count.recorded", "entry.corrected", "shipment.sent", "transfer.out"]
        var byType: [String: [Entry]] = [:]
        for e in try source.entries(types: types, from: from, to: to) {
            byType[e.statement.type, default: []].append(e)
            seqs.insert(e.seq)
        }

        var receipts: [[String]] = []
        for e in byType["lot.received"] ?? [] {
            let b = e.statement.body
            let ndc = try NDC(q(e, "ndc"))
            let id = DispensingProjection.lotID(ndc: ndc, lot: q(e, "lot"))
            receipts.append([String(e.seq), e.statement.time.description] + (try lotCells(id)) + [
                q(e, "expiry"), b["containers"]?.integerValue.map(String.init) ?? "", q(e, "units_per_container"), q(e, "quantity"),
                b["supplier"]?["name"]?.stringValue ?? "", b["supplier"]?["address"]?.stringValue ?? "",
                b["supplier"]?["dea_number"]?.stringValue ?? "", q(e, "invoice"), source.name(e.statement.actor), witness(e, 0),
                q(e, "gtin"), q(e, "serial"), corrected(e)])
        }
        var fills: [[String]] = []
        for e in byType["rx.dispensed"] ?? [] {
            let b = e.statement.body
            for item in b["lots"]?.arrayValue ?? [] {
                let id = item["lot_id"]?.stringValue ?? ""
                fills.append([String(e.seq), e.statement.time.description, q(e, "rx_number"), b["fill_number"]?.integerValue.map(String.init) ?? "",
                              b["patient"]?["ref"]?.stringValue ?? ""] + (try lotCells(id)) + [
                              item["quantity"]?.stringValue ?? "", b["days_supply"]?.integerValue.map(String.init) ?? "",
                              source.name(e.statement.actor), corrected(e)])
            }
        }
        var doses: [[String]] = []
        var wastes: [[String]] = []
        for e in byType["dose.administered"] ?? [] {
            let id = q(e, "lot_id")
            doses.append([String(e.seq), e.statement.time.description, e.statement.body["patient"]?["ref"]?.stringValue ?? "", q(e, "order")]
                         + (try lotCells(id)) + [q(e, "drawn"), q(e, "given"), q(e, "wasted"), source.name(e.statement.actor), witness(e, 0), corrected(e)])
            if let w = try? Quantity(parsing: q(e, "wasted")), w.isPositive {
                wastes.append([String(e.seq), e.statement.time.description, "dose remainder"] + (try lotCells(id))
                              + [w.description, "rest of a dose (order \(q(e, "order")))", q(e, "waste_method"), source.name(e.statement.actor), witness(e, 0), corrected(e)])
            }
        }
        for e in byType["waste.recorded"] ?? [] {
            wastes.append([String(e.seq), e.statement.time.description, "waste"] + (try lotCells(q(e, "lot_id")))
                          + [q(e, "quantity"), q(e, "reason"), q(e, "method"), source.name(e.statement.actor), witness(e, 0), corrected(e)])
        }
        wastes.sort { Int($0[0])! < Int($1[0])! }
        var destructions: [[String]] = []
        for e in byType["destruction.recorded"] ?? [] {
            for item in e.statement.body["items"]?.arrayValue ?? [] {
                destructions.append([String(e.seq), e.statement.time.description] + (try lotCells(item["lot_id"]?.stringValue ?? ""))
                                    + [item["quantity"]?.stringValue ?? "", q(e, "method"), q(e, "location"), q(e, "reason"),
                                       source.name(e.statement.actor), witness(e, 0), witness(e, 1), corrected(e)])
            }
        }
        var losses: [[String]] = []
        for e in byType["loss.reported"] ?? [] {
            let common = [q(e, "kind"), q(e, "discovered")]
            let tail = [q(e, "tracking"), q(e, "carrier"), q(e, "dea_notified"), q(e, "police_report"), q(e, "description"), source.name(e.statement.actor), corrected(e)]
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
        var resolutions: [String: Entry] = [:]
        for r in try source.entries(types: ["finding.resolved"]) {
            if let id = r.statement.body["finding_id"]?.stringValue { resolutions[id] = r }
        }
        var runStart: [String: (seq: Int, variance: Int64)] = [:]
        for e in byType["count.recorded"] ?? [] {
            let counted = (try? Quantity(parsing: q(e, "counted"))) ?? .zero
            let exp: Quantity? = expected[e.seq].map { Quantity(micros: $0) }
            let variance: String = exp.map { Quantity(micros: counted.micros - $0.micros).description } ?? ""
            var cells: [String] = [exp?.description ?? "", counted.description, variance, source.name(e.statement.actor), witness(e, 0), corrected(e)]
            let lotID = q(e, "lot_id")
            var resolution = ["", "", "", ""]
            if let exp, counted.micros != exp.micros {
                let v = counted.micros - exp.micros
                let start = runStart[lotID].flatMap { $0.variance == v ? $0.seq : nil } ?? e.seq
                runStart[lotID] = (start, v)
                let id = Self.countFindingID(lotID: lotID, firstSeq: start)
                if let r = resolutions[id] {
                    seqs.insert(r.seq)
                    resolution = [r.statement.body["reason"]?.stringValue ?? "", source.name(r.statement.actor), String(r.seq), id]
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
        for e in byType["transfer.out"] ?? [] {
            let to = e.statement.body["to"]
            for item in e.statement.body["items"]?.arrayValue ?? [] {
                transfers.append([String(e.seq), e.statement.time.description, "out", to?["name"]?.stringValue ?? "", to?["dea_number"]?.stringValue ?? "",
                                  q(e, "invoice")] + (try lotCells(item["lot_id"]?.stringValue ?? "")) + [item["quantity"]?.stringValue ?? "", q(e, "reason"),
                                  source.name(e.statement.actor), corrected(e)])
            }
        }
        for e in byType["lot.received"] ?? [] where e.statement.body["transfer_in"] == .bool(true) {
            let b = e.statement.body
            let id = DispensingProjection.lotID(ndc: try NDC(q(e, "ndc")), lot: q(e, "lot"))
            transfers.append([String(e.seq), e.statement.time.description, "in", b["supplier"]?["name"]?.stringValue ?? "",
                              b["supplier"]?["dea_number"]?.stringValue ?? "", q(e, "invoice")] + (try lotCells(id))
                             + [q(e, "quantity"), "", source.name(e.statement.actor), corrected(e)])
        }
        transfers.sort { Int($0[0])! < Int($1[0])! }
        // Parcels sent in the period, with what became of them (as far as the checkpoint goes).
        var shipments: [[String]] = []
        let closings = try source.entries(types: ["shipment.delivered", "shipment.returned", "shipment.lost"])
        for e in byType["shipment.sent"] ?? [] {
            let b = e.statement.body
            let tracking = q(e, "tracking")
            let fillsText = (b["fills"]?.arrayValue ?? []).map { "\($0["rx_number"]?.stringValue ?? "")/\($0["fill_number"]?.integerValue.map(String.init) ?? "")" }
                .joined(separator: " ")
            var row = [String(e.seq), e.statement.time.description, tracking, q(e, "carrier"), q(e, "service"), fillsText,
                       b["adult_signature_required"] == .bool(true) ? "true" : "false", q(e, "override_reason"), source.name(e.statement.actor)]
            if let c = closings.first(where: { $0.seq > e.seq && $0.statement.body["tracking"]?.stringValue == tracking }) {
                seqs.insert(c.seq)
                let cb = c.statement.body
                let status = ["shipment.delivered": "delivered", "shipment.returned": "returned", "shipment.lost": "lost"][c.statement.type] ?? ""
                let delivered = c.statement.type == "shipment.delivered"
                row += [status, String(c.seq), c.statement.time.description, delivered ? q(c, "delivered") : "",
                        delivered ? (cb["signer"]?["ref"]?.stringValue ?? "") : "",
                        delivered ? (cb["age_verified"] == .bool(true) ? "true" : "false") : "", delivered ? q(c, "id_type") : "",
                        delivered ? q(c, "signature_image_sha256") : "", q(c, "disposition"), q(c, "reason"), source.name(c.statement.actor)]
            } else {
                row += ["in_transit"] + Array(repeating: "", count: 10)
            }
            shipments.append(row)
        }
        var fixes: [[String]] = []
        for e in byType["entry.corrected"] ?? [] {
            let target = e.statement.body["corrects"]?.integerValue ?? -1
            if target >= 0 { seqs.insert(target) }
            let type = (try source.entry(target))?.statement.type ?? ""
            fixes.append([String(e.seq), e.statement.time.description, String(target), type, q(e, "reason"), source.name(e.statement.actor)])
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
            ("receipts.csv", "Receipts", ["seq", "time"] + lotHeader + ["expiry", "containers", "units_per_container", "quantity", "supplier_name",
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
