import ArgumentParser
import CSLedgerKit
import Foundation
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
            let appended: AppendReceipt
            if let remote = try server.remote(ledgerFlag: ledgerOptions.ledger) {
                let statement = try Statement(type: CoreStatementType.actorEnrolled, time: .now(), actor: admin.keyID, log: try remote.origin(),
                                              body: try Ledger.enrollmentBody(name: name, role: role, publicKey: pk))
                appended = try remote.append(try SignedStatement(statement: statement, actorKey: admin))
            } else {
                let ledger = try ledgerOptions.open()
                let a = try ledger.enroll(name: name, role: role, publicKey: pk, adminKey: admin,
                                          facilityKey: signing.facilityKey(for: ledger, signer: admin))
                appended = AppendReceipt(seq: a.entry.seq, leafHash: a.leafHash)
            }
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
            let appended: AppendReceipt
            if let remote = try server.remote(ledgerFlag: ledgerOptions.ledger) {
                let statement = try Statement(type: CoreStatementType.actorRevoked, time: .now(), actor: admin.keyID, log: try remote.origin(),
                                              body: Ledger.revocationBody(keyID: id, reason: reason))
                appended = try remote.append(try SignedStatement(statement: statement, actorKey: admin))
            } else {
                let ledger = try ledgerOptions.open()
                let a = try ledger.revoke(keyID: id, reason: reason, adminKey: admin,
                                          facilityKey: signing.facilityKey(for: ledger, signer: admin))
                appended = AppendReceipt(seq: a.entry.seq, leafHash: a.leafHash)
            }
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
            if let remote = try server.remote(ledgerFlag: ledgerOptions.ledger) {
                let list = try remote.signers()
                if output.json { list.forEach { Output.json($0) }; return }
                Output.line("KEY ID        ROLE        ENROLLED  REVOKED  NAME")
                for s in list {
                    let role = (s["role"]?.stringValue ?? "").padding(toLength: 11, withPad: " ", startingAt: 0)
                    let enrolled = String(s["enrolled_seq"]?.integerValue ?? 0).padding(toLength: 9, withPad: " ", startingAt: 0)
                    let revoked = (s["revoked_seq"]?.integerValue.map(String.init) ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0)
                    Output.line("\(s["key_id"]?.stringValue?.prefix(12) ?? "")  \(role) \(enrolled) \(revoked) \(TerminalText.escaped(s["name"]?.stringValue ?? ""))")
                }
                return
            }
            let signers = try ledgerOptions.open(readOnly: true).database.signers()
            if output.json {
                for s in signers {
                    var o: [String: JSONValue] = ["key_id": .string(s.keyID.hex), "name": .string(s.name), "role": .string(s.role.rawValue),
                                                  "enrolled_seq": .number(Double(s.enrolledSeq))]
                    if let r = s.revokedSeq { o["revoked_seq"] = .number(Double(r)) }
                    Output.json(.object(o))
                }
            } else {
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
}
