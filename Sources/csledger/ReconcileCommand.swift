import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerAccess
import LedgerClient
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
            With --ledger postgresql://USER@HOST:PORT/DB (no ?ledger=), every ledger in the database is checked and
            reconciled as one is, each other site given to rule 13 as --with gives a bundle; the report is grouped by
            site (--json: one object per site), and the exit status is the worst across sites (a site that fails its
            integrity check: 1). --mirror then names a folder for the sites' mirrors.
            With --sites and --server URL (or $CSLEDGER_SERVER), a compliance officer's group token (csledger token issue
            --group) has the daemon do the same for every site of the database its ledger is kept in: the same report,
            the same exit status, without the database's address or password.
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

    @Flag(help: "Every site of the PostgreSQL database: through --server with a group token (or directly with --ledger postgresql://USER@HOST:PORT/DB).")
    var sites = false

    @Option(name: .customLong("with"), help: ArgumentHelp("Another registrant's exported bundle (csledger export inspection), checked first; rule 13 matches transfers with its receipts (repeatable).", valueName: "folder"))
    var withBundles: [String] = []

    func run() throws {
        let threshold: Severity? = failOn.lowercased() == "never" ? nil : try Severity(parsing: failOn)
        let at = try parseAsOf(asOf)
        // Every site through a daemon, for a group token; a whole database reached directly goes on below.
        if sites {
            if let remote = try server.remote(ledgerFlag: ledgerOptions.ledger) {
                try reconcileSites(remote, threshold: threshold, asOf: at)
                return
            }
            guard Ledger.isDatabaseAddress(ledgerOptions.path) else {
                throw LedgerError(.invalidArgument, "--sites reconciles every site: give --server URL (or $CSLEDGER_SERVER) with a group token (csledger token issue --group), or --ledger postgresql://USER@HOST:PORT/DB")
            }
        }
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
        // A whole database (no ?ledger=), unless a daemon is named: every site in it.
        if Ledger.isDatabaseAddress(ledgerOptions.path), try server.remote(ledgerFlag: ledgerOptions.ledger) == nil {
            try reconcileSites(threshold: threshold, asOf: at)
            return
        }
        let request = ReconciliationRequest(asOf: at, all: all, verify: !noVerify, json: output.json, configFile: config, checkpoints: external,
                                            transferBundles: withBundles, full: full)
        let result = try ledgerOptions.readTarget(server: server).reconciliation(request)
        print(result.body, terminator: "")
        if let threshold, let worst = result.worstOpen.flatMap(Severity.init(rawValue:)), worst >= threshold { throw ExitCode(1) }
    }

    /// Every site of the database the daemon's ledger is kept in (`--sites --server URL`, a group token): printed, and
    /// the exit status given, as `reconcileSites(threshold:asOf:)` does for the database reached directly.
    private func reconcileSites(_ remote: RemoteLedger, threshold: Severity?, asOf: Timestamp?) throws {
        guard checkpointFiles.isEmpty, withBundles.isEmpty, config == nil, !full else {
            throw LedgerError(.invalidArgument, "--checkpoint, --with, --config and --full work on a ledger reached directly; the daemon reconciles every site from scratch with its own settings")
        }
        let result = try remote.sitesReconciliation(asOf: asOf, all: all, verify: !noVerify, json: output.json)
        if output.json {
            guard let report = try? JSONParser.parse(Array(result.body.utf8)) else {
                throw LedgerError(.serverUnavailable, "the server answered the sites' reconciliation with a body that is not JSON")
            }
            Output.json(report)
        } else {
            Output.line(result.body.trimmingCharacters(in: .newlines))
        }
        if let first = result.failed.first {
            // The first failed site's message, as the report carries it.
            let message: String
            if output.json {
                let sites = (try? JSONParser.parse(Array(result.body.utf8)))?["sites"]?.arrayValue ?? []
                message = sites.first { $0["origin"]?.stringValue == first.origin }?["error"]?["message"]?.stringValue ?? "see the report"
            } else {
                let line = result.body.split(separator: "\n").first { $0.hasPrefix("FAILED   ") }
                let suffix = " [\(first.code)]"
                message = line.map { l in
                    let text = l.dropFirst("FAILED   ".count)
                    return String(text.hasSuffix(suffix) ? text.dropLast(suffix.count) : text)
                } ?? "see the report"
            }
            Output.stderr("csledger: error: \(result.failed.count) of \(result.siteCount) site(s) could not be reconciled (\(result.failed.map(\.origin).joined(separator: ", "))): \(message) [\(first.code)]")
        }
        var status = result.failed.map { LedgerError.Code(rawValue: $0.code)?.exitStatus ?? 1 }.max() ?? 0
        if let threshold, let worst = result.worstOpen.flatMap(Severity.init(rawValue:)), worst >= threshold { status = max(status, 1) }
        if status != 0 { throw ExitCode(status) }
    }

    /// Every ledger of a PostgreSQL database (`--ledger postgresql://USER@HOST:PORT/DB`): one report per site.
    private func reconcileSites(threshold: Severity?, asOf: Timestamp?) throws {
        guard checkpointFiles.isEmpty else {
            throw LedgerError(.invalidArgument, "--checkpoint names one ledger's checkpoint; give it with that ledger's address (?ledger=ORIGIN), not the whole database's")
        }
        let folder = ledgerOptions.mirrorPath
        var isFolder: ObjCBool = false
        if let folder, FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), !isFolder.boolValue {
            throw LedgerError(.invalidArgument, "--mirror (or $CSLEDGER_MIRROR) names a file; for a whole database it names a folder that keeps each site's mirror")
        }
        let config = try LocalLedgerTarget.config(self.config)
        let result = try Ledger.reconcileSites(database: ledgerOptions.path, mirrorFolder: folder, asOf: asOf, config: config, verify: !noVerify,
                                               counterparts: try LocalLedgerTarget.counterparts(bundles: withBundles))
        if output.json {
            Output.json(result.json(all: all))
        } else {
            Output.line(result.text(all: all).trimmingCharacters(in: .newlines))
        }
        let failed = result.failed
        if let first = failed.first?.failure {
            Output.stderr("csledger: error: \(failed.count) of \(result.sites.count) site(s) could not be reconciled (\(failed.map(\.origin).joined(separator: ", "))): \(first.message) [\(first.code.rawValue)]")
        }
        let status = result.exitStatus(failOn: threshold)
        if status != 0 { throw ExitCode(status) }
    }
}
