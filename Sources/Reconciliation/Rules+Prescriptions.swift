import Dispensing
import Foundation
import LedgerCore

extension Run {
    // MARK: Rule 4: prescription limits and early refills

    /// The last date a Schedule III prescription issued on `issued` may be filled (6 months, clamped to month end).
    static func lastFillDate(_ issued: String) -> String? {
        guard let t = Timestamp(issued, allowDate: true), issued.count == 10 else { return nil }
        let (y, m, d) = t.civilDate
        var year = y, month = m + 6
        if month > 12 { month -= 12; year += 1 }
        let last = ExpiryDate.daysIn(year: year, month: month)
        return String(format: "%04d-%02d-%02d", year, month, min(d, last))
    }

    mutating func prescriptions() {
        let basis = "21 CFR 1306.22 (Schedule III refills: at most 5, none after 6 months); 21 CFR 1306.04(a) (corresponding responsibility of the pharmacist)"
        var rxs: [String: Record] = [:]
        for e in facts.live(DispensingType.prescriptionAdded) {
            guard let rx = e.string(PrescriptionAdded.Member.rxNumber), rxs[rx] == nil else { continue }
            rxs[rx] = e
            if let refills = e.integer(PrescriptionAdded.Member.refillsAuthorized), refills > 5 {
                add(rule: 4, check: "too-many-refills", subject: rx, severity: .critical,
                    title: "Prescription \(rx) authorizes \(refills) refills",
                    detail: "Prescription \(rx) (seq \(e.seq)) authorizes \(refills) refills; a Schedule III prescription allows at most 5. csledger refuses this on write, so the entry came in another way.",
                    time: e.time, entries: [e.seq], patient: e.patientRef, people: e.people,
                    expected: "at most 5 refills", found: "\(refills) refills", basis: basis,
                    action: "Treat refills beyond the fifth as invalid; contact the prescriber for a new prescription, and run csledger verify.")
            }
        }
        var fills: [String: [Record]] = [:]
        for e in facts.live(DispensingType.prescriptionDispensed) {
            if let rx = e.string(PrescriptionDispensed.Member.rxNumber) { fills[rx, default: []].append(e) }
        }
        let cameBack = returnedFills()
        for (rx, list) in fills {
            let sorted = list.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
            let p = rxs[rx]
            let rxQuantity = p?.micros(PrescriptionAdded.Member.quantity)
            let unit = p?.string(PrescriptionAdded.Member.unit) ?? ""
            let refillsAuthorized = p?.integer(PrescriptionAdded.Member.refillsAuthorized)
            func q(_ m: Int64) -> String { "\(Quantity(micros: m))\(unit.isEmpty ? "" : " \(unit)")" }
            // The last fill date, once per prescription; fills dated after that day are late.
            let issued = p?.string(PrescriptionAdded.Member.issued)
            let last = issued.flatMap(Self.lastFillDate)
            let lateFrom = last.flatMap { Timestamp($0, allowDate: true) }?.adding(days: 1)
            for (i, f) in sorted.enumerated() {
                let t = f.time
                if let p, let issued, let last, let lateFrom, t >= lateFrom {
                    add(rule: 4, check: "fill-after-six-months", subject: "\(f.seq)", severity: .critical,
                        title: "Fill of \(rx) at seq \(f.seq) is more than 6 months after issue",
                        detail: "Prescription \(rx) was issued on \(issued); Schedule III fills end on \(last), but seq \(f.seq) is dated \(t.dateString).",
                        time: t, entries: [p.seq, f.seq], patient: f.patientRef, people: f.people,
                        expected: "filled on or before \(last)", found: "filled on \(t.dateString)", basis: basis,
                        action: "The fill was not valid: contact the prescriber, and document what was given to the patient.")
                }
                if let rxQuantity, let fq = f.micros(PrescriptionDispensed.Member.quantity), fq > rxQuantity {
                    add(rule: 4, check: "fill-over-quantity", subject: "\(f.seq)", severity: .critical,
                        title: "Fill of \(rx) at seq \(f.seq) is more than prescribed per fill",
                        detail: "Seq \(f.seq) dispensed \(q(fq)) on prescription \(rx), which allows \(q(rxQuantity)) per fill.",
                        time: t, entries: [p!.seq, f.seq], patient: f.patientRef, people: f.people,
                        expected: "at most \(q(rxQuantity))", found: "\(q(fq)) dispensed", basis: basis,
                        action: "Find where the extra quantity went; contact the patient and prescriber, and report a loss if it cannot be accounted for.")
                }
                if let p, let refills = refillsAuthorized, i > refills {
                    add(rule: 4, check: "refills-exceeded", subject: "\(f.seq)", severity: .critical,
                        title: "Fill \(i + 1) of \(rx) exceeds the \(refills) refill(s) authorized",
                        detail: "Prescription \(rx) authorizes \(refills) refill(s) (\(refills + 1) fills); seq \(f.seq) is fill number \(i + 1).",
                        time: t, entries: [p.seq, f.seq], patient: f.patientRef, people: f.people,
                        expected: "at most \(refills + 1) fills", found: "\(i + 1) fills", basis: basis,
                        action: "The fill was not authorized: contact the prescriber, and document what was given to the patient.")
                }
                // The previous supply is the last earlier fill the patient received: a parcel that came back is not one.
                guard let prev = sorted[..<i].last(where: { !cameBack.contains($0.seq) }) else { continue }
                guard let days = prev.integer(PrescriptionDispensed.Member.daysSupply), days > 0 else { continue }
                let earliest = prev.time.adding(days: Double(days) * config.earlyRefillFraction)
                if t < earliest {
                    let after = t.hours(since: prev.time) / 24
                    add(rule: 4, check: "early-refill", subject: "\(f.seq)", severity: .warning,
                        title: "Early refill of \(rx): \(fmt(after, 1)) days after a \(days)-day supply",
                        detail: "Fill \(f.integer(PrescriptionDispensed.Member.fillNumber) ?? i + 1) of \(rx) (seq \(f.seq), \(t.short)) came \(fmt(after, 1)) days after the previous fill (seq \(prev.seq), \(prev.time.short)), which was a \(days)-day supply. The earliest expected refill is after \(fmt(config.earlyRefillFraction * 100, 0))% of it: \(earliest.short).",
                        time: t, entries: [prev.seq, f.seq], patient: f.patientRef ?? prev.patientRef, people: [f.actor, prev.actor],
                        expected: "not before \(earliest.short) (\(fmt(config.earlyRefillFraction * 100, 0))% of \(days) days after seq \(prev.seq))",
                        found: "filled \(t.short)",
                        figures: [Figure("days since previous fill", fmt(after, 1)), Figure("days supply", "\(days)"),
                                  Figure("early-refill fraction", fmt(config.earlyRefillFraction)), Figure("earliest", earliest.short)],
                        basis: basis,
                        action: "Ask the pharmacist who filled it why it was early (lost supply, changed directions) and check the directions with the prescriber; record the explanation when you resolve this finding. Repeated early refills for one patient are a warning sign of misuse.")
                }
            }
        }
    }

