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
    @OptionGroup var output: OutputOptions

    func run() throws {
        let pending = try Ledger.pendingMigrations(path: ledgerOptions.path)
        let start = Date()
        if !pending.isEmpty { _ = try ledgerOptions.open() }  // opening for writing applies them
        let seconds = Date().timeIntervalSince(start)
        if output.json {
            Output.json(["applied": .array(pending.map { .string($0) }), "seconds": .number((seconds * 1000).rounded() / 1000)])
        } else if pending.isEmpty {
            Output.line("the ledger file is up to date; nothing to do")
        } else {
            Output.line("applied \(pending.joined(separator: ", ")) in \(String(format: "%.1f", seconds)) s; every entry and checkpoint is unchanged")
        }
    }
}
