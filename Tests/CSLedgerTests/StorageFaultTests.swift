import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// Storage faults on real files: a full disk (a real 3 MB tmpfs), a read-only folder (the tmpfs remounted
/// read-only), a read-only ledger file (a read-only bind mount, which holds even for root), a corrupted page.
/// Each gets a clear error (exit 3, naming the file problem), never success, and the entries committed
/// before are intact once the fault is gone. Mounting needs root (CAP_SYS_ADMIN); without it those cases
/// fall back to file modes where they can and say so.
@Suite("Storage faults", .serialized)
struct StorageFaultTests {
    static var canMount: Bool {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("csledger-mount-probe-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        defer { _ = try? CLI.run("umount", [d.path], in: d.deletingLastPathComponent()); try? FileManager.default.removeItem(at: d) }
        return (try? CLI.run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", d.path], in: d.deletingLastPathComponent()))?.status == 0
    }

    /// A ledger with `n` notes made in a tmpfs of `megabytes` mounted at a fresh folder.
    final class MountedLedger {
        let l: CLILedger
        let mount: URL
        var path: String { mount.appendingPathComponent("ledger.sqlite").path }
        init(megabytes: Int) throws {
            l = try CLILedger(entries: 5)
            mount = l.root.appendingPathComponent("mnt")
            try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
            let m = try CLI.run("mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", mount.path], in: l.root)
            try #require(m.status == 0, "mount: \(m.stderr)")
            try FileManager.default.copyItem(atPath: l.ledgerPath, toPath: path)
        }
        deinit { _ = try? CLI.run("umount", ["-l", mount.path], in: l.root) }
        func csledger(_ args: [String]) throws -> CLI.Result { try l.csledger(args + ["--ledger", path]) }
        func verifyClean(size: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let v = try csledger(["verify", "--json"])
            #expect(v.status == 0, "verify after the fault: \(v.stdout) \(v.stderr)", sourceLocation: sourceLocation)
            #expect(try LedgerDatabase.open(path: path, readOnly: true).size() >= size, sourceLocation: sourceLocation)
        }
    }

    static func expectFileError(_ r: CLI.Result, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 3, "exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("csledger: error: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(words.contains { r.stderr.contains($0) }, "the message does not name the problem: \(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test("full disk (real tmpfs): disk-full error, earlier entries intact, verify clean after freeing space")
    func fullDisk() throws {
        try #require(Self.canMount, "needs root to mount a small tmpfs")
        let m = try MountedLedger(megabytes: 3)
        let size = try LedgerDatabase.open(path: m.path, readOnly: true).size()
        let chunk = String(repeating: "x", count: 200_000)
        let big = "{\"a\":\"\(chunk)\",\"b\":\"\(chunk)\",\"c\":\"\(chunk)\"}"
        try big.write(toFile: m.l.dir.path("big.json"), atomically: true, encoding: .utf8)
        let r = try m.csledger(["append", "--type", "test.note", "--body", "@big.json", "--key", "Keys/facility.pem", "--repeat", "20"])
        Self.expectFileError(r, ["full"])
        #expect(r.stderr.contains("[disk-full]"), "\(r.stderr)")
        // Give the disk space back (grow the tmpfs), then everything committed before must verify.
        #expect(try CLI.run("mount", ["-o", "remount,size=32m", m.mount.path], in: m.l.root).status == 0)
        try m.verifyClean(size: size)
    }

    @Test("read-only folder (tmpfs remounted read-only): clear error, nothing written, verify clean after")
    func readOnlyFolder() throws {
        try #require(Self.canMount, "needs root to remount a tmpfs read-only")
        let m = try MountedLedger(megabytes: 8)
        let size = try LedgerDatabase.open(path: m.path, readOnly: true).size()
        #expect(try CLI.run("mount", ["-o", "remount,ro", m.mount.path], in: m.l.root).status == 0)
        let r = try m.csledger(["append", "--type", "test.note", "--body", #"{"text":"x"}"#, "--key", "Keys/facility.pem"])
        Self.expectFileError(r, ["read-only", "cannot be opened"])
        #expect(try CLI.run("mount", ["-o", "remount,rw", m.mount.path], in: m.l.root).status == 0)
        #expect(try LedgerDatabase.open(path: m.path, readOnly: true).size() == size)
        try m.verifyClean(size: size)
    }

    @Test("read-only ledger file (read-only bind mount): clear error, nothing written")
    func readOnlyFile() throws {
        try #require(Self.canMount, "needs root for a read-only bind mount")
        let m = try MountedLedger(megabytes: 8)
        let size = try LedgerDatabase.open(path: m.path, readOnly: true).size()
        #expect(try CLI.run("mount", ["--bind", m.path, m.path], in: m.l.root).status == 0)
        #expect(try CLI.run("mount", ["-o", "remount,ro,bind", m.path], in: m.l.root).status == 0)
        let r = try m.csledger(["append", "--type", "test.note", "--body", #"{"text":"x"}"#, "--key", "Keys/facility.pem"])
        Self.expectFileError(r, ["read-only", "cannot be opened"])
        _ = try CLI.run("umount", [m.path], in: m.l.root)
        #expect(try LedgerDatabase.open(path: m.path, readOnly: true).size() == size)
        try m.verifyClean(size: size)
    }

    @Test("a corrupted page under the last entry: verify, append and reconcile fail with the file named; restoring the copy verifies")
    func corruptedPage() throws {
        let l = try CLILedger(entries: 30)
        #expect(try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"LAST-ENTRY-MARKER"}"#, "--key", "Keys/facility.pem"]).status == 0)
        let backup = l.dir.path("backup.sqlite")
        try FileManager.default.copyItem(atPath: l.ledgerPath, toPath: backup)
        var data = try Data(contentsOf: URL(fileURLWithPath: l.ledgerPath))
        let marker = Data("LAST-ENTRY-MARKER".utf8)
        let at = try #require(data.range(of: marker)?.lowerBound, "the last entry is in the main file")
        let page = (at / 4096) * 4096
        data.replaceSubrange(page..<(page + 4096), with: Data(repeating: 0xA5, count: 4096))
        try data.write(to: URL(fileURLWithPath: l.ledgerPath))
        let v = try l.csledger(["verify"])
        #expect(v.status == 1 || v.status == 3, "a corrupted ledger verified: \(v.stdout)")
        if v.status == 3 { #expect(v.stderr.contains("damaged") && v.stderr.contains("ledger.sqlite"), "\(v.stderr)") }
        let a = try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"after"}"#, "--key", "Keys/facility.pem"])
        Self.expectFileError(a, ["damaged", "corrupt"])
        // Reconciliation reads every page on several cores through SQLite's C interface: the same one-line error.
        Self.expectFileError(try l.csledger(["reconcile", "--no-verify"]), ["damaged", "corrupt"])
        try FileManager.default.removeItem(atPath: l.ledgerPath)
        try FileManager.default.copyItem(atPath: backup, toPath: l.ledgerPath)
        #expect(try l.verify().status == 0)
    }
}
