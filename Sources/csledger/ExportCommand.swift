import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore
import Reports

/// `csledger export ...`: regulator exports, each a signed bundle (SPEC §5) that `verify-report` and
/// `docs/verify-bundle.sh` check offline.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a signed report bundle for a regulator: inspection package, ASAP PMP file, biennial inventory, DEA 41, DEA 106.",
        discussion: """
            Every export is a folder: manifest.json signed by the facility key (manifest.sig), facility.pub.pem, the entries
            the report comes from (entries.jsonl) with their inclusion proofs (proofs.json), and the report files.
            Check one with `csledger verify-report DIR`, or with openssl and sha256sum alone (docs/verify-bundle.sh).
            The folder must be new or empty; nothing is written when anything fails.
            """,
        subcommands: [Inspection.self, ASAP.self, Biennial.self, DEA41.self, DEA106.self, ExportTiles.self])

    /// Options every export shares.
    struct Common: ParsableArguments {
        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("The facility key that signs the bundle, or $CSLEDGER_FACILITY_KEY (default: the key given to init).", valueName: "path"))
        var facilityKey: String?

        func writer(_ ledger: Ledger) throws -> BundleWriter {
            let key = try ledger.facilityKey(path: facilityKey, purpose: "the bundle")
            return try BundleWriter(database: ledger.database, facilityKey: key)
        }

        /// Checks `out` first, then builds one report against the latest checkpoint and writes its signed
        /// bundle; `build` returns the files, the entries they rest on, and the period they cover.
        func writeBundle(kind: String, out: String,
                         build: (ExportSource) throws -> (files: [ReportFile], seqs: Set<Int>, from: Timestamp, to: Timestamp)) throws {
            _ = try BundleWriter.checkDestination(out)
            let ledger = try ledgerOptions.open(readOnly: true)
            try ledger.requireIntegrity()
            let writer = try writer(ledger)
            let built = try build(try ExportSource(database: ledger.database, limit: writer.checkpoint.treeSize))
            let s = try writer.write(kind: kind, range: ["from": .string(built.from.description), "to": .string(built.to.description)],
                                     files: built.files, entrySeqs: built.seqs, to: out)
            report(kind, s)
        }

        func report(_ kind: String, _ s: BundleWriter.Summary, extra: [String: JSONValue] = [:], line: String? = nil) {
            if output.json {
                var o: [String: JSONValue] = ["kind": .string(kind), "out": .string(s.path), "entries": .number(Double(s.entries)),
                                              "checkpoint_size": .number(Double(s.checkpointSize)), "files": .array(s.files.map { .string($0) })]
                for (k, v) in extra { o[k] = v }
                Output.json(.object(o))
            } else {
                Output.line(line ?? "wrote the \(kind) bundle \(s.path): \(s.files.count) files, \(s.entries) entries proved against the checkpoint of \(s.checkpointSize) entries")
                Output.line("check it offline: csledger verify-report \(s.path)   (or docs/verify-bundle.sh \(s.path))")
            }
        }
    }

    /// A `YYYY-MM-DD` flag as the start of that UTC day.
    static func day(_ text: String, _ flag: String) throws -> Timestamp {
        guard text.count == 10, let t = Timestamp(text, allowDate: true) else {
            throw LedgerError(.invalidArgument, "\(flag) \"\(text.prefix(30))\" must be a date like 2026-11-23")
        }
        return t
    }

    static func seqArgument(_ text: String, _ flag: String) throws -> Int {
        guard let n = Int(text), (0...RouteQuery.maxNumber).contains(n) else { throw LedgerError(.invalidArgument, "\(flag) \"\(text.prefix(30))\" must be an entry's seq number (0, 1, 2 ...)") }
        return n
    }

    struct Inspection: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The inspection package: receipts, dispensing and administration log, wastes, destructions, losses, counts, accountability (CSV) and report.html.")
        @OptionGroup var common: Common
        @Option(help: "First day of the period (YYYY-MM-DD, UTC).") var from: String
        @Option(help: "Last day of the period (YYYY-MM-DD, UTC), included.") var to: String
        @Option(help: "The bundle folder to write (new or empty).") var out: String

        func run() throws {
            let start = try Export.day(from, "--from")
            let end = try Export.day(to, "--to").endOfDay
            guard start <= end else { throw LedgerError(.invalidArgument, "--from \(from) is after --to \(to)") }
            _ = try BundleWriter.checkDestination(out)
            let ledger = try common.ledgerOptions.open(readOnly: true)
            try ledger.requireIntegrity()
            let writer = try common.writer(ledger)
            let verification = try ledger.verify()
            let integrity = InspectionReport.Integrity(entries: verification.entries, signaturesChecked: verification.signaturesChecked,
                                                       checkpointsChecked: verification.checkpointsChecked,
                                                       failures: verification.failures.map(\.description))
            let generated = Timestamp.now()
            let source = try ExportSource(database: ledger.database, limit: writer.checkpoint.treeSize)
            let report = try InspectionReport.build(source: source, from: start, to: end, integrity: integrity,
                                                    checkpoint: writer.checkpoint.note, generated: generated)
            let s = try writer.write(kind: "inspection", range: ["from": .string(start.description), "to": .string(end.description)],
                                     files: report.files, entrySeqs: report.seqs, to: out, generated: generated)
            common.report("inspection", s, extra: ["ledger_verified": .bool(verification.isClean)])
        }
    }

    struct ASAP: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "asap",
            abstract: "The day's fills to patients in one state as an ASAP 4.2A PMP file (a zero report when there were none).",
            discussion: "Writes the ASAP file to --out (to upload to the state PMP) and the signed bundle holding it to --bundle (default <out>.bundle).")
        @OptionGroup var common: Common
        @Option(help: "The patients' state, two letters (e.g. TX).") var state: String
        @Option(help: "The day of the fills (YYYY-MM-DD, UTC).") var date: String
        @Option(help: "The ASAP file to write.") var out: String
        @Option(help: "The bundle folder (default <out>.bundle).") var bundle: String?

        func run() throws {
            guard state.count == 2, state.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw LedgerError(.invalidArgument, "--state \"\(state.prefix(20))\" must be a state's two-letter code, such as TX")
            }
            let st = state.uppercased()
            let day = try Export.day(date, "--date")
            let bundleDir = bundle ?? out + ".bundle"
            let fileURL = try Export.checkNewFile(out)
            _ = try BundleWriter.checkDestination(bundleDir)
            let ledger = try common.ledgerOptions.open(readOnly: true)
            try ledger.requireIntegrity()
            let writer = try common.writer(ledger)
            let generated = Timestamp.now()
            let source = try ExportSource(database: ledger.database, limit: writer.checkpoint.treeSize)
            let report = try ASAPReport.build(source: source, personalData: ledger.personalData, state: st, date: day, generated: generated)
            let name = "\(st)-\(ASAPReport.ccyymmdd(day.dateString)).asap.txt"
            var files = [ReportFile(path: name, text: report.text)]
            if !report.personalData.isEmpty { files.append(ReportFile(path: "personal-data.jsonl", text: report.personalData)) }
            let s = try writer.write(kind: "asap", range: ["from": .string(day.description), "to": .string(day.endOfDay.description),
                                                           "state": .string(st)],
                                     files: files, entrySeqs: report.seqs, to: bundleDir, generated: generated)
            do {
                try Export.writeNewFile(Array(report.text.utf8), to: fileURL)
            } catch {
                try? FileManager.default.removeItem(atPath: s.path)
                throw error
            }
            common.report("asap", s, extra: ["asap_file": .string(fileURL.path), "records": .number(Double(report.records))],
                          line: "wrote \(fileURL.path): ASAP 4.2A for \(st) on \(date), \(report.records == 0 ? "zero report" : "\(report.records) record(s)"); signed bundle \(s.path) (\(s.entries) entries)")
        }
    }

    struct Biennial: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "biennial-inventory",
                                                        abstract: "The biennial inventory at close of business on a date (21 CFR 1304.11).")
        @OptionGroup var common: Common
        @Option(help: "The day (YYYY-MM-DD, UTC; default today); the inventory is taken at its close of business.") var date: String?
        @Option(help: "The bundle folder to write (new or empty).") var out: String

        func run() throws {
            let day = try date.map { try Export.day($0, "--date") } ?? Timestamp(Timestamp.now().dateString, allowDate: true)!
            let asOf = day.endOfDay
            try common.writeBundle(kind: "biennial-inventory", out: out) { source in
                let report = try BiennialInventory.build(source: source, asOf: asOf)
                return (report.files, report.seqs, asOf, asOf)
            }
        }
    }

    struct DEA41: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dea41", abstract: "DEA Form 41 data for one destruction.")
        @OptionGroup var common: Common
        @Option(help: "The seq of the destruction.recorded entry.") var destruction: String
        @Option(help: "The bundle folder to write (new or empty).") var out: String

        func run() throws {
            let seq = try Export.seqArgument(destruction, "--destruction")
            try common.writeBundle(kind: "dea41", out: out) { source in
                let report = try DEAForm41.build(source: source, seq: seq)
                return (report.files, report.seqs, report.time, report.time)
            }
        }
    }

    struct DEA106: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dea106", abstract: "DEA Form 106 data for one theft or loss (in transit included).")
        @OptionGroup var common: Common
        @Option(help: "The seq of the loss.reported entry.") var loss: String
        @Option(help: "The bundle folder to write (new or empty).") var out: String

        func run() throws {
            let seq = try Export.seqArgument(loss, "--loss")
            try common.writeBundle(kind: "dea106", out: out) { source in
                let report = try DEAForm106.build(source: source, seq: seq)
                return (report.files, report.seqs, report.time, report.time)
            }
        }
    }

    /// A file path that may be created: no `..`, not existing, in an existing folder.
    static func checkNewFile(_ path: String) throws -> URL {
        let parts = path.split(separator: "/")
        guard !path.isEmpty, !parts.contains(".."), let last = parts.last, last != "." else {
            throw LedgerError(.invalidArgument, "--out \(path.prefix(80)) must name a new file without '..'")
        }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        if FileManager.default.fileExists(atPath: url.path) || (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil {
            throw LedgerError(.invalidArgument, "--out \(path.prefix(80)) already exists; an export never overwrites a file")
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.deletingLastPathComponent().path, isDirectory: &isDir), isDir.boolValue else {
            throw LedgerError(.invalidArgument, "the folder that should hold --out \(path.prefix(80)) does not exist")
        }
        return url
    }

    /// Writes a new file through a temporary name and a rename.
    static func writeNewFile(_ bytes: [UInt8], to url: URL) throws {
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try Data(bytes).write(to: temp, options: .withoutOverwriting)
            guard link(temp.path, url.path) == 0 else { throw LedgerError(.invalidArgument, "\(url.path) appeared while exporting; nothing was overwritten") }
            unlink(temp.path)
        } catch {
            unlink(temp.path)
            throw (error as? LedgerError) ?? LedgerError(.storage, "cannot write \(url.path.prefix(120))")
        }
    }
}
