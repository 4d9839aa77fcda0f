import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Destroy: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record a destruction (DEA Form 41) with two witnesses.")
    @OptionGroup var record: RecordOptions
    @Option(help: "LOT=QUANTITY destroyed (repeatable).") var lot: [String] = []
    @Option(help: "NDC, when a lot number is not unique.") var ndc: String?
    @Option(help: "Method (e.g. incineration by reverse distributor).") var method: String
    @Option(help: "Where it was destroyed.") var location: String
    @Option(help: "Why (e.g. expired).") var reason: String?

    func run() throws {
        let ledger = try record.target()
        let body = DestructionRecorded(method: method, location: location, reason: reason, items: try lotItems(lot, ndc: ndc, ledger: ledger))
        try record.record(body, ledger: ledger) { "destruction recorded at seq \($0)" }
    }
}
