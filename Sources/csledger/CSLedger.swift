import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerCore

/// `csledger`: the controlled-substance ledger from the command line.
@main
struct CSLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csledger",
        abstract: "A signed, hash-chained ledger of controlled-substance receipts, doses, dispensings and counts.",
        discussion: """
            Every command takes --ledger PATH (default ./ledger.sqlite, or $CSLEDGER_LEDGER).
            Signing commands take --key PATH (or $CSLEDGER_KEY) and the facility key that signs
            checkpoints with --facility-key PATH (or $CSLEDGER_FACILITY_KEY; default: the key given to init).
            With --server URL (or $CSLEDGER_SERVER) and a token (--token or $CSLEDGER_TOKEN), the recording and
            reading commands work against a csledgerd daemon: statements are signed here and only they are sent.
            Exit codes: 0 success, 1 verification failed, 2 bad input, 3 ledger file or server problem, 4 key or token problem.
            """,
        version: "0.1.0",
        subcommands: [Demo.self, Keys.self, Init.self, Actor.self, Patient.self,
                      Receive.self, Rx.self, Dispense.self, Administer.self, Ship.self, Deliver.self, Return.self, LostInTransit.self,
                      Waste.self, Destroy.self, Loss.self, Count.self, Correct.self, LotStatus.self, Cosign.self, Submit.self,
                      Inventory.self, Reconcile.self, Resolve.self, Token.self, Verify.self, CheckpointCommand.self, Prove.self,
                      Log.self, Append.self, Export.self, VerifyReport.self, Facility.self, Migrate.self, Repair.self, WitnessCommand.self]
    )

    static func main() {
        do {
            let args = UsageErrors.joiningNegativeValues(ServerOptions.hoistGlobalOptions(Array(CommandLine.arguments.dropFirst())))
            var command = try parseAsRoot(args)
            try command.run()
            // The tables this command appended to are sealed once, now that it is done (Ledger.sealAppended).
            Ledger.sealAppended()
        } catch let error as LedgerError {
            fail(error)
        } catch let error as IdentifierError {
            fail(LedgerError(.invalidArgument, error.description))
        } catch let error as JSONError {
            fail(LedgerError(.invalidArgument, error.description))
        } catch {
            // --help and --version print and exit 0; a command's own exit code (verify's 1) stands.
            let code = exitCode(for: error)
            guard code != .success, !(error is ExitCode) else { exit(withError: error) }
            FileHandle.standardError.write(Data("csledger: error: \(UsageErrors.oneLine(message(for: error))) [invalid-argument]\n".utf8))
            Foundation.exit(UsageErrors.exitStatus(code.rawValue))
        }
    }

    static func fail(_ error: LedgerError) -> Never {
        FileHandle.standardError.write(Data("csledger: error: \(error.message) [\(error.code.rawValue)]\n".utf8))
        Foundation.exit(exitCode(for: error.code))
    }

    static func exitCode(for code: LedgerError.Code) -> Int32 {
        switch code {
        case .ledgerExists, .ledgerMissing, .ledgerCorrupt, .ledgerChanged, .ledgerReadOnly, .diskFull, .storage,
             .serverUnreachable, .serverUnavailable: return 3
        case .keyFileMissing, .keyFileUnreadable, .keyFilePermissions, .keyFileInvalid, .keyFileExists, .publicKeyInvalid,
             .tokenInvalid: return 4
        case .ledgerTampered: return 1
        default: return 2
        }
    }
}
