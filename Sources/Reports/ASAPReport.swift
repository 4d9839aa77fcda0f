import Dispensing
import LedgerCore

/// A state PDMP file in ASAP 4.2A: the day's prescription fills for patients living in one state.
///
/// Segments: `TH`, `IS`, `PHA`, then per record `PAT`, `DSP`, `PRE`, `CDI` (one per ingredient NDC when a fill
/// used several products), `AIR` (the adult who signed for a shipped parcel, once delivered), then `TP` and `TT`.
/// Elements are separated by `*`, segments end with `~` (and a line break, for people). NDCs are 11 digits,
/// dates CCYYMMDD. A day without fills gives the ASAP zero report. A fill corrected (`entry.corrected`) on a later
/// day is reported that day as a void (`DSP01` = `02`), or as a revision (`01`) when a replacement fill of the same
/// prescription and fill number was recorded that day.
///
/// Patients' names, addresses and dates of birth come from the personal data kept off the chain; the bundle ships
/// each with its salt (`personal-data.jsonl`) so the commitment in the ledger can be checked (SPEC §6).
package struct ASAPReport: Sendable {
    /// The ASAP text.
    package let text: String
    /// The number of DSP records (0 for a zero report).
    package let records: Int
    /// `personal-data.jsonl`: `{"ref","kind","commitment","salt","data"}` per person shown.
    package let personalData: String
    package let seqs: Set<Int>

    /// Builds the file for fills on `date` (a UTC day) to patients in `state` (two letters).
    package static func build(source: ExportSource, personalData: PersonalData, state: String, date: Timestamp,
                             generated: Timestamp) throws -> ASAPReport {
        let dayEnd = date.endOfDay
        let allCorrections = try source.corrections()
        var seqs = Set<Int>()
        var people: [String: String] = [:]  // ref -> JSONL line

        func disclose(_ ref: String, kind: String, what: String) throws -> [String: JSONValue] {
            guard let d = try personalData.disclose(ref) else {
                throw LedgerError(.notFound, "the personal data of \(ref.prefix(20)) (\(what)) was erased or is not on file; the ASAP record cannot be made without it")
            }
            people[ref] = JCS.serializeString(["ref": .string(ref), "kind": .string(kind), "commitment": .string(d.commitment),
                                               "salt": .string(Hex.encode(d.salt)), "data": .object(d.data)])
            return d.data
        }

        // Which records the day holds: (status, the fill entry whose data is reported, entries it rests on).
        var records: [(status: String, fill: Entry, extra: [Int])] = []
        let fills = try source.entries(types: [PrescriptionDispensed.type], from: date, to: dayEnd)
        let fillBodies = try Dictionary(uniqueKeysWithValues: fills.map { ($0.seq, try PrescriptionDispensed(statement: $0.statement)) })
        let dayCorrections = try source.entries(types: [EntryCorrected.type], from: date, to: dayEnd)
        var replaced = Set<Int>()
        for c in dayCorrections {
            guard let original = try source.entry(try EntryCorrected(statement: c.statement).corrects),
                  original.statement.type == PrescriptionDispensed.type, original.statement.time < date else { continue }
            let fixed = try PrescriptionDispensed(statement: original.statement)
            if let replacement = fills.first(where: { fillBodies[$0.seq]?.rxNumber == fixed.rxNumber && fillBodies[$0.seq]?.fillNumber == fixed.fillNumber
                                                      && $0.seq > c.seq && allCorrections[$0.seq].map({ $0.statement.time > dayEnd }) ?? true }) {
                records.append(("01", replacement, [c.seq, original.seq]))
                replaced.insert(replacement.seq)
            } else {
                records.append(("02", original, [c.seq]))
            }
        }
        for f in fills where !replaced.contains(f.seq) {
            if let c = allCorrections[f.seq], c.statement.time <= dayEnd { continue }  // corrected the same day: never reported
            records.append(("00", f, []))
        }
        records.sort { $0.fill.seq < $1.fill.seq }

        var detail: [String] = []
        var count = 0
        for r in records {
            let b = try PrescriptionDispensed(statement: r.fill.statement)
            let rxNumber = b.rxNumber
            let (rxSeq, rxEntry) = try prescription(rxNumber, source: source)
            let rxBody = try PrescriptionAdded(statement: rxEntry.statement)
            let patientRef = rxBody.patient.ref
            let patient = try disclose(patientRef, kind: "patient", what: "patient of prescription \(rxNumber.prefix(30))")
            let address = PostalAddress(patient)
            guard let patientState = address.state else {
                throw LedgerError(.invalidArgument, "the address of patient \(patientRef.prefix(20)) has no US state (write it like \"12 Elm St, Austin, TX 78701\"); ASAP files are sent per state")
            }
            guard patientState == state else {
                people[patientRef] = nil
                continue
            }
            seqs.formUnion([r.fill.seq, rxSeq] + r.extra)
            count += 1
            let name = PersonName(patient["name"]?.stringValue ?? "")
            detail.append(segment("PAT", ["", "03", patientRef, "", "", "", name.last, name.first, name.middle, "", "",
                                          address.line1, address.line2, address.city, patientState, address.zip, "",
                                          ccyymmdd(patient["date_of_birth"]?.stringValue ?? ""), "U", "01"]))
            // The product: one NDC, or a compound of several (CDI per ingredient).
            var items: [(ndc11: String, quantity: String, unit: String)] = []
            for item in b.lots {
                let lot = try source.lot(item.lotID)
                seqs.insert(lot.receivedSeq)
                guard let ndc11 = try NDC(lot.ndc).normalized11 else {
                    throw LedgerError(.invalidArgument, "lot \(lot.lot) has the 12-digit NDC \(lot.ndc), which ASAP 4.2A cannot carry")
                }
                items.append((ndc11, item.quantity.description, lot.unit))
            }
            let ndcs = Set(items.map(\.ndc11))
            let quantity = b.quantity.description
            let unit = unitCode(items.first?.unit ?? rxBody.unit)
            let fillNumber = b.fillNumber
            detail.append(segment("DSP", [r.status, rxNumber, ccyymmdd(rxBody.issued),
                                          String(rxBody.refillsAuthorized),
                                          ccyymmdd(r.fill.statement.time.dateString), String(fillNumber - 1),
                                          ndcs.count == 1 ? "01" : "06", ndcs.count == 1 ? items[0].ndc11 : "99999999999",
                                          quantity, String(b.daysSupply), unit, "99", "00", "", "", "99"]))
            let pname = PersonName(rxBody.prescriber.name)
            detail.append(segment("PRE", ["", rxBody.prescriber.deaNumber, "", "", pname.last, pname.first]))
            if ndcs.count > 1 {
                for (i, item) in items.enumerated() {
                    detail.append(segment("CDI", [String(i + 1), "01", item.ndc11, item.quantity, unitCode(item.unit)]))
                }
            }
            if r.status != "02", let air = try delivery(of: r.fill, source: source) {
                seqs.formUnion(air.seqs)
                let signer = try disclose(air.signerRef, kind: "delivery_signer", what: "the adult who signed for parcel \(air.tracking.prefix(30))")
                let sname = PersonName(signer["name"]?.stringValue ?? "")
                let relationship = sname.last == name.last && sname.first == name.first ? "01" : "99"
                // AIR03 the ID's issuing jurisdiction; no ID shown (id_type none): AIR03-05 empty, not "other".
                let shown = air.idType != "none"
                detail.append(segment("AIR", ["", "", shown ? signer["id_jurisdiction"]?.stringValue ?? "" : "", shown ? idQualifier(air.idType) : "",
                                              shown ? signer["id_last_digits"]?.stringValue ?? "" : "", relationship, sname.last, sname.first]))
            }
        }

        let control = ccyymmdd(date.dateString) + state + String(generated.description.filter(\.isNumber).dropFirst(8).prefix(6))
        // PHA01 NPI, PHA02 NCPDP, PHA03 DEA, PHA04 name, PHA05-PHA09 address (line 1, line 2, city, state, ZIP).
        let pharmacy = PostalAddress(["address": .string(source.address)])
        var pha = [source.npi, source.ncpdp, source.deaNumber, source.facilityName]
        if pharmacy.state != nil { pha += [pharmacy.line1, pharmacy.line2, pharmacy.city, pharmacy.state ?? "", pharmacy.zip] }
        var body: [String] = [segment("PHA", pha)]
        var message = ""
        if count == 0 {
            message = "#\(ccyymmdd(date.dateString))#-#\(ccyymmdd(date.dateString))#"
            body += [segment("PAT", ["", "", "", "", "", "", "REPORT", "ZERO"]), segment("DSP", ["", "", "", "", ccyymmdd(date.dateString)]),
                     segment("PRE", [""]), segment("CDI", [""]), segment("AIR", [""])]
        } else {
            body += detail
        }
        body.append(segment("TP", [String(body.count + 1)]))
        let header = [segment("TH", ["4.2A", control, "01", "", ccyymmdd(generated.dateString), hhmmss(generated), "P", "", "~"]),
                      segment("IS", [source.deaNumber, source.facilityName, message])]
        let all = header + body
        let text = (all + [segment("TT", [control, String(all.count + 1)])]).map { $0 + "\n" }.joined()
        let pd = people.keys.sorted().map { people[$0]! + "\n" }.joined()
        return ASAPReport(text: text, records: count, personalData: pd, seqs: seqs)
    }

    /// One segment: the id and its elements, `*`-separated, ended by `~`. `*` and `~` inside values become spaces.
    static func segment(_ id: String, _ elements: [String]) -> String {
        let clean = elements.map { $0.replacingOccurrences(of: "*", with: " ").replacingOccurrences(of: "~", with: " ")
                                     .replacingOccurrences(of: "\n", with: " ") }
        if id == "TH" { return ([id] + clean.dropLast()).joined(separator: "*") + "*~~" }
        return ([id] + clean).joined(separator: "*") + "~"
    }

    /// `YYYY-MM-DD` → `CCYYMMDD`.
    package static func ccyymmdd(_ date: String) -> String { String(date.prefix(10).filter(\.isNumber)) }

    static func hhmmss(_ t: Timestamp) -> String { String(t.description.dropFirst(11).prefix(8).filter(\.isNumber)) }

    /// DSP11 / CDI05: 01 each, 02 millilitres, 03 grams.
    static func unitCode(_ unit: String) -> String {
        switch unit.lowercased() {
        case "ml", "millilitre", "milliliter", "milliliters", "millilitres": return "02"
        case "g", "gram", "grams": return "03"
        default: return "01"
        }
    }

    /// AIR04: the kind of ID the person showed.
    static func idQualifier(_ idType: String) -> String {
        switch idType {
        case "military_id": return "01"
        case "state_id": return "02"
        case "passport": return "05"
        case "drivers_license": return "06"
        default: return "99"
        }
    }

    static func prescription(_ rx: String, source: ExportSource) throws -> (Int, Entry) {
        guard let seq = try PrescriptionLookup.seq(source.database, rx: rx),
              let e = try source.entry(seq) else {
            throw LedgerError(.ledgerCorrupt, "prescription \(rx.prefix(30)) of a fill is not recorded; run verify")
        }
        return (seq, e)
    }

    /// The delivery of the parcel that carried `fill`, if it was delivered: the first `shipment.sent` after the fill
    /// that lists its prescription and fill number, and the `shipment.delivered` that closed it.
    static func delivery(of fill: Entry, source: ExportSource) throws -> (signerRef: String, idType: String, tracking: String, seqs: [Int])? {
        let filled = try PrescriptionDispensed(statement: fill.statement)
        // Every parcel that carried it (one that came back may have gone out again); the first one delivered.
        let parcels = try source.entries(types: [ShipmentSent.type], from: fill.statement.time).compactMap { e -> (Entry, ShipmentSent)? in
            let b = try ShipmentSent(statement: e.statement)
            return e.seq > fill.seq && b.fills.contains { $0.rxNumber == filled.rxNumber && $0.fillNumber == filled.fillNumber } ? (e, b) : nil
        }
        guard let first = parcels.first else { return nil }
        let deliveries = try source.entries(types: [ShipmentDelivered.type], from: first.0.statement.time).map {
            ($0, try ShipmentDelivered(statement: $0.statement))
        }
        for (sent, body) in parcels {
            guard let (delivered, d) = deliveries.first(where: { $0.0.seq > sent.seq && $0.1.tracking == body.tracking }) else { continue }
            return (d.signer.ref, d.idType.rawValue, body.tracking, [sent.seq, delivered.seq])
        }
        return nil
    }
}
