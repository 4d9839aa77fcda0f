import ArgumentParser
import CSLedgerKit
import Dispensing
import LedgerCore

struct Administer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a dose given in the clinic; the rest of the drawn amount is wasted with a witness.")
    @OptionGroup var record: RecordOptions
    @Option(help: "Lot (vial) used.") var lot: String
    @Option(help: "NDC, when the lot number is not unique.") var ndc: String?
    @Option(help: "Patient reference.") var patient: String
    @Option(help: "The order (prescription or protocol) the dose follows.") var order: String
    @Option(help: "Amount drawn, in the lot's unit.") var drawn: String
    @Option(help: "Amount given.") var given: String
    @Option(help: "Amount wasted (default: drawn − given).") var wasted: String?
    @Option(help: "How the rest was wasted.") var wasteMethod: String?
    @Option(help: "Why a lot may go below zero.") var overrideReason: String?
    @Option(help: ArgumentHelp("When the monitored patient was discharged by you, UTC (or later: csledger discharge).", valueName: "time"))
    var monitoredUntil: String?

    func run() throws {
        let ledger = try record.target()
        let d = try parseQuantity(drawn, "--drawn")
        let g = try parseQuantity(given, "--given", allowZero: true)
        let w = try wasted.map { try parseQuantity($0, "--wasted", allowZero: true) } ?? (d.subtracting(g) ?? .zero)
        guard !w.isNegative else { throw LedgerError(.invalidArgument, "--given (\(g)) is more than --drawn (\(d))") }
        var body = DoseAdministered(lotID: try ledger.lotID(lot: lot, ndc: ndc), patient: try ledger.patientReference(patient), order: order,
                                    drawn: d, given: g, wasted: w, overrideReason: overrideReason)
        if w.isPositive {
            guard let wasteMethod else { throw LedgerError(.invalidArgument, "\(w) is wasted: say how with --waste-method, and have the witness sign with --witness-key") }
            body.wasteMethod = wasteMethod
        }
        if let monitoredUntil {
            guard let t = Timestamp(monitoredUntil) else {
                throw LedgerError(.invalidArgument, "--monitored-until must be a UTC time like 2026-11-23T15:30:00Z, not \"\(monitoredUntil.prefix(40))\"")
            }
            body.monitoredUntil = t
        }
        try record.record(body, ledger: ledger) { "dose of \(g) given, \(w) wasted, recorded at seq \($0)" }
    }
}
