import CSLedgerKit
import Dispensing
import LedgerCore
import Simulation

/// What the timed appends write into the simulated clinic's ledger: infusion doses
/// (`dose.administered`, 0.5 mL drawn and given, nothing wasted) from one large vial lot received for
/// the benchmark, for patients already on file, by the simulation's enrolled clinicians. Each is a real
/// dispensing record: the projection checks the lot, the patient reference and the balance, and the
/// lot's balance goes down.
struct Workload: Sendable {
    static let lotNumber = "BENCH-LOT"
    static let ndc = ClinicSim.vialNDC

    let facility: SignerKey
    /// One per concurrent writer (the simulation's clinicians).
    let clinicians: [SignerKey]
    let lotID: String
    let patients: [PersonalData.Reference]

    init(patients: [PersonalData.Reference]) throws {
        facility = SimulatedLedger.key("facility")
        clinicians = ["clin1", "clin2", "clin3", "clin4"].map { SimulatedLedger.key($0) }
        lotID = DispensingProjection.lotID(ndc: try NDC(Self.ndc), lot: Self.lotNumber)
        self.patients = patients
    }

    /// The receipt of the benchmark's lot: 100,000 vials of 10 mL, enough for every timed dose.
    static func receipt(time: Timestamp) -> LotReceived {
        LotReceived(
            supplier: ClinicSim.supplier, invoice: "INV-BENCH",
            drug: DrugDescription(name: "Ketamine HCl", strength: "50 mg/mL", form: "injection, solution"),
            ndc: ndc, lot: lotNumber, expiry: time.adding(milliseconds: 3 * 365 * 86_400_000).dateString,
            containers: 100_000, unitsPerContainer: Quantity(micros: 10_000_000), unit: "mL", quantity: Quantity(micros: 1_000_000 * 1_000_000))
    }

    static let halfUnit = Quantity(micros: 500_000)

    /// The body of the `i`th dose (`tag` keeps runs apart: each statement is unique).
    func body(_ i: Int, tag: String = "") -> DoseAdministered {
        DoseAdministered(lotID: lotID, patient: patients[i % patients.count], order: "ORD-BENCH\(tag)-\(i)",
                         drawn: Self.halfUnit, given: Self.halfUnit, wasted: .zero)
    }

    /// The `i`th statement, signed by clinician `signer`.
    func signed(_ i: Int, signer: Int = 0, tag: String = "", time: Timestamp = .now()) throws -> SignedStatement {
        let key = clinicians[signer % clinicians.count]
        let statement = try Statement(type: DoseAdministered.type, time: time, actor: key.keyID,
                                      log: SimulatedLedger.defaultOrigin, body: body(i, tag: tag).body)
        return try SignedStatement(statement: statement, actorKey: key)
    }
}
