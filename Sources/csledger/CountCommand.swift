import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a physical count by two people. It is blind: the expected number is not shown.")
    @OptionGroup var record: RecordOptions
    @Option(help: "Lot counted.") var lot: String
    @Option(help: "NDC, when the lot number is not unique.") var ndc: String?
    @Option(help: "What is on the shelf, in the lot's unit.") var counted: String

    func run() throws {
        let ledger = try record.target()
        let body = CountRecorded(lotID: try ledger.lotID(lot: lot, ndc: ndc), counted: try parseQuantity(counted, "--counted", allowZero: true))
        try record.record(body, ledger: ledger) { "count of lot \(lot) recorded at seq \($0); the compliance officer sees any variance in the reconciliation" }
    }
}
