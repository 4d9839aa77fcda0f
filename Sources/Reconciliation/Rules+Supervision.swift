import Dispensing
import Foundation
import LedgerCore

extension Run {
    // MARK: Rule 12: supervised dosing and post-dose monitoring

    /// In-clinic-only policies recorded after a fill that had not reached the patient yet.
    mutating func supervisedDosing() {
        let policies = facts.live(DispensingType.patientPolicySet)
        guard !policies.isEmpty else { return }
        let basis = "the programme's supervised-dosing rule (no take-home doses for a patient kept in the clinic); 21 CFR 1306.04(a) (corresponding responsibility of the pharmacist)"
        // Each fill's parcel (tracking) and each parcel's closing entry.
        struct Fill: Hashable { let rx: String; let number: Int }
        var parcelOf: [Fill: Record] = [:]
        for s in facts.live(DispensingType.shipmentSent) {
            for f in s.body.objects(ShipmentSent.Member.fills) {
                if let rx = f.string(FillReference.Member.rxNumber), let n = f.integer(FillReference.Member.fillNumber) { parcelOf[Fill(rx: rx, number: n)] = s }
            }
        }
        var closing: [String: Record] = [:]
        for type in [DispensingType.shipmentDelivered, DispensingType.shipmentReturned, DispensingType.shipmentLost] {
            for e in facts.live(type) {
                if let t = e.string(ShipmentDelivered.Member.tracking), closing[t].map({ $0.seq > e.seq }) ?? true { closing[t] = e }
            }
        }
        var fillsByPatient: [String: [Record]] = [:]
        for f in facts.live(DispensingType.prescriptionDispensed) { if let p = f.patientRef { fillsByPatient[p, default: []].append(f) } }
        var byPatient: [String: [Record]] = [:]
        for p in policies { if let ref = p.patientRef { byPatient[ref, default: []].append(p) } }
        for (ref, list) in byPatient {
            for (i, policy) in list.enumerated() where policy.string(PatientPolicySet.Member.policy) == PatientPolicySet.Policy.inClinicOnly.rawValue {
                // The policy stands until the next policy of the patient (take-home allowed again).
                let until = i + 1 < list.count ? list[i + 1].seq : Int.max
                for fill in fillsByPatient[ref] ?? [] where fill.seq < policy.seq {
                    guard let rx = fill.string(PrescriptionDispensed.Member.rxNumber), let n = fill.integer(PrescriptionDispensed.Member.fillNumber) else { continue }
                    let parcel = parcelOf[Fill(rx: rx, number: n)]
                    let close = parcel.flatMap { $0.string(ShipmentSent.Member.tracking) }.flatMap { closing[$0] }
                    if let close, close.seq < policy.seq { continue }  // it had reached the patient (or come back) already
                    if let close, close.type == DispensingType.shipmentReturned { continue }  // intercepted: it came back
                    if let close, close.seq > until { continue }  // delivered after take-home was allowed again
                    let state: String
                    var severity = Severity.warning
                    if let parcel, let close, close.type == DispensingType.shipmentDelivered {
                        state = "its parcel \(parcel.string(ShipmentSent.Member.tracking) ?? "") was delivered at \((close.time(ShipmentDelivered.Member.delivered) ?? close.time).short) (seq \(close.seq)), after the policy"
                        severity = .critical
                    } else if let parcel, let close {
                        state = "its parcel \(parcel.string(ShipmentSent.Member.tracking) ?? "") was recorded lost (seq \(close.seq))"
                    } else if let parcel {
                        state = "its parcel \(parcel.string(ShipmentSent.Member.tracking) ?? "") (seq \(parcel.seq)) is still in transit"
                    } else {
                        state = "it has not been shipped; it can no longer be"
                    }
                    let entries = [policy.seq, fill.seq] + (parcel.map { [$0.seq] } ?? []) + (close.map { [$0.seq] } ?? [])
                    add(rule: 12, check: "open-fill-after-in-clinic-policy", subject: "\(policy.seq)|\(fill.seq)", severity: severity,
                        title: "Fill \(n) of \(rx) is open although patient \(ref) is now in-clinic-only",
                        detail: "Patient \(ref) was made in-clinic-only at seq \(policy.seq) (\(policy.time.short), reason \(policy.string(PatientPolicySet.Member.reason) ?? "none"), by \(who(policy.actor))). Fill \(n) of \(rx) (seq \(fill.seq), \(fill.time.short)) had not reached the patient then: \(state).",
                        time: policy.time, entries: entries, patient: ref, people: [policy.actor, fill.actor] + (parcel.map { [$0.actor] } ?? []),
                        expected: "no take-home supply reaching an in-clinic-only patient", found: state, basis: basis,
                        action: parcel == nil
                            ? "Void the fill (csledger correct --seq \(fill.seq)) so its stock returns to the shelf, and tell the prescriber."
                            : "Ask the carrier to intercept the parcel and return it (csledger return), or, if it was delivered, tell the prescriber at once and document what the patient received.")
                }
            }
        }
    }

