import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Loss: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Report a theft or loss (DEA Form 106 data); DEA wants it within 1 business day.")
    @OptionGroup var record: RecordOptions
    @Option(help: "theft, loss or in_transit.") var kind: String
    @Option(help: "When it was discovered, UTC like 2026-11-23T14:05:09Z.") var discovered: String
    @Option(help: "LOT=QUANTITY lost from stock (repeatable; not for in_transit).") var lot: [String] = []
    @Option(help: "NDC, when a lot number is not unique.") var ndc: String?
    @Option(help: "Tracking number (in_transit).") var tracking: String?
    @Option(help: "Carrier (in_transit).") var carrier: String?
    @Option(help: "What happened.") var description: String?
    @Option(help: "When DEA was notified, UTC like 2026-11-23T15:00:00Z.") var deaNotified: String?
    @Option(help: "Police report number.") var policeReport: String?

    func run() throws {
        // Named by flag here, as deliver does for --delivered; the record's check would name the body field.
        for (flag, value) in [("--discovered", discovered), ("--dea-notified", deaNotified)] {
            if let value, Timestamp(value) == nil {
                throw LedgerError(.invalidArgument, "\(flag) must be a UTC time like 2026-11-23T14:05:09Z, not \"\(value.prefix(30))\"")
            }
        }
        let ledger = try record.target()
        let checkedKind: LossReported.Kind = try LossReported.choice(kind, for: LossReported.Member.kind)
        var body = LossReported(kind: checkedKind, discovered: discovered, description: description, deaNotified: deaNotified,
                                policeReport: policeReport)
        if checkedKind == .inTransit {
            guard let tracking, let carrier else { throw LedgerError(.invalidArgument, "an in-transit loss needs --tracking and --carrier") }
            body.tracking = tracking
            body.carrier = carrier
        } else {
            body.items = try lotItems(lot, ndc: ndc, ledger: ledger)
        }
        try record.record(body, ledger: ledger) { "\(kind) reported at seq \($0)" }
    }
}
