import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerAccess
import LedgerCore
import Witness

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every entry, signature and checkpoint; report every failure with its seq.",
        discussion: """
            Exits 0 only when everything holds, 1 when anything fails. With --checkpoint FILE (repeatable),
            also checks that the ledger still holds exactly what a checkpoint you kept earlier commits to,
            so entries removed from the end or rewritten are caught.
            With --witness NAME=PUB (repeatable), the ledger must extend the largest checkpoint kept in it that
            --witness-threshold K of those witnesses validly cosigned. With --witness URL=NAME=PUB, that witness is
            asked (c2sp.org/tlog-witness) to cosign the latest checkpoint: a witness that saw more entries, or
            another history, makes verify fail; K of them must cosign.
            """)

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("checkpoint"), help: ArgumentHelp("A signed checkpoint kept earlier (repeatable).", valueName: "file"))
    var checkpointFiles: [String] = []

    @Flag(help: "Check only the hash chain, the Merkle tree and the checkpoints' roots (fast; no signatures, no record contents).")
    var chainOnly = false

    @Option(help: ArgumentHelp("A checkpoint you verified before: check only what followed it (its consistency proof, the later entries and what they depend on); refused if the ledger does not extend it.", valueName: "file"))
    var since: String?

    @Option(help: ArgumentHelp("A witness you trust: NAME=WITNESS.pub.pem (its cosignatures kept in the ledger), or URL=NAME=WITNESS.pub.pem (asked now); repeatable.", valueName: "witness"))
    var witness: [String] = []

    @Option(help: ArgumentHelp("How many of the --witness witnesses must have cosigned (default 1).", valueName: "k"))
    var witnessThreshold: Int?

    func run() throws {
        var external = try checkpointFiles.map { path -> String in
            guard let data = try? InputFile.read(path, what: "checkpoint", maxBytes: 1 << 20), let text = String(data: data, encoding: .utf8) else {
                throw LedgerError(.invalidArgument, "cannot read the checkpoint file \(path)")
            }
            return text
        }
        // A ledger in PostgreSQL of which this process keeps no mirror: its rows are verified where they lie,
        // without building one (a mirror would check every row through the append path first).
        let direct = since == nil && witness.isEmpty && witnessThreshold == nil
            && Ledger.isPostgresWithoutMirror(ledgerOptions.path, mirror: ledgerOptions.mirrorPath)
        let ledger = direct ? nil : try ledgerOptions.open(readOnly: true)
        // A ledger in PostgreSQL with a mirror: its rows there must be the ones this process's mirror checked.
        try ledger?.compareWithStore(path: ledgerOptions.path)
        let origin = ledger.map { (try? $0.origin()) ?? "(unknown)" } ?? Ledger.postgresOrigin(ledgerOptions.path) ?? "(unknown)"
        let started = Date()
        let (witnessed, witnessLines, witnessFailures) = try ledger.map(checkWitnesses) ?? (nil, [], [])
        if let witnessed { external.append(witnessed.note) }
        var shownProgress = false
        let terminal = Output.stderrIsTerminal && !output.json
        let sinceText = try since.map { path -> String in
            guard let data = try? InputFile.read(path, what: "checkpoint", maxBytes: 1 << 20), let text = String(data: data, encoding: .utf8) else {
                throw LedgerError(.invalidArgument, "cannot read the checkpoint file \(path)")
            }
            return text
        }
        if since != nil && (chainOnly || !checkpointFiles.isEmpty || !witness.isEmpty) {
            throw LedgerError(.invalidArgument, "--since goes alone: not with --chain-only, --checkpoint or --witness")
        }
        let progress: (Int, Int) -> Void = { done, total in
            guard terminal, Date().timeIntervalSince(started) > 1 else { return }
            shownProgress = true
            FileHandle.standardError.write(Data("\rverifying: \(done) of \(total) entries".utf8))
        }
        let report: VerificationReport
        if let sinceText, let ledger {
            do { report = try ledger.verify(since: sinceText, progress: progress) } catch let refusal as Ledger.SinceRefusal {
                if output.json {
                    Output.json(["ok": .bool(false), "origin": .string(origin), "since": .string(since ?? ""),
                                 "failures": .array([.object(["code": "not-extended", "message": .string(refusal.message)])])])
                } else {
                    Output.line("ledger       \(ledgerOptions.path) (\(origin))")
                    Output.line("result       FAILED: the ledger does not extend the checkpoint given: \(refusal.message)")
                }
                throw ExitCode(1)
            }
        } else if let ledger {
            report = try ledger.verify(externalCheckpoints: external, checkSignatures: !chainOnly, progress: progress)
        } else {
            report = try Ledger.verifyStore(path: ledgerOptions.path, externalCheckpoints: external, checkSignatures: !chainOnly, progress: progress)
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
                "witnessed": .array(witnessLines.map { .string($0) }),
                "witness_failures": .array(witnessFailures.map { .string($0) }),
            ].merging(witnessFailures.isEmpty ? [:] : ["ok": .bool(false)]) { _, new in new }))
        } else {
            Output.line("ledger       \(ledgerOptions.path) (\(origin))")
            Output.line("entries      \(report.entries)\(report.entries > 0 ? " (seq 0 to \(report.entries - 1))" : "")")
            Output.line("root         \(report.rootHash.base64)")
            Output.line("checked      \(report.signaturesChecked) signatures, \(report.checkpointsChecked) checkpoints in \(String(format: "%.2f", seconds)) s")
            for l in witnessLines { Output.line("witnessed    \(l)") }
            if let sinceText, let n = try? SignedNote.parse(sinceText), let c = try? Checkpoint(body: n.text) {
                Output.line("since        the checkpoint of \(c.size) entries (consistent); entries \(c.size) onward checked")
            }
            if !witnessFailures.isEmpty {
                Output.line("result       FAILED: \(report.failures.count + report.failuresOmitted + witnessFailures.count) problem(s)")
                for f in witnessFailures { Output.line("  witness: \(f)") }
                for f in report.failures { Output.line("  \(f)") }
            } else if report.isClean {
                Output.line(chainOnly ? "result       OK: the hash chain, the Merkle tree and every checkpoint's root hold (signatures not checked: run verify without --chain-only)"
                                      : "result       OK: every entry, signature and checkpoint holds")
            } else {
                Output.line("result       FAILED: \(report.failures.count + report.failuresOmitted) problem(s)")
                for f in report.failures { Output.line("  \(f)") }
                if report.failuresOmitted > 0 { Output.line("  ... and \(report.failuresOmitted) more") }
            }
        }
        if !report.isClean || !witnessFailures.isEmpty { throw ExitCode(1) }
    }

    /// The witnessed checkpoint the ledger must extend (kept cosignatures), what the witnesses said, and what failed.
    func checkWitnesses(_ ledger: Ledger) throws -> (WitnessCheck.Witnessed?, [String], [String]) {
        guard !witness.isEmpty else {
            if witnessThreshold != nil { throw LedgerError(.invalidArgument, "--witness-threshold needs --witness") }
            return (nil, [], [])
        }
        let online = try witness.filter { $0.hasPrefix("http://") || $0.hasPrefix("https://") }.map(WitnessEndpoint.parse)
        let offline = try witness.filter { !($0.hasPrefix("http://") || $0.hasPrefix("https://")) }.map(Cosignature.Witness.parse)
        let trusted = offline + online.map(\.witness)
        let k = witnessThreshold ?? 1
        guard (1...trusted.count).contains(k) else {
            throw LedgerError(.invalidArgument, "--witness-threshold must be from 1 to the number of witnesses given (\(trusted.count))")
        }
        var lines: [String] = [], failures: [String] = []
        let kept = try WitnessCheck.latestKept(in: ledger.database, witnesses: trusted, threshold: k)
        if let kept {
            let when = Timestamp(millisecondsSinceEpoch: Int64(kept.latestTime) * 1000)
            lines.append("\(kept.treeSize) entries, cosigned by \(kept.cosigners.joined(separator: ", ")) (latest \(when)); the ledger must extend it")
        } else if online.isEmpty {
            failures.append("no checkpoint kept in the ledger is cosigned by \(k) of the given witnesses")
        }
        if !online.isEmpty {
            let answers = try runBlocking { await WitnessCheck.askOnline(ledger: ledger, endpoints: online) }
            var cosigned = 0
            for (e, a) in zip(online, answers) {
                switch a {
                case .cosigned(let size):
                    cosigned += 1
                    lines.append("\(e.witness.name) cosigned the latest checkpoint (\(size) entries) now")
                case .contradicted(let message): failures.append(message)
                case .unavailable(let message): lines.append("\(e.witness.name) not asked: \(message)")
                }
            }
            if kept == nil && cosigned < k && failures.isEmpty {
                failures.append("only \(cosigned) of the witnesses asked cosigned the latest checkpoint; \(k) needed")
            }
        }
        return (kept, lines, failures)
    }
}
