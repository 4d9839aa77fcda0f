import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// Signed report bundles (SPEC §5): written by `export`, checked offline by `verify-report`, every tampering caught.
@Suite("Export bundles")
struct ExportBundleTests {
    @Test("an inspection bundle verifies offline; it holds the genesis and the signers' enrolments with a proof for each entry")
    func roundTrip() throws {
        let s = try ExportScenario()
        let dir = try s.export(["inspection", "--from", "2026-03-04", "--to", "2026-03-06"])
        // The ledger file is not needed: verify from a folder elsewhere, with the ledger moved away.
        try FileManager.default.moveItem(atPath: s.f.ledgerPath, toPath: s.f.ledgerPath + ".away")
        let v = try BundleFiles.verify(dir, in: FileManager.default.temporaryDirectory)
        #expect(v.status == 0, "\(v.failures)")
        #expect(v.json["ok"] == .bool(true))
        let lines = try BundleFiles.entryLines(dir)
        let entries = try lines.map { try Entry.decode(canonicalBytes: Array($0.utf8)) }
        #expect(entries.first?.seq == 0)
        #expect(entries.map(\.seq) == entries.map(\.seq).sorted())
        let types = Set(entries.map(\.statement.type))
        #expect(types.isSuperset(of: ["ledger.created", "actor.enrolled", "rx.dispensed", "dose.administered", "destruction.recorded", "loss.reported"]))
        // Every signer of an included entry is enrolled by an included entry.
        let enrolled = Set(entries.compactMap { $0.statement.body["public_key"]?.stringValue }.compactMap { try? SignerPublicKey(base64: $0).keyID })
        for e in entries { for sig in e.signatures { #expect(enrolled.contains(sig.key), "seq \(e.seq) signer \(sig.key.short)") } }
        #expect(v.json["entries"]?.integerValue == lines.count)
        #expect(v.json["proofs_checked"]?.integerValue == lines.count)
        let manifest = try JSONParser.parse(Array(try BundleFiles.read(dir, "manifest.json")))
        #expect(manifest["kind"] == "inspection")
        #expect(manifest["v"]?.integerValue == 1)
        let listed = Set((manifest["files"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue })
        #expect(listed.isSuperset(of: ["entries.jsonl", "proofs.json", "report.html", "accountability.csv", "receipts.csv", "dispensing.csv",
                                       "administrations.csv", "wastes.csv", "destructions.csv", "losses.csv", "counts.csv"]))
        #expect(try BundleFiles.read(dir, "manifest.sig").count == 64)
        // The inspection package shows patients only by reference.
        for name in listed {
            let text = String(decoding: try BundleFiles.read(dir, name), as: UTF8.self)
            for secret in DispensingLedger.personalData { #expect(!text.contains(secret), "\(name) shows personal data") }
        }
    }

    @Test("each tampering is found and named by file and seq: a report byte, an entry, a proof hash, the signature, a re-signed insider edit")
    func tampering() throws {
        let s = try ExportScenario()
        let dir = try s.export(["inspection", "--from", "2026-03-01", "--to", "2026-03-31"])
        let root = s.f.root
        #expect(try BundleFiles.verify(dir, in: root).status == 0)
        let facility = try s.f.key("facility")

        // A changed byte in a report file.
        let csv = try BundleFiles.copy(dir, "csv")
        try BundleFiles.flip(csv, "accountability.csv", at: -5)
        var v = try BundleFiles.verify(csv, in: root)
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.file == "accountability.csv" && $0.message.contains("SHA-256") }, "\(v.failures)")

