import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerCore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a ledger: the genesis entry signed by the facility key, and the first checkpoint.")

    @OptionGroup var ledgerOptions: LedgerOptions

    @Option(help: ArgumentHelp("The ledger's unique name, e.g. clinic.example.org/ledger.", valueName: "name"))
    var origin: String

    @Option(help: ArgumentHelp("The registrant's name as on the DEA registration.", valueName: "name"))
    var facilityName: String

    @Option(help: ArgumentHelp("The registrant's DEA number (2 letters, 7 digits).", valueName: "dea"))
    var deaNumber: String

    @Option(help: ArgumentHelp("The facility's private key (PEM), or $CSLEDGER_KEY.", valueName: "path"))
    var key: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        guard let keyPath = key ?? ProcessInfo.processInfo.environment["CSLEDGER_KEY"] else {
            throw LedgerError(.keyFileMissing, "init needs the facility key; pass --key PATH")
        }
        let facilityKey = try KeyFiles.loadPrivateKey(path: keyPath)
        let ledger = try Ledger.create(path: ledgerOptions.path, origin: origin, facilityName: facilityName,
                                       deaNumber: deaNumber, facilityKey: facilityKey)
        let absolute = URL(fileURLWithPath: keyPath).standardizedFileURL.path
        try ledger.database.setSetting("facility_key_path", absolute)
        let cp = try ledger.checkpoint()
        if output.json {
            Output.json(["ledger": .string(ledgerOptions.path), "origin": .string(origin),
                         "facility_key_id": .string(facilityKey.keyID.hex), "checkpoint": .string(cp.note)])
        } else {
            Output.line("created ledger \(ledgerOptions.path) for \(origin)")
            Output.line("facility key   \(facilityKey.keyID.hex)")
            Output.line("checkpoint:")
            print(cp.note, terminator: "")
        }
    }
}
