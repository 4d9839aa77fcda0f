import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Ship: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record fills handed to a carrier, Adult Signature Required.")
    @OptionGroup var record: RecordOptions
    @Option(help: "A fill in the parcel, as RX/FILL (repeatable), e.g. RX1001/1.") var fill: [String] = []
    @Option(help: "Carrier, e.g. UPS.") var carrier: String
    @Option(help: "Service, e.g. \"Next Day Air\".") var service: String
    @Option(help: "Tracking number.") var tracking: String
    @Flag(help: "Ship WITHOUT adult signature (needs --override-reason; the reconciliation flags it).") var noAdultSignature = false
    @Option(help: "Why.") var overrideReason: String?

    func run() throws {
        let ledger = try record.target()
        guard !fill.isEmpty else { throw LedgerError(.invalidArgument, "name each fill in the parcel with --fill RX/FILL") }
        let fills = try fill.map { f -> FillReference in
            let parts = f.split(separator: "/")
            guard parts.count == 2, let n = Int(parts[1]) else { throw LedgerError(.invalidArgument, "--fill \(f.prefix(40)) must be RX/FILL, e.g. RX1001/1") }
            return FillReference(rxNumber: String(parts[0]), fillNumber: n)
        }
        let body = ShipmentSent(carrier: carrier, service: service, tracking: tracking, adultSignatureRequired: !noAdultSignature, fills: fills,
                                overrideReason: overrideReason)
        try record.record(body, ledger: ledger) { "shipment \(tracking) recorded at seq \($0)" }
    }
}
