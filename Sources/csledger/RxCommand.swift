import ArgumentParser
import CSLedgerKit
import Dispensing
import LedgerCore

struct Rx: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record prescriptions.", subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a prescription (Schedule III: at most 5 refills, no fill after 6 months from issue).")
        @OptionGroup var record: RecordOptions
        @Option(help: "Rx number.") var rx: String
        @Option(help: "Date issued, YYYY-MM-DD.") var issued: String
        @Option(help: "Patient reference from `csledger patient add`.") var patient: String
        @Option(help: "Prescriber's name.") var prescriberName: String
        @Option(help: "Prescriber's address.") var prescriberAddress: String
        @Option(help: "Prescriber's DEA number.") var prescriberDea: String
        @Option(help: "Drug name.") var drug: String
        @Option(help: "Strength.") var strength: String
        @Option(help: "Dosage form.") var form: String
        @Option(help: "NDC, if the prescription names one.") var ndc: String?
        @Option(help: "Quantity per fill, in --unit.") var quantity: String
        @Option(help: "Unit: tablet, troche, mL ...") var unit: String
        @Option(help: "Directions for use.") var directions: String
        @Option(help: "Refills authorized (0-5).") var refills: Int
        @Option(help: "Days supply per fill.") var daysSupply: Int?

        func run() throws {
            let ledger = try record.target()
            let ref = try ledger.patientReference(patient)
            var body: [String: JSONValue] = [
                "rx_number": .string(rx), "issued": .string(issued), "patient": ref.json,
                "prescriber": ["name": .string(prescriberName), "address": .string(prescriberAddress), "dea_number": .string(prescriberDea)],
                "drug": ["name": .string(drug), "strength": .string(strength), "form": .string(form)],
                "quantity": try quantityText(quantity, "--quantity"), "unit": .string(unit), "directions": .string(directions),
                "refills_authorized": .number(Double(refills)),
            ]
            if let ndc { body["ndc"] = .string(ndc) }
            if let daysSupply { body["days_supply"] = .number(Double(daysSupply)) }
            try record.record(DispensingType.prescriptionAdded, body, ledger: ledger) { "prescription \(rx) recorded at seq \($0)" }
        }
    }
}

struct Dispense: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record a fill of a prescription from one or more lots.")
    @OptionGroup var record: RecordOptions
    @Option(help: "Rx number.") var rx: String
    @Option(help: "Fill number: 1 for the first fill, 2 for the first refill ...") var fill: Int
    @Option(help: "Quantity dispensed.") var quantity: String
    @Option(help: "Days supply.") var daysSupply: Int
    @Option(help: "Lot used (repeatable; LOT=QUANTITY when several).") var lot: [String] = []
    @Option(help: "NDC, when a lot number is not unique.") var ndc: String?
    @Option(help: "Why a lot may go below zero (the reconciliation will flag it).") var overrideReason: String?

    func run() throws {
        let ledger = try record.target()
        let patientRef = try ledger.prescriptionPatient(rx: rx)
        var body: [String: JSONValue] = [
            "rx_number": .string(rx), "fill_number": .number(Double(fill)), "quantity": try quantityText(quantity, "--quantity"),
            "days_supply": .number(Double(daysSupply)), "lots": .array(try lotItems(lot, ndc: ndc, ledger: ledger, total: quantity)),
            "patient": try ledger.patientReference(patientRef).json,
        ]
        if let overrideReason { body["override_reason"] = .string(overrideReason) }
        try record.record(DispensingType.prescriptionDispensed, body, ledger: ledger) { "fill \(fill) of \(rx) (\(quantity)) recorded at seq \($0)" }
    }
}

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
