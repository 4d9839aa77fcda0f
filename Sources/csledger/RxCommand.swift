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
            let body = PrescriptionAdded(
                rxNumber: rx, issued: issued, patient: ref,
                prescriber: Party(name: prescriberName, address: prescriberAddress, deaNumber: prescriberDea),
                drug: DrugDescription(name: drug, strength: strength, form: form), ndc: ndc,
                quantity: try parseQuantity(quantity, "--quantity"), unit: unit, directions: directions,
                refillsAuthorized: refills, daysSupply: daysSupply)
            try record.record(body, ledger: ledger) { "prescription \(rx) recorded at seq \($0)" }
        }
    }
}
