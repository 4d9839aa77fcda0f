import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Waste: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record drug wasted, with a witness who is not you.")
    @OptionGroup var record: RecordOptions
    @Option(help: "Lot.") var lot: String
    @Option(help: "NDC, when the lot number is not unique.") var ndc: String?
    @Option(help: "Quantity wasted, in the lot's unit.") var quantity: String
    @Option(help: "Why (e.g. remainder of opened vial).") var reason: String
    @Option(help: "How (e.g. drug disposal container).") var method: String
    @Option(help: "Why a lot may go below zero.") var overrideReason: String?

    func run() throws {
        let ledger = try record.target()
        var body: [String: JSONValue] = ["lot_id": .string(try ledger.lotID(lot: lot, ndc: ndc)), "quantity": try quantityText(quantity, "--quantity"),
                                         "reason": .string(reason), "method": .string(method)]
        if let overrideReason { body["override_reason"] = .string(overrideReason) }
        try record.record(DispensingType.wasteRecorded, body, ledger: ledger) { "waste of \(quantity) from lot \(lot) recorded at seq \($0)" }
    }
}

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
        var body: [String: JSONValue] = ["items": .array(try lotItems(lot, ndc: ndc, ledger: ledger)), "method": .string(method), "location": .string(location)]
        if let reason { body["reason"] = .string(reason) }
        try record.record(DispensingType.destructionRecorded, body, ledger: ledger) { "destruction recorded at seq \($0)" }
    }
}

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
        var body: [String: JSONValue] = ["kind": .string(kind), "discovered": .string(discovered)]
        if kind == "in_transit" {
            guard let tracking, let carrier else { throw LedgerError(.invalidArgument, "an in-transit loss needs --tracking and --carrier") }
            body["tracking"] = .string(tracking)
            body["carrier"] = .string(carrier)
        } else {
            body["items"] = .array(try lotItems(lot, ndc: ndc, ledger: ledger))
        }
        if let description { body["description"] = .string(description) }
        if let deaNotified { body["dea_notified"] = .string(deaNotified) }
        if let policeReport { body["police_report"] = .string(policeReport) }
        try record.record(DispensingType.lossReported, body, ledger: ledger) { "\(kind) reported at seq \($0)" }
    }
}

struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a physical count by two people. It is blind: the expected number is not shown.")
    @OptionGroup var record: RecordOptions
    @Option(help: "Lot counted.") var lot: String
    @Option(help: "NDC, when the lot number is not unique.") var ndc: String?
    @Option(help: "What is on the shelf, in the lot's unit.") var counted: String

    func run() throws {
        let ledger = try record.target()
        let body: [String: JSONValue] = ["lot_id": .string(try ledger.lotID(lot: lot, ndc: ndc)), "counted": try quantityText(counted, "--counted", allowZero: true)]
        try record.record(DispensingType.countRecorded, body, ledger: ledger) { "count of lot \(lot) recorded at seq \($0); the compliance officer sees any variance in the reconciliation" }
    }
}

struct Correct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Correct an entry: a new entry names it and why, and reverses its effect on the inventory; the original stays.")
    @OptionGroup var record: RecordOptions
    @Option(help: "The seq of the entry being corrected.") var seq: Int
    @Option(help: "Why.") var reason: String

    func run() throws {
        try seqNumber(seq, "--seq")
        let ledger = try record.target()
        try record.record(DispensingType.entryCorrected, ["corrects": .number(Double(seq)), "reason": .string(reason)], ledger: ledger) {
            "entry \(seq) corrected by seq \($0); record the right event now if one is needed"
        }
    }
}

