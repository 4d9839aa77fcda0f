/// The statement types of the dispensing records (the roles that may record and witness each are the
/// Dispensing module's). Names only, here in LedgerCore, so that every module, the HTTP client included,
/// spells them from one place. `docs/EVENTS.md` describes every body field.
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
}
