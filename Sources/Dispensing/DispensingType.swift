import LedgerCore

/// Who may record and witness each dispensing statement type (the names are in LedgerCore).
extension DispensingType {
    /// The reason codes a `patient.policy_set` may give (the clinical reason itself stays off the chain).
    package static let policyReasons = PatientPolicySet.reasons

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
    package static func isKnown(_ type: String) -> Bool { actorRoles[type] != nil }

    /// The roles that may witness.
    static let witnessRoles: Set<Role> = [.witness, .pharmacist, .clinician, .compliance, .admin]
}
