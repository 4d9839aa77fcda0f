import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct LostInTransit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lost-in-transit", abstract: "Record that the carrier lost a parcel (then file the loss with `csledger loss --kind in_transit`).")
    @OptionGroup var record: RecordOptions
    @Option(help: "Tracking number.") var tracking: String
    @Option(help: "What the carrier said.") var reason: String

    func run() throws {
        let ledger = try record.target()
        try record.record(ShipmentLost(tracking: tracking, reason: reason), ledger: ledger) {
            "shipment \(tracking) recorded as lost at seq \($0); report it to DEA (Form 106) within 1 business day: csledger loss --kind in_transit --tracking \(tracking)"
        }
    }
}
