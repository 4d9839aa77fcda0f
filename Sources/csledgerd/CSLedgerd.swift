import ArgumentParser
import CSLedgerKit
import Foundation
import Hummingbird
import LedgerCore
import LedgerServer
import Logging
import TLSServing
import Witness

/// `csledgerd`: the ledger as an HTTP API for the pharmacy's other systems.
@main
struct CSLedgerd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csledgerd",
        abstract: "Serve a ledger over HTTP (loopback by default). Stops gracefully on SIGTERM and SIGINT.",
        discussion: "Clients authenticate with bearer tokens from `csledger token issue` and send statements they signed themselves.")

    @Option(help: ArgumentHelp("The ledger file (default ./ledger.sqlite, or $CSLEDGER_LEDGER), or a ledger in PostgreSQL: postgresql://USER@HOST:PORT/DB?ledger=ORIGIN.", valueName: "path"))
    var ledger: String?

    @Option(help: ArgumentHelp("For a ledger in PostgreSQL: this daemon's local mirror file (default in $XDG_CACHE_HOME/csledger or ~/.cache/csledger, or $CSLEDGER_MIRROR); one per daemon.", valueName: "path"))
    var mirror: String?

    @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("The facility key that signs checkpoints (default: the key given to init, or $CSLEDGER_FACILITY_KEY).", valueName: "path"))
    var facilityKey: String?

    @Option(help: ArgumentHelp("TLS certificate chain (PEM); needs --tls-key. Serve HTTPS.", valueName: "pem"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("TLS private key (PEM) of --tls-cert.", valueName: "pem"))
    var tlsKey: String?

    @Option(help: ArgumentHelp("Close a connection silent this many seconds (a slow request head included).", valueName: "seconds"))
    var idleTimeout = 30

    @Option(help: ArgumentHelp("Seconds a request body may take to arrive (then 408).", valueName: "seconds"))
    var bodyTimeout = 10

    @Option(help: ArgumentHelp("A witness to get each new checkpoint cosigned by (c2sp.org/tlog-witness), as URL=NAME=WITNESS.pub.pem; repeatable.", valueName: "url=name=pub.pem"))
    var witness: [String] = []

    @Option(help: ArgumentHelp("How often to send new checkpoints to the witnesses (e.g. 10s, 2m).", valueName: "duration"))
    var witnessInterval = "10s"

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    /// Installs the event loops as the concurrency executor before anything else runs, then parses and runs.
    static func main() async {
        LedgerServer.runConcurrencyOnEventLoops()
        do {
            var command = try parseAsRoot(UsageErrors.joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            // --help and --version print and exit 0; run() chose its own code; a usage error is one line, exit 2.
            let code = exitCode(for: error)
            guard code != .success, !(error is ExitCode) else { exit(withError: error) }
            FileHandle.standardError.write(Data("csledgerd: error: \(UsageErrors.oneLine(message(for: error))) [invalid-argument]\n".utf8))
            Foundation.exit(UsageErrors.exitStatus(code.rawValue))
        }
    }


    func run() async throws {
        do {
            guard (1...3600).contains(idleTimeout), (1...3600).contains(bodyTimeout) else {
                throw LedgerError(.invalidArgument, "--idle-timeout and --body-timeout must be from 1 to 3600 seconds")
            }
            let parts = listen.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]), (0...65535).contains(port) else {
                throw LedgerError(.invalidArgument, "--listen must be host:port, e.g. 127.0.0.1:8080")
            }
            // Every flag is checked before the ledger is opened (opening may seal its tables).
            let tls = try ServerTLS.load(certificatePath: tlsCert, keyPath: tlsKey)
            let witnesses = try witness.map(WitnessEndpoint.parse)
            let interval = try Self.duration(witnessInterval)
            let path = ledger ?? ProcessInfo.processInfo.environment["CSLEDGER_LEDGER"] ?? "ledger.sqlite"
            if let pending = try? Ledger.pendingMigrations(path: path), !pending.isEmpty {
                FileHandle.standardError.write(Data("csledgerd: upgrading the ledger file's schema first (\(pending.joined(separator: ", "))); about 15 s per million entries, once\n".utf8))
            }
            let mirrorPath = mirror ?? ProcessInfo.processInfo.environment["CSLEDGER_MIRROR"]
            // Off the event loops that run this task: a ledger in PostgreSQL is opened by waiting on its connection.
            let l = try await Self.onOwnThread { try Ledger.open(path: path, mirror: mirrorPath) }
            let key = try l.facilityKey(path: facilityKey, purpose: "checkpoints (the daemon signs one per group of appends)")
            // Serve nothing from a file that does not hold what the facility key signed; seal its tables so that
            // the command line's readers need not rebuild them.
            try l.sealIfSound(facilityKey: key)
            let host = String(parts[0])
            if tls == nil, !ServerTLS.isLoopback(host) {
                FileHandle.standardError.write(Data("csledgerd: warning: listening on \(host) without TLS: tokens and records cross the network in clear; give --tls-cert and --tls-key\n".utf8))
            }
            var logger = Logger(label: "csledgerd")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let scheme = tls == nil ? "http" : "https"
            let app = try LedgerServer.application(
                ledger: l, facilityKey: key, host: host, port: port, tls: tls,
                idleTimeout: .seconds(idleTimeout), bodyTimeout: .seconds(bodyTimeout), logger: logger,
                witnesses: witnesses, witnessInterval: interval,
                // A ledger in PostgreSQL: a group token may reconcile every site of its database.
                sites: try GroupSites(ledgerPath: path, mirrorPath: l.database.path),
                onListening: { bound in
                    // One line scripts (and the live tests) wait for; port 0 picks a free port.
                    FileHandle.standardError.write(Data("csledgerd: listening on \(scheme)://\(host):\(bound)\n".utf8))
                })
            try await app.runService()
        } catch let error as LedgerError {
            FileHandle.standardError.write(Data("csledgerd: error: \(error.message) [\(error.code.rawValue)]\n".utf8))
            // A ledger file problem (not a ledger, missing, damaged, read-only) is 3, as for csledger; the rest 2.
            switch error.code {
            case .ledgerMissing, .ledgerCorrupt, .ledgerReadOnly, .ledgerExists, .diskFull, .storage: throw ExitCode(3)
            default: throw ExitCode(2)
            }
        }
    }

    /// Runs `body` on a thread of its own and returns its result: for work that blocks (waits on PostgreSQL),
    /// which must never run on the event loops that serve this daemon's tasks.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// `10s`, `500ms`, `2m` or plain seconds; from 100 ms to 1 hour.
    static func duration(_ text: String) throws -> Duration {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = text, scale = 1.0
        for (suffix, s) in units where text.hasSuffix(suffix) {
            number = String(text.dropLast(suffix.count)); scale = s
            break
        }
        guard let v = Double(number), v.isFinite, (0.1...3600).contains(v * scale) else {
            throw LedgerError(.invalidArgument, "--witness-interval must be a duration from 100ms to 1h, like 10s or 2m")
        }
        return .milliseconds(Int64(v * scale * 1000))
    }
}
