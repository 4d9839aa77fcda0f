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
        let d = try Quantity(parsing: try quantityText(drawn, "--drawn").stringValue!)
        let g = try Quantity(parsing: try quantityText(given, "--given", allowZero: true).stringValue!)
        let w = try wasted.map { try Quantity(parsing: try quantityText($0, "--wasted", allowZero: true).stringValue!) } ?? (d.subtracting(g) ?? .zero)
        guard !w.isNegative else { throw LedgerError(.invalidArgument, "--given (\(g)) is more than --drawn (\(d))") }
        var body: [String: JSONValue] = [
            "lot_id": .string(try ledger.lotID(lot: lot, ndc: ndc)), "patient": try ledger.patientReference(patient).json,
            "order": .string(order), "drawn": .string(d.description), "given": .string(g.description), "wasted": .string(w.description),
        ]
        if w.isPositive {
            guard let wasteMethod else { throw LedgerError(.invalidArgument, "\(w) is wasted: say how with --waste-method, and have the witness sign with --witness-key") }
            body["waste_method"] = .string(wasteMethod)
        }
        if let overrideReason { body["override_reason"] = .string(overrideReason) }
        if let monitoredUntil {
            guard let t = Timestamp(monitoredUntil) else {
                throw LedgerError(.invalidArgument, "--monitored-until must be a UTC time like 2026-11-23T15:30:00Z, not \"\(monitoredUntil.prefix(40))\"")
            }
            body["monitored_until"] = .string(t.description)
        }
        try record.record(DispensingType.doseAdministered, body, ledger: ledger) { "dose of \(g) given, \(w) wasted, recorded at seq \($0)" }
    }
}
