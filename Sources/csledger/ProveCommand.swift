import ArgumentParser
import Foundation
import CSLedgerKit
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
        @OptionGroup var output: OutputOptions

        @Argument(help: "The entry's seq.")
        var seq: Int

        func run() throws {
            let proof = try ledgerOptions.open(readOnly: true).inclusionProof(seq: seq)
            if output.json {
                let size = try Checkpoint(body: proof.checkpoint.text).size
                Output.json(["tree_size": .number(Double(size)), "leaf_index": .number(Double(proof.index)),
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

        @Argument(help: "The tree size of the older checkpoint.")
        var oldSize: Int

        func run() throws {
            let (newSize, path) = try ledgerOptions.open(readOnly: true).consistencyProof(oldSize: oldSize)
            Output.json(["old_size": .number(Double(oldSize)), "new_size": .number(Double(newSize)),
                         "path": .array(path.map { .string($0.base64) })])
        }
    }
}

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print entries as JSON lines, each exactly the entry's canonical bytes.")

    @OptionGroup var ledgerOptions: LedgerOptions

    @Option(help: "First seq to print.")
    var from: Int?

    @Option(help: "Last seq to print.")
    var to: Int?

    @Option(help: "Only entries of this type.")
    var type: String?

    func run() throws {
        let lo = from ?? 0, hi = to ?? Int.max
        guard lo >= 0, lo <= hi else { throw LedgerError(.invalidArgument, "--from must be 0 or more and not after --to") }
        let ledger = try ledgerOptions.open(readOnly: true)
        var out = [UInt8]()
        try ledger.database.forEachBatch(range: lo...hi, type: type) { rows in
            out.removeAll(keepingCapacity: true)
            for r in rows {
                out += r.bytes
                out.append(0x0a)
            }
            FileHandle.standardOutput.write(Data(out))
            return true
        }
    }
}
