import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerAccess
import LedgerClient
import LedgerCore

/// --server, --token, --cacert: run a command against csledgerd instead of a ledger file.
/// Statements are still signed here with --key; only the signed statements travel.
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A csledgerd URL such as https://ledger.clinic.example:8443, or $CSLEDGER_SERVER: sign here, record there.", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("The bearer token from `csledger token issue` (better: $CSLEDGER_TOKEN, which stays out of the process list).", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("PEM file of the CA that signed the server's certificate, or $CSLEDGER_CACERT (default: the system's CAs).", valueName: "pem"))
    var cacert: String?

    /// The daemon to use, or nil for the ledger file: --server wins, then --ledger, then $CSLEDGER_SERVER.
    func remote(ledgerFlag: String?) throws -> RemoteLedger? {
        let env = ProcessInfo.processInfo.environment
        if server != nil, ledgerFlag != nil {
            throw LedgerError(.invalidArgument, "give --ledger FILE or --server URL, not both")
        }
        guard let url = server ?? (ledgerFlag == nil ? env["CSLEDGER_SERVER"] : nil), !url.isEmpty else { return nil }
        guard let token = token ?? env["CSLEDGER_TOKEN"], !token.isEmpty else {
            throw LedgerError(.tokenInvalid, "the server needs a bearer token: set CSLEDGER_TOKEN or pass --token (an admin issues one with `csledger token issue`)")
        }
        return try RemoteLedger(url: url, token: token, caFile: cacert ?? env["CSLEDGER_CACERT"])
    }

    /// Moves --server/--token/--cacert given before the subcommand (`csledger --server URL dispense ...`)
    /// to the end, where the subcommand's own options parse them.
    static func hoistGlobalOptions(_ args: [String]) -> [String] {
        let names = ["--server", "--token", "--cacert"]
        var leading: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if names.contains(a), i + 1 < args.count {
                leading += [a, args[i + 1]]
                i += 2
            } else if names.contains(where: { a.hasPrefix($0 + "=") }) {
                leading.append(a)
                i += 1
            } else {
                break
            }
        }
        return leading.isEmpty ? args : Array(args[i...]) + leading
    }
}

extension LedgerOptions {
    /// The ledger file as a target: the facility key signs the new checkpoint when something is appended.
    func localTarget(signing: SigningOptions) throws -> LocalLedgerTarget {
        let ledger = try open()
        return LocalLedgerTarget(ledger: ledger, label: path) { try signing.facilityKey(for: ledger, signer: try? signing.signerKey()) }
    }

    /// The daemon when --server (or $CSLEDGER_SERVER) says so, else the ledger file opened read-only: for
    /// commands that only read.
    func readTarget(server: ServerOptions) throws -> any LedgerTarget {
        if let remote = try server.remote(ledgerFlag: ledger) { return remote }
        return LocalLedgerTarget(ledger: try open(readOnly: true), label: path) {
            throw LedgerError(.invalidArgument, "this command only reads the ledger")
        }
    }

    /// The daemon when --server (or $CSLEDGER_SERVER) says so, else the ledger file.
    func target(server: ServerOptions, signing: SigningOptions) throws -> any LedgerTarget {
        if let remote = try server.remote(ledgerFlag: ledger) { return remote }
        return try localTarget(signing: signing)
    }
}
