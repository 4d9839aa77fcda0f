import ArgumentParser
import CSLedgerKit
import Dispensing
import LedgerCore

struct Dispense: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record a fill of a prescription from one or more lots.")
    @OptionGroup var record: RecordOptions
    @Option(help: "Rx number.") var rx: String
    @Option(help: "Fill number: 1 for the first fill, 2 for the first refill ...") var fill: Int
    @Option(help: "Quantity dispensed.") var quantity: String
    @Option(help: "Days supply.") var daysSupply: Int
    @Option(help: "Lot used (repeatable; LOT=QUANTITY when several).") var lot: [String] = []
    @Option(help: "NDC, when a lot number is not unique.") var ndc: String?
    @Option(help: "Why a lot may go below zero (the reconciliation will flag it).") var overrideReason: String?

    func run() throws {
        let ledger = try record.target()
        let patientRef = try ledger.prescriptionPatient(rx: rx)
        let amount = try parseQuantity(quantity, "--quantity")
        let lots = try lotItems(lot, ndc: ndc, ledger: ledger, total: quantity)
        let body = PrescriptionDispensed(rxNumber: rx, patient: try ledger.patientReference(patientRef), fillNumber: fill, quantity: amount,
                                         daysSupply: daysSupply, lots: lots, overrideReason: overrideReason)
        try record.record(body, ledger: ledger) { "fill \(fill) of \(rx) (\(quantity)) recorded at seq \($0)" }
    }
}
