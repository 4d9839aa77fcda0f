import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerAccess
import LedgerCore
import Reconciliation
import Reports

struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every reconciliation rule and list the discrepancies a compliance officer must look at.",
        discussion: """
            Each finding has a stable id, the rule, a severity (info, warning, critical), the entries, lot,
            patient reference and people involved, the numbers, the regulation and what to do next.
            Patients appear by reference only. Resolve a finding with `csledger resolve ID --reason ...`.
            Exits 1 when an open finding is at or above --fail-on (default critical), so a nightly job can
            gate on it; 0 otherwise. The rules and thresholds are in docs/RECONCILIATION.md.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Event-time cut-off (UTC time, or a date for the end of that day); default now.", valueName: "time"))
    var asOf: String?

    @Option(help: ArgumentHelp("Exit 1 when an open finding is at least this severe: info, warning, critical, or never.", valueName: "severity"))
    var failOn = "critical"

    @Flag(help: "Show resolved findings too.")
    var all = false

    @Option(help: ArgumentHelp("A JSON file overriding thresholds (see docs/RECONCILIATION.md).", valueName: "file"))
    var config: String?

    @Option(name: .customLong("checkpoint"), help: ArgumentHelp("A signed checkpoint kept earlier, checked by the integrity rule (repeatable).", valueName: "file"))
    var checkpointFiles: [String] = []

    @Flag(help: "Skip the integrity rule (11): no signature and checkpoint verification.")
    var noVerify = false

    @Flag(help: "Compute every finding from scratch (a daemon otherwise answers from the state it keeps as entries are appended; a ledger file is always reconciled from scratch).")
    var full = false

    @Option(name: .customLong("with"), help: ArgumentHelp("Another registrant's exported bundle (csledger export inspection), checked first; rule 13 matches transfers with its receipts (repeatable).", valueName: "folder"))
    var withBundles: [String] = []

    func run() throws {
        let threshold: Severity? = failOn.lowercased() == "never" ? nil : try Severity(parsing: failOn)
        let at = try parseAsOf(asOf)
        let external = try checkpointFiles.map { path -> String in
            guard let data = try? InputFile.read(path, what: "configuration", maxBytes: 1 << 20), let text = String(data: data, encoding: .utf8) else {
                throw LedgerError(.invalidArgument, "cannot read the checkpoint file \(path)")
            }
            return text
        }
        // Another registrant's bundle is used only when it verifies (signatures, proofs, file hashes).
        for path in withBundles {
            let v = try BundleVerifier.verify(directory: path)
            guard v.isClean else {
                throw LedgerError(.invalidArgument, "the bundle \(path.prefix(120)) does not verify (\(v.failures.count) problem(s); see csledger verify-report); it is not used")
            }
        }
        let request = ReconciliationRequest(asOf: at, all: all, verify: !noVerify, json: output.json, configFile: config, checkpoints: external,
                                            transferBundles: withBundles, full: full)
        let result = try ledgerOptions.readTarget(server: server).reconciliation(request)
        print(result.body, terminator: "")
        if let threshold, let worst = result.worstOpen.flatMap(Severity.init(rawValue:)), worst >= threshold { throw ExitCode(1) }
    }
}
