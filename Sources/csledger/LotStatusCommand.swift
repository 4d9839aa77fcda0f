import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore

struct LotStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lot-status", abstract: "Quarantine, recall or release a lot (no dispensing or administering from a lot that is not active).")

    @OptionGroup var record: RecordOptions
    @Option(help: "Lot number.") var lot: String
    @Option(help: "NDC, when the lot number is not unique.") var ndc: String?
    @Option(help: "active, quarantined or recalled.") var status: String
    @Option(help: "Why.") var reason: String

    func run() throws {
        let ledger = try record.target()
        let lotID = try ledger.lotID(lot: lot, ndc: ndc)
        let body = LotStatusChanged(lotID: lotID, status: try LotStatusChanged.choice(status, for: LotStatusChanged.Member.status), reason: reason)
        try record.record(body, ledger: ledger) { "lot \(lot) is now \(status) (seq \($0))" }
    }
}
