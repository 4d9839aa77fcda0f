import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerAccess
import LedgerCore

struct Actor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol, revoke and list the people and systems who sign entries.",
        subcommands: [Enroll.self, Revoke.self, List.self]
    )

    struct Enroll: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrol a signer's public key with a role (signed by an admin).")

        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var signing: SigningOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "The signer's full name.")
        var name: String

        @Option(help: "admin, pharmacist, clinician, compliance, regulator or witness.")
        var role: String

        @Option(help: ArgumentHelp("The signer's public key file (PEM).", valueName: "path"))
        var publicKey: String

        func run() throws {
            let role = try Role(parsing: role)
            let pk = try KeyFiles.loadPublicKey(path: publicKey)
            let admin = try signing.signerKey()
            let appended = try ledgerOptions.target(server: server, signing: signing).enroll(name: name, role: role, publicKey: pk, adminKey: admin, time: .now())
            if output.json {
                Output.json(["seq": .number(Double(appended.seq)), "key_id": .string(pk.keyID.hex), "role": .string(role.rawValue)])
            } else {
                Output.line("enrolled \(pk.keyID.hex) as \(role.rawValue) at seq \(appended.seq)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a signer: its signatures on later entries no longer count.")

        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var signing: SigningOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The key id to revoke (64 hex characters).")
        var keyID: String

        @Option(help: "Why (e.g. staff left, key lost).")
        var reason: String?

        func run() throws {
            guard let id = KeyID(keyID.lowercased()) else {
                throw LedgerError(.invalidArgument, "\"\(keyID.prefix(70))\" is not a key id (64 hex characters); see `csledger actor list`")
            }
            let admin = try signing.signerKey()
            let appended = try ledgerOptions.target(server: server, signing: signing).revoke(keyID: id, reason: reason, adminKey: admin, time: .now())
            if output.json {
                Output.json(["seq": .number(Double(appended.seq)), "key_id": .string(id.hex)])
            } else {
                Output.line("revoked \(id.hex) at seq \(appended.seq)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List enrolled signers.")

        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let signers = try ledgerOptions.readTarget(server: server).signers()
            if output.json {
                signers.forEach { Output.json($0.json) }
                return
            }
            Output.line("KEY ID        ROLE        ENROLLED  REVOKED  NAME")
            for s in signers {
                let role = s.role.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                let enrolled = String(s.enrolledSeq).padding(toLength: 9, withPad: " ", startingAt: 0)
                let revoked = (s.revokedSeq.map(String.init) ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0)
                Output.line("\(s.keyID.short)  \(role) \(enrolled) \(revoked) \(TerminalText.escaped(s.name))")
            }
        }
    }
}
