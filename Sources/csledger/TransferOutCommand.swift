import ArgumentParser
import CSLedgerKit
import Dispensing
import LedgerCore

struct TransferOut: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer-out",
        abstract: "Record stock handed to another DEA registrant (a sister location, a reverse distributor) with the invoice naming both.")
    @OptionGroup var record: RecordOptions
    @Option(help: "The receiving registrant's name.") var toName: String
    @Option(help: "The receiving registrant's address.") var toAddress: String
    @Option(help: "The receiving registrant's DEA number.") var toDea: String
    @Option(help: "The transfer invoice number.") var invoice: String
    @Option(help: "A lot and the quantity transferred, LOT=QUANTITY (repeatable).") var lot: [String] = []
    @Option(help: "NDC, when a lot number is not unique.") var ndc: String?
    @Option(help: "Why (e.g. expired stock to the reverse distributor).") var reason: String?

    func run() throws {
        let ledger = try record.target()
        let body = LedgerCore.TransferOut(to: Party(name: toName, address: toAddress, deaNumber: toDea), invoice: invoice, reason: reason,
                               items: try lotItems(lot, ndc: ndc, ledger: ledger))
        try record.record(body, ledger: ledger) { "transfer to \(toDea.prefix(20)) (invoice \(invoice.prefix(40))) recorded at seq \($0)" }
    }
}
