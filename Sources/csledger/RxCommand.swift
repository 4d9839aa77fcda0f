import ArgumentParser
import CSLedgerKit
import Dispensing
import LedgerCore

struct Rx: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record prescriptions.", subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a prescription (Schedule III: at most 5 refills, no fill after 6 months from issue).")
        @OptionGroup var record: RecordOptions
        @Option(help: "Rx number.") var rx: String
        @Option(help: "Date issued, YYYY-MM-DD.") var issued: String
        @Option(help: "Patient reference from `csledger patient add`.") var patient: String
        @Option(help: "Prescriber's name.") var prescriberName: String
        @Option(help: "Prescriber's address.") var prescriberAddress: String
        @Option(help: "Prescriber's DEA number.") var prescriberDea: String
        @Option(help: "Drug name.") var drug: String
        @Option(help: "Strength.") var strength: String
        @Option(help: "Dosage form.") var form: String
        @Option(help: "NDC, if the prescription names one.") var ndc: String?
        @Option(help: "Quantity per fill, in --unit.") var quantity: String
        @Option(help: "Unit: tablet, troche, mL ...") var unit: String
        @Option(help: "Directions for use.") var directions: String
        @Option(help: "Refills authorized (0-5).") var refills: Int
        @Option(help: "Days supply per fill.") var daysSupply: Int?

        func run() throws {
            let ledger = try record.target()
            let ref = try ledger.patientReference(patient)
            var body: [String: JSONValue] = [
                "rx_number": .string(rx), "issued": .string(issued), "patient": ref.json,
                "prescriber": ["name": .string(prescriberName), "address": .string(prescriberAddress), "dea_number": .string(prescriberDea)],
                "drug": ["name": .string(drug), "strength": .string(strength), "form": .string(form)],
                "quantity": try quantityText(quantity, "--quantity"), "unit": .string(unit), "directions": .string(directions),
                "refills_authorized": .number(Double(refills)),
            ]
            if let ndc { body["ndc"] = .string(ndc) }
            if let daysSupply { body["days_supply"] = .number(Double(daysSupply)) }
            try record.record(DispensingType.prescriptionAdded, body, ledger: ledger) { "prescription \(rx) recorded at seq \($0)" }
        }
    }
}
