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
        @Flag(help: "A group token: a compliance officer's token that may also read the reconciliation of every site (ledger) in the PostgreSQL database this ledger is kept in (csledger reconcile --sites). Only for a compliance signer of a ledger in PostgreSQL.")
        var group = false

        func run() throws {
            guard let key = KeyID(actor.lowercased()) else { throw LedgerError(.invalidArgument, "--actor must be a key id (64 hex characters)") }
            // A file holds one site: there is no group to read.
            if group, !Ledger.isPostgres(ledgerOptions.path) {
                throw LedgerError(.invalidArgument, "--group is for a ledger in PostgreSQL (--ledger postgresql://USER@HOST:PORT/DB?ledger=ORIGIN), whose database holds the group's sites; a ledger file holds one site")
            }
            let exp = try expires.map { t -> Timestamp in
                guard let ts = Timestamp(t, allowDate: true) else { throw LedgerError(.invalidArgument, "--expires must be a UTC time or a date") }
                return ts
            }
            let issued = try APITokens(database: ledgerOptions.open().database).issue(for: key, expires: exp, scope: group ? .group : .site)
            if output.json {
                Output.json(["token": .string(issued.token), "token_id": .string(issued.tokenID), "scope": .string(group ? "group" : "site")])
            }
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
        static let configuration = CommandConfiguration(abstract: "List tokens (ids, signers, dates, scope: site or group; never the tokens).")
        @OptionGroup var ledgerOptions: LedgerOptions
        func run() throws {
            for t in try APITokens(database: ledgerOptions.open(readOnly: true).database).list() {
                Output.line("\(t.tokenID)  \(t.keyID.prefix(12))  created \(t.created)  expires \(t.expires ?? "-")  \(t.revoked.map { "revoked \($0)" } ?? "active")  scope \(t.scope)")
            }
        }
    }
}
