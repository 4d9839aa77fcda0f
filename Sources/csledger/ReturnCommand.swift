import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Return: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "return", abstract: "Record a parcel that came back; its contents return to their lots.")
    @OptionGroup var record: RecordOptions
    @Option(help: "Tracking number.") var tracking: String
    @Option(help: "restock or quarantine.") var disposition: String
    @Option(help: "Why it came back.") var reason: String

    func run() throws {
        let ledger = try record.target()
        let body = ShipmentReturned(tracking: tracking, disposition: try ShipmentReturned.choice(disposition, for: ShipmentReturned.Member.disposition),
                                    reason: reason)
        try record.record(body, ledger: ledger) { "return of \(tracking) recorded at seq \($0)" }
    }
}
