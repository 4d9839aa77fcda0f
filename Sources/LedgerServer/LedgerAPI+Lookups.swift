import CSLedgerKit
import Hummingbird
import LedgerCore

extension LedgerAPI {
    /// Lookups a client needs before it signs: who its token stands for, and a prescription's patient reference.
    func addLookupRoutes(to router: Router<LedgerRequestContext>) {
        let api = self
        // The signer the token belongs to, so a client can check it holds the matching key.
        router.get("/v1/me") { _, context in
            let s = try context.require(Self.everyone)
            return Self.json(["key_id": .string(s.keyID.hex), "name": .string(s.name), "role": .string(s.role.rawValue)])
        }
        // The patient reference a recorded prescription names (a reference and commitment, never personal data).
        router.get("/v1/prescriptions/:rx") { _, context in
            _ = try context.require(Self.staff)
            let rx = try context.parameters.require("rx")
            let ref = try api.ledger.prescriptionPatient(rx: rx)
            return Self.json(["rx_number": .string(rx), "patient": try api.ledger.personalData.reference(ref).json])
        }
    }
}
