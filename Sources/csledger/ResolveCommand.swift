import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerAccess
import LedgerCore
import Reconciliation
import Reports

struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resolve a reconciliation finding with a signed entry (compliance officers only).",
        discussion: """
            Records `finding.resolved` with the finding's id, your reason, the evidence fingerprint you saw and
            the loss report filed for it (--loss-report SEQ). The finding leaves the open list; if its evidence
            changes later (new entries), it reopens.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The finding's id, e.g. F01-3fa29c0b1e.")
    var findingID: String

    @Option(help: "Why the finding is resolved: what was found and done.")
    var reason: String

    @Option(help: ArgumentHelp("The seq of the loss.reported entry (DEA Form 106) filed for it.", valueName: "seq"))
    var lossReport: Int?

    @Option(help: ArgumentHelp("A JSON file overriding thresholds, as given to reconcile.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("When it was resolved, UTC (default now).", valueName: "time"))
    var time: String?

    func run() throws {
        try seqNumber(lossReport, "--loss-report")
        let key = try signing.signerKey()
        let seq = try ledgerOptions.target(server: server, signing: signing)
            .resolve(findingID: findingID, reason: reason, lossReportSeq: lossReport, key: key, configFile: config, time: try parseTime(time)).seq
        if output.json {
            Output.json(["seq": .number(Double(seq)), "type": .string(ReconciliationType.findingResolved),
                         "finding_id": .string(findingID)])
        } else {
            Output.line("finding \(findingID) resolved at seq \(seq)")
        }
    }
}
