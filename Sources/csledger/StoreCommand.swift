import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerCore

/// `csledger store copy`: moves a ledger between a file and PostgreSQL.
struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move a ledger between stores (a file, PostgreSQL).",
        subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a whole ledger, byte for byte, checked on arrival; refuses an existing destination.",
            discussion: """
                --from and --to are each a ledger file or postgresql://USER@HOST:PORT/DB?ledger=ORIGIN (ledger= may be
                left out of --to: the source's origin). The source must pass the integrity check; the copy is checked as
                it arrives (every signature, the chain, every checkpoint) and its root compared with the source's.
                Personal data, API tokens and settings stay beside the file they were kept with.
                """)

        @Option(help: ArgumentHelp("The ledger to copy: a file or a postgresql:// address.", valueName: "ledger"))
        var from: String

        @Option(help: ArgumentHelp("Where to copy it: a new file or a postgresql:// address.", valueName: "ledger"))
        var to: String

        @OptionGroup var output: OutputOptions

        func run() throws {
            let s = try Ledger.copy(from: from, to: to)
            if output.json {
                Output.json(["origin": .string(s.origin), "entries": .number(Double(s.entries)), "checkpoints": .number(Double(s.checkpoints)),
                             "root": .string(s.root.base64)])
            } else {
                Output.line("copied \(s.origin): \(s.entries) entries and \(s.checkpoints) checkpoints, checked on arrival")
                Output.line("root   \(s.root.base64) (the same on both sides)")
            }
        }
    }
}

/// `csledger ledgers`: the ledgers a PostgreSQL database holds.
struct Ledgers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the ledgers a PostgreSQL database holds (--ledger postgresql://USER@HOST:PORT/DB), or the one a file holds.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let all = try Ledger.ledgers(at: ledgerOptions.path)
        if output.json {
            Output.json(.array(all.map { .object(["origin": .string($0.origin), "entries": .number(Double($0.entries))]) }))
        } else {
            for l in all { Output.line("\(l.origin)\t\(l.entries) entries") }
        }
    }
}
