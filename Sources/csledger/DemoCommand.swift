import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerCore

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a demo ledger in a folder, verify it and show how an outsider checks it.",
        discussion: "Writes keys, a ledger file and proofs into --dir (default ./csledger-demo), replacing an earlier demo there.")

    @Option(help: ArgumentHelp("Folder for the demo (replaced if it holds an earlier demo).", valueName: "dir"))
    var dir = "csledger-demo"

    func run() throws {
        let result = try DemoScenario.run(directory: dir) { Output.line($0) }
        if !result.report.isClean { throw ExitCode(1) }
    }
}
