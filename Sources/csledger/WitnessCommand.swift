import ArgumentParser
import CSLedgerKit
import Foundation
import Hummingbird
import LedgerCore
import Logging
import TLSServing
import Witness

/// `csledger witness`: run a C2SP witness, or ask one to cosign this ledger's checkpoint.
struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Run a C2SP tlog-witness, or get this ledger's checkpoint cosigned by one.",
        subcommands: [Serve.self, AddCheckpoint.self])

    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve POST /add-checkpoint (c2sp.org/tlog-witness): cosign checkpoints of the given logs that extend what this witness cosigned before.",
            discussion: "The state file remembers, for each log, the checkpoint last cosigned; it is written durably before each answer. Without it the witness refuses to start, unless --init (a new witness).")

        @Option(help: ArgumentHelp("The witness's private key (PEM, Ed25519).", valueName: "path"))
        var key: String

        @Option(help: ArgumentHelp("The witness's name, its cosignatures' key name (e.g. witness.example.org/w1).", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("A log it witnesses: its origin and the facility public key that signs its checkpoints (repeatable; the same origin twice trusts both keys).", valueName: "origin=pub.pem"))
        var log: [String] = []

        @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
        var listen = "127.0.0.1:7380"

        @Option(help: ArgumentHelp("The witness's state file (SQLite).", valueName: "path"))
        var state: String

        @Option(help: ArgumentHelp("TLS certificate chain (PEM) to serve HTTPS; with --tls-key.", valueName: "pem"))
        var tlsCert: String?

        @Option(help: ArgumentHelp("TLS private key (PEM) of --tls-cert (mode 0600).", valueName: "pem"))
        var tlsKey: String?

        @Flag(help: "Create the state file if it does not exist (a new witness). Never resets an existing one.")
        var `init` = false

        @Option(help: "Log level: trace, debug, info, notice, warning, error.")
        var logLevel = "notice"

        func run() throws {
            guard !log.isEmpty else { throw LedgerError(.invalidArgument, "give at least one --log ORIGIN=FACILITY.pub.pem") }
            var logs: [String: [SignerPublicKey]] = [:]
            for item in log {
                guard let eq = item.lastIndex(of: "="), eq != item.startIndex else {
                    throw LedgerError(.invalidArgument, "--log takes ORIGIN=FACILITY.pub.pem, e.g. clinic.example.org/ledger=Keys/facility.pub.pem")
                }
                let origin = String(item[..<eq])
                do { _ = try Checkpoint(origin: origin, size: 0, rootHash: MerkleTree.emptyRoot) } catch {
                    throw LedgerError(.invalidArgument, "--log origin \"\(origin.prefix(60))\" is not a checkpoint origin")
                }
                logs[origin, default: []].append(try KeyFiles.loadPublicKey(path: String(item[item.index(after: eq)...])))
            }
            let parts = listen.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]), (0...65535).contains(port) else {
                throw LedgerError(.invalidArgument, "--listen must be host:port, e.g. 127.0.0.1:7380")
            }
            let tls = try ServerTLS.load(certificatePath: tlsCert, keyPath: tlsKey)
            let signer = try KeyFiles.loadPrivateKey(path: key)
            guard (try? Cosignature.Witness(name: name, publicKey: signer.publicKey)) != nil else {
                throw LedgerError(.invalidArgument, "--name \"\(name.prefix(60))\" is not a valid note key name (no spaces, no \"+\")")
            }
            let stateFile = try WitnessState.open(path: state, name: name, publicKey: signer.publicKey, create: self.`init`)
            let witness = try Witness(name: name, key: signer, logs: logs, state: stateFile)
            var logger = Logger(label: "csledger-witness")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
            let host = String(parts[0])
            if tls == nil, !ServerTLS.isLoopback(host) {
                FileHandle.standardError.write(Data("csledger witness: warning: listening on \(host) without TLS; give --tls-cert and --tls-key\n".utf8))
            }
            let scheme = tls == nil ? "http" : "https"
            let app = try WitnessServer.application(witness: witness, host: host, port: port, tls: tls, logger: logger) { bound in
                FileHandle.standardError.write(Data("csledger witness: listening on \(scheme)://\(host):\(bound)\n".utf8))
            }
            try runBlocking { try await app.runService() }
        }
    }

    struct AddCheckpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-checkpoint",
            abstract: "Send the ledger's latest checkpoint to witnesses and keep their cosignatures.",
            discussion: "Each witness gets the consistency proof from the size it last cosigned (a 409 is answered by sending again from the size it names). Prints each cosignature line.")

        @OptionGroup var ledgerOptions: LedgerOptions

        @Argument(help: ArgumentHelp("A witness: URL=NAME=WITNESS.pub.pem.", valueName: "url=name=pub.pem"))
        var witnesses: [String]

        func run() throws {
            guard !witnesses.isEmpty else { throw LedgerError(.invalidArgument, "give at least one witness as URL=NAME=WITNESS.pub.pem") }
            let endpoints = try witnesses.map(WitnessEndpoint.parse)
            let ledger = try ledgerOptions.open()
            let results: [Result<WitnessPush.Result?, any Error>] = try runBlocking {
                let client = WitnessClient()
                var out: [Result<WitnessPush.Result?, any Error>] = []
                for e in endpoints {
                    do { out.append(.success(try await WitnessPush.push(ledger: ledger, to: e, client: client))) } catch { out.append(.failure(error)) }
                }
                await client.shutdown()
                return out
            }
            var firstError: (any Error)?
            for (e, r) in zip(endpoints, results) {
                switch r {
                case .success(let done?):
                    for line in done.lines { print(line.line, terminator: "") }
                    Output.stderr("csledger: \(e.witness.name) cosigned the checkpoint of \(done.treeSize) entries")
                case .success(nil): break
                case .failure(let error):
                    Output.stderr("csledger: \(e.witness.name): \((error as? LedgerError)?.message ?? "\(error)")")
                    if firstError == nil { firstError = error }
                }
            }
            if let firstError { throw firstError }
        }
    }
}

/// Runs async work from a synchronous command and waits for it.
func runBlocking<T: Sendable>(_ body: @Sendable @escaping () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.get().get()
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private var value: Result<T, any Error>?
    private let lock = NSLock()
    func set(_ v: Result<T, any Error>) { lock.lock(); value = v; lock.unlock() }
    func get() -> Result<T, any Error> { lock.lock(); defer { lock.unlock() }; return value! }
}