    /// The seqs of fills whose last parcel came back (`shipment.returned`) and was not sent again.
    func returnedFills() -> Set<Int> {
        struct Fill: Hashable { let rx: String; let number: Int }
        var lastParcel: [Fill: String] = [:]
        for s in facts.live(DispensingType.shipmentSent) {
            guard let tracking = s.string(ShipmentSent.Member.tracking) else { continue }
            for f in s.body.objects(ShipmentSent.Member.fills) {
                if let rx = f.string(FillReference.Member.rxNumber), let n = f.integer(FillReference.Member.fillNumber) { lastParcel[Fill(rx: rx, number: n)] = tracking }
            }
        }
        let returned = Set(facts.live(DispensingType.shipmentReturned).compactMap { $0.string(ShipmentReturned.Member.tracking) })
        guard !returned.isEmpty else { return [] }
        var out = Set<Int>()
        for e in facts.live(DispensingType.prescriptionDispensed) {
            guard let rx = e.string(PrescriptionDispensed.Member.rxNumber), let n = e.integer(PrescriptionDispensed.Member.fillNumber), let t = lastParcel[Fill(rx: rx, number: n)] else { continue }
            if returned.contains(t) { out.insert(e.seq) }
        }
        return out
    }

    // MARK: Rule 6: shipments and deliveries

