import ArgumentParser
import Foundation
import CSLedgerKit
import LedgerAccess
import LedgerCore

struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print Merkle proofs against the latest checkpoint.",
        subcommands: [Inclusion.self, Consistency.self]
    )

    struct Inclusion: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that entry SEQ is in the ledger (a C2SP tlog-proof, or JSON with --json).")

        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The entry's seq.")
        var seq: Int

        func run() throws {
            _ = try seqNumber(seq, "SEQ")
            let proof = try ledgerOptions.readTarget(server: server).inclusionProof(seq: seq)
            if output.json {
                Output.json(["tree_size": .number(Double(proof.tree.size)), "leaf_index": .number(Double(proof.index)),
                             "path": .array(proof.path.map { .string($0.base64) })])
            } else {
                print(proof.serialized, terminator: "")
            }
        }
    }

    struct Consistency: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that the ledger of OLD_SIZE entries is a prefix of the latest checkpoint's (RFC 9162, JSON).")

        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var server: ServerOptions

        @Argument(help: "The tree size of the older checkpoint.")
        var oldSize: Int

        func run() throws {
            guard (1...RouteQuery.maxNumber).contains(oldSize) else {
                throw LedgerError(.invalidArgument, "OLD_SIZE must be a tree size from 1 to \(RouteQuery.maxNumber)")
            }
            Output.json(try ledgerOptions.readTarget(server: server).consistencyProof(oldSize: oldSize).json)
        }
    }
}
