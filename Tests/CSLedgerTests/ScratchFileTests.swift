import Foundation
import Testing

/// The scratch files that rebuilding the derived tables writes (`verify`, the integrity gate, `repair`): none
/// is left behind by a run that ends, and one left by a killed process is removed by the next run.
@Suite("Scratch files in the temporary directory")
struct ScratchFileTests {
    @Test("repair and verify leave no scratch file; one of a process that died is swept, one of a live process is kept")
    func sweptAndRemoved() throws {
        let l = try CLILedger(entries: 5)
        let tmp = l.root.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let dead = "csledger-rebuild-\(ended.processIdentifier)-\(UUID().uuidString).sqlite"
        let live = "csledger-rebuild-\(getpid())-\(UUID().uuidString).sqlite"
        for name in [dead, dead + "-wal", live, "csledger-notes.sqlite", "other.sqlite"] {
            #expect(FileManager.default.createFile(atPath: tmp.appendingPathComponent(name).path, contents: Data("x".utf8)))
        }
        let env = ["TMPDIR": tmp.path]
        let repair = try CLI.csledger(["repair", "--facility-key", "Keys/facility.pem"], in: l.root, env: env)
        #expect(repair.status == 0, "\(repair.stdout) \(repair.stderr)")
        let verify = try CLI.csledger(["verify"], in: l.root, env: env)
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: tmp.path))
        #expect(left == [live, "csledger-notes.sqlite", "other.sqlite"], "\(left.sorted())")
    }
}