    mutating func shipments() {
        /// A parcel with what closed it, all that the checks below need but the time (`derived`: kept while no
        /// fill, parcel or loss report is appended, so an answer that only the clock changed reads none of them).
        struct Parcel: Sendable {
            let sent: Record
            let tracking: String
            let patient: String?
            let adult: Bool
            /// The first delivery, return, loss or in-transit loss report of the parcel.
            let close: Record?
            let reportedInTransit: Bool
            /// For a delivered parcel, what was wrong with the delivery.
            let deliveryProblems: [String]
            /// For a returned parcel, whether it was quarantined.
            let quarantined: Bool
        }
        /// The parcels whose findings depend on the time (in transit, quarantined after a return, lost without a
        /// report), and the findings of every parcel that do not (how it was shipped, how it was delivered).
        struct Checked: Sendable {
            let open: [Parcel]
            let found: Output
        }
        let carrierBasis = "21 CFR 1301.74(e) (carriers with adequate security against in-transit loss); carrier Adult Signature Required terms (signer 21 or older, government photo ID); state mail-order pharmacy rules"
        let (config, calendar, counterparts, ownDEA) = (self.config, self.calendar, self.counterparts, self.ownDEA)
        // Kept while no fill, parcel or loss report is appended: an answer after a dose, or one that only the clock
        // changed, looks at the open parcels alone (a few), not at every parcel ever shipped.
        let checked: Checked = derived("shipments.parcels") { facts in
            // Fills by (rx, fill number), for the patient of each parcel.
            struct Fill: Hashable { let rx: String; let number: Int }
            var fillPatient: [Fill: String] = [:]
            for e in facts.live(DispensingType.prescriptionDispensed) {
                if let rx = e.string(PrescriptionDispensed.Member.rxNumber), let n = e.integer(PrescriptionDispensed.Member.fillNumber), let p = e.patientRef { fillPatient[Fill(rx: rx, number: n)] = p }
            }
            var closing: [String: [Record]] = [:]
            for type in [DispensingType.shipmentDelivered, DispensingType.shipmentReturned, DispensingType.shipmentLost] {
                for e in facts.live(type) { if let t = e.string(ShipmentDelivered.Member.tracking) { closing[t, default: []].append(e) } }
            }
            var inTransitReports: [String: [Record]] = [:]
            for e in facts.live(DispensingType.lossReported) where e.string(LossReported.Member.kind) == LossReported.Kind.inTransit.rawValue {
                if let t = e.string(LossReported.Member.tracking) { inTransitReports[t, default: []].append(e) }
            }
            let parcels = facts.live(DispensingType.shipmentSent).compactMap { s -> Parcel? in
                guard let tracking = s.string(ShipmentSent.Member.tracking) else { return nil }
                let patients = Set(s.body.objects(ShipmentSent.Member.fills).compactMap { f -> String? in
                    guard let rx = f.string(FillReference.Member.rxNumber), let n = f.integer(FillReference.Member.fillNumber) else { return nil }
                    return fillPatient[Fill(rx: rx, number: n)]
                })
                let adult = s.body.isTrue(ShipmentSent.Member.adultSignatureRequired)
                let reports = inTransitReports[tracking] ?? []
                let close = ((closing[tracking] ?? []) + reports).min { $0.seq < $1.seq }
                var problems: [String] = []
                if let d = close, d.type == DispensingType.shipmentDelivered {
                    if !adult { problems.append("shipped without Adult Signature Required (override: \"\((s.string(StatementMember.overrideReason) ?? "none").prefix(100))\")") }
                    if !d.body.isTrue(ShipmentDelivered.Member.ageVerified) { problems.append("the carrier did not verify the signer is 21 or older") }
                    if let idType = d.string(ShipmentDelivered.Member.idType), idType == ShipmentDelivered.IDType.none.rawValue { problems.append("no ID was checked (id_type none)") }
                }
                let quarantined = close?.type == DispensingType.shipmentReturned
                    && close?.string(ShipmentReturned.Member.disposition) == ShipmentReturned.Disposition.quarantine.rawValue
                return Parcel(sent: s, tracking: tracking, patient: patients.count == 1 ? patients.first : nil, adult: adult, close: close,
                              reportedInTransit: !reports.isEmpty, deliveryProblems: problems, quarantined: quarantined)
            }
            var run = Run(facts: facts, config: config, calendar: calendar, counterparts: counterparts, ownDEA: ownDEA)
            var open: [Parcel] = []
            for p in parcels {
                switch p.close?.type {
                case nil:
                    open.append(p)
                    if !p.adult { run.shippedWithoutAdultSignature(p.sent, p.tracking, p.patient, delivered: nil, basis: carrierBasis) }
                case DispensingType.shipmentDelivered?:
                    let (s, d, tracking, problems) = (p.sent, p.close!, p.tracking, p.deliveryProblems)
                    guard !problems.isEmpty else { break }
                    run.add(rule: 6, check: "delivered-without-adult-check", subject: tracking, severity: .critical,
                        title: "Parcel \(tracking) delivered without adult signature or ID check",
                        detail: "Parcel \(tracking) (seq \(s.seq)) was delivered (seq \(d.seq), \((d.time(ShipmentDelivered.Member.delivered) ?? d.time).short)) but \(problems.joined(separator: "; ")). Signer reference: \(d.body.string(ShipmentDelivered.Member.signer, PersonalDataReference.Member.ref) ?? "none").",
                        time: d.time(ShipmentDelivered.Member.delivered) ?? d.time, entries: [s.seq, d.seq], patient: p.patient, people: [s.actor, d.actor],
                        expected: "Adult Signature Required, signer verified 21 or older, photo ID checked", found: problems.joined(separator: "; "),
                        basis: carrierBasis,
                        action: "Get the carrier's full proof of delivery; confirm with the patient that they received the parcel themselves. Review why it was shipped or accepted this way, and brief staff; if the patient did not receive it, treat it as an in-transit loss (Form 106).")
                case DispensingType.shipmentReturned?:
                    if !p.adult { run.shippedWithoutAdultSignature(p.sent, p.tracking, p.patient, delivered: nil, basis: carrierBasis) }
                    if p.quarantined { open.append(p) }
                default:  // lost (shipment.lost or an in-transit loss report)
                    if !p.adult { run.shippedWithoutAdultSignature(p.sent, p.tracking, p.patient, delivered: nil, basis: carrierBasis) }
                    if p.close!.type == DispensingType.shipmentLost, !p.reportedInTransit { open.append(p) }
                }
            }
            return Checked(open: open, found: run.output)
        }
        take(checked.found)
        // What each quarantined return took back into stock, by the return's seq (read only when one is overdue).
        var returnedMoves: [Int: [(String, Int64)]]?
        // The checks that depend on the time, over the open parcels only.
        for p in checked.open {
            let (s, tracking, patient) = (p.sent, p.tracking, p.patient)
            let sent = s.time
            switch p.close?.type {
            case nil:
                let days = asOf.hours(since: sent) / 24
                if days > config.inTransitDays {
                    add(rule: 6, check: "in-transit-too-long", subject: tracking, severity: .warning,
                        title: "Parcel \(tracking) in transit for \(fmt(days, 1)) days",
                        detail: "Parcel \(tracking) (\(s.string(ShipmentSent.Member.carrier) ?? "carrier unknown"), seq \(s.seq)) was shipped at \(sent.short) and has no delivery, return or loss recorded as of \(asOf.short).",
                        time: sent, entries: [s.seq], patient: patient, people: [s.actor],
                        expected: "delivered or returned within \(fmt(config.inTransitDays)) days", found: "in transit since \(sent.short)",
                        figures: [Figure("days in transit", fmt(days, 1)), Figure("limit (days)", fmt(config.inTransitDays))],
                        basis: carrierBasis + "; 21 CFR 1301.76(b) (in-transit loss is the shipper's to report)",
                        action: "Ask the carrier for the parcel's status and proof of delivery, and record it (csledger deliver or csledger return). If the carrier cannot find it, record it lost (csledger lost-in-transit) and report it to DEA on Form 106 within one business day (csledger loss --kind in_transit).")
                }
            case DispensingType.shipmentReturned?:
                let r = p.close!
                guard p.quarantined else { break }
                let days = asOf.hours(since: r.time) / 24
                guard days > config.quarantinedReturnDays else { break }
                // Folded: only the movements appended since the last answer are looked at (a dose adds movements).
                let moves = returnedMoves ?? foldMovements("shipments.returned-moves", from: [Int: [(String, Int64)]]()) { moves, m in
                    if m.kind == "returned" { moves[m.seq, default: []].append((m.lotID, m.micros)) }
                }
                returnedMoves = moves
                let destructions = facts.live(DispensingType.destructionRecorded)
                var missing: [String] = []
                var destroyedSeqs: [Int] = []
                for (lot, micros) in moves[r.seq] ?? [] {
                    var destroyed: Int64 = 0
                    for d in destructions where d.time >= r.time {
                        for item in d.lotItems where item.lotID == lot { destroyed += item.micros; destroyedSeqs.append(d.seq) }
                    }
                    if destroyed < micros { missing.append("\(facts.quantity(micros - destroyed, lot)) of lot \(lot)") }
                }
                guard !missing.isEmpty else { break }
                add(rule: 6, check: "quarantined-return-not-destroyed", subject: tracking, severity: .warning,
                    title: "Returned parcel \(tracking) quarantined \(fmt(days, 0)) days ago and not destroyed",
                    detail: "Parcel \(tracking) came back at \(r.time.short) (seq \(r.seq)) with disposition quarantine (\"\((r.string(ShipmentReturned.Member.reason) ?? "").prefix(100))\"). No destruction after it covers \(missing.joined(separator: ", ")).",
                    time: r.time, entries: [s.seq, r.seq], patient: patient, people: [s.actor, r.actor],
                    expected: "destroyed with two witnesses within \(fmt(config.quarantinedReturnDays)) days of the return",
                    found: "not destroyed: \(missing.joined(separator: ", "))",
                    figures: [Figure("days since return", fmt(days, 0)), Figure("limit (days)", fmt(config.quarantinedReturnDays))],
                    basis: "21 CFR 1317.90-1317.95 (destruction of controlled substances); 21 CFR 1304.21(e) (DEA Form 41 record)",
                    action: "Find the quarantined parcel and destroy its contents with two witnesses (csledger destroy), or, if it was put back into stock, record why; a quarantined return that cannot be found is a loss to report on Form 106.")
            default:  // lost (shipment.lost or an in-transit loss report)
                let lost = p.close!
                guard lost.type == DispensingType.shipmentLost, !p.reportedInTransit else { break }
                let deadline = calendar.deadline(after: lost.time, businessDays: config.lossReportBusinessDays)
                add(rule: 6, check: "lost-without-loss-report", subject: tracking, severity: asOf > deadline ? .critical : .warning,
                    title: "Parcel \(tracking) lost without a loss report",
                    detail: "Parcel \(tracking) (seq \(s.seq)) was recorded lost at \(lost.time.short) (seq \(lost.seq)), but no loss.reported entry of kind in_transit names it as of \(asOf.short). The report is due by \(deadline.short).",
                    time: lost.time, entries: [s.seq, lost.seq], patient: patient, people: [s.actor, lost.actor],
                    expected: "loss.reported (in_transit) for \(tracking) by \(deadline.short)", found: "no loss report",
                    figures: [Figure("report due by", deadline.short)],
                    basis: "21 CFR 1301.76(b) and 1301.74(c) (in-transit loss reported by the shipper to DEA within one business day of discovery, Form 106)",
                    action: "Report the in-transit loss to DEA on Form 106 now (csledger loss --kind in_transit --tracking \(tracking) --carrier ... --dea-notified TIME), and file a claim with the carrier.")
            }
        }
    }

    private mutating func shippedWithoutAdultSignature(_ s: Record, _ tracking: String, _ patient: String?, delivered: Record?, basis: String) {
        add(rule: 6, check: "shipped-without-adult-signature", subject: tracking, severity: .warning,
            title: "Parcel \(tracking) shipped without Adult Signature Required",
            detail: "Parcel \(tracking) (seq \(s.seq)) was shipped without the carrier's Adult Signature Required option; override reason: \"\((s.string(StatementMember.overrideReason) ?? "none").prefix(120))\".",
            time: s.time, entries: [s.seq], patient: patient, people: [s.actor],
            expected: "Adult Signature Required", found: "no adult signature option", basis: basis,
            action: "Check the override reason with the pharmacist in charge; if it is not justified, ask the carrier to add adult signature to the parcel if it is still in transit, and brief staff.")
    }
}
