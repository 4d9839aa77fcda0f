import Dispensing
import Foundation
import LedgerAccess
import LedgerCore
import LedgerStore

/// The README's front door: a demo ledger built from nothing, verified, with the
/// files an outsider needs to check it with `openssl` alone.
public enum DemoScenario {
    /// What the demo produced.
    public struct Result: Sendable {
        public let ledgerPath: String
        public let report: VerificationReport
        public let checkpoint: String
    }

    static let marker = ".csledger-demo"

    /// Builds the demo in `directory` (replacing an earlier demo there, refusing any other folder).
    public static func run(directory: String, say: (String) -> Void) throws -> Result {
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: directory)
        if fm.fileExists(atPath: dir.path) {
            guard fm.fileExists(atPath: dir.appendingPathComponent(marker).path) else {
                throw LedgerError(.invalidArgument, "\(directory) exists and is not an earlier demo; choose another --dir")
            }
            try fm.removeItem(at: dir)
        }
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        _ = fm.createFile(atPath: dir.appendingPathComponent(marker).path, contents: Data("csledger demo folder\n".utf8))
        let keysDir = dir.appendingPathComponent("Keys").path
        let ledgerPath = dir.appendingPathComponent("ledger.sqlite").path

        say("1. Keys: one Ed25519 key per signer, PEM files in \(keysDir)")
        var keys: [String: SignerKey] = [:]
        for name in ["facility", "pharmacist", "clinician", "witness", "compliance"] {
            let key = SignerKey()
            try KeyFiles.generate(name: name, directory: keysDir, key: key)
            keys[name] = key
            say("   \(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(key.keyID.short)…")
        }
        let facility = keys["facility"]!

        say("2. Ledger: \(ledgerPath), genesis entry signed by the facility key")
        let origin = "demo.csledger.example/ledger"
        let ledger = try Ledger.create(path: ledgerPath, origin: origin, facilityName: "Demo Ketamine Clinic",
                                       deaNumber: "BD1234563", facilityKey: facility)
        try ledger.database.setSetting("facility_key_path", URL(fileURLWithPath: keysDir).appendingPathComponent("facility.pem").standardizedFileURL.path)

        say("3. Signers enrolled by the facility (an admin):")
        for (name, role, person) in [("pharmacist", Role.pharmacist, "Dana Reyes, PharmD"),
                                     ("clinician", .clinician, "Sam Okafor, MD"),
                                     ("witness", .witness, "Lee Park, RN"),
                                     ("compliance", .compliance, "Ari Cohen")] {
            let e = try ledger.enroll(name: person, role: role, publicKey: keys[name]!.publicKey, adminKey: facility, facilityKey: facility)
            say("   seq \(e.entry.seq): \(person) as \(role.rawValue)")
        }

        try recordWeek(ledger: ledger, keys: keys, directory: dir, say: say)

        let inventory = try ledger.inventory()
        say("5. Inventory (on hand = received + returned − dispensed − administered − wasted − destroyed − lost):")
        for l in inventory.lines {
            say("   \(l.lot) \(l.drug): received \(l.received), administered \(l.administered), dispensed \(l.dispensed), wasted \(l.wasted), returned \(l.returned) → on hand \(l.onHand) \(l.unit)")
        }

        let report = try ledger.verify()
        say("6. Verification: \(report.entries) entries, \(report.signaturesChecked) signatures, \(report.checkpointsChecked) checkpoints: \(report.isClean ? "OK" : "FAILED")")
        for f in report.failures { say("   \(f)") }

        let cp = try ledger.checkpoint()
        let cpPath = dir.appendingPathComponent("checkpoint.txt").path
        try Data(cp.note.utf8).write(to: URL(fileURLWithPath: cpPath))
        say("7. Signed checkpoint (kept in \(cpPath)):")
        for line in cp.note.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { say("   \(line)") }

        let last = cp.treeSize - 1
        let signer = try ledger.database.entry(last).statement.actor
        let signerName = keys.first { $0.value.keyID == signer }?.key ?? "facility"
        let proof = try ledger.inclusionProof(seq: last)
        let proofPath = dir.appendingPathComponent("entry-\(last).tlog-proof").path
        try Data(proof.serialized.utf8).write(to: URL(fileURLWithPath: proofPath))
        say("8. Inclusion proof of entry \(last): \(proofPath)")

