import ArgumentParser
import Foundation
import LedgerCore
import Reports

/// `csledger verify-report DIR`: checks a report bundle offline, without the ledger file.
struct VerifyReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-report",
        abstract: "Check a signed report bundle offline (no ledger file): signature, file hashes, entries, signatures, proofs.",
        discussion: "Exits 0 when everything holds, 1 when anything fails (each failure names its file and seq), 2 or 3 when the folder cannot be read.")
    @OptionGroup var output: OutputOptions
    @Argument(help: "The bundle folder.") var dir: String

    func run() throws {
        let started = Date()
        let v = try BundleVerifier.verify(directory: dir)
        let seconds = Date().timeIntervalSince(started)
        if output.json {
            Output.json(.object([
                "ok": .bool(v.isClean), "kind": v.kind.map { .string($0) } ?? .null, "origin": v.origin.map { .string($0) } ?? .null,
                "checkpoint_size": v.checkpointSize.map { .number(Double($0)) } ?? .null, "entries": .number(Double(v.entries)),
                "signatures_checked": .number(Double(v.signaturesChecked)), "proofs_checked": .number(Double(v.proofsChecked)),
                "files_checked": .number(Double(v.filesChecked)), "personal_records_checked": .number(Double(v.personalRecordsChecked)),
                "failures": .array(v.failures.map(\.json)),
            ]))
        } else {
            Output.line("bundle       \(dir) (\(v.kind ?? "unknown kind"), \(v.origin ?? "unknown origin"))")
            Output.line("checkpoint   \(v.checkpointSize.map { "\($0) entries" } ?? "unreadable")")
            Output.line("checked      \(v.filesChecked) files, \(v.entries) entries, \(v.signaturesChecked) signatures, \(v.proofsChecked) inclusion proofs, \(v.personalRecordsChecked) personal-data records in \(String(format: "%.2f", seconds)) s")
            if v.isClean {
                Output.line("result       OK: the facility signed this bundle, no file was changed, every entry is signed and in the checkpoint")
            } else {
                Output.line("result       FAILED: \(v.failures.count) problem(s)")
                for f in v.failures { Output.line("  \(f)") }
            }
        }
        if !v.isClean { throw ExitCode(1) }
    }
}
