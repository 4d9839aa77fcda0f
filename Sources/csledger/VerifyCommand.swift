import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerCore

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every entry, signature and checkpoint; report every failure with its seq.",
        discussion: """
            Exits 0 only when everything holds, 1 when anything fails. With --checkpoint FILE (repeatable),
            also checks that the ledger still holds exactly what a checkpoint you kept earlier commits to,
            so entries removed from the end or rewritten are caught.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("checkpoint"), help: ArgumentHelp("A signed checkpoint kept earlier (repeatable).", valueName: "file"))
    var checkpointFiles: [String] = []

    @Flag(help: "Check only the hash chain, the Merkle tree and the checkpoints' roots (fast; no signatures, no record contents).")
    var chainOnly = false

    func run() throws {
        let external = try checkpointFiles.map { path -> String in
            guard let data = try? InputFile.read(path, what: "checkpoint", maxBytes: 1 << 20), let text = String(data: data, encoding: .utf8) else {
                throw LedgerError(.invalidArgument, "cannot read the checkpoint file \(path)")
            }
            return text
        }
        let ledger = try ledgerOptions.open(readOnly: true)
        let origin = (try? ledger.origin()) ?? "(unknown)"
        let started = Date()
        var shownProgress = false
        let terminal = Output.stderrIsTerminal && !output.json
        let report = try ledger.verify(externalCheckpoints: external, checkSignatures: !chainOnly) { done, total in
            guard terminal, Date().timeIntervalSince(started) > 1 else { return }
            shownProgress = true
            FileHandle.standardError.write(Data("\rverifying: \(done) of \(total) entries".utf8))
        }
        if shownProgress { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
        let seconds = Date().timeIntervalSince(started)
        if output.json {
            Output.json(.object([
                "ok": .bool(report.isClean), "chain_only": .bool(chainOnly), "origin": .string(origin), "entries": .number(Double(report.entries)),
                "root": .string(report.rootHash.base64), "signatures_checked": .number(Double(report.signaturesChecked)),
                "checkpoints_checked": .number(Double(report.checkpointsChecked)),
                "failures": .array(report.failures.map { f in
                    var o: [String: JSONValue] = ["code": .string(f.code.rawValue), "message": .string(f.message)]
                    if let s = f.seq { o["seq"] = .number(Double(s)) }
                    if let t = f.treeSize { o["tree_size"] = .number(Double(t)) }
                    return .object(o)
                }),
                "failures_omitted": .number(Double(report.failuresOmitted)),
            ]))
        } else {
            Output.line("ledger       \(ledgerOptions.path) (\(origin))")
            Output.line("entries      \(report.entries)\(report.entries > 0 ? " (seq 0 to \(report.entries - 1))" : "")")
            Output.line("root         \(report.rootHash.base64)")
            Output.line("checked      \(report.signaturesChecked) signatures, \(report.checkpointsChecked) checkpoints in \(String(format: "%.2f", seconds)) s")
            if report.isClean {
                Output.line(chainOnly ? "result       OK: the hash chain, the Merkle tree and every checkpoint's root hold (signatures not checked: run verify without --chain-only)"
                                      : "result       OK: every entry, signature and checkpoint holds")
            } else {
                Output.line("result       FAILED: \(report.failures.count + report.failuresOmitted) problem(s)")
                for f in report.failures { Output.line("  \(f)") }
                if report.failuresOmitted > 0 { Output.line("  ... and \(report.failuresOmitted) more") }
            }
        }
        if !report.isClean { throw ExitCode(1) }
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (a C2SP signed note) with every witness cosignature; keep it to check the ledger later.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var server: ServerOptions

    func run() throws {
        if let remote = try server.remote(ledgerFlag: ledgerOptions.ledger) {
            print(try remote.checkpoint(), terminator: "")
            return
        }
        let ledger = try ledgerOptions.open(readOnly: true)
        // The facility's note with every witness cosignature kept for it.
        print(try ledger.database.cosignedNote(try ledger.checkpoint()), terminator: "")
    }
}
