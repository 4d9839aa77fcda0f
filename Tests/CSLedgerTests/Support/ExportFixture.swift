import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// A realistic first week of March 2026 on top of `DispensingLedger`, recorded through the CLI, for the export tests.
///
/// Patient A lives in Arizona, patient B in Texas.
/// - 03-03: RX-2002 for patient B (8 tablets, 1 refill).
/// - 03-04: RX-1001 fill 1 (6 tablets, patient A), RX-2002 fill 1 (8 tablets, patient B); RX-1001/1 shipped.
/// - 03-05: the parcel delivered (signed by patient A); a clinic dose to patient B (1 mL drawn, 0.8 given, 0.2 wasted);
///          a waste of 0.5 mL; a blind count of the vial lot.
/// - 03-06: destruction of 2 mL (two witnesses); theft of 2 tablets; RX-1001 fill 1 corrected and dispensed again.
/// - 03-07: RX-2002 fill 1 corrected (void).
struct ExportScenario {
    typealias D = DispensingLedger
    let f: DispensingLedger
    var seqs: [String: Int] = [:]

    /// The week on a ledger file.
    init() throws { try self.init(on: try #require(try D.make(.file))) }

    /// The week in `backend`'s store; nil when that is PostgreSQL and no server is there (after a SKIPPED line).
    static func make(_ backend: Backend) throws -> ExportScenario? {
        guard let f = try D.make(backend) else { return nil }
        return try ExportScenario(on: f)
    }

    private init(on f: DispensingLedger) throws {
        self.f = f
        try f.record(D.rxAdd("RX-2002", patient: "$PB", quantity: "8", refills: 1, time: "2026-03-03T09:30:00Z"))
        seqs["fillA"] = try f.record(D.dispense(time: "2026-03-04T10:00:00Z"))
        seqs["fillB"] = try f.record(D.dispense("RX-2002", quantity: "8", time: "2026-03-04T11:00:00Z"))
        try f.record(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-04T12:00:00Z"))
        _ = try f.writeImage()
        seqs["delivery"] = try f.record(D.deliver(tracking: "1Z999AA10123456784", delivered: "2026-03-05T15:00:00Z", time: "2026-03-05T16:00:00Z"))
        seqs["dose"] = try f.record(D.administer(time: "2026-03-05T09:00:00Z"))
        seqs["waste"] = try f.record(D.waste(quantity: "0.5", time: "2026-03-05T10:00:00Z"))
        seqs["count"] = try f.record(["count", "--lot", D.vialLot, "--counted", "98.3", "--time", "2026-03-05T18:00:00Z"] + D.pharmacist + D.witnessed)
        seqs["destruction"] = try f.record(D.destroy(["\(D.vialLot)=2"], time: "2026-03-06T10:00:00Z"))
        seqs["theft"] = try f.record(["loss", "--kind", "theft", "--discovered", "2026-03-06T08:30:00Z", "--lot", "\(D.tabletLot)=2",
                                      "--description", "bottle missing from the safe", "--time", "2026-03-06T11:00:00Z"] + D.compliance)
        seqs["correctA"] = try f.record(["correct", "--seq", String(seqs["fillA"]!), "--reason", "wrong quantity keyed",
                                         "--time", "2026-03-06T12:00:00Z"] + D.pharmacist)
        seqs["refillA"] = try f.record(D.dispense(time: "2026-03-06T12:30:00Z"))
        seqs["correctB"] = try f.record(["correct", "--seq", String(seqs["fillB"]!), "--reason", "dispensed in error, never left the pharmacy",
                                         "--time", "2026-03-07T09:00:00Z"] + D.pharmacist)
    }

    /// Runs `csledger export ARGS --out <new folder> --json`, which must succeed; returns the folder.
    func export(_ args: [String], name: String = "bundle-\(UUID().uuidString.prefix(8))",
                sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        let out = f.dir.path(name)
        try f.ok(["export"] + args + ["--out", out, "--json"], sourceLocation: sourceLocation)
        return URL(fileURLWithPath: out)
    }
}

/// Helpers on bundle folders: read, copy, tamper, re-sign.
enum BundleFiles {
    static func read(_ dir: URL, _ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }

    static func write(_ dir: URL, _ name: String, _ data: Data) throws { try data.write(to: dir.appendingPathComponent(name)) }

    /// A copy of `dir` beside it.
    static func copy(_ dir: URL, _ suffix: String) throws -> URL {
        let to = dir.deletingLastPathComponent().appendingPathComponent(dir.lastPathComponent + "-" + suffix)
        try FileManager.default.copyItem(at: dir, to: to)
        return to
    }

    /// Flips one bit of byte `at` (negative: from the end) of a file.
    static func flip(_ dir: URL, _ name: String, at: Int, bit: UInt8 = 1) throws {
        var d = try read(dir, name)
        let i = at >= 0 ? at : d.count + at
        d[i] ^= bit
        try write(dir, name, d)
    }

    /// The lines of entries.jsonl.
    static func entryLines(_ dir: URL) throws -> [String] {
        String(decoding: try read(dir, "entries.jsonl"), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// What an insider holding the facility key could do after changing files: recompute the manifest's hashes and sign again.
    static func resign(_ dir: URL, with key: SignerKey) throws {
        let manifest = try JSONParser.parse(Array(try read(dir, "manifest.json")))
        guard var o = manifest.objectValue, let files = o["files"]?.arrayValue else { throw BundleError.badManifest }
        o["files"] = .array(try files.map { f in
            guard let path = f["path"]?.stringValue else { throw BundleError.badManifest }
            let bytes = Array(try read(dir, path))
            return ["path": .string(path), "sha256": .string(Hash.sha256(bytes).hex), "bytes": .number(Double(bytes.count))]
        })
        let bytes = JCS.serialize(.object(o))
        try write(dir, "manifest.json", Data(bytes))
        try write(dir, "manifest.sig", Data(key.sign(bytes)))
    }

    enum BundleError: Error { case badManifest }

    /// `csledger verify-report DIR --json`: status and failures as "file seq message".
    static func verify(_ dir: URL, in root: URL) throws -> (status: Int32, failures: [(file: String, seq: Int?, message: String)], json: JSONValue) {
        let r = try CLI.csledger(["verify-report", dir.path, "--json"], in: root)
        let json = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let failures = (json["failures"]?.arrayValue ?? []).map {
            (file: $0["file"]?.stringValue ?? "", seq: $0["seq"]?.integerValue, message: $0["message"]?.stringValue ?? "")
        }
        return (r.status, failures, json)
    }
}
