import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Inventory: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show what each lot received, used and must hold now (or at --as-of).")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Event time to compute at (UTC time or date).") var asOf: String?
    @Option(help: "One lot only.") var lot: String?

    static let headers = ["LOT", "DRUG", "EXPIRY", "UNIT", "RECEIVED", "DISPENSED", "ADMIN", "SHIPPED", "WASTED", "DESTROYED", "LOST", "RETURNED", "ADJUSTED", "TRANSFERRED", "ON HAND"]

    func run() throws {
        let lines = try ledgerOptions.readTarget(server: server).inventory(asOf: try parseAsOf(asOf), lot: lot)
        if output.json {
            lines.forEach { Output.json($0.json) }
            return
        }
        printTable(lines.map { l in [l.lot, l.drug, l.expiry, l.unit] + l.figures.map(\.quantity.description) })
    }

    func printTable(_ lines: [[String]]) {
        let headers = Self.headers
        let rows = [headers] + lines
        let widths = headers.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for r in rows {
            Output.line(r.enumerated().map { i, v in i < 4 ? v.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                                                   : String(repeating: " ", count: widths[i] - v.count) + v }.joined(separator: "  "))
        }
        if lines.isEmpty { Output.line("(no lots received\(asOf.map { " by \($0)" } ?? ""))") }
    }
}