        // An altered entry: the quantity of a fill changed in entries.jsonl.
        let lines = try BundleFiles.entryLines(dir)
        let fillSeq = s.seqs["fillA"]!
        let index = try #require(lines.firstIndex { $0.contains("\"seq\":\(fillSeq),") })
        var altered = lines
        altered[index] = altered[index].replacingOccurrences(of: "\"quantity\":\"6\"", with: "\"quantity\":\"5\"")
        #expect(altered[index] != lines[index])
        let entry = try BundleFiles.copy(dir, "entry")
        try BundleFiles.write(entry, "entries.jsonl", Data((altered.joined(separator: "\n") + "\n").utf8))
        v = try BundleFiles.verify(entry, in: root)
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.file == "entries.jsonl" && $0.message.contains("SHA-256") })
        #expect(v.failures.contains { $0.file == "entries.jsonl" && $0.seq == fillSeq && $0.message.contains("does not verify") }, "\(v.failures)")
        #expect(v.failures.contains { $0.file == "proofs.json" && $0.seq == fillSeq }, "\(v.failures)")
        // The same edit by an insider who re-signs the manifest with the facility key: the entry's own signature and proof still fail.
        try BundleFiles.resign(entry, with: facility)
        v = try BundleFiles.verify(entry, in: root)
        #expect(v.status == 1)
        #expect(!v.failures.contains { $0.message.contains("SHA-256") || $0.file == "manifest.sig" }, "\(v.failures)")
        #expect(v.failures.contains { $0.seq == fillSeq && $0.message.contains("does not verify") })
        #expect(v.failures.contains { $0.file == "proofs.json" && $0.seq == fillSeq })

        // A wrong hash in a proof (re-signed, so only the proof check can find it).
        let proof = try BundleFiles.copy(dir, "proof")
        var proofs = String(decoding: try BundleFiles.read(proof, "proofs.json"), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let pi = try #require(proofs.firstIndex { $0.contains("\"leaf_index\":\(fillSeq),") })
        let firstHash = try #require(proofs[pi].range(of: "\"path\":[\"")?.upperBound)
        let c = proofs[pi][firstHash]
        proofs[pi].replaceSubrange(firstHash...firstHash, with: c == "A" ? "B" : "A")
        try BundleFiles.write(proof, "proofs.json", Data(proofs.joined(separator: "\n").utf8))
        try BundleFiles.resign(proof, with: facility)
        v = try BundleFiles.verify(proof, in: root)
        #expect(v.status == 1)
        #expect(v.failures.map(\.file) == ["proofs.json"] && v.failures.first?.seq == fillSeq, "\(v.failures)")

        // One bit of the signature flipped.
        let sig = try BundleFiles.copy(dir, "sig")
        try BundleFiles.flip(sig, "manifest.sig", at: 10, bit: 0x80)
        v = try BundleFiles.verify(sig, in: root)
        #expect(v.status == 1)
        #expect(v.failures.map(\.file) == ["manifest.sig"], "\(v.failures)")

        // An entry signed by a key the bundle never enrols: drop the pharmacist's enrolment (re-signed).
        let dropped = try BundleFiles.copy(dir, "enrolment")
        let pharmacist = try s.f.key("pharmacist").publicKey.base64
        let kept = lines.filter { !$0.contains(pharmacist) }
        #expect(kept.count == lines.count - 1)
        try BundleFiles.write(dropped, "entries.jsonl", Data((kept.joined(separator: "\n") + "\n").utf8))
        try BundleFiles.resign(dropped, with: facility)
        v = try BundleFiles.verify(dropped, in: root)
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.file == "entries.jsonl" && $0.seq == fillSeq && $0.message.contains("not enrolled") }, "\(v.failures)")
    }

    @Test("the verifier never leaves the folder: '..', absolute paths and symbolic links in the manifest are refused; extra files reported")
    func pathsStayInside() throws {
        let s = try ExportScenario()
        let dir = try s.export(["dea41", "--destruction", String(s.seqs["destruction"]!)])
        let facility = try s.f.key("facility")
        let secret = s.f.dir.path("secret.txt")
        try Data("outside".utf8).write(to: URL(fileURLWithPath: secret))
        for evil in ["../secret.txt", secret] {
            let copy = try BundleFiles.copy(dir, "evil-\(evil.hasPrefix("/") ? "abs" : "dotdot")")
            var o = try JSONParser.parse(Array(try BundleFiles.read(copy, "manifest.json"))).objectValue!
            o["files"] = .array((o["files"]!.arrayValue! ) + [["path": .string(evil), "sha256": .string(Hash.sha256(Array("outside".utf8)).hex), "bytes": 7]])
            let bytes = JCS.serialize(.object(o))
            try BundleFiles.write(copy, "manifest.json", Data(bytes))
            try BundleFiles.write(copy, "manifest.sig", Data(facility.sign(bytes)))
            let v = try BundleFiles.verify(copy, in: s.f.root)
            #expect(v.status == 1)
            #expect(v.failures.contains { $0.message.contains("outside the bundle") }, "\(v.failures)")
        }
        let link = try BundleFiles.copy(dir, "symlink")
        try FileManager.default.removeItem(at: link.appendingPathComponent("dea41.csv"))
        try FileManager.default.createSymbolicLink(atPath: link.appendingPathComponent("dea41.csv").path, withDestinationPath: secret)
        var v = try BundleFiles.verify(link, in: s.f.root)
        #expect(v.failures.contains { $0.file == "dea41.csv" && $0.message.contains("symbolic link") }, "\(v.failures)")
        let extra = try BundleFiles.copy(dir, "extra")
        try BundleFiles.write(extra, "note.csv", Data("seq\r\n1\r\n".utf8))
        v = try BundleFiles.verify(extra, in: s.f.root)
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.file == "note.csv" && $0.message.contains("not listed") })
        // Unreadable input: no such folder.
        let missing = try CLI.csledger(["verify-report", s.f.dir.path("nope")], in: s.f.root)
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("csledger: error: "))
    }

    @Test("an export goes only into a new or empty folder, never through '..', and leaves nothing behind when refused")
    func destinations() throws {
        let s = try ExportScenario()
        let busy = s.f.dir.path("busy")
        try FileManager.default.createDirectory(atPath: busy, withIntermediateDirectories: false)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: busy + "/mine.txt"))
        let args = ["export", "inspection", "--from", "2026-03-01", "--to", "2026-03-31", "--out"]
        var r = try s.f.csledger(args + [busy])
        try s.f.expectRefusal(r, "invalid-argument", ["not empty"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: busy) == ["mine.txt"])
        r = try s.f.csledger(args + ["busy/../escaped"])
        try s.f.expectRefusal(r, "invalid-argument", ["'..'"])
        #expect(!FileManager.default.fileExists(atPath: s.f.dir.path("escaped")))
        // An empty folder is fine; so is a new one.
        let empty = s.f.dir.path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        try s.f.ok(args + [empty])
        #expect(FileManager.default.fileExists(atPath: empty + "/manifest.json"))
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: s.f.root.path))
        // A failure after the checks (a wrong facility key) writes nothing at all, not even a temporary folder.
        r = try CLI.csledger(args + ["fresh", "--facility-key", "Keys/pharmacist.pem"], in: s.f.root)
        #expect(r.status != 0)
        #expect(r.stderr.contains("not this ledger's facility key"), "\(r.stderr)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: s.f.root.path)) == before)
    }
}
