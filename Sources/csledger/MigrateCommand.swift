import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerCore

/// `csledger migrate`: brings a ledger file written by an older csledger up to this version's schema.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upgrade the ledger file's schema to this csledger's (once, after installing a new version).",
        discussion: """
            Applies the numbered migrations the file has not had, in one transaction each. Entries, tree nodes \
            and checkpoints keep their bytes: only tables kept for speed change shape. Read-only commands \
            (verify, checkpoint, prove, inventory, export) refuse a file that needs this, so run it first. \
            Stop csledgerd before, and take a backup as for any upgrade.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let pending = try Ledger.pendingMigrations(path: ledgerOptions.path)
        let start = Date()
        let ledger = try ledgerOptions.open()  // opening for writing applies them
        let seconds = Date().timeIntervalSince(start)
        // Interchange format v2: from one signed entry on, every statement must name this ledger.
        var upgradeSeq: Int?
        var v2Note: String?
        if try ledger.logRequiredFrom() == nil {
            if let facility = try? signing.facilityKey(for: ledger, signer: nil) {
                upgradeSeq = try ledger.adoptStatementsNameTheirLedger(facilityKey: facility)
            } else {
                v2Note = "statements need not name this ledger yet (interchange format v2): run `csledger migrate --facility-key PATH` to record the signed entry that makes them"
            }
        }
        if output.json {
            var o: [String: JSONValue] = ["applied": .array(pending.map { .string($0) }), "seconds": .number((seconds * 1000).rounded() / 1000)]
            if let upgradeSeq { o["log_required_from"] = .number(Double(upgradeSeq)) }
            Output.json(.object(o))
        } else {
            if pending.isEmpty, upgradeSeq == nil {
                Output.line("the ledger file is up to date; nothing to do")
            } else if !pending.isEmpty {
                Output.line("applied \(pending.joined(separator: ", ")) in \(String(format: "%.1f", seconds)) s; every entry and checkpoint is unchanged")
            }
            if let upgradeSeq {
                Output.line("recorded ledger.upgraded at seq \(upgradeSeq): from it on, every statement must name this ledger (interchange format v2)")
            }
            if let v2Note { Output.stderr("csledger: \(v2Note)") }
        }
    }
}
