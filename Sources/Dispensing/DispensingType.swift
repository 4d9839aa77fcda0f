import LedgerCore

/// The statement types of the dispensing records, with who may record and witness each.
/// `docs/EVENTS.md` describes every body field.
public enum DispensingType {
    public static let lotReceived = "lot.received"
    public static let lotStatusChanged = "lot.status_changed"
    public static let prescriptionAdded = "rx.added"
    public static let doseAdministered = "dose.administered"
    public static let prescriptionDispensed = "rx.dispensed"
    public static let shipmentSent = "shipment.sent"
    public static let shipmentDelivered = "shipment.delivered"
    public static let shipmentReturned = "shipment.returned"
    public static let shipmentLost = "shipment.lost"
    public static let wasteRecorded = "waste.recorded"
    public static let destructionRecorded = "destruction.recorded"
    public static let lossReported = "loss.reported"
    public static let countRecorded = "count.recorded"
    public static let entryCorrected = "entry.corrected"
    /// A prescriber's dispensing policy for one patient: in-clinic only (no take-home) or take-home allowed.
    public static let patientPolicySet = "patient.policy_set"
    /// Who discharged a patient after a monitored clinic dose, and when (the statement's time).
    public static let doseDischarged = "dose.discharged"
    /// New values for the registrant's identifiers (name, address, NPI, NCPDP, state licence).
    public static let facilityUpdated = "facility.updated"
    /// Stock handed to another registrant (a sister location, a reverse distributor) with an invoice naming both DEA numbers.
    public static let transferOut = "transfer.out"
    /// A compliance officer's resolution of a reconciliation finding (not a stock event; cannot be corrected).
    public static let findingResolved = "finding.resolved"

    /// Every dispensing type.
    public static let all: [String] = [
        lotReceived, lotStatusChanged, prescriptionAdded, doseAdministered, prescriptionDispensed, shipmentSent,
        shipmentDelivered, shipmentReturned, shipmentLost, wasteRecorded, destructionRecorded, lossReported,
        countRecorded, entryCorrected, patientPolicySet, doseDischarged, facilityUpdated, transferOut,
    ]

    /// The reason codes a `patient.policy_set` may give (the clinical reason itself stays off the chain).
    public static let policyReasons = ["substance_use_history", "misuse_risk", "stable_on_treatment", "programme_rule", "clinical_judgement"]

    /// The roles that may record each type.
    static let actorRoles: [String: Set<Role>] = [
        lotReceived: [.pharmacist, .clinician],
        lotStatusChanged: [.pharmacist, .compliance],
        prescriptionAdded: [.pharmacist],
        doseAdministered: [.clinician],
        prescriptionDispensed: [.pharmacist],
        shipmentSent: [.pharmacist],
        shipmentDelivered: [.pharmacist],
        shipmentReturned: [.pharmacist],
        shipmentLost: [.pharmacist, .compliance],
        wasteRecorded: [.pharmacist, .clinician],
        destructionRecorded: [.pharmacist, .compliance],
        lossReported: [.pharmacist, .compliance],
        countRecorded: [.pharmacist, .clinician, .compliance],
        entryCorrected: [.pharmacist, .clinician, .compliance],
        findingResolved: [.compliance],
        patientPolicySet: [.clinician],
        doseDischarged: [.clinician],
        facilityUpdated: [.admin],
        transferOut: [.pharmacist, .compliance],
    ]

    /// True for the types this module checks and projects (every type in `all`, and `finding.resolved`).
    public static func isKnown(_ type: String) -> Bool { actorRoles[type] != nil }

    /// The roles that may witness.
    static let witnessRoles: Set<Role> = [.witness, .pharmacist, .clinician, .compliance, .admin]
}
