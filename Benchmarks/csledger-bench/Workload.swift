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
    let patients: [JSONValue]

    init(patients: [PersonalData.Reference]) throws {
        facility = SimulatedLedger.key("facility")
        clinicians = ["clin1", "clin2", "clin3", "clin4"].map { SimulatedLedger.key($0) }
        lotID = DispensingProjection.lotID(ndc: try NDC(Self.ndc), lot: Self.lotNumber)
        self.patients = patients.map(\.json)
    }

    /// The receipt of the benchmark's lot: 100,000 vials of 10 mL, enough for every timed dose.
    static func receiptBody(time: Timestamp) -> [String: JSONValue] {
        [
            "supplier": ClinicSim.supplier, "invoice": "INV-BENCH",
            "drug": ["name": "Ketamine HCl", "strength": "50 mg/mL", "form": "injection, solution"],
            "ndc": .string(ndc), "lot": .string(lotNumber), "expiry": .string(time.adding(milliseconds: 3 * 365 * 86_400_000).dateString),
            "containers": 100_000, "units_per_container": "10", "unit": "mL", "quantity": "1000000",
        ]
    }

    /// The body of the `i`th dose (`tag` keeps runs apart: each statement is unique).
    func body(_ i: Int, tag: String = "") -> [String: JSONValue] {
        ["lot_id": .string(lotID), "patient": patients[i % patients.count], "order": .string("ORD-BENCH\(tag)-\(i)"),
         "drawn": "0.5", "given": "0.5", "wasted": "0"]
    }

    /// The `i`th statement, signed by clinician `signer`.
    func signed(_ i: Int, signer: Int = 0, tag: String = "", time: Timestamp = .now()) throws -> SignedStatement {
        let key = clinicians[signer % clinicians.count]
        let statement = try Statement(type: DispensingType.doseAdministered, time: time, actor: key.keyID,
                                      log: SimulatedLedger.defaultOrigin, body: body(i, tag: tag))
        return try SignedStatement(statement: statement, actorKey: key)
    }
}
