import Foundation
import Testing
@testable import LedgerCore

/// `docs/verify-bundle.sh` checks a bundle with openssl, sha256sum and POSIX shell tools alone: the test runs it
/// with a PATH holding only those programs (no csledger, python or jq) on a real bundle and on tampered copies.
@Suite("Export bundles checked with openssl and sha256sum only")
struct ExportScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/verify-bundle.sh").path
    static let tools = ["openssl", "sha256sum", "base64", "sed", "grep", "tr", "cut", "head", "tail", "wc", "cat", "cmp", "mktemp", "rm", "mkdir", "mv", "od", "awk"]

    static var available: Bool { (["sh"] + tools).allSatisfy { (try? CLI.which($0)) != nil } }

    /// A folder of links to the allowed programs only.
    static func toolbox(in dir: URL) throws -> String {
        let bin = dir.appendingPathComponent("bin-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: false)
        for t in tools { try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent(t).path, withDestinationPath: try CLI.which(t)) }
        return bin.path
    }

    func run(_ bundle: URL, bin: String) throws -> CLI.Result {
        try CLI.run(try CLI.which("sh"), [Self.script, bundle.path], in: bundle.deletingLastPathComponent(), env: ["PATH": bin])
    }

    @Test("a real bundle passes; a changed file byte, an altered entry, a wrong proof hash and a flipped signature bit each fail",
          .enabled(if: ExportScriptTests.available, "needs openssl and sha256sum"))
    func script() throws {
        let s = try ExportScenario()
        let dir = try s.export(["inspection", "--from", "2026-03-01", "--to", "2026-03-31"])
        let bin = try Self.toolbox(in: s.f.root)
        let started = Date()
        let ok = try run(dir, bin: bin)
        let seconds = Date().timeIntervalSince(started)
        #expect(ok.status == 0, "\(ok.stdout)\n\(ok.stderr)")
        #expect(ok.stdout.contains("OK: the bundle is signed"), "\(ok.stdout)")
        #expect(!ok.stdout.contains("FAIL"))
        let entries = try BundleFiles.entryLines(dir).count
        #expect(ok.stdout.contains("\(entries) inclusion proofs checked"), "\(ok.stdout)")
        print("verify-bundle.sh: \(entries) entries in \(String(format: "%.2f", seconds)) s with openssl and sha256sum only")
        let facility = try s.f.key("facility")
        let fillSeq = s.seqs["fillA"]!

        // A changed byte in a report file.
        let csv = try BundleFiles.copy(dir, "csv")
        try BundleFiles.flip(csv, "receipts.csv", at: -3)
        var r = try run(csv, bin: bin)
        #expect(r.status == 1 && r.stdout.contains("FAIL receipts.csv: SHA-256 differs"), "\(r.stdout)")

        // An altered entry, by an insider who signs the manifest again: the entry's signature and proof fail.
        var lines = try BundleFiles.entryLines(dir)
        let i = try #require(lines.firstIndex { $0.contains("\"seq\":\(fillSeq),") })
        lines[i] = lines[i].replacingOccurrences(of: "\"days_supply\":21", with: "\"days_supply\":30")
        let entry = try BundleFiles.copy(dir, "entry")
        try BundleFiles.write(entry, "entries.jsonl", Data((lines.joined(separator: "\n") + "\n").utf8))
        try BundleFiles.resign(entry, with: facility)
        r = try run(entry, bin: bin)
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stdout.contains("FAIL entries.jsonl seq \(fillSeq): signature"), "\(r.stdout)")
        #expect(r.stdout.contains("FAIL proofs.json seq \(fillSeq):"), "\(r.stdout)")
        #expect(!r.stdout.contains("FAIL manifest"), "\(r.stdout)")
        // The same without re-signing: the file hash fails too.
        let entry2 = try BundleFiles.copy(dir, "entry2")
        try BundleFiles.write(entry2, "entries.jsonl", Data((lines.joined(separator: "\n") + "\n").utf8))
        r = try run(entry2, bin: bin)
        #expect(r.status == 1 && r.stdout.contains("FAIL entries.jsonl: SHA-256 differs"), "\(r.stdout)")

        // A wrong hash in a proof (re-signed, so only the proof check can catch it).
        let proof = try BundleFiles.copy(dir, "proof")
        var text = String(decoding: try BundleFiles.read(proof, "proofs.json"), as: UTF8.self)
        let marker = "{\"leaf_index\":\(fillSeq),\"path\":[\""
        let at = try #require(text.range(of: marker)).upperBound
        text.replaceSubrange(at...at, with: text[at] == "Q" ? "R" : "Q")
        try BundleFiles.write(proof, "proofs.json", Data(text.utf8))
        try BundleFiles.resign(proof, with: facility)
        r = try run(proof, bin: bin)
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stdout.contains("FAIL proofs.json seq \(fillSeq): the inclusion proof does not reach"), "\(r.stdout)")
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }.count == 1, "\(r.stdout)")

        // One bit of the manifest signature flipped.
        let sig = try BundleFiles.copy(dir, "sig")
        try BundleFiles.flip(sig, "manifest.sig", at: 5, bit: 0x04)
        r = try run(sig, bin: bin)
        #expect(r.status == 1 && r.stdout.contains("FAIL manifest.sig"), "\(r.stdout)")

        // A flipped bit in the checkpoint's own signature (manifest re-signed): the checkpoint check fails.
        let note = try BundleFiles.copy(dir, "note")
        var manifest = String(decoding: try BundleFiles.read(note, "manifest.json"), as: UTF8.self)
        let dash = try #require(manifest.range(of: "— "))
        let lineEnd = try #require(manifest.range(of: "\\n", range: dash.upperBound..<manifest.endIndex))
        let pos = manifest.index(lineEnd.lowerBound, offsetBy: -10)
        manifest.replaceSubrange(pos...pos, with: manifest[pos] == "A" ? "B" : "A")
        try BundleFiles.write(note, "manifest.json", Data(manifest.utf8))
        try BundleFiles.write(note, "manifest.sig", Data(facility.sign(Array(manifest.utf8))))
        r = try run(note, bin: bin)
        #expect(r.status == 1 && r.stdout.contains("FAIL manifest.json: the checkpoint is not signed"), "\(r.stdout)")
    }
}
