import ArgumentParser
import CSLedgerKit
import Dispensing
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

    @Option(help: ArgumentHelp("The registrant's address, one line: street, city, state ZIP (e.g. \"12 Main St, Austin, TX 78701\").", valueName: "address"))
    var address: String?

    @Option(help: ArgumentHelp("The pharmacy's NPI (10 digits; ASAP PHA01).", valueName: "npi"))
    var npi: String?

    @Option(help: ArgumentHelp("The pharmacy's NCPDP provider id (7 digits; ASAP PHA02).", valueName: "ncpdp"))
    var ncpdp: String?

    @Option(name: [.customLong("state-license"), .customLong("state-licence")],
            help: ArgumentHelp("The state pharmacy or clinic licence number.", valueName: "number"))
    var stateLicense: String?

    @Option(help: ArgumentHelp("The facility's private key (PEM), or $CSLEDGER_KEY.", valueName: "path"))
    var key: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        guard let keyPath = key ?? ProcessInfo.processInfo.environment["CSLEDGER_KEY"] else {
            throw LedgerError(.keyFileMissing, "init needs the facility key; pass --key PATH")
        }
        let identity = try registrantIdentity(address: address, npi: npi, ncpdp: ncpdp, stateLicense: stateLicense).members
        let facilityKey = try KeyFiles.loadPrivateKey(path: keyPath)
        let ledger = try Ledger.create(path: ledgerOptions.path, origin: origin, facilityName: facilityName,
                                       deaNumber: deaNumber, facilityKey: facilityKey, extraBody: identity,
                                       mirror: ledgerOptions.mirrorPath)
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

/// The registrant's identifiers given as flags, checked (NPI check digit, 7-digit NCPDP) before anything is signed.
/// The genesis body carries the same members as `facility.updated` (`FacilityUpdated.members`, without a reason).
func registrantIdentity(facilityName: String? = nil, address: String?, npi: String?, ncpdp: String?, stateLicense: String?) throws -> FacilityUpdated {
    func text(_ value: String?, _ flag: String, max: Int) throws -> String? {
        guard let value else { return nil }
        let t = value.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.count <= max, !t.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw LedgerError(.invalidArgument, "\(flag) must be 1 to \(max) characters of text")
        }
        return t
    }
    var identity = FacilityUpdated()
    identity.facilityName = try text(facilityName, "--facility-name", max: 200)
    identity.address = try text(address, "--address", max: 300)
    identity.stateLicense = try text(stateLicense, "--state-license", max: 40)
    if let npi {
        if let p = FacilityUpdated.npiProblem(npi) { throw LedgerError(.invalidArgument, "--npi \(npi.prefix(20)) \(p)") }
        identity.npi = npi
    }
    if let ncpdp {
        if let p = FacilityUpdated.ncpdpProblem(ncpdp) { throw LedgerError(.invalidArgument, "--ncpdp \(ncpdp.prefix(20)) \(p)") }
        identity.ncpdp = ncpdp
    }
    return identity
}