        // The files an outsider needs to check one signature with openssl alone.
        let entry = try ledger.database.entry(last)
        let stmtPath = dir.appendingPathComponent("entry-\(last).statement.jcs").path
        let sigPath = dir.appendingPathComponent("entry-\(last).sig").path
        try Data(entry.statement.signingInput).write(to: URL(fileURLWithPath: stmtPath))
        try Data(entry.signatures[0].signature).write(to: URL(fileURLWithPath: sigPath))
        say("9. Check entry \(last)'s signature without csledger:")
        say("   openssl pkeyutl -verify -pubin -inkey \(keysDir)/\(signerName).pub.pem -rawin -in \(stmtPath) -sigfile \(sigPath)")
        say("   Then: csledger verify --ledger \(ledgerPath) --checkpoint \(cpPath)")
        let from = Timestamp.now().adding(milliseconds: -7 * 86_400_000).dateString, to = Timestamp.now().dateString
        say("10. For an inspector, a signed bundle they can check with openssl and sha256sum (docs/verify-bundle.sh):")
        say("   csledger export inspection --ledger \(ledgerPath) --from \(from) --to \(to) --out inspection-\(to)")
        say("   csledger verify-report inspection-\(to)")
        return Result(ledgerPath: ledgerPath, report: report, checkpoint: cp.note)
    }

    /// A realistic week: two lots received, five patients, clinic doses with witnessed waste, home
    /// fills shipped with adult signature, one delivered, one returned, a waste and a blind count.
    static func recordWeek(ledger: Ledger, keys: [String: SignerKey], directory: URL, say: (String) -> Void) throws {
        let facility = keys["facility"]!, pharmacist = keys["pharmacist"]!, clinician = keys["clinician"]!, witness = keys["witness"]!
        let start = Timestamp.now().adding(milliseconds: -6 * 86_400_000)
        var hour: Int64 = 0
        func at(_ day: Int64, _ h: Int64) -> Timestamp { start.adding(milliseconds: (day * 24 + h) * 3_600_000) }
        func rec(_ body: some StatementBody, by key: SignerKey, witnesses: [SignerKey] = [], day: Int64, _ h: Int64) throws -> Int {
            hour = day * 24 + h
            return try ledger.record(body, key: key, witnessKeys: witnesses, facilityKey: facility, time: at(day, h)).entry.seq
        }
        let supplier = Party(name: "Demo Distribution Co.", address: "1 Wholesale Way, Columbus, OH 43215",
                             deaNumber: try DEANumber.completing("RD123456").description)
        let prescriber = Party(name: "Dr. Maya Lin", address: "200 Telehealth Ave, Austin, TX 78701",
                               deaNumber: try DEANumber.completing("BL765432").description)
        say("4. A week of records:")
        var seq = try rec(LotReceived(
            supplier: supplier, invoice: "INV-88120", drug: DrugDescription(name: "Ketamine HCl", strength: "50 mg/mL", form: "injection, solution"),
            ndc: "70000-123-10", lot: "KV2611A", expiry: "2028-03-31",
            containers: 10, unitsPerContainer: Quantity(micros: 10_000_000), unit: "mL", quantity: Quantity(micros: 100_000_000)
        ), by: pharmacist, witnesses: [witness], day: 0, 9)
        say("   seq \(seq): received 10 vials × 10 mL of ketamine 50 mg/mL, lot KV2611A (verified by the witness)")
        let tabletDrug = DrugDescription(name: "Ketamine HCl", strength: "100 mg", form: "tablet, sublingual")
        seq = try rec(LotReceived(
            supplier: supplier, invoice: "INV-88121", drug: tabletDrug, ndc: "70000-456-30", lot: "KT2610B", expiry: "2027-10-31",
            containers: 3, unitsPerContainer: Quantity(micros: 30_000_000), unit: "tablet", quantity: Quantity(micros: 90_000_000)
        ), by: pharmacist, witnesses: [witness], day: 0, 10)
        say("   seq \(seq): received 3 bottles × 30 sublingual tablets, lot KT2610B")
        var patients: [PersonalData.Reference] = []
        for (name, address, dob) in [("Ana Diaz", "12 Elm St, Austin, TX 78702", "1985-04-12"), ("Ben Cole", "8 Oak Rd, Austin, TX 78704", "1979-09-30"),
                                     ("Chen Wu", "44 Pine Ave, Austin, TX 78705", "1992-01-17"), ("Dee Ross", "9 Lake Dr, Dallas, TX 75201", "1968-06-02"),
                                     ("Eli Shah", "71 Hill Ct, Houston, TX 77002", "1990-11-23")] {
            patients.append(try ledger.personalData.add(kind: .patient, data: ["name": .string(name), "address": .string(address), "date_of_birth": .string(dob)]))
        }
        say("   five patients added; the ledger holds only their references and commitments")
        let vial = DispensingProjection.lotID(ndc: try NDC("70000-123-10"), lot: "KV2611A")
        let tablets = DispensingProjection.lotID(ndc: try NDC("70000-456-30"), lot: "KT2610B")
        seq = try rec(PatientPolicySet(patient: patients[0], policy: .inClinicOnly, reason: "substance_use_history"), by: clinician, day: 0, 12)
        say("   seq \(seq): the prescriber keeps the first patient in-clinic-only (dosed under supervision, no take-home fills)")
        var day: Int64 = 1
        for (i, p) in patients.prefix(3).enumerated() {
            for session in 0..<2 {
                day = Int64(1 + session * 2)
                seq = try rec(DoseAdministered(
                    lotID: vial, patient: p, order: "ORD-\(300 + i)", drawn: Quantity(micros: 1_000_000), given: Quantity(micros: 800_000),
                    wasted: Quantity(micros: 200_000), wasteMethod: "drug disposal container"
                ), by: clinician, witnesses: [witness], day: day, 9 + Int64(i))
            }
        }
        say("   6 infusion doses: 1 mL drawn, 0.8 mL given, 0.2 mL wasted with the witness signing each time (last seq \(seq))")
        let discharged = try rec(DoseDischarged(doseSeq: seq), by: clinician, day: 3, 13)
        say("   seq \(discharged): the patient of the last dose monitored two hours and discharged by the clinician")
        for (rx, p, qty, refills) in [("RX-5001", patients[3], Int64(6), 2), ("RX-5002", patients[4], Int64(8), 1)] {
            let quantity = Quantity(micros: qty * Quantity.microsPerUnit)
            _ = try rec(PrescriptionAdded(
                rxNumber: rx, issued: at(0, 0).dateString, patient: p, prescriber: prescriber, drug: tabletDrug, quantity: quantity, unit: "tablet",
                directions: "Dissolve 1 tablet under the tongue as directed, at most twice weekly", refillsAuthorized: refills, daysSupply: 21
            ), by: pharmacist, day: 1, 14)
            _ = try rec(PrescriptionDispensed(
                rxNumber: rx, patient: p, fillNumber: 1, quantity: quantity, daysSupply: 21, lots: [LotQuantity(lotID: tablets, quantity: quantity)]
            ), by: pharmacist, day: 1, 15)
        }
        say("   2 prescriptions filled from lot KT2610B (6 and 8 tablets)")
        _ = try rec(ShipmentSent(carrier: "UPS", service: "Next Day Air", tracking: "1Z999AA10123456784", adultSignatureRequired: true,
                                 fills: [FillReference(rxNumber: "RX-5001", fillNumber: 1)]), by: pharmacist, day: 1, 16)
        _ = try rec(ShipmentSent(carrier: "UPS", service: "Next Day Air", tracking: "1Z999AA10123456795", adultSignatureRequired: true,
                                 fills: [FillReference(rxNumber: "RX-5002", fillNumber: 1)]), by: pharmacist, day: 1, 16)
        let image = Array("demo signature image (PNG from the carrier's proof of delivery)".utf8)
        let signer = try ledger.addDeliverySigner(try PersonalData.deliverySignerData(name: "Dee Ross", idLastDigits: "4821"),
                                                  signatureImage: image, imageType: "png")
        _ = try rec(ShipmentDelivered(tracking: "1Z999AA10123456784", delivered: at(2, 11).description, signer: signer.reference, ageVerified: true,
                                      idType: .driversLicense, signatureImageSHA256: signer.signatureImageSHA256), by: pharmacist, day: 2, 13)
        _ = try rec(ShipmentReturned(tracking: "1Z999AA10123456795", disposition: .restock, reason: "no adult available after 3 attempts"),
                    by: pharmacist, day: 4, 10)
        say("   2 parcels shipped Adult Signature Required: one delivered (ID checked, signature image kept), one returned to stock")
        _ = try rec(WasteRecorded(lotID: vial, quantity: Quantity(micros: 4_000_000), reason: "opened vial past its beyond-use time",
                                  method: "drug disposal container"), by: clinician, witnesses: [witness], day: 5, 17)
        let onHand = try ledger.inventory(lot: "KV2611A").lines.first?.onHand ?? .zero
        seq = try rec(CountRecorded(lotID: vial, counted: onHand), by: pharmacist, witnesses: [witness], day: 5, 18)
        say("   a waste of 4 mL witnessed, and a blind count of lot KV2611A by two people (seq \(seq))")
        _ = hour
    }
}
