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
        // Grouped as people think of the work (issue 19); the names and flags of every command stay as they were.
        groupedSubcommands: [
            CommandGroup(name: "Getting started", subcommands: [Demo.self, Keys.self, Init.self]),
            CommandGroup(name: "Recording (pharmacists, clinicians)", subcommands: [
                Receive.self, Rx.self, Dispense.self, Administer.self, Discharge.self, Ship.self, Deliver.self, Return.self, LostInTransit.self, TransferOut.self,
                Waste.self, Destroy.self, Loss.self, Count.self, Correct.self, Patient.self, Cosign.self, Submit.self, Append.self]),
            CommandGroup(name: "Stock", subcommands: [Inventory.self, LotStatus.self]),
            CommandGroup(name: "Audit (compliance officers, inspectors)", subcommands: [
                Reconcile.self, Resolve.self, Verify.self, CheckpointCommand.self, Log.self]),
            CommandGroup(name: "Proof and export (regulators)", subcommands: [Prove.self, Export.self, VerifyReport.self, WitnessCommand.self]),
            CommandGroup(name: "Administration", subcommands: [Actor.self, Token.self, Facility.self, Migrate.self, Repair.self, Store.self, Ledgers.self]),
        ]
    )

    static func main() {
        do {
            let args = UsageErrors.joiningNegativeValues(ServerOptions.hoistGlobalOptions(Array(CommandLine.arguments.dropFirst())))
            var command = try parseAsRoot(args)
            try command.run()
            // The tables this command appended to are sealed once, now that it is done (Ledger.sealAppended).
            Ledger.sealAppended()
        } catch let error as ExitCode {
            exit(withError: error)
        } catch {
            // One family: every error a command can meet is a LedgerError here, printed and mapped to its exit status once.
            if let e = LedgerError(converting: error) { fail(e) }
            // --help and --version print and exit 0; a usage error is one line, exit 2.
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            // Anything the parser does not know (it would say exit 1, which means "verification failed") is a failure
            // of the file or the system, never silently a verification result.
            guard code != .failure else {
                fail(LedgerError(.storage, "csledger stopped on an unexpected error (\(type(of: error))); check the ledger with `csledger verify` before trying again"))
            }
            FileHandle.standardError.write(Data("csledger: error: \(UsageErrors.oneLine(message(for: error))) [invalid-argument]\n".utf8))
            Foundation.exit(UsageErrors.exitStatus(code.rawValue))
        }
    }

    static func fail(_ error: LedgerError) -> Never {
        FileHandle.standardError.write(Data("csledger: error: \(error.message) [\(error.code.rawValue)]\n".utf8))
        Foundation.exit(exitCode(for: error.code))
    }

    static func exitCode(for code: LedgerError.Code) -> Int32 { code.exitStatus }

}
