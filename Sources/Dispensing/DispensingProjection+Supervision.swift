import Foundation
import GRDB
import LedgerCore

/// Supervised dosing: a patient's dispensing policy, products that are only ever administered, and the
/// discharge that ends each monitored clinic dose.
extension DispensingProjection {
    /// `patient.policy_set`: the prescriber's policy for one patient, in force from this entry on.
    func setPolicy(_ c: Context, _ b: PatientPolicySet) throws {
        let patientRef = try patient(c, b.patient)
        try c.db.cachedStatement(sql: "INSERT OR REPLACE INTO patient_policies (patient_ref, policy, seq) VALUES (?, ?, ?)")
            .execute(arguments: [patientRef, b.policy.rawValue, c.seq])
    }

    /// Refuses a fill or a parcel for a patient the programme keeps in the clinic.
    func requireTakeHomeAllowed(_ c: Context, patientRef: String) throws {
        guard let row = try Row.fetchOne(c.db.cachedStatement(sql: "SELECT policy, seq FROM patient_policies WHERE patient_ref = ?"),
                                         arguments: [patientRef]),
              (row[0] as String) == "in_clinic_only" else { return }
        let seq: Int = row[1]
        throw c.fail("patient \(patientRef) is in-clinic-only (policy entry seq \(seq)): no take-home dose may be dispensed or shipped; dose them in the clinic (csledger administer)")
    }

    /// `lot.received` with `in_clinic_only: true` marks its product (the NDC) as administered only, from then on
    /// (a receipt of esketamine without it is refused by `LotReceived` itself).
    func markInClinicOnly(_ c: Context, ndc: NDC, _ b: LotReceived) throws {
        guard b.inClinicOnly == true else { return }
        try c.db.cachedStatement(sql: "INSERT OR IGNORE INTO in_clinic_products (ndc11, seq) VALUES (?, ?)").execute(arguments: [ndc.normalized, c.seq])
    }

    /// Refuses dispensing from a lot of a product received as in-clinic-only.
    func requireDispensable(_ c: Context, lotID: String, path: String) throws {
        guard let ndc11 = lotID.split(separator: ":").first,
              let seq = try Int.fetchOne(c.db.cachedStatement(sql: "SELECT seq FROM in_clinic_products WHERE ndc11 = ?"), arguments: [String(ndc11)])
        else { return }
        throw c.error(path + LotQuantity.Member.lotID, "lot \(lotID) is of an in-clinic-only product (marked at seq \(seq)): it is only administered in the clinic, never dispensed or shipped")
    }

    /// `dose.administered` may carry `monitored_until`: the administering clinician discharged the patient then.
    func dischargeInline(_ c: Context, _ b: DoseAdministered) throws {
        guard let until = b.monitoredUntil else { return }
        guard until >= c.time else { throw c.error(DoseAdministered.Member.monitoredUntil, "is before the dose was given") }
        guard until <= c.entry.logged.adding(milliseconds: 300_000) else { throw c.error(DoseAdministered.Member.monitoredUntil, "is in the future") }
        try c.db.cachedStatement(sql: "INSERT INTO discharges (dose_seq, seq, discharged) VALUES (?, ?, ?)")
            .execute(arguments: [c.seq, c.seq, until.description])
    }

    /// `dose.discharged`: the clinician who discharged the patient of dose `dose_seq`, at the statement's time.
    func discharge(_ c: Context, _ b: DoseDischarged) throws {
        let doseSeq = b.doseSeq
        guard doseSeq < c.seq,
              let dose = try Row.fetchOne(c.db.cachedStatement(sql: "SELECT type, time FROM entries WHERE seq = ?"), arguments: [doseSeq]),
              (dose[0] as String) == DispensingType.doseAdministered
        else { throw c.error(DoseDischarged.Member.doseSeq, "must name an earlier dose.administered entry") }
        if try Int.fetchOne(c.db.cachedStatement(sql: "SELECT seq FROM corrections WHERE corrected_seq = ?"), arguments: [doseSeq]) != nil {
            throw c.error(DoseDischarged.Member.doseSeq, "names dose \(doseSeq), which was corrected")
        }
        if let earlier = try Int.fetchOne(c.db.cachedStatement(sql: "SELECT seq FROM discharges WHERE dose_seq = ?"), arguments: [doseSeq]) {
            throw c.fail("the patient of dose \(doseSeq) was already discharged (seq \(earlier)); correct that entry first if it is wrong")
        }
        if let given = Timestamp(dose[1] as String), c.time < given {
            throw c.fail("the discharge is timed before dose \(doseSeq) was given (\(given))")
        }
        try c.db.cachedStatement(sql: "INSERT INTO discharges (dose_seq, seq, discharged) VALUES (?, ?, ?)")
            .execute(arguments: [doseSeq, c.seq, c.time.description])
    }
}
