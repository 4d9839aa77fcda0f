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

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print entries as JSON lines, each exactly the entry's canonical bytes.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var server: ServerOptions

    @Option(help: "First seq to print.")
    var from: Int?

    @Option(help: "Last seq to print.")
    var to: Int?

    @Option(help: "Only entries of this type.")
    var type: String?

    func run() throws {
        // Seq numbers stop at 2^53 - 1 (what csledgerd takes), so paging arithmetic on them cannot overflow.
        let lo = try seqNumber(from, "--from") ?? 0, hi = try seqNumber(to, "--to") ?? RouteQuery.maxNumber
        guard lo <= hi else { throw LedgerError(.invalidArgument, "--from must not be after --to") }
        // Pages through the entries as the target holds them (1,000 at a time), printing each entry's bytes.
        let target = try ledgerOptions.readTarget(server: server)
        let page = 1000
        var next = lo
        while next <= hi {
            let want = hi - next >= page ? page : hi - next + 1
            let rows = try target.entries(from: next, limit: want)
            var out = [UInt8]()
            for r in rows {
                if let type, (try? JSONParser.parse(r))?["statement"]?["type"]?.stringValue != type { continue }
                out += r
                out.append(0x0a)
            }
            FileHandle.standardOutput.write(Data(out))
            if rows.count < want { return }
            next += rows.count
        }
    }
}

/// `value` when it is an entry's seq number (0 ... 2^53 - 1, as csledgerd takes them); refuses anything else.
@discardableResult
func seqNumber(_ value: Int?, _ flag: String) throws -> Int? {
    guard let value else { return nil }
    guard (0...RouteQuery.maxNumber).contains(value) else {
        throw LedgerError(.invalidArgument, "\(flag) must be an entry's seq number, from 0 to \(RouteQuery.maxNumber)")
    }
    return value
}
