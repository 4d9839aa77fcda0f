import ArgumentParser
import CSLedgerKit
import LedgerCore

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue and revoke bearer tokens for csledgerd (stored hashed; shown once).",
        subcommands: [Issue.self, Revoke.self, List.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a token that lets a system call the API as an enrolled signer.")
        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "The signer's key id.") var actor: String
        @Option(help: "Expiry (UTC time or date).") var expires: String?

        func run() throws {
            guard let key = KeyID(actor.lowercased()) else { throw LedgerError(.invalidArgument, "--actor must be a key id (64 hex characters)") }
            let exp = try expires.map { t -> Timestamp in
                guard let ts = Timestamp(t, allowDate: true) else { throw LedgerError(.invalidArgument, "--expires must be a UTC time or a date") }
                return ts
            }
            let issued = try APITokens(database: ledgerOptions.open().database).issue(for: key, expires: exp)
            if output.json { Output.json(["token": .string(issued.token), "token_id": .string(issued.tokenID)]) }
            else {
                Output.line(issued.token)
                Output.stderr("token id \(issued.tokenID) (use it to revoke); the token is shown only once")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a token by its id.")
        @OptionGroup var ledgerOptions: LedgerOptions
        @Argument(help: "The token id.") var tokenID: String
        func run() throws {
            try APITokens(database: ledgerOptions.open().database).revoke(tokenID: tokenID)
            Output.line("revoked token \(tokenID)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (ids, signers, dates; never the tokens).")
        @OptionGroup var ledgerOptions: LedgerOptions
        func run() throws {
            for t in try APITokens(database: ledgerOptions.open(readOnly: true).database).list() {
                Output.line("\(t.tokenID)  \(t.keyID.prefix(12))  created \(t.created)  expires \(t.expires ?? "-")  \(t.revoked.map { "revoked \($0)" } ?? "active")")
            }
        }
    }
}