struct Inventory: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show what each lot received, used and must hold now (or at --as-of).")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Event time to compute at (UTC time or date).") var asOf: String?
    @Option(help: "One lot only.") var lot: String?

    static let headers = ["LOT", "DRUG", "EXPIRY", "UNIT", "RECEIVED", "DISPENSED", "ADMIN", "SHIPPED", "WASTED", "DESTROYED", "LOST", "RETURNED", "ADJUSTED", "TRANSFERRED", "ON HAND"]

    func run() throws {
        let lines = try ledgerOptions.readTarget(server: server).inventory(asOf: try parseAsOf(asOf), lot: lot)
        if output.json {
            lines.forEach { Output.json($0.json) }
            return
        }
        printTable(lines.map { l in [l.lot, l.drug, l.expiry, l.unit] + l.figures.map(\.quantity.description) })
    }

    func printTable(_ lines: [[String]]) {
        let headers = Self.headers
        let rows = [headers] + lines
        let widths = headers.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for r in rows {
            Output.line(r.enumerated().map { i, v in i < 4 ? v.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                                                   : String(repeating: " ", count: widths[i] - v.count) + v }.joined(separator: "  "))
        }
        if lines.isEmpty { Output.line("(no lots received\(asOf.map { " by \($0)" } ?? ""))") }
    }
}

struct Cosign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add your witness signature to a draft (remote witnessing).",
        discussion: """
            Before signing, checks every signature already on the draft against the statement with the keys \
            enrolled in the ledger (--ledger, or $CSLEDGER_LEDGER): a draft changed after it was signed is refused. \
            Then prints what you attest (type, time, who records it, lots, quantities) and signs.
            """)
    @Argument(help: "The draft file.") var file: String
    @Option(help: ArgumentHelp("Your private key (or $CSLEDGER_KEY).", valueName: "path")) var key: String?
    @OptionGroup var ledgerOptions: LedgerOptions

    func run() throws {
        guard let path = key ?? ProcessInfo.processInfo.environment["CSLEDGER_KEY"] else { throw LedgerError(.keyFileMissing, "pass your key with --key PATH") }
        let k = try KeyFiles.loadPrivateKey(path: path)
        var d = try Draft.read(path: file)
        // The keys that signed so far, and who they are, come from the ledger (read-only).
        let ledger: Ledger
        do { ledger = try ledgerOptions.open(readOnly: true) } catch let e as LedgerError where e.code == .ledgerMissing {
            throw LedgerError(.ledgerMissing, "cosign checks the signatures already on the draft with the keys enrolled in the ledger, and there is no ledger at \(ledgerOptions.path); pass --ledger FILE (a copy of the ledger file will do)")
        }
        let signers = Dictionary(try ledger.database.signers().map { ($0.keyID, $0) }, uniquingKeysWith: { a, _ in a })
        try Self.checkDraftIsForThisLedger(d, ledger: ledger)
        try d.checkSignaturesSoFar(publicKey: { signers[$0]?.publicKey })
        Output.line("you are attesting, as witness \(k.keyID.short):")
        for line in d.witnessSummary(signer: { signers[$0] }) { Output.line(line) }
        d.signed = try d.signed.cosigned(by: k)  // refuses a key that is not a witness, or one that signed already
        try d.write(path: file, replacing: true)
        Output.line(d.missingSigners.isEmpty ? "signed; the draft is complete: csledger submit \(file)" : "signed; \(d.missingSigners.count) witness signature(s) still missing")
    }

    // MARK: - The draft's ledger

    /// Refuses a draft made for another ledger: its statement names another origin in `log`, or none where
    /// this ledger requires one (a witness never attests to a statement that this ledger would refuse).
    static func checkDraftIsForThisLedger(_ draft: Draft, ledger: Ledger) throws {
        try draft.signed.statement.checkLog(origin: try ledger.origin(), required: try ledger.logRequiredFrom() != nil)
    }
}

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Append a fully signed draft.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The draft file.") var file: String

    func run() throws {
        let d = try Draft.read(path: file)
        guard d.missingSigners.isEmpty else {
            throw LedgerError(.signatureInvalid, "the draft still needs \(d.missingSigners.count) witness signature(s): csledger cosign \(file) --key WITNESS.pem")
        }
        let appended = try ledgerOptions.target(server: server, signing: signing).append(d.signed)
        if output.json { Output.json(["seq": .number(Double(appended.seq)), "type": .string(d.signed.statement.type)]) }
        else { Output.line("submitted \(d.signed.statement.type) at seq \(appended.seq)") }
    }
}
