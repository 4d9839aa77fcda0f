import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore

struct Facility: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the facility key that signs the ledger's checkpoints, and the registrant's identifiers.",
        subcommands: [Rotate.self, Update.self]
    )

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hand the facility key over to a new key (both keys sign; old checkpoints stay valid).",
            discussion: """
                Records facility.key_rotated signed by the current facility key (--key) and cosigned by the new key
                (--new-key), enrolling the new key as an admin first if needed. From that entry on, checkpoints are
                signed by the new key and the old key signs nothing more. Restart csledgerd with --facility-key NEW.
                """)

        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var output: OutputOptions

        @Option(help: ArgumentHelp("The current facility private key (PEM), or $CSLEDGER_FACILITY_KEY.", valueName: "path"))
        var key: String?

        @Option(help: ArgumentHelp("The new facility private key (PEM), e.g. from `csledger keys generate facility-2026`.", valueName: "path"))
        var newKey: String

        @Option(help: "Why (e.g. scheduled rotation, key holder left).")
        var reason: String?

        @Option(help: "A name for the new key in the signer list.")
        var name: String?

        func run() throws {
            guard let currentPath = key ?? ProcessInfo.processInfo.environment["CSLEDGER_FACILITY_KEY"] else {
                throw LedgerError(.keyFileMissing, "the current facility key must sign the hand-over; pass --key PATH")
            }
            let current = try KeyFiles.loadPrivateKey(path: currentPath)
            let new = try KeyFiles.loadPrivateKey(path: newKey)
            let ledger = try ledgerOptions.open()
            let appended = try ledger.rotateFacilityKey(to: new, currentKey: current, name: name, reason: reason)
            // Later commands find the facility key where init recorded it: point that at the new key.
            if try ledger.database.meta("facility_key_path") != nil {
                try ledger.database.setSetting("facility_key_path", URL(fileURLWithPath: newKey).standardizedFileURL.path)
            }
            let seq = appended.last?.entry.seq ?? 0
            if output.json {
                Output.json(["seq": .number(Double(seq)), "facility_key_id": .string(new.keyID.hex), "previous_key_id": .string(current.keyID.hex)])
            } else {
                Output.line("facility key rotated at seq \(seq): \(current.keyID.short) -> \(new.keyID.short)")
                Output.line("checkpoints are now signed by \(newKey); restart csledgerd with --facility-key \(newKey)")
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record new registrant details (name, address, NPI, NCPDP, state licence) as a signed facility.updated entry.",
            discussion: "Signed by an admin (the facility key is one). Exports from then on (ASAP PHA, inspection cover, DEA forms) show the new values.")
        @OptionGroup var record: RecordOptions
        @Option(help: "The registrant's name as on the DEA registration.") var facilityName: String?
        @Option(help: "Address, one line: street, city, state ZIP.") var address: String?
        @Option(help: "NPI (10 digits).") var npi: String?
        @Option(help: "NCPDP provider id (7 digits).") var ncpdp: String?
        @Option(name: [.customLong("state-license"), .customLong("state-licence")], help: "State licence number.") var stateLicense: String?
        @Option(help: "Why (e.g. moved premises, licence renewed).") var reason: String?

        func run() throws {
            var body = try registrantIdentity(facilityName: facilityName, address: address, npi: npi, ncpdp: ncpdp, stateLicense: stateLicense)
            guard !body.members.isEmpty else {
                throw LedgerError(.invalidArgument, "give at least one of --facility-name, --address, --npi, --ncpdp, --state-license")
            }
            body.reason = reason
            let ledger = try record.target()
            try record.record(body, ledger: ledger) { "registrant details updated at seq \($0)" }
        }
    }
}