    /// Clinic doses with no discharge, or discharged sooner than the product's minimum monitoring time.
    mutating func monitoring() {
        let doses = facts.doses
        guard !doses.isEmpty else { return }
        // A discharge for each dose: dose.discharged entries, or the dose's own monitored_until.
        var discharges: [Int: (time: Timestamp, by: KeyID, seq: Int)] = [:]
        for e in facts.live(DispensingType.doseDischarged) {
            if let d = e.integer(DoseDischarged.Member.doseSeq), discharges[d] == nil { discharges[d] = (e.time, e.actor, e.seq) }
        }
        var firstMonitoring = discharges.keys.min() ?? Int.max
        // Each dose's own `monitored_until`, read from its body once: in the kept reconciliation only the doses
        // appended since the last answer are read (a dose's body never changes; a corrected one is left out here).
        var untils = keptValue("monitoring.until", as: MonitoredUntil.self) ?? MonitoredUntil()
        var first = doses.count
        while first > 0, doses[first - 1].record.seq > untils.lastSeq { first -= 1 }
        for d in doses[first...] {
            if let until = d.record.time(DoseAdministered.Member.monitoredUntil) { untils.bySeq[d.record.seq] = (until, d.record.actor) }
        }
        untils.lastSeq = max(untils.lastSeq, doses.last?.record.seq ?? -1)
        keep(value: untils, as: "monitoring.until")
        let corrected = facts.corrected
        for (seq, u) in untils.bySeq where !corrected.contains(seq) {
            discharges[seq] = (u.time, u.by, seq)
            firstMonitoring = min(firstMonitoring, seq)
        }
        let minimums = config.monitoringMinimumMinutes
        guard firstMonitoring != Int.max || !minimums.isEmpty else { return }
        let basis = "the clinic's post-dose monitoring protocol; esketamine REMS (at least 2 hours of monitoring, until sedation and dissociation resolve)"
        // The minimum of each lot's product (its NDC), worked out once a lot.
        var minimumByLot: [String: Double?] = [:]
        for d in doses {
            let e = d.record
            let minimum: Double?
            if let lot = d.lotID {
                if let m = minimumByLot[lot] { minimum = m } else {
                    let ndc11 = lot.split(separator: ":").first.map(String.init)
                    minimum = ndc11.flatMap { minimums[$0] } ?? minimums["*"]
                    minimumByLot[lot] = minimum
                }
            } else {
                minimum = minimums["*"]
            }
            guard let discharge = discharges[e.seq] else {
                // From the first monitoring record on (or for products with a configured minimum), every dose needs one.
                guard e.seq >= firstMonitoring || minimum != nil else { continue }
                let waited = asOf.hours(since: e.time)
                guard waited > config.dischargeRecordHours else { continue }
                add(rule: 12, check: "dose-without-discharge", subject: "\(e.seq)", severity: .warning,
                    title: "Dose at seq \(e.seq) by \(who(e.actor)): no discharge recorded",
                    detail: "The dose given by \(who(e.actor)) at \(e.time.short) (seq \(e.seq), lot \(d.lotID ?? "unknown")) has no record of who discharged the patient and when, \(fmt(waited, 1)) hours later.",
                    time: e.time, entries: [e.seq], lot: d.lotID, patient: e.patientRef, people: [e.actor],
                    expected: "a discharge (csledger discharge or administer --monitored-until) within \(fmt(config.dischargeRecordHours)) hours",
                    found: "no discharge", figures: [Figure("hours since the dose", fmt(waited, 1))], basis: basis,
                    action: "Ask \(who(e.actor)) who discharged the patient and when, and record it (csledger discharge --dose \(e.seq) --time ... --key CLINICIAN.pem); a REMS dose also needs its monitoring form.")
                continue
            }
            guard let minimum else { continue }
            let minutes = Double(discharge.time.millisecondsSinceEpoch - e.time.millisecondsSinceEpoch) / 60_000
            guard minutes < minimum else { continue }
            add(rule: 12, check: "monitoring-too-short", subject: "\(e.seq)", severity: .warning,
                title: "Dose at seq \(e.seq) by \(who(e.actor)): patient discharged after \(fmt(minutes, 0)) of \(fmt(minimum, 0)) minutes",
                detail: "The patient of the dose given by \(who(e.actor)) at \(e.time.short) (seq \(e.seq), lot \(d.lotID ?? "unknown")) was discharged by \(who(discharge.by)) at \(discharge.time.short) (seq \(discharge.seq)), \(fmt(minutes, 0)) minutes later; the minimum for this product is \(fmt(minimum, 0)) minutes.",
                time: e.time, entries: Array(Set([e.seq, discharge.seq])), lot: d.lotID, patient: e.patientRef, people: [e.actor, discharge.by],
                expected: "monitored at least \(fmt(minimum, 0)) minutes", found: "discharged after \(fmt(minutes, 0)) minutes",
                figures: [Figure("minutes monitored", fmt(minutes, 0)), Figure("minimum (minutes)", fmt(minimum, 0))], basis: basis,
                action: "Review the session with \(who(discharge.by)): why the patient left early, whether they were fit to leave, and brief staff on the protocol.")
        }
    }
}

/// The doses' own ends of monitoring (`monitored_until`) read so far, by seq, and the highest seq read: what the
/// monitoring rule keeps between answers of the kept reconciliation.
struct MonitoredUntil: Sendable {
    var lastSeq = -1
    var bySeq: [Int: (time: Timestamp, by: KeyID)] = [:]
}
