import ArgumentParser
import Foundation
import LedgerCore
import Reports
import Witness

/// `csledger verify-report DIR`: checks a report bundle offline, without the ledger file.
struct VerifyReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-report",
        abstract: "Check a signed report bundle offline (no ledger file): signature, file hashes, entries, signatures, proofs.",
        discussion: "Exits 0 when everything holds, 1 when anything fails (each failure names its file and seq), 2 or 3 when the folder cannot be read.")
    @OptionGroup var output: OutputOptions
    @Argument(help: "The bundle folder.") var dir: String

    @Option(help: ArgumentHelp("A witness you trust, NAME=WITNESS.pub.pem (repeatable): its cosignature on the bundle's checkpoint must verify.", valueName: "name=pub.pem"))
    var witness: [String] = []

    @Option(help: ArgumentHelp("How many of the --witness witnesses must have cosigned the checkpoint (default 1).", valueName: "k"))
    var witnessThreshold: Int?

    func run() throws {
        let started = Date()
        let trusted = try witness.map(Cosignature.Witness.parse)
        if witnessThreshold != nil && trusted.isEmpty { throw LedgerError(.invalidArgument, "--witness-threshold needs --witness") }
        let k = witnessThreshold ?? 1
        if !trusted.isEmpty, !(1...trusted.count).contains(k) {
            throw LedgerError(.invalidArgument, "--witness-threshold must be from 1 to the number of witnesses given (\(trusted.count))")
        }
        let v = try BundleVerifier.verify(directory: dir)
        // The checkpoint in the facility-signed manifest, with the cosignatures it carries: each checked against the keys given.
        var cosigners: [String] = []
        var witnessFailure: String?
        if !trusted.isEmpty {
            let manifest = (try? Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent("manifest.json"))).map { Array($0) } ?? []
            if let text = (try? JSONParser.parse(manifest))?["checkpoint"]?.stringValue, let note = try? SignedNote.parse(text) {
                cosigners = Cosignature.cosigners(of: note, among: trusted)
            }
            if cosigners.count < k {
                witnessFailure = "the checkpoint is cosigned by \(cosigners.count) of the given witnesses\(cosigners.isEmpty ? "" : " (\(cosigners.joined(separator: ", ")))"); \(k) needed"
            }
        }
        let seconds = Date().timeIntervalSince(started)
        if output.json {
            Output.json(.object([
                "ok": .bool(v.isClean), "kind": v.kind.map { .string($0) } ?? .null, "origin": v.origin.map { .string($0) } ?? .null,
                "checkpoint_size": v.checkpointSize.map { .number(Double($0)) } ?? .null, "entries": .number(Double(v.entries)),
                "signatures_checked": .number(Double(v.signaturesChecked)), "proofs_checked": .number(Double(v.proofsChecked)),
                "files_checked": .number(Double(v.filesChecked)), "personal_records_checked": .number(Double(v.personalRecordsChecked)),
                "failures": .array(v.failures.map(\.json) + (witnessFailure.map { [.object(["code": "witness-threshold", "message": .string($0)])] } ?? [])),
                "cosigned_by": .array(cosigners.map { .string($0) }),
            ].merging(witnessFailure == nil ? [:] : ["ok": .bool(false)]) { _, new in new }))
        } else {
            Output.line("bundle       \(dir) (\(v.kind ?? "unknown kind"), \(v.origin ?? "unknown origin"))")
            Output.line("checkpoint   \(v.checkpointSize.map { "\($0) entries" } ?? "unreadable")")
            Output.line("checked      \(v.filesChecked) files, \(v.entries) entries, \(v.signaturesChecked) signatures, \(v.proofsChecked) inclusion proofs, \(v.personalRecordsChecked) personal-data records in \(String(format: "%.2f", seconds)) s")
            if !trusted.isEmpty { Output.line("cosigned by  \(cosigners.isEmpty ? "none of the given witnesses" : cosigners.joined(separator: ", "))") }
            if let witnessFailure {
                Output.line("result       FAILED: \(v.failures.count + 1) problem(s)")
                Output.line("  witness: \(witnessFailure)")
                for f in v.failures { Output.line("  \(f)") }
            } else if v.isClean {
                Output.line("result       OK: the facility signed this bundle, no file was changed, every entry is signed and in the checkpoint")
            } else {
                Output.line("result       FAILED: \(v.failures.count) problem(s)")
                for f in v.failures { Output.line("  \(f)") }
            }
        }
        if !v.isClean || witnessFailure != nil { throw ExitCode(1) }
    }
}
