import ArgumentParser
import Foundation
import CSLedgerKit
import LedgerAccess
import LedgerCore

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
