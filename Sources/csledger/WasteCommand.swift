import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Waste: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record drug wasted, with a witness who is not you.")
    @OptionGroup var record: RecordOptions
    @Option(help: "Lot.") var lot: String
    @Option(help: "NDC, when the lot number is not unique.") var ndc: String?
    @Option(help: "Quantity wasted, in the lot's unit.") var quantity: String
    @Option(help: "Why (e.g. remainder of opened vial).") var reason: String
    @Option(help: "How (e.g. drug disposal container).") var method: String
    @Option(help: "Why a lot may go below zero.") var overrideReason: String?

    func run() throws {
        let ledger = try record.target()
        let body = WasteRecorded(lotID: try ledger.lotID(lot: lot, ndc: ndc), quantity: try parseQuantity(quantity, "--quantity"),
                                 reason: reason, method: method, overrideReason: overrideReason)
        try record.record(body, ledger: ledger) { "waste of \(quantity) from lot \(lot) recorded at seq \($0)" }
    }
}
