/// `patient.policy_set`: a prescriber's dispensing policy for one patient, in force from this entry on.
/// Actor: clinician. CLI: `csledger patient policy`. While it is `in_clinic_only`, fills and parcels for the
/// patient are refused. It is not corrected: record the right one.
public struct PatientPolicySet: StatementBody {
    public static let type = DispensingType.patientPolicySet

    public enum Member {
        public static let patient = "patient"
        public static let policy = "policy"
        public static let reason = "reason"
    }

    /// The policy.
    public enum Policy: String, Sendable, CaseIterable {
        /// Dosed in the clinic under supervision; no take-home doses.
        case inClinicOnly = "in_clinic_only"
        case takeHomeAllowed = "take_home_allowed"
    }

    /// The reason codes a policy may give (the clinical reason itself stays off the chain).
    public static let reasons = ["substance_use_history", "misuse_risk", "stable_on_treatment", "programme_rule", "clinical_judgement"]

    /// The patient, `{ref, commitment}`, on file.
    public var patient: PersonalDataReference
    /// In-clinic only or take-home allowed.
    public var policy: Policy
    /// One of `reasons`, never the clinical history.
    public var reason: String
    public var asWritten: [String: JSONValue] = [:]

    public init(patient: PersonalDataReference, policy: Policy, reason: String) {
        self.patient = patient
        self.policy = policy
        self.reason = reason
    }

    public init(reading r: BodyReader) throws {
        patient = try r.read(Member.patient)
        policy = try r.oneOf(Member.policy)
        reason = try r.oneOf(Member.reason, Self.reasons)
    }

    public var members: [String: JSONValue] {
        [Member.patient: patient.jsonValue, Member.policy: .string(policy.rawValue), Member.reason: .string(reason)]
    }
}
