/// Every statement body type csledger defines, by statement type.
public enum StatementBodies {
    /// The body types of the dispensing records (`DispensingType.all`) and `finding.resolved`.
    public static let dispensing: [any StatementBody.Type] = [
        LotReceived.self, LotStatusChanged.self, PrescriptionAdded.self, DoseAdministered.self, PrescriptionDispensed.self,
        ShipmentSent.self, ShipmentDelivered.self, ShipmentReturned.self, ShipmentLost.self, WasteRecorded.self,
        DestructionRecorded.self, LossReported.self, CountRecorded.self, EntryCorrected.self, PatientPolicySet.self,
        DoseDischarged.self, FacilityUpdated.self, TransferOut.self, FindingResolved.self,
    ]

    /// The body types of the core statements (`CoreStatementType.all`): the genesis, enrolment, revocation,
    /// facility key rotation and upgrade. Their checks that need the ledger's state are `SignerRegistry`'s.
    public static let core: [any StatementBody.Type] = [
        LedgerCreated.self, ActorEnrolled.self, ActorRevoked.self, FacilityKeyRotated.self, LedgerUpgraded.self,
    ]

    /// Every body type, core and dispensing.
    public static let all: [any StatementBody.Type] = core + dispensing

    private static let byType: [String: any StatementBody.Type] = Dictionary(uniqueKeysWithValues: all.map { ($0.type, $0) })

    /// The body type of statements of `type`, nil for a type without one.
    public static func bodyType(of type: String) -> (any StatementBody.Type)? { byType[type] }

    /// The body of `statement` read as its type's body, nil for a type without one.
    public static func read(_ statement: Statement) throws -> (any StatementBody)? {
        guard let t = byType[statement.type] else { return nil }
        return try t.init(body: statement.body)
    }
}
