import Foundation
import Testing

/// The crash harness, short: real csledger and csledgerd processes killed with SIGKILL during appends.
/// The long run (200+ kills) is `Scripts/crash-harness.sh --kills 200`; see docs/RELIABILITY.md.
@Suite("Crash safety (SIGKILL during appends)")
struct CrashHarnessTests {
    @Test("10 kills of csledger and csledgerd: verify clean, acknowledged entries intact, nothing partial")
    func tenKills() throws {
        let dir = try TempDir()
        let harness = CLI.productsDirectory.appendingPathComponent("crash-harness").path
        let r = try CLI.run(harness, ["--kills", "10", "--max-delay", "0.5", "--seed", "20261123", "--work", dir.path("work"),
                                      "--bin", CLI.productsDirectory.path], in: dir.url)
        #expect(r.status == 0, "crash-harness failed: \(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("crash-harness: OK: "), "\(r.stdout)")
        #expect(r.stdout.contains("csledgerd)"), "daemon rounds ran: \(r.stdout)")
    }
}
