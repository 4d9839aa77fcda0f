import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerCore

/// `csledger repair`: rebuilds the tables kept beside the entries from the signed entries.
struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild every table kept beside the entries from the signed entries, and seal them (after a verified restore).",
        discussion: """
            For a ledger whose entries verify but whose tables (inventory, prescriptions, signers, the statement \
            index, the Merkle tree nodes ...) were damaged or changed: `csledger verify` reports only \
            derived-mismatch. Verifies every signature first and refuses (exit 1) if the entries themselves \
            fail: then restore from a backup. Prints how many rows differed in each table. Stop csledgerd first.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let ledger = try ledgerOptions.open()
        let facility = try signing.facilityKey(for: ledger, signer: nil)
        let report = try ledger.repair(facilityKey: facility)
        if output.json {
            Output.json(["entries": .number(Double(report.entries)),
                         "changed_rows": .object(report.changedRows.mapValues { .number(Double($0)) })])
        } else if report.changedRows.isEmpty {
            Output.line("every table already matched the \(report.entries) signed entries; sealed them again")
        } else {
            for (table, n) in report.changedRows.sorted(by: { $0.key < $1.key }) {
                Output.line("\(table): \(n) row(s) differed from the signed entries; rebuilt")
            }
            Output.line("rebuilt from \(report.entries) entries and sealed; `csledger verify` checks it")
        }
    }
}
